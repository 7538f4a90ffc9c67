"""Documents frozen once sent (issue 12, item 5): when a year is submitted to the province, every document of
that year is stored as it was sent, HTML, PDF and Word file with their SHA-256, and served as stored from then
on (reports/views/documents.py). A later edit (a unit renamed, a setting changed) changes nothing already sent;
a correction is a new numbered version, made by the secretariat or the chair with its reason, audited, the
earlier versions kept. No function here updates a stored row, and the database refuses it (migration
`sent_documents`: a trigger on UPDATE).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.models import Round
from blocs.audit import audit
from blocs.models import BlocYear, User
from blocs.writable import lock_year
from reports.common import render_document
from reports.docx import html_to_docx
from reports.models import ReportVersion, SentDocument
from reports.pdf import html_to_pdf
from reports.queries import documents

Kind = SentDocument.Kind
TEMPLATES = {Kind.COUNTING_MINUTES: ("reports/documents/counting_minutes.html", documents.counting_minutes_context),
             Kind.MEETING_MINUTES: ("reports/documents/meeting_minutes.html", documents.meeting_minutes_context),
             Kind.SUBMISSION: ("reports/documents/submission.html", documents.submission_context)}


@dataclass(frozen=True)
class Rendered:
    html: str
    pdf: bytes
    docx: bytes


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _adopted_report(bloc_year: BlocYear) -> ReportVersion | None:
    """The latest adopted version of the report: already frozen at its adoption, its PDF sent as it is."""
    return (ReportVersion.objects.filter(bloc_year=bloc_year, status=ReportVersion.Status.ADOPTED)
            .order_by("-number").first())


def _render(bloc_year: BlocYear, kind: str, round_: Round | None) -> Rendered | None:
    """The document as it reads now: the meeting's documents rendered from today's data, the report as adopted."""
    if kind == Kind.REPORT:
        version = _adopted_report(bloc_year)
        if version is None or not version.frozen_html:
            return None
        with version.pdf.open("rb") as stored:
            pdf = stored.read()
        return Rendered(version.frozen_html, pdf, html_to_docx(version.frozen_html))
    if kind == Kind.BALLOT:
        html = render_document("reports/documents/ballot_paper.html", documents.ballot_context(round_))
    else:
        template, build = TEMPLATES[kind]
        html = render_document(template, build(bloc_year))
    return Rendered(html, html_to_pdf(html), html_to_docx(html))


def _store(*, actor: User | None, bloc_year: BlocYear, kind: str, round_: Round | None, version: int,
           rendered: Rendered, reason: str = "") -> SentDocument:
    return SentDocument.objects.create(
        bloc_year=bloc_year, kind=kind, round=round_, version=version, html=rendered.html, pdf=rendered.pdf,
        pdf_sha256=_sha256(rendered.pdf), docx=rendered.docx, docx_sha256=_sha256(rendered.docx),
        sent_at=timezone.now(), sent_by=actor if actor is not None and actor.is_authenticated else None,
        reason=reason)


def sendable(bloc_year: BlocYear) -> list[tuple[str, Round | None]]:
    """Every document of the year that goes to the province: the two minutes, the letter, each round's ballot
    paper and, once adopted, the report."""
    rounds = list(bloc_year.rounds.select_related("award", "bloc_year__bloc").order_by("order", "pk"))
    return [(Kind.COUNTING_MINUTES, None), (Kind.MEETING_MINUTES, None), (Kind.SUBMISSION, None),
            *((Kind.BALLOT, r) for r in rounds), (Kind.REPORT, None)]


def documents_send(*, actor: User | None, bloc_year: BlocYear) -> list[SentDocument]:
    """Store version 1 of every document of the year, as the year goes to the province. Called inside the
    year's own submission (blocs.services.bloc_years.bloc_year_advance, which holds the year's lock); a
    document already stored is left as it is."""
    sent = []
    for kind, round_ in sendable(bloc_year):
        if SentDocument.objects.filter(bloc_year=bloc_year, kind=kind, round=round_).exists():
            continue
        rendered = _render(bloc_year, kind, round_)
        if rendered is not None:
            sent.append(_store(actor=actor, bloc_year=bloc_year, kind=kind, round_=round_, version=1,
                               rendered=rendered))
    audit(actor=actor, action="reports.documents.sent", bloc_year=bloc_year, obj=bloc_year,
          changes={"documents": [f"{d.get_kind_display()}{f' ({d.round.title})' if d.round_id else ''}: "
                                 f"{d.pdf_sha256}" for d in sent]})
    return sent


def on_year_advanced(*, actor: User | None, bloc_year: BlocYear, new_status: str) -> None:
    """Registered with blocs (reports/apps.py): the documents are stored when the year is submitted."""
    if new_status == BlocYear.Status.SUBMITTED:
        documents_send(actor=actor, bloc_year=bloc_year)


@transaction.atomic
def sent_document_new_version(*, actor: User | None, bloc_year: BlocYear, kind: str, round_: Round | None = None,
                              reason: str) -> SentDocument:
    """A correction of a document already sent: a new numbered version from today's data (for the report, its
    latest adopted version), with the reason for it; the earlier versions stay as they were."""
    bloc_year = lock_year(bloc_year)
    reason = " ".join(unicodedata.normalize("NFC", reason or "").split())
    if kind not in Kind.values or (kind == Kind.BALLOT) != (round_ is not None):
        raise ValidationError(_("Choose a document of the year."))
    if round_ is not None and round_.bloc_year_id != bloc_year.pk:
        raise ValidationError(_("Choose a document of the year."))
    earlier = SentDocument.objects.filter(bloc_year=bloc_year, kind=kind, round=round_)
    last = earlier.aggregate(n=Max("version"))["n"]
    if last is None:
        raise ValidationError(_("This document has not been sent to the province: it is still made from the data."))
    if not reason:
        raise ValidationError({"reason": _("Say why a new version of a document already sent is made.")})
    rendered = _render(bloc_year, kind, round_)
    if rendered is None:  # pragma: no cover - a report once sent stays adopted
        raise ValidationError(_("The year-end report has not been adopted."))
    document = _store(actor=actor, bloc_year=bloc_year, kind=kind, round_=round_, version=last + 1,
                      rendered=rendered, reason=reason)
    previous = earlier.exclude(pk=document.pk).order_by("-version").first()
    audit(actor=actor, action="reports.document.new_version", bloc_year=bloc_year, obj=document,
          changes={"kind": kind, "version": document.version, "reason": reason, "pdf_sha256": document.pdf_sha256,
                   "replaced": previous.pdf_sha256 if previous else None})
    return document
