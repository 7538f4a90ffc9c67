"""Documents frozen once sent (issue 12, item 5): submitting the year stores every document as it was sent; a unit
renamed later changes nothing already sent; a new version, with its reason, carries the new name and the earlier
version stays downloadable. Read as a user reads them: the PDF's text and the Word file's XML."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from blocs.models import AuditEntry, Bloc, BlocYear, Unit
from blocs.services.bloc_years import bloc_year_advance
from blocs.services.units import unit_save
from reports.models import SentDocument
from reports.services import report as report_services
from reports.services.sent import sent_document_new_version
from tests.reports.test_documents_content import DOC_URLS, docx_text, fetch, pdf_text, seed_year

pytestmark = pytest.mark.django_db

OLD, NEW = "Ban Tuyên giáo Tỉnh ủy", "Ban Tuyên giáo và Dân vận Tỉnh ủy"


def submitted_year():  # noqa: ANN201
    """The seed year, its report adopted, moved to "submitted to the province"."""
    meeting = seed_year()
    bloc_year = meeting.bloc_year
    draft = report_services.report_draft_create(actor=meeting.secretariat, bloc_year=bloc_year)
    report_services.report_adopt(actor=meeting.chair, version=draft, doc_date=dt.date(2022, 12, 1), doc_number=5)
    BlocYear.objects.filter(pk=bloc_year.pk).update(status=BlocYear.Status.MEETING)
    bloc_year_advance(actor=meeting.secretariat, bloc_year=bloc_year, expected_status=BlocYear.Status.MEETING,
                      reason="Kiểm thử")
    return meeting


def test_a_submitted_year_serves_its_documents_as_sent_even_after_a_unit_is_renamed(db):
    meeting = submitted_year()
    pk = meeting.bloc_year.pk
    client = Client()
    client.force_login(meeting.secretariat)
    kinds = set(SentDocument.objects.filter(bloc_year=pk).values_list("kind", flat=True))
    assert kinds == {"counting", "minutes", "submission", "ballot", "report"}
    assert SentDocument.objects.filter(bloc_year=pk, kind="ballot").count() == meeting.bloc_year.rounds.count()
    before = {(name, fmt): fetch(client, name, pk, fmt) for name in DOC_URLS for fmt in ("html", "pdf", "docx")}
    assert all(OLD in pdf_text(before[(name, "pdf")]) for name in DOC_URLS)

    btg = Unit.objects.get(pk=meeting.units["BTG"].pk)
    unit_save(actor=meeting.secretariat, unit=btg, data={"name": NEW})

    for (name, fmt), content in before.items():
        assert fetch(client, name, pk, fmt) == content, (name, fmt)  # byte for byte, as sent
    for document in SentDocument.objects.filter(bloc_year=pk):
        assert hashlib.sha256(bytes(document.pdf)).hexdigest() == document.pdf_sha256
        assert hashlib.sha256(bytes(document.docx)).hexdigest() == document.docx_sha256
    letter = SentDocument.objects.get(bloc_year=pk, kind="submission")
    response = client.get(reverse("reports:submission", args=[pk]), {"format": "pdf"})
    assert response["X-Content-SHA256"] == letter.pdf_sha256
    assert OLD in pdf_text(response.content) and NEW not in pdf_text(response.content)

    with pytest.raises(ValidationError):  # a new version says why
        sent_document_new_version(actor=meeting.secretariat, bloc_year=meeting.bloc_year, kind="submission",
                                  reason="  ")
    # A correction: the bloc's signer's title was wrong. The new version prints it, and still names the unit as it
    # was called in that year (past years keep their names, docs/reorganization.md).
    Bloc.objects.filter(pk=meeting.bloc_year.bloc_id).update(doc_signer_title="PHÓ TRƯỞNG KHỐI")
    response = client.post(reverse("reports:document-new-version", args=[pk]),
                           {"document": "submission:", "reason": "Đổi tên Ban Tuyên giáo và Dân vận"})
    assert response.status_code == 302
    second = SentDocument.objects.get(bloc_year=pk, kind="submission", version=2)
    now = fetch(client, "reports:submission", pk, "pdf")
    assert "PHÓ TRƯỞNG KHỐI" in pdf_text(now) and hashlib.sha256(now).hexdigest() == second.pdf_sha256
    assert OLD in pdf_text(now) and NEW not in pdf_text(now)
    assert "PHÓ TRƯỞNG KHỐI" in docx_text(fetch(client, "reports:submission", pk, "docx"))
    first = client.get(reverse("reports:submission", args=[pk]), {"format": "pdf", "version": "1"}).content
    assert first == before[("reports:submission", "pdf")]  # the earlier version stays downloadable
    assert client.get(reverse("reports:sent-document", args=[letter.pk]), {"format": "pdf"}).content == first
    assert fetch(client, "reports:counting-minutes", pk, "pdf") == before[("reports:counting-minutes", "pdf")]
    entry = AuditEntry.objects.filter(action="reports.document.new_version").get()
    assert entry.changes["reason"] == "Đổi tên Ban Tuyên giáo và Dân vận" and entry.actor == meeting.secretariat
    assert AuditEntry.objects.filter(action="reports.documents.sent", bloc_year=pk).count() == 1
    page = client.get(reverse("reports:documents", args=[pk])).content.decode()
    assert second.pdf_sha256 in page and letter.pdf_sha256 in page and "Đổi tên Ban Tuyên giáo và Dân vận" in page


def test_the_database_refuses_to_change_a_document_as_sent(db):
    meeting = submitted_year()
    letter = SentDocument.objects.get(bloc_year=meeting.bloc_year, kind="submission")
    with pytest.raises(IntegrityError), transaction.atomic():
        SentDocument.objects.filter(pk=letter.pk).update(pdf=b"%PDF-tampered")
    with pytest.raises(IntegrityError), transaction.atomic():  # one version of a document is stored once
        SentDocument.objects.create(bloc_year=letter.bloc_year, kind=letter.kind, version=1, html="", pdf=b"",
                                    pdf_sha256="0" * 64, docx=b"", docx_sha256="0" * 64, sent_at=letter.sent_at)
    letter.refresh_from_db()
    assert hashlib.sha256(bytes(letter.pdf)).hexdigest() == letter.pdf_sha256


def test_a_member_reads_the_documents_as_sent_but_cannot_make_a_new_version(db):
    meeting = submitted_year()
    client = Client()
    client.force_login(next(iter(meeting.reps.values())))
    page = client.get(reverse("reports:documents", args=[meeting.bloc_year.pk])).content.decode()
    assert reverse("reports:document-new-version", args=[meeting.bloc_year.pk]) not in page
    sent = SentDocument.objects.get(bloc_year=meeting.bloc_year, kind="minutes")
    assert reverse("reports:sent-document", args=[sent.pk]) in page
    ballot = SentDocument.objects.filter(bloc_year=meeting.bloc_year, kind="ballot").first()
    assert reverse("reports:sent-document", args=[ballot.pk]) not in page
