"""Load the demo blocs and one demo user per role (issue 2, item 10).

Three archives from blocs/fixtures/demo/, read by the archive importer like any other archive:
"khoi-dang" 2022 (the seed year: scores, the meeting, five closed rounds and their proposals; imported at its
meeting, then its year-end report is drafted, commented on, answered, adopted and the year submitted to the
province through the services, reports/demo.py) and 2023 (registration open), and "khoi-noi-chinh" 2026,
whose meeting is under way with the Government-flag round open: its two online ballots are sealed under the
counting committee's passphrase, which the demo publishes (DEMO_PASSPHRASE) so that a newcomer can close the
round. Sign-ins and the passphrase are printed only in demo mode (settings.DEMO_MODE); elsewhere the users get
no usable password, an administrator sets one, and the passphrase is a random one that is printed once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from awards import ballot_box
from awards.services import rounds as round_services
from blocs.archive import archive_import
from blocs.models import Bloc, BlocYear, RoleGrant, Unit, User
from reports.demo import seed_year_finish

FIXTURES = Path(__file__).resolve().parents[3] / "blocs" / "fixtures" / "demo"
ARCHIVES = ("khoi-dang-2022.json", "khoi-dang-2023.json", "khoi-noi-chinh-2026.json")
SEED_ARCHIVE = "khoi-dang-2022.json"  # archived as submitted; loaded at its meeting to walk its last steps
PARTY, STATE = "khoi-dang", "khoi-noi-chinh"
HEADER = ("Username", "Password", "Role", "Name")
# Published, so only for the demo: a real meeting's passphrase is random and shown once (docs/secrecy.md).
DEMO_PASSPHRASE = "DEMQVNCHKTDA2626"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str  # family and middle names, so that get_full_name() reads the Vietnamese way
    last_name: str
    job_title: str
    role: str
    unit: str | None = None  # short code
    grants: tuple[tuple[str, str], ...] = field(default=())  # (role, bloc code)
    tries: str = ""


DEMO_USERS = (
    DemoUser("thuky", "Trần Thị", "Thu", "Chuyên viên Ban Tuyên giáo Tỉnh ủy, thư ký Khối",
             "Secretariat of both blocs", "BTGTU", (("secretariat", PARTY), ("secretariat", STATE)),
             "khoi-dang 2022: scores, rounds, counting minutes; khoi-noi-chinh 2026: enter paper ballots, "
             "open the next rounds"),
    DemoUser("daidien", "Nguyễn Văn", "Hùng", "Chánh Văn phòng Ban Dân vận Tỉnh ủy",
             "Representative of Ban Dân vận Tỉnh ủy", "BDVTU", (("representative", PARTY),),
             "register Ban Dân vận for 2023; read its 2022 scorecard, the results and the counted ballots"),
    DemoUser("daidien2", "Phạm Thị", "Lan", "Phó Chánh Văn phòng Tỉnh ủy",
             "Representative of Văn phòng Tỉnh ủy", "VPTU", (("representative", PARTY),),
             "see the 2023 registration already submitted by Văn phòng Tỉnh ủy"),
    DemoUser("truongkhoi", "Hoàng Minh", "Tuấn", "Trưởng Ban Tuyên giáo Tỉnh ủy",
             "Chair of khoi-dang (2022 and 2023)", "BTGTU", (("chair", PARTY),),
             "khoi-dang 2022: the results of the five rounds and the proposals"),
    DemoUser("daidien_nc", "Nguyễn Hữu", "Phước", "Chánh Văn phòng Sở Tư pháp",
             "Representative of Sở Tư pháp", "STP", (("representative", STATE),),
             "khoi-noi-chinh 2026: cast Sở Tư pháp's ballot in the open Government-flag round"),
    DemoUser("truongkhoi_nc", "Lê Quang", "Vinh", "Chánh án Tòa án nhân dân tỉnh",
             "Chair of khoi-noi-chinh (2026)", "TANDT", (("chair", STATE),),
             "khoi-noi-chinh 2026: close the open round and read the result, then open the next one"),
    DemoUser("bantdkt", "Đỗ Thị", "Mai", "Chuyên viên Ban Thi đua – Khen thưởng tỉnh",
             "Province board", None, (("board", PARTY),), "read every bloc of the province; import an archive"),
    DemoUser("quantri", "Võ Văn", "Bình", "Quản trị hệ thống", "Administrator", None, (),
             "everything, and the Django admin"),
)


def demo_password(username: str) -> str:
    return f"demo-{username}-2022"


def _grant(user: User, kind: str, bloc: Bloc) -> None:
    scopes: dict[str, list[dict[str, Any]]] = {
        "secretariat": [{"bloc": bloc}],
        "representative": [{"unit": user.unit}],
        "chair": [{"bloc_year": year} for year in BlocYear.objects.filter(bloc=bloc)],
        "board": [{"province": bloc.province}],
    }
    for scope in scopes[kind]:
        RoleGrant.objects.get_or_create(user=user, kind=kind, **scope)


def _make_user(spec: DemoUser, with_password: bool) -> User:
    user, _created = User.objects.update_or_create(username=spec.username, defaults={
        "first_name": spec.first_name, "last_name": spec.last_name, "job_title": spec.job_title,
        "unit": Unit.objects.get(short_code=spec.unit) if spec.unit else None,
        "is_staff": spec.username == "quantri", "is_superuser": spec.username == "quantri",
    })
    if with_password:
        user.set_password(demo_password(spec.username))
    else:
        user.set_unusable_password()
    user.save()
    for kind, bloc_code in spec.grants:
        _grant(user, kind, Bloc.objects.get(code=bloc_code))
    return user


class Command(BaseCommand):
    help = "Load the demo blocs “khoi-dang” (2022, 2023) and “khoi-noi-chinh” (2026) and one demo user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when any bloc exists already.")

    def handle(self, *args: Any, if_empty: bool = False, **options: Any) -> None:
        if if_empty and Bloc.objects.exists():
            self.stdout.write("Blocs exist already; the demo data was not loaded.")
            return
        with_password = bool(settings.DEMO_MODE)
        try:
            with transaction.atomic():
                years = [archive_import(actor=None, data=self._archive(name)) for name in ARCHIVES]
                users = [_make_user(spec, with_password) for spec in DEMO_USERS]
                seed_year_finish(bloc_year=years[0], secretary=User.objects.get(username="thuky"),
                                 chair=User.objects.get(username="truongkhoi"))
                years[0].refresh_from_db()
                meeting_year = BlocYear.objects.get(bloc__code=STATE, year=2026)
                passphrase = round_services.ballot_box_reseal(actor=None, bloc_year=meeting_year,
                                                              passphrase=DEMO_PASSPHRASE if with_password else None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        for year in years:
            self.stdout.write(self.style.SUCCESS(f"Loaded {year} ({year.get_status_display()})."))
        self._print_sign_ins(users, with_password)
        self.stdout.write(f"\nCounting committee's passphrase for {meeting_year} (needed to close its rounds): "
                          f"{ballot_box.passphrase_display(passphrase)}")

    def _archive(self, name: str) -> dict[str, Any]:
        data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        if name == SEED_ARCHIVE:
            data["bloc_year"]["status"] = BlocYear.Status.MEETING
        return data

    def _print_sign_ins(self, users: list[User], with_password: bool) -> None:
        specs = {spec.username: spec for spec in DEMO_USERS}
        rows = [(user.username, demo_password(user.username) if with_password else "—",
                 specs[user.username].role, user.get_full_name()) for user in users]
        table = [HEADER, *rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
        for row in table:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
        if not with_password:
            self.stdout.write(self.style.WARNING(
                "Passwords were not set (DEMO_MODE is off). Set one with "
                "`manage.py changepassword <username>`."))
            return
        self.stdout.write("\nWhat to try:")
        for user in users:
            self.stdout.write(f"  {user.username.ljust(widths[0])}  {specs[user.username].tries}")
        self.stdout.write("  A round in two minutes: sign in as daidien_nc and vote in khoi-noi-chinh 2026, "
                          "then as truongkhoi_nc close the round, typing the committee's passphrase printed below.")
