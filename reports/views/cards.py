"""The meeting's voting-card sheet (issue 11): made and printed in one step, because each card's code exists
only on the sheet (docs/secrecy.md, "Voting cards"). A4, eight cards a page with cut lines; each card carries
the meeting's name, its number, a QR code and the typed code — never a unit's name."""

from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from awards import permissions as award_perms
from awards.forms import CardIssueForm
from awards.services import cards
from blocs import permissions as perms
from emulation.kernel.view_helpers import run_service
from reports.pdf import html_to_pdf

CARDS_PER_PAGE = 8


def _qr_svg(url: str) -> str:
    """The QR code as inline SVG (no file, no script): WeasyPrint draws it as vectors."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)


@never_cache
@login_required
@require_POST
def card_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(award_perms.can_run_meeting(perms.roles_of(request.user), bloc_year))
    form = CardIssueForm(request.POST)
    if not form.is_valid():
        return redirect("awards:cards", pk=bloc_year.pk)
    outcome = run_service(request, lambda: cards.cards_issue(actor=request.user, bloc_year=bloc_year,
                                                             spares=form.cleaned_data["spares"]))
    if not outcome:
        return redirect("awards:cards", pk=bloc_year.pk)
    printed = outcome.value
    base = request.build_absolute_uri(reverse("awards:card-enter"))
    rows = [{"number": card.number, "code": card.code_display,
             "qr": mark_safe(_qr_svg(f"{base}#{card.code}"))} for card in printed]  # noqa: S308 (segno's own SVG)
    pages = [rows[i:i + CARDS_PER_PAGE] for i in range(0, len(rows), CARDS_PER_PAGE)]
    html = render_to_string("reports/card_sheet.html", {"bloc_year": bloc_year, "pages": pages, "url": base},
                            request=request)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="the-bieu-quyet-{bloc_year.year}-'
                                       f'{printed[0].number}-{printed[-1].number}.pdf"')
    return response
