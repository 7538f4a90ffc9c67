"""1. Tally speed: `rules.count_votes` + `rules.tally` on 10,000 ballots, then `round_close` over stored rows.

The pure part needs no database. The database part runs `round_services.round_close` on a round holding
10,000 `Ballot` rows (bulk-created), once on a scratch SQLite file and once on a scratch PostgreSQL
database, each in its own process; every timed close is rolled back so that it can be repeated.
Both parts check their own result: the counted votes add up, and the stored result names the units
that the pure tally elects from the same ballots.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from fractions import Fraction
from pathlib import Path

from awards import rules
from tests.bench.common import (
    Section,
    child_main,
    django_setup,
    median_ms,
    migrate,
    ms,
    pg_create,
    pg_drop,
    pg_url,
    progress,
    run_child,
    timed,
)

N_BALLOTS = 10_000
N_CANDIDATES = 20
QUOTA = 3  # and at most 3 choices on a ballot
RUNS = 9  # pure runs; the median is reported
DB_RUNS = 5  # round_close runs per database
SEED = 2022
MARK = rules.PassMark(Fraction(1, 2), ">", "members")
PG_DB = "bench_tally"
# A meeting room's preferences: four favourites, a few outsiders (three of them pass > 1/2).
POPULARITY = [120, 105, 95, 80] + [4] * 6 + [2] * 10


def random_ballots(candidates: Sequence[int], *, n: int = N_BALLOTS, seed: int = SEED) -> list[tuple[int, ...]]:
    """n valid ballots: 1 to QUOTA distinct candidates each, most voters using every choice."""
    rng = random.Random(seed)
    ballots = []
    for _ in range(n):
        size = rng.choice((1, 2, 3, 3, 3))
        chosen: set[int] = set()
        while len(chosen) < size:
            chosen.add(rng.choices(candidates, POPULARITY)[0])
        ballots.append(tuple(sorted(chosen)))
    return ballots


def check_ballots(section: Section, ballots: Sequence[tuple[int, ...]], candidates: Sequence[int],
                  votes: dict[int, int]) -> None:
    invalid = sum(1 for b in ballots if rules.ballot_problem(b, candidates=candidates, max_choices=QUOTA))
    if invalid:
        section.error(f"{invalid} of the generated ballots are invalid")
    if sum(votes.values()) != sum(len(b) for b in ballots):
        section.error(f"count_votes counted {sum(votes.values())} votes, the ballots hold {sum(map(len, ballots))}")


def pure(section: Section) -> None:
    candidates = list(range(1, N_CANDIDATES + 1))
    ballots = random_ballots(candidates)
    counts = rules.Counts(members=N_BALLOTS, present=N_BALLOTS, issued=N_BALLOTS, returned=N_BALLOTS,
                          valid=N_BALLOTS)
    counting, tallying, totals = [], [], []
    result = None
    for _ in range(RUNS + 1):  # the first run warms up and is not kept
        started = time.perf_counter()
        votes = rules.count_votes(ballots, candidates)
        counted = time.perf_counter()
        result = rules.tally(votes=votes, counts=counts, mark=MARK, quota=QUOTA)
        ended = time.perf_counter()
        counting.append(counted - started)
        tallying.append(ended - counted)
        totals.append(ended - started)
    counting, tallying, totals = counting[1:], tallying[1:], totals[1:]
    check_ballots(section, ballots, candidates, votes)
    total = statistics.median(totals)
    where = f"{N_BALLOTS:,} valid ballots, {N_CANDIDATES} candidates, quota {QUOTA}, {MARK.describe()}"
    section.figure("count_votes + tally (pure), median", ms(total), "ms",
                   f"{where}; median of {RUNS} runs, min {ms(min(totals))} ms, max {ms(max(totals))} ms")
    section.figure("of which count_votes, median", median_ms(counting), "ms")
    section.figure("of which tally, median", median_ms(tallying), "ms")
    section.figure("Ballots per second (pure count + tally)", round(N_BALLOTS / total), "ballots/s")
    section.note(f"Pure tally: elected {list(result.elected)}, passed "
                 f"{[r.unit for r in result.results if r.passed]}, runoff {list(result.runoff)}.")


# --- Through the database (child process per backend) --------------------------------------------------------


def seed_round() -> tuple[object, list[int]]:
    """A bloc year at its meeting with N_CANDIDATES members, all present, its 3-seat round open."""
    from awards.services import rounds as round_services
    from blocs.models import BlocYear
    from tests.factories import make_bloc, make_bloc_year, make_province, make_user, round_opened

    province = make_province("Tỉnh đo kiểm phiếu")
    bloc_year = make_bloc_year(bloc=make_bloc(name="Khối đo kiểm phiếu", province=province),
                               status=BlocYear.Status.MEETING, members=N_CANDIDATES)
    secretariat = make_user("bench_thu_ky")
    units = [m.unit for m in bloc_year.memberships.select_related("unit")]
    round_services.meeting_save(actor=secretariat, bloc_year=bloc_year, present=units,
                                data={"held_on": date(2022, 12, 1), "place": "Hội trường"})
    rounds = round_services.rounds_generate(actor=secretariat, bloc_year=bloc_year)
    round_ = next(r for r in rounds if r.quota == QUOTA)
    # Base "valid": 10,000 ballots from 20 members make "of members" meaningless (everyone passes).
    round_services.round_settings_update(actor=secretariat, round_=round_, data={
        "pass_numerator": 1, "pass_denominator": 2, "comparator": ">", "base": "valid",
        "quota": QUOTA, "max_choices": QUOTA})
    round_ = round_opened(actor=secretariat, round_=round_)
    return round_, sorted(round_.candidates.values_list("unit_id", flat=True))


def store_ballots(round_: object, ballots: Sequence[tuple[int, ...]]) -> float:
    from awards.models import Ballot
    from awards.services import ballots as ballot_services

    receipts: set[str] = set()
    while len(receipts) < len(ballots):
        receipts.add(ballot_services.new_receipt())
    rows = [Ballot(round=round_, receipt=receipt, source=Ballot.Source.ONLINE, choices=list(ballot))
            for receipt, ballot in zip(sorted(receipts), ballots, strict=True)]
    seconds, _ = timed(lambda: Ballot.objects.bulk_create(rows, batch_size=1000))
    return seconds


def close_once(round_: object) -> tuple[float, dict]:
    """round_close inside a transaction that is then rolled back, so that the next run finds it open."""
    from django.db import transaction

    from tests.factories import round_closed

    with transaction.atomic():
        seconds, closed = timed(lambda: round_closed(actor=None, round_=round_, ballots_issued=N_BALLOTS))
        transaction.set_rollback(True)
    return seconds, closed.result


def check_result(section: Section, result: dict, round_: object, ballots: Sequence[tuple[int, ...]],
                 candidates: Sequence[int]) -> None:
    expected = rules.tally(votes=rules.count_votes(ballots, candidates), mark=round_.pass_mark, quota=QUOTA,
                           quorum=round_.quorum,
                           counts=rules.Counts(members=N_CANDIDATES, present=N_CANDIDATES, issued=N_BALLOTS,
                                               returned=N_BALLOTS, valid=N_BALLOTS))
    if result["counts"]["returned"] != N_BALLOTS or result["counts"]["valid"] != N_BALLOTS:
        section.error(f"round_close counted {result['counts']} instead of {N_BALLOTS} valid ballots")
    if result["elected"] != list(expected.elected):
        section.error(f"round_close elected {result['elected']}, the pure tally {list(expected.elected)}")


def through_db(section: Section, database_url: str, label: str) -> None:
    django_setup(database_url, debug=False)
    from awards import selectors

    progress(section.key, f"{label}: migrating a scratch database")
    migrate_seconds = migrate()
    round_, candidates = seed_round()
    ballots = random_ballots(candidates)
    stored = store_ballots(round_, ballots)
    section.figure(f"{label}: bulk_create {N_BALLOTS:,} Ballot rows", round(stored, 2), "s",
                   f"batches of 1,000; migrate took {migrate_seconds:.1f} s")
    loads = [timed(lambda: selectors.round_counts(round_))[0] for _ in range(DB_RUNS)]
    closes, result = [], {}
    for _ in range(DB_RUNS):
        seconds, result = close_once(round_)
        closes.append(seconds)
    check_result(section, result, round_, ballots, candidates)
    close = statistics.median(closes)
    section.figure(f"{label}: round_close on {N_BALLOTS:,} stored ballots, median", ms(close), "ms",
                   f"median of {DB_RUNS} runs (each rolled back), min {ms(min(closes))} ms, "
                   f"max {ms(max(closes))} ms; {N_CANDIDATES} candidates, quota {QUOTA}, > 1/2 of valid ballots")
    section.figure(f"{label}: of which round_counts (load and count the ballots), median", median_ms(loads), "ms")
    section.figure(f"{label}: ballots per second through round_close", round(N_BALLOTS / close), "ballots/s")


def body(section: Section, args: argparse.Namespace) -> None:
    if args.db:
        through_db(section, args.db, args.label)
        return
    pure(section)
    with tempfile.TemporaryDirectory(prefix="bench-tally-") as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        section.absorb(run_child("tests.bench.tally", ["--db", sqlite_url, "--label", "SQLite"], timeout=150))
    pg_create(PG_DB)
    try:
        section.absorb(run_child("tests.bench.tally", ["--db", pg_url(PG_DB), "--label", "PostgreSQL"],
                                 timeout=150))
    finally:
        pg_drop(PG_DB)


def cleanup() -> None:
    """After the section, whatever happened to it: its scratch PostgreSQL database is gone."""
    pg_drop(PG_DB)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="(internal) run the database part against this DATABASE_URL")
    parser.add_argument("--label", default="database")


def main() -> None:
    child_main("tally", "1. Tally speed", body, configure)


if __name__ == "__main__":
    main()
