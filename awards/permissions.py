"""Who may run and use the vote (domain.md §5), on top of blocs/permissions.py."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from awards.models import Round
from blocs.models import BlocYear, Unit, User
from blocs.permissions import Roles, can_chair, can_manage_bloc_year, get_bloc_year, register_predicates


def get_round(user: User, pk: int) -> Round:
    """A round of a bloc the user can see; anything else is "not found" (domain.md §5)."""
    round_ = get_object_or_404(Round.objects.select_related("bloc_year__bloc", "award", "rule_set"), pk=pk)
    get_bloc_year(user, round_.bloc_year_id)
    return round_


def can_run_meeting(roles: Roles, bloc_year: BlocYear) -> bool:
    """The secretariat sets up the rule set, the meeting, the rounds and enters paper ballots."""
    return can_manage_bloc_year(roles, bloc_year)


def can_open_close(roles: Roles, bloc_year: BlocYear) -> bool:
    """The chair opens and closes rounds; the secretariat may do it for the chair."""
    return can_chair(roles, bloc_year) or can_manage_bloc_year(roles, bloc_year)


def voting_units(roles: Roles, member_units: set[int]) -> list[int]:
    """The member units this user may cast a ballot for."""
    return sorted(roles.rep_units & member_units)


def can_vote_for(roles: Roles, unit: Unit, member_units: set[int]) -> bool:
    return unit.pk in roles.rep_units and unit.pk in member_units


def can_manage_nominations(roles: Roles, bloc_year: BlocYear) -> bool:
    """The bloc's secretariat corrects nominations and submits the dossier."""
    return can_manage_bloc_year(roles, bloc_year)


def can_review_dossier(roles: Roles, bloc_year: BlocYear) -> bool:
    """The province board of the bloc's province (and the admin) returns, accepts and records decisions."""
    return roles.is_admin or bloc_year.bloc.province_id in roles.board_provinces


def can_see_year_dashboard(roles: Roles, bloc_year: BlocYear) -> bool:
    """A bloc year's progress, who is missing and the scores before they are published: the secretariat, the
    year's chair and the province board (issue 14, item 2)."""
    return can_open_close(roles, bloc_year) or can_review_dossier(roles, bloc_year)


register_predicates(__name__)
