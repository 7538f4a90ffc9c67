"""Table tests of the voting rules at their boundaries, without a database (domain.md §3)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from awards import rules
from awards.rules import Counts, PassMark

HALF = PassMark(Fraction(1, 2), ">", "members")
SEVENTY = PassMark(Fraction(7, 10), ">=", "members")


@pytest.mark.parametrize(
    ("votes", "base", "mark", "expected"),
    [
        (5, 9, HALF, True),  # 5 of 9 is more than half
        (4, 8, HALF, False),  # 4 of 8 is not
        (5, 8, HALF, True),
        (7, 10, SEVENTY, True),  # ≥ 70% passes at 7 of 10
        (6, 10, SEVENTY, False),  # and fails at 6 of 10
        (7, 10, PassMark(Fraction(7, 10), ">", "members"), False),  # the comparator is its own setting
        (0, 0, HALF, False),  # no base, nobody passes
        (9, 9, PassMark(Fraction(1), ">=", "members"), True),
    ],
)
def test_pass_mark_boundaries(votes, base, mark, expected):
    assert rules.passes(votes, base, mark) is expected


def test_invalid_ballots_count_in_a_returned_base():
    counts = Counts(members=10, present=10, issued=10, returned=10, valid=8)
    mark = PassMark(Fraction(1, 2), ">", "returned")
    result = rules.tally(votes={"A": 5, "B": 6}, counts=counts, mark=mark, quota=2)
    assert result.base == 10  # the 2 invalid ballots stay in the base
    assert [r.unit for r in result.results if r.passed] == ["B"]
    valid_based = rules.tally(votes={"A": 5, "B": 6}, counts=counts, mark=PassMark(Fraction(1, 2), ">", "valid"),
                              quota=2)
    assert valid_based.elected == ("B", "A")  # 5 of 8 valid passes


@pytest.mark.parametrize(
    ("present", "members", "expected"),
    [(6, 9, True), (5, 9, False), (2, 3, True), (7, 10, True), (6, 10, False), (0, 0, False)],
)
def test_quorum_met_and_missed(present, members, expected):
    assert rules.quorum_met(present=present, members=members, quorum=Fraction(2, 3)) is expected


def test_without_quorum_nobody_is_elected():
    counts = Counts(members=9, present=5, issued=5, returned=5, valid=5)
    result = rules.tally(votes={"A": 5}, counts=counts, mark=PassMark(Fraction(1, 2), ">", "present"), quota=1)
    assert not result.quorum_met
    assert result.elected == ()


@pytest.mark.parametrize(
    ("percent", "members", "rounding", "expected"),
    [
        (Fraction(30), 9, "floor", 2),  # 2.7
        (Fraction(30), 9, "ceil", 3),
        (Fraction(30), 9, "half_up", 3),
        (Fraction(30), 5, "half_up", 2),  # 1.5 rounds up
        (Fraction(30), 10, "floor", 3),  # exact
        (Fraction(30), 10, "ceil", 3),
        (Fraction(25), 6, "half_up", 2),  # 1.5
        (Fraction(20), 4, "floor", 0),  # 0.8
    ],
)
def test_percentage_quota_with_its_rounding(percent, members, rounding, expected):
    assert rules.quota_of(percent=percent, members=members, rounding=rounding) == expected


def test_count_quota_is_taken_as_it_is():
    assert rules.quota_of(count=3, members=9) == 3


@pytest.mark.parametrize(
    ("count", "percent", "members", "codes"),
    [
        (10, None, 9, ["quota_over_members"]),
        (None, Fraction(101), 9, ["percent_out_of_range"]),
        (None, Fraction(0), 9, ["percent_out_of_range"]),
        (None, None, 9, ["quota_count_or_percent"]),
        (3, None, 9, []),
    ],
)
def test_quota_settings_are_checked(count, percent, members, codes):
    assert [i.code for i in rules.quota_issues(count=count, percent=percent, members=members)] == codes


@pytest.mark.parametrize(
    ("fraction", "codes"),
    [(Fraction(0), ["pass_mark_out_of_range"]), (Fraction(11, 10), ["pass_mark_out_of_range"]),
     (Fraction(1), []), (Fraction(1, 2), [])],
)
def test_pass_mark_must_lie_in_zero_one(fraction, codes):
    assert [i.code for i in rules.pass_mark_issues(PassMark(fraction, ">", "members"))] == codes


MEMBERS9 = Counts(members=9, present=9, issued=9, returned=9, valid=9)


def test_quota_filled_from_the_top():
    result = rules.tally(votes={"A": 9, "B": 7, "C": 6, "D": 3}, counts=MEMBERS9, mark=HALF, quota=2)
    assert result.elected == ("A", "B")
    assert [(r.unit, r.passed, r.rank) for r in result.results] == [
        ("A", True, 1), ("B", True, 2), ("C", True, 3), ("D", False, None)]


def test_fewer_than_the_quota_pass():
    result = rules.tally(votes={"A": 5, "B": 4}, counts=MEMBERS9, mark=HALF, quota=3)
    assert result.elected == ("A",)
    assert result.runoff == ()


def test_tie_above_the_cut_off_elects_both():
    result = rules.tally(votes={"A": 8, "B": 8, "C": 6}, counts=MEMBERS9, mark=HALF, quota=3)
    assert set(result.elected) == {"A", "B", "C"}
    assert result.tie_breaks == ()


def test_tie_at_the_cut_off_is_broken_by_final_score():
    scores = {"A": Decimal("95"), "B": Decimal("91.5"), "C": Decimal("93")}
    result = rules.tally(votes={"A": 8, "B": 6, "C": 6}, counts=MEMBERS9, mark=HALF, quota=2, scores=scores)
    assert result.elected == ("A", "C")
    assert result.tie_breaks[0].reason == "final_score"
    assert set(result.tie_breaks[0].units) == {"B", "C"}


def test_tie_still_level_goes_to_a_runoff():
    scores = {"A": Decimal("95"), "B": Decimal("90"), "C": Decimal("90")}
    result = rules.tally(votes={"A": 8, "B": 6, "C": 6}, counts=MEMBERS9, mark=HALF, quota=2, scores=scores)
    assert result.elected == ("A",)
    assert set(result.runoff) == {"B", "C"}
    assert result.runoff_seats == 1
    assert result.tie_breaks[-1].reason == "runoff"


def test_tie_partly_broken_by_score_then_runoff():
    scores = {"B": Decimal("99"), "C": Decimal("90"), "D": Decimal("90")}
    result = rules.tally(votes={"A": 9, "B": 6, "C": 6, "D": 6}, counts=MEMBERS9, mark=HALF, quota=3,
                         scores=scores)
    assert result.elected == ("A", "B")
    assert set(result.runoff) == {"C", "D"}
    assert result.runoff_seats == 1


@pytest.mark.parametrize(
    ("choices", "expected"),
    [(["A"], None), (["A", "B"], None), ([], "blank"), (["A", "Z"], "off_list"), (["A", "B", "C"], "too_many")],
)
def test_ballot_validity(choices, expected):
    assert rules.ballot_problem(choices, candidates={"A", "B", "C"}, max_choices=2) == expected


def test_marked_ballot_is_invalid():
    assert rules.ballot_problem(["A"], candidates={"A"}, max_choices=1, is_marked=True) == "marked"


def test_self_choice_excluded_when_the_rule_says_so():
    issues = rules.cast_issues(["A", "B"], candidates={"A", "B", "C"}, max_choices=2, voter="A", allow_self=False)
    assert [i.code for i in issues] == ["self_choice"]
    assert rules.cast_issues(["A"], candidates={"A"}, max_choices=1, voter="A", allow_self=True) == []


def test_one_award_per_unit_across_categories():
    members = ["A", "B", "C", "D", "E"]
    assert rules.candidates_for(members=members, disqualified={"E"}, proposed_higher={"A"},
                                one_award_per_unit=True) == ["B", "C", "D"]
    assert rules.candidates_for(members=members, disqualified=set(), proposed_higher={"A"},
                                one_award_per_unit=False) == members


def test_counts_must_nest():
    codes = [i.code for i in rules.count_issues(Counts(members=9, present=10, issued=9, returned=10, valid=11))]
    assert codes == ["present_over_members", "returned_over_issued", "valid_over_returned"]


def test_recount_agrees_only_with_the_true_counts():
    ballots = [{"A", "B"}, {"A"}, {"C"}]
    assert rules.verify_recount(stored={"A": 2, "B": 1, "C": 1}, ballots=ballots, candidates="ABC")
    assert not rules.verify_recount(stored={"A": 3, "B": 1, "C": 1}, ballots=ballots, candidates="ABC")


# --- Invariants --------------------------------------------------------------------------------------------

UNITS = list("ABCDEFGHIJKL")


@st.composite
def rounds(draw):  # noqa: ANN001, ANN201
    candidates = draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=len(UNITS), unique=True))
    quota = draw(st.integers(min_value=0, max_value=len(candidates)))
    max_choices = max(quota, 1)
    ballots = draw(st.lists(st.sets(st.sampled_from(candidates), min_size=1, max_size=max_choices), max_size=40))
    members = draw(st.integers(min_value=max(len(ballots), 1), max_value=60))
    scores = draw(st.dictionaries(st.sampled_from(candidates),
                                  st.decimals(min_value=0, max_value=100, places=1, allow_nan=False)))
    mark = PassMark(draw(st.fractions(min_value=Fraction(1, 10), max_value=1)), draw(st.sampled_from([">", ">="])),
                    draw(st.sampled_from(rules.BASES)))
    return candidates, quota, ballots, members, scores, mark


@given(rounds())
def test_tally_invariants(data):
    candidates, quota, ballots, members, scores, mark = data
    votes = rules.count_votes(ballots, candidates)
    counts = Counts(members=members, present=members, issued=members, returned=len(ballots), valid=len(ballots))
    result = rules.tally(votes=votes, counts=counts, mark=mark, quota=quota, scores=scores)
    passed = {r.unit for r in result.results if r.passed}
    assert len(result.elected) <= quota  # the proposals never exceed the quota
    assert set(result.elected) <= passed  # every proposal is a candidate that passed
    assert set(result.runoff) <= passed - set(result.elected)
    assert all(r.votes <= counts.valid for r in result.results)  # votes never exceed valid ballots
    assert len(result.elected) + result.runoff_seats <= quota
    if result.elected:  # nobody outside the elected has more votes than an elected unit
        lowest = min(votes[u] for u in result.elected)
        assert all(votes[u] <= lowest for u in passed - set(result.elected))
