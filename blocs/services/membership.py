"""A bloc year's member units, and its head and deputy units."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from blocs import rules
from blocs.audit import audit, changed
from blocs.messages import raise_issues
from blocs.models import BlocYear, Membership, Unit, User
from blocs.writable import lock_year


def ensure_membership_open(bloc_year: BlocYear) -> None:
    if bloc_year.status not in rules.MEMBERSHIP_OPEN_STATUSES:
        raise ValidationError(_("Members can only change while the year is being set up or registered."))


def membership_create(bloc_year: BlocYear, unit: Unit, position: str = Membership.Position.MEMBER) -> Membership:
    """One membership, refused when the unit sits in another bloc that year or is no longer active; called
    inside the caller's transaction, which holds the year's lock."""
    other = Membership.objects.filter(unit=unit, year=bloc_year.year).select_related("bloc_year__bloc").first()
    if other is not None:
        raise ValidationError(
            _("%(unit)s is already a member of %(bloc)s in %(year)s.")
            % {"unit": unit.name, "bloc": other.bloc_year.bloc.name, "year": bloc_year.year}
        )
    if not unit.is_active:
        raise ValidationError(_("%(unit)s is no longer active.") % {"unit": unit.name})
    try:
        with transaction.atomic():
            return Membership.objects.create(bloc_year=bloc_year, unit=unit, year=bloc_year.year, position=position)
    except IntegrityError as error:  # a concurrent request placed the unit first
        raise ValidationError(
            _("%(unit)s is already a member of another bloc in %(year)s.") % {"unit": unit.name, "year": bloc_year.year}
        ) from error


@transaction.atomic
def membership_add(*, actor: User | None, bloc_year: BlocYear, units: Sequence[Unit]) -> list[Membership]:
    bloc_year = lock_year(bloc_year)
    ensure_membership_open(bloc_year)
    created = [membership_create(bloc_year, unit) for unit in units]
    audit(actor=actor, action="blocs.membership.added", bloc_year=bloc_year, obj=bloc_year,
          changes={"units": [unit.name for unit in units]})
    return created


@transaction.atomic
def membership_remove(*, actor: User | None, membership: Membership) -> None:
    bloc_year = lock_year(membership.bloc_year)
    ensure_membership_open(bloc_year)
    if bloc_year.registrations.filter(unit=membership.unit_id).exists():
        raise ValidationError(_("%(unit)s has already registered; its membership cannot be removed.")
                              % {"unit": membership.unit.name})
    membership.delete()
    audit(actor=actor, action="blocs.membership.removed", bloc_year=bloc_year, obj=bloc_year,
          changes={"unit": membership.unit.name, "position": membership.position})


@transaction.atomic
def leadership_set(*, actor: User | None, bloc_year: BlocYear, head: Unit | None,
                   deputies: Sequence[Unit]) -> BlocYear:
    """Choose the head unit and 0–2 deputy units among this year's members."""
    bloc_year = lock_year(bloc_year)
    members = {m.unit_id: m for m in bloc_year.memberships.select_related("unit")}
    deputy_ids = [unit.pk for unit in deputies]
    raise_issues(rules.leadership_issues(members=members.keys(), head=head.pk if head else None,
                                         deputies=deputy_ids))
    before = _leadership_names(members.values())
    for membership in members.values():
        position = (Membership.Position.HEAD if head and membership.unit_id == head.pk
                    else Membership.Position.DEPUTY if membership.unit_id in deputy_ids
                    else Membership.Position.MEMBER)
        if membership.position != position:
            membership.position = position
    # Clear first so the one-head constraint holds at every statement.
    Membership.objects.filter(bloc_year=bloc_year).update(position=Membership.Position.MEMBER)
    for membership in members.values():
        if membership.position != Membership.Position.MEMBER:
            membership.save(update_fields=["position"])
    audit(actor=actor, action="blocs.bloc_year.leadership_set", bloc_year=bloc_year, obj=bloc_year,
          changes=changed(before, _leadership_names(members.values())))
    return bloc_year


def _leadership_names(memberships: Any) -> dict[str, Any]:
    memberships = list(memberships)
    return {
        "head": next((m.unit.name for m in memberships if m.position == Membership.Position.HEAD), None),
        "deputies": sorted(m.unit.name for m in memberships if m.position == Membership.Position.DEPUTY),
    }
