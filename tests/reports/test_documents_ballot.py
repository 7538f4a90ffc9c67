"""The printable ballot paper (domain-research.md §6.3): A4, "chọn không quá N đơn vị", the candidates,
no voter identity, every copy the same."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from awards.models import Round
from awards.services import rounds as round_services
from tests.awards.conftest import seed_meeting
from tests.reports.test_documents_content import DOC_FONTS, docx_text, fetch, pdf_fonts, pdf_text, pdf_tool, vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds(db):  # noqa: ANN001, ANN201
    meeting = seed_meeting()
    generated = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    return meeting, {r.award.code if r.award else r.kind: r for r in generated}


def paper(client: Client, round_: Round, fmt: str = "html", **params: str) -> bytes:
    response = client.get(reverse("reports:ballot-paper", args=[round_.pk]),
                          {**({"format": fmt} if fmt != "html" else {}), **params})
    assert response.status_code == 200
    return response.content


def test_the_paper_says_choose_at_most_n_and_lists_every_candidate(rounds):
    meeting, by_kind = rounds
    client = Client()
    client.force_login(meeting.secretariat)
    merit = by_kind["bang-khen-chu-tich-ubnd-tinh"]
    pdf = paper(client, merit, "pdf")
    text = pdf_text(pdf)
    assert "PHIẾU SUY TÔN" in text
    assert "Đơn vị đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh năm 2022" in text
    assert "chọn không quá 3 đơn vị" in text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    for unit in meeting.units.values():
        assert unit.name in text
    assert pdf_fonts(pdf) <= DOC_FONTS
    assert "(A4)" in pdf_tool("pdfinfo", pdf)
    word = docx_text(paper(client, merit, "docx"))
    assert "PHIẾU SUY TÔN" in word and "chọn không quá 3 đơn vị" in word
    assert all(unit.name in word for unit in meeting.units.values())
    head = pdf_text(paper(client, by_kind["head"], "pdf"))
    assert "PHIẾU BẦU" in head and "Đơn vị Trưởng khối năm 2023" in head and "chọn không quá 1 đơn vị" in head


def test_the_paper_carries_no_voter_identity_number_or_date(rounds):
    meeting, by_kind = rounds
    client = Client()
    client.force_login(meeting.secretariat)
    text = pdf_text(paper(client, by_kind["co-thi-dua-chinh-phu"], "pdf"))
    for forbidden in ("Số", "ngày", meeting.secretariat.username, "Người bỏ phiếu:", "Mã phiếu"):
        assert forbidden not in text, forbidden
    assert "Phiếu không ghi tên người bỏ phiếu." in text


def test_copies_are_identical_pages_without_page_numbers(rounds):
    meeting, by_kind = rounds
    client = Client()
    client.force_login(meeting.chair)
    pdf = paper(client, by_kind["co-thi-dua-ubnd-tinh"], "pdf", copies="3")
    assert "Pages:           3" in pdf_tool("pdfinfo", pdf)
    pages = [pdf_tool("pdftotext", pdf, "-f", str(n), "-l", str(n), "-enc", "UTF-8") for n in (1, 2, 3)]
    assert pages[0] == pages[1] == pages[2]  # no page number, nothing that tells one copy from another


def test_a_bad_copies_value_prints_one_copy(rounds):
    meeting, by_kind = rounds
    client = Client()
    client.force_login(meeting.secretariat)
    pdf = paper(client, by_kind["head"], "pdf", copies="many")
    assert "Pages:           1" in pdf_tool("pdfinfo", pdf)


def test_a_draft_round_lists_what_its_opening_will_list(rounds):
    """A unit proposed for a higher award leaves the lower ballot (one award per unit)."""
    meeting, by_kind = rounds
    round_services.candidates_fill(actor=meeting.secretariat, round_=by_kind["co-thi-dua-ubnd-tinh"])
    vote(meeting, by_kind["co-thi-dua-chinh-phu"], [["BTG"]] * 7 + [["VPTU"]] * 2)
    client = Client()
    client.force_login(meeting.secretariat)
    text = pdf_text(paper(client, by_kind["co-thi-dua-ubnd-tinh"], "pdf"))
    assert "Ban Tuyên giáo Tỉnh ủy" not in text
    assert "Văn phòng Tỉnh ủy" in text


def test_the_old_ballot_address_previews_the_paper_and_links_to_the_document(rounds):
    meeting, by_kind = rounds
    client = Client()
    client.force_login(meeting.secretariat)
    round_ = by_kind["head"]
    page = client.get(reverse("awards:ballot-paper", args=[round_.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    target = reverse("reports:ballot-paper", args=[round_.pk])
    assert f'href="{target}?format=pdf"' in html and "chọn không quá 1 đơn vị" in html
    assert "chọn không quá 1 đơn vị" in fetch(client, "reports:ballot-paper", round_.pk).decode()
