"""The audit trail refuses UPDATE (and, on PostgreSQL, DELETE) in the database itself, and the award
catalogue ships with the standard Vietnamese titles and forms (domain.md §2)."""

from django.db import migrations

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

CATALOGUE = [
    # code, name, kind, level, collectives, individuals, order
    ("huan-chuong-lao-dong", "Huân chương Lao động", "form", "national", True, True, 5),
    ("co-thi-dua-chinh-phu", "Cờ thi đua của Chính phủ", "title", "national", True, False, 10),
    ("bang-khen-thu-tuong", "Bằng khen của Thủ tướng Chính phủ", "form", "national", True, True, 15),
    ("co-thi-dua-ubnd-tinh", "Cờ thi đua của UBND tỉnh", "title", "provincial", True, False, 20),
    ("bang-khen-chu-tich-ubnd-tinh", "Bằng khen của Chủ tịch UBND tỉnh", "form", "provincial", True, True, 30),
    ("tap-the-lao-dong-xuat-sac", "Tập thể lao động xuất sắc", "title", "provincial", True, False, 40),
    ("tap-the-lao-dong-tien-tien", "Tập thể lao động tiên tiến", "title", "unit", True, False, 50),
    ("giay-khen", "Giấy khen", "form", "unit", True, True, 60),
    ("chien-si-thi-dua-cap-tinh", "Chiến sĩ thi đua cấp tỉnh", "title", "provincial", False, True, 70),
    ("chien-si-thi-dua-co-so", "Chiến sĩ thi đua cơ sở", "title", "unit", False, True, 80),
    ("lao-dong-tien-tien", "Lao động tiên tiến", "title", "unit", False, True, 90),
]


def triggers(apps, schema_editor, forward=True):
    vendor = schema_editor.connection.vendor
    sql = {("postgresql", True): PG_FORWARD, ("postgresql", False): PG_REVERSE,
           ("sqlite", True): SQLITE_FORWARD, ("sqlite", False): SQLITE_REVERSE}.get((vendor, forward))
    if sql:
        schema_editor.execute(sql)


def add_catalogue(apps, schema_editor):
    Award = apps.get_model("blocs", "Award")
    for code, name, kind, level, collectives, individuals, order in CATALOGUE:
        Award.objects.get_or_create(code=code, defaults={
            "name": name, "kind": kind, "level": level, "for_collectives": collectives,
            "for_individuals": individuals, "order": order})


def remove_catalogue(apps, schema_editor):
    apps.get_model("blocs", "Award").objects.filter(code__in=[row[0] for row in CATALOGUE]).delete()


class Migration(migrations.Migration):
    dependencies = [("blocs", "0001_registry")]

    operations = [
        migrations.RunPython(triggers, lambda apps, se: triggers(apps, se, forward=False)),
        migrations.RunPython(add_catalogue, remove_catalogue),
    ]
