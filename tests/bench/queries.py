"""3. Query counts: the list and detail pages of blocs and awards, for a bloc of 9 units and of 60.

A scratch SQLite file under Django's test environment (`setup_test_environment`) and the test Client.
Each page is requested once to warm up (the session, per-process caches), then counted with
`CaptureQueriesContext`. The 9-unit bloc is built and counted first; the 60-unit bloc is then added to
the same database and counted, so the global lists (units, blocs) hold 9 units, then 69. A count that
differs between the sizes is reported, with the statement repeated most, not failed: a benchmark
measures (tests/blocs/test_query_budgets.py holds the budgets that fail).
"""

from __future__ import annotations

import argparse
import re
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.bench.common import Section, child_main, django_setup, migrate
from tests.bench.common import progress as say

SIZES = (9, 60)
PERSONAS = ("secretariat", "chair", "representative", "board", "admin")


@dataclass
class World:
    """One bloc year at its meeting: round 1 closed, round 2 open, round 3 still a draft."""

    n: int
    bloc_year: Any
    unit: Any  # the representative's unit; it has not voted in the open round
    closed_round: Any
    open_round: Any
    draft_round: Any
    users: dict[str, Any] = field(default_factory=dict)


def _people(bloc_year: Any, units: list[Any], n: int) -> dict[str, Any]:
    from blocs.models import RoleGrant
    from tests.factories import grant, make_user

    users = {"secretariat": make_user(f"q{n}_thu_ky", unit=units[0]),
             "chair": make_user(f"q{n}_truong_khoi", unit=units[0]),
             "board": make_user(f"q{n}_ban_tdkt"),
             "admin": make_user(f"q{n}_quan_tri", is_superuser=True, is_staff=True)}
    grant(users["secretariat"], RoleGrant.Kind.SECRETARIAT, bloc=bloc_year.bloc)
    grant(users["chair"], RoleGrant.Kind.CHAIR, bloc_year=bloc_year)
    grant(users["board"], RoleGrant.Kind.BOARD, province=bloc_year.bloc.province)
    for i, unit in enumerate(units):
        users[f"rep{i}"] = make_user(f"q{n}_dai_dien_{i}", unit=unit)
        grant(users[f"rep{i}"], RoleGrant.Kind.REPRESENTATIVE, unit=unit)
    users["representative"], users["voter_a"], users["voter_b"] = (users[f"rep{n - k}"] for k in (1, 2, 3))
    return users


def _registry(n: int) -> tuple[Any, list[Any]]:
    """Units, last year's and this year's memberships, the covenant, registrations, scores, audit."""
    from django.utils import timezone

    from blocs.audit import audit
    from blocs.models import Award, BlocYear, CovenantItem, Membership, Registration, Scorecard, ScoringTable
    from tests.factories import add_member, make_bloc, make_bloc_year, make_province, make_unit

    province = make_province(f"Tỉnh đếm truy vấn {n}")
    bloc = make_bloc(province=province, name=f"Khối đếm truy vấn {n}")
    previous = make_bloc_year(bloc=bloc, year=2021, status=BlocYear.Status.CLOSED)
    bloc_year = make_bloc_year(bloc=bloc, year=2022, registration_deadline=date(2022, 3, 31), place_name="Quảng Trị")
    units = [make_unit(province=province) for _ in range(n)]
    for unit in units:
        add_member(previous, unit)
        add_member(bloc_year, unit)
    Membership.objects.filter(bloc_year=bloc_year, unit=units[0]).update(position=Membership.Position.HEAD)
    Membership.objects.filter(bloc_year=bloc_year, unit__in=units[1:3]).update(position=Membership.Position.DEPUTY)
    covenant = bloc_year.covenant
    covenant.signed_on = date(2022, 2, 15)
    covenant.save()
    CovenantItem.objects.bulk_create(CovenantItem(covenant=covenant, order=i, content=f"Nội dung {i}",
                                                  target=f"Chỉ tiêu {i}") for i in range(1, 4))
    titles = list(Award.objects.filter(for_collectives=True)[:2])
    now = timezone.now()
    for i, unit in enumerate(units):
        registration = Registration.objects.create(bloc_year=bloc_year, unit=unit, targets=f"Mục tiêu {unit.name}",
                                                   submitted_at=now, is_late=i % 5 == 0)
        registration.awards.set(titles)
        audit(actor=None, action="blocs.registration.submitted", bloc_year=bloc_year, obj=registration)
    ScoringTable.objects.create(bloc_year=bloc_year, locked_at=now, published_at=now)
    Scorecard.objects.bulk_create(Scorecard(bloc_year=bloc_year, unit=unit, verified_at=now,
                                            final_total=Decimal(90) + Decimal(i % 10)) for i, unit in enumerate(units))
    BlocYear.objects.filter(pk=bloc_year.pk).update(status=BlocYear.Status.MEETING)
    bloc_year.refresh_from_db()
    return bloc_year, units


def build(n: int) -> World:
    from awards.services import rounds as round_services
    from tests.factories import round_closed, round_opened

    bloc_year, units = _registry(n)
    users = _people(bloc_year, units, n)
    round_services.meeting_save(actor=users["secretariat"], bloc_year=bloc_year, present=units,
                                data={"held_on": date(2022, 12, 1), "place": "Hội trường"},
                                committee=[("Nguyễn Văn A", None), ("Trần Thị B", None)])
    rounds = round_services.rounds_generate(actor=users["secretariat"], bloc_year=bloc_year)
    voters = units[:-3]  # the last three vote during the counting
    closed = round_opened(actor=users["chair"], round_=rounds[0])
    _cast(closed, voters, users)
    closed = round_closed(actor=users["chair"], round_=closed, ballots_issued=n)
    opened = round_opened(actor=users["chair"], round_=rounds[1])
    _cast(opened, voters[: len(voters) // 2], users)
    return World(n=n, bloc_year=bloc_year, unit=units[-1], closed_round=closed, open_round=opened,
                 draft_round=rounds[2], users=users)


def _cast(round_: Any, voters: list[Any], users: dict[str, Any]) -> None:
    from awards.services import ballots

    candidates = list(round_.candidates.values_list("unit_id", flat=True))
    for i, unit in enumerate(voters):
        ballots.ballot_cast(actor=users[f"rep{i}"], round_=round_, unit=unit,
                            choices=candidates[i % len(candidates):][: round_.max_choices])


# --- The pages ------------------------------------------------------------------------------------------------

Url = Callable[[World], str]


@dataclass(frozen=True)
class Page:
    name: str
    persona: str
    url: Url
    method: str = "GET"
    data: Callable[[World, str], dict[str, Any]] | None = None  # the form, as the given persona
    status: int = 200
    warm_up_as: str = ""  # POSTs that change state warm up as another persona (same request)
    shows: str = ""  # in the body (or the redirect's Location): the page did what it is counted for


def _year(name: str) -> Url:
    from django.urls import reverse

    return lambda w: reverse(name, args=[w.bloc_year.pk])


def _round(name: str, which: str) -> Url:
    from django.urls import reverse

    return lambda w: reverse(name, args=[getattr(w, which).pk])


def _ballot(w: World, persona: str) -> dict[str, Any]:
    unit = w.users[persona].unit
    first = w.open_round.candidates.order_by("unit__name").values_list("unit_id", flat=True).first()
    return {"unit": unit.pk, "choices": [first]}


def pages() -> list[Page]:
    from django.urls import reverse

    return [
        *(Page(f"home ({p})", p, lambda w: reverse("blocs:home")) for p in PERSONAS),
        Page("bloc-list", "secretariat", lambda w: reverse("blocs:bloc-list")),
        Page("bloc-detail", "secretariat", lambda w: reverse("blocs:bloc-detail", args=[w.bloc_year.bloc_id])),
        Page("unit-list", "secretariat", lambda w: reverse("blocs:unit-list")),
        Page("unit-detail", "secretariat", lambda w: reverse("blocs:unit-detail", args=[w.unit.pk])),
        Page("award-list", "secretariat", lambda w: reverse("blocs:award-list")),
        Page("year-detail (secretariat)", "secretariat", _year("blocs:year-detail")),
        Page("year-detail (representative)", "representative", _year("blocs:year-detail")),
        Page("member-add", "secretariat", _year("blocs:member-add")),
        Page("registration-list", "secretariat", _year("blocs:registration-list")),
        Page("registration-edit", "representative",
             lambda w: reverse("blocs:registration-edit", args=[w.bloc_year.pk, w.unit.pk])),
        Page("covenant-detail", "representative", _year("blocs:covenant-detail")),
        Page("year-audit", "secretariat", _year("blocs:year-audit")),
        Page("score-table (secretariat)", "secretariat", _year("blocs:score-table")),
        Page("score-table (representative)", "representative", _year("blocs:score-table")),
        Page("check-list", "secretariat", _year("blocs:check-list")),
        Page("rule-set", "secretariat", _year("awards:rule-set")),
        Page("meeting-edit", "secretariat", _year("awards:meeting-edit")),
        Page("round-list (secretariat)", "secretariat", _year("awards:round-list")),
        Page("round-list (representative)", "representative", _year("awards:round-list")),
        Page("round-detail, open (representative)", "representative", _round("awards:round-detail", "open_round")),
        Page("round-detail, closed (secretariat)", "secretariat", _round("awards:round-detail", "closed_round")),
        Page("round-detail, closed (representative)", "representative",
             _round("awards:round-detail", "closed_round")),
        Page("round-settings (draft)", "secretariat", _round("awards:round-settings", "draft_round")),
        Page("candidates-edit (draft)", "secretariat", _round("awards:candidates-edit", "draft_round")),
        Page("round-close form", "chair", _round("awards:round-close", "open_round")),
        Page("paper-ballot", "secretariat", _round("awards:paper-ballot", "open_round")),
        Page("ballot-paper", "secretariat", _round("awards:ballot-paper", "open_round")),
        Page("verification, closed", "representative", _round("awards:verification", "closed_round")),
        Page("vote", "representative", _round("awards:vote", "open_round")),
        # The dashboards (issue 14): the board's province (one bloc of 9 or 60 units), the year, a unit's years.
        Page("province-dashboard", "board", lambda w: reverse("awards:province-dashboard")
             + f"?province={w.bloc_year.bloc.province_id}&year={w.bloc_year.year}"),
        Page("year-dashboard (chair)", "chair", _year("awards:year-dashboard")),
        Page("unit-timeline", "secretariat", lambda w: reverse("awards:unit-timeline", args=[w.unit.pk])),
        Page("vote review (POST)", "representative", _round("awards:vote", "open_round"), "POST", _ballot),
            Page("vote-cast (POST)", "voter_b", _round("awards:vote-cast", "open_round"), "POST", _ballot, status=302,
             warm_up_as="voter_a"),
    ]


def _request(client: Any, page: Page, world: World, persona: str) -> Any:
    url = page.url(world)
    if page.method == "POST":
        return client.post(url, page.data(world, persona))
    return client.get(url)


def count(page: Page, world: World) -> tuple[int, list[str], str]:
    """(queries, their SQL, what went wrong or "") of the page's second request (the first warms up)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def client_for(persona: str) -> Client:
        client = Client()
        client.force_login(world.users[persona])
        return client

    client = client_for(page.persona)
    if page.warm_up_as:
        _request(client_for(page.warm_up_as), page, world, page.warm_up_as)
        client.get(page.url(world).replace("cast/", ""))  # the voter's own session, warmed up
    else:
        _request(client, page, world, page.persona)
    with CaptureQueriesContext(connection) as captured:
        response = _request(client, page, world, page.persona)
    problem = f"HTTP {response.status_code}, expected {page.status}" if response.status_code != page.status else ""
    if not problem and page.shows and page.shows not in response.get("Location", "") + response.content.decode():
        problem = f"the response does not show {page.shows!r}"
    return len(captured), [q["sql"] for q in captured.captured_queries], problem


def most_repeated(sql: list[str]) -> str:
    normalised = Counter(re.sub(r"\b\d+\b", "N", statement)[:160] for statement in sql)
    statement, times = normalised.most_common(1)[0]
    return f"{times}× {statement}"


def body(section: Section, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-queries-") as tmp:
        django_setup(f"sqlite:///{Path(tmp) / 'queries.sqlite3'}", debug=True)
        from django.test.utils import override_settings, setup_test_environment

        setup_test_environment(debug=False)
        warnings.filterwarnings("ignore", "No directory at", UserWarning)  # whitenoise: no collectstatic here
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()
        migrate()
        measure(section)


def measure(section: Section) -> None:
    results: dict[str, dict[int, tuple[int, list[str], str]]] = {}
    page_list = pages()
    for n in SIZES:
        say(section.key, f"building a bloc of {n} units and counting {len(page_list)} pages")
        world = build(n)
        for page in page_list:
            try:
                results.setdefault(page.name, {})[n] = count(page, world)
            except Exception as error:  # noqa: BLE001 - one broken page is an error of its own row
                results.setdefault(page.name, {})[n] = (0, [], f"{type(error).__name__}: {error}")
    rows, growing = [], []
    small, large = SIZES
    for page in page_list:
        counts: dict[int, int | str] = {n: results[page.name][n][0] for n in SIZES}
        for n in SIZES:
            if results[page.name][n][2]:
                section.error(f"{page.name} ({n} units): {results[page.name][n][2]}")
                counts[n] = "error"
        equal = counts[small] == counts[large]
        if not equal and "error" not in counts.values():
            growing.append(page.name)
        rows.append([page.name, page.persona, counts[small], counts[large],
                     "n/a" if "error" in counts.values() else "yes" if equal else "NO",
                     most_repeated(results[page.name][large][1]) if page.name in growing else ""])
    section.table(f"SQL queries per page ({small} and {large} member units)",
                  ["Page", "Persona", f"{small} units", f"{large} units", "Equal", "Most repeated at 60"], rows)
    section.figure("Pages counted", len(page_list), "", f"each for {small} and {large} units")
    section.figure("Pages whose query count grows with the units", len(growing), "",
                   ", ".join(growing) if growing else "none")
    for row in rows:
        print(f"[{section.key}] {row[0]:<42} {row[2]:>4} {row[3]:>4}  {row[4]}", flush=True)


def main() -> None:
    child_main("queries", "3. Query counts per page", body)


if __name__ == "__main__":
    main()
