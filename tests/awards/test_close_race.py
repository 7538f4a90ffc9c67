"""A cast in flight while the chair closes the round: the count, the turnout and the voter's receipt agree.

The cast is held open inside its transaction (after its turnout row is written, while it seals the
ballot) and the chair closes meanwhile; then the other way round, the close is held after taking its lock
and a voter casts. Either the ballot is counted, or it is refused with a message — never receipted and
left out. Threads use their own database connections, as two app servers would.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, close_old_connections, connection

from awards import ballot_box
from awards.models import Ballot, Round, Turnout
from awards.services import ballots, rounds
from tests.awards.conftest import seed_meeting
from tests.factories import round_closed, round_opened

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 30  # seconds: a safety net against a hung test, never a measure


def in_thread(target, outcome: dict, key: str) -> threading.Thread:  # noqa: ANN001
    def run() -> None:
        close_old_connections()
        try:
            outcome[key] = target()
        except (ValidationError, OperationalError) as error:
            outcome[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def close_until_done(meeting, round_: Round) -> Round:  # noqa: ANN001
    """SQLite may answer "database is locked" to the second writer: the chair presses "close" again."""
    for _attempt in range(WAIT * 10):
        try:
            return round_closed(actor=meeting.chair, round_=round_, ballots_issued=9)
        except OperationalError:
            time.sleep(0.1)
    raise AssertionError("the close never went through")


def open_with_votes(codes: tuple[str, ...]) -> tuple:
    """The seed meeting's Government-flag round, open, with a ballot for BTG from each unit in `codes`."""
    meeting = seed_meeting()
    round_ = round_opened(actor=meeting.chair, round_=rounds.rounds_generate(
        actor=meeting.secretariat, bloc_year=meeting.bloc_year)[0])
    for code in codes:
        cast_for(meeting, round_, code)
    return meeting, round_


def cast_for(meeting, round_: Round, code: str) -> ballots.CastReceipt:  # noqa: ANN001
    return ballots.ballot_cast(actor=meeting.reps[code], round_=round_, unit=meeting.units[code],
                               choices=[meeting.units["BTG"].pk])


def held(function, reached: threading.Event, release: threading.Event):  # noqa: ANN001, ANN201
    """`function`, made to stop where it is called until the test releases it."""
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        reached.set()
        assert release.wait(WAIT)
        return function(*args, **kwargs)

    return wrapper


def test_a_cast_in_flight_when_the_chair_closes_is_counted(monkeypatch):
    meeting, round_ = open_with_votes(("VPTU", "BTC", "BDV", "BNC", "UBKT"))
    in_flight, release = threading.Event(), threading.Event()
    monkeypatch.setattr(ballot_box, "seal", held(ballot_box.seal, in_flight, release))
    outcome: dict = {}
    voter = in_thread(lambda: cast_for(meeting, round_, "DUK"), outcome, "cast")
    assert in_flight.wait(WAIT)
    chair = in_thread(lambda: close_until_done(meeting, round_), outcome, "close")
    chair.join(0.5)  # the close waits for the cast holding the round (PostgreSQL), or retries (SQLite)
    release.set()
    voter.join(WAIT)
    chair.join(WAIT)

    closed = Round.objects.get(pk=round_.pk)
    assert closed.is_closed, outcome
    receipt = outcome["cast"]
    if isinstance(receipt, ballots.CastReceipt):  # stored: it must be counted
        assert Ballot.objects.filter(round=closed, receipt=receipt.receipt).exists()
    returned = closed.result["counts"]["returned"]
    assert returned == Ballot.objects.filter(round=closed).count() == Turnout.objects.filter(round=closed).count()
    if connection.vendor == "postgresql":  # the close waited for the cast in flight, which was counted
        assert isinstance(receipt, ballots.CastReceipt) and returned == 6


def test_a_cast_that_arrives_while_the_close_is_counting_is_refused_with_a_message(monkeypatch):
    meeting, round_ = open_with_votes(("VPTU", "BTC", "BDV", "BNC", "UBKT", "DUK"))
    counting, release = threading.Event(), threading.Event()
    monkeypatch.setattr(rounds, "_ballots_unseal", held(rounds._ballots_unseal, counting, release))
    outcome: dict = {}
    chair = in_thread(lambda: round_closed(actor=meeting.chair, round_=round_, ballots_issued=9), outcome, "close")
    assert counting.wait(WAIT)
    voter = in_thread(lambda: cast_for(meeting, round_, "TCT"), outcome, "cast")
    voter.join(0.5)
    release.set()
    chair.join(WAIT)
    voter.join(WAIT)

    closed = Round.objects.get(pk=round_.pk)
    # Refused: on PostgreSQL it waited and read the round closed; SQLite says the server was busy.
    assert closed.is_closed and isinstance(outcome["cast"], ValidationError), outcome
    assert closed.result["counts"]["returned"] == 6 == Ballot.objects.filter(round=closed).count()
    assert not Turnout.objects.filter(round=closed, unit=meeting.units["TCT"]).exists()
    if connection.vendor == "postgresql":  # waited for the close, then read the round closed
        assert "không mở" in " ".join(outcome["cast"].messages) or "not open" in " ".join(outcome["cast"].messages)
