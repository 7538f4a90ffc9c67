"""Who may open the meeting's documents, per persona (tests/conftest.py) — rows for the central matrix.

The bloc's members, secretariat, chair and the province board read the documents; an outsider gets 404;
anonymous users go to the login page. Blank ballot papers are for those who run the meeting (secretariat
and chair); only the secretariat numbers documents.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from awards.models import Round, RuleSet
from reports.models import SentDocument
from tests.conftest import PERSONAS, client_for
from tests.permission_matrix import EXPECTED

# {url_name: {persona: status}} for a GET (tests/permission_matrix.py); `pk` is the first bloc's year (a round of
# it for ballot-paper).
DOCUMENT_URL_ROWS: dict[str, dict[str, int]] = {name: EXPECTED[name] for name in (
    "reports:documents", "reports:counting-minutes", "reports:meeting-minutes", "reports:submission",
    "reports:document-numbers", "reports:ballot-paper", "reports:sent-document", "reports:document-new-version",
    "reports:letter-signature-upload", "reports:letter-sign")}
SENT_LETTER_URLS = {"reports:sent-document", "reports:letter-signature-upload", "reports:letter-sign"}

pytestmark = pytest.mark.django_db


def _round(world) -> Round:  # noqa: ANN001
    rule_set = RuleSet.objects.create(bloc_year=world.bloc_year, version=1)
    return Round.objects.create(bloc_year=world.bloc_year, rule_set=rule_set, kind=Round.Kind.HEAD, quota=1,
                                max_choices=1, title="Bầu đơn vị Trưởng khối năm 2023")


def _sent(world, round_: Round | None = None) -> SentDocument:  # noqa: ANN001
    """A stored document (the bytes do not matter to who may read them)."""
    return SentDocument.objects.create(
        bloc_year=world.bloc_year, kind=SentDocument.Kind.BALLOT if round_ else SentDocument.Kind.SUBMISSION,
        round=round_, version=1, html="<p>x</p>", pdf=b"%PDF-", pdf_sha256="0" * 64, docx=b"PK", docx_sha256="0" * 64,
        sent_at=timezone.now())


@pytest.mark.parametrize("name", sorted(DOCUMENT_URL_ROWS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_document_urls_per_persona(world, name, persona):
    pk = (_round(world).pk if name == "reports:ballot-paper" else _sent(world).pk if name in SENT_LETTER_URLS
          else world.bloc_year.pk)
    client = client_for(world.users[persona])
    if name in ("reports:document-new-version", "reports:letter-sign"):  # POST only
        response = client.post(reverse(name, args=[pk]), {"document": "submission:", "reason": "Sửa tên đơn vị"})
        assert response.status_code == DOCUMENT_URL_ROWS[name][persona], (name, persona)
        return
    response = client.get(reverse(name, args=[pk]))
    assert response.status_code == DOCUMENT_URL_ROWS[name][persona], (name, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_ballot_paper_as_sent_is_for_those_who_print_ballots(world, persona):
    pk = _sent(world, _round(world)).pk
    for fmt in ("html", "pdf"):
        response = client_for(world.users[persona]).get(reverse("reports:sent-document", args=[pk]), {"format": fmt})
        assert response.status_code == EXPECTED["reports:sent-document@ballot"][persona], (fmt, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_pdf_and_word_follow_the_same_rules(world, persona):
    expected = DOCUMENT_URL_ROWS["reports:counting-minutes"][persona]
    for fmt in ("pdf", "docx"):
        response = client_for(world.users[persona]).get(
            reverse("reports:counting-minutes", args=[world.bloc_year.pk]), {"format": fmt})
        assert response.status_code == expected, (fmt, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_secretariat_saves_numbers(world, persona):
    response = client_for(world.users[persona]).post(
        reverse("reports:document-numbers", args=[world.bloc_year.pk]), {"counting_number": "1"})
    assert response.status_code == EXPECTED["reports:document-numbers@post"][persona]


def test_an_outsider_cannot_print_another_blocs_ballot(world):
    response = client_for(world.users["outsider"]).get(reverse("reports:ballot-paper", args=[_round(world).pk]),
                                                       {"format": "pdf"})
    assert response.status_code == 404


def test_the_list_offers_ballots_and_numbering_only_to_those_who_may_use_them(world):
    _round(world)
    url = reverse("reports:documents", args=[world.bloc_year.pk])
    member = client_for(world.users["representative"]).get(url).content.decode()
    assert reverse("reports:document-numbers", args=[world.bloc_year.pk]) not in member
    assert "ballot-paper" not in member
    secretariat = client_for(world.users["secretariat"]).get(url).content.decode()
    assert reverse("reports:document-numbers", args=[world.bloc_year.pk]) in secretariat
    assert "ballot-paper" in secretariat
    assert secretariat.count("data-spinner") == 2 * 4  # PDF and Word of three documents and one ballot
