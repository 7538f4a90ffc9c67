from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from awards import permissions as award_perms
from awards.models import Round
from blocs import permissions as perms
from blocs.models import BlocYear
from emulation.kernel.view_helpers import run_service


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


def button_action(request: HttpRequest, call: Callable[[], Any], *, success: str | Callable[[Any], str],
                  to: Any, **kwargs: Any) -> HttpResponse:
    """A button-only action: run the service, say how it went in one message, and go back to the page `to`."""
    run_service(request, call, success=success, joined=True)
    return redirect(to, **kwargs)
