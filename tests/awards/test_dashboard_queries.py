"""Query budgets of the dashboards (issue 14): the province dashboard costs the same for 5 blocs and 40, the
bloc-year dashboard and a unit's history the same for 9 units and 60. Counts are compared, never timed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards.models import HistoryEntry, Meeting, Nomination, RuleSet
from blocs.models import Award, Bloc, BlocYear, Registration, RoleGrant, Scorecard, Unit, User
from tests.conftest import client_for
from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_province, make_unit, make_user

pytestmark = pytest.mark.django_db

BLOCS = (5, 40)
UNITS = (9, 60)
NOW = timezone.make_aware(dt.datetime(2022, 3, 1, 9, 0))


def fill_year(bloc_year: BlocYear, units: list[Unit]) -> None:
    """Members who registered, scored and were verified, a meeting, proposals, and a past year's history."""
    flag, merit = Award.objects.get(code="co-thi-dua-ubnd-tinh"), Award.objects.get(code="bang-khen-chu-tich-ubnd-tinh")
    rule_set = RuleSet.objects.create(bloc_year=bloc_year)
    for index, unit in enumerate(units):
        add_member(bloc_year, unit)
        Registration.objects.create(bloc_year=bloc_year, unit=unit, submitted_at=NOW if index % 3 else None)
        Scorecard.objects.create(bloc_year=bloc_year, unit=unit, submitted_at=NOW,
                                 verified_at=NOW if index % 2 else None, final_total=Decimal(90) + index % 7)
        HistoryEntry.objects.create(unit=unit, year=bloc_year.year - 1, award=flag if index % 2 else merit)
    Meeting.objects.create(bloc_year=bloc_year, held_on=dt.date(bloc_year.year, 12, 1), place="Hội trường")
    for unit, award in ((units[0], flag), (units[1], merit), (units[2], merit)):
        Nomination.objects.create(bloc_year=bloc_year, award=award, unit=unit, rule_set=rule_set, votes=5)


def province_of(n_blocs: int) -> User:
    province = make_province(f"Tỉnh {n_blocs} khối")
    for i in range(n_blocs):
        bloc = make_bloc(province=province, kind=Bloc.Kind.CLUSTER if i % 2 else Bloc.Kind.BLOC)
        bloc_year = make_bloc_year(bloc=bloc, year=2022, registration_deadline=dt.date(2022, 2, 1))
        fill_year(bloc_year, [make_unit(province=province) for _ in range(4)])
    board = make_user(f"ban_tdkt_{n_blocs}")
    grant(board, RoleGrant.Kind.BOARD, province=province)
    return board


def bloc_of(n_units: int) -> tuple[BlocYear, Unit, User]:
    province = make_province(f"Tỉnh {n_units} đơn vị")
    bloc_year = make_bloc_year(bloc=make_bloc(province=province), year=2022)
    units = [make_unit(province=province) for _ in range(n_units)]
    fill_year(bloc_year, units)
    secretariat = make_user(f"thu_ky_{n_units}", unit=units[0])
    grant(secretariat, RoleGrant.Kind.SECRETARIAT, bloc=bloc_year.bloc)
    return bloc_year, units[0], secretariat


def count(client: Client, url: str) -> tuple[int, str]:
    client.get(url)  # warm up: the session and per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.parametrize("query", ["", "?kind=cluster", "?sort=-late"])
def test_the_province_dashboard_costs_the_same_for_5_blocs_and_40(query):
    counts = {}
    for n in BLOCS:
        board = province_of(n)
        counts[n], html = count(client_for(board), reverse("awards:province-dashboard") + query)
        shown = n // 2 if query == "?kind=cluster" else n
        assert html.count("data-bloc-year=") == shown  # the large page really lists its blocs
    assert counts[BLOCS[0]] == counts[BLOCS[1]], counts


@pytest.mark.parametrize("name", ["awards:year-dashboard", "awards:unit-timeline"])
def test_the_year_dashboard_and_the_unit_history_cost_the_same_for_9_units_and_60(name):
    counts = {}
    for n in UNITS:
        bloc_year, unit, secretariat = bloc_of(n)
        target = bloc_year.pk if name == "awards:year-dashboard" else unit.pk
        counts[n], html = count(client_for(secretariat), reverse(name, args=[target]))
        if name == "awards:year-dashboard":
            assert html.count('data-value="') == n  # a bar for every unit
    assert counts[UNITS[0]] == counts[UNITS[1]], counts
