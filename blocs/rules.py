"""Pure rules of the registry (no Django, no database): plain values in, issues out.

An issue is a code and its parameters; blocs/messages.py turns it into a Vietnamese sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from emulation.kernel.issues import Issue

STATUS_ORDER: tuple[str, ...] = ("setup", "registration", "scoring", "meeting", "submitted", "closed")
MAX_DEPUTIES = 2
# Membership may change while the year is being set up or registered (domain.md §1.1).
MEMBERSHIP_OPEN_STATUSES = frozenset({"setup", "registration"})
REGISTRATION_OPEN_STATUSES = frozenset({"registration", "scoring"})


def next_status(status: str) -> str | None:
    """The status after `status`, or None when the year is closed. Status never moves back."""
    index = STATUS_ORDER.index(status)
    return STATUS_ORDER[index + 1] if index + 1 < len(STATUS_ORDER) else None


def year_issues(*, year: int, founded_year: int) -> list[Issue]:
    if year < founded_year:
        return [Issue("year_before_bloc", {"year": year, "founded": founded_year})]
    return []


def leadership_issues(*, members: Collection[Hashable], head: Hashable | None,
                      deputies: Sequence[Hashable]) -> list[Issue]:
    """Head and 0–2 deputies, all members, nobody twice (domain.md §1.1)."""
    issues: list[Issue] = []
    if head is not None and head not in members:
        issues.append(Issue("head_not_member"))
    if len(deputies) > MAX_DEPUTIES:
        issues.append(Issue("too_many_deputies", {"max": MAX_DEPUTIES}))
    if any(deputy not in members for deputy in deputies):
        issues.append(Issue("deputy_not_member"))
    if head is not None and head in deputies:
        issues.append(Issue("deputy_is_head"))
    if len(set(deputies)) != len(deputies):
        issues.append(Issue("deputy_twice"))
    return issues


def is_late(*, submitted_on: dt.date, deadline: dt.date | None) -> bool:
    """A registration after the deadline is accepted but flagged (issue 2)."""
    return deadline is not None and submitted_on > deadline


def registration_issues(*, status: str, is_member: bool, is_submitted: bool) -> list[Issue]:
    issues: list[Issue] = []
    if not is_member:
        issues.append(Issue("not_a_member"))
    if status not in REGISTRATION_OPEN_STATUSES:
        issues.append(Issue("registration_closed"))
    if is_submitted:
        issues.append(Issue("registration_already_submitted"))
    return issues


def same_day_next_year(day: dt.date | None) -> dt.date | None:
    """Deadlines carry forward by one year; 29 February becomes 28 February."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class YearProgress:
    members: int
    registered: int
    late: int
    has_head: bool
    covenant_signed: bool
    scoring_items: int = 0
    self_scored: int = 0
    verified: int = 0
    scores_published: bool = False

    @property
    def unregistered(self) -> int:
        return self.members - self.registered


def checklist(progress: YearProgress, status: str) -> list[tuple[str, bool]]:
    """What the secretariat still has to do, as (code, done) pairs for the home page."""
    items = [
        ("members", progress.members > 0),
        ("head", progress.has_head),
        ("opened", STATUS_ORDER.index(status) >= STATUS_ORDER.index("registration")),
        ("covenant", progress.covenant_signed),
        ("registrations", progress.members > 0 and progress.unregistered == 0),
    ]
    if STATUS_ORDER.index(status) >= STATUS_ORDER.index("scoring"):  # the scoring stage's own work
        items += [
            ("scoring_table", progress.scoring_items > 0),
            ("self_scored", progress.members > 0 and progress.self_scored >= progress.members),
            ("verified", progress.members > 0 and progress.verified >= progress.members),
            ("published", progress.scores_published),
        ]
    return items


# --- Scoring (domain.md §1.3) --------------------------------------------------------------------------------


def score_value_issues(value: object, *, max_points: Decimal) -> list[Issue]:
    """A score is a number from 0 to the criterion's maximum."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return [Issue("score_not_a_number")]
    if value < 0:
        return [Issue("score_negative")]
    if value > max_points:
        return [Issue("score_over_max", {"max": max_points})]
    return []


@dataclass(frozen=True)
class LineValues:
    kind: str  # criterion, bonus or penalty
    self_value: Decimal | None
    checked_value: Decimal | None
    final_value: Decimal | None

    @property
    def settled(self) -> Decimal:
        """Final if the secretariat set one, else the checked value, else the unit's own."""
        for value in (self.final_value, self.checked_value, self.self_value):
            if value is not None:
                return value
        return Decimal(0)


def final_score(lines: Sequence[LineValues], *, bonus_cap: Decimal, max_total: Decimal) -> Decimal:
    """Σ criteria + bonus (capped) − penalties, capped at the maximum (issue 3)."""
    criteria = sum((line.settled for line in lines if line.kind == "criterion"), Decimal(0))
    bonus = min(bonus_cap, sum((line.settled for line in lines if line.kind == "bonus"), Decimal(0)))
    penalties = sum((line.settled for line in lines if line.kind == "penalty"), Decimal(0))
    return min(max_total, criteria + bonus - penalties)


def score_ranks(totals: Mapping[Hashable, Decimal | None], disqualified: Collection[Hashable]) -> dict[Hashable, int]:
    """Rank by final score, highest first; equal scores share a rank; disqualified units are not ranked."""
    ranked = sorted(((unit, total) for unit, total in totals.items()
                     if unit not in disqualified and total is not None), key=lambda pair: -pair[1])
    ranks: dict[Hashable, int] = {}
    for position, (unit, total) in enumerate(ranked, start=1):
        previous = ranked[position - 2] if position > 1 else None
        ranks[unit] = ranks[previous[0]] if previous is not None and previous[1] == total else position
    return ranks


def check_pairs(*, mode: str, members: Sequence[Hashable], leaders: Sequence[Hashable]) -> list[tuple]:
    """Who cross-checks whom: (checker, checked) pairs, never a unit checking itself.

    leadership: the non-leading units are shared among the head and deputies in turn, and each leader is
    checked by another leader (with a single leader, its own card is checked by nobody); round_robin:
    each unit checks the next in order; all_to_all: every unit checks every other.
    """
    if mode == "all_to_all":
        return [(a, b) for a in members for b in members if a != b]
    if mode == "round_robin":
        if len(members) < 2:
            return []
        return [(members[i], members[(i + 1) % len(members)]) for i in range(len(members))]
    if not leaders:
        return []
    others = [unit for unit in members if unit not in leaders]
    pairs = [(leaders[i % len(leaders)], unit) for i, unit in enumerate(others)]
    if len(leaders) > 1:
        pairs += [(leaders[(i + 1) % len(leaders)], leader) for i, leader in enumerate(leaders)]
    return pairs


def mean_check(values: Sequence[Decimal]) -> Decimal | None:
    """Several checkers (all-to-all): the checked value is their mean, to two decimals."""
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))


# --- Vietnamese alphabetical order --------------------------------------------------------------------------

_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng
_BASE = {"\u0306": {"a": "ă"}, "\u0302": {"a": "â", "e": "ê", "o": "ô"}, "\u031b": {"o": "ơ", "u": "ư"}}


def vietnamese_key(text: str) -> tuple:
    """Sort key in Vietnamese dictionary order: Đ after D, Ă/Â after A, Ư after U; tones break ties.

    A plain code-point sort puts "Đảng ủy" and "Ủy ban" after "Văn phòng", which a voter comparing the
    screen with the paper ballot would notice.
    """
    import unicodedata

    letters, tones = [], []
    for char in unicodedata.normalize("NFD", text.lower()):
        if char in _TONES:
            tones.append(_TONES[char])
        elif char in _BASE and letters:
            letters[-1] = _BASE[char].get(letters[-1], letters[-1])
        else:
            letters.append(char)
    ranks = tuple((_ALPHABET.index(c) if c in _ALPHABET else 100 + ord(c)) for c in letters)
    return ranks, tuple(tones)


def sorted_vietnamese(items: list, name=lambda item: str(item)) -> list:  # noqa: ANN001
    return sorted(items, key=lambda item: vietnamese_key(name(item)))


def search_key(text: str) -> str:
    """Text as a search compares it: lower case, tone and vowel marks dropped, đ read as d, spaces squeezed,
    so that "tai chinh" and "TÀI CHÍNH" both find "Sở Tài chính" on any database (issue 10, item 10)."""
    import unicodedata

    bare = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))
    return " ".join(bare.replace("đ", "d").split())


def search_matches(query: str, *texts: str) -> bool:
    """Every word of the query appears, in that bare form, in one of the texts ("so chinh" finds "Sở Tài chính")."""
    haystack = " | ".join(search_key(text) for text in texts)
    return all(word in haystack for word in search_key(query).split())


# --- The bloc's documents (issue 12, item 2) -------------------------------------------------------------------

# Words left out of a symbol's initials: "Khối thi đua các Ban, cơ quan của Đảng" → KTĐ-BCQĐ.
_SYMBOL_SKIP = frozenset({"các", "của", "và", "thuộc", "trực", "tỉnh", "khối", "cụm", "thi", "đua"})
_SYMBOL_PREFIXES = {"bloc": "KTĐ", "cluster": "CTĐ"}


def default_symbol(*, kind: str, name: str, code: str) -> str:
    """A bloc's document symbol when the secretariat leaves it empty: "KTĐ" (a cluster "CTĐ") and the initials
    of its name's own words, so that two blocs do not both issue "01 … KTĐ" ("Khối thi đua Nội chính" →
    KTĐ-NC). A name of only the kind's words takes the bloc's code instead."""
    prefix = _SYMBOL_PREFIXES.get(kind, "KTĐ")
    words = [w.strip(",.;:()–-") for w in name.split()]
    initials = "".join(w[0].upper() for w in words if w and w.lower() not in _SYMBOL_SKIP)
    own = initials or code.upper()
    return f"{prefix}-{own[:12]}"


def parent_lines(text: str) -> tuple[str, ...]:
    """The lines above the bloc's name as typed, one per line, blank lines dropped."""
    return tuple(" ".join(line.split()) for line in (text or "").splitlines() if line.strip())


@dataclass(frozen=True)
class DocumentSettings:
    """What every document of a bloc year prints around its body, each with whether it was derived."""

    parent_lines: tuple[str, ...]
    symbol: str
    style: str  # "state" (Decree 30/2020) or "party" (Guidance 36-HD/VPTW)
    signer_title: str
    derived: frozenset[str]  # the names of the settings left empty, hence derived


# --- Deadlines and reminders (issue 14, item 5) ---------------------------------------------------------------


def reminder_kind(*, due: dt.date, today: dt.date, days_before: int) -> str | None:
    """Which reminder of a deadline is due `today`: "before" from `days_before` days ahead until the eve (so a
    day the cron job missed is caught up the next day), "day" on the day itself, none before or after."""
    if today == due:
        return "day"
    if due - dt.timedelta(days=days_before) <= today < due:
        return "before"
    return None
