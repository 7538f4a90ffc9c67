"""Archives of re-formed blocs (issue 10, item 12): units are matched within their province, and a merger
or closing that a later year's archive records is taken, never undone, a contradiction refused."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from blocs.archive import archive_export, archive_import
from blocs.models import BlocYear, Unit

pytestmark = pytest.mark.django_db


def _unit_entry(archive: dict, code: str) -> dict:
    return next(entry for entry in archive["units"] if entry["short_code"] == code)


def test_a_unit_of_another_province_with_the_same_code_is_not_taken_for_it(world):
    """Quảng Bình's "Ban Dân vận Tỉnh ủy" archived under the code Quảng Trị's unit already has."""
    archive = archive_export(world.bloc_year)
    archive["province"] = "Quảng Bình"
    archive["bloc"]["code"] = "khoi-dang-quang-binh"
    archive["bloc"]["name"] = "Khối thi đua các Ban Đảng tỉnh Quảng Bình"
    units_before = Unit.objects.count()
    with pytest.raises(ValidationError) as refused:
        archive_import(actor=None, data=archive)
    text = " ".join(refused.value.messages)
    assert f"mã viết tắt {world.member.unit.short_code} đã được một đơn vị của Quảng Trị sử dụng" in text
    assert "Đơn vị chỉ được đối chiếu trong cùng tỉnh" in text
    assert Unit.objects.count() == units_before
    assert not BlocYear.objects.filter(bloc__code="khoi-dang-quang-binh").exists()


def test_a_later_years_archive_records_the_merger_the_installation_did_not_know(world):
    """The years imported oldest first: the 2025 archive says the member unit was merged into the head unit
    and closed; the unit already here takes both facts."""
    member, head = world.member.unit, world.head.unit
    archive = archive_export(world.bloc_year)
    later = copy.deepcopy(archive)
    later["bloc_year"]["year"] = 2025
    _unit_entry(later, member.short_code).update({"merged_into": head.short_code, "is_active": False})
    archive_import(actor=None, data=later)
    member.refresh_from_db()
    assert member.merged_into == head and not member.is_active

    older = copy.deepcopy(archive)  # an older year's archive, written before the merger, undoes nothing
    older["bloc_year"]["year"] = 2020
    archive_import(actor=None, data=older)
    member.refresh_from_db()
    assert member.merged_into == head and not member.is_active


def test_an_archive_that_contradicts_a_recorded_merger_is_refused(world):
    member, head = world.member.unit, world.head.unit
    other = Unit.objects.exclude(pk__in=[member.pk, head.pk]).filter(province=member.province).first()
    Unit.objects.filter(pk=member.pk).update(merged_into=other, is_active=False)
    archive = archive_export(world.bloc_year)
    archive["bloc_year"]["year"] = 2025
    _unit_entry(archive, member.short_code).update({"merged_into": head.short_code, "is_active": False})
    with pytest.raises(ValidationError) as refused:
        archive_import(actor=None, data=archive)
    assert "nhưng hệ thống đang ghi đơn vị này sáp nhập vào" in " ".join(refused.value.messages)
    assert not BlocYear.objects.filter(bloc=world.bloc_year.bloc, year=2025).exists()
