"""The bloc-year archive (blocs/archive.py), its screens and the demo loader (issue 2, items 9 and 10)."""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from blocs import permissions
from blocs.archive import archive_dumps, archive_export, archive_import
from blocs.models import (
    AuditEntry,
    Award,
    Bloc,
    BlocYear,
    Covenant,
    CovenantItem,
    Membership,
    Province,
    Registration,
    RoleGrant,
    Unit,
    User,
)
from blocs.services.registration import covenant_update
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "blocs" / "fixtures" / "demo"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
MODELS = (Province, Unit, Bloc, BlocYear, Membership, Covenant, CovenantItem, Registration, Award, AuditEntry, User)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # noqa: ANN001, ANN202
    settings.MEDIA_ROOT = tmp_path / "media"


def demo(year: int) -> dict[str, Any]:
    return json.loads((DEMO / f"khoi-dang-{year}.json").read_text(encoding="utf-8"))


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def refusal(data: dict[str, Any]) -> str:
    """The English text of the import's refusal; fails the test if the import is accepted."""
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        archive_import(actor=None, data=data)
    return " ".join(caught.value.messages)


# --- Round trip ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["khoi-dang-2022.json", "khoi-dang-2023.json", "khoi-noi-chinh-2026.json"])
def test_demo_archive_round_trips_byte_for_byte(name):
    text = (DEMO / name).read_text(encoding="utf-8")
    fixture = json.loads(text)
    assert text == canonical(fixture) + "\n"

    bloc_year = archive_import(actor=None, data=fixture)

    assert archive_dumps(bloc_year) == canonical(fixture)
    assert bloc_year.status == fixture["bloc_year"]["status"]


def test_the_documented_example_is_a_valid_archive():
    text = (DEMO.parents[2] / "docs" / "archive-format.md").read_text(encoding="utf-8")
    example = json.loads(text.split("```json", 1)[1].split("```", 1)[0])

    assert archive_dumps(archive_import(actor=None, data=example)) == canonical(example)


def test_text_is_stored_composed_nfc():
    data = demo(2022)
    data["bloc_year"]["place_name"] = unicodedata.normalize("NFD", "Quảng Trị")

    bloc_year = archive_import(actor=None, data=data)

    assert bloc_year.place_name == "Quảng Trị" and len(bloc_year.place_name) == 9


def test_import_writes_what_the_archive_says(world):
    bloc_year = archive_import(actor=world.users["board"], data=demo(2022))

    assert bloc_year.memberships.count() == 9
    assert bloc_year.memberships.get(position=Membership.Position.HEAD).unit.name == "Ban Tuyên giáo Tỉnh ủy"
    late = Registration.objects.get(bloc_year=bloc_year, is_late=True)
    assert late.unit.name == "Trường Chính trị tỉnh"
    assert timezone.localtime(late.submitted_at) == dt.datetime(2022, 3, 18, 10, 30,
                                                                tzinfo=timezone.get_default_timezone())
    assert bloc_year.covenant.signed_on == dt.date(2022, 3, 8) and bloc_year.covenant.items.count() == 6
    entry = AuditEntry.objects.get(action="blocs.archive.imported")
    assert entry.bloc_year == bloc_year and entry.actor == world.users["board"]
    assert entry.changes["members"] == 9 and entry.changes["registrations"] == 9


def test_round_trip_keeps_who_submitted_and_the_signed_scan(world, settings, tmp_path):
    source = world.bloc_year
    covenant_update(actor=None, bloc_year=source, signed_on=dt.date(2022, 3, 8), signed_place="Hội trường",
                    items=[("Nội dung", "Chỉ tiêu")], scan=SimpleUploadedFile("giao-uoc.png", PNG))
    Registration.objects.create(bloc_year=source, unit=world.member.unit, targets="Hoàn thành xuất sắc",
                                submitted_at=timezone.now(), submitted_by=world.users["representative"])
    exported = archive_export(source)
    exported["bloc_year"]["year"] = 2021  # the same bloc and units, a year that does not exist yet
    settings.MEDIA_ROOT = tmp_path / "other-media"  # as on another server: no file name to clash with

    copy_year = archive_import(actor=None, data=exported)

    assert archive_export(copy_year) == exported
    assert Registration.objects.get(bloc_year=copy_year).submitted_by == world.users["representative"]
    with copy_year.covenant.scan.open("rb") as scan:
        assert scan.read() == PNG


def test_an_unknown_submitter_becomes_nobody(world):
    data = demo(2022)
    data["registrations"][0]["submitted_by"] = "khong_co_ai"

    bloc_year = archive_import(actor=None, data=data)

    assert not Registration.objects.filter(bloc_year=bloc_year, submitted_by__isnull=False).exists()


def test_units_renamed_or_merged_travel_with_their_predecessors():
    data = demo(2022)
    data["units"] += [
        {"short_code": "BDV-CU", "name": "Ban Dân vận (cũ)", "parent_body": "", "kind": "party",
         "is_active": False, "renamed_from": None, "merged_into": None},
        {"short_code": "BNC-MOI", "name": "Ban Nội chính (sau hợp nhất)", "parent_body": "", "kind": "party",
         "is_active": True, "renamed_from": None, "merged_into": None},
    ]
    data["units"] = sorted(data["units"], key=lambda unit: unit["short_code"])
    units = {unit["short_code"]: unit for unit in data["units"]}
    units["BDVTU"]["renamed_from"] = "BDV-CU"
    units["BNCTU"]["merged_into"] = "BNC-MOI"

    bloc_year = archive_import(actor=None, data=data)

    assert Unit.objects.get(short_code="BDVTU").renamed_from.name == "Ban Dân vận (cũ)"
    assert Unit.objects.get(short_code="BNCTU").merged_into.name == "Ban Nội chính (sau hợp nhất)"
    assert archive_dumps(bloc_year) == canonical(data)


def test_refuses_units_linked_in_a_circle():
    data = demo(2022)
    data["units"][0]["renamed_from"] = data["units"][1]["short_code"]
    data["units"][1]["merged_into"] = data["units"][0]["short_code"]
    assert "go round in a circle" in refusal(data)
    assert not Unit.objects.exists()


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [path] + [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [path] + [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [path]


def test_any_odd_value_anywhere_is_refused_politely_or_accepted():
    """No value in any place makes the importer fail with anything but a ValidationError."""
    original = demo(2023)
    for path in _leaves(original)[1:]:
        for odd in (None, 12345, "x", [1], {"a": 1}):
            data = json.loads(canonical(original))
            *parents, last = path
            target = data
            for key in parents:
                target = target[key]
            target[last] = odd
            with transaction.atomic():
                try:
                    archive_import(actor=None, data=data)
                except ValidationError:
                    pass
                transaction.set_rollback(True)
    assert not Bloc.objects.exists()


# --- Refusals --------------------------------------------------------------------------------------------


def test_refuses_another_version_and_says_which_ones_are_read():
    data = demo(2022) | {"version": 4}
    assert "version 4" in refusal(data) and "reads versions 1, 2, 3 only" in refusal(data)
    assert not Bloc.objects.exists()


def test_reads_a_version_1_archive():
    data = demo(2023)
    del data["scoring"], data["voting"]

    bloc_year = archive_import(actor=None, data=data | {"version": 1})

    assert archive_export(bloc_year) == demo(2023)  # written back as version 3, with empty new parts


def test_refuses_another_format():
    assert "not a bloc-year archive" in refusal(demo(2022) | {"format": "something-else"})


def test_refuses_a_missing_key():
    data = demo(2022)
    del data["covenant"]
    assert refusal(data) == "The archive lacks “covenant”."
    data = demo(2022)
    del data["units"][0]["name"]
    assert refusal(data) == "The archive lacks “name” in “units[0]”."


def test_refuses_a_membership_naming_a_unit_not_in_the_archive():
    data = demo(2022)
    data["memberships"][3]["unit"] = "KHONGCO"
    message = refusal(data)
    assert "KHONGCO" in message and "not among the archive's units" in message
    assert not Unit.objects.exists()


def test_refuses_a_registration_naming_an_award_not_in_the_archive():
    data = demo(2022)
    data["registrations"][0]["awards"].append("huan-chuong-sao-vang")
    assert "huan-chuong-sao-vang" in refusal(data)


def test_refuses_an_invalid_value_naming_where_it_is():
    data = demo(2022)
    data["bloc_year"]["status"] = "dang-chay"
    assert "“status” in “bloc_year”" in refusal(data)


def test_refuses_a_year_that_exists_already():
    archive_import(actor=None, data=demo(2022))
    before = row_counts()

    assert "already has a year 2022" in refusal(demo(2022))
    assert row_counts() == before


def test_refuses_a_unit_code_that_exists_under_another_name():
    archive_import(actor=None, data=demo(2022))
    data = demo(2023)
    data["units"][0]["name"] = "Báo Quảng Trị điện tử"
    before = row_counts()

    message = refusal(data)

    assert "BAOQT" in message and "Báo Quảng Trị điện tử" in message
    assert row_counts() == before


def test_a_refusal_late_in_the_import_saves_nothing():
    """The units are reused and a new bloc is made before the clash is found: all of it is undone."""
    archive_import(actor=None, data=demo(2022))
    data = demo(2022)
    data["bloc"] |= {"code": "khoi-moi", "name": "Khối mới"}
    data["units"].append({"short_code": "MOI", "name": "Đơn vị mới", "parent_body": "", "kind": "party",
                          "is_active": True, "renamed_from": None, "merged_into": None})
    before = row_counts()

    assert "already a member of Khối thi đua các Ban, cơ quan của Đảng in 2022" in refusal(data)
    assert row_counts() == before
    assert not Bloc.objects.filter(code="khoi-moi").exists() and not Unit.objects.filter(short_code="MOI").exists()


# --- The demo loader ---------------------------------------------------------------------------------------


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    return out.getvalue()


def test_load_demo_if_empty_loads_once_and_prints_the_sign_ins(settings):
    settings.DEMO_MODE = True
    first = load_demo()
    counts = row_counts()
    second = load_demo()

    assert row_counts() == counts
    assert BlocYear.objects.filter(bloc__code="khoi-dang").count() == 2
    assert BlocYear.objects.filter(bloc__code="khoi-noi-chinh", year=2026).count() == 1
    for username in ("thuky", "daidien", "daidien2", "truongkhoi", "daidien_nc", "truongkhoi_nc", "bantdkt",
                     "quantri"):
        assert username in first
        assert User.objects.get(username=username).check_password(f"demo-{username}-2022")
    assert "demo-thuky-2022" in first
    assert "not loaded" in second and "thuky" not in second


def test_demo_users_hold_their_roles():
    load_demo()
    year_2023 = BlocYear.objects.get(bloc__code="khoi-dang", year=2023)
    daidien = User.objects.get(username="daidien")

    assert permissions.can_register(permissions.roles_of(daidien), year_2023, daidien.unit)
    assert not Registration.objects.filter(bloc_year=year_2023, unit=daidien.unit).exists()
    assert RoleGrant.objects.filter(user__username="truongkhoi", kind="chair").count() == 2
    assert set(RoleGrant.objects.filter(user__username="thuky", kind="secretariat")
               .values_list("bloc__code", flat=True)) == {"khoi-dang", "khoi-noi-chinh"}
    chair_nc = RoleGrant.objects.get(user__username="truongkhoi_nc", kind="chair")
    assert (chair_nc.bloc_year.bloc.code, chair_nc.bloc_year.year) == ("khoi-noi-chinh", 2026)
    assert User.objects.get(username="daidien_nc").unit.name == "Sở Tư pháp"
    assert User.objects.get(username="quantri").is_superuser


def test_load_demo_outside_demo_mode_sets_no_password(settings):
    settings.DEMO_MODE = False
    output = load_demo()

    assert "thuky" in output and "demo-thuky-2022" not in output
    assert "Passwords were not set" in output
    assert not any(is_password_usable(user.password) for user in User.objects.all())


# --- Screens -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [
    ("secretariat", 200), ("admin", 200), ("chair", 403), ("board", 403), ("representative", 403),
    ("outsider", 404),
])
def test_export_view_by_persona(world, as_persona, persona, status):
    response = as_persona(persona).get(reverse("blocs:archive-export", args=[world.bloc_year.pk]))

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"].startswith("application/json")
        filename = f"{world.bloc_year.bloc.code}-2022.json"
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        assert json.loads(response.content)["bloc_year"]["year"] == 2022


def test_export_view_sends_anonymous_visitors_to_sign_in(world):
    response = client_for(None).get(reverse("blocs:archive-export", args=[world.bloc_year.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def upload(client, content: bytes, name: str = "khoi-dang-2022.json"):  # noqa: ANN001, ANN201
    return client.post(reverse("blocs:archive-import"), {"file": SimpleUploadedFile(name, content)},
                       HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "The file is not valid JSON"),
    (canonical(demo(2022) | {"version": 9}).encode(), "this application reads versions 1, 2, 3 only"),
    (canonical(demo(2022) | {"memberships": [{"unit": "KHONGCO", "position": "member"}]}).encode(),
     "names the unit “KHONGCO”"),
])
def test_import_view_shows_why_a_file_is_refused(world, as_persona, content, message):
    before = row_counts()

    response = upload(as_persona("board"), content)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert row_counts() == before


def test_import_view_refuses_another_province_to_the_board(world, as_persona):
    before = row_counts()

    response = upload(as_persona("board"), canonical(demo(2022) | {"province": "Nghệ An"}).encode())

    assert response.status_code == 200
    assert "your own province only (this one is for “Nghệ An”)" in response.content.decode()
    assert row_counts() == before


def test_import_view_lets_the_administrator_import_any_province(world, as_persona):
    response = upload(as_persona("admin"), canonical(demo(2022) | {"province": "Nghệ An"}).encode())

    assert response.status_code == 302
    assert BlocYear.objects.get(bloc__code="khoi-dang").bloc.province.name == "Nghệ An"


def test_import_view_creates_the_year_and_opens_it(world, as_persona):
    client = as_persona("board")
    assert client.get(reverse("blocs:archive-import")).status_code == 200

    response = upload(client, (DEMO / "khoi-dang-2022.json").read_bytes())

    bloc_year = BlocYear.objects.get(bloc__code="khoi-dang", year=2022)
    assert response.status_code == 302 and response["Location"] == bloc_year.get_absolute_url()
    assert AuditEntry.objects.get(action="blocs.archive.imported").actor == world.users["board"]


@pytest.mark.parametrize("persona", ["representative", "secretariat", "chair", "outsider"])
def test_import_view_is_for_the_board_and_the_administrator(world, as_persona, persona):
    assert as_persona(persona).get(reverse("blocs:archive-import")).status_code == 403


def test_year_page_links_the_export_for_the_secretariat_only(world, as_persona):
    url = reverse("blocs:archive-export", args=[world.bloc_year.pk])
    page = reverse("blocs:year-detail", args=[world.bloc_year.pk])
    assert url in as_persona("secretariat").get(page).content.decode()
    assert url not in as_persona("representative").get(page).content.decode()

