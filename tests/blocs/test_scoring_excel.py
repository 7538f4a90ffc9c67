"""The scoring table from Excel: good files replace the lines; any bad row and nothing is saved."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from blocs.models import ScoringItem, ScoringTable
from blocs.scoring_excel import COLUMNS, parse_scoring_xlsx, scoring_xlsx

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS.values()))
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("bang-diem.xlsx", buffer.getvalue(), content_type=XLSX)


GOOD = [
    ["Tiêu chí", "I. Nhiệm vụ chính trị", "1.1", "Hoàn thành chỉ tiêu", 30, "Có", "Đủ: 30 điểm"],
    ["Tiêu chí", "I. Nhiệm vụ chính trị", "1.2", "Cải cách hành chính", "20,5", "", ""],
    ["Điểm thưởng", "", "T1", "Mô hình mới được công nhận", 5, "", ""],
    ["Điểm trừ", "", "D1", "Nộp báo cáo chậm", 2, "", ""],
    ["Điểm liệt", "", "L1", "Có vụ việc tham nhũng", "", "", ""],
]


def test_a_good_file_replaces_the_lines(world, as_persona):
    url = reverse("blocs:scoring-import", args=[world.bloc_year.pk])
    response = as_persona("secretariat").post(url, {"file": workbook(GOOD)})
    assert response.status_code == 302
    table = ScoringTable.objects.get(bloc_year=world.bloc_year)
    items = list(table.items.values_list("code", "kind", "max_points", "evidence_required"))
    assert items[0] == ("1.1", "criterion", 30, True)
    assert items[1][2] == pytest.approx(20.5)
    assert [i[1] for i in items] == ["criterion", "criterion", "bonus", "penalty", "disqualifier"]


def test_one_bad_row_saves_nothing_and_names_the_row(world, as_persona):
    bad = [*GOOD, ["Tiêu chí", "", "1.1", "Trùng mã", 10, "", ""], ["Khác", "", "X", "Loại lạ", 1, "", ""],
           ["Tiêu chí", "", "1.9", "Âm điểm", -3, "", ""]]
    with translation.override("en"):
        response = as_persona("secretariat").post(reverse("blocs:scoring-import", args=[world.bloc_year.pk]),
                                                  {"file": workbook(bad)}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert not ScoringItem.objects.exists()
    assert "Row 7" in body and "Row 8" in body and "Row 9" in body


def test_a_locked_table_is_not_replaced(world, as_persona):
    from django.utils import timezone

    table = ScoringTable.objects.create(bloc_year=world.bloc_year, locked_at=timezone.now())
    response = as_persona("secretariat").post(reverse("blocs:scoring-import", args=[world.bloc_year.pk]),
                                              {"file": workbook(GOOD)})
    assert response.status_code == 200
    assert table.items.count() == 0


def test_a_non_workbook_is_refused(world, as_persona):
    fake = SimpleUploadedFile("bang.xlsx", b"%PDF-1.4 not a workbook", content_type=XLSX)
    response = as_persona("secretariat").post(reverse("blocs:scoring-import", args=[world.bloc_year.pk]),
                                              {"file": fake})
    assert response.status_code == 200
    assert not ScoringItem.objects.exists()


def test_export_reimports_to_the_same_lines_and_keeps_formulas_as_text(world):
    table = ScoringTable.objects.create(bloc_year=world.bloc_year)
    ScoringItem.objects.create(table=table, code="1", text="=HYPERLINK(\"http://x\")", max_points=10)
    data = scoring_xlsx(table)
    sheet = load_workbook(BytesIO(data)).active
    assert sheet["D2"].data_type == "s" and sheet["D2"].value.startswith("=")
    parsed = parse_scoring_xlsx(BytesIO(data))
    assert parsed.errors == []
    assert [(i["code"], i["text"], i["max_points"]) for i in parsed.items] == [("1", "=HYPERLINK(\"http://x\")", 10)]


def test_the_representative_cannot_import(world, as_persona):
    response = as_persona("representative").post(reverse("blocs:scoring-import", args=[world.bloc_year.pk]),
                                                 {"file": workbook(GOOD)})
    assert response.status_code == 403


def test_the_words_of_the_screens_and_unaccented_ones_are_accepted(world):
    """The kinds as the screens and secretariats write them, with or without accents, in any case; the
    header too (issue 10, item 6)."""
    book = Workbook()
    sheet = book.active
    sheet.append(["LOAI", "Nhom tieu chi", "ma", "NOI DUNG", "diem toi da", "can minh chung", "Huong dan cham"])
    for row in [["tieu chi", "", "1.1", "Hoàn thành chỉ tiêu", "27,5", "co", ""],
                ["Mục điểm thưởng", "", "T1", "Mô hình mới", 5, "x", ""],
                ["DIEM TRU", "", "D1", "Nộp chậm", 2, "", ""],
                ["Trường hợp không xét thi đua", "", "L1", "Vi phạm kỷ luật", "", "", ""],
                ["Không xét", "", "L2", "Có vụ việc tham nhũng", "", "", ""]]:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    parsed = parse_scoring_xlsx(BytesIO(buffer.getvalue()))
    assert parsed.errors == []
    assert [(i["kind"], i["max_points"], i["evidence_required"]) for i in parsed.items] == [
        ("criterion", Decimal("27.50"), True), ("bonus", 5, True), ("penalty", 2, False),
        ("disqualifier", 0, False), ("disqualifier", 0, False)]


def test_an_unknown_kind_lists_the_words_accepted(world):
    with translation.override("vi"):
        parsed = parse_scoring_xlsx(workbook([["Điểm cộng", "", "1", "Nội dung", 5, "", ""]]).file)
    assert parsed.errors == ["Dòng 2: không rõ loại “Điểm cộng”; hãy ghi một trong: Tiêu chí, Điểm thưởng, Điểm trừ, "
                             "Không xét thi đua."]


def test_a_locked_table_downloads_as_next_years_starting_workbook(world, as_persona):
    from django.utils import timezone

    table = ScoringTable.objects.create(bloc_year=world.bloc_year, locked_at=timezone.now())
    ScoringItem.objects.create(table=table, code="1.1", text="Hoàn thành chỉ tiêu", max_points=Decimal("27.5"))
    ScoringItem.objects.create(table=table, code="L1", text="Vi phạm", kind="disqualifier", order=2)
    client = as_persona("secretariat")
    page = client.get(reverse("blocs:scoring-table", args=[world.bloc_year.pk])).content.decode()
    assert reverse("blocs:scoring-xlsx", args=[world.bloc_year.pk]) in page
    data = client.get(reverse("blocs:scoring-xlsx", args=[world.bloc_year.pk])).content
    parsed = parse_scoring_xlsx(BytesIO(data))
    assert parsed.errors == []
    assert [(i["code"], i["kind"], i["max_points"]) for i in parsed.items] == [
        ("1.1", "criterion", Decimal("27.50")), ("L1", "disqualifier", 0)]
