"""Load the demo bloc (khoi-dang, years 2022 and 2023) and one demo user per role (issue 2, item 10).

The years come from the archives in blocs/fixtures/demo/ through the archive importer, like any other
archive. Sign-ins are printed only in demo mode (settings.DEMO_MODE); elsewhere the users get no usable
password and an administrator sets one.
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

from blocs.archive import archive_import
from blocs.models import Bloc, BlocYear, RoleGrant, Unit, User

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
ARCHIVES = ("khoi-dang-2022.json", "khoi-dang-2023.json")
BLOC_CODE = "khoi-dang"
HEADER = ("Username", "Password", "Role", "Name")


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str  # family and middle names, so that get_full_name() reads the Vietnamese way
    last_name: str
    job_title: str
    role: str
    unit: str | None = None  # short code
    grants: tuple[str, ...] = field(default=())


DEMO_USERS = (
    DemoUser("thuky", "Trần Thị", "Thu", "Chuyên viên Ban Tuyên giáo Tỉnh ủy, thư ký Khối",
             "Secretariat", "BTGTU", ("secretariat",)),
    DemoUser("daidien", "Nguyễn Văn", "Hùng", "Chánh Văn phòng Ban Dân vận Tỉnh ủy",
             "Representative of Ban Dân vận Tỉnh ủy", "BDVTU", ("representative",)),
    DemoUser("daidien2", "Phạm Thị", "Lan", "Phó Chánh Văn phòng Tỉnh ủy",
             "Representative of Văn phòng Tỉnh ủy", "VPTU", ("representative",)),
    DemoUser("truongkhoi", "Hoàng Minh", "Tuấn", "Trưởng Ban Tuyên giáo Tỉnh ủy",
             "Chair (2022 and 2023)", "BTGTU", ("chair",)),
    DemoUser("bantdkt", "Đỗ Thị", "Mai", "Chuyên viên Ban Thi đua – Khen thưởng tỉnh",
             "Province board", None, ("board",)),
    DemoUser("quantri", "Võ Văn", "Bình", "Quản trị hệ thống", "Administrator", None, ()),
)


def demo_password(username: str) -> str:
    return f"demo-{username}-2022"


def _grant(user: User, kind: str, bloc: Bloc) -> None:
    scopes: dict[str, list[dict[str, Any]]] = {
        "secretariat": [{"bloc": bloc}],
        "representative": [{"unit": user.unit}],
        "chair": [{"bloc_year": year} for year in BlocYear.objects.filter(bloc=bloc, year__in=(2022, 2023))],
        "board": [{"province": bloc.province}],
    }
    for scope in scopes[kind]:
        RoleGrant.objects.get_or_create(user=user, kind=kind, **scope)


def _make_user(spec: DemoUser, bloc: Bloc, with_password: bool) -> User:
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
    for kind in spec.grants:
        _grant(user, kind, bloc)
    return user


class Command(BaseCommand):
    help = "Load the demo bloc “khoi-dang” (2022 and 2023) and one demo user per role."

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
                bloc = Bloc.objects.get(code=BLOC_CODE)
                users = [_make_user(spec, bloc, with_password) for spec in DEMO_USERS]
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        for year in years:
            self.stdout.write(self.style.SUCCESS(f"Loaded {year} ({year.get_status_display()})."))
        self._print_sign_ins(users, with_password)

    def _archive(self, name: str) -> dict[str, Any]:
        return json.loads((FIXTURES / name).read_text(encoding="utf-8"))

    def _print_sign_ins(self, users: list[User], with_password: bool) -> None:
        roles = {spec.username: spec.role for spec in DEMO_USERS}
        rows = [(user.username, demo_password(user.username) if with_password else "—",
                 roles[user.username], user.get_full_name()) for user in users]
        table = [HEADER, *rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
        for row in table:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
        if not with_password:
            self.stdout.write(self.style.WARNING(
                "Passwords were not set (DEMO_MODE is off). Set one with "
                "`manage.py changepassword <username>`."))

