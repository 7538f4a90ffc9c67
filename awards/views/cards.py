"""Voting cards (issue 11): the secretariat's page (cards handed out, voiding a lost one) and the card holder's
ballot on a phone, with no sign-in: type or scan the code → ballot → review → cast → receipt.

The card travels in the session (its id, never its code); the code reaches the server only in a form's body
(the QR code carries it after "#", which browsers do not send), so no access-log line holds it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from awards import permissions as award_perms
from awards import rules, selectors
from awards.forms import BallotForm, CardCodeForm, CardIssueForm, CardVoidForm
from awards.models import Meeting, Round, VotingCard
from awards.services import cards
from awards.services.common import raise_issues
from blocs import permissions as perms
from blocs.signin import client_ip
from emulation.kernel.view_helpers import run_service

SESSION_KEY = "voting_card"


# --- The secretariat -----------------------------------------------------------------------------------------


@login_required
def card_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Cards handed out and voided; print a sheet (a document: reports' card sheet), void a lost card."""
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(award_perms.can_run_meeting(perms.roles_of(request.user), bloc_year))
    void_form = CardVoidForm(request.POST or None)
    if request.method == "POST" and void_form.is_valid():
        data = void_form.cleaned_data
        if run_service(request, lambda: cards.card_void(actor=request.user, bloc_year=bloc_year,
                                                        number=data["number"], reason=data["reason"]),
                       form=void_form, success=_("Card %(n)s voided.") % {"n": data["number"]}):
            return redirect("awards:cards", pk=bloc_year.pk)
    meeting = Meeting.objects.filter(bloc_year=bloc_year).first()
    return render(request, "awards/cards.html", {
        "bloc_year": bloc_year, "meeting": meeting, "summary": selectors.cards_summary(bloc_year),
        "voided": VotingCard.objects.filter(meeting__bloc_year=bloc_year, voided_at__isnull=False),
        "issue_form": CardIssueForm(initial={"spares": settings.VOTING_CARD_SPARES}),
        "void_form": void_form, "present": len(selectors.present_units(bloc_year)),
    })


# --- The card holder (no sign-in) ------------------------------------------------------------------------------


def _card(request: HttpRequest) -> VotingCard | None:
    card_id = request.session.get(SESSION_KEY)
    card = VotingCard.objects.select_related("meeting__bloc_year__bloc").filter(pk=card_id).first() if card_id else None
    if card is None:
        return None
    try:
        cards.card_usable(card)
    except ValidationError as error:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, " ".join(error.messages))
        return None
    return card


@never_cache
def card_enter(request: HttpRequest) -> HttpResponse:
    """Type the code, or arrive from the QR code (its "#code" is put into the form by a small script)."""
    form = CardCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(request, lambda: cards.card_find(code=form.cleaned_data["code"],
                                                               ip=client_ip(request)), form=form)
        if outcome:
            request.session.cycle_key()
            request.session[SESSION_KEY] = str(outcome.value.pk)
            return redirect("awards:card-ballot")
    return render(request, "awards/card_enter.html", {"form": form})


def _ballot_form(round_: Round, data: dict | None = None) -> BallotForm:
    return BallotForm(data, candidates=selectors.candidate_units_ordered(round_), max_choices=round_.max_choices)


def _next_round(card: VotingCard, wanted: str | None) -> tuple[Round | None, list[Round], set[int]]:
    open_rounds, voted = selectors.rounds_for_card(card)
    chosen = next((r for r in open_rounds if str(r.pk) == wanted and r.pk not in voted), None)
    return chosen or next((r for r in open_rounds if r.pk not in voted), None), open_rounds, voted


@never_cache
def card_ballot(request: HttpRequest) -> HttpResponse:
    """The next open round this card has not voted in; POST: review the choices before the cast."""
    card = _card(request)
    if card is None:
        return redirect("awards:card-enter")
    round_, open_rounds, voted = _next_round(card, request.POST.get("round") or request.GET.get("round"))
    context = {"card": card, "round": round_, "open_rounds": open_rounds, "voted": voted}
    if round_ is None or round_.is_paper_only:
        return render(request, "awards/card_ballot.html", context)
    form = _ballot_form(round_, request.POST or None)
    if request.method == "POST" and form.is_valid():
        return render(request, "awards/card_confirm.html", {**context, "choices": form.cleaned_data["choices"]})
    return render(request, "awards/card_ballot.html", {**context, "form": form})


@never_cache
@require_POST
def card_cast(request: HttpRequest) -> HttpResponse:
    """Cast, then show the receipt once, in this response (as for an account's ballot, docs/secrecy.md)."""
    card = _card(request)
    if card is None:
        return redirect("awards:card-enter")
    wanted = request.POST.get("round", "")
    round_ = get_object_or_404(Round, pk=int(wanted) if wanted.isdigit() else 0, bloc_year=card.meeting.bloc_year_id)
    # The choices are checked against the round's candidates by the service, under the round's lock: no form
    # here, which would load the candidate units once more on the busiest request of the meeting.
    chosen = request.POST.getlist("choices")

    def cast() -> cards.CastReceipt:
        if not all(value.isdigit() for value in chosen):
            raise_issues([rules.Issue("choice_off_list")])
        return cards.card_ballot_cast(card=card, round_=round_, choices=list(dict.fromkeys(map(int, chosen))))

    outcome = run_service(request, cast)
    if not outcome:
        return redirect("awards:card-ballot")
    open_rounds, voted = selectors.rounds_for_card(card)
    return render(request, "awards/card_receipt.html", {
        "card": card, "round": round_, "receipt": outcome.value.receipt,
        "more": [r for r in open_rounds if r.pk not in voted]})


@require_POST
def card_leave(request: HttpRequest) -> HttpResponse:
    """Put the card down: this phone forgets it (another person may use the phone next)."""
    request.session.pop(SESSION_KEY, None)
    return redirect("awards:card-enter")
