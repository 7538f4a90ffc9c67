"""Two representatives of one unit press "cast" at the same instant: exactly one ballot is stored."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from awards.models import SealedBallot, Turnout
from awards.services import ballots
from awards.services import rounds as round_services
from blocs.models import RoleGrant
from tests.awards.conftest import seed_meeting
from tests.factories import grant, make_user, round_opened

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_ballots_from_one_unit_store_exactly_one():
    meeting = seed_meeting()
    rounds = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    unit = meeting.units["BTC"]
    second_rep = make_user(unit=unit)
    grant(second_rep, RoleGrant.Kind.REPRESENTATIVE, unit=unit)
    representatives = [meeting.reps["BTC"], second_rep] * 4  # eight simultaneous clicks
    barrier = threading.Barrier(len(representatives))
    outcomes: list[str] = []

    def cast(user) -> None:  # noqa: ANN001
        close_old_connections()
        barrier.wait()
        try:
            for _press in range(100):  # "the server is busy, cast it again" (SQLite): the voter presses again
                try:
                    ballots.ballot_cast(actor=user, round_=round_, unit=unit, choices=[meeting.units["BTG"].pk])
                    outcomes.append("stored")
                    return
                except ValidationError as error:
                    if "đã bỏ phiếu" in " ".join(error.messages):
                        outcomes.append("refused")
                        return
                    time.sleep(0.05)
            outcomes.append("busy for ever")
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(user,)) for user in representatives]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["stored"]  # each refusal is a message, never an error page
    assert SealedBallot.objects.filter(round=round_).count() == 1
    assert Turnout.objects.filter(round=round_, unit=unit).count() == 1
