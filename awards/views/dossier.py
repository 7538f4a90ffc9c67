"""Nominations and the dossier on screen (issue 4, items 3 and 4), and the rule set's eligibility conditions.

The secretariat of the bloc corrects nominations (with reasons) and submits the dossier; the province board
of the bloc's province returns it with a reason or accepts it, and records the decisions. Members, the chair
and the board read; outsiders get 404. A form with input comes back with its errors; a button-only action
redirects with a message.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from awards.forms_dossier import (
    ConditionAddForm,
    ConditionRemoveForm,
    DecisionForm,
    OutsideVoteForm,
    ReturnForm,
    WithdrawForm,
)
from awards.models import Decision, Dossier, Nomination
from awards.permissions import can_manage_nominations, can_review_dossier
from awards.results import percent_of
from awards.services import dossier as dossier_services
from awards.services import nominations as nomination_services
from awards.services import rule_sets
from awards.views.common import managed_year
from blocs import permissions as perms
from blocs.models import BlocYear, Unit
from emulation.kernel.view_helpers import run_service

EDITABLE = (Dossier.Status.DRAFT, Dossier.Status.RETURNED)


def _reviewed_year(request: HttpRequest, pk: int) -> BlocYear:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(can_review_dossier(perms.roles_of(request.user), bloc_year))
    return bloc_year


def form_text(form: forms.Form) -> str:
    """A form's errors as one sentence, for a message."""
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        parts += [f"{label}: {error}" if label else str(error) for error in errors]
    return " ".join(parts)


# --- Eligibility conditions of the rule set (issue 4, item 2) --------------------------------------------------


@login_required
@require_POST
def condition_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Each change of conditions is a new version of the rule set."""
    bloc_year = managed_year(request, pk)
    form = ConditionAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_text(form))
        return redirect("awards:rule-set", pk=bloc_year.pk)
    run_service(request, lambda: rule_sets.condition_change(
        actor=request.user, bloc_year=bloc_year, award=form.cleaned_data["category"], condition=form.condition(),
        title=form.counted_award(), rating=form.counted_rating()),
        success=lambda revised: _("Condition added; the rules are saved as version %(v)s.") % {"v": revised.version},
        joined=True)
    return redirect("awards:rule-set", pk=bloc_year.pk)


@login_required
@require_POST
def condition_remove(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = managed_year(request, pk)
    form = ConditionRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That condition does not exist."))
        return redirect("awards:rule-set", pk=bloc_year.pk)
    run_service(request, lambda: rule_sets.condition_change(
        actor=request.user, bloc_year=bloc_year, award=form.cleaned_data["category"], condition=None,
        remove_index=form.cleaned_data["index"]),
        success=lambda revised: _("Condition removed; the rules are saved as version %(v)s.") % {"v": revised.version},
        joined=True)
    return redirect("awards:rule-set", pk=bloc_year.pk)


# --- What every dossier page shows ------------------------------------------------------------------------------


def dossier_of(bloc_year: BlocYear) -> Dossier:
    """The year's dossier, or an unsaved draft: the services create it on the first change."""
    return Dossier.objects.filter(bloc_year=bloc_year).first() or Dossier(bloc_year=bloc_year)


def nomination_rows(bloc_year: BlocYear) -> list[Nomination]:
    rows = list(Nomination.objects.filter(bloc_year=bloc_year)
                .select_related("award", "unit", "decision_line__decision")
                .order_by("award__order", "is_outside_vote", "rank", "unit__name"))
    for row in rows:
        row.percent_text = percent_of(row.share_numerator, row.share_denominator)
        row.decided = getattr(row, "decision_line", None)  # RelatedObjectDoesNotExist is an AttributeError
    return rows


def by_award(rows: list[Nomination]) -> list[tuple[Any, list[Nomination]]]:
    return [(group[0].award, group) for _key, items in groupby(rows, key=lambda n: n.award_id)
            for group in [list(items)]]


def dossier_context(bloc_year: BlocYear, dossier: Dossier) -> dict[str, Any]:
    rows = nomination_rows(bloc_year)
    steps = list(dossier.steps.select_related("actor")) if dossier.pk else []
    decisions = (list(Decision.objects.filter(dossier=dossier).select_related("recorded_by")
                      .prefetch_related("lines__nomination__unit", "lines__nomination__award"))
                 if dossier.pk else [])
    return {"bloc_year": bloc_year, "dossier": dossier, "groups": by_award(rows), "steps": steps,
            "versions": [step for step in steps if step.snapshot is not None], "decisions": decisions,
            "proposed": sum(1 for n in rows if n.status == Nomination.Status.PROPOSED)}


# --- The secretariat's page ----------------------------------------------------------------------------------


def _nomination_page(request: HttpRequest, bloc_year: BlocYear, *, withdraw_form: WithdrawForm | None = None,
                     outside_form: OutsideVoteForm | None = None) -> HttpResponse:
    roles = perms.roles_of(request.user)
    dossier = dossier_of(bloc_year)
    manager = can_manage_nominations(roles, bloc_year)
    editable = manager and dossier.status in EDITABLE and not bloc_year.is_closed
    proposed = Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED)
    members = Unit.objects.filter(memberships__bloc_year=bloc_year).order_by("name")
    return render(request, "awards/nomination_list.html", {
        **dossier_context(bloc_year, dossier), "manager": manager, "editable": editable,
        "reviewer": can_review_dossier(roles, bloc_year),
        "withdraw_form": withdraw_form or WithdrawForm(nominations=proposed),
        "outside_form": outside_form or OutsideVoteForm(members=members)})


@login_required
def nomination_list(request: HttpRequest, pk: int) -> HttpResponse:
    return _nomination_page(request, perms.get_bloc_year(request.user, pk))


@login_required
@require_POST
def nomination_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = managed_year(request, pk)
    form = WithdrawForm(request.POST, nominations=Nomination.objects.filter(bloc_year=bloc_year))
    if form.is_valid():
        if run_service(request, lambda: nomination_services.nomination_withdraw(
                actor=request.user, nomination=form.cleaned_data["nomination"], reason=form.cleaned_data["reason"]),
                form=form, success=_("Nomination withdrawn; the reason is recorded.")):
            return redirect("awards:nomination-list", pk=bloc_year.pk)
    return _nomination_page(request, bloc_year, withdraw_form=form)


@login_required
@require_POST
def nomination_add(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = managed_year(request, pk)
    form = OutsideVoteForm(request.POST, members=Unit.objects.filter(memberships__bloc_year=bloc_year))
    if form.is_valid():
        if run_service(request, lambda: nomination_services.nomination_add_outside_vote(
                actor=request.user, bloc_year=bloc_year, **form.cleaned_data),
                form=form, success=_("Nomination added outside the vote; the reason is recorded.")):
            return redirect("awards:nomination-list", pk=bloc_year.pk)
    return _nomination_page(request, bloc_year, outside_form=form)


@login_required
@require_POST
def dossier_submit(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = managed_year(request, pk)
    run_service(request, lambda: dossier_services.dossier_submit(actor=request.user, bloc_year=bloc_year),
                success=lambda dossier: _("Dossier (version %(v)s) submitted to the province board.")
                % {"v": dossier.steps.filter(status=Dossier.Status.SUBMITTED).count()}, joined=True)
    return redirect("awards:nomination-list", pk=bloc_year.pk)


# --- The province board's page -------------------------------------------------------------------------------


def _review_page(request: HttpRequest, bloc_year: BlocYear, *, return_form: ReturnForm | None = None,
                 decision_form: DecisionForm | None = None) -> HttpResponse:
    dossier = dossier_of(bloc_year)
    pending = [n for n in nomination_rows(bloc_year)
               if n.status == Nomination.Status.PROPOSED and n.decided is None]
    return render(request, "awards/dossier_review.html", {
        **dossier_context(bloc_year, dossier), "return_form": return_form or ReturnForm(),
        "decision_form": decision_form or DecisionForm(nominations=pending), "pending": pending,
        "can_decide": dossier.status in (Dossier.Status.ACCEPTED, Dossier.Status.DECIDED) and bool(pending)})


@login_required
def dossier_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _reviewed_year(request, pk))


@login_required
@require_POST
def dossier_return(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _reviewed_year(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        if run_service(request, lambda: dossier_services.dossier_return(
                actor=request.user, bloc_year=bloc_year, reason=form.cleaned_data["reason"]),
                form=form, success=_("Dossier returned to the bloc with the reason.")):
            return redirect("awards:dossier-review", pk=bloc_year.pk)
    return _review_page(request, bloc_year, return_form=form)


@login_required
@require_POST
def dossier_accept(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _reviewed_year(request, pk)
    run_service(request, lambda: dossier_services.dossier_accept(actor=request.user, bloc_year=bloc_year),
                success=_("Dossier accepted."), joined=True)
    return redirect("awards:dossier-review", pk=bloc_year.pk)


@login_required
@require_POST
def decision_record(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _reviewed_year(request, pk)
    pending = [n for n in nomination_rows(bloc_year)
               if n.status == Nomination.Status.PROPOSED and n.decided is None]
    form = DecisionForm(request.POST, nominations=pending)
    if form.is_valid():
        if run_service(request, lambda: dossier_services.decision_record(
                actor=request.user, bloc_year=bloc_year, number=form.cleaned_data["number"],
                issuer=form.cleaned_data["issuer"], signed_on=form.cleaned_data["signed_on"],
                outcomes=form.outcomes()),
                form=form, success=_("Decision recorded; the awards are in the units' history.")):
            return redirect("awards:dossier-review", pk=bloc_year.pk)
    return _review_page(request, bloc_year, decision_form=form)
