"""2. Voting load: 200 representatives cast their ballots in one round at once (gunicorn, PostgreSQL).

A fresh PostgreSQL database (`bench_app`) gets a bloc year at its meeting with 200 member units, one
representative each, everyone present, the rounds generated and the first opened, all through the
services. gunicorn then serves it on loopback. Each of 200 clients logs in, opens the ballot, reviews
its choices, and waits; at one barrier all of them press "cast". The same 200 clients also hit the
trivial `/healthz/` page at once, for scale. Afterwards the database must hold exactly 200 ballots
and 200 turnout rows, and the receipts shown must be the receipts stored.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tests.bench.burst import BurstResult, Outcome, burst
from tests.bench.common import Section, child_main, django_setup, migrate, ms, percentile, pg_create, pg_drop, pg_url
from tests.bench.common import progress as say
from tests.bench.server import WORKERS, Server, collectstatic, gunicorn, server_env
from tests.bench.webclient import Browser, RequestFailed, alert_text, field_values, form_token

VOTERS = 200
DB_NAME = "bench_app"
PASSWORD = "bench-pw-2022"  # noqa: S105 - a scratch database's test users
REQUEST_TIMEOUT = 120.0  # seconds, each request (200 logins queue for ~80 s here)
BURST_TIMEOUT = 240.0  # seconds, every client reaching the barrier
HEALTH_REQUESTS = 5  # per client
SEED = 2022
RECEIPT = re.compile(r'id="receipt">\s*([A-Z0-9]+)\s*<')


@dataclass
class Scenario:
    round_pk: int
    max_choices: int
    usernames: list[str]


@dataclass
class Voter:
    browser: Browser
    form: dict[str, Any]
    login_seconds: float


def seed_meeting(n: int, voting_mode: str | None = None) -> tuple[Any, list[Any], Any]:
    """A bloc year at its meeting with n member units, all present, the committee named, the rounds generated and
    the first opened, through the services; returns the bloc year, the units and the open round."""
    from awards.services import rounds as round_services
    from blocs.models import BlocYear, Membership, RoleGrant, Unit
    from tests.factories import grant, make_bloc, make_bloc_year, make_province, make_user, round_opened

    province = make_province("Tỉnh đo tải")
    bloc_year = make_bloc_year(bloc=make_bloc(name="Khối đo tải bỏ phiếu", province=province),
                               status=BlocYear.Status.MEETING)
    units = Unit.objects.bulk_create(Unit(province=province, name=f"Đơn vị thành viên {i:03d}",
                                          short_code=f"DT{i:03d}") for i in range(1, n + 1))
    Membership.objects.bulk_create(
        Membership(bloc_year=bloc_year, unit=unit, year=bloc_year.year,
                   position=Membership.Position.HEAD if i == 0 else Membership.Position.MEMBER)
        for i, unit in enumerate(units))
    secretariat = make_user("bench_thu_ky", unit=units[0])
    grant(secretariat, RoleGrant.Kind.SECRETARIAT, bloc=bloc_year.bloc)
    chair = make_user("bench_truong_khoi", unit=units[0])
    grant(chair, RoleGrant.Kind.CHAIR, bloc_year=bloc_year)
    data: dict[str, Any] = {"held_on": date(2022, 12, 1), "place": "Hội trường"}
    if voting_mode is not None:
        data["voting_mode"] = voting_mode
    round_services.meeting_save(actor=secretariat, bloc_year=bloc_year, present=units, data=data,
                                committee=[("Nguyễn Văn A", None), ("Trần Thị B", None), ("Lê Văn C", None)])
    rounds = round_services.rounds_generate(actor=secretariat, bloc_year=bloc_year)
    return bloc_year, units, round_opened(actor=chair, round_=rounds[0])


def seed(n: int) -> Scenario:
    """The meeting of a 200-unit bloc, one representative account per unit; passwords hashed once (same for all)."""
    from django.contrib.auth.hashers import make_password

    from blocs.models import RoleGrant, User

    _bloc_year, units, first = seed_meeting(n)
    password = make_password(PASSWORD)  # the server still checks it with the real hasher at each login
    users = User.objects.bulk_create(User(username=f"bench_rep_{i:03d}", password=password, unit=unit)
                                     for i, unit in enumerate(units, 1))
    RoleGrant.objects.bulk_create(RoleGrant(user=user, kind=RoleGrant.Kind.REPRESENTATIVE, unit=user.unit)
                                  for user in users)
    return Scenario(round_pk=first.pk, max_choices=first.max_choices, usernames=[u.username for u in users])


# --- The clients ----------------------------------------------------------------------------------------------


def prepare_voter(server: Server, scenario: Scenario, i: int) -> Voter:
    """Log in, open the ballot, choose, review: everything before the cast (not timed)."""
    browser = server.browser(REQUEST_TIMEOUT)
    login_page = browser.get("/accounts/login/")
    login = browser.post("/accounts/login/", {"username": scenario.usernames[i], "password": PASSWORD,
                                              "csrfmiddlewaretoken": form_token(login_page.body)}, expect=302)
    vote_path = f"/rounds/{scenario.round_pk}/vote/"
    ballot = browser.get(vote_path)
    candidates, units = field_values(ballot.body, "choices"), field_values(ballot.body, "unit")
    if not candidates or not units:
        raise RequestFailed("the ballot page shows no ballot")
    choices = random.Random(SEED + i).sample(candidates, scenario.max_choices)
    form = {"csrfmiddlewaretoken": form_token(ballot.body), "unit": units[0], "choices": choices}
    review = browser.post(vote_path, form)
    if "/vote/cast/" not in review.body:
        raise RequestFailed("the review step shows no confirmation")
    return Voter(browser=browser, form={**form, "csrfmiddlewaretoken": form_token(review.body)},
                 login_seconds=login.seconds)


def cast(scenario: Scenario, voter: Voter) -> Outcome:
    """The timed step: POST vote/cast/. Then, untimed, the page it leads to must show a receipt."""
    answer = voter.browser.post(f"/rounds/{scenario.round_pk}/vote/cast/", voter.form, expect=200)
    outcome = Outcome(latencies=[answer.seconds], finished_at=answer.finished_at,
                      detail={"login": voter.login_seconds})
    receipt = RECEIPT.search(answer.body)  # shown once, in the cast's own answer (docs/secrecy.md)
    if receipt is None:
        outcome.error = f"no receipt after casting: {alert_text(answer.body)}"
    else:
        outcome.detail["receipt"] = receipt.group(1)
    return outcome


def health(browser: Browser) -> Outcome:
    outcome = Outcome()
    for _ in range(HEALTH_REQUESTS):
        answer = browser.get("/healthz/")
        outcome.latencies.append(answer.seconds)
        outcome.finished_at = answer.finished_at
    return outcome


def warm_up(server: Server, page: str = "/accounts/login/") -> None:
    """Every worker imports the URLconf and loads templates before anything is timed."""
    def visit(browser: Browser) -> Outcome:
        browser.get("/healthz/")
        browser.get(page)
        return Outcome()

    burst(16, lambda i: server.browser(REQUEST_TIMEOUT), lambda i, b: visit(b), timeout=60)


# --- The section -----------------------------------------------------------------------------------------------


def load(section: Section, scenario: Scenario, env: dict[str, str],
         log: Path) -> tuple[BurstResult, BurstResult, float]:
    """The /healthz/ burst, then the vote; returns both and the wall time from gunicorn's start to its stop."""
    started = time.perf_counter()
    with gunicorn(env, log) as server:
        say(section.key, f"gunicorn up on 127.0.0.1:{server.port} ({' '.join(WORKERS)}); warming up")
        warm_up(server)
        say(section.key, f"{VOTERS} clients × {HEALTH_REQUESTS} GET /healthz/ at once")
        health_run = burst(VOTERS, lambda i: server.browser(REQUEST_TIMEOUT), lambda i, b: health(b),
                           timeout=BURST_TIMEOUT)
        say(section.key, f"{VOTERS} representatives log in, open the ballot and review; then all cast at once")
        voting = burst(VOTERS, lambda i: prepare_voter(server, scenario, i), lambda i, v: cast(scenario, v),
                       timeout=BURST_TIMEOUT)
        if voting.errors or health_run.errors:
            section.note("gunicorn's log, last lines:\n" + server.log_tail())
    return health_run, voting, time.perf_counter() - started


def cast_figures(section: Section, voting: BurstResult, who: str, step: str) -> float:
    """Cast latency and throughput (from the barrier's release); returns the casts per second."""
    casts = voting.latencies
    if casts:
        for label, p in (("p50", 50), ("p95", 95)):
            section.figure(f"Cast latency {label} ({step})", ms(percentile(casts, p)), "ms", who)
        section.figure("Cast latency max", ms(max(casts)), "ms", who)
        section.figure("Casting wall time", round(voting.wall, 2), "s", "barrier release to the last cast answered")
    cast_rate = len(casts) / voting.wall if voting.wall else 0.0
    section.figure("Casting throughput", round(cast_rate, 1), "casts/s")
    return cast_rate


def health_figures(section: Section, health_run: BurstResult, cast_rate: float) -> None:
    """The trivial page at the same concurrency, and casting's throughput against it."""
    hits = health_run.latencies
    health_rate = len(hits) / health_run.wall if health_run.wall else 0.0
    if hits:
        every = f"{VOTERS} clients at once × {HEALTH_REQUESTS} requests each"
        section.figure("GET /healthz/ latency p50", ms(percentile(hits, 50)), "ms", every)
        section.figure("GET /healthz/ latency p95", ms(percentile(hits, 95)), "ms")
        section.figure("GET /healthz/ latency max", ms(max(hits)), "ms")
    section.figure("GET /healthz/ throughput", round(health_rate, 1), "requests/s")
    if health_rate:
        section.figure("Casting throughput ÷ /healthz/ throughput", round(cast_rate / health_rate, 3), "",
                       "same concurrency; 1.0 would mean casting costs no more than a trivial page")


def client_errors(section: Section, *runs: BurstResult) -> None:
    errors = [line for run in runs for line in run.errors]
    section.figure("Client errors", len(errors), "", "timeouts, unexpected statuses, casts without a receipt")
    for line in errors[:10]:
        section.error(line)
    if len(errors) > 10:
        section.error(f"... and {len(errors) - 10} more client errors")


def report(section: Section, health_run: BurstResult, voting: BurstResult, wall: float) -> None:
    logins = [o.detail["login"] for o in voting.ok]
    cast_rate = cast_figures(section, voting, f"{VOTERS} representatives at once", "POST vote/cast/")
    section.figure("Log in + ballot + review, all 200 (wall)", round(voting.prepare_wall, 1), "s",
                   "before the barrier; each login checks a PBKDF2 password hash")
    if logins:
        section.figure("Login POST latency p50", ms(percentile(logins, 50)), "ms", "200 logging in at once")
        section.figure("Login POST latency p95", ms(percentile(logins, 95)), "ms")
    health_figures(section, health_run, cast_rate)
    section.figure("Load test wall time", round(wall, 1), "s", "gunicorn start to stop: warm-up, both bursts")
    client_errors(section, voting, health_run)


def close_and_match(section: Section, round_pk: int, voting: BurstResult) -> tuple[int, int]:
    """Sealed ballots while open; the close (with the committee's passphrase) opens every one of them, and every
    receipt a voter was shown must be among the ballots. Returns the sealed and the opened ballots' counts."""
    from awards.models import Ballot, Round, SealedBallot
    from tests.factories import round_closed

    sealed = SealedBallot.objects.filter(round_id=round_pk).count()
    section.figure("Sealed ballots after the burst", sealed, "", f"expected {VOTERS}")
    started = time.perf_counter()
    round_closed(actor=None, round_=Round.objects.get(pk=round_pk))
    section.figure("Close: open the sealed boxes, shuffle, count", ms(time.perf_counter() - started), "ms",
                   f"{sealed} ballots, Argon2id at the installation's cost")
    ballots = Ballot.objects.filter(round_id=round_pk)
    stored = set(ballots.values_list("receipt", flat=True))
    shown = {o.detail["receipt"] for o in voting.ok}
    section.figure("Ballot rows after the close", ballots.count(), "", f"expected {VOTERS}")
    section.figure("Receipts shown to voters found in the published list after the close", len(shown & stored), "",
                   f"expected {VOTERS}")
    if shown != stored:
        section.error(f"{len(shown ^ stored)} receipts differ between the voters' pages and the database")
    return sealed, ballots.count()


def verify(section: Section, scenario: Scenario, voting: BurstResult) -> None:
    from awards.models import Turnout

    _sealed, ballots = close_and_match(section, scenario.round_pk, voting)
    turnout = Turnout.objects.filter(round_id=scenario.round_pk).count()
    section.figure("Turnout rows after the burst", turnout, "", f"expected {VOTERS}")
    if ballots != VOTERS or turnout != VOTERS:
        section.error(f"the round holds {ballots} ballots and {turnout} turnout rows, not {VOTERS}")


def run(section: Section) -> None:
    from django.db import connections

    django_setup(pg_url(DB_NAME), debug=False)
    say(section.key, f"migrating {DB_NAME} and seeding {VOTERS} member units")
    migrate_seconds = migrate()
    seed_started = time.perf_counter()
    scenario = seed(VOTERS)
    seed_seconds = time.perf_counter() - seed_started
    connections.close_all()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        env = server_env(pg_url(DB_NAME), Path(tmp) / "static")
        static_seconds = collectstatic(env)
        health_run, voting, wall = load(section, scenario, env, Path(tmp) / "gunicorn.log")
    report(section, health_run, voting, wall)
    verify(section, scenario, voting)
    connections.close_all()
    section.note(f"Set-up (not timed above): migrate {migrate_seconds:.1f} s, seeding {seed_seconds:.1f} s, "
                 f"collectstatic {static_seconds:.1f} s. Round: the first of the year "
                 f"(at most {scenario.max_choices} choice), {VOTERS} candidates.")
    section.note(f"Server: gunicorn {' '.join(WORKERS)}, DEBUG off, DJANGO_CONN_MAX_AGE=0 (the documented "
                 "default), PostgreSQL on 127.0.0.1. The 200 client threads share the same 2 cores, and every "
                 "request opens a new TCP connection.")


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
    child_main("voting", "2. Voting load", body)


if __name__ == "__main__":
    main()
