"""Whether a bloc year may still be changed: the check every app's services make before writing.

A module of its own so that the modules of `blocs.services` and the other apps' services all import it
without importing one another."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from blocs.models import BlocYear


def ensure_writable(bloc_year: BlocYear) -> None:
    """A closed year is read-only: its records have passed to the next head (domain.md §1.6)."""
    if bloc_year.is_closed:
        raise ValidationError(_("This bloc year is closed and can no longer be changed."))


def lock_year(bloc_year: BlocYear) -> BlocYear:
    """The year, locked for the rest of the transaction and refused when closed."""
    locked = BlocYear.objects.select_for_update(of=("self",)).select_related("bloc").get(pk=bloc_year.pk)
    ensure_writable(locked)
    return locked
