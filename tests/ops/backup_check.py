"""Backups (docs/backup.md): back up, restore into a fresh database, and find everything intact.

    .venv/bin/python -m tests.ops.backup_check          (or: make backup-check)

Builds a world in `ops_<run>_world` (tests/ops/scenario.py: five closed rounds with their ballots, a
meeting with open rounds, the year-end report adopted with its stored PDF, a signed covenant scan),
then, as docs/backup.md tells the operator:

1. backs it up: `pg_dump -Fc`, then a copy of the media folder;
2. restores: `createdb ops_<run>_restore`, `pg_restore --no-owner -d`, the media copy put back;
3. compares the restored database with the original: the tables, every table's row count and content
   (an MD5 of all its rows), every ballot (round, receipt, choices), the sequences, the triggers (the
   audit trail stays append-only), every file of the media folder, and every adopted PDF re-hashed from
   the restored media against its recorded SHA-256 fingerprint.

Second path, the bloc-year archive (docs/archive-format.md): export the seed year, import it into an
empty database (given the same user accounts, which an archive names but never carries), export again:
the two archives must be identical.

Prints what it compared and exits 1 on any difference. tests/ops/test_backup.py runs the same checks in
CI, on the world the other ops tests share.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2 import sql

from tests.ops import pg
from tests.ops.support import django_env, migrate, run_django, seed


@dataclass
class Result:
    """What was compared (for the operator to read) and what differed (must be empty)."""

    compared: dict[str, Any] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)

    def same(self, what: str, original: Any, restored: Any) -> None:
        if original != restored:
            self.differences.append(f"{what}: original {_short(original)} != restored {_short(restored)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "…"


# --- The backup and the restore (docs/backup.md) ---------------------------------------------------------------


def back_up(database: str, media: Path, folder: Path) -> tuple[Path, Path]:
    """`pg_dump -Fc` first, then the media folder: every file the dump names is in the copy."""
    dump = folder / "thidua.dump"
    pg.dump(database, dump)
    media_copy = folder / "media-backup"
    shutil.copytree(media, media_copy)
    return dump, media_copy


def restore(dump: Path, media_copy: Path, database: str, media: Path) -> None:
    """`createdb` + `pg_restore --no-owner -d`, then the media folder back."""
    pg.restore(dump, database)
    shutil.copytree(media_copy, media)


# --- Comparisons ---------------------------------------------------------------------------------------------


def table_contents(database: str) -> dict[str, tuple[int, str]]:
    """Every table: (row count, MD5 of all its rows as text in a fixed order)."""
    contents = {}
    for table in pg.tables(database):
        query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                        "FROM {} t").format(sql.Identifier(table))
        contents[table] = pg.rows(database, query)[0]
    return contents


def ballots(database: str) -> list[tuple]:
    return pg.rows(database, "SELECT round_id, receipt, choices::text, source, invalid_reason FROM awards_ballot "
                             "ORDER BY round_id, receipt")


def sequences(database: str) -> list[tuple]:
    return pg.rows(database, "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' "
                             "ORDER BY 1")


def triggers(database: str) -> list[tuple]:
    return pg.rows(database, "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
                             "ORDER BY 1, 2")


def files(media: Path) -> dict[str, str]:
    """Every file of a media folder: its SHA-256."""
    return {str(path.relative_to(media)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(media.rglob("*")) if path.is_file()}


def adopted_pdfs(database: str, media: Path) -> list[tuple[int, str, str, str | None]]:
    """(version, file, recorded fingerprint, SHA-256 of the file in `media` or None when it is missing)."""
    found = []
    for pk, name, recorded in pg.rows(database, "SELECT id, pdf, pdf_sha256 FROM reports_reportversion "
                                                "WHERE status = 'adopted' ORDER BY id"):
        path = media / name
        found.append((pk, name, recorded, hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None))
    return found


def named_files(database: str) -> list[str]:
    """The files the database names: covenant scans, evidence, adopted PDFs."""
    return [row[0] for row in pg.rows(
        database, "SELECT scan FROM blocs_covenant WHERE scan <> '' UNION ALL "
                  "SELECT file FROM blocs_evidence WHERE file <> '' UNION ALL "
                  "SELECT pdf FROM reports_reportversion WHERE pdf <> '' ORDER BY 1")]


def audit_trail_refuses_changes(database: str) -> bool:
    try:
        pg.rows(database, "UPDATE blocs_auditentry SET action = action WHERE id = (SELECT min(id) FROM "
                          "blocs_auditentry) RETURNING id")
    except psycopg2.Error:
        return True
    return False


def compare(original: str, original_media: Path, restored: str, restored_media: Path) -> Result:
    result = Result()
    before, after = table_contents(original), table_contents(restored)
    result.same("tables", sorted(before), sorted(after))
    for table in sorted(set(before) & set(after)):
        result.same(f"{table}: row count", before[table][0], after[table][0])
        result.same(f"{table}: rows", before[table][1], after[table][1])
    result.compared["tables"] = len(before)
    result.compared["rows"] = sum(count for count, _digest in before.values())
    result.same("ballots (round, receipt, choices)", ballots(original), ballots(restored))
    result.compared["ballots"] = len(ballots(original))
    result.same("sequences", sequences(original), sequences(restored))
    result.same("triggers", triggers(original), triggers(restored))
    result.same("media files (SHA-256)", files(original_media), files(restored_media))
    result.compared["media files"] = len(files(original_media))
    missing = [name for name in named_files(restored) if not (restored_media / name).is_file()]
    result.same("files the database names that are missing from the media", [], missing)
    pdfs = adopted_pdfs(restored, restored_media)
    result.same("adopted PDFs", [row[:3] for row in adopted_pdfs(original, original_media)], [row[:3] for row in pdfs])
    for pk, name, recorded, actual in pdfs:
        result.same(f"fingerprint of the adopted PDF of version {pk} ({name})", recorded, actual)
    result.compared["adopted PDFs re-hashed"] = len(pdfs)
    result.same("the audit trail refuses UPDATE after the restore", True, audit_trail_refuses_changes(restored))
    for what in ("ballots", "adopted PDFs re-hashed", "media files"):
        if not result.compared[what]:
            result.differences.append(f"nothing to compare: the world has no {what}")
    return result


def check_backup(database: str, media: Path, folder: Path, restore_name: str) -> Result:
    """Back up `database` + `media`, restore into `restore_name`, compare. The caller drops `restore_name`."""
    started = time.perf_counter()
    dump, media_copy = back_up(database, media, folder)
    restored_media = folder / "media-restored"
    restore(dump, media_copy, restore_name, restored_media)
    result = compare(database, media, restore_name, restored_media)
    result.compared["dump size (KiB)"] = round(dump.stat().st_size / 1024)
    result.compared["seconds"] = round(time.perf_counter() - started, 1)
    return result


# --- Second path: the bloc-year archive --------------------------------------------------------------------


def check_archive(database: str, media: Path, year: int, empty: str, folder: Path) -> Result:
    """Export `year`, import it into `empty` (a migrated database with nothing in it but the same user
    accounts: an archive names people by username and never carries them), export again."""
    result = Result()
    first, second, users = folder / "archive-1.json", folder / "archive-2.json", folder / "users.json"
    run_django(django_env(pg.url(database), media), "-m", "tests.ops.scenario", "archive-export",
               "--year", str(year), "--out", str(first), "--users", str(users))
    imported_media = folder / "media-archive"
    imported_media.mkdir()
    run_django(django_env(pg.url(empty), imported_media), "-m", "tests.ops.scenario", "archive-roundtrip",
               "--archive", str(first), "--users", str(users), "--out", str(second))
    original, again = first.read_bytes(), second.read_bytes()
    result.compared["archive (bytes)"] = len(original)
    result.compared["ballots in the imported year"] = pg.value(empty, "SELECT count(*) FROM awards_ballot")
    if original != again:
        result.differences.append(f"the archive exported after the import differs from the original "
                                  f"({len(original)} and {len(again)} bytes): diff {first} {second}")
    result.same("ballots of the year (receipt, choices) after the import",
                _year_ballots(database, year), _year_ballots(empty, None))
    pdfs = adopted_pdfs(empty, imported_media)  # the archive's "report" part carries the adopted PDF
    result.same("adopted PDF fingerprints after the import", [row[2] for row in adopted_pdfs(database, media)],
                [row[2] for row in pdfs])
    for _pk, name, recorded, actual in pdfs:
        result.same(f"fingerprint of the imported adopted PDF {name}", recorded, actual)
    result.compared["adopted PDFs re-hashed after the import"] = len(pdfs)
    return result


def _year_ballots(database: str, year: int | None) -> list[tuple]:
    """A year's ballots with their choices as unit short codes (ids differ between the two databases)."""
    where = "WHERE r.bloc_year_id = %s" if year is not None else ""
    return pg.rows(database, "SELECT r.title, b.receipt, b.source, b.invalid_reason, "
                             "(SELECT string_agg(u.short_code, ',' ORDER BY u.short_code) "
                             " FROM jsonb_array_elements_text(b.choices) c JOIN blocs_unit u ON u.id = c::bigint) "
                             f"FROM awards_ballot b JOIN awards_round r ON r.id = b.round_id {where} "
                             "ORDER BY 1, 2", [year] if year is not None else [])


# --- The script ------------------------------------------------------------------------------------------------


def report(title: str, result: Result) -> None:
    print(f"{title}: " + ", ".join(f"{key} {value}" for key, value in result.compared.items()))
    for line in result.differences:
        print(f"  DIFFERENT: {line}")


def main() -> int:
    pg.check_reachable()
    token = pg.run_token()
    names = {purpose: f"{pg.PREFIX}{token}_{purpose}" for purpose in ("world", "restore", "empty")}
    with tempfile.TemporaryDirectory(prefix="ops-backup-") as tmp:
        folder = Path(tmp)
        media = folder / "media"
        media.mkdir()
        try:
            pg.create(names["empty"])
            migrate(django_env(pg.url(names["empty"]), media))
            pg.create(names["world"], template=names["empty"])
            world = seed(django_env(pg.url(names["world"]), media), folder)
            print(f"world: {names['world']} ({', '.join(f'{k} {v}' for k, v in world['seed_year'].items())})")
            backup = check_backup(names["world"], media, folder, names["restore"])
            report("pg_dump -Fc / pg_restore + media copy", backup)
            archive = check_archive(names["world"], media, world["seed_year"]["bloc_year"], names["empty"], folder)
            report("bloc-year archive export → import → export", archive)
        finally:
            pg.drop_all(list(names.values()))
    failed = bool(backup.differences or archive.differences)
    print("BACKUP CHECK FAILED" if failed else "backup check: everything intact")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
