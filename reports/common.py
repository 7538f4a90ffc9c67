"""What every document of a bloc shares: the header cells, number, date line, signer, recipients, and
the three formats (HTML for screen and print, PDF, DOCX) made from one rendered template."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from blocs.models import BlocYear, Membership, Unit
from reports import rules
from reports.docx import html_to_docx
from reports.pdf import html_to_pdf

ISSUER_CODE = "KTĐ"  # Khối thi đua; the bloc's documents are numbered under it
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


def head_unit(bloc_year: BlocYear) -> Unit | None:
    membership = (Membership.objects.filter(bloc_year=bloc_year, position=Membership.Position.HEAD)
                  .select_related("unit").first())
    return membership.unit if membership else None


def frame(bloc_year: BlocYear, *, type_code: str, title_type: str, title_summary: str, number: int | None,
          day: dt.date | None, recipients: tuple[str, ...] = (), signer_name: str = "",
          signer_lines: tuple[str, ...] | None = None) -> DocumentFrame:
    """The head unit's kind picks the header: Party bodies (the seed bloc) or state bodies."""
    head = head_unit(bloc_year)
    style = rules.PARTY if head is not None and head.kind == Unit.Kind.PARTY else rules.STATE
    header = rules.Header(style=style, parent_body=head.parent_body if head else "",
                          issuing_body=bloc_year.bloc.name)
    place = bloc_year.place_name or bloc_year.bloc.province.name
    name, title = rules.signer_parts(signer_name)
    return DocumentFrame(
        header=header,
        number_line=rules.document_number(number, type_code, ISSUER_CODE, style=style),
        date_line=rules.date_line(day, place) if day else f"{place}, ngày ...... tháng ...... năm {bloc_year.year}",
        title_type=title_type, title_summary=title_summary, recipients=recipients, signer_name=name,
        signer_title=title,
        signer_lines=signer_lines or (f"{rules.on_behalf(style)} KHỐI THI ĐUA", "TRƯỞNG KHỐI"),
    )


def render_document(template: str, context: dict[str, Any]) -> str:
    """Documents are Vietnamese whatever the reader's screen language."""
    with translation.override("vi"):
        return render_to_string(template, context)


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
