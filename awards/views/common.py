from __future__ import annotations

from django.http import HttpRequest

from awards import permissions as award_perms
from awards.models import Round
from blocs import permissions as perms
from blocs.models import BlocYear


def managed_year(request: HttpRequest, pk: int) -> BlocYear:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(award_perms.can_run_meeting(perms.roles_of(request.user), bloc_year))
    return bloc_year


def visible_round(request: HttpRequest, pk: int) -> Round:
    """A round of a bloc the user can see (404 otherwise)."""
    return award_perms.get_round(request.user, pk)


def managed_round(request: HttpRequest, pk: int) -> Round:
    round_ = visible_round(request, pk)
    perms.require(award_perms.can_run_meeting(perms.roles_of(request.user), round_.bloc_year))
    return round_


def chaired_round(request: HttpRequest, pk: int) -> Round:
    round_ = visible_round(request, pk)
    perms.require(award_perms.can_open_close(perms.roles_of(request.user), round_.bloc_year))
    return round_
