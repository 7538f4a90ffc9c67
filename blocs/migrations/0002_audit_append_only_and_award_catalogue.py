"""The audit trail refuses UPDATE (and, on PostgreSQL, DELETE) in the database itself, and the award
catalogue ships with the standard Vietnamese titles and forms (domain.md §2)."""

from django.db import migrations

from blocs.catalogue import STANDARD_AWARDS, add_standard_awards

PG_FORWARD = """
CREATE OR REPLACE FUNCTION blocs_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER blocs_auditentry_no_update BEFORE UPDATE OR DELETE ON blocs_auditentry
    FOR EACH ROW EXECUTE FUNCTION blocs_auditentry_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS blocs_auditentry_no_update ON blocs_auditentry;
DROP FUNCTION IF EXISTS blocs_auditentry_append_only();
"""
# SQLite: UPDATE only. Test teardown on SQLite empties tables with DELETE, which a DELETE trigger would
# block; the model and the admin refuse deletes there.
SQLITE_FORWARD = """
CREATE TRIGGER blocs_auditentry_no_update BEFORE UPDATE ON blocs_auditentry
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS blocs_auditentry_no_update;"


def triggers(apps, schema_editor, forward=True):
    vendor = schema_editor.connection.vendor
    sql = {("postgresql", True): PG_FORWARD, ("postgresql", False): PG_REVERSE,
           ("sqlite", True): SQLITE_FORWARD, ("sqlite", False): SQLITE_REVERSE}.get((vendor, forward))
    if sql:
        schema_editor.execute(sql)


def add_catalogue(apps, schema_editor):
    add_standard_awards(apps)


def remove_catalogue(apps, schema_editor):
    apps.get_model("blocs", "Award").objects.filter(code__in=[row[0] for row in STANDARD_AWARDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("blocs", "0001_registry")]

    operations = [
        migrations.RunPython(triggers, lambda apps, se: triggers(apps, se, forward=False)),
        migrations.RunPython(add_catalogue, remove_catalogue),
    ]
