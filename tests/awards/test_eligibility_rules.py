"""Table tests of the eligibility conditions, the Government-flag cap and quota rounding (issue 4, item 2).

Pure: awards/rules.py and the checks of awards/conditions.py take plain values, so no database is involved.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from awards import conditions as kinds
from awards import rules
from awards.rules import Condition, UnitFacts

YEAR = 2022
AWARD = 7  # the category's award, as the rules see it (an id)
EXCELLENT = "rating:htxs"
PROV_FLAG = "award:20"


def facts(*, registered: frozenset = frozenset({AWARD}), score: str | None = "92", rank: int | None = 2,
          disqualified: bool = False, history: dict[int, set[str]] | None = None) -> UnitFacts:
    return UnitFacts(registered=registered, final_score=Decimal(score) if score is not None else None, rank=rank,
                     disqualified=disqualified,
                     history={year: frozenset(keys) for year, keys in (history or {}).items()})


def codes(conditions: list[Condition], unit: UnitFacts) -> list[str]:
    return [issue.code for issue in kinds.eligibility_issues(conditions, unit, award=AWARD, year=YEAR)]


def years(*held: int, key: str = EXCELLENT) -> dict[int, set[str]]:
    return {year: {key} for year in held}


@pytest.mark.parametrize(
    ("condition", "unit", "expected"),
    [
        # Registered for this award in the year's registration.
        (Condition("registered"), facts(), []),
        (Condition("registered"), facts(registered=frozenset({99})), ["not_registered"]),
        (Condition("registered"), facts(registered=frozenset()), ["not_registered"]),
        # Final score at least X: at the mark passes, just below fails, no score fails.
        (Condition("min_score", Decimal("90")), facts(score="90"), []),
        (Condition("min_score", Decimal("90")), facts(score="90.01"), []),
        (Condition("min_score", Decimal("90")), facts(score="89.99"), ["score_below"]),
        (Condition("min_score", Decimal("90")), facts(score=None), ["score_below"]),
        (Condition("min_score", Decimal("0")), facts(score="0"), []),
        # Rank at most K: at K passes, K + 1 fails, unranked fails.
        (Condition("max_rank", Decimal("3")), facts(rank=3), []),
        (Condition("max_rank", Decimal("3")), facts(rank=1), []),
        (Condition("max_rank", Decimal("3")), facts(rank=4), ["rank_above"]),
        (Condition("max_rank", Decimal("1")), facts(rank=None), ["rank_above"]),
        # Not disqualified.
        (Condition("not_disqualified"), facts(), []),
        (Condition("not_disqualified"), facts(disqualified=True), ["disqualified"]),
        # N consecutive years: the streak may end this year or last year; a gap breaks it.
        (Condition("consecutive", Decimal("2"), EXCELLENT), facts(history=years(2021, 2022)), []),
        (Condition("consecutive", Decimal("2"), EXCELLENT), facts(history=years(2020, 2021)), []),
        (Condition("consecutive", Decimal("3"), EXCELLENT), facts(history=years(2020, 2021, 2022)), []),
        (Condition("consecutive", Decimal("2"), EXCELLENT), facts(history=years(2019, 2021)), ["too_few_years"]),
        (Condition("consecutive", Decimal("2"), EXCELLENT), facts(history=years(2020, 2022)), ["too_few_years"]),
        (Condition("consecutive", Decimal("2"), EXCELLENT), facts(history=years(2019, 2020)), ["too_few_years"]),
        (Condition("consecutive", Decimal("2"), EXCELLENT), facts(history={}), ["too_few_years"]),
        (Condition("consecutive", Decimal("2"), EXCELLENT),
         facts(history=years(2021, 2022, key="rating:htt")), ["too_few_years"]),  # another rating does not count
        (Condition("consecutive", Decimal("2"), PROV_FLAG), facts(history=years(2021, 2022, key=PROV_FLAG)), []),
        # Not given this award in the last M years: the window is the M years before this one.
        (Condition("not_recent", Decimal("2"), PROV_FLAG), facts(history=years(2021, key=PROV_FLAG)),
         ["awarded_recently"]),
        (Condition("not_recent", Decimal("2"), PROV_FLAG), facts(history=years(2020, key=PROV_FLAG)),
         ["awarded_recently"]),
        (Condition("not_recent", Decimal("2"), PROV_FLAG), facts(history=years(2019, key=PROV_FLAG)), []),
        (Condition("not_recent", Decimal("2"), PROV_FLAG), facts(history=years(2022, key=PROV_FLAG)), []),
        (Condition("not_recent", Decimal("2"), PROV_FLAG), facts(history=years(2021, key="award:10")), []),
    ],
)
def test_each_condition_at_its_boundaries(condition, unit, expected):
    assert codes([condition], unit) == expected


def test_every_failed_condition_is_a_reason_and_all_are_reported():
    conditions = [Condition("registered"), Condition("min_score", Decimal("95")), Condition("not_disqualified"),
                  Condition("consecutive", Decimal("2"), EXCELLENT, "Hoàn thành xuất sắc nhiệm vụ")]
    unit = facts(registered=frozenset(), score="91", disqualified=True, history=years(2022))
    issues = kinds.eligibility_issues(conditions, unit, award=AWARD, year=YEAR)
    assert [i.code for i in issues] == ["not_registered", "score_below", "disqualified", "too_few_years"]
    assert issues[1].params == {"min": Decimal("95"), "score": Decimal("91")}
    assert issues[3].params == {"n": 2, "what": "Hoàn thành xuất sắc nhiệm vụ", "held": 1}


def test_no_condition_means_eligible():
    assert kinds.eligibility_issues([], facts(disqualified=True), award=AWARD, year=YEAR) == []


def test_the_recent_award_names_the_latest_year():
    issue, = kinds.eligibility_issues([Condition("not_recent", Decimal("3"), PROV_FLAG, "Cờ")],
                                      facts(history={2019: {PROV_FLAG}, 2021: {PROV_FLAG}}), award=AWARD, year=YEAR)
    assert issue.params == {"what": "Cờ", "year": 2021, "n": 3}


@pytest.mark.parametrize(
    ("history", "year", "expected"),
    [
        ({2020: {EXCELLENT}, 2021: {EXCELLENT}, 2022: {EXCELLENT}}, 2022, [2022, 2021, 2020]),
        ({2020: {EXCELLENT}, 2021: {EXCELLENT}}, 2022, [2021, 2020]),  # this year's rating not known yet
        ({2019: {EXCELLENT}, 2021: {EXCELLENT}}, 2022, [2021]),
        ({2022: {EXCELLENT}}, 2022, [2022]),
        ({}, 2022, []),
    ],
)
def test_streak(history, year, expected):
    assert rules.streak({y: frozenset(k) for y, k in history.items()}, EXCELLENT, year) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Condition("registered"), []),
        (Condition("not_disqualified"), []),
        (Condition("min_score", Decimal("0")), []),
        (Condition("min_score", Decimal("-1")), ["condition_number"]),
        (Condition("min_score"), ["condition_number"]),
        (Condition("max_rank", Decimal("1")), []),
        (Condition("max_rank", Decimal("0")), ["condition_number"]),
        (Condition("consecutive", Decimal("2"), EXCELLENT), []),
        (Condition("consecutive", Decimal("2")), ["condition_needs_title"]),
        (Condition("consecutive", None, EXCELLENT), ["condition_number"]),
        (Condition("not_recent", Decimal("0"), PROV_FLAG), ["condition_number"]),
        (Condition("not_recent", Decimal("3"), PROV_FLAG), []),
        (Condition("best_friend"), ["unknown_condition"]),
    ],
)
def test_condition_settings(condition, expected):
    assert [issue.code for issue in kinds.condition_issues(condition)] == expected


@pytest.mark.parametrize(
    ("leaders", "expected"),
    [(5, 1), (4, 0), (10, 2), (9, 1), (0, 0), (40, 8)],
)
def test_government_flag_cap_is_twenty_percent_of_bloc_leaders_rounded_down(leaders, expected):
    assert rules.gov_flag_cap(leaders=leaders, rate=Fraction(1, 5)) == expected


def test_the_cap_rate_is_a_setting():
    assert rules.gov_flag_cap(leaders=10, rate=Fraction(3, 10)) == 3


@pytest.mark.parametrize(
    ("count", "percent", "members", "rounding", "expected"),
    [
        (3, None, 9, "floor", 3),  # a count is a count
        (None, Fraction(30), 9, "floor", 2),  # 2.7
        (None, Fraction(30), 9, "ceil", 3),
        (None, Fraction(30), 9, "half_up", 3),
        (None, Fraction(30), 5, "half_up", 2),  # 1.5 rounds half up
        (None, Fraction(30), 5, "floor", 1),
        (None, Fraction(30), 10, "floor", 3),  # exact: every rounding agrees
        (None, Fraction(30), 10, "ceil", 3),
        (None, Fraction(30), 10, "half_up", 3),
        (None, Fraction(20), 12, "half_up", 2),  # 2.4
        (None, Fraction(20), 12, "ceil", 3),
        (None, Fraction(100), 7, "floor", 7),
        (None, Fraction(1, 3), 3, "ceil", 1),  # 0.01: a fraction of a percent still rounds up
    ],
)
def test_quota_rounding(count, percent, members, rounding, expected):
    assert rules.quota_of(count=count, percent=percent, members=members, rounding=rounding) == expected


@pytest.mark.parametrize(
    ("count", "percent", "members", "expected"),
    [
        (3, None, 9, []),
        (10, None, 9, ["quota_over_members"]),
        (None, Fraction(101), 9, ["percent_out_of_range"]),
        (None, Fraction(0), 9, ["percent_out_of_range"]),
        (None, Fraction(100), 9, []),
        (None, None, 9, ["quota_count_or_percent"]),
        (1, Fraction(10), 9, ["quota_count_or_percent"]),
    ],
)
def test_quota_settings(count, percent, members, expected):
    assert [i.code for i in rules.quota_issues(count=count, percent=percent, members=members)] == expected
