"""Per-bloc document settings (issue 12, item 2): the line(s) above the bloc's name, the symbol, the style and the
signer's title, set by the secretariat on the year's settings page, shown there, and printed by every document in
the PDF and in the Word file; left empty, derived as before, the symbol from the bloc's name."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document

from blocs import rules
from blocs.models import Bloc
from blocs.selectors import document_settings, effective_symbol
from tests.factories import make_bloc
from tests.reports.test_documents_content import DOC_URLS, fetch, pdf_text, seed_year

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("kind", "name", "code", "symbol"), [
    ("bloc", "Khối thi đua các Ban, cơ quan của Đảng", "dang", "KTĐ-BCQĐ"),
    ("bloc", "Khối thi đua Nội chính", "noi-chinh", "KTĐ-NC"),
    ("cluster", "Cụm thi đua các huyện miền núi", "mien-nui", "CTĐ-HMN"),
    ("bloc", "Khối thi đua", "k7", "KTĐ-K7"),
])
def test_a_symbol_left_empty_comes_from_the_blocs_name(kind, name, code, symbol):
    assert rules.default_symbol(kind=kind, name=name, code=code) == symbol


def test_two_blocs_of_a_province_never_share_a_symbol_by_default(db):
    first = make_bloc(name="Khối thi đua Nội chính", code="noi-chinh")
    second = make_bloc(name="Khối thi đua Nông nghiệp Công thương", code="nncn", province=first.province)
    third = make_bloc(name="Khối thi đua Nội chính", code="noi-chinh-2", province=first.province)
    symbols = [effective_symbol(b) for b in (first, second, third)]
    assert symbols == ["KTĐ-NC", "KTĐ-NNCT", "KTĐ-NOI-CHINH-2"]


def docx_xml(data: bytes) -> str:
    document = Document(BytesIO(data))
    return "".join(t.text or "" for t in document.element.body.iter(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"))


def test_the_secretariat_sets_the_documents_settings_and_every_document_prints_them(db):
    meeting = seed_year()
    pk = meeting.bloc_year.pk
    client = Client()
    client.force_login(meeting.secretariat)
    response = client.post(reverse("blocs:year-edit", args=[pk]), {
        "place_name": "Quảng Trị", "doc_parent_lines": "UBND TỈNH QUẢNG TRỊ\nBAN THI ĐUA – KHEN THƯỞNG",
        "doc_symbol": "ktđ-nc", "doc_style": "state", "doc_signer_title": "Khối trưởng"})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(reverse("blocs:year-detail", args=[pk])).content.decode()
    assert "KTĐ-NC" in page and "BAN THI ĐUA – KHEN THƯỞNG" in page and "KHỐI TRƯỞNG" not in page
    assert "Khối trưởng" in page
    for name in DOC_URLS:
        for text in (pdf_text(fetch(client, name, pk, "pdf")), docx_xml(fetch(client, name, pk, "docx"))):
            wanted = ["UBND TỈNH QUẢNG TRỊ", "BAN THI ĐUA – KHEN THƯỞNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                      "Độc lập - Tự do - Hạnh phúc", "-KTĐ-NC"]
            missing = [w for w in wanted if w not in text]
            assert not missing, (name, missing)
            assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in text and "TỈNH ỦY" not in text.split("Số")[0]
    letter = pdf_text(fetch(client, "reports:submission", pk, "pdf"))
    assert "TM. KHỐI THI ĐUA KHỐI TRƯỞNG" in letter  # the signer's title under "on behalf of", Decree 30's "TM."

    client.post(reverse("blocs:year-edit", args=[pk]), {"place_name": "Quảng Trị", "doc_parent_lines": "",
                                                         "doc_symbol": "", "doc_style": "", "doc_signer_title": ""})
    derived = document_settings(meeting.bloc_year)
    assert (derived.symbol, derived.style, derived.signer_title) == ("KTĐ-BCQĐ", "party", "TRƯỞNG KHỐI")
    assert derived.derived == {"parent_lines", "symbol", "style", "signer_title"}
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in pdf_text(fetch(client, "reports:counting-minutes", pk, "pdf"))


def test_a_symbol_another_bloc_of_the_province_uses_is_refused_in_vietnamese(db):
    meeting = seed_year()
    make_bloc(name="Khối thi đua Nội chính", code="noi-chinh", province=meeting.bloc_year.bloc.province)
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(meeting.secretariat)
    response = client.post(reverse("blocs:year-edit", args=[meeting.bloc_year.pk]), {
        "place_name": "Quảng Trị", "doc_symbol": "KTĐ-NC", "doc_parent_lines": "", "doc_style": "",
        "doc_signer_title": ""})
    assert response.status_code == 200
    assert "Khối thi đua Nội chính" in response.content.decode() and "KTĐ-NC" in response.content.decode()
    assert Bloc.objects.get(pk=meeting.bloc_year.bloc_id).doc_symbol == ""
