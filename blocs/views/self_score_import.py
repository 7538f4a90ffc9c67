"""Every unit's self-scores from one workbook (issue 10, item 2): download, upload with the day received,
preview per unit with every problem, confirm.

As with the member import, the values read wait in the session between the preview and the confirmation
(kept only when the workbook has no problem); the service checks them again before writing, all or nothing.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blocs import permissions as perms
from blocs import self_scores_excel as workbook
from blocs.models import BlocYear, Scorecard
from blocs.scoring_forms import SelfScoresUploadForm
from blocs.services.scoring import self_scores_import
from emulation.kernel.view_helpers import run_service

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _on_behalf_year(request: HttpRequest, pk: int) -> BlocYear:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(perms.can_self_score_on_behalf(perms.roles_of(request.user), bloc_year))
    return bloc_year


def _session_key(bloc_year: BlocYear) -> str:
    return f"blocs.self_scores_import.{bloc_year.pk}"


@login_required
@require_GET
def self_scores_workbook(request: HttpRequest, pk: int) -> FileResponse:
    bloc_year = _on_behalf_year(request, pk)
    return FileResponse(io.BytesIO(workbook.self_scores_xlsx(bloc_year)), as_attachment=True,
                        filename=f"tu-cham-diem-{bloc_year.year}.xlsx", content_type=XLSX_TYPE)


@login_required
def self_scores_import_page(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _on_behalf_year(request, pk)
    form = SelfScoresUploadForm(request.POST or None, request.FILES or None,
                                initial={"received_on": timezone.localdate()})
    parsed = None
    if request.method == "POST":
        request.session.pop(_session_key(bloc_year), None)
        if form.is_valid():
            parsed = workbook.parse_self_scores_xlsx(form.cleaned_data["file"], bloc_year=bloc_year)
            received_on = form.cleaned_data["received_on"]
            if received_on > timezone.localdate():
                parsed.errors.insert(0, _("The day the self-scores arrived cannot be in the future."))
            if not parsed.errors:
                request.session[_session_key(bloc_year)] = {
                    "received_on": received_on.isoformat(), "cards": workbook.cards_to_session(parsed.cards())}
    submitted = {card.unit_id: card for card in Scorecard.objects.filter(bloc_year=bloc_year,
                                                                         submitted_at__isnull=False)}
    return render(request, "blocs/self_scores_import.html", {
        "bloc_year": bloc_year, "form": form, "parsed": parsed, "submitted": submitted,
        "is_scoring": bloc_year.status == BlocYear.Status.SCORING})


@login_required
@require_POST
def self_scores_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _on_behalf_year(request, pk)
    kept = request.session.pop(_session_key(bloc_year), None)
    if not kept:
        messages.error(request, _("There is nothing to import: upload the file and check the preview first."))
        return redirect("blocs:self-scores-import", pk=bloc_year.pk)
    done = run_service(request, lambda: self_scores_import(
        actor=request.user, bloc_year=bloc_year, received_on=dt.date.fromisoformat(kept["received_on"]),
        cards=workbook.cards_from_session(kept["cards"])),
        success=lambda cards: _("Self-scores of %(n)s units imported and submitted on their behalf.")
        % {"n": len(cards)})
    return redirect("blocs:score-table", pk=bloc_year.pk) if done else redirect("blocs:self-scores-import",
                                                                             pk=bloc_year.pk)
