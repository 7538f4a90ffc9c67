"""A bloc year: created, its settings changed, moved one step forward, and the next year opened."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from blocs import rules
from blocs.audit import audit, changed, snapshot
from blocs.messages import raise_issues
from blocs.models import Bloc, BlocYear, Covenant, CovenantItem, Unit, User
from blocs.services.membership import leadership_set, membership_create
from blocs.services.scoring import scoring_open
from blocs.services.units import bloc_symbol_check, names_freeze
from blocs.writable import lock_year

DOCUMENT_FIELDS = ("doc_parent_lines", "doc_symbol", "doc_style", "doc_signer_title")


class AdvanceStep(Protocol):
    def __call__(self, *, actor: User | None, bloc_year: BlocYear, new_status: str) -> None: ...


ADVANCE_STEPS: list[AdvanceStep] = []


def register_advance_step(step: AdvanceStep) -> AdvanceStep:
    """Other apps add what they do when a year moves on, inside the same transaction (reports: the documents
    stored as sent when the year is submitted); blocs never imports them."""
    if step not in ADVANCE_STEPS:
        ADVANCE_STEPS.append(step)
    return step


@transaction.atomic
def bloc_year_create(*, actor: User | None, bloc: Bloc, year: int, registration_deadline: dt.date | None = None,
                     place_name: str = "") -> BlocYear:
    bloc = Bloc.objects.select_for_update().get(pk=bloc.pk)
    raise_issues(rules.year_issues(year=year, founded_year=bloc.founded_year))
    if bloc.years.filter(year=year).exists():
        raise ValidationError(_("The bloc already has a year %(year)s.") % {"year": year})
    bloc_year = BlocYear.objects.create(bloc=bloc, year=year, registration_deadline=registration_deadline,
                                        place_name=place_name)
    Covenant.objects.create(bloc_year=bloc_year)
    audit(actor=actor, action="blocs.bloc_year.created", bloc_year=bloc_year, obj=bloc_year,
          changes={"year": year, "registration_deadline": registration_deadline and registration_deadline.isoformat(),
                   "place_name": place_name})
    return bloc_year


@transaction.atomic
def bloc_year_update(*, actor: User | None, bloc_year: BlocYear, registration_deadline: dt.date | None,
                     place_name: str, documents: Mapping[str, str] | None = None) -> BlocYear:
    """The year's settings; `documents`, the bloc's document settings (issue 12, item 2), which every year of the
    bloc prints from now on (a document already sent keeps what it was sent with)."""
    bloc_year = lock_year(bloc_year)
    fields = ("registration_deadline", "place_name")
    before = snapshot(bloc_year, fields)
    bloc_year.registration_deadline = registration_deadline
    bloc_year.place_name = place_name
    bloc_year.save(update_fields=list(fields))
    changes = changed(before, snapshot(bloc_year, fields))
    if documents is not None:
        bloc = Bloc.objects.select_for_update().get(pk=bloc_year.bloc_id)
        before_bloc = snapshot(bloc, DOCUMENT_FIELDS)
        for name in DOCUMENT_FIELDS:
            setattr(bloc, name, (documents.get(name) or "").strip())
        bloc_symbol_check(bloc)
        bloc.save(update_fields=list(DOCUMENT_FIELDS))
        changes |= changed(before_bloc, snapshot(bloc, DOCUMENT_FIELDS))
    audit(actor=actor, action="blocs.bloc_year.updated", bloc_year=bloc_year, obj=bloc_year, changes=changes)
    return bloc_year


@transaction.atomic
def bloc_year_advance(*, actor: User | None, bloc_year: BlocYear, expected_status: str | None = None,
                      reason: str = "") -> BlocYear:
    """Move the year one step forward (setup → registration → … → closed). Never backward. `reason`: why it
    moves on although something was missing (the year page lists what), recorded."""
    bloc_year = lock_year(bloc_year)
    if expected_status is not None and bloc_year.status != expected_status:
        raise ValidationError(_("The year has already moved on; reload the page."))
    new_status = rules.next_status(bloc_year.status)
    if new_status is None:  # pragma: no cover - closed years are refused by _lock_year
        raise ValidationError(_("This bloc year is closed and can no longer be changed."))
    if new_status == BlocYear.Status.REGISTRATION and not bloc_year.memberships.exists():
        raise ValidationError(_("Add the member units before opening registration."))
    old_status = bloc_year.status
    bloc_year.status = new_status
    bloc_year.save(update_fields=["status"])
    if new_status == BlocYear.Status.SUBMITTED:  # what the year printed stays, whatever the units become
        names_freeze(Q(bloc_year=bloc_year))
    if new_status == BlocYear.Status.SCORING:
        scoring_open(actor=actor, bloc_year=bloc_year)
    for step in ADVANCE_STEPS:
        step(actor=actor, bloc_year=bloc_year, new_status=new_status)
    audit(actor=actor, action="blocs.bloc_year.status_changed", bloc_year=bloc_year, obj=bloc_year,
          changes={"status": [old_status, new_status], **({"reason": reason} if reason else {})})
    return bloc_year


@transaction.atomic
def bloc_year_open_next(*, actor: User | None, bloc_year: BlocYear, head: Unit | None,
                        deputies: Sequence[Unit]) -> BlocYear:
    """Open year X+1: copy members and settings forward, take the new head and deputies (domain.md §1.6)."""
    current = BlocYear.objects.select_for_update(of=("self",)).select_related("bloc").get(pk=bloc_year.pk)
    if current.status not in (BlocYear.Status.MEETING, BlocYear.Status.SUBMITTED, BlocYear.Status.CLOSED):
        raise ValidationError(_("The next year can be opened from the year-end meeting on."))
    units = [m.unit for m in current.memberships.select_related("unit").order_by("unit__name") if m.unit.is_active]
    unit_ids = {unit.pk for unit in units}
    raise_issues(rules.leadership_issues(members=unit_ids, head=head.pk if head else None,
                                         deputies=[unit.pk for unit in deputies]))
    next_year = bloc_year_create(
        actor=actor, bloc=current.bloc, year=current.year + 1,
        registration_deadline=rules.same_day_next_year(current.registration_deadline),
        place_name=current.place_name,
    )
    for unit in units:
        membership_create(next_year, unit)
    covenant = next_year.covenant
    for item in current.covenant.items.all() if hasattr(current, "covenant") else []:
        CovenantItem.objects.create(covenant=covenant, order=item.order, content=item.content, target=item.target)
    leadership_set(actor=actor, bloc_year=next_year, head=head, deputies=deputies)
    audit(actor=actor, action="blocs.bloc_year.next_opened", bloc_year=current, obj=next_year,
          changes={"members": len(units), "head": head.name if head else None,
                   "deputies": [unit.name for unit in deputies]})
    return next_year
