"""Unit history from Excel (issue 4, item 5): row-by-row errors, nothing saved if any row is bad."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from awards.models import HistoryEntry, Rating
from blocs.models import AuditEntry, Award
from tests.conftest import World, client_for
from tests.factories import make_unit

pytestmark = pytest.mark.django_db

HEADER = ["Mã đơn vị", "Năm", "Danh hiệu / hình thức / xếp loại", "Số quyết định"]
URL = "awards:history-import"


def xlsx(rows: Sequence[Sequence[object]], *, header: Sequence[str] = HEADER, title: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(world: World, data: bytes, persona: str = "board", name: str = "lich-su.xlsx"):  # noqa: ANN201
    client = client_for(world.users[persona])
    client.cookies["django_language"] = "en"
    return client.post(reverse(URL), {"file": SimpleUploadedFile(name, data)})


def errors_of(response: object) -> list[str]:
    return [str(error) for error in response.context["sheet"].errors]


def test_a_good_file_is_imported_with_its_references(world):
    rows = [["BTG", 2020, "Hoàn thành xuất sắc nhiệm vụ", ""],
            ["btg", 2021.0, "hoàn thành  xuất sắc nhiệm vụ", ""],  # case, spaces and Excel's floats are forgiven
            ["BTG", 2021, "Cờ thi đua của UBND tỉnh", "123/QĐ-UBND"],
            ["BDV", 2021, "tap-the-lao-dong-xuat-sac", None],  # a catalogue code
            ["BDV", 2021, "htt", None]]  # a rating code
    response = upload(world, xlsx(rows))
    assert response.status_code == 302
    btg, bdv = world.head.unit, world.member.unit
    assert set(HistoryEntry.objects.filter(unit=btg).values_list("year", "rating", "award__code", "reference")) == {
        (2020, Rating.EXCELLENT, None, ""), (2021, Rating.EXCELLENT, None, ""),
        (2021, "", "co-thi-dua-ubnd-tinh", "123/QĐ-UBND")}
    assert set(HistoryEntry.objects.filter(unit=bdv).values_list("rating", "award__code")) == {
        ("", "tap-the-lao-dong-xuat-sac"), (Rating.GOOD, None)}
    assert set(HistoryEntry.objects.values_list("source", flat=True)) == {HistoryEntry.Source.IMPORT}
    entry = AuditEntry.objects.get(action="awards.history.imported")
    assert entry.changes["rows"] == 5 and entry.actor == world.users["board"]


def test_a_title_line_above_the_header_is_tolerated(world):
    data = xlsx([["BTG", 2021, "Hoàn thành tốt nhiệm vụ"]], header=HEADER[:3], title="LỊCH SỬ THI ĐUA")
    assert upload(world, data).status_code == 302
    assert HistoryEntry.objects.get().rating == Rating.GOOD


def test_every_bad_row_is_listed_and_nothing_is_saved(world):
    next_year = timezone.localdate().year + 1
    rows = [["BTG", 2021, "Hoàn thành xuất sắc nhiệm vụ", ""],  # 2: good, but not saved
            ["KHONGCO", 2021, "Hoàn thành xuất sắc nhiệm vụ", ""],  # 3: unknown unit
            ["BDV", 2021, "Huy chương vàng Olympic", ""],  # 4: unknown title
            ["BDV", 1900, "Hoàn thành nhiệm vụ", ""],  # 5: year out of range
            ["BDV", next_year, "Hoàn thành nhiệm vụ", ""],  # 6: a year still to come
            ["BDV", "năm ngoái", "Hoàn thành nhiệm vụ", ""],  # 7: not a year
            ["BTG", 2021, "Hoàn thành tốt nhiệm vụ", ""],  # 8: a second rating for 2021 (row 2)
            ["BDV", 2020, "Chiến sĩ thi đua cấp tỉnh", ""],  # 9: for individuals only
            ["", 2020, "Hoàn thành nhiệm vụ", ""],  # 10: no unit
            ["BDV", 2020, "", ""]]  # 11: nothing named
    response = upload(world, xlsx(rows))
    assert response.status_code == 200
    lines = {error.line for error in response.context["sheet"].errors}
    assert lines == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    text = " ".join(errors_of(response))
    assert "KHONGCO" in text and "Huy chương vàng Olympic" in text and "Repeats row 2" in text
    assert "individuals" in text
    html = response.content.decode()
    assert 'id="history-errors"' in html and 'data-line="3"' in html
    assert not HistoryEntry.objects.exists() and not AuditEntry.objects.exists()


def test_an_entry_already_in_the_history_is_refused(world):
    HistoryEntry.objects.create(unit=world.head.unit, year=2021, award=Award.objects.get(code="co-thi-dua-ubnd-tinh"))
    HistoryEntry.objects.create(unit=world.member.unit, year=2021, rating=Rating.GOOD)
    rows = [["BTG", 2021, "Cờ thi đua của UBND tỉnh"], ["BDV", 2021, "Hoàn thành xuất sắc nhiệm vụ"],
            ["BDV", 2021, "Cờ thi đua của UBND tỉnh"]]
    response = upload(world, xlsx(rows))
    assert response.status_code == 200
    assert {error.line for error in response.context["sheet"].errors} == {2, 3}
    assert HistoryEntry.objects.count() == 2


def test_the_board_cannot_reach_units_of_another_province(world):
    stranger = world.other_year.memberships.first().unit
    response = upload(world, xlsx([[stranger.short_code, 2021, "Hoàn thành nhiệm vụ"]]))
    assert response.status_code == 200 and stranger.short_code in " ".join(errors_of(response))
    assert upload(world, xlsx([[stranger.short_code, 2021, "Hoàn thành nhiệm vụ"]]), "admin").status_code == 302


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"not a workbook", "lich-su.xlsx"), (b"PK\x03\x04broken zip", "lich-su.xlsx"),
     (xlsx([["BTG", 2021]], header=["Mã đơn vị", "Năm"]), "thieu-cot.xlsx"),
     (xlsx([], header=HEADER), "trong.xlsx"),
     (xlsx([["BTG", 2021, "Hoàn thành nhiệm vụ"]], header=["A", "B", "C"]), "khong-tieu-de.xlsx")],
)
def test_unreadable_or_empty_files_are_refused_with_a_message(world, data, name):
    response = upload(world, data, name=name)
    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in html or 'id="history-errors"' in html
    assert not HistoryEntry.objects.exists()


def test_only_the_board_and_the_admin_import(world):
    data = xlsx([["BTG", 2021, "Hoàn thành nhiệm vụ"]])
    for persona in ("representative", "secretariat", "chair", "outsider"):
        assert upload(world, data, persona).status_code == 403
    assert not HistoryEntry.objects.exists()


def test_imported_history_is_shown_on_the_unit_page(world):
    make_unit(short_code="CU", name="Ban cũ", province=world.bloc_year.bloc.province)
    upload(world, xlsx([["CU", 2019, "Hoàn thành xuất sắc nhiệm vụ"], ["BTG", 2021, "Cờ thi đua của UBND tỉnh"]]))
    unit = world.head.unit
    unit.renamed_from = HistoryEntry.objects.get(year=2019).unit
    unit.save(update_fields=["renamed_from"])
    html = client_for(world.users["secretariat"]).get(reverse("blocs:unit-detail", args=[unit.pk])).content.decode()
    assert 'data-year="2019"' in html and 'data-year="2021"' in html and "data-predecessor=" in html
