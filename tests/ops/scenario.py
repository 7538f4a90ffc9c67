"""The Django side of the ops tests, run as a child process against one `ops_*` database.

    python -m tests.ops.scenario seed --out world.json
    python -m tests.ops.scenario archive-export --year PK --out year.json --users users.json
    python -m tests.ops.scenario archive-roundtrip --archive year.json --users users.json --out again.json

The environment names the database (`DATABASE_URL`), the media folder (`DJANGO_MEDIA_ROOT`) and the
settings (`tests.ops.server_settings`); `support.django_env()` builds it. Everything is written through
the services, as the screens would.

The world `seed` builds:
- the seed year (domain.md §7): nine units, five rounds with their 45 ballots, closed; the year-end report
  adopted with its PDF; a signed covenant scan;
- "Khối vận hành thử" 2022 at its meeting: six member units with one representative each (two for the
  second unit), the secretariat and the chair, the first three rounds open, and a draft report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

MEETING_UNITS = 6
PASSWORD_PREFIX = "pw-"  # tests.factories.make_user: the password of user X is "pw-X"
# The smallest file the upload check accepts as a PDF (emulation/kernel/uploads.py reads the leading bytes).
SCAN_PDF = b"%PDF-1.4\n% ops test scan\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# The seed year's vote (domain.md §7), ballot by ballot: unit i of SEED_UNITS casts the i-th ballot.
GOV, FLAG, MERIT = "co-thi-dua-chinh-phu", "co-thi-dua-ubnd-tinh", "bang-khen-chu-tich-ubnd-tinh"
SEED_VOTES = {
    GOV: [["BTG"]] * 7 + [["VPTU"]] * 2,
    FLAG: [["VPTU", "DUK"]] * 7 + [["VPTU", "BTC"]] + [["BTC"]],
    MERIT: [["BTC", "BDV", "BNC"]] * 6 + [["BTC", "BDV", "UBKT"]] * 2 + [["TCT"]],
    "head": [["DUK"]] * 8 + [["BAO"]],
    "deputy": [["VPTU"]] * 9,
}
NARRATIVE = {
    "situation": "Năm 2022, các đơn vị trong Khối đã xây dựng chương trình, kế hoạch công tác thi đua.",
    "strengths": "Phong trào thi đua sôi nổi, thiết thực.",
    "orientation": "Tiếp tục đổi mới công tác thi đua, khen thưởng.",
}


def seed_year() -> dict[str, Any]:
    """The seed year's meeting (tests/awards/conftest.py), its five rounds voted and closed, the report
    adopted with its PDF, and a signed covenant scan."""
    from django.core.files.base import ContentFile

    from awards.services import ballots as ballot_services
    from awards.services import rounds as round_services
    from blocs.services.registration import covenant_update
    from reports.services import report as report_services
    from tests.awards.conftest import seed_meeting
    from tests.factories import round_closed, round_opened

    meeting = seed_meeting()
    voters = list(meeting.units)
    rounds = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    for round_ in rounds:
        round_opened(actor=meeting.chair, round_=round_)
        for voter, choice in zip(voters, SEED_VOTES[round_.award.code if round_.award else round_.kind], strict=True):
            ballot_services.ballot_cast(actor=meeting.reps[voter], round_=round_, unit=meeting.units[voter],
                                        choices=[meeting.units[code].pk for code in choice])
        round_closed(actor=meeting.chair, round_=round_, ballots_issued=len(voters))
    draft = report_services.report_draft_create(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    report_services.report_narrative_update(actor=meeting.secretariat, version=draft, narrative=NARRATIVE)
    adopted = report_services.report_adopt(actor=meeting.chair, version=draft, doc_date=dt.date(2022, 12, 1))
    covenant_update(actor=meeting.secretariat, bloc_year=meeting.bloc_year,
                    signed_on=dt.date(2022, 3, 15), signed_place="Hội trường Tỉnh ủy",
                    items=[("Hoàn thành xuất sắc nhiệm vụ chính trị", "100% đơn vị")],
                    scan=ContentFile(SCAN_PDF, name="giao-uoc-2022.pdf"))
    return {"bloc_year": meeting.bloc_year.pk, "adopted_version": adopted.pk, "pdf_sha256": adopted.pdf_sha256,
            "chair": meeting.chair.username, "rounds": [r.pk for r in rounds],
            "reps": [user.username for user in meeting.reps.values()]}


def _meeting_year() -> dict[str, Any]:
    from awards.services import rounds as round_services
    from blocs.models import BlocYear, Membership, RoleGrant
    from reports.services import report as report_services
    from tests.factories import (
        COMMITTEE_COPY,
        add_member,
        grant,
        make_bloc,
        make_bloc_year,
        make_province,
        make_unit,
        make_user,
        round_opened,
    )

    province = make_province()
    bloc_year = make_bloc_year(bloc=make_bloc(name="Khối vận hành thử", code="khoi-van-hanh", province=province),
                               status=BlocYear.Status.MEETING)
    units = [make_unit(name=f"Đơn vị vận hành {i}", short_code=f"VH{i}", province=province)
             for i in range(1, MEETING_UNITS + 1)]
    for i, unit in enumerate(units):
        add_member(bloc_year, unit, Membership.Position.HEAD if i == 0 else Membership.Position.MEMBER)
    reps = {}
    for i, unit in enumerate(units, 1):
        reps[str(i)] = make_user(f"vh_dai_dien_{i}", unit=unit)
        grant(reps[str(i)], RoleGrant.Kind.REPRESENTATIVE, unit=unit)
    reps["2b"] = make_user("vh_dai_dien_2b", unit=units[1])  # a second representative of the same unit
    grant(reps["2b"], RoleGrant.Kind.REPRESENTATIVE, unit=units[1])
    secretariat = make_user("vh_thu_ky", unit=units[0])
    grant(secretariat, RoleGrant.Kind.SECRETARIAT, bloc=bloc_year.bloc)
    chair = make_user("vh_truong_khoi", unit=units[0])
    grant(chair, RoleGrant.Kind.CHAIR, bloc_year=bloc_year)
    round_services.meeting_save(actor=secretariat, bloc_year=bloc_year, present=units,
                                data={"held_on": dt.date(2022, 12, 1), "place": "Hội trường"},
                                committee=[("Nguyễn Văn A", None), ("Trần Thị B", None), ("Lê Văn C", None)])
    rounds = round_services.rounds_generate(actor=secretariat, bloc_year=bloc_year)[:3]
    for round_ in rounds:
        round_opened(actor=chair, round_=round_)
    draft = report_services.report_draft_create(actor=secretariat, bloc_year=bloc_year)
    report_services.report_narrative_update(actor=secretariat, version=draft, narrative=NARRATIVE)
    return {"bloc_year": bloc_year.pk, "rounds": [r.pk for r in rounds], "units": [u.pk for u in units],
            "reps": {key: user.username for key, user in reps.items()}, "secretariat": secretariat.username,
            "chair": chair.username, "draft_version": draft.pk,
            "passphrase": COMMITTEE_COPY[bloc_year.pk]}  # the counting committee's written copy


def seed(out: Path) -> None:
    world = {"password_prefix": PASSWORD_PREFIX, "seed_year": seed_year(), "meeting": _meeting_year()}
    out.write_text(json.dumps(world, ensure_ascii=False, indent=1))


def archive_export(year: int, out: Path, users: Path) -> None:
    """The year's archive, and the usernames of this installation (the archive names people, never
    carries them: docs/archive-format.md)."""
    from blocs.archive import archive_dumps
    from blocs.models import BlocYear, User

    out.write_text(archive_dumps(BlocYear.objects.get(pk=year)), encoding="utf-8")
    users.write_text(json.dumps(sorted(User.objects.values_list("username", flat=True))))


def archive_roundtrip(archive: Path, users: Path, out: Path) -> None:
    """Give this (empty) database the same user accounts, import the archive, export what was imported."""
    from blocs.archive import archive_dumps, archive_import
    from blocs.models import User
    from emulation.kernel.archive import archive_loads

    User.objects.bulk_create(User(username=name, password="!") for name in json.loads(users.read_text()))
    bloc_year = archive_import(actor=None, data=archive_loads(archive.read_bytes()))
    out.write_text(archive_dumps(bloc_year), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed").add_argument("--out", type=Path, required=True)
    export = commands.add_parser("archive-export")
    export.add_argument("--year", type=int, required=True)
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--users", type=Path, required=True)
    roundtrip = commands.add_parser("archive-roundtrip")
    roundtrip.add_argument("--archive", type=Path, required=True)
    roundtrip.add_argument("--users", type=Path, required=True)
    roundtrip.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.ops.server_settings")
    import django

    django.setup()
    if args.command == "seed":
        seed(args.out)
    elif args.command == "archive-export":
        archive_export(args.year, args.out, args.users)
    else:
        archive_roundtrip(args.archive, args.users, args.out)


if __name__ == "__main__":
    main()
