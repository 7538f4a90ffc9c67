"""Query budgets: a page costs the same number of SQL queries for a bloc year of 5 units and of 50.

Each size gets its own province, bloc, previous year, people and data; every unit has a submitted
registration with 2 titles, and the year has audit entries. Counts are compared, never timed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blocs.audit import audit
from blocs.models import Award, BlocYear, Covenant, CovenantItem, Membership, Registration, RoleGrant, Unit, User
from tests.conftest import client_for
from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_province, make_unit, make_user

pytestmark = pytest.mark.django_db

SIZES = (5, 50)


@dataclass
class Scenario:
    bloc_year: BlocYear
    unit: Unit  # a member unit, with a representative
    users: dict[str, User]


def build(n: int) -> Scenario:
    province = make_province(f"Tỉnh thử {n}")
    bloc = make_bloc(province=province, name=f"Khối thử {n}")
    previous = make_bloc_year(bloc=bloc, year=2021, status=BlocYear.Status.CLOSED)
    bloc_year = make_bloc_year(bloc=bloc, year=2022, registration_deadline=dt.date(2022, 3, 31),
                               place_name="Quảng Trị")
    units = [make_unit(province=province) for _ in range(n)]
    for unit in units:
        add_member(previous, unit)
        add_member(bloc_year, unit)
    for _ in range(n):  # last year's members that have not joined this year: candidates for member-add
        add_member(previous, make_unit(province=province))
    Membership.objects.filter(bloc_year=bloc_year, unit=units[0]).update(position=Membership.Position.HEAD)
    Membership.objects.filter(bloc_year=bloc_year, unit__in=units[1:3]).update(position=Membership.Position.DEPUTY)

    covenant = Covenant.objects.get(bloc_year=bloc_year)
    covenant.signed_on = dt.date(2022, 2, 15)
    covenant.save()
    CovenantItem.objects.bulk_create(CovenantItem(covenant=covenant, order=i, content=f"Nội dung {i}",
                                                  target=f"Chỉ tiêu {i}") for i in range(1, 4))

    users = {"secretariat": make_user(f"thu_ky_{n}", unit=units[0]),
             "representative": make_user(f"dai_dien_{n}", unit=units[-1])}
    grant(users["secretariat"], RoleGrant.Kind.SECRETARIAT, bloc=bloc)
    grant(users["representative"], RoleGrant.Kind.REPRESENTATIVE, unit=units[-1])

    titles = list(Award.objects.filter(for_collectives=True)[:2])
    submitted = timezone.make_aware(dt.datetime(2022, 3, 1, 9, 0))
    for index, unit in enumerate(units):
        registration = Registration.objects.create(
            bloc_year=bloc_year, unit=unit, targets=f"Mục tiêu của {unit.name}", submitted_at=submitted,
            submitted_by=users["representative"], is_late=index % 5 == 0)
        registration.awards.set(titles)
        audit(actor=users["representative"], action="blocs.registration.submitted", bloc_year=bloc_year,
              obj=registration, changes={"is_late": registration.is_late})
    for actor in (users["secretariat"], None):
        audit(actor=actor, action="blocs.bloc_year.updated", bloc_year=bloc_year, obj=bloc_year,
              changes={"place_name": ["", "Quảng Trị"]})
    users["chair"] = make_user(f"chu_tri_{n}", unit=units[0])
    grant(users["chair"], RoleGrant.Kind.CHAIR, bloc_year=bloc_year)
    open_round_with_turnout(bloc_year, units)
    return Scenario(bloc_year=bloc_year, unit=units[-1], users=users)


def open_round_with_turnout(bloc_year: BlocYear, units: list[Unit]) -> None:
    """The year-end meeting with everyone present, an open round in which half the units voted online and two
    paper ballots were entered: the chair's home lists the other half by name."""
    from awards.models import Attendance, Ballot, Meeting, Round, RuleSet, Turnout

    meeting = Meeting.objects.create(bloc_year=bloc_year, held_on=dt.date(2022, 12, 1), place="Hội trường")
    Attendance.objects.bulk_create(Attendance(meeting=meeting, unit=unit) for unit in units)
    round_ = Round.objects.create(bloc_year=bloc_year, rule_set=RuleSet.objects.create(bloc_year=bloc_year),
                                  kind=Round.Kind.HEAD, title="Bầu đơn vị Trưởng khối", quota=1, max_choices=1,
                                  status=Round.Status.OPEN)
    Turnout.objects.bulk_create(Turnout(round=round_, unit=unit) for unit in units[::2])
    Ballot.objects.bulk_create(Ballot(round=round_, receipt=f"P{i}", source=Ballot.Source.PAPER) for i in range(2))


Url = Callable[[Scenario], str]

PAGES: dict[str, tuple[str, Url]] = {
    "home-secretariat": ("secretariat", lambda s: reverse("blocs:home")),
    "home-representative": ("representative", lambda s: reverse("blocs:home")),
    "home-chair": ("chair", lambda s: reverse("blocs:home")),
    "bloc-list": ("secretariat", lambda s: reverse("blocs:bloc-list")),
    "bloc-detail": ("secretariat", lambda s: reverse("blocs:bloc-detail", args=[s.bloc_year.bloc_id])),
    "unit-list": ("secretariat", lambda s: reverse("blocs:unit-list")),
    "unit-detail": ("secretariat", lambda s: reverse("blocs:unit-detail", args=[s.unit.pk])),
    "year-detail": ("secretariat", lambda s: reverse("blocs:year-detail", args=[s.bloc_year.pk])),
    "year-detail-representative": ("representative",
                                   lambda s: reverse("blocs:year-detail", args=[s.bloc_year.pk])),
    "registration-list": ("secretariat", lambda s: reverse("blocs:registration-list", args=[s.bloc_year.pk])),
    "year-audit": ("secretariat", lambda s: reverse("blocs:year-audit", args=[s.bloc_year.pk])),
    "covenant-detail": ("representative", lambda s: reverse("blocs:covenant-detail", args=[s.bloc_year.pk])),
    "award-list": ("secretariat", lambda s: reverse("blocs:award-list")),
    "member-add": ("secretariat", lambda s: reverse("blocs:member-add", args=[s.bloc_year.pk])),
    "registration-edit": ("representative",
                          lambda s: reverse("blocs:registration-edit", args=[s.bloc_year.pk, s.unit.pk])),
}


def count_queries(client: Client, url: str) -> list[str]:
    client.get(url)  # warm up: the session and per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("page_name", list(PAGES))
def test_query_count_does_not_grow_with_the_units(page_name):
    persona, url_of = PAGES[page_name]
    scenarios = {n: build(n) for n in SIZES}
    queries = {n: count_queries(client_for(s.users[persona]), url_of(s)) for n, s in scenarios.items()}
    counts = {n: len(q) for n, q in queries.items()}
    print(f"{page_name}: {counts}")
    small, large = SIZES
    detail = "\n".join(f"--- {n} units\n" + "\n".join(queries[n]) for n in SIZES)
    assert counts[small] == counts[large], f"{page_name}: {counts}\n{detail}"


def test_the_pages_show_the_rows_they_are_counted_for():
    """The budget means something only if the large page really lists its 50 units."""
    scenario = build(50)
    client = client_for(scenario.users["secretariat"])
    body = client.get(reverse("blocs:registration-list", args=[scenario.bloc_year.pk])).content.decode()
    assert body.count(reverse("blocs:registration-edit", args=[scenario.bloc_year.pk, scenario.unit.pk])) == 1
    assert body.count("Cờ thi đua") >= 50
    body = client.get(reverse("blocs:year-detail", args=[scenario.bloc_year.pk])).content.decode()
    assert body.count('badge text-bg-success') == 50
    body = client.get(reverse("blocs:member-add", args=[scenario.bloc_year.pk])).content.decode()
    assert body.count('type="checkbox"') == 50
    body = client_for(scenario.users["chair"]).get(reverse("blocs:home")).content.decode()
    assert body.count("Đơn vị ") >= 25  # the 25 present units with no online ballot, by name
