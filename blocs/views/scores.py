"""Scoring screens: the table, self-scores with evidence, cross-checks, verification, the ranking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blocs import permissions as perms
from blocs.models import BlocYear, CheckAssignment, Evidence, Scorecard, ScoringItem, ScoringTable, Unit
from blocs.scoring_excel import parse_scoring_xlsx, scoring_xlsx
from blocs.scoring_forms import EvidenceForm, ReceivedOnForm, ScoresForm, ScoringItemForm, ScoringTableForm
from blocs.services import scoring
from emulation.kernel.forms import XlsxUploadForm
from emulation.kernel.uploads import attachment_response
from emulation.kernel.view_helpers import run_service


def _managed(request: HttpRequest, pk: int) -> BlocYear:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(perms.can_manage_bloc_year(perms.roles_of(request.user), bloc_year))
    return bloc_year


def _member_unit(bloc_year: BlocYear, unit_pk: int) -> Unit:
    return get_object_or_404(Unit, pk=unit_pk, memberships__bloc_year=bloc_year)


def _self_scoring(request: HttpRequest, pk: int, unit_pk: int) -> tuple[BlocYear, Unit]:
    """The year and the member unit whose self-scores the user may enter."""
    bloc_year = perms.get_bloc_year(request.user, pk)
    unit = _member_unit(bloc_year, unit_pk)
    perms.require(perms.can_self_score(perms.roles_of(request.user), bloc_year, unit))
    return bloc_year, unit


def _scorable_items(bloc_year: BlocYear) -> list[ScoringItem]:
    return list(ScoringItem.objects.filter(table__bloc_year=bloc_year).exclude(
        kind=ScoringItem.Kind.DISQUALIFIER).order_by("order", "pk"))


# --- The table --------------------------------------------------------------------------------------------


@login_required
def scoring_table(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _managed(request, pk)
    table = ScoringTable.objects.filter(bloc_year=bloc_year).first()
    form = ScoringTableForm(request.POST or None, instance=table) if table else None
    if request.method == "POST":
        if table is None:
            table = scoring.scoring_table_ensure(actor=request.user, bloc_year=bloc_year)
            messages.success(request, _("Scoring table created."))
            return redirect("blocs:scoring-table", pk=bloc_year.pk)
        if form.is_valid():
            if run_service(request, lambda: scoring.scoring_table_settings(actor=request.user, table=table,
                                                                           **form.cleaned_data),
                           form=form, success=_("Saved.")):
                return redirect("blocs:scoring-table", pk=bloc_year.pk)
    items = table.items.all() if table else []
    return render(request, "blocs/scoring_table.html",
                  {"bloc_year": bloc_year, "table": table, "form": form, "items": items})


def _item_page(request: HttpRequest, bloc_year: BlocYear, item: ScoringItem | None) -> HttpResponse:
    table = get_object_or_404(ScoringTable, bloc_year=bloc_year)
    form = ScoringItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        if run_service(request, lambda: scoring.scoring_item_save(actor=request.user, table=table, item=item,
                                                                  data=form.cleaned_data),
                       form=form, success=_("Saved.")):
            return redirect("blocs:scoring-table", pk=bloc_year.pk)
    return render(request, "blocs/form_page.html", {"form": form, "back": bloc_year,
                                                    "title": _("Edit line") if item else _("New line")})


@login_required
def scoring_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_page(request, _managed(request, pk), None)


@login_required
def scoring_item_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    bloc_year = _managed(request, pk)
    return _item_page(request, bloc_year, get_object_or_404(ScoringItem, pk=item_pk, table__bloc_year=bloc_year))


@login_required
@require_POST
def scoring_item_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    bloc_year = _managed(request, pk)
    item = get_object_or_404(ScoringItem, pk=item_pk, table__bloc_year=bloc_year)
    run_service(request, lambda: scoring.scoring_item_delete(actor=request.user, item=item), joined=True)
    return redirect("blocs:scoring-table", pk=bloc_year.pk)


# --- Self-scores ------------------------------------------------------------------------------------------


def _lines_by_item(scorecard: Scorecard | None) -> dict:
    if scorecard is None:
        return {}
    return {line.item_id: line for line in scorecard.lines.prefetch_related("evidence", "checks__checker")}


def _on_behalf(request: HttpRequest, unit: Unit) -> bool:
    """The secretariat enters the self-scores of a unit it does not represent on the unit's behalf."""
    return unit.pk not in perms.roles_of(request.user).rep_units


@login_required
def self_scores(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    bloc_year, unit = _self_scoring(request, pk, unit_pk)
    on_behalf = _on_behalf(request, unit)
    scorecard = Scorecard.objects.filter(bloc_year=bloc_year, unit=unit).select_related("submitted_by").first()
    lines = _lines_by_item(scorecard)
    items = _scorable_items(bloc_year)
    form = ScoresForm(request.POST or None, items=items,
                      initial_values={i: (line.self_value, line.self_comment) for i, line in lines.items()})
    if request.method == "POST" and form.is_valid():
        if run_service(request, lambda: scoring.self_scores_save(actor=request.user, bloc_year=bloc_year, unit=unit,
                                                                 entries=form.entries(), on_behalf=on_behalf),
                       form=form, success=_("Self-scores saved.")):
            return redirect("blocs:self-scores", pk=bloc_year.pk, unit_pk=unit.pk)
    return render(request, "blocs/self_scores.html", {
        "bloc_year": bloc_year, "unit": unit, "scorecard": scorecard, "form": form, "lines": lines,
        "is_open": bloc_year.status == BlocYear.Status.SCORING and not (scorecard and scorecard.submitted_at),
        "evidence_form": EvidenceForm(), "on_behalf": on_behalf,
        "received_form": ReceivedOnForm(initial={"received_on": timezone.localdate()}) if on_behalf else None})


@login_required
@require_POST
def self_scores_submit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    """The unit's representative submits; the secretariat submits on the unit's behalf, with the day the
    paper or file arrived."""
    bloc_year, unit = _self_scoring(request, pk, unit_pk)
    scorecard = Scorecard.objects.filter(bloc_year=bloc_year, unit=unit).first()
    received = ReceivedOnForm(request.POST) if _on_behalf(request, unit) else None
    if received is not None and not received.is_valid():
        for errors in received.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("blocs:self-scores", pk=bloc_year.pk, unit_pk=unit.pk)

    def submit() -> Scorecard:
        if scorecard is None:
            raise ValidationError(_("Save the self-scores before submitting them."))
        return scoring.self_scores_submit(actor=request.user, scorecard=scorecard,
                                          received_on=received.cleaned_data["received_on"] if received else None)

    run_service(request, submit, success=_("Self-scores submitted."))
    return redirect("blocs:self-scores", pk=bloc_year.pk, unit_pk=unit.pk)


@login_required
@require_POST
def evidence_add(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    bloc_year, unit = _self_scoring(request, pk, unit_pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        run_service(request, lambda: scoring.evidence_attach(
            actor=request.user, bloc_year=bloc_year, unit=unit, item_id=form.cleaned_data["item"],
            upload=form.cleaned_data["file"]), joined=True,
            success=lambda evidence: _("Evidence attached to %(code)s.") % {"code": evidence.line.item.code})
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("blocs:self-scores", pk=bloc_year.pk, unit_pk=unit.pk)


@login_required
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """Evidence is seen by the unit itself, its checkers and those who manage or read the bloc."""
    bloc_year = perms.get_bloc_year(request.user, pk)
    evidence = get_object_or_404(Evidence.objects.select_related("line__scorecard"), pk=evidence_pk,
                                 line__scorecard__bloc_year=bloc_year)
    unit_id = evidence.line.scorecard.unit_id
    roles = perms.roles_of(request.user)
    is_checker = CheckAssignment.objects.filter(bloc_year=bloc_year, checked=unit_id,
                                                checker__in=roles.rep_units).exists()
    perms.require(unit_id in roles.rep_units or is_checker
                  or perms.can_view_scores(roles, bloc_year, is_published=False))
    # The name is the uploader's: only the kinds the upload check accepts are served as such, so that a
    # PDF named "x.html" never comes back as a web page of this site.
    return attachment_response(evidence.file, evidence.name)


@login_required
def scoring_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the lines of an unlocked table from an Excel file; any bad row and nothing is saved."""
    bloc_year = _managed(request, pk)
    form = XlsxUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        parsed = parse_scoring_xlsx(form.cleaned_data["file"])
        errors = parsed.errors
        if not errors:
            try:
                count = scoring.scoring_table_import(actor=request.user, bloc_year=bloc_year, items=parsed.items)
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(request, _("%(n)s lines imported into the scoring table.") % {"n": count})
                return redirect("blocs:scoring-table", pk=bloc_year.pk)
    return render(request, "blocs/scoring_import.html", {"bloc_year": bloc_year, "form": form, "errors": errors})


@login_required
def scoring_xlsx_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The year's table in the import layout, or an empty template."""
    bloc_year = _managed(request, pk)
    table = ScoringTable.objects.filter(bloc_year=bloc_year).first()
    response = HttpResponse(scoring_xlsx(table),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="bang-cham-diem-{bloc_year.year}.xlsx"'
    return response
