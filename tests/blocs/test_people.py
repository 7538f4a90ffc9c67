"""People and roles without the Django admin (issue 10, item 1): the board names a bloc's secretariat and
chair, the secretariat its units' representatives, and each new person sets a password through a one-time
sign-in link, printed or emailed."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blocs.models import AuditEntry, RoleGrant, User
from tests.conftest import client_for
from tests.factories import add_member, grant, make_bloc, make_unit, make_user


def _link_of(response) -> str:  # noqa: ANN001
    found = re.search(r"http://testserver(/accounts/set-password/[^<\s]+/)", response.content.decode())
    assert found, "the printed slip shows the sign-in link"
    return found.group(1)


def _set_password(link: str, password: str) -> Client:
    """The new person opens the link, types a password twice and signs in with it."""
    client = Client()
    page = client.get(link, follow=True)
    assert "Đặt mật khẩu".lower() in page.content.decode().lower()
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    done = client.post(form_url, {"new_password1": password, "new_password2": password}, follow=True)
    assert "Mật khẩu đã được đặt".lower() in done.content.decode().lower()
    return client


@pytest.mark.django_db
def test_the_board_names_a_new_secretariat_who_sets_a_password_through_the_printed_link(world):
    board = client_for(world.users["board"])
    bloc = world.bloc_year.bloc
    response = board.post(reverse("blocs:officer-add", args=[bloc.pk, "secretariat"]),
                          {"full_name": "  Trần   Thị Hoa ", "email": "", "job_title": "Chuyên viên"})
    assert response.status_code == 302
    person = User.objects.get(first_name="Trần Thị", last_name="Hoa")
    assert person.display_name == "Trần Thị Hoa"
    assert person.unit == world.head.unit  # a secretariat is the head unit's staff
    assert not person.has_usable_password()
    assert RoleGrant.objects.filter(user=person, kind=RoleGrant.Kind.SECRETARIAT, bloc=bloc).exists()
    actions = list(AuditEntry.objects.filter(object_id=str(person.pk)).order_by("pk").values_list("action", flat=True))
    assert actions == ["blocs.account.created", "blocs.role.granted"]

    page = board.get(reverse("blocs:bloc-people", args=[bloc.pk])).content.decode()
    assert "Trần Thị Hoa" in page and "chưa có mật khẩu" in page

    slip = board.post(reverse("blocs:signin-link", args=[bloc.pk, person.pk]))
    assert slip.status_code == 200
    assert "no-store" in slip["Cache-Control"]
    assert person.username in slip.content.decode()
    link = _link_of(slip)

    _set_password(link, "Hoa-khoi-thi-dua-2026")
    assert Client().login(username=person.username, password="Hoa-khoi-thi-dua-2026")
    again = Client().get(link, follow=True).content.decode()
    assert "đã được dùng hoặc đã hết hạn" in again  # one use only
    assert AuditEntry.objects.filter(action="blocs.signin_link.issued", object_id=str(person.pk),
                                     changes={"by": "print"}).count() == 1


@pytest.mark.django_db
def test_the_secretariat_adds_representatives_but_names_no_officer(world):
    secretariat = client_for(world.users["secretariat"])
    bloc = world.bloc_year.bloc
    unit = world.member.unit
    existing = make_user("pho_phong", unit=unit, first_name="Lê Văn", last_name="Bình")
    response = secretariat.post(reverse("blocs:representative-add", args=[bloc.pk, unit.pk]),
                                {"existing": existing.pk})
    assert response.status_code == 302
    assert RoleGrant.objects.filter(user=existing, kind=RoleGrant.Kind.REPRESENTATIVE, unit=unit).exists()

    new = secretariat.post(reverse("blocs:representative-add", args=[bloc.pk, unit.pk]),
                           {"full_name": "Phạm Minh Đức"})
    assert new.status_code == 302
    person = User.objects.get(last_name="Đức")
    assert person.unit == unit
    assert person.username == f"duc.pm.{unit.short_code.lower()}"

    assert secretariat.get(reverse("blocs:officer-add", args=[bloc.pk, "chair"])).status_code == 403
    chair_grant = RoleGrant.objects.get(kind=RoleGrant.Kind.CHAIR, user=world.users["chair"])
    refused = secretariat.post(reverse("blocs:role-remove", args=[bloc.pk, chair_grant.pk]))
    assert refused.status_code == 403
    assert RoleGrant.objects.filter(pk=chair_grant.pk).exists()


@pytest.mark.django_db
def test_a_taken_sign_in_name_or_an_empty_form_saves_nothing_and_says_why_in_vietnamese(world):
    secretariat = client_for(world.users["secretariat"])
    bloc = world.bloc_year.bloc
    url = reverse("blocs:representative-add", args=[bloc.pk, world.member.unit.pk])
    users_before = User.objects.count()
    taken = secretariat.post(url, {"full_name": "Đỗ Văn Nam", "username": "DAI_DIEN"})
    assert taken.status_code == 200
    assert "Tên đăng nhập “DAI_DIEN” đã có người dùng" in taken.content.decode()
    empty = secretariat.post(url, {})
    assert "Chọn một tài khoản có sẵn hoặc gõ họ tên người mới" in empty.content.decode()
    assert User.objects.count() == users_before
    assert not AuditEntry.objects.filter(action="blocs.account.created").exists()


@pytest.mark.django_db
def test_the_chair_of_the_latest_year_is_named_and_removed_by_the_board(world):
    board = client_for(world.users["board"])
    bloc = world.bloc_year.bloc
    head_staff = make_user("pho_ban", unit=world.head.unit, first_name="Vũ Thị", last_name="Lan")
    assert board.post(reverse("blocs:officer-add", args=[bloc.pk, "chair"]),
                      {"existing": head_staff.pk}).status_code == 302
    chair = RoleGrant.objects.get(user=head_staff, kind=RoleGrant.Kind.CHAIR)
    assert chair.bloc_year == world.bloc_year
    assert board.post(reverse("blocs:role-remove", args=[bloc.pk, chair.pk])).status_code == 302
    assert not RoleGrant.objects.filter(pk=chair.pk).exists()
    actions = AuditEntry.objects.filter(object_id=str(head_staff.pk)).order_by("pk").values_list("action", flat=True)
    assert list(actions) == ["blocs.role.granted", "blocs.role.revoked"]


@pytest.mark.django_db
def test_a_new_bloc_without_a_year_asks_for_the_year_before_its_chair(world):
    board = client_for(world.users["board"])
    bloc = make_bloc(name="Khối thi đua các Sở, ngành Kinh tế", province=world.bloc_year.bloc.province)
    page = board.get(reverse("blocs:bloc-people", args=[bloc.pk])).content.decode()
    assert "Mở năm đầu tiên của khối" in page
    response = board.post(reverse("blocs:officer-add", args=[bloc.pk, "chair"]), {"full_name": "Ngô Văn Hải"})
    assert response.status_code == 200
    assert "Mở năm đầu tiên của khối trước khi cử Trưởng khối" in response.content.decode()
    assert not User.objects.filter(last_name="Hải").exists()  # the account was not made half-way


@pytest.mark.django_db
def test_a_secretariat_cannot_take_over_a_person_who_holds_a_role_elsewhere(world):
    """A sign-in link hands over an account: a person who is also another bloc's secretariat, or the board,
    is beyond this bloc's secretariat."""
    secretariat = client_for(world.users["secretariat"])
    bloc = world.bloc_year.bloc
    rep = world.users["representative"]
    grant(rep, RoleGrant.Kind.SECRETARIAT, bloc=world.other_year.bloc)
    refused = secretariat.post(reverse("blocs:signin-link", args=[bloc.pk, rep.pk]))
    assert refused.status_code == 403
    assert secretariat.post(reverse("blocs:signin-link", args=[bloc.pk, world.users["board"].pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="blocs.signin_link.issued").exists()
    # Nor may this province's board: the other bloc lies in another province.
    board = client_for(world.users["board"])
    assert board.post(reverse("blocs:signin-link", args=[bloc.pk, rep.pk])).status_code == 403


@pytest.mark.django_db
def test_with_email_configured_the_link_is_emailed_in_vietnamese(world, settings):
    settings.EMAIL_HOST = "smtp.tinh.gov.vn"
    secretariat = client_for(world.users["secretariat"])
    bloc = world.bloc_year.bloc
    rep = world.users["representative"]
    rep.email = "daidien@bdv.gov.vn"
    rep.save(update_fields=["email"])
    response = secretariat.post(reverse("blocs:signin-link", args=[bloc.pk, rep.pk]), follow=True)
    assert "Đã gửi đường dẫn đăng nhập qua email" in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["daidien@bdv.gov.vn"]
    assert message.subject == "Đặt mật khẩu của bạn"
    link = re.search(r"http://testserver(/accounts/set-password/\S+/)", message.body).group(1)
    _set_password(link, "Dai-dien-BDV-2026")
    assert Client().login(username=rep.username, password="Dai-dien-BDV-2026")


@pytest.mark.django_db
def test_the_people_page_runs_the_same_queries_for_few_and_many_units(world):
    board = client_for(world.users["board"])
    bloc = world.bloc_year.bloc
    url = reverse("blocs:bloc-people", args=[bloc.pk])
    board.get(url)
    with CaptureQueriesContext(connection) as small:
        board.get(url)
    for n in range(15):
        unit = make_unit(province=bloc.province)
        add_member(world.bloc_year, unit)
        grant(make_user(f"rep{n}", unit=unit), RoleGrant.Kind.REPRESENTATIVE, unit=unit)
    with CaptureQueriesContext(connection) as large:
        response = board.get(url)
    assert response.content.decode().count("In đường dẫn đăng nhập") >= 16
    assert len(large) == len(small)
