"""The seed year's report as printed: the PDF's text, fonts, page size, margins, page numbers and the
proposal table, read back with poppler-utils; the Word file read back with python-docx; typed HTML and
script shown as text everywhere."""

from __future__ import annotations

import html
import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from docx import Document

from blocs.models import Unit
from reports.common import html_to_docx
from reports.pdf import html_to_pdf
from reports.queries.report import render_report
from tests.conftest import client_for
from tests.reports.test_report_seed import (
    CHAIR_NAME,
    HEAD_2023,
    NARRATIVE,
    PROPOSED,
    SeedYear,
    seed_adopted,
    seed_draft,
    seed_year,
)

pytestmark = pytest.mark.django_db

TITLE = "Tổng kết công tác thi đua năm 2022 và phương hướng nhiệm vụ năm 2023"
TYPED = ["<script>alert(1)</script>", "<b>x</b>"]
MM = 72 / 25.4  # points per millimetre


def poppler(tool: str, pdf: Path, *args: str) -> str:
    return subprocess.run([tool, *args, str(pdf), "-"] if tool == "pdftotext" else [tool, *args, str(pdf)],
                          check=True, capture_output=True, text=True).stdout


def flat(text: str) -> str:
    return " ".join(text.split())


def words(pdf: Path) -> list[list[dict]]:
    """Each page's words with their boxes (pdftotext -bbox), in points from the top left."""
    pages = []
    for page in re.findall(r"<page .*?</page>", poppler("pdftotext", pdf, "-bbox"), re.S):
        pages.append([{"x0": float(x0), "y0": float(y0), "x1": float(x1), "y1": float(y1),
                       "text": html.unescape(text)}
                      for x0, y0, x1, y1, text in re.findall(
                          r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                          page)])
    return pages


def proposal_columns(pdf: Path) -> tuple[list[str], str]:
    """The proposal table read as a reader reads it: the "Số lượng" column top to bottom, and the text of
    the "Đơn vị được đề nghị" column. The table ends where the "Điểm" column stops holding numbers."""
    for page in words(pdf):
        count = next((w for w in page if w["text"] == "lượng"), None)
        score = next((w for w in page if w["text"] == "Điểm" and count and abs(w["y0"] - count["y0"]) < 20), None)
        if count is None or score is None:
            continue
        below = sorted((w for w in page if w["y0"] > count["y1"]), key=lambda w: (round(w["y0"]), w["x0"]))
        in_score = [w for w in below if abs((w["x0"] + w["x1"]) / 2 - (score["x0"] + score["x1"]) / 2) < 15]
        bottom = max(w["y1"] for w in in_score if re.fullmatch(r"[\d,]+", w["text"]))
        rows = [w for w in below if w["y1"] <= bottom + 40 and w["y0"] <= bottom]
        centre = (count["x0"] + count["x1"]) / 2
        counts = [w["text"] for w in rows if abs((w["x0"] + w["x1"]) / 2 - centre) < 12]
        names = [w for w in rows if w["x0"] > count["x1"] + 5 and w["x1"] < score["x0"] - 5]
        return counts, " ".join(w["text"] for w in sorted(names, key=lambda w: (round(w["y0"]), w["x0"])))
    raise AssertionError("no proposal table in the PDF")


@pytest.fixture(scope="module")
def printed(django_db_setup, django_db_blocker, tmp_path_factory):  # noqa: ANN001, ANN201
    """The seed year adopted once; its stored PDF and Word file on disk, for every test of this module."""
    folder = tmp_path_factory.mktemp("report")
    # Module-scoped: the autouse settings fixture is not active yet, so store the PDF under the test folder.
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=folder / "media"), translation.override("vi"):
        with transaction.atomic():
            seed = seed_year()
            adopted = seed_adopted(seed)
            names = {code: seed.unit(code).name for codes in PROPOSED.values() for code in codes}
            order = [names[code] for codes in PROPOSED.values() for code in codes]
            with adopted.pdf.open("rb") as stored:
                (folder / "report.pdf").write_bytes(stored.read())
            (folder / "report.docx").write_bytes(html_to_docx(adopted.frozen_html))
            transaction.set_rollback(True)
    return {"pdf": folder / "report.pdf", "docx": folder / "report.docx", "units": order}


def test_the_pdf_says_what_the_seed_says(printed):
    text = flat(poppler("pdftotext", printed["pdf"]))
    for expected in ["ĐẢNG CỘNG SẢN VIỆT NAM", "Quảng Trị, ngày 01 tháng 12 năm 2022", "BÁO CÁO", TITLE,
                     "Số 05-BC/KTĐ", "T/M. KHỐI THI ĐUA", "TRƯỞNG KHỐI", CHAIR_NAME, "Nơi nhận:",
                     "Ban Thi đua – Khen thưởng tỉnh (Sở Nội vụ);", "Các đơn vị thành viên;", "Lưu: VT.",
                     f"Hội nghị đã bầu {HEAD_2023} làm Trưởng Khối thi đua năm 2023",
                     *[flat(p) for p in NARRATIVE["political_tasks"].split("\n\n")]]:
        assert expected in text, expected
    for unit in printed["units"]:
        assert unit in text, unit
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in text and "DỰ THẢO" not in text


def test_the_proposal_table_reads_01_02_3_and_names_six_different_units(printed):
    counts, names = proposal_columns(printed["pdf"])
    assert counts == ["01", "02", "3"]
    assert names == " ".join(printed["units"])
    assert len(set(printed["units"])) == 6


def test_only_the_document_font_is_embedded(printed):
    rows = poppler("pdffonts", printed["pdf"]).splitlines()[2:]
    fonts = {row.split()[0].split("+", 1)[1] for row in rows}
    assert {"DocSerif", "DocSerif-Bold"} <= fonts <= {"DocSerif", "DocSerif-Bold", "DocSerif-Italic",
                                                      "DocSerif-Bold-Italic"}
    assert all(row.split()[-5:-3] == ["yes", "yes"] for row in rows), rows  # embedded, subset


def test_a4_portrait_with_the_decree_margins(printed):
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", poppler("pdfinfo", printed["pdf"]))
    assert abs(float(size[1]) - 595.28) < 0.5 and abs(float(size[2]) - 841.89) < 0.5
    for number, page in enumerate(words(printed["pdf"]), 1):
        body = [w for w in page if not (number > 1 and w["text"] == str(number) and w["y1"] < 20 * MM)]
        assert min(w["x0"] for w in body) >= 30 * MM - 1, number  # left 30 mm
        assert max(w["x1"] for w in body) <= 595.28 - 15 * MM + 1, number  # right 15 mm
        assert min(w["y0"] for w in body) >= 20 * MM - 1 and max(w["y1"] for w in body) <= 841.89 - 20 * MM + 1


def test_page_numbers_start_on_page_two(printed):
    pages = int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", printed["pdf"]))[1])
    assert pages >= 2
    first_lines = [poppler("pdftotext", printed["pdf"], "-f", str(n), "-l", str(n)).split()[0]
                   for n in range(1, pages + 1)]
    assert first_lines[0] != "1"
    assert first_lines[1:] == [str(n) for n in range(2, pages + 1)]


def test_the_word_file_carries_the_same_title_header_and_units(printed):
    document = Document(str(printed["docx"]))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    everything = flat(" ".join(paragraphs + cells))
    assert "BÁO CÁO" in paragraphs and TITLE in paragraphs
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in cells[1] and "Quảng Trị, ngày 01 tháng 12 năm 2022" in cells[1]
    assert "Số 05-BC/KTĐ" in cells[0]
    for unit in [*printed["units"], HEAD_2023]:
        assert unit in everything, unit
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0].startswith("PHẦN I.") and any(h.startswith("PHẦN III.") for h in headings)


def test_a_state_head_unit_prints_the_national_header(db):
    seed = seed_year()
    Unit.objects.filter(pk=seed.unit("BTG").pk).update(kind=Unit.Kind.STATE, parent_body="UBND tỉnh Quảng Trị")
    adopted = seed_adopted(seed)
    with adopted.pdf.open("rb") as stored:
        text = flat(_pdf_text(stored.read()))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: 05/BC-KTĐ" in text and "ĐẢNG CỘNG SẢN VIỆT NAM" not in text


def _pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, check=True, capture_output=True).stdout.decode()


def _seed_typed(seed: SeedYear):  # noqa: ANN202
    narrative = {**NARRATIVE, "lessons": f"{TYPED[0]}\n\nChữ {TYPED[1]} và **đậm**"}
    return seed_draft(seed, narrative)


def test_typed_script_and_html_show_as_text_on_the_page_in_the_pdf_and_in_word(db):
    seed = seed_year()
    draft = _seed_typed(seed)
    page = client_for(seed.meeting.secretariat).get(reverse("reports:report-html", args=[draft.pk]))
    body = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;b&gt;x&lt;/b&gt;" in body
    assert "<script>alert(1)" not in body and "<b>x</b>" not in body
    assert "<strong>đậm</strong>" in body  # the markup still works
    html_text = render_report(draft)
    pdf_text = flat(_pdf_text(html_to_pdf(html_text)))
    word = Document(BytesIO(html_to_docx(html_text)))
    word_text = " ".join(p.text for p in word.paragraphs)
    for typed in TYPED:
        assert typed in pdf_text and typed in word_text, typed
    assert "DỰ THẢO" in pdf_text  # a draft says so
