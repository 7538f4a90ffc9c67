"""4. Soak: minutes of mixed traffic from ~20 people at once through gunicorn and PostgreSQL.

`SOAK_SECONDS` (default 300) of traffic from `SOAK_CLIENTS` (default 20) signed-in clients, each with a
short pause between actions (`SOAK_THINK`, default 0.3 s on average), against a fresh PostgreSQL
database (`bench_soak`):

- 16 representatives of a 20-unit bloc browse its pages, save their self-scores for 2023 (the year at
  the scoring stage) and vote in the five open rounds of the 2022 meeting, checking their receipt;
- 4 people of the seed year (its chair and three representatives) browse its results and report and
  download PDFs: the adopted report as stored, and now and then the counting minutes rendered anew.

Reported: requests and errors (an unexpected status, a timeout, a vote without a receipt), latency per
kind of action, and the resident memory (RSS, from /proc) of gunicorn's master and workers after the
warm-up, every 30 s, and at the end. Afterwards every round must hold as many ballots as turnout rows.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tests.bench.burst import Outcome, burst
from tests.bench.common import Section, child_main, django_setup, migrate, ms, percentile, pg_create, pg_drop, pg_url
from tests.bench.common import progress as say
from tests.bench.server import WORKERS, Server, collectstatic, gunicorn, server_env
from tests.bench.webclient import Browser, RequestFailed, field_values, form_token

DB_NAME = "bench_soak"
SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "20"))
READERS = max(1, CLIENTS // 5)  # people of the seed year; the others represent units of the load bloc
THINK = float(os.environ.get("SOAK_THINK", "0.3"))  # seconds, mean pause between two actions of a client
SAMPLE_EVERY = 30.0  # seconds between two memory samples
REQUEST_TIMEOUT = 60.0
PASSWORD = "soak-pw-2022"  # noqa: S105 - a scratch database's test users
RECEIPT = re.compile(r'id="receipt">\s*([A-Z0-9]+)\s*<')
SEED = 2022


@dataclass
class World:
    meeting_year: int
    scoring_year: int
    rounds: list[int]
    units: list[int]
    items: dict[int, str]  # scorable item id -> its maximum points
    usernames: list[str]  # the load bloc's representatives, one per unit
    seed_year: int
    seed_rounds: list[int]
    adopted: int
    adopted_sha: str
    readers: list[str]  # the seed year's chair and representatives (password "pw-<name>")


# --- The world ---------------------------------------------------------------------------------------------------


def _load_bloc(n: int) -> dict[str, Any]:
    """n member units in 2022 (meeting, every round open) and 2023 (scoring), one representative each."""
    from django.contrib.auth.hashers import make_password
    from django.core.exceptions import ValidationError

    from awards.services import rounds as round_services
    from blocs.models import BlocYear, RoleGrant, ScoringItem, User
    from tests.blocs.test_scoring import open_scoring
    from tests.factories import (
        add_member,
        grant,
        make_bloc,
        make_bloc_year,
        make_province,
        make_unit,
        make_user,
        round_opened,
    )

    province = make_province("Tỉnh đo độ bền")
    bloc = make_bloc(name="Khối đo độ bền", province=province)
    meeting_year = make_bloc_year(bloc=bloc, year=2022, status=BlocYear.Status.MEETING)
    scoring_year = make_bloc_year(bloc=bloc, year=2023)
    units = [make_unit(name=f"Đơn vị độ bền {i:02d}", short_code=f"DB{i:02d}", province=province)
             for i in range(1, n + 1)]
    for unit in units:
        add_member(meeting_year, unit)
        add_member(scoring_year, unit)
    open_scoring(scoring_year)
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(User(username=f"soak_rep_{i:02d}", password=password, unit=unit)
                                     for i, unit in enumerate(units, 1))
    RoleGrant.objects.bulk_create(RoleGrant(user=u, kind=RoleGrant.Kind.REPRESENTATIVE, unit=u.unit) for u in users)
    secretariat, chair = make_user("soak_thu_ky", unit=units[0]), make_user("soak_truong_khoi", unit=units[0])
    grant(secretariat, RoleGrant.Kind.SECRETARIAT, bloc=bloc)
    grant(chair, RoleGrant.Kind.CHAIR, bloc_year=meeting_year)
    round_services.meeting_save(actor=secretariat, bloc_year=meeting_year, present=units,
                                data={"held_on": date(2022, 12, 1), "place": "Hội trường"},
                                committee=[("Nguyễn Văn A", None), ("Trần Thị B", None), ("Lê Văn C", None)])
    opened = []
    for round_ in round_services.rounds_generate(actor=secretariat, bloc_year=meeting_year):
        try:
            opened.append(round_opened(actor=chair, round_=round_).pk)
        except ValidationError:
            continue  # a round the rules do not let open now: the others are enough
    items = ScoringItem.objects.filter(table__bloc_year=scoring_year).exclude(kind=ScoringItem.Kind.DISQUALIFIER)
    return {"meeting_year": meeting_year.pk, "scoring_year": scoring_year.pk, "rounds": opened,
            "units": [u.pk for u in units], "items": {i.pk: str(i.max_points) for i in items},
            "usernames": [u.username for u in users]}


def seed() -> World:
    from tests.ops.scenario import seed_year

    year = seed_year()  # five closed rounds, the report adopted with its stored PDF (tests/ops/scenario.py)
    return World(**_load_bloc(CLIENTS - READERS), seed_year=year["bloc_year"], seed_rounds=year["rounds"],
                 adopted=year["adopted_version"], adopted_sha=year["pdf_sha256"],
                 readers=([year["chair"]] + year["reps"])[:READERS])


# --- The clients -------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one client did: latencies per kind of action, and its errors."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


@dataclass
class Person:
    browser: Browser
    index: int
    is_reader: bool
    unit: int = 0
    voted: set[int] = field(default_factory=set)
    rng: random.Random = field(default_factory=random.Random)


def sign_in(server: Server, username: str, password: str) -> Browser:
    browser = server.browser(REQUEST_TIMEOUT)
    page = browser.get("/accounts/login/")
    browser.post("/accounts/login/", {"username": username, "password": password,
                                      "csrfmiddlewaretoken": form_token(page.body)}, expect=302)
    return browser


def timed_get(person: Person, tally: Tally, kind: str, path: str) -> str:
    answer = person.browser.get(path)
    tally.latencies[kind].append(answer.seconds)
    return answer.body


def browse(world: World, person: Person, tally: Tally) -> None:
    if person.is_reader:
        pages = ["/", f"/years/{world.seed_year}/", f"/years/{world.seed_year}/rounds/",
                 f"/rounds/{person.rng.choice(world.seed_rounds)}/", f"/report-versions/{world.adopted}/"]
    else:
        pages = ["/", f"/years/{world.meeting_year}/", f"/years/{world.meeting_year}/rounds/",
                 f"/rounds/{person.rng.choice(world.rounds)}/", f"/years/{world.scoring_year}/",
                 f"/years/{world.scoring_year}/covenant/"]
    timed_get(person, tally, "browse a page", person.rng.choice(pages))


def self_scores(world: World, person: Person, tally: Tally) -> None:
    path = f"/years/{world.scoring_year}/scores/{person.unit}/self/"
    page = timed_get(person, tally, "open the self-scores", path)
    form: dict[str, Any] = {"csrfmiddlewaretoken": form_token(page)}
    for item, maximum in world.items.items():
        form[f"value_{item}"] = str(person.rng.randint(0, int(float(maximum))))
        form[f"comment_{item}"] = f"Tự chấm lần {person.rng.randint(1, 99)}"
    answer = person.browser.post(path, form, expect=302)
    tally.latencies["save the self-scores"].append(answer.seconds)


def vote(world: World, person: Person, tally: Tally) -> None:
    """Cast in the next round this unit has not voted in; once all are cast, look at a receipt."""
    waiting = [pk for pk in world.rounds if pk not in person.voted]
    if not waiting:
        body = timed_get(person, tally, "look at a receipt", f"/rounds/{person.rng.choice(world.rounds)}/vote/")
        if RECEIPT.search(body) is None and "đã bỏ phiếu" not in body:
            tally.errors.append("a round already voted in shows neither receipt nor 'already voted'")
        return
    round_pk, path = waiting[0], f"/rounds/{waiting[0]}/vote/"
    ballot = timed_get(person, tally, "open the ballot", path)
    candidates, units = field_values(ballot, "choices"), field_values(ballot, "unit")
    if not candidates or not units:
        person.voted.add(round_pk)  # voted already (a retry after a timeout, say): nothing to cast
        return
    form = {"csrfmiddlewaretoken": form_token(ballot), "unit": units[0], "choices": [person.rng.choice(candidates)]}
    review = person.browser.post(path, form)
    form["csrfmiddlewaretoken"] = form_token(review.body)
    answer = person.browser.post(f"/rounds/{round_pk}/vote/cast/", form, expect=302)
    tally.latencies["cast a ballot"].append(answer.seconds)
    person.voted.add(round_pk)
    if RECEIPT.search(person.browser.get(answer.location).body) is None:
        tally.errors.append(f"no receipt after casting in round {round_pk}")


def download(world: World, person: Person, tally: Tally, *, render: bool | None = None) -> None:
    if render if render is not None else person.rng.random() < 0.15:  # rendered anew at every request
        path = f"/years/{world.seed_year}/documents/counting-minutes/?format=pdf"
        kind = "render the counting minutes (PDF)"
    else:
        path, kind = f"/report-versions/{world.adopted}/report.pdf", "download the adopted report (PDF)"
    answer = person.browser.get(path)
    tally.latencies[kind].append(answer.seconds)
    if not answer.body.startswith("%PDF"):
        tally.errors.append(f"{path} is not a PDF")


REPRESENTATIVE_MIX = [(browse, 5), (self_scores, 2), (vote, 2)]
READER_MIX = [(browse, 6), (download, 4)]


def act(world: World, person: Person, deadline: float) -> Tally:
    """Actions one after the other until the deadline (each request has its own timeout)."""
    tally = Tally()
    mix = READER_MIX if person.is_reader else REPRESENTATIVE_MIX
    actions, weights = [a for a, _w in mix], [w for _a, w in mix]
    while time.monotonic() < deadline:
        action = person.rng.choices(actions, weights)[0]
        try:
            action(world, person, tally)
        except (OSError, RequestFailed, ValueError) as error:
            tally.errors.append(f"{action.__name__}: {type(error).__name__}: {error}")
        time.sleep(person.rng.expovariate(1 / THINK) if THINK > 0 else 0)
    return tally


# --- Memory ------------------------------------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(found)


def memory(master: int) -> dict[str, Any]:
    workers = {pid: rss_kib(pid) for pid in children(master)}
    return {"master": rss_kib(master), "workers": workers, "total": rss_kib(master) + sum(workers.values())}


# --- The section -------------------------------------------------------------------------------------------------


def people(server: Server, world: World) -> list[Person]:
    """Everyone signs in (not timed: each sign-in checks a PBKDF2 hash)."""
    def prepare(i: int) -> Person:
        if i < READERS:
            name = world.readers[i]
            return Person(sign_in(server, name, f"pw-{name}"), i, True, rng=random.Random(SEED + i))
        k = i - READERS
        return Person(sign_in(server, world.usernames[k], PASSWORD), i, False, unit=world.units[k],
                      rng=random.Random(SEED + i))

    signed = burst(CLIENTS, prepare, lambda i, person: Outcome(detail={"person": person}), timeout=240)
    if signed.errors:
        raise RuntimeError("sign-in failed: " + "; ".join(signed.errors[:3]))
    return [o.detail["person"] for o in signed.outcomes]


def soak(section: Section, server: Server, master: int,
         world: World) -> tuple[list[Tally], list[dict[str, Any]], float]:
    crowd = people(server, world)
    for person in crowd:  # warm-up: the first memory sample comes after the workers served pages and PDFs
        browse(world, person, Tally())
        if person.is_reader:
            download(world, person, Tally(), render=False)
            download(world, person, Tally(), render=True)
    samples = [{"at": 0.0, **memory(master)}]
    say(section.key, f"{CLIENTS} clients for {SECONDS:.0f} s; gunicorn RSS after warm-up "
                     f"{samples[0]['total'] // 1024} MiB")
    started = time.monotonic()
    deadline = started + SECONDS
    tallies: list[Tally | None] = [None] * len(crowd)

    def run(i: int) -> None:
        tallies[i] = act(world, crowd[i], deadline)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(crowd))]
    for thread in threads:
        thread.start()
    while (now := time.monotonic()) < deadline:
        time.sleep(min(SAMPLE_EVERY, deadline - now))
        samples.append({"at": round(time.monotonic() - started, 1), **memory(master)})
    for thread in threads:
        thread.join(timeout=max(0.0, deadline + REQUEST_TIMEOUT + 30 - time.monotonic()))
    seconds = time.monotonic() - started
    samples.append({"at": round(seconds, 1), **memory(master)})
    return [t or Tally(errors=["the client was still running at the deadline"]) for t in tallies], samples, seconds


def report(section: Section, tallies: list[Tally], samples: list[dict[str, Any]], seconds: float) -> None:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for tally in tallies:
        for kind, values in tally.latencies.items():
            by_kind[kind].extend(values)
    errors = [e for tally in tallies for e in tally.errors]
    requests = sum(len(v) for v in by_kind.values())
    section.figure("Soak duration", round(seconds), "s", f"{CLIENTS} clients, mean pause {THINK} s between actions")
    section.figure("Timed requests", requests, "", f"{requests / seconds:.1f} per second")
    section.figure("Errors", len(errors), "", "unexpected status, timeout, a vote without its receipt")
    section.table("Latency per action", ["action", "count", "p50 (ms)", "p95 (ms)", "max (ms)"],
                  [[kind, len(v), ms(percentile(v, 50)), ms(percentile(v, 95)), ms(max(v))]
                   for kind, v in sorted(by_kind.items())])
    first, last = samples[0], samples[-1]
    section.figure("gunicorn RSS at start (master + workers)", round(first["total"] / 1024, 1), "MiB",
                   f"{len(first['workers'])} workers, after sign-in and one round of warm-up")
    section.figure("gunicorn RSS at end (master + workers)", round(last["total"] / 1024, 1), "MiB")
    section.figure("gunicorn RSS growth", round((last["total"] - first["total"]) / 1024, 1), "MiB",
                   f"{(last['total'] - first['total']) / max(first['total'], 1):+.1%}")
    section.table("Memory (RSS, MiB) during the soak", ["at (s)", "master", "workers", "largest worker", "total"],
                  [[s["at"], round(s["master"] / 1024, 1), len(s["workers"]),
                    round(max(s["workers"].values(), default=0) / 1024, 1), round(s["total"] / 1024, 1)]
                   for s in samples])
    if set(first["workers"]) != set(last["workers"]):
        section.note("gunicorn replaced workers during the soak (process ids changed): "
                     f"{sorted(first['workers'])} → {sorted(last['workers'])}")
    for line, count in Counter(errors).most_common(10):
        section.error(f"{line} (×{count})" if count > 1 else line)
    if len(set(errors)) > 10:
        section.error(f"... and {len(set(errors)) - 10} other errors")


def verify(section: Section, world: World, media: Path) -> None:
    from awards.models import Ballot, SealedBallot, Turnout
    from reports.models import ReportVersion

    mismatched = [pk for pk in world.rounds
                  if Ballot.objects.filter(round_id=pk).count() + SealedBallot.objects.filter(round_id=pk).count()
                  != Turnout.objects.filter(round_id=pk).count()]
    cast = (Ballot.objects.filter(round_id__in=world.rounds).count()
            + SealedBallot.objects.filter(round_id__in=world.rounds).count())
    section.figure("Ballots cast during the soak", cast, "", f"at most {len(world.usernames) * len(world.rounds)}")
    if mismatched:
        section.error(f"rounds whose ballots and turnout rows differ: {mismatched}")
    version = ReportVersion.objects.get(pk=world.adopted)
    if hashlib.sha256((media / version.pdf.name).read_bytes()).hexdigest() != world.adopted_sha:
        section.error("the adopted PDF changed during the soak")


def body(section: Section, args: argparse.Namespace) -> None:
    from django.db import connections

    pg_create(DB_NAME)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
            media, static = Path(tmp) / "media", Path(tmp) / "static"
            env = {**server_env(pg_url(DB_NAME), static), "DJANGO_MEDIA_ROOT": str(media)}
            collectstatic(env)  # before seeding too: adopting the report renders it with the hashed CSS
            os.environ.update({"DJANGO_MEDIA_ROOT": str(media), "DJANGO_STATIC_ROOT": str(static)})
            django_setup(pg_url(DB_NAME), debug=False)
            say(section.key, f"migrating {DB_NAME}; seeding the seed year and a {CLIENTS - READERS}-unit bloc")
            migrate()
            world = seed()
            connections.close_all()
            pid_file = Path(tmp) / "gunicorn.pid"
            with gunicorn(env, Path(tmp) / "gunicorn.log", workers=(*WORKERS, "--pid", str(pid_file))) as server:
                master = int(pid_file.read_text().strip())
                say(section.key, f"gunicorn up on 127.0.0.1:{server.port} ({' '.join(WORKERS)})")
                tallies, samples, seconds = soak(section, server, master, world)
                if any(t.errors for t in tallies):
                    section.note("gunicorn's log, last lines:\n" + server.log_tail())
            report(section, tallies, samples, seconds)
            verify(section, world, media)
            connections.close_all()
    finally:
        cleanup()


def cleanup() -> None:
    """Drop the scratch database (also called by run.py after the section, whatever happened)."""
    pg_drop(DB_NAME)


def main() -> None:
    child_main("soak", "4. Soak: mixed traffic", body)


if __name__ == "__main__":
    main()
