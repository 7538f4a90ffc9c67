"""A fresh installation set up without the Django admin (issue 10, item 1): the administrator's account comes
from `manage.py create_administrator` with a one-time link; the administrator creates a province and names its
board, whose member sets a password through a printed link; representatives are principals or deputies."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from blocs.models import AuditEntry, Province, Registration, RoleGrant, User
from tests.blocs.test_people import _link_of, _set_password
from tests.conftest import client_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("create_administrator", *args, "--base-url", "http://testserver", stdout=out)
    return out.getvalue()


def test_the_command_makes_an_administrator_with_no_password_and_prints_a_one_time_link():
    output = _command("quantri", "--full-name", "Nguyễn Văn Quản")
    admin = User.objects.get(username="quantri")
    assert admin.is_superuser and admin.is_staff and not admin.has_usable_password()
    assert admin.display_name == "Nguyễn Văn Quản"
    link = re.search(r"http://testserver(/accounts/set-password/\S+/)", output).group(1)
    _set_password(link, "Quan-tri-he-thong-2026")
    assert Client().login(username="quantri", password="Quan-tri-he-thong-2026")
    assert list(AuditEntry.objects.filter(object_id=str(admin.pk)).order_by("pk").values_list("action", flat=True)) \
        == ["blocs.account.created", "blocs.administrator.created", "blocs.signin_link.issued"]
    # Run again (a forgotten password): a new link, no second account.
    assert "/accounts/set-password/" in _command("quantri")
    assert User.objects.filter(username__iexact="quantri").count() == 1


def test_the_command_refuses_to_turn_an_ordinary_account_into_an_administrator():
    make_user("thu_ky")
    with pytest.raises(CommandError):
        _command("thu_ky")
    assert not User.objects.get(username="thu_ky").is_superuser


def test_the_administrator_creates_a_province_and_names_its_board_who_signs_in(world):
    admin = client_for(world.users["admin"])
    assert "Tỉnh và Ban TĐKT" in admin.get(reverse("blocs:home")).content.decode()
    created = admin.post(reverse("blocs:province-create"), {"name": "  Thái   Nguyên "})
    assert created.status_code == 302
    province = Province.objects.get(name="Thái Nguyên")
    twice = admin.post(reverse("blocs:province-create"), {"name": "thái nguyên"})
    assert "Tỉnh “thái nguyên” đã có." in twice.content.decode()
    assert Province.objects.filter(name__iexact="Thái Nguyên").count() == 1

    named = admin.post(reverse("blocs:board-add", args=[province.pk]),
                       {"full_name": "Lê Thị Thu", "job_title": "Chuyên viên Ban TĐKT"})
    assert named.status_code == 302
    person = User.objects.get(last_name="Thu")
    assert RoleGrant.objects.filter(user=person, kind=RoleGrant.Kind.BOARD, province=province).exists()
    page = admin.get(reverse("blocs:province-list")).content.decode()
    assert "Lê Thị Thu" in page and "chưa có mật khẩu" in page

    slip = admin.post(reverse("blocs:board-signin-link", args=[province.pk, person.pk]))
    assert slip.status_code == 200 and "no-store" in slip["Cache-Control"]
    board = _set_password(_link_of(slip), "Ban-thi-dua-2026-QT")
    assert board.login(username=person.username, password="Ban-thi-dua-2026-QT")
    assert board.get(reverse("blocs:bloc-create")).status_code == 200  # the board founds blocs
    actions = list(AuditEntry.objects.filter(object_id=str(person.pk)).order_by("pk").values_list("action", flat=True))
    assert actions == ["blocs.account.created", "blocs.role.granted", "blocs.signin_link.issued"]
    assert AuditEntry.objects.filter(action="blocs.province.created", object_id=str(province.pk)).exists()

    grant = RoleGrant.objects.get(user=person, kind=RoleGrant.Kind.BOARD)
    assert admin.post(reverse("blocs:board-remove", args=[province.pk, grant.pk])).status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEntry.objects.filter(action="blocs.role.revoked", object_id=str(person.pk)).exists()


def test_nobody_but_the_administrator_creates_provinces(world):
    board = client_for(world.users["board"])
    assert board.post(reverse("blocs:province-create"), {"name": "Nghệ An 2"}).status_code == 403
    assert "Tỉnh và Ban TĐKT" not in board.get(reverse("blocs:home")).content.decode()
    assert not Province.objects.filter(name="Nghệ An 2").exists()


def test_the_secretariat_names_a_deputy_and_swaps_principal_and_deputy(world):
    secretariat = client_for(world.users["secretariat"])
    bloc, unit = world.bloc_year.bloc, world.member.unit
    response = secretariat.post(reverse("blocs:representative-add", args=[bloc.pk, unit.pk]),
                                {"full_name": "Hoàng Văn Phó", "is_deputy": "on"})
    assert response.status_code == 302
    deputy = RoleGrant.objects.get(user__last_name="Phó", unit=unit)
    assert deputy.is_deputy
    entry = AuditEntry.objects.get(action="blocs.role.granted", object_id=str(deputy.user_id))
    assert entry.changes["is_deputy"] is True
    page = secretariat.get(reverse("blocs:bloc-people", args=[bloc.pk])).content.decode()
    assert "người thay thế" in page and "đại diện chính" in page

    principal = RoleGrant.objects.get(user=world.users["representative"])
    secretariat.post(reverse("blocs:representative-standing", args=[bloc.pk, principal.pk]), {"is_deputy": "1"})
    secretariat.post(reverse("blocs:representative-standing", args=[bloc.pk, deputy.pk]), {"is_deputy": "0"})
    principal.refresh_from_db()
    deputy.refresh_from_db()
    assert principal.is_deputy and not deputy.is_deputy
    assert AuditEntry.objects.filter(action="blocs.role.standing_changed").count() == 2
    # Principal or deputy, each acts for the unit: the deputy drafts its registration, the former principal
    # (now a deputy) still opens it; another unit's registration stays closed to both.
    url = reverse("blocs:registration-edit", args=[world.bloc_year.pk, unit.pk])
    saved = client_for(deputy.user).post(url, {"targets": "Hoàn thành 100% nhiệm vụ được giao"})
    assert saved.status_code == 302
    assert Registration.objects.get(bloc_year=world.bloc_year, unit=unit).targets.startswith("Hoàn thành 100%")
    assert client_for(world.users["representative"]).get(url).status_code == 200
    other = reverse("blocs:registration-edit", args=[world.bloc_year.pk, world.head.unit.pk])
    assert client_for(deputy.user).get(other).status_code == 403


def test_an_officer_is_never_a_deputy(world):
    from django.core.exceptions import ValidationError

    from blocs.services.people import person_name

    with pytest.raises(ValidationError):
        person_name(actor=world.users["board"], bloc=world.bloc_year.bloc, kind=RoleGrant.Kind.SECRETARIAT,
                    full_name="Đỗ Văn Sai", is_deputy=True)
    assert not User.objects.filter(last_name="Sai").exists()
