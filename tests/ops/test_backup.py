"""Backups (docs/backup.md): a pg_dump restored into a fresh database, with the media folder copied back,
holds every record, ballot and adopted PDF of the original; the bloc-year archive is a second path.

The checks are tests/ops/backup_check.py's (also `make backup-check`), run here on the world the ops
tests share: five closed rounds with 45 ballots, a meeting with open rounds, the adopted report with its
stored PDF, a covenant scan.
"""

from __future__ import annotations

from tests.ops import backup_check, pg
from tests.ops.conftest import Ops


def test_a_restored_backup_holds_every_record_ballot_file_and_adopted_pdf_fingerprint(ops: Ops, tmp_path):
    database, media = ops.clone("backup")
    restored = ops.name("restore")
    ops.created.append(restored)
    result = backup_check.check_backup(database, media, tmp_path, restored)
    assert result.differences == []
    assert result.compared["ballots"] >= 45 and result.compared["adopted PDFs re-hashed"] == 1
    assert result.compared["media files"] == 2  # the covenant scan and the adopted PDF


def test_the_comparison_finds_a_ballot_or_a_pdf_that_did_not_come_back(ops: Ops, tmp_path):
    """The check itself can fail: a restored copy missing one ballot and with a changed PDF is caught."""
    database, media = ops.clone("tampered")
    restored = ops.name("tampered_restore")
    ops.created.append(restored)
    dump, media_copy = backup_check.back_up(database, media, tmp_path)
    backup_check.restore(dump, media_copy, restored, tmp_path / "restored")
    pg.rows(restored, "DELETE FROM awards_ballot WHERE ctid = (SELECT min(ctid) FROM awards_ballot) RETURNING id")
    pdf = next((tmp_path / "restored" / "reports").iterdir())
    pdf.write_bytes(pdf.read_bytes() + b"\n% changed")
    found = "\n".join(backup_check.compare(database, media, restored, tmp_path / "restored").differences)
    assert "awards_ballot: row count" in found and "ballots (round, receipt, choices)" in found
    assert "fingerprint of the adopted PDF" in found and "media files" in found


def test_a_bloc_year_archive_imported_into_an_empty_database_exports_identically(ops: Ops, tmp_path):
    empty = ops.empty("archive")
    result = backup_check.check_archive(ops.world_db, ops.root / "media-world", ops.world["seed_year"]["bloc_year"],
                                        empty, tmp_path)
    assert result.differences == []
    assert result.compared["ballots in the imported year"] >= 45
    assert result.compared["adopted PDFs re-hashed after the import"] == 1

