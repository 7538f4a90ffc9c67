"""Who may write, adopt, read and print the bloc's documents (domain.md §5), on top of blocs/permissions.py
and awards/permissions.py. Views and templates ask the same functions (`{% can "adopt_report" bloc_year %}`).

The secretariat writes drafts and answers comments, the chair adopts, member representatives read and
comment on the circulated version, the province board reads; a draft not yet circulated is for the
secretariat, the chair and the board. Blank ballot papers are for those who run the meeting.
"""

from __future__ import annotations

from awards.permissions import can_open_close
from blocs.models import BlocYear, Unit
from blocs.permissions import Roles, can_chair, can_manage_bloc_year, register_predicates


def can_write_report(roles: Roles, bloc_year: BlocYear) -> bool:
    """The secretariat drafts, circulates, answers comments and starts corrections."""
    return can_manage_bloc_year(roles, bloc_year)


def can_adopt_report(roles: Roles, bloc_year: BlocYear) -> bool:
    return can_chair(roles, bloc_year)


def can_sign_report(roles: Roles, bloc_year: BlocYear) -> bool:
    """The chair signs (domain.md §5: "adopts the report, signs and prints"), on the server or by uploading the
    PDF signed with the token: what the province receives in the bloc's name is the chair's act, as adoption is.
    The secretariat prepares the files but does not replace the adopted document."""
    return can_chair(roles, bloc_year)


def can_see_drafts(roles: Roles, bloc_year: BlocYear) -> bool:
    """A draft not yet circulated is the secretariat's work: the chair and the board may read it too."""
    return (can_write_report(roles, bloc_year) or can_adopt_report(roles, bloc_year)
            or bloc_year.bloc.province_id in roles.board_provinces)


def can_print_ballots(roles: Roles, bloc_year: BlocYear) -> bool:
    """Blank ballot papers are printed by those who run the meeting: the secretariat and the chair."""
    return can_open_close(roles, bloc_year)


def can_correct_sent(roles: Roles, bloc_year: BlocYear) -> bool:
    """A new version of a document already sent to the province: the secretariat or the chair (issue 12)."""
    return can_write_report(roles, bloc_year) or can_adopt_report(roles, bloc_year)


def commenting_units(roles: Roles, bloc_year: BlocYear) -> list[Unit]:
    """The member units this user speaks for."""
    if not roles.rep_units:
        return []
    return list(Unit.objects.filter(pk__in=roles.rep_units, memberships__bloc_year=bloc_year).order_by("name"))


register_predicates(__name__)
