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
    """No unit has submitted its registration: the year page lists them, and the year moves on to scoring
    only with the reason written beside the button, which the audit trail keeps (issue 10, item 8)."""
    client = as_persona("secretariat")
    url = reverse("blocs:year-advance", args=[world.bloc_year.pk])
    page = client.get(reverse("blocs:year-detail", args=[world.bloc_year.pk])).content.decode()
    assert "5 trong 5 đơn vị thành viên chưa nộp bản đăng ký thi đua: Ban Dân vận Tỉnh ủy" in page
    refused = client.post(url, {"status": "registration"}, follow=True)
    assert "hãy ghi lý do vào ô bên cạnh nút" in refused.content.decode()
    world.bloc_year.refresh_from_db()
    assert world.bloc_year.status == BlocYear.Status.REGISTRATION
    response = client.post(url, {"status": "registration", "reason": "  Các đơn vị đăng ký  bằng văn bản giấy "})
    assert response.status_code == 302
    world.bloc_year.refresh_from_db()
    assert world.bloc_year.status == BlocYear.Status.SCORING
    entry = AuditEntry.objects.get(action="blocs.bloc_year.status_changed")
    assert entry.changes == {"status": ["registration", "scoring"], "reason": "Các đơn vị đăng ký bằng văn bản giấy"}


def test_the_year_goes_to_the_province_only_with_its_report_or_a_reason(world, as_persona):
    from awards.models import Round, RuleSet

    year = world.bloc_year
    year.status = BlocYear.Status.MEETING
    year.save(update_fields=["status"])
    rule_set = RuleSet.objects.create(bloc_year=year, version=1)
    Round.objects.create(bloc_year=year, rule_set=rule_set, kind=Round.Kind.HEAD, quota=1, max_choices=1,
                         title="Bầu Trưởng khối năm 2023", status=Round.Status.OPEN)
    page = as_persona("secretariat").get(reverse("blocs:year-detail", args=[year.pk])).content.decode()
    assert "Báo cáo tổng kết năm chưa được thông qua." in page
    assert "Còn vòng bỏ phiếu đang mở, chưa kiểm phiếu: Bầu Trưởng khối năm 2023." in page
    as_persona("secretariat").post(reverse("blocs:year-advance", args=[year.pk]), {"status": "meeting"})
    year.refresh_from_db()
    assert year.status == BlocYear.Status.MEETING


def test_audit_page_shows_a_change_whose_key_is_items(world, as_persona):
    """A covenant change records its "items"; the page must not mistake it for dict.items (was a 500)."""
    from blocs.services.registration import covenant_update

    covenant_update(actor=world.users["secretariat"], bloc_year=world.bloc_year, signed_on=None,
                    signed_place="Hội trường", items=[("Cải cách hành chính", "100%")])
    response = as_persona("secretariat").get(reverse("blocs:year-audit", args=[world.bloc_year.pk]))
    assert response.status_code == 200
    assert "Cải cách hành chính" in response.content.decode()
