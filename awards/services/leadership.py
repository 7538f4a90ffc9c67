"""Next year's head and deputies, as the meeting elected them (issue 3, item 12)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from awards import selectors
from blocs.models import BlocYear, User
from blocs.services.bloc_years import bloc_year_open_next


def next_year_open_from_election(*, actor: User | None, bloc_year: BlocYear) -> BlocYear:
    """"Open next year" with the head and deputies the meeting elected (issue 3, item 12)."""
    leadership = selectors.elected_leadership(bloc_year)
    if leadership is None or leadership[0] is None:
        raise ValidationError(_("The election of next year's head unit is not settled yet."))
    head, deputies = leadership
    return bloc_year_open_next(actor=actor, bloc_year=bloc_year, head=head, deputies=deputies)
