"""Running a round: open, paper ballots, close, results, verification list, printable ballot paper."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from awards import ballot_box, selectors
from awards import permissions as award_perms
from awards.forms import CloseForm, DiscardSealedForm, PaperBallotForm, PaperCountForm
from awards.models import Ballot, Meeting, Round
from awards.results import Row, result_of
from awards.services import ballots as ballot_services
from awards.services import rounds
from awards.views.common import button_action, chaired_round, managed_round, visible_round
from blocs import permissions as perms
from blocs.models import Unit
from blocs.selectors import units_as_then
from emulation.kernel.view_helpers import run_service


def _candidates(round_: Round) -> list[Unit]:
    return list(selectors.candidate_units_ordered(round_))


def result_rows(round_: Round) -> list[tuple[Row, Unit | None]]:
    """The stored result's lines in rank order, each with its unit."""
    stored = result_of(round_)
    if stored is None:
        return []
    units = Unit.objects.in_bulk([row.unit for row in stored.candidates])
    shown = units_as_then(round_.bloc_year, [units.get(row.unit) for row in stored.candidates])
    return list(zip(stored.candidates, shown, strict=True))


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """While open: only the turnout count. After the close: the full result."""
    round_ = visible_round(request, pk)
    roles = perms.roles_of(request.user)
    members = set(round_.bloc_year.memberships.values_list("unit_id", flat=True))
    context = {
        "round": round_, "candidates": _candidates(round_),
        "turnout": round_.turnout.count() + round_.card_votes.count(),
        "by_card": Meeting.objects.filter(bloc_year=round_.bloc_year_id)
        .exclude(voting_mode=Meeting.VotingMode.ACCOUNTS).exists(),
        "paper": round_.ballots.filter(source=Ballot.Source.PAPER).count(),
        "manager": award_perms.can_run_meeting(roles, round_.bloc_year),
        "chair": award_perms.can_open_close(roles, round_.bloc_year),
        "voting_units": award_perms.voting_units(roles, members),
        "rows": result_rows(round_) if round_.is_closed else [],
        "result": result_of(round_) if round_.is_closed else None,
        "runoffs": list(round_.runoffs.all()),
        # The chair runs the meeting from a phone: a closed round's page leads to the next round to open.
        "next_round": (Round.objects.filter(bloc_year=round_.bloc_year_id, status=Round.Status.DRAFT)
                       .order_by("order", "pk").first() if round_.is_closed else None),
        "entries": {"A": round_.paper_entries.filter(clerk="A").count(),
                    "B": round_.paper_entries.filter(clerk="B").count()},
    }
    return render(request, "awards/round_detail.html", context)


@never_cache
@login_required
@require_POST
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a round. At the first opening of the meeting the counting committee's passphrase is made and
    shown, in this response only (docs/secrecy.md)."""
    round_ = chaired_round(request, pk)
    outcome = run_service(request, lambda: rounds.round_open_with_box(actor=request.user, round_=round_),
                          success=_("The round is open. Representatives can vote now."), joined=True)
    if not outcome:
        return redirect(round_)
    passphrase = outcome.value
    if passphrase is None:
        return redirect(round_)
    return render(request, "awards/passphrase.html", {"round": round_,
                                                      "passphrase": ballot_box.passphrase_display(passphrase)})


@never_cache
@login_required
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = chaired_round(request, pk)
    counts, _votes = selectors.round_counts(round_) if round_.is_open else (None, None)
    sealed = round_.sealed_ballots.count() if round_.is_open else 0
    form = CloseForm(request.POST or None, initial={"ballots_issued": counts.issued if counts else 0},
                     needs_passphrase=sealed > 0, returned=counts.returned if counts else 0)
    if request.method == "POST" and form.is_valid():
        if run_service(request, lambda: rounds.round_close(
                actor=request.user, round_=round_, passphrase=form.cleaned_data.get("passphrase"),
                ballots_issued=form.cleaned_data["ballots_issued"], reason=form.cleaned_data["close_reason"]),
                form=form, success=_("The round is closed and counted.")):
            return redirect(round_)
    return render(request, "awards/round_close.html", {"round": round_, "form": form, "counts": counts,
                                                       "sealed": sealed, "discard_form": DiscardSealedForm()})


@login_required
@require_POST
def round_discard_sealed(request: HttpRequest, pk: int) -> HttpResponse:
    """The passphrase is lost: discard the online ballots and hold the round on paper."""
    round_ = chaired_round(request, pk)
    form = DiscardSealedForm(request.POST)

    def discard() -> None:
        if not form.is_valid():
            raise ValidationError(_("Give the reason for discarding the online ballots."))
        rounds.round_sealed_discard(actor=request.user, round_=round_, reason=form.cleaned_data["reason"])

    if not run_service(request, discard, joined=True):
        return redirect("awards:round-close", pk=round_.pk)
    messages.warning(request, _("The online ballots were discarded. Hold this round again on paper and enter "
                                "the paper ballots before closing it."))
    return redirect(round_)


@login_required
def paper_ballot(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter one paper ballot after the count: its ticks, or invalid with the reason."""
    round_ = managed_round(request, pk)
    candidates = selectors.candidate_units_ordered(round_)
    form = PaperBallotForm(request.POST or None, candidates=candidates, two_person=round_.two_person_entry)
    if request.method == "POST" and form.is_valid():
        if run_service(request, lambda: ballot_services.paper_ballot_enter(
                actor=request.user, round_=round_, choices=[u.pk for u in form.cleaned_data["choices"]],
                invalid_reason=form.cleaned_data["invalid_reason"], clerk=form.cleaned_data.get("clerk", "")),
                form=form, success=_("Paper ballot entered.")):
            return redirect("awards:paper-ballot", pk=round_.pk)
    return render(request, "awards/paper_ballot.html", {
        "round": round_, "form": form, "entered": round_.ballots.filter(source=Ballot.Source.PAPER).count(),
        "differences": selectors.reconcile_differences(round_) if round_.two_person_entry else None})


@login_required
@require_POST
def paper_reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = managed_round(request, pk)
    return button_action(
        request, lambda: ballot_services.paper_entries_reconcile(actor=request.user, round_=round_),
        success=lambda ballots: _("%(n)s paper ballots reconciled.") % {"n": len(ballots)},
        to="awards:paper-ballot", pk=round_.pk)


@login_required
def paper_count(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = managed_round(request, pk)
    form = PaperCountForm(request.POST or None, candidates=_candidates(round_))
    if request.method == "POST" and form.is_valid():
        if run_service(request, lambda: ballot_services.paper_count_set(
                actor=request.user, round_=round_, returned=form.cleaned_data["returned"],
                valid=form.cleaned_data["valid"], votes=form.votes()),
                form=form, success=_("Paper counts saved.")):
            return redirect(round_)
    return render(request, "blocs/form_page.html", {
        "form": form, "title": _("Paper ballot counts"), "back": round_,
        "intro": _("Where the bloc kept only the counts of its paper ballots.")})


@login_required
def verification(request: HttpRequest, pk: int) -> HttpResponse:
    """After the close, every counted ballot (receipt and choices) for the bloc's members to check."""
    round_ = visible_round(request, pk)
    if not round_.is_closed:
        return render(request, "awards/verification.html", {"round": round_, "closed": False})
    names = {u.pk: u.name for u in Unit.objects.filter(memberships__bloc_year=round_.bloc_year)}
    ballots = [(b, [names.get(u, "?") for u in b.choices]) for b in round_.ballots.order_by("receipt")]
    code = request.GET.get("receipt", "").strip().upper()
    found = next(((b, c) for b, c in ballots if b.receipt == code), None) if code else None
    return render(request, "awards/verification.html", {"round": round_, "closed": True, "ballots": ballots,
                                                        "code": code, "found": found})


@login_required
def ballot_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable A4 ballot paper: title, "choose at most N", the candidates, no identity."""
    round_ = managed_round(request, pk)
    return render(request, "awards/ballot_paper.html", {"round": round_, "candidates": _candidates(round_),
                                                        "copies": range(1)})
