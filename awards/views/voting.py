"""Voting on a phone in the meeting room: choose, confirm, get a receipt (style.md, "Screens")."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from awards import permissions as award_perms
from awards import selectors
from awards.forms import BallotForm
from awards.models import Round, Turnout
from awards.services import ballots
from awards.views.common import visible_round
from blocs import permissions as perms
from blocs.models import Unit
from emulation.kernel.view_helpers import run_service


def _voting_unit(request: HttpRequest, round_: Round) -> Unit:
    """The unit this representative votes for (the one in ?unit= if it represents several)."""
    members = set(round_.bloc_year.memberships.values_list("unit_id", flat=True))
    units = award_perms.voting_units(perms.roles_of(request.user), members)
    perms.require(bool(units))
    wanted = request.POST.get("unit") or request.GET.get("unit")
    unit_id = int(wanted) if wanted and wanted.isdigit() and int(wanted) in units else units[0]
    return get_object_or_404(Unit, pk=unit_id)


def _ballot_form(round_: Round, unit: Unit, data: dict | None = None) -> BallotForm:
    candidates = selectors.candidate_units_ordered(round_)
    if not round_.allow_self:
        candidates = candidates.exclude(pk=unit.pk)
    return BallotForm(data, candidates=candidates, max_choices=round_.max_choices)


def _has_voted(round_: Round, unit: Unit, user: object) -> bool:
    voter = user if round_.voters == "delegate" else None
    return Turnout.objects.filter(round=round_, unit=unit, voter=voter).exists()


@login_required
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: the ballot. Step 2 (POST): confirm the choices. The cast itself is `vote_cast`."""
    round_ = visible_round(request, pk)
    unit = _voting_unit(request, round_)
    context = {"round": round_, "unit": unit, "has_voted": _has_voted(round_, unit, request.user)}
    try:
        ballots.account_may_vote(round_.bloc_year, unit)
    except ValidationError as error:
        context["by_card"] = " ".join(error.messages)
    if round_.status != Round.Status.OPEN or context["has_voted"] or round_.is_paper_only or "by_card" in context:
        return render(request, "awards/vote.html", context)
    form = _ballot_form(round_, unit, request.POST or None)
    if request.method == "POST" and form.is_valid():
        return render(request, "awards/vote_confirm.html", {**context, "choices": form.cleaned_data["choices"]})
    return render(request, "awards/vote.html", {**context, "form": form})


@never_cache
@login_required
@require_POST
def vote_cast(request: HttpRequest, pk: int) -> HttpResponse:
    """Cast, then show the receipt once, in this response: it is kept nowhere else (not in the session,
    not in a URL), and the unit travels in the form's body, so no access-log line names it (docs/secrecy.md)."""
    round_ = visible_round(request, pk)
    unit = _voting_unit(request, round_)
    form = _ballot_form(round_, unit, request.POST)

    def cast() -> ballots.CastReceipt:
        if not form.is_valid():
            raise ValidationError([" ".join(errors) for errors in form.errors.values()])
        return ballots.ballot_cast(actor=request.user, round_=round_, unit=unit,
                                   choices=[u.pk for u in form.cleaned_data["choices"]])

    outcome = run_service(request, cast)
    if not outcome:
        context = {"round": round_, "unit": unit, "has_voted": _has_voted(round_, unit, request.user)}
        if round_.is_open and not context["has_voted"]:
            context["form"] = _ballot_form(round_, unit)
        return render(request, "awards/vote.html", context)
    return render(request, "awards/vote_receipt.html", {"round": round_, "unit": unit,
                                                        "receipt": outcome.value.receipt})
