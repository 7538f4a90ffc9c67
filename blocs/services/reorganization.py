"""Mergers and splits of units and mergers of provinces, one step each with its effective date (domain.md §7a).

Each step checks its plan (`blocs/reorganization.py`: what changes, what is refused), freezes the names and
provinces past years print, applies the plan and writes one audit entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from blocs import reorganization
from blocs.audit import audit
from blocs.models import BlocYear, Membership, Province, Unit, UnitChange, User
from blocs.services.units import names_freeze, names_refresh, unit_save


def _refuse(plan: reorganization.Plan) -> None:
    if plan.problems:
        raise ValidationError(plan.problems)


def _apply_seats_and_roles(plan: reorganization.Plan, successor: Unit) -> None:
    for seat in plan.seats_removed:
        seat.delete()
    for seat in plan.seats_moved:
        seat.unit = successor
        seat.unit_name, seat.province_name = "", ""  # a running year: the successor as it is
        seat.save(update_fields=["unit", "unit_name", "province_name"])
    for pk, position in plan.promoted.items():
        Membership.objects.filter(pk=pk).update(position=position)
    for grant in plan.grants_removed:
        grant.delete()
    for grant in plan.grants_moved:
        grant.unit = successor
        grant.save(update_fields=["unit"])
    for person in plan.people_moved:
        person.unit = successor
        person.save(update_fields=["unit"])


def _end(units: Sequence[Unit], effective_on: datetime.date, merged_into: Unit | None) -> None:
    names_freeze(Q(unit__in=units))
    for unit in units:
        unit.is_active, unit.ended_on, unit.merged_into = False, effective_on, merged_into
        unit.save(update_fields=["is_active", "ended_on", "merged_into"])


def _record(*, kind: str, actor: User | None, effective_on: datetime.date, reason: str,
            predecessors: Sequence[Unit], successors: Sequence[Unit], **extra: Any) -> UnitChange:
    change = UnitChange.objects.create(kind=kind, actor=actor if actor and actor.is_authenticated else None,
                                       effective_on=effective_on, reason=reason, **extra)
    change.predecessors.set(predecessors)
    change.successors.set(successors)
    return change


@transaction.atomic
def units_merge(*, actor: User | None, predecessors: Sequence[Unit], successor: Unit | None = None,
                new_unit: dict[str, Any] | None = None, effective_on: datetime.date, reason: str = "") -> UnitChange:
    """Two or more units into one successor: an existing unit, or a new one made from `new_unit`
    (name, short_code, kind) in the predecessors' province."""
    predecessors = list(Unit.objects.select_for_update().filter(pk__in=[u.pk for u in predecessors])
                        .select_related("province").order_by("name"))
    if successor is not None:
        successor = Unit.objects.select_for_update().select_related("province").get(pk=successor.pk)
    plan = reorganization.merge_plan(predecessors=predecessors, successor=successor,
                                     new_name=(new_unit or {}).get("name", ""), effective_on=effective_on,
                                     today=timezone.localdate())
    _refuse(plan)
    if successor is None:
        successor = unit_save(actor=actor, data={**(new_unit or {}), "province": predecessors[0].province})
    _end(predecessors, effective_on, successor)
    _apply_seats_and_roles(plan, successor)
    change = _record(kind=UnitChange.Kind.MERGE, actor=actor, effective_on=effective_on, reason=reason,
                     predecessors=predecessors, successors=[successor])
    audit(actor=actor, action="blocs.unit.merged", obj=successor, changes={
        "predecessors": [u.name for u in predecessors], "successor": successor.name,
        "effective_on": effective_on.isoformat(), "reason": reason})
    return change


@transaction.atomic
def unit_split(*, actor: User | None, unit: Unit, new_units: Sequence[dict[str, Any]], carrier: int | None,
               effective_on: datetime.date, reason: str = "") -> UnitChange:
    """One unit into two or more new units; `carrier` (an index into `new_units`, or None) is the successor that
    carries the unit's history, its seats in running years and its representatives (else the first)."""
    unit = Unit.objects.select_for_update().select_related("province").get(pk=unit.pk)
    names = [data["name"] for data in new_units]
    plan = reorganization.split_plan(unit=unit, names=names,
                                     carrier_name=names[carrier] if carrier is not None else "",
                                     effective_on=effective_on, today=timezone.localdate())
    _refuse(plan)
    successors = [unit_save(actor=actor, data={**data, "province": unit.province}) for data in new_units]
    _end([unit], effective_on, None)
    _apply_seats_and_roles(plan, successors[carrier or 0])
    change = _record(kind=UnitChange.Kind.SPLIT, actor=actor, effective_on=effective_on, reason=reason,
                     predecessors=[unit], successors=successors,
                     carrier=successors[carrier] if carrier is not None else None)
    audit(actor=actor, action="blocs.unit.split", obj=unit, changes={
        "successors": names, "carrier": names[carrier] if carrier is not None else "",
        "effective_on": effective_on.isoformat(), "reason": reason})
    return change


@transaction.atomic
def province_merge(*, actor: User | None, source: Province, target: Province, effective_on: datetime.date,
                   reason: str = "") -> UnitChange:
    """Province `source` into `target` from `effective_on`: its units and blocs move; the years before the
    effective year (and every submitted or closed year) keep the old province's name."""
    source = Province.objects.select_for_update().get(pk=source.pk)
    target = Province.objects.select_for_update().get(pk=target.pk)
    plan = reorganization.province_merge_plan(source=source, target=target, effective_on=effective_on,
                                              today=timezone.localdate())
    _refuse(plan)
    units = list(Unit.objects.filter(province=source))
    names_freeze(Q(unit__province=source), before_year=effective_on.year)
    past = Q(year__lt=effective_on.year) | Q(status__in=reorganization.FINISHED)
    BlocYear.objects.filter(past, bloc__province=source, place_name="").update(place_name=source.name)
    Unit.objects.filter(province=source).update(province=target)
    source.blocs.update(province=target)
    names_refresh(Q(unit__in=units), from_year=effective_on.year)
    for grant in plan.grants_removed:
        grant.delete()
    for grant in plan.grants_moved:
        grant.province = target
        grant.save(update_fields=["province"])
    source.merged_into, source.ended_on = target, effective_on
    source.save(update_fields=["merged_into", "ended_on"])
    change = _record(kind=UnitChange.Kind.PROVINCE_MERGE, actor=actor, effective_on=effective_on, reason=reason,
                     predecessors=units, successors=[], province_from=source, province_to=target)
    audit(actor=actor, action="blocs.province.merged", obj=target, changes={
        "from": source.name, "into": target.name, "units": len(units), "effective_on": effective_on.isoformat(),
        "reason": reason})
    return change
