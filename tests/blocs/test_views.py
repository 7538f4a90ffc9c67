"""Views per role: what each persona sees and can do on the registry screens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from blocs.models import AuditEntry, BlocYear, Membership, Registration

pytestmark = pytest.mark.django_db


def test_home_shows_the_secretariat_its_checklist(world, as_persona):
    response = as_persona("secretariat").get(reverse("blocs:home"))
    assert response.status_code == 200
    assert "0/5 đơn vị đã đăng ký" in response.content.decode()


def test_home_shows_the_representative_its_unit_tasks(world, as_persona):
    response = as_persona("representative").get(reverse("blocs:home"))
    body = response.content.decode()
    assert "Ban Dân vận Tỉnh ủy" in body
    assert reverse("blocs:registration-edit", args=[world.bloc_year.pk, world.member.unit.pk]) in body


def test_representative_registers_and_submits(world, as_persona):
    client = as_persona("representative")
    url = reverse("blocs:registration-edit", args=[world.bloc_year.pk, world.member.unit.pk])
    from blocs.models import Award

    flag = Award.objects.get(code="co-thi-dua-ubnd-tinh")
    response = client.post(url, {"targets": "100% chi bộ trong sạch vững mạnh", "awards": [flag.pk]})
    assert response.status_code == 302
    response = client.post(reverse("blocs:registration-submit", args=[world.bloc_year.pk, world.member.unit.pk]),
                           follow=True)
    assert "Đã nộp bản đăng ký" in response.content.decode()
    registration = Registration.objects.get(unit=world.member.unit)
    assert registration.is_submitted and not registration.is_late
    assert list(registration.awards.all()) == [flag]
    assert AuditEntry.objects.filter(action="blocs.registration.submitted").count() == 1


def test_secretariat_cannot_make_a_non_member_head(world, as_persona):
    outsider_unit = world.other_year.memberships.first().unit
    response = as_persona("secretariat").post(
        reverse("blocs:year-leadership", args=[world.bloc_year.pk]), {"head": outsider_unit.pk})
    assert response.status_code == 200
    assert "Lựa chọn không hợp lệ" in response.content.decode() or "không" in response.content.decode()
    assert Membership.objects.get(bloc_year=world.bloc_year, position="head") == world.head


def test_secretariat_advances_the_year_and_it_is_audited(world, as_persona):
    response = as_persona("secretariat").post(reverse("blocs:year-advance", args=[world.bloc_year.pk]),
                                              {"status": "registration"})
    assert response.status_code == 302
    world.bloc_year.refresh_from_db()
    assert world.bloc_year.status == BlocYear.Status.SCORING
    entry = AuditEntry.objects.get(action="blocs.bloc_year.status_changed")
    assert entry.changes == {"status": ["registration", "scoring"]}


def test_audit_page_shows_a_change_whose_key_is_items(world, as_persona):
    """A covenant change records its "items"; the page must not mistake it for dict.items (was a 500)."""
    from blocs.services.registration import covenant_update

    covenant_update(actor=world.users["secretariat"], bloc_year=world.bloc_year, signed_on=None,
                    signed_place="Hội trường", items=[("Cải cách hành chính", "100%")])
    response = as_persona("secretariat").get(reverse("blocs:year-audit", args=[world.bloc_year.pk]))
    assert response.status_code == 200
    assert "Cải cách hành chính" in response.content.decode()
