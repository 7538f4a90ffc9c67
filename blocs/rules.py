"""Pure rules of the registry (no Django, no database): plain values in, issues out.

An issue is a code and its parameters; blocs/messages.py turns it into a Vietnamese sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field

STATUS_ORDER: tuple[str, ...] = ("setup", "registration", "scoring", "meeting", "submitted", "closed")
MAX_DEPUTIES = 2
# Membership may change while the year is being set up or registered (domain.md §1.1).
MEMBERSHIP_OPEN_STATUSES = frozenset({"setup", "registration"})
REGISTRATION_OPEN_STATUSES = frozenset({"registration", "scoring"})


@dataclass(frozen=True)
class Issue:
    code: str
    params: dict[str, object] = field(default_factory=dict)


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
    return items
