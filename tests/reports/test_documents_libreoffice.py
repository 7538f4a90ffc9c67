"""The Word files as another office program prints them (issue 12, item 4's check): every document of a submitted
year, its DOCX rendered to PDF by LibreOffice (`soffice --headless --convert-to pdf`, Debian's
libreoffice-writer-nogui, which .ci/run installs), read with the same text checks as the WeasyPrint PDFs:
the header, the number, the date, the signature block, the order of the units, page numbers from page 2, A4.

LibreOffice is slow to start, so one test converts all the year's files in one run, in a temporary directory
with its own profile (-env:UserInstallation) so that parallel test processes do not share one.

A clerk's Word has Times New Roman; this machine may have no font of its metrics at all (Debian's minimal
LibreOffice brings only DejaVu, wider, which wraps "TRƯỞNG BAN KIỂM PHIẾU" onto two lines). So LibreOffice is
given our own embedded Liberation Serif (static/fonts, metric-compatible with Times New Roman) through a
fontconfig file of its own, and the check does not depend on what fonts the machine happens to have.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

from reports.models import SentDocument
from tests.reports.test_documents_content import pdf_text, pdf_tool, proposed_names
from tests.reports.test_documents_sent import submitted_year

pytestmark = pytest.mark.django_db

SYMBOL = "KTĐ-BCQĐ"  # the seed bloc's symbol, from its name
# What each document prints (Party style, Guidance 36): its number's type and its date.
WANTED = {
    "counting": ["BIÊN BẢN KIỂM PHIẾU", f"-BB/{SYMBOL}", "ngày 01 tháng 12 năm 2022", "TRƯỞNG BAN KIỂM PHIẾU", "STT"],
    "minutes": ["BIÊN BẢN", f"-BB/{SYMBOL}", "ngày 01 tháng 12 năm 2022", "THƯ KÝ"],
    "submission": ["TỜ TRÌNH", f"-TTr/{SYMBOL}", "T/M. KHỐI THI ĐUA", "TRƯỞNG KHỐI", "Nơi nhận:"],
    "report": ["BÁO CÁO", f"Số 05-BC/{SYMBOL}", "ngày 01 tháng 12 năm 2022", "T/M. KHỐI THI ĐUA", "TRƯỞNG KHỐI"],
    "ballot": ["PHIẾU"],
}


FONTS = Path(settings.BASE_DIR) / "static" / "fonts"
# Times New Roman is Liberation Serif here, whatever else the machine's fontconfig knows.
FONTCONFIG = f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{FONTS}</dir>
  <match target="pattern">
    <test qual="any" name="family"><string>Times New Roman</string></test>
    <edit name="family" mode="prepend" binding="strong"><string>Liberation Serif</string></edit>
  </match>
</fontconfig>
"""


def soffice_pdfs(files: dict[str, bytes]) -> dict[str, bytes]:
    """Each DOCX converted to PDF by one LibreOffice run, with a profile and fonts of its own."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is missing: apt-get install libreoffice-writer-nogui (.ci/run does)"
    assert (FONTS / "LiberationSerif-Regular.ttf").is_file(), FONTS
    with tempfile.TemporaryDirectory(prefix="docfreeze-lo-") as tmp:
        folder = Path(tmp)
        (folder / "fonts.conf").write_text(FONTCONFIG, encoding="utf-8")
        for name, data in files.items():
            (folder / f"{name}.docx").write_bytes(data)
        subprocess.run([soffice, f"-env:UserInstallation=file://{folder}/profile", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(folder / "out"),
                        *(str(folder / f"{name}.docx") for name in files)],
                       check=True, capture_output=True, timeout=600,
                       env={**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf"),
                            "XDG_CACHE_HOME": str(folder / "cache")})
        return {name: (folder / "out" / f"{name}.pdf").read_bytes() for name in files}


def pages(pdf: bytes) -> int:
    return int(re.search(r"Pages:\s+(\d+)", pdf_tool("pdfinfo", pdf))[1])


def first_word(pdf: bytes, page: int) -> str:
    return pdf_tool("pdftotext", pdf, "-f", str(page), "-l", str(page), "-enc", "UTF-8").split()[0]


def order_in(text: str, names: list[str]) -> list[str]:
    return sorted((n for n in names if n in text), key=text.index)


def test_every_word_file_of_a_sent_year_prints_in_libreoffice_as_the_pdf_does(db, capsys):
    meeting = submitted_year()
    sent = {f"{d.kind}-{d.round_id or 0}": d for d in SentDocument.objects.filter(bloc_year=meeting.bloc_year)}
    started = time.perf_counter()
    printed = soffice_pdfs({name: bytes(d.docx) for name, d in sent.items()})
    took = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nLibreOffice: {len(printed)} Word files to PDF in {took:.1f} s")
    proposed = proposed_names(meeting)
    for name, document in sent.items():
        office, ours = printed[name], bytes(document.pdf)
        text = pdf_text(office)
        assert "LiberationSerif" in pdf_tool("pdffonts", office), name  # our font, not the machine's
        missing = [w for w in ["ĐẢNG CỘNG SẢN VIỆT NAM", *WANTED[document.kind]] if w not in text]
        assert not missing, (name, missing)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in text
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", pdf_tool("pdfinfo", office))
        assert abs(float(size[1]) - 595.28) < 1 and abs(float(size[2]) - 841.89) < 1, name  # A4 portrait
        assert order_in(text, proposed) == order_in(pdf_text(ours), proposed), name  # the units in one order
        count = pages(office)
        assert first_word(office, 1) != "1", name  # no number on the first page
        assert [first_word(office, n) for n in range(2, count + 1)] == [str(n) for n in range(2, count + 1)], name
    assert pages(printed["report-0"]) >= 2  # the page numbers were checked on a document of several pages
    assert order_in(pdf_text(printed["submission-0"]), proposed) == proposed
