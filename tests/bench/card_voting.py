"""2b. Voting with cards: 200 card holders cast their ballots in one round at once (gunicorn, PostgreSQL).

The same meeting as section 2 (200 member units, all present, the first round open), but it votes with
voting cards: the seeding issues one card per unit present through `cards.cards_issue`, which hands back
the codes. gunicorn then serves it on loopback. Each of 200 clients, with no account, types its card's
code, opens the ballot, reviews its choices and waits; at one barrier all of them press "cast". The same
200 clients also hit the trivial `/healthz/` page at once, for scale. Afterwards the round must hold
exactly 200 sealed ballots and 200 card turnout rows, and after the close every receipt shown must be
among the ballots. Section 2 measures the same round with the representatives' accounts.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.burst import BurstResult, Outcome, burst
from tests.bench.common import Section, child_main, django_setup, migrate, ms, percentile, pg_create, pg_drop, pg_url
from tests.bench.common import progress as say
from tests.bench.server import WORKERS, Server, collectstatic, gunicorn, server_env
from tests.bench.voting_load import (
    HEALTH_REQUESTS,
    RECEIPT,
    REQUEST_TIMEOUT,
    SEED,
    VOTERS,
    cast_figures,
    client_errors,
    close_and_match,
    health,
    health_figures,
    seed_meeting,
    warm_up,
)
from tests.bench.webclient import Browser, RequestFailed, alert_text, field_values, form_token

DB_NAME = "bench_cards"
BURST_TIMEOUT = 150.0  # seconds, every client reaching the barrier (no password hash on the way)
ENTER, BALLOT, CAST = "/card/", "/card/ballot/", "/card/cast/"


@dataclass
class Scenario:
    round_pk: int
    max_choices: int
    codes: list[str]


@dataclass
class Holder:
    browser: Browser
    form: dict[str, Any]
    enter_seconds: float


def seed(n: int) -> Scenario:
    """The meeting of a 200-unit bloc voting with cards; one card per unit present, no spares."""
    from awards.models import Meeting
    from awards.services import cards

    bloc_year, _units, first = seed_meeting(n, voting_mode=Meeting.VotingMode.CARDS)
    printed = cards.cards_issue(actor=None, bloc_year=bloc_year, spares=0)
    return Scenario(round_pk=first.pk, max_choices=first.max_choices, codes=[card.code for card in printed])


# --- The clients ----------------------------------------------------------------------------------------------


def prepare_holder(server: Server, scenario: Scenario, i: int) -> Holder:
    """Type the card's code, open the ballot, choose, review: everything before the cast (not timed)."""
    browser = server.browser(REQUEST_TIMEOUT)
    enter_page = browser.get(ENTER)
    entered = browser.post(ENTER, {"code": scenario.codes[i], "csrfmiddlewaretoken": form_token(enter_page.body)},
                           expect=302)
    ballot = browser.get(BALLOT)
    candidates, rounds = field_values(ballot.body, "choices"), field_values(ballot.body, "round")
    if not candidates or rounds != [str(scenario.round_pk)]:
        raise RequestFailed(f"the card's ballot page shows no ballot for the open round: {alert_text(ballot.body)}")
    choices = random.Random(SEED + i).sample(candidates, scenario.max_choices)
    form = {"csrfmiddlewaretoken": form_token(ballot.body), "round": rounds[0], "choices": choices}
    review = browser.post(BALLOT, form)
    if CAST not in review.body:
        raise RequestFailed("the review step shows no confirmation")
    return Holder(browser=browser, form={**form, "csrfmiddlewaretoken": form_token(review.body)},
                  enter_seconds=entered.seconds)


def cast(holder: Holder) -> Outcome:
    """The timed step: POST card/cast/. Then, untimed, the page it answers with must show a receipt."""
    answer = holder.browser.post(CAST, holder.form, expect=200)
    outcome = Outcome(latencies=[answer.seconds], finished_at=answer.finished_at,
                      detail={"enter": holder.enter_seconds})
    receipt = RECEIPT.search(answer.body)  # shown once, in the cast's own answer (docs/secrecy.md)
    if receipt is None:
        outcome.error = f"no receipt after casting: {alert_text(answer.body)}"
    else:
        outcome.detail["receipt"] = receipt.group(1)
    return outcome


# --- The section -----------------------------------------------------------------------------------------------


def load(section: Section, scenario: Scenario, env: dict[str, str],
         log: Path) -> tuple[BurstResult, BurstResult, float]:
    """The /healthz/ burst, then the vote; returns both and the wall time from gunicorn's start to its stop."""
    started = time.perf_counter()
    with gunicorn(env, log) as server:
        say(section.key, f"gunicorn up on 127.0.0.1:{server.port} ({' '.join(WORKERS)}); warming up")
        warm_up(server, ENTER)
        say(section.key, f"{VOTERS} clients × {HEALTH_REQUESTS} GET /healthz/ at once")
        health_run = burst(VOTERS, lambda i: server.browser(REQUEST_TIMEOUT), lambda i, b: health(b),
                           timeout=BURST_TIMEOUT)
        say(section.key, f"{VOTERS} card holders type their code, open the ballot and review; then all cast at once")
        voting = burst(VOTERS, lambda i: prepare_holder(server, scenario, i), lambda i, h: cast(h),
                       timeout=BURST_TIMEOUT)
        if voting.errors or health_run.errors:
            section.note("gunicorn's log, last lines:\n" + server.log_tail())
    return health_run, voting, time.perf_counter() - started


def report(section: Section, health_run: BurstResult, voting: BurstResult, wall: float) -> None:
    entries = [o.detail["enter"] for o in voting.ok]
    cast_rate = cast_figures(section, voting, f"{VOTERS} card holders at once", "POST card/cast/")
    section.figure("Code + ballot + review, all 200 (wall)", round(voting.prepare_wall, 1), "s",
                   "before the barrier; no account, no password hash")
    if entries:
        section.figure("Code entry POST latency p50", ms(percentile(entries, 50)), "ms", "200 typing codes at once")
        section.figure("Code entry POST latency p95", ms(percentile(entries, 95)), "ms")
    health_figures(section, health_run, cast_rate)
    section.figure("Load test wall time", round(wall, 1), "s", "gunicorn start to stop: warm-up, both bursts")
    client_errors(section, voting, health_run)


def verify(section: Section, scenario: Scenario, voting: BurstResult) -> None:
    from awards.models import CardVote, Turnout

    card_votes = CardVote.objects.filter(round_id=scenario.round_pk).count()
    section.figure("Card turnout rows after the burst", card_votes, "", f"expected {VOTERS}, one per card")
    sealed, ballots = close_and_match(section, scenario.round_pk, voting)
    accounts = Turnout.objects.filter(round_id=scenario.round_pk).count()
    if sealed != VOTERS or ballots != VOTERS or card_votes != VOTERS or accounts:
        section.error(f"the round holds {sealed} sealed ballots, {ballots} ballots after the close, {card_votes} "
                      f"card turnout rows and {accounts} account turnout rows, not {VOTERS}, {VOTERS}, {VOTERS}, 0")


def run(section: Section) -> None:
    from django.conf import settings
    from django.db import connections

    django_setup(pg_url(DB_NAME), debug=False)
    say(section.key, f"migrating {DB_NAME}, seeding {VOTERS} member units and issuing their cards")
    migrate_seconds = migrate()
    seed_started = time.perf_counter()
    scenario = seed(VOTERS)
    seed_seconds = time.perf_counter() - seed_started
    connections.close_all()
    with tempfile.TemporaryDirectory(prefix="bench-cards-") as tmp:
        # A card's code is stored as a hash keyed with the secret key: the server must share the seeding's key.
        env = {**server_env(pg_url(DB_NAME), Path(tmp) / "static"), "DJANGO_SECRET_KEY": settings.SECRET_KEY}
        static_seconds = collectstatic(env)
        health_run, voting, wall = load(section, scenario, env, Path(tmp) / "gunicorn.log")
    report(section, health_run, voting, wall)
    verify(section, scenario, voting)
    connections.close_all()
    section.note(f"Set-up (not timed above): migrate {migrate_seconds:.1f} s, seeding and issuing {VOTERS} cards "
                 f"{seed_seconds:.1f} s, collectstatic {static_seconds:.1f} s. Round: the first of the year "
                 f"(at most {scenario.max_choices} choice), {VOTERS} candidates; the meeting votes with cards only.")
    section.note(f"Server: gunicorn {' '.join(WORKERS)}, DEBUG off, DJANGO_CONN_MAX_AGE=0 (the documented "
                 "default), PostgreSQL on 127.0.0.1. The 200 client threads share the same 2 cores, and every "
                 "request opens a new TCP connection. All clients come from 127.0.0.1: only wrong codes count "
                 "towards the per-address limit, and none is typed here.")


def body(section: Section, args: argparse.Namespace) -> None:
    pg_create(DB_NAME)
    try:
        run(section)
    finally:
        cleanup()


def cleanup() -> None:
    """Drop the scratch database (also called by run.py after the section, whatever happened)."""
    pg_drop(DB_NAME)


def main() -> None:
    child_main("cards", "2b. Voting with cards", body)


if __name__ == "__main__":
    main()
