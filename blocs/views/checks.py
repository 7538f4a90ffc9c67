"""Cross-checks by peers or leaders, the secretariat's verification, the published score table."""

from __future__ import annotations

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blocs import permissions as perms
from blocs import selectors
from blocs.models import CheckAssignment, Scorecard, ScoringTable
from blocs.scoring_forms import DisqualifyForm, ScoresForm
from blocs.services import scoring
from blocs.views.scores import _lines_by_item, _managed, _member_unit, _scorable_items
from emulation.kernel.view_helpers import run_service
from emulation.kernel.xlsx import append_row


@login_required
def check_list(request: HttpRequest, pk: int) -> HttpResponse:
    """What the user's units must cross-check, and (for the secretariat) every assignment."""
    bloc_year = perms.get_bloc_year(request.user, pk)
    roles = perms.roles_of(request.user)
    assignments = CheckAssignment.objects.filter(bloc_year=bloc_year).select_related("checker", "checked")
    perms.require(perms.can_see_checks(roles, bloc_year))
    manager = perms.can_manage_bloc_year(roles, bloc_year)
    if not manager:
        assignments = assignments.filter(checker__in=roles.rep_units)
    cards = {c.unit_id: c for c in Scorecard.objects.filter(bloc_year=bloc_year)}
    rows = [(a, cards.get(a.checked_id)) for a in assignments]
    return render(request, "blocs/check_list.html", {"bloc_year": bloc_year, "rows": rows, "manager": manager})


@login_required
def check_scores(request: HttpRequest, pk: int, unit_pk: int, checker_pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    checked = _member_unit(bloc_year, unit_pk)
    checker = _member_unit(bloc_year, checker_pk)
    perms.require(perms.can_check_as(perms.roles_of(request.user), checker))
    get_object_or_404(CheckAssignment, bloc_year=bloc_year, checker=checker, checked=checked)
    scorecard = Scorecard.objects.filter(bloc_year=bloc_year, unit=checked).first()
    lines = _lines_by_item(scorecard)
    mine = {item_id: next(((c.value, c.comment) for c in line.checks.all() if c.checker_id == checker.pk),
                          (None, "")) for item_id, line in lines.items()}
    form = ScoresForm(request.POST or None, items=_scorable_items(bloc_year), initial_values=mine)
    if request.method == "POST" and form.is_valid():
        if run_service(request, lambda: scoring.check_scores_save(
                actor=request.user, bloc_year=bloc_year, checker=checker, checked=checked, entries=form.entries()),
                form=form, success=_("Cross-check of %(unit)s saved.") % {"unit": checked.name}):
            return redirect("blocs:check-list", pk=bloc_year.pk)
    return render(request, "blocs/check_scores.html", {"bloc_year": bloc_year, "checked": checked,
                                                       "checker": checker, "scorecard": scorecard, "form": form,
                                                       "lines": lines})


@login_required
def verify_scores(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    bloc_year = _managed(request, pk)
    unit = _member_unit(bloc_year, unit_pk)
    table = get_object_or_404(ScoringTable, bloc_year=bloc_year)
    scorecard = Scorecard.objects.filter(bloc_year=bloc_year, unit=unit).first()
    lines = _lines_by_item(scorecard)
    initial = {i: (line.final_value if line.final_value is not None else
                   line.checked_value if line.checked_value is not None else line.self_value, line.final_note)
               for i, line in lines.items()}
    form = ScoresForm(request.POST or None, items=_scorable_items(bloc_year), initial_values=initial)
    dq_form = DisqualifyForm(request.POST or None, table=table, initial={
        "disqualifier": scorecard.disqualifier_id if scorecard else None,
        "disqualification_note": scorecard.disqualification_note if scorecard else ""})
    if request.method == "POST" and form.is_valid() and dq_form.is_valid():
        def verify() -> Scorecard:
            if scorecard is None:
                raise ValidationError(_("The unit has not submitted its self-scores yet."))
            return scoring.scorecard_verify(actor=request.user, scorecard=scorecard, entries=form.entries(),
                                            **dq_form.cleaned_data)

        if run_service(request, verify, form=form, success=_("Scores of %(unit)s verified.") % {"unit": unit.name}):
            return redirect("blocs:score-table", pk=bloc_year.pk)
    return render(request, "blocs/verify_scores.html", {"bloc_year": bloc_year, "unit": unit, "table": table,
                                                        "scorecard": scorecard, "form": form,
                                                        "dq_form": dq_form, "lines": lines})


@login_required
def score_table(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    table = ScoringTable.objects.filter(bloc_year=bloc_year).first()
    roles = perms.roles_of(request.user)
    perms.require(perms.can_view_scores(roles, bloc_year, is_published=bool(table and table.published_at)))
    return render(request, "blocs/score_table.html", {
        "bloc_year": bloc_year, "table": table, "rows": selectors.score_table_rows(bloc_year),
        "manager": perms.can_manage_bloc_year(roles, bloc_year)})


@login_required
@require_POST
def scores_publish(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _managed(request, pk)
    run_service(request, lambda: scoring.scores_publish(actor=request.user, bloc_year=bloc_year), joined=True,
                success=_("The score table is published to the member units."))
    return redirect("blocs:score-table", pk=bloc_year.pk)


@login_required
def score_table_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking as an Excel file; text cells are written as text, never as formulas."""
    from openpyxl import Workbook

    bloc_year = perms.get_bloc_year(request.user, pk)
    table = ScoringTable.objects.filter(bloc_year=bloc_year).first()
    perms.require(perms.can_view_scores(perms.roles_of(request.user), bloc_year,
                                        is_published=bool(table and table.published_at)))
    book = Workbook()
    sheet = book.active
    sheet.title = str(bloc_year.year)
    append_row(sheet, [_("Rank"), _("Unit"), _("Final score"), _("Note")])
    for row in selectors.score_table_rows(bloc_year):
        note = _("Disqualified") if row["disqualified"] else ""
        append_row(sheet, [row["rank"], row["unit"].name, row["total"], note])
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="bang-diem-{bloc_year.year}.xlsx"'
    return response

