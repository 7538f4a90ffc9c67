"""Units and memberships from an Excel file: preview, row-by-row errors, all or nothing (issue 2, item 9)."""

from __future__ import annotations

import html
import io
import unicodedata
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from blocs import excel
from blocs.models import AuditEntry, BlocYear, Membership, Unit
from blocs.services.imports import members_import_apply
from tests.conftest import client_for
from tests.factories import add_member, make_bloc, make_bloc_year, make_unit

pytestmark = pytest.mark.django_db

HEADER = ("Mã đơn vị", "Tên đơn vị", "Cơ quan cấp trên", "Loại", "Vị trí")
GOOD_ROWS = [
    ("BTC", "Ban Tổ chức Tỉnh ủy", "Tỉnh ủy", "Đảng", "Trưởng khối"),
    ("UBKT", "Ủy ban Kiểm tra Tỉnh ủy", "Tỉnh ủy", "Đảng", "Phó khối"),
    ("BDV", "Ban Dân vận Tỉnh ủy", "Tỉnh ủy", "Đảng", ""),  # already a member of the year
]


def xlsx_bytes(rows: list[tuple], header: tuple | None = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "don-vi.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(name: str, bloc_year: BlocYear) -> str:
    return reverse(f"blocs:{name}", args=[bloc_year.pk])


def preview(world, content: bytes, persona: str = "secretariat") -> tuple[Client, str]:
    client = english(client_for(world.users[persona]))
    response = client.post(url("member-import", world.bloc_year), {"file": upload(content)})
    assert response.status_code == 200
    return client, html.unescape(response.content.decode())


def counts() -> tuple[int, int]:
    return Unit.objects.count(), Membership.objects.count()


# --- The happy path -----------------------------------------------------------------------------------------


def test_good_file_creates_units_memberships_and_head_after_preview_and_confirm(world):
    before = counts()
    client, body = preview(world, xlsx_bytes(GOOD_ROWS))
    assert "Confirm import" in body and "New unit" in body and "Already a member" in body
    assert counts() == before  # the preview saves nothing

    response = client.post(url("member-import-confirm", world.bloc_year))
    assert response.status_code == 302 and response.url == world.bloc_year.get_absolute_url()
    assert counts() == (before[0] + 2, before[1] + 2)
    new = Unit.objects.get(short_code="BTC")
    assert (new.name, new.kind, new.parent_body, new.province) == (
        "Ban Tổ chức Tỉnh ủy", Unit.Kind.PARTY, "Tỉnh ủy", world.bloc_year.bloc.province)
    positions = dict(world.bloc_year.memberships.values_list("unit__short_code", "position"))
    assert positions["BTC"] == "head" and positions["UBKT"] == "deputy"
    assert positions["BTG"] == "member" and positions["BDV"] == "member"  # the file named a new head
    entry = AuditEntry.objects.get(action="blocs.members.imported")
    assert entry.changes["units_created"] == 2 and entry.changes["members_added"] == 2
    assert entry.bloc_year == world.bloc_year
    assert "Import done: 2 new units" in html.unescape(client.get(response.url).content.decode())


def test_the_session_rows_are_used_once(world):
    client, _body = preview(world, xlsx_bytes(GOOD_ROWS))
    client.post(url("member-import-confirm", world.bloc_year))
    before = counts()
    response = client.post(url("member-import-confirm", world.bloc_year), follow=True)
    assert "There is nothing to import" in html.unescape(response.content.decode())
    assert counts() == before


def test_a_file_without_positions_keeps_the_current_head(world):
    rows = [("VPTU", "Văn phòng Tỉnh ủy", "Tỉnh ủy", "Đảng", "")]
    with translation.override("en"):
        members_import_apply(actor=world.users["secretariat"], bloc_year=world.bloc_year,
                             rows=excel.parse_members_xlsx(io.BytesIO(xlsx_bytes(rows))).rows)
    assert Membership.objects.get(bloc_year=world.bloc_year, position="head") == world.head
    assert Unit.objects.get(short_code="VPTU").memberships.get().position == "member"


def test_headers_and_values_are_read_leniently(world):
    """Case and spaces in headers, decomposed (NFD) Vietnamese, lower-case codes, blank rows skipped."""
    header = tuple(unicodedata.normalize("NFD", f"  {title.upper()} ") for title in HEADER)
    rows = [(" btc ", unicodedata.normalize("NFD", "Ban  Tổ chức Tỉnh ủy"), None, "party", "trưởng khối"),
            (None, None, None, None, None),
            ("UBKT", "Ủy ban Kiểm tra Tỉnh ủy", None, unicodedata.normalize("NFD", "Nhà nước"), None)]
    sheet = excel.parse_members_xlsx(io.BytesIO(xlsx_bytes(rows, header)), bloc_year=world.bloc_year)
    assert sheet.is_valid, [str(error) for error in sheet.errors]
    assert [(row.line, row.code, row.name, row.kind, row.position) for row in sheet.rows] == [
        (2, "BTC", "Ban Tổ chức Tỉnh ủy", "party", "head"),
        (4, "UBKT", "Ủy ban Kiểm tra Tỉnh ủy", "state", "member"),
    ]


# --- Row-by-row errors; nothing saved -----------------------------------------------------------------------


def test_one_bad_row_among_good_ones_shows_errors_by_row_and_saves_nothing(world):
    rows = [GOOD_ROWS[0], ("BNC", "", "Tỉnh ủy", "Đảng", ""),
            ("TCT", "Trường Chính trị", "", "Mặt trận", "Chủ tịch"), GOOD_ROWS[1]]
    before = counts()
    client, body = preview(world, xlsx_bytes(rows))
    with translation.override("en"):
        errors = [str(e) for e in excel.parse_members_xlsx(io.BytesIO(xlsx_bytes(rows))).errors]
    assert errors == ["Row 3, Tên đơn vị: Enter the unit's name.",
                      "Row 4, Loại: Unknown kind “Mặt trận”; write “Đảng” or “Nhà nước”.",
                      "Row 4, Vị trí: Unknown position “Chủ tịch”; "
                      "write “Thành viên”, “Trưởng khối” or “Phó khối”."]
    assert "Enter the unit's name." in body
    assert "Unknown kind “Mặt trận”" in body and "Unknown position “Chủ tịch”" in body
    assert body.count('class="table-danger"') == 2
    assert "2 rows have errors." in body and "Confirm import" not in body
    response = client.post(url("member-import-confirm", world.bloc_year))
    assert response.status_code == 302 and response.url == url("member-import", world.bloc_year)
    assert counts() == before


def test_the_service_refuses_bad_rows_and_names_each_row(world):
    content = xlsx_bytes([GOOD_ROWS[0], ("X Y", "Đơn vị lạ", "", "", "")])
    rows = excel.parse_members_xlsx(io.BytesIO(content)).rows
    before = counts()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        members_import_apply(actor=world.users["secretariat"], bloc_year=world.bloc_year, rows=rows)
    assert caught.value.messages == ["Row 3, Mã đơn vị: Use letters, digits, “-” or “_” only."]
    assert counts() == before


def test_a_unit_already_in_another_bloc_that_year_is_refused(world):
    province = world.bloc_year.bloc.province
    other_bloc_year = make_bloc_year(bloc=make_bloc(name="Khối Mặt trận", province=province))
    taken = add_member(other_bloc_year, make_unit(name="Hội Nông dân tỉnh", short_code="HND")).unit
    _client, body = preview(world, xlsx_bytes([GOOD_ROWS[0], ("HND", taken.name, "", "Nhà nước", "")]))
    assert body.count('class="table-danger"') == 1
    assert "Hội Nông dân tỉnh is already a member of Khối Mặt trận in 2022." in body
    assert "Confirm import" not in body


def test_the_registry_is_checked_again_at_confirmation(world):
    client, body = preview(world, xlsx_bytes(GOOD_ROWS))
    assert "Confirm import" in body
    other_bloc_year = make_bloc_year(bloc=make_bloc(province=world.bloc_year.bloc.province))
    add_member(other_bloc_year, make_unit(name="Ủy ban Kiểm tra Tỉnh ủy", short_code="UBKT"))
    before = counts()
    response = client.post(url("member-import-confirm", world.bloc_year), follow=True)
    assert "Row 3, Mã đơn vị: Ủy ban Kiểm tra Tỉnh ủy is already a member of" in html.unescape(
        response.content.decode())
    assert counts() == before
    assert Membership.objects.get(bloc_year=world.bloc_year, position="head") == world.head


def test_a_code_in_the_registry_with_another_name_is_refused(world):
    _client, body = preview(world, xlsx_bytes([("BDV", "Ban Dân vận", "", "", "")]))
    assert "The code BDV belongs to “Ban Dân vận Tỉnh ủy” in the registry, not “Ban Dân vận”." in body


def test_duplicate_codes_in_the_file(world):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], ("btc", "Ban Tổ chức", "", "", "")]
    _client, body = preview(world, xlsx_bytes(rows))
    assert "The code BTC is already used on row 2." in body
    assert "Confirm import" not in body


def test_two_heads_and_three_deputies(world):
    rows = [("A1", "Đơn vị A1", "", "", "Trưởng khối"), ("A2", "Đơn vị A2", "", "", "Trưởng khối"),
            ("A3", "Đơn vị A3", "", "", "Phó khối"), ("A4", "Đơn vị A4", "", "", "Phó khối"),
            ("A5", "Đơn vị A5", "", "", "Phó khối")]
    with translation.override("en"):
        errors = [str(e) for e in excel.parse_members_xlsx(io.BytesIO(xlsx_bytes(rows))).errors]
    assert errors == ["Row 3, Vị trí: Only one head unit: row 2 already names one.",
                      "Row 6, Vị trí: At most 2 deputy units: rows 4, 5 already name them."]


def test_too_many_rows(world):
    rows = [(f"U{n}", f"Đơn vị {n}", "", "", "") for n in range(excel.MAX_ROWS + 1)]
    with translation.override("en"):
        sheet = excel.parse_members_xlsx(io.BytesIO(xlsx_bytes(rows)))
    assert [str(e) for e in sheet.errors] == [
        "The file has more than 500 units; split it into several files."]


def test_wrong_headers_say_which_columns_are_expected(world):
    _client, body = preview(world, xlsx_bytes([("BTC", "Ban Tổ chức")], header=("Code", "Tên đơn vị")))
    assert "Missing columns: “Mã đơn vị”. Expected columns: “Mã đơn vị”, “Tên đơn vị”," in body


def test_a_file_with_no_header(world):
    _client, body = preview(world, xlsx_bytes([("BTC", "Ban Tổ chức Tỉnh ủy")], header=None))
    assert "No header row found." in body and "“Mã đơn vị”" in body
    assert "Confirm import" not in body


def test_the_year_must_be_open_for_membership_changes(world):
    BlocYear.objects.filter(pk=world.bloc_year.pk).update(status=BlocYear.Status.SCORING)
    world.bloc_year.refresh_from_db()
    _client, body = preview(world, xlsx_bytes(GOOD_ROWS))
    assert "Confirm import" not in body
    with translation.override("en"), pytest.raises(ValidationError, match="Members can only change"):
        members_import_apply(actor=world.users["secretariat"], bloc_year=world.bloc_year,
                                     rows=excel.parse_members_xlsx(io.BytesIO(xlsx_bytes(GOOD_ROWS))).rows)


# --- Files that are not workbooks ---------------------------------------------------------------------------


@pytest.mark.parametrize("content", [
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n",
    bytes(range(256)) * 8,
], ids=["pdf", "random-bytes"])
def test_a_file_that_is_not_xlsx_is_a_form_error(world, content):
    _client, body = preview(world, content)
    assert "The file is not an Excel workbook (.xlsx)." in body
    assert "Preview</h2>" not in body


def test_a_damaged_workbook_is_a_form_error(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-a-workbook")
    _client, body = preview(world, buffer.getvalue())
    assert "The file could not be read as an Excel workbook (.xlsx)." in body


def test_confirm_without_a_preview(world):
    before = counts()
    client = english(client_for(world.users["secretariat"]))
    response = client.post(url("member-import-confirm", world.bloc_year), follow=True)
    assert response.redirect_chain[-1][0] == url("member-import", world.bloc_year)
    assert "There is nothing to import" in html.unescape(response.content.decode())
    assert counts() == before


# --- Template and export ------------------------------------------------------------------------------------


def test_the_template_has_the_headers_and_a_valid_example(world):
    response = client_for(world.users["secretariat"]).get(url("member-import-template", world.bloc_year))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = excel.parse_members_xlsx(io.BytesIO(b"".join(response.streaming_content)))
    assert sheet.is_valid and len(sheet.rows) == 1


def test_export_then_import_round_trips(world):
    world.member.position = Membership.Position.DEPUTY
    world.member.save()
    response = client_for(world.users["secretariat"]).get(url("member-export", world.bloc_year))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = excel.parse_members_xlsx(io.BytesIO(content), bloc_year=world.bloc_year)
    assert sheet.is_valid
    exported = {(r.code, r.name, r.parent_body, r.kind, r.position) for r in sheet.rows}
    assert exported == {(m.unit.short_code, m.unit.name, m.unit.parent_body, m.unit.kind, m.position)
                        for m in world.bloc_year.memberships.select_related("unit")}
    before = counts()
    result = members_import_apply(actor=world.users["secretariat"], bloc_year=world.bloc_year,
                                  rows=sheet.rows)
    assert (result.units_created, result.members_added, result.leadership_changed) == (0, 0, False)
    assert counts() == before


def test_an_exported_name_starting_with_equals_stays_text(world):
    unit = make_unit(name="=1+1", short_code="EQ", province=world.bloc_year.bloc.province)
    add_member(world.bloc_year, unit)
    workbook = openpyxl.load_workbook(io.BytesIO(excel.members_export_xlsx(world.bloc_year)))
    names = [row[1].value for row in workbook.active.iter_rows(min_row=2)]
    assert "=1+1" in names
    assert all(row[1].data_type == "s" for row in workbook.active.iter_rows(min_row=2))


def test_checking_rows_takes_the_same_queries_for_many_units(world, django_assert_max_num_queries):
    rows = [excel.MemberRow(line=n + 2, code=f"U{n}", name=f"Đơn vị {n}") for n in range(200)]
    with django_assert_max_num_queries(2):
        assert excel.validate_rows(rows, bloc_year=world.bloc_year).is_valid


# --- Who may ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [
    ("representative", 403), ("chair", 403), ("board", 403), ("outsider", 404),
    ("secretariat", 200), ("admin", 200),
])
def test_who_may_import(world, persona, status):
    client = client_for(world.users[persona])
    assert client.get(url("member-import", world.bloc_year)).status_code == status
    assert client.get(url("member-import-template", world.bloc_year)).status_code == status
    if status != 200:
        before = counts()
        assert client.post(url("member-import", world.bloc_year),
                           {"file": upload(xlsx_bytes(GOOD_ROWS))}).status_code == status
        assert client.post(url("member-import-confirm", world.bloc_year)).status_code == status
        assert counts() == before


@pytest.mark.parametrize(("persona", "status"), [
    ("representative", 403), ("outsider", 404), ("chair", 200), ("board", 200), ("secretariat", 200),
    ("admin", 200),
])
def test_who_may_export(world, persona, status):
    assert client_for(world.users[persona]).get(url("member-export", world.bloc_year)).status_code == status


def test_anonymous_is_sent_to_sign_in(world):
    response = Client().get(url("member-import", world.bloc_year))
    assert response.status_code == 302 and "login" in response.url


def test_the_year_page_links_to_import_and_export(world, as_persona):
    body = as_persona("secretariat").get(world.bloc_year.get_absolute_url()).content.decode()
    assert url("member-import", world.bloc_year) in body and url("member-export", world.bloc_year) in body
    body = as_persona("representative").get(world.bloc_year.get_absolute_url()).content.decode()
    assert url("member-import", world.bloc_year) not in body
    assert url("member-export", world.bloc_year) not in body
