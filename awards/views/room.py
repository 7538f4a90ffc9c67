"""The screen for the room (issue 11, item 3): a full-screen, read-only page for the projector. While a round is
open it shows the ballots received against the cards handed out (or the units present); after the close, the
votes as bars with the pass line, who is proposed, and ties and runoffs in one sentence each. It refreshes its
middle part every few seconds with a small script from our static files; without the script, the page's own
refresh header does the same."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from awards import selectors
from awards.models import Ballot, Meeting, Round
from awards.results import result_of
from blocs import permissions as perms
from blocs.models import BlocYear, Unit

REFRESH_SECONDS = 4


def _state(bloc_year: BlocYear) -> dict[str, Any]:
    meeting = Meeting.objects.filter(bloc_year=bloc_year).first()
    by_card = meeting is not None and meeting.voting_mode != Meeting.VotingMode.ACCOUNTS
    open_rounds = list(Round.objects.filter(bloc_year=bloc_year, status=Round.Status.OPEN).order_by("order", "pk")
                       .annotate(n_accounts=Count("turnout", distinct=True),
                                 n_cards=Count("card_votes", distinct=True)))
    paper = dict(Ballot.objects.filter(round__in=open_rounds, source=Ballot.Source.PAPER).order_by().values("round")
                 .annotate(n=Count("pk")).values_list("round", "n"))
    for round_ in open_rounds:
        round_.received = round_.n_accounts + round_.n_cards + paper.get(round_.pk, 0)
    # One ballot per unit present (a card each in the room, or an account online); spare cards are not counted.
    expected = len(selectors.present_units(bloc_year))
    last = None if open_rounds else (Round.objects.filter(bloc_year=bloc_year, status=Round.Status.CLOSED)
                                     .order_by("-closed_at", "-pk").first())
    result = result_of(last) if last else None
    elected = list(Unit.objects.filter(pk__in=result.elected).order_by("name")) if result else []
    return {"bloc_year": bloc_year, "open_rounds": open_rounds, "expected": expected, "by_card": by_card,
            "last": last, "result": result, "elected": elected, "refresh": REFRESH_SECONDS}


@never_cache
@login_required
def room(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    return render(request, "awards/room.html", _state(bloc_year))


@never_cache
@login_required
def room_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The middle of the room screen, fetched by static/js/room.js every few seconds."""
    bloc_year = perms.get_bloc_year(request.user, pk)
    return render(request, "awards/_room_state.html", _state(bloc_year))
