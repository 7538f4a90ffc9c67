"""The registry's pure rules (blocs/rules.py): plain values in, issues out. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from blocs import rules
from blocs.rules import YearProgress


def codes(issues: list[rules.Issue]) -> list[str]:
    return [issue.code for issue in issues]


# --- next_status --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "expected"), [
    ("setup", "registration"),
    ("registration", "scoring"),
    ("scoring", "meeting"),
    ("meeting", "submitted"),
    ("submitted", "closed"),
    ("closed", None),
])
def test_next_status_moves_one_step_forward(status, expected):
    assert rules.next_status(status) == expected


def test_next_status_walks_the_whole_order_once():
    seen, status = [], "setup"
    while status is not None:
        seen.append(status)
        status = rules.next_status(status)
    assert tuple(seen) == rules.STATUS_ORDER


def test_next_status_refuses_an_unknown_status():
    with pytest.raises(ValueError):
        rules.next_status("draft")


# --- year_issues --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "founded", "expected"), [
    (2009, 2010, ["year_before_bloc"]),
    (1999, 2010, ["year_before_bloc"]),
    (2010, 2010, []),
    (2011, 2010, []),
    (2022, 2010, []),
])
def test_year_issues(year, founded, expected):
    assert codes(rules.year_issues(year=year, founded_year=founded)) == expected


def test_year_issue_carries_its_parameters():
    assert rules.year_issues(year=2009, founded_year=2010) == [
        rules.Issue("year_before_bloc", {"year": 2009, "founded": 2010})]


# --- leadership_issues --------------------------------------------------------------------------------------

MEMBERS = {1, 2, 3, 4, 5}


@pytest.mark.parametrize(("head", "deputies", "expected"), [
    pytest.param(1, [2, 3], [], id="head-and-two-deputies"),
    pytest.param(1, [2], [], id="one-deputy"),
    pytest.param(1, [], [], id="no-deputy"),
    pytest.param(None, [], [], id="no-head-no-deputy"),
    pytest.param(None, [2, 3], [], id="deputies-without-head"),
    pytest.param(9, [], ["head_not_member"], id="head-not-member"),
    pytest.param(1, [2, 3, 4], ["too_many_deputies"], id="three-deputies"),
    pytest.param(1, [2, 9], ["deputy_not_member"], id="deputy-not-member"),
    pytest.param(1, [1], ["deputy_is_head"], id="deputy-is-head"),
    pytest.param(1, [2, 2], ["deputy_twice"], id="deputy-twice"),
    pytest.param(9, [1, 1, 8], ["head_not_member", "too_many_deputies", "deputy_not_member", "deputy_twice"],
                 id="everything-wrong"),
])
def test_leadership_issues(head, deputies, expected):
    assert codes(rules.leadership_issues(members=MEMBERS, head=head, deputies=deputies)) == expected


def test_too_many_deputies_names_the_maximum():
    issues = rules.leadership_issues(members=MEMBERS, head=None, deputies=[1, 2, 3])
    assert issues == [rules.Issue("too_many_deputies", {"max": 2})]


# --- is_late ------------------------------------------------------------------------------------------------

DEADLINE = dt.date(2022, 3, 31)


@pytest.mark.parametrize(("submitted_on", "deadline", "expected"), [
    pytest.param(dt.date(2022, 3, 30), DEADLINE, False, id="before"),
    pytest.param(dt.date(2022, 3, 31), DEADLINE, False, id="on-the-day"),
    pytest.param(dt.date(2022, 4, 1), DEADLINE, True, id="day-after"),
    pytest.param(dt.date(2023, 1, 1), DEADLINE, True, id="long-after"),
    pytest.param(dt.date(2030, 1, 1), None, False, id="no-deadline"),
])
def test_is_late(submitted_on, deadline, expected):
    assert rules.is_late(submitted_on=submitted_on, deadline=deadline) is expected


# --- registration_issues ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "is_member", "is_submitted", "expected"), [
    ("registration", True, False, []),
    ("scoring", True, False, []),
    ("setup", True, False, ["registration_closed"]),
    ("meeting", True, False, ["registration_closed"]),
    ("submitted", True, False, ["registration_closed"]),
    ("closed", True, False, ["registration_closed"]),
    ("registration", False, False, ["not_a_member"]),
    ("registration", True, True, ["registration_already_submitted"]),
    ("closed", False, True, ["not_a_member", "registration_closed", "registration_already_submitted"]),
])
def test_registration_issues(status, is_member, is_submitted, expected):
    issues = rules.registration_issues(status=status, is_member=is_member, is_submitted=is_submitted)
    assert codes(issues) == expected


# --- same_day_next_year -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2022, 3, 31), dt.date(2023, 3, 31)),
    (dt.date(2022, 1, 1), dt.date(2023, 1, 1)),
    (dt.date(2022, 12, 31), dt.date(2023, 12, 31)),
    (dt.date(2024, 2, 29), dt.date(2025, 2, 28)),
    (dt.date(2023, 2, 28), dt.date(2024, 2, 28)),
    (dt.date(2023, 3, 1), dt.date(2024, 3, 1)),
    (None, None),
])
def test_same_day_next_year(day, expected):
    assert rules.same_day_next_year(day) == expected


# --- checklist ----------------------------------------------------------------------------------------------


def progress(members: int = 5, registered: int = 5, late: int = 0, has_head: bool = True,
             covenant_signed: bool = True) -> YearProgress:
    return YearProgress(members=members, registered=registered, late=late, has_head=has_head,
                        covenant_signed=covenant_signed)


@pytest.mark.parametrize(("progress_", "status", "expected"), [
    pytest.param(progress(members=0, registered=0, has_head=False, covenant_signed=False), "setup",
                 dict.fromkeys(["members", "head", "opened", "covenant", "registrations"], False),
                 id="empty-year"),
    pytest.param(progress(registered=0, has_head=False, covenant_signed=False), "setup",
                 {"members": True, "head": False, "opened": False, "covenant": False, "registrations": False},
                 id="members-only"),
    pytest.param(progress(registered=3), "registration",
                 {"members": True, "head": True, "opened": True, "covenant": True, "registrations": False},
                 id="some-registered"),
    pytest.param(progress(), "registration",
                 {"members": True, "head": True, "opened": True, "covenant": True, "registrations": True},
                 id="all-done"),
    pytest.param(progress(), "closed",
                 {"members": True, "head": True, "opened": True, "covenant": True, "registrations": True,
                  "scoring_table": False, "self_scored": False, "verified": False, "published": False},
                 id="closed-counts-as-opened"),
    pytest.param(progress(), "setup",
                 {"members": True, "head": True, "opened": False, "covenant": True, "registrations": True},
                 id="not-opened-yet"),
])
def test_checklist(progress_, status, expected):
    items = rules.checklist(progress_, status)
    assert [code for code, _done in items][:5] == ["members", "head", "opened", "covenant", "registrations"]
    assert dict(items) == expected


def test_from_the_scoring_stage_the_checklist_follows_the_scores():
    scored = YearProgress(members=5, registered=5, late=0, has_head=True, covenant_signed=True, scoring_items=12,
                          self_scored=5, verified=3, scores_published=False)
    items = dict(rules.checklist(scored, "scoring"))
    assert (items["scoring_table"], items["self_scored"], items["verified"], items["published"]) == (
        True, True, False, False)
    assert "scoring_table" not in dict(rules.checklist(scored, "registration"))


@pytest.mark.parametrize(("members", "registered", "expected"), [(5, 0, 5), (5, 3, 2), (5, 5, 0), (0, 0, 0)])
def test_unregistered(members, registered, expected):
    assert progress(members=members, registered=registered).unregistered == expected
