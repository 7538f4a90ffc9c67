"""What every document of a bloc shares: the header cells, number, date line, signer, recipients, and
the three formats (HTML for screen and print, PDF, DOCX) made from one rendered template."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from blocs.models import BlocYear
from blocs.rules import DocumentSettings
from blocs.selectors import document_settings
from reports import rules
from reports.docx import html_to_docx
from reports.models import PdfSignature, ReportSignature, SentDocument, SentDocumentSignature
from reports.pdf import html_to_pdf

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Proposals in every document in one order: per award, voted before added outside the vote, by the vote's
# rank (votes), then the final score (descending), then the name: the order of the counting minutes' tally.
NOMINATION_ORDER = ("award__order", "is_outside_vote", "rank", "-final_score", "unit__name")


@dataclass(frozen=True)
class DocumentFrame:
    """The cells around a document's body (Decree 30/2020 Appendix I; Guidance 36-HD/VPTW)."""

    header: rules.Header
    number_line: str
    date_line: str
    title_type: str
    title_summary: str
    signer_lines: tuple[str, ...] = ("TM. KHỐI THI ĐUA", "TRƯỞNG KHỐI")
    signer_name: str = ""
    signer_title: str = ""  # the signer's own office, printed above the room to sign (rules.signer_parts)
    recipients: tuple[str, ...] = field(default_factory=tuple)


def document_header(bloc_year: BlocYear, settings: DocumentSettings | None = None) -> rules.Header:
    """The bloc's document settings (issue 12, item 2; blocs.selectors.document_settings): the lines above
    its name, its symbol and its style, each derived from the head unit when left empty."""
    settings = settings or document_settings(bloc_year)
    return rules.Header(style=rules.PARTY if settings.style == "party" else rules.STATE,
                        parent_lines=settings.parent_lines, issuing_body=bloc_year.bloc.name, symbol=settings.symbol)


def frame(bloc_year: BlocYear, *, type_code: str, title_type: str, title_summary: str, number: int | None,
          day: dt.date | None, recipients: tuple[str, ...] = (), signer_name: str = "",
          signer_lines: tuple[str, ...] | None = None) -> DocumentFrame:
    """The bloc's settings, else the head unit's kind, pick the header: Party bodies (the seed bloc) or state
    bodies; the signer's title under "TM. KHỐI THI ĐUA" is the bloc's setting too."""
    settings = document_settings(bloc_year)
    header = document_header(bloc_year, settings)
    style = header.style
    place = bloc_year.place_name or bloc_year.bloc.province.name
    name, title = rules.signer_parts(signer_name)
    return DocumentFrame(
        header=header,
        number_line=rules.document_number(number, type_code, header.symbol, style=style),
        date_line=rules.date_line(day, place) if day else f"{place}, ngày ...... tháng ...... năm {bloc_year.year}",
        title_type=title_type, title_summary=title_summary, recipients=recipients, signer_name=name,
        signer_title=title,
        signer_lines=signer_lines or (f"{rules.on_behalf(style)} KHỐI THI ĐUA",
                                      settings.signer_title.upper()),
    )


def render_document(template: str, context: dict[str, Any]) -> str:
    """Documents are Vietnamese whatever the reader's screen language."""
    with translation.override("vi"):
        return render_to_string(template, context)


def stored_pdf_response(field: FieldFile, sha256: str, filename: str) -> FileResponse:
    """A PDF kept in the storage (an adopted report, a signed PDF), streamed byte for byte with its fingerprint."""
    try:
        stored = field.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404("The stored PDF is missing.") from missing
    response = FileResponse(stored, content_type="application/pdf", as_attachment=False, filename=filename)
    response["X-Content-SHA256"] = sha256
    return response


def _signature_as_sent(sent: SentDocument) -> PdfSignature | None:
    """The letter's own signature; for the report as sent, the signature of the adopted version it carries."""
    if sent.kind == SentDocument.Kind.REPORT:
        return ReportSignature.objects.filter(version__bloc_year_id=sent.bloc_year_id,
                                              version__pdf_sha256=sent.pdf_sha256).first()
    return SentDocumentSignature.objects.filter(document_id=sent.pk).first()


def sent_response(sent: SentDocument, fmt: str, filename: str) -> HttpResponse:
    """A document as sent to the province, byte for byte as stored, never rendered again (issue 12, item 5);
    once the letter or the report is signed, its PDF is the signed one (issue 12, item 7), the unsigned one kept."""
    signature = _signature_as_sent(sent) if fmt == "pdf" else None
    if signature is not None:
        return stored_pdf_response(signature.pdf, signature.pdf_sha256, f"{filename}-da-ky.pdf")
    if fmt == "pdf":
        response = HttpResponse(bytes(sent.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
        response["X-Content-SHA256"] = sent.pdf_sha256
    elif fmt == "docx":
        response = HttpResponse(bytes(sent.docx), content_type=DOCX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.docx"'
        response["X-Content-SHA256"] = sent.docx_sha256
    else:
        response = HttpResponse(sent.html)
    return response


def document_response(html: str, fmt: str, filename: str) -> HttpResponse:
    """The same rendered HTML as a page, a PDF or a Word file."""
    if fmt == "pdf":
        response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    elif fmt == "docx":
        response = HttpResponse(html_to_docx(html), content_type=DOCX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.docx"'
    else:
        response = HttpResponse(html)
    return response
