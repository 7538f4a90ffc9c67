"""The Word files a clerk keeps as they are (issue 12): read back from their XML, not from the HTML.

Times New Roman named for every script in every style and no theme font; Vietnamese as the language;
the PDF's A4 page and margins; the page number as a PAGE field from page 2; the header cells sized to
their text and the short rules the PDF draws; proportional table columns; "-" list items; room to sign,
the signer's title above the name, "T/M." in Party documents.
"""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone, translation
from docx import Document
from docx.oxml.ns import qn

from awards.models import Attendance, Nomination, Round
from awards.models import Meeting as MeetingRecord
from reports import rules
from reports.docx import html_to_docx
from reports.pdf import html_to_pdf
from reports.queries.report import render_report, report_data
from tests.reports.test_documents_content import DOC_URLS, docx_text, fetch, pdf_text, pdf_tool, seed_year
from tests.reports.test_report_seed import CHAIR_NAME, seed_draft
from tests.reports.test_report_seed import seed_year as report_seed

pytestmark = pytest.mark.django_db

THEME = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
SCRIPTS = ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia")


@pytest.fixture(scope="module")
def files(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, bytes]:  # noqa: ANN001
    """The seed year's documents as Word and PDF, made once for the module's many read-only checks (rendering
    them took seven seconds a test); the year itself is rolled back. Module-scoped, so the suite's autouse
    settings are not active yet: the same ones are set here."""
    with (django_db_blocker.unblock(), translation.override("vi"),
          override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                            BALLOT_BOX_KDF="min", MEDIA_ROOT=tmp_path_factory.mktemp("word-media"))):
        with transaction.atomic():
            meeting = seed_year()
            MeetingRecord.objects.filter(bloc_year=meeting.bloc_year).update(
                chair_name="Ngô Văn Liên, Trưởng Ban Tuyên giáo Tỉnh ủy")
            client = Client()
            client.force_login(meeting.secretariat)
            made = {name: fetch(client, name, meeting.bloc_year.pk, "docx") for name in DOC_URLS} | {
                name + ".pdf": fetch(client, name, meeting.bloc_year.pk, "pdf") for name in DOC_URLS}
            transaction.set_rollback(True)
    return made


def word(data: bytes):  # noqa: ANN201
    return Document(BytesIO(data))


def cell_lines(cell) -> list[str]:  # noqa: ANN001
    return [p.text for p in cell.paragraphs]


def has_rule(paragraph) -> bool:  # noqa: ANN001
    return paragraph._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}") is not None and not paragraph.text.strip()


@pytest.mark.parametrize("name", DOC_URLS)
def test_every_style_names_times_new_roman_for_every_script_and_no_theme_font(files, name):
    styles = word(files[name]).styles.element
    fonts = list(styles.iter(qn("w:rFonts")))
    assert len(fonts) > 5  # the defaults, Normal and the headings at least
    for rfonts in fonts:
        assert not [a for a in THEME if rfonts.get(qn(a))], rfonts.attrib
        assert [rfonts.get(qn(a)) for a in SCRIPTS] == ["Times New Roman"] * 4, rfonts.attrib
    heading = word(files[name]).styles["Heading 3"].element.rPr.rFonts
    assert heading.get(qn("w:ascii")) == "Times New Roman"
    default = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert default.get(qn("w:val")) == "vi-VN" and default.get(qn("w:eastAsia")) == "vi-VN"
    normal = word(files[name]).styles["Normal"].element.rPr.find(qn("w:lang"))
    assert normal.get(qn("w:val")) == "vi-VN"


@pytest.mark.parametrize("name", DOC_URLS)
def test_a4_with_the_margins_of_the_pdf_and_the_page_number_centred_from_page_two(files, name):
    section = word(files[name]).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    # document.css @page: 20 mm top and bottom, 30 mm left, 15 mm right (Decree 30/2020's ranges).
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [20, 20, 30, 15]
    assert section.different_first_page_header_footer
    header = section.header.paragraphs[0]
    assert header.alignment == 1  # centred
    assert "PAGE" in "".join(t.text for t in header._p.iter(qn("w:instrText")))
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()  # no number on page 1


@pytest.mark.parametrize("name", DOC_URLS)
def test_the_header_cells_fit_the_national_line_and_carry_the_short_rules(files, name):
    document = word(files[name])
    left, right = document.tables[0].rows[0].cells
    assert 65 <= left.width.mm <= 75 and right.width.mm >= 90  # "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM": 87.7 mm
    assert abs(left.width.mm + right.width.mm - 165) < 1
    lines = cell_lines(right)
    assert lines[0] == "ĐẢNG CỘNG SẢN VIỆT NAM" and has_rule(right.paragraphs[1])  # a rule under the Party line
    assert "*" in cell_lines(left)
    summary = next(i for i, p in enumerate(document.paragraphs) if p.text.startswith(("Hội nghị", "Bình xét", "Về")))
    assert has_rule(document.paragraphs[summary + 1])  # and under the title


def test_a_state_header_has_a_rule_under_the_issuing_body_and_under_the_motto(db):
    meeting = seed_year(state_head=True)
    client = Client()
    client.force_login(meeting.secretariat)
    document = word(fetch(client, "reports:submission", meeting.bloc_year.pk, "docx"))
    left, right = document.tables[0].rows[0].cells
    issuer = next(i for i, p in enumerate(left.paragraphs) if p.text.startswith("KHỐI THI ĐUA"))
    assert has_rule(left.paragraphs[issuer + 1])
    motto = cell_lines(right).index("Độc lập - Tự do - Hạnh phúc")
    assert has_rule(right.paragraphs[motto + 1])
    assert "TM. KHỐI THI ĐUA" in [p.text for c in document.tables[-1].rows[0].cells for p in c.paragraphs]


def test_table_columns_are_proportional_stt_narrow_and_the_unit_wide(files):
    document = word(files["reports:counting-minutes"])
    results = next(t for t in document.tables if t.rows[0].cells[0].text == "STT")
    widths = [c.width.mm for c in results.rows[0].cells]
    names = [c.text for c in results.rows[0].cells]
    assert widths[0] < 15 and widths[names.index("Tên đơn vị")] == max(widths)
    assert abs(sum(widths) - 165) < 1
    assert results._tbl.find(f"{qn('w:tblPr')}/{qn('w:tblLayout')}").get(qn("w:type")) == "fixed"
    assert results.rows[0]._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None


@pytest.mark.parametrize("name", DOC_URLS)
def test_list_items_start_with_a_dash_never_a_bullet(files, name):
    document = word(files[name])
    assert not [p for p in document.paragraphs if p.style.name.startswith("List")]
    assert "•" not in document.element.xml
    assert any(p.text.startswith("- ") for p in document.paragraphs)


def test_the_letter_leaves_room_to_sign_and_puts_the_title_above_the_name(files):
    signature = word(files["reports:submission"]).tables[-1].rows[0].cells[1]
    lines = cell_lines(signature)
    assert lines[:3] == ["T/M. KHỐI THI ĐUA", "TRƯỞNG KHỐI", "Trưởng Ban Tuyên giáo Tỉnh ủy"]
    assert lines[-1] == "Ngô Văn Liên"
    assert lines[3:-1] == [""] * (len(lines) - 4) and len(lines) - 4 >= 3  # room to sign
    text = pdf_text(files["reports:submission.pdf"])
    assert "Ngô Văn Liên, Trưởng Ban" not in text
    assert text.index("Trưởng Ban Tuyên giáo Tỉnh ủy Ngô Văn Liên") > text.index("T/M. KHỐI THI ĐUA")


def test_the_minutes_sign_with_the_title_above_the_name_and_the_two_blocks_apart(files):
    document = word(files["reports:meeting-minutes"])
    table = document.tables[-1]
    secretary, chair = (cell_lines(c) for c in table.rows[0].cells)
    assert chair[0] == "CHỦ TRÌ HỘI NGHỊ" and chair[1] == "Trưởng Ban Tuyên giáo Tỉnh ủy"
    assert chair[-1] == "Ngô Văn Liên" and sum(1 for line in chair if not line.strip()) >= 3  # room to sign
    assert secretary[0] == "THƯ KÝ" and secretary[-1] == "Lê Thị Thư"
    margins = table._tbl.find(f"{qn('w:tblPr')}/{qn('w:tblCellMar')}")
    assert all(int(m.get(qn("w:w"))) > 0 for m in margins)  # a gap between the two signature blocks
    assert "Ngô Văn Liên, Trưởng Ban" not in pdf_text(files["reports:meeting-minutes.pdf"]).split("V. KẾT THÚC")[1]


def test_party_documents_sign_on_behalf_as_guidance_36_writes_it():
    assert rules.on_behalf(rules.PARTY) == "T/M." and rules.on_behalf(rules.STATE) == "TM."
    assert rules.signer_parts("Ngô Văn Liên, Trưởng Ban Tuyên giáo Tỉnh ủy") == ("Ngô Văn Liên",
                                                                                 "Trưởng Ban Tuyên giáo Tỉnh ủy")
    assert rules.signer_parts(" Lê  Thị Thư ") == ("Lê Thị Thư", "")


# --- Line breaks (item 2) ---------------------------------------------------------------------------------------


def pdf_lines(pdf: bytes, page: int = 1) -> list[str]:
    return [" ".join(line.split()) for line in pdf_tool("pdftotext", pdf, "-raw", "-enc", "UTF-8", "-f", str(page),
                                                         "-l", str(page)).splitlines() if line.strip()]


@pytest.mark.parametrize("name", DOC_URLS)
def test_the_party_header_keeps_co_quan_together(files, name):
    lines = pdf_lines(files[name + ".pdf"])
    assert "KHỐI THI ĐUA CÁC BAN," in lines and "CƠ QUAN CỦA ĐẢNG" in lines
    assert not [line for line in lines if line.endswith(" CƠ") or line.startswith("QUAN ")]
    left = word(files[name]).tables[0].rows[0].cells[0]
    assert "KHỐI THI ĐUA CÁC BAN,\nCƠ QUAN CỦA ĐẢNG" in cell_lines(left)  # the same break in Word


@pytest.mark.parametrize("name", ["reports:counting-minutes", "reports:meeting-minutes"])
def test_a_minutes_title_never_leaves_one_word_alone_on_its_last_line(files, name):
    lines = pdf_lines(files[name + ".pdf"])
    start = next(i for i, line in enumerate(lines) if line.startswith(("Bình xét", "Hội nghị tổng kết")))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith(("Vào hồi", "I. ")))
    assert end - start >= 2 and len(lines[end - 1].split()) >= 2, lines[start:end]
    assert lines[end - 1] == "Khối thi đua các Ban, cơ quan của Đảng", lines[start:end]  # the name kept whole
    title = next(p for p in word(files[name]).paragraphs if p.text.startswith(("Bình xét", "Hội nghị tổng kết")))
    assert title.text.endswith("của\u00a0Đảng")


def test_the_issuing_body_breaks_after_a_comma_and_never_inside_a_short_name():
    assert rules.issuer_lines("KHỐI THI ĐUA CÁC BAN, CƠ QUAN CỦA ĐẢNG") == ("KHỐI THI ĐUA CÁC BAN,", "CƠ QUAN CỦA ĐẢNG")
    assert rules.issuer_lines("KHỐI THI ĐUA SỐ 5") == ("KHỐI THI ĐUA SỐ 5",)
    assert all(len(line) <= rules.ISSUER_LINE for line in rules.issuer_lines(
        "KHỐI THI ĐUA CÁC CƠ QUAN NỘI CHÍNH VÀ TƯ PHÁP TỈNH QUẢNG TRỊ"))
    assert rules.no_widow("Hội nghị của Đảng") == "Hội nghị của\u00a0Đảng"
    assert rules.unbroken("Khối thi đua số 5") == "Khối\u00a0thi\u00a0đua\u00a0số\u00a05"


# --- Official words, not the software's (item 4) ---------------------------------------------------------------


def _texts(meeting, name: str) -> dict[str, str]:  # noqa: ANN001
    client = Client()
    client.force_login(meeting.secretariat)
    return {"pdf": pdf_text(fetch(client, name, meeting.bloc_year.pk, "pdf")),
            "docx": docx_text(fetch(client, name, meeting.bloc_year.pk, "docx"))}


def test_the_minutes_never_speak_of_the_system_and_end_when_the_last_round_closed(db):
    meeting = seed_year()
    closed = timezone.make_aware(dt.datetime(2022, 12, 1, 16, 35))
    Round.objects.filter(bloc_year=meeting.bloc_year).update(closed_at=closed)
    for fmt, text in _texts(meeting, "reports:meeting-minutes").items():
        assert "hệ thống" not in text and "dự thảo chưa được lập" not in text, fmt
        assert "Hội nghị kết thúc vào hồi 16 giờ 35 phút cùng ngày." in text, fmt
    counting = _texts(meeting, "reports:counting-minutes")["pdf"]
    assert "Biên bản lập xong hồi 16 giờ 35 phút cùng ngày" in counting
    assert "Hình thức: bỏ phiếu kín (bằng phiếu điện tử trên tài khoản của người đại diện đơn vị)." in counting
    assert "hệ thống" not in counting


def test_a_meeting_without_attendance_leaves_a_line_to_fill_in_by_hand(db):
    meeting = seed_year()
    Attendance.objects.filter(meeting__bloc_year=meeting.bloc_year).delete()
    for fmt, text in _texts(meeting, "reports:meeting-minutes").items():
        assert "0/0" not in text and "vắng mặt: không" not in text, fmt
        assert "Đơn vị thành viên có mặt: ........./9 đơn vị" in text, fmt


def test_a_letter_with_nothing_to_propose_says_so_in_one_sentence(db):
    meeting = seed_year()
    Nomination.objects.filter(bloc_year=meeting.bloc_year).delete()
    for fmt, text in _texts(meeting, "reports:submission").items():
        assert "Năm 2022, Khối thi đua các Ban, cơ quan của Đảng không có đơn vị đề nghị khen thưởng." in text, fmt
        assert "(0 bộ)" not in text and "Tóm tắt thành tích" not in text, fmt


# --- One style and one order in every document (item 5) --------------------------------------------------------


def test_percentages_have_two_decimals_and_the_proposals_read_once_đề_nghị(db):
    meeting = seed_year()
    data = report_data(meeting.bloc_year)
    percents = [row["percent"] for ballot in data["ballots"] for row in ballot["rows"]]
    assert percents and all(re.fullmatch(r"\d{1,3},\d\d", p) for p in percents), percents  # "100,00", not "100"
    votes = [unit["votes"] for category in data["proposals"] for unit in category["units"]]
    assert all(re.fullmatch(r"\d+ \(\d{1,3},\d\d%\)", v) for v in votes), votes
    assert [c["phrase"] for c in data["proposals"]][2] == "3 đơn vị được tặng Bằng khen của Chủ tịch UBND tỉnh"
    letter = _texts(meeting, "reports:submission")["pdf"]
    assert "3 đơn vị được tặng Bằng khen của Chủ tịch UBND tỉnh" in letter  # the report's and the seed's "3"


def test_units_tied_on_votes_are_in_the_same_order_in_every_document(db):
    """Ban Tổ chức and Ban Dân vận both have 8/9 for the certificate; Ban Tổ chức scored more (94 to 93)."""
    meeting = seed_year()
    first, second = "Ban Tổ chức Tỉnh ủy", "Ban Dân vận Tỉnh ủy"
    texts = {name: _texts(meeting, name)["pdf"] for name in DOC_URLS}
    texts["reports:counting-minutes"] = texts["reports:counting-minutes"].split("IV. KẾT LUẬN")[1]
    texts["reports:meeting-minutes"] = texts["reports:meeting-minutes"].split("3. Kết quả bình xét")[1]
    texts["reports:submission"] = texts["reports:submission"].split("II. DANH SÁCH")[1]
    for name, text in texts.items():
        assert text.index(first) < text.index(second), name
    units = [u["name"] for c in report_data(meeting.bloc_year)["proposals"] for u in c["units"]]
    assert units.index(first) < units.index(second)


def test_the_report_leaves_room_to_sign_under_the_title_and_prints_the_chairs_office(db):
    seed = report_seed()
    MeetingRecord.objects.filter(bloc_year=seed.bloc_year).update(
        chair_name=f"{CHAIR_NAME}, Trưởng Ban Tuyên giáo Tỉnh ủy")
    html = render_report(seed_draft(seed))
    signature = word(html_to_docx(html)).tables[-1].rows[0].cells[1]
    lines = cell_lines(signature)
    assert lines[:3] == ["T/M. KHỐI THI ĐUA", "TRƯỞNG KHỐI", "Trưởng Ban Tuyên giáo Tỉnh ủy"]
    assert lines[-1] == CHAIR_NAME
    assert len([line for line in lines[3:-1] if not line.strip()]) >= 3
    text = " ".join(pdf_tool("pdftotext", html_to_pdf(html), "-raw", "-enc", "UTF-8").split())
    assert f"TRƯỞNG KHỐI Trưởng Ban Tuyên giáo Tỉnh ủy {CHAIR_NAME}" in text
