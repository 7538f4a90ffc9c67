"""Voting cards (issue 11): the secretariat's page (cards handed out, voiding a lost one) and the card holder's
ballot on a phone, with no sign-in: type or scan the code → ballot → review → cast → receipt.

The card travels in a signed cookie (its id, never its code), not in a database session: the server keeps
nothing about the phone, and the busiest request of the meeting (200 card holders pressing "cast" at once,
issue 11's benchmark) reads no session. The code reaches the server only in a form's body (the QR code
carries it after "#", which browsers do not send), so no access-log line holds it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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

CARD_COOKIE = "voting_card"
CARD_COOKIE_SALT = "awards.voting-card.cookie"


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


def _card_id(request: HttpRequest) -> str | None:
    """The card this phone holds: the signed cookie's value, refused once older than a session may be."""
    return request.get_signed_cookie(CARD_COOKIE, default=None, salt=CARD_COOKIE_SALT,
                                     max_age=settings.SESSION_COOKIE_AGE)


def _hold(response: HttpResponse, card: VotingCard) -> HttpResponse:
    response.set_signed_cookie(CARD_COOKIE, str(card.pk), salt=CARD_COOKIE_SALT, max_age=settings.SESSION_COOKIE_AGE,
                               httponly=True, samesite="Strict", secure=settings.SESSION_COOKIE_SECURE)
    return response


def _put_down(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(CARD_COOKIE, samesite="Strict")
    return response


def _card(request: HttpRequest) -> VotingCard | None:
    card_id = _card_id(request)
    card = VotingCard.objects.select_related("meeting__bloc_year__bloc").filter(pk=card_id).first() if card_id else None
    if card is None:
        return None
    try:
        cards.card_usable(card)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    return card


def _to_entry(request: HttpRequest) -> HttpResponse:
    """Back to typing a code; a card that no longer works is put down."""
    response = redirect("awards:card-enter")
    return _put_down(response) if _card_id(request) else response


@never_cache
def card_enter(request: HttpRequest) -> HttpResponse:
    """Type the code, or arrive from the QR code (its "#code" is put into the form by a small script)."""
    form = CardCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(request, lambda: cards.card_find(code=form.cleaned_data["code"],
                                                               ip=client_ip(request)), form=form)
        if outcome:
            return _hold(redirect("awards:card-ballot"), outcome.value)
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
        return _to_entry(request)
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
    """Cast, then show the receipt once, in this response (as for an account's ballot, docs/secrecy.md).

    The service reads the card (it may have been voided since the ballot page) and the round, under the round's
    lock; the choices are checked there against its candidates. No form and no card read here: each would be
    one more query on the busiest request of the meeting (issue 11's benchmark)."""
    card_id, wanted = _card_id(request), request.POST.get("round", "")
    if card_id is None:
        return redirect("awards:card-enter")
    if not wanted.isdigit():
        raise Http404
    chosen = request.POST.getlist("choices")
    unusable: list[bool] = []

    def cast() -> cards.CastReceipt:
        if not all(value.isdigit() for value in chosen):
            raise_issues([rules.Issue("choice_off_list")])
        try:
            return cards.card_ballot_cast(card=card_id, round_=int(wanted),
                                          choices=list(dict.fromkeys(map(int, chosen))))
        except cards.CardUnusable:
            unusable.append(True)
            raise

    try:
        outcome = run_service(request, cast)
    except Round.DoesNotExist as missing:  # not a round of this card's meeting
        raise Http404 from missing
    except VotingCard.DoesNotExist:
        return _to_entry(request)
    if not outcome:
        return _to_entry(request) if unusable else redirect("awards:card-ballot")
    # The receipt page leads back to the ballot page, which finds the next open round itself: no query here
    # for it.
    return render(request, "awards/card_receipt.html", {
        "card": outcome.value.card, "round": outcome.value.round, "receipt": outcome.value.receipt})


@require_POST
def card_leave(request: HttpRequest) -> HttpResponse:
    """Put the card down: this phone forgets it (another person may use the phone next)."""
    return _put_down(redirect("awards:card-enter"))
