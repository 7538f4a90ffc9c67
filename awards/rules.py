"""The voting rules (domain.md §3), pure: no Django, no database, exact arithmetic.

Every threshold is a `Fraction`; a float never touches a pass mark (helios issue #417).
Inputs are plain values; outputs are values or reasons a person can read (as `Issue` codes).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from blocs.rules import MAX_DEPUTIES
from emulation.kernel.issues import Issue

# --- Pass mark, quorum, quota ------------------------------------------------------------------------------

BASES = ("members", "present", "issued", "returned", "valid")
COMPARATORS = (">", ">=")
ROUNDINGS = ("floor", "ceil", "half_up")


@dataclass(frozen=True)
class PassMark:
    """Three separate settings: fraction, comparator and base (domain.md §3)."""

    fraction: Fraction = Fraction(1, 2)
    comparator: str = ">"
    base: str = "members"

    def describe(self) -> str:
        """e.g. '> 1/2 of members'; the screens translate the words."""
        return f"{self.comparator} {self.fraction} of {self.base}"


@dataclass(frozen=True)
class Counts:
    """The counting committee's totals for one round."""

    members: int
    present: int
    issued: int
    returned: int
    valid: int

    @property
    def invalid(self) -> int:
        return self.returned - self.valid

    def base(self, name: str) -> int:
        return getattr(self, name)


def count_issues(counts: Counts) -> list[Issue]:
    """The totals must nest: valid ≤ returned ≤ issued, present ≤ members."""
    issues = []
    if min(counts.members, counts.present, counts.issued, counts.returned, counts.valid) < 0:
        issues.append(Issue("negative_count"))
    if counts.present > counts.members:
        issues.append(Issue("present_over_members"))
    if counts.returned > counts.issued:
        issues.append(Issue("returned_over_issued"))
    if counts.valid > counts.returned:
        issues.append(Issue("valid_over_returned"))
    return issues


def share(votes: int, base: int) -> Fraction:
    return Fraction(votes, base) if base > 0 else Fraction(0)


def passes(votes: int, base: int, mark: PassMark) -> bool:
    """5 of 9 is more than half; 4 of 8 is not; ≥ 70% passes at 7 of 10 and fails at 6 of 10."""
    if base <= 0:
        return False
    ratio = Fraction(votes, base)
    return ratio > mark.fraction if mark.comparator == ">" else ratio >= mark.fraction


def quorum_met(*, present: int, members: int, quorum: Fraction) -> bool:
    """Default quorum: at least 2/3 of member units present."""
    return members > 0 and Fraction(present, members) >= quorum


def quota_of(*, count: int | None = None, percent: Fraction | None = None, members: int = 0,
             rounding: str = "floor") -> int:
    """A quota is a count, or a percentage of members with its rounding stated (domain.md §2)."""
    if count is not None:
        return count
    assert percent is not None
    exact = percent * members / 100
    if rounding == "ceil":
        return math.ceil(exact)
    if rounding == "half_up":
        return math.floor(exact + Fraction(1, 2))
    return math.floor(exact)


def quota_issues(*, count: int | None, percent: Fraction | None, members: int) -> list[Issue]:
    issues = []
    if (count is None) == (percent is None):
        issues.append(Issue("quota_count_or_percent"))
    if count is not None and count < 0:
        issues.append(Issue("quota_negative"))
    if count is not None and count > members:
        issues.append(Issue("quota_over_members", {"quota": count, "members": members}))
    if percent is not None and not 0 < percent <= 100:
        issues.append(Issue("percent_out_of_range"))
    return issues


def pass_mark_issues(mark: PassMark) -> list[Issue]:
    issues = []
    if not 0 < mark.fraction <= 1:
        issues.append(Issue("pass_mark_out_of_range"))
    if mark.comparator not in COMPARATORS:
        issues.append(Issue("unknown_comparator"))
    if mark.base not in BASES:
        issues.append(Issue("unknown_base"))
    return issues


# --- Ballots -----------------------------------------------------------------------------------------------

INVALID_REASONS = ("too_many", "blank", "off_list", "marked")


def ballot_problem(choices: Collection[Hashable], *, candidates: Collection[Hashable], max_choices: int,
                   is_marked: bool = False) -> str | None:
    """Why a ballot is invalid, or None. Choosing fewer than N is valid (domain.md §3)."""
    if is_marked:
        return "marked"
    if not choices:
        return "blank"
    if any(choice not in candidates for choice in choices):
        return "off_list"
    if len(set(choices)) > max_choices:
        return "too_many"
    return None


def cast_issues(choices: Sequence[Hashable], *, candidates: Collection[Hashable], max_choices: int,
                voter: Hashable | None, allow_self: bool) -> list[Issue]:
    """An online ballot is refused (not stored as invalid) when it breaks a rule the screen enforces."""
    issues = []
    if len(set(choices)) != len(choices):
        issues.append(Issue("choice_twice"))
    if any(choice not in candidates for choice in choices):
        issues.append(Issue("choice_off_list"))
    if len(set(choices)) > max_choices:
        issues.append(Issue("too_many_choices", {"max": max_choices}))
    if not allow_self and voter is not None and voter in choices:
        issues.append(Issue("self_choice"))
    return issues


def candidates_for(*, members: Iterable[Hashable], disqualified: Collection[Hashable],
                   proposed_higher: Collection[Hashable], one_award_per_unit: bool) -> list[Hashable]:
    """Members, minus disqualified units, minus units already proposed for a higher award when
    "one award per unit per year" is on (domain.md §2)."""
    excluded = set(disqualified) | (set(proposed_higher) if one_award_per_unit else set())
    return [unit for unit in members if unit not in excluded]


# --- Tally -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateResult:
    unit: Hashable
    votes: int
    share: Fraction
    passed: bool
    rank: int | None = None  # among those who passed, 1 = most votes
    elected: bool = False


@dataclass(frozen=True)
class TieBreak:
    units: tuple[Hashable, ...]
    reason: str  # "final_score" or "runoff"
    detail: str = ""


@dataclass(frozen=True)
class Tally:
    counts: Counts
    base: int
    quorum_met: bool
    results: tuple[CandidateResult, ...]
    elected: tuple[Hashable, ...]
    runoff: tuple[Hashable, ...] = ()
    runoff_seats: int = 0
    tie_breaks: tuple[TieBreak, ...] = field(default_factory=tuple)


def count_votes(valid_ballots: Iterable[Collection[Hashable]], candidates: Iterable[Hashable]) -> dict[Hashable, int]:
    votes: Counter[Hashable] = Counter({unit: 0 for unit in candidates})
    for ballot in valid_ballots:
        votes.update(set(ballot))
    return dict(votes)


def _order_key(unit: Hashable, votes: Mapping[Hashable, int], scores: Mapping[Hashable, Decimal | None]) -> tuple:
    score = scores.get(unit)
    return (-votes[unit], -(score if score is not None else Decimal("-1e9")), str(unit))


def tally(*, votes: Mapping[Hashable, int], counts: Counts, mark: PassMark, quota: int,
          quorum: Fraction = Fraction(2, 3), scores: Mapping[Hashable, Decimal | None] | None = None,
          ineligible: Collection[Hashable] = ()) -> Tally:
    """Who passes, the ranking among them, and who fills the quota (domain.md §3, "Ranking").

    Among those who pass, most votes first; the quota is filled from the top. A tie at the cut-off
    is broken by final score; units still tied go to a runoff for the seats left. Without a quorum
    nobody is elected. A unit that passes but fails an eligibility condition (`ineligible`) keeps its
    result and takes no seat; the next eligible unit does (issue 4, item 3).
    """
    scores = scores or {}
    base = counts.base(mark.base)
    has_quorum = quorum_met(present=counts.present, members=counts.members, quorum=quorum)
    passed = sorted((u for u in votes if passes(votes[u], base, mark)), key=lambda u: _order_key(u, votes, {}))
    seats_for = [u for u in passed if u not in set(ineligible)]
    elected, runoff, breaks = _fill_quota(seats_for, votes, scores, quota) if has_quorum else ([], [], [])
    ranks = _dense_ranks(passed, votes)
    results = tuple(
        CandidateResult(unit=u, votes=votes[u], share=share(votes[u], base), passed=u in passed,
                        rank=ranks.get(u), elected=u in elected)
        for u in sorted(votes, key=lambda u: _order_key(u, votes, scores))
    )
    return Tally(counts=counts, base=base, quorum_met=has_quorum, results=results, elected=tuple(elected),
                 runoff=tuple(runoff), runoff_seats=quota - len(elected) if runoff else 0,
                 tie_breaks=tuple(breaks))


def _dense_ranks(ordered: Sequence[Hashable], votes: Mapping[Hashable, int]) -> dict[Hashable, int]:
    """Equal votes share a rank (1, 2, 2, 4)."""
    ranks: dict[Hashable, int] = {}
    for position, unit in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        ranks[unit] = ranks[previous] if previous is not None and votes[previous] == votes[unit] else position
    return ranks


def _fill_quota(passed: Sequence[Hashable], votes: Mapping[Hashable, int],
                scores: Mapping[Hashable, Decimal | None], quota: int
                ) -> tuple[list[Hashable], list[Hashable], list[TieBreak]]:
    if quota <= 0 or not passed:
        return [], [], []
    if len(passed) <= quota:
        return list(passed), [], []
    cut_votes = votes[passed[quota - 1]]
    above = [u for u in passed if votes[u] > cut_votes]
    tied = [u for u in passed if votes[u] == cut_votes]
    seats = quota - len(above)
    if len(tied) <= seats:  # pragma: no cover - impossible: the cut-off unit is among the tied
        return above + tied, [], []
    return _break_tie(above, tied, seats, scores)


def _break_tie(above: list[Hashable], tied: list[Hashable], seats: int,
               scores: Mapping[Hashable, Decimal | None]) -> tuple[list[Hashable], list[Hashable], list[TieBreak]]:
    """Final score first; units still level at the cut-off go to a runoff."""
    by_score = sorted(tied, key=lambda u: (-(scores.get(u) if scores.get(u) is not None else Decimal("-1e9")),
                                           str(u)))
    cut_score = scores.get(by_score[seats - 1])
    if cut_score is None:
        return above, tied, [TieBreak(tuple(tied), "runoff", "no final score")]
    better = [u for u in by_score if scores.get(u) is not None and scores[u] > cut_score]
    level = [u for u in by_score if scores.get(u) == cut_score]
    remaining = seats - len(better)
    breaks = []
    if better:
        breaks.append(TieBreak(tuple(tied), "final_score", f"{cut_score}"))
    if len(level) <= remaining:
        breaks = [TieBreak(tuple(tied), "final_score", f"{cut_score}")]
        return above + better + level, [], breaks
    breaks.append(TieBreak(tuple(level), "runoff", f"{cut_score}"))
    return above + better, level, breaks


def verify_recount(*, stored: Mapping[Hashable, int], ballots: Iterable[Collection[Hashable]],
                   candidates: Iterable[Hashable]) -> bool:
    """Anyone can recount from the published list; an archive whose results disagree is refused."""
    return dict(stored) == count_votes(ballots, candidates)


# --- Eligibility (issue 4, item 2) ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    """One eligibility condition. `key` names the title, award or rating the history is read for
    ("award:<id>" or "rating:<code>"); `number` is the score, rank or count of years. The kinds and their checks
    are in awards/conditions.py."""

    kind: str
    number: Decimal | None = None
    key: str = ""
    label: str = ""


@dataclass(frozen=True)
class UnitFacts:
    registered: frozenset[Hashable]  # awards the unit registered for this year
    final_score: Decimal | None
    rank: int | None
    disqualified: bool
    history: Mapping[int, frozenset[str]]  # year -> keys held that year ("award:3", "rating:htxs")


def streak(history: Mapping[int, frozenset[str]], key: str, year: int) -> list[int]:
    """The consecutive years holding `key`, ending at `year` if held that year, else at `year - 1`."""
    end = year if key in history.get(year, frozenset()) else year - 1
    years = []
    while key in history.get(end, frozenset()):
        years.append(end)
        end -= 1
    return years


def runoff_issues(unit: Hashable, *, contenders: Collection[Hashable]) -> list[Issue]:
    """A runoff settles only the seats its round left, among only the units tied for them (domain.md §3):
    any other unit on its list takes none of them."""
    return [] if unit in contenders else [Issue("not_in_runoff")]


def one_award_issues(*, proposed_for: str | None, one_award_per_unit: bool) -> list[Issue]:
    """"One award per unit per year" (domain.md §2) holds at the close too, whatever the order in which
    rounds held side by side close: a unit already proposed for another award takes no seat here."""
    return [Issue("already_proposed", {"award": proposed_for})] if proposed_for and one_award_per_unit else []


def deputies_issues(deputies: int) -> list[Issue]:
    """How many deputy units the meeting elects is a rule of the year: 0 (none elected) to 2."""
    if not 0 <= deputies <= MAX_DEPUTIES:
        return [Issue("deputies_out_of_range", {"max": MAX_DEPUTIES})]
    return []


def gov_flag_cap(*, leaders: int, rate: Fraction) -> int:
    """Government-flag proposals of a province: at most `rate` (20%) of the bloc leaders (domain.md §2)."""
    return math.floor(rate * leaders)
