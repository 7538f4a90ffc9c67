"""The 2025 reorganization (domain.md §7a): what a merger or split of units, or a merger of provinces, would
change, and why it is refused. Reads only: `blocs/services/reorganization.py` applies a plan, the
confirmation pages show it.

Seats of the years still running (not submitted or closed, from the effective year on) follow the successor;
a predecessor that already registered or has scores that year keeps its seat to finish the year. Past years
keep the names and provinces of their time, frozen on their memberships.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from blocs.models import (
    Bloc,
    BlocYear,
    Membership,
    Province,
    Registration,
    RoleGrant,
    Scorecard,
    Unit,
    UnitChange,
    User,
)

FINISHED = (BlocYear.Status.SUBMITTED, BlocYear.Status.CLOSED)
RANK = {Membership.Position.HEAD: 2, Membership.Position.DEPUTY: 1, Membership.Position.MEMBER: 0}


@dataclass
class Plan:
    """What a step will change, in sentences for the confirmation page, and the rows it will touch."""

    problems: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    memberships: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    seats_moved: list[Membership] = field(default_factory=list)
    seats_removed: list[Membership] = field(default_factory=list)
    promoted: dict[int, str] = field(default_factory=dict)  # membership → its new position
    grants_moved: list[RoleGrant] = field(default_factory=list)
    grants_removed: list[RoleGrant] = field(default_factory=list)
    people_moved: list[User] = field(default_factory=list)


def date_problems(effective_on: datetime.date, today: datetime.date) -> list[str]:
    if effective_on.year > today.year:
        return [_("The effective date %(date)s is beyond this year: record the change in its own year.")
                % {"date": effective_on.strftime("%d/%m/%Y")}]
    if effective_on.year < 1945:
        return [_("The effective date must be after 1945.")]
    return []


def ancestors(unit_ids: Iterable[int]) -> set[int]:
    """The units whose history the given units carry: renamed from, merged into them, split into them."""
    parents: dict[int, set[int]] = defaultdict(set)
    for pk, renamed_from, merged_into in Unit.objects.values_list("pk", "renamed_from", "merged_into"):
        if renamed_from:
            parents[pk].add(renamed_from)
        if merged_into:
            parents[merged_into].add(pk)
    for carrier, predecessor in UnitChange.objects.filter(kind=UnitChange.Kind.SPLIT, carrier__isnull=False) \
            .values_list("carrier", "predecessors"):
        if predecessor:
            parents[carrier].add(predecessor)
    seen: set[int] = set()
    todo = list(unit_ids)
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def _running_seats(units: Sequence[Unit], year: int) -> list[Membership]:
    return list(Membership.objects.filter(unit__in=units, year__gte=year).exclude(bloc_year__status__in=FINISHED)
                .select_related("bloc_year__bloc", "unit").order_by("year", "pk"))


def _busy(seats: Sequence[Membership]) -> set[int]:
    """Seats whose unit registered or has a scorecard that year: they stay to finish the year."""
    pairs = [(s.bloc_year_id, s.unit_id) for s in seats]
    if not pairs:
        return set()
    taken = Q()
    for bloc_year, unit in pairs:
        taken |= Q(bloc_year=bloc_year, unit=unit)
    found = set(Scorecard.objects.filter(taken).values_list("bloc_year", "unit"))
    found |= set(Registration.objects.filter(taken).values_list("bloc_year", "unit"))
    return {s.pk for s in seats if (s.bloc_year_id, s.unit_id) in found}


def _where(seat: Membership) -> dict[str, object]:
    return {"unit": seat.unit.name, "bloc": seat.bloc_year.bloc.name, "year": seat.year}


def _plan_seats(plan: Plan, predecessors: Sequence[Unit], successor: Unit | None, year: int) -> None:
    """The seats of the running years: to the successor, removed where the successor already sits in the same
    year of the same bloc, or kept to finish the year."""
    seats = _running_seats([*predecessors, *([successor] if successor else [])], year)
    busy = _busy(seats)
    by_year: dict[int, list[Membership]] = defaultdict(list)
    for seat in seats:
        by_year[seat.year].append(seat)
    for seats_of_year in by_year.values():
        target = next((s for s in seats_of_year if successor and s.unit_id == successor.pk), None)
        for seat in seats_of_year:
            if seat is target:
                continue
            if seat.pk in busy:
                plan.memberships.append(_("%(unit)s keeps its seat in %(bloc)s %(year)s to finish the year "
                                          "(it has registered or has scores).") % _where(seat))
            elif target is None:
                target = seat
                plan.seats_moved.append(seat)
                plan.memberships.append(_("The seat of %(unit)s in %(bloc)s %(year)s goes to the successor.")
                                        % _where(seat))
            elif seat.bloc_year_id == target.bloc_year_id:
                plan.seats_removed.append(seat)
                if RANK[seat.position] > RANK[plan.promoted.get(target.pk, target.position)]:
                    plan.promoted[target.pk] = seat.position
                plan.memberships.append(_("The seat of %(unit)s in %(bloc)s %(year)s is removed: the successor "
                                          "already sits there.") % _where(seat))
            else:
                plan.memberships.append(_("%(unit)s keeps its seat in %(bloc)s %(year)s: the successor sits in "
                                          "another bloc that year.") % _where(seat))


def _plan_roles(plan: Plan, predecessors: Sequence[Unit], successor_name: str,
                successor: Unit | None) -> None:
    have = set(RoleGrant.objects.filter(kind=RoleGrant.Kind.REPRESENTATIVE, unit=successor)
               .values_list("user", flat=True)) if successor else set()
    for grant in RoleGrant.objects.filter(kind=RoleGrant.Kind.REPRESENTATIVE, unit__in=predecessors) \
            .select_related("user", "unit").order_by("unit__name", "user__username"):
        words = {"person": grant.user.display_name, "unit": grant.unit.name, "successor": successor_name}
        if grant.user_id in have:
            plan.grants_removed.append(grant)
            plan.roles.append(_("%(person)s already represents %(successor)s: the role for %(unit)s ends.")
                              % words)
        else:
            have.add(grant.user_id)
            plan.grants_moved.append(grant)
            plan.roles.append(_("%(person)s represents %(successor)s instead of %(unit)s.") % words)
    for person in User.objects.filter(unit__in=predecessors).select_related("unit").order_by("username"):
        plan.people_moved.append(person)
        plan.roles.append(_("%(person)s belongs to %(successor)s instead of %(unit)s.")
                          % {"person": person.display_name, "unit": person.unit.name, "successor": successor_name})


def _province_problem(unit: Unit, province: Province) -> str | None:
    if unit.province_id == province.pk:
        return None
    return (_("%(unit)s belongs to %(province)s, not %(target)s: record the merger of the provinces first.")
            % {"unit": unit.name, "province": unit.province.name, "target": province.name})


def merge_plan(*, predecessors: Sequence[Unit], successor: Unit | None, new_name: str,
               effective_on: datetime.date, today: datetime.date) -> Plan:
    """Two or more units into one: `successor` an existing unit, or None for a new unit named `new_name`."""
    plan = Plan(problems=date_problems(effective_on, today))
    predecessors = list(predecessors)
    if successor is not None and successor in predecessors:
        plan.problems.append(_("A unit cannot be merged into itself: %(unit)s is both a predecessor and the "
                               "successor.") % {"unit": successor.name})
        predecessors = [unit for unit in predecessors if unit != successor]
    if len(predecessors) + (1 if successor is not None else 0) < 2:
        plan.problems.append(_("A merger needs at least two units."))
    if successor is not None and not successor.is_active:
        plan.problems.append(_("%(unit)s is no longer active: nothing can be merged into it.")
                             % {"unit": successor.name})
    for unit in predecessors:
        if not unit.is_active:
            plan.problems.append(_("%(unit)s is no longer active: it was already merged or split.")
                                 % {"unit": unit.name})
    province = successor.province if successor is not None else (predecessors[0].province if predecessors else None)
    if province is not None:
        plan.problems += [p for p in (_province_problem(u, province) for u in predecessors) if p]
    if successor is not None and predecessors:
        if ancestors([successor.pk]) & {u.pk for u in predecessors} or successor.pk in ancestors(
                [u.pk for u in predecessors]):
            plan.problems.append(_("%(unit)s already carries the history of a unit in this merger: it would "
                                   "make a circle.") % {"unit": successor.name})
    if plan.problems:
        return plan
    name = successor.name if successor is not None else new_name
    date = effective_on.strftime("%d/%m/%Y")
    for unit in predecessors:
        plan.units.append(_("%(unit)s becomes inactive and merged into %(successor)s from %(date)s.")
                          % {"unit": unit.name, "successor": name, "date": date})
    if successor is None:
        plan.units.append(_("A new unit %(successor)s is created in %(province)s.")
                          % {"successor": name, "province": province.name})
    _plan_seats(plan, predecessors, successor, effective_on.year)
    _plan_roles(plan, predecessors, name, successor)
    return plan


def split_plan(*, unit: Unit, names: Sequence[str], carrier_name: str, effective_on: datetime.date,
               today: datetime.date) -> Plan:
    plan = Plan(problems=date_problems(effective_on, today))
    if not unit.is_active:
        plan.problems.append(_("%(unit)s is no longer active: it was already merged or split.") % {"unit": unit.name})
    if len(names) < 2:
        plan.problems.append(_("A split needs at least two new units."))
    if plan.problems:
        return plan
    date = effective_on.strftime("%d/%m/%Y")
    plan.units.append(_("%(unit)s becomes inactive from %(date)s.") % {"unit": unit.name, "date": date})
    for name in names:
        plan.units.append(_("A new unit %(successor)s is created in %(province)s.")
                          % {"successor": name, "province": unit.province.name})
    if carrier_name:
        plan.units.append(_("%(successor)s carries the history of %(unit)s (as the rule set says).")
                          % {"successor": carrier_name, "unit": unit.name})
    _plan_seats(plan, [unit], None, effective_on.year)
    _plan_roles(plan, [unit], carrier_name or names[0], None)
    return plan


def province_merge_plan(*, source: Province, target: Province, effective_on: datetime.date,
                        today: datetime.date) -> Plan:
    plan = Plan(problems=date_problems(effective_on, today))
    if source == target:
        plan.problems.append(_("A province cannot be merged into itself."))
    if source.merged_into_id:
        plan.problems.append(_("%(province)s was already merged.") % {"province": source.name})
    if target.merged_into_id:
        plan.problems.append(_("%(province)s was merged into another province: nothing can be merged into it.")
                             % {"province": target.name})
    if plan.problems:
        return plan
    words = {"source": source.name, "target": target.name, "date": effective_on.strftime("%d/%m/%Y")}
    plan.units.append(_("%(source)s is merged into %(target)s from %(date)s.") % words)
    for unit in Unit.objects.filter(province=source).order_by("name"):
        plan.units.append(_("%(unit)s moves to %(target)s.") % {**words, "unit": unit.name})
    for bloc in Bloc.objects.filter(province=source).order_by("name"):
        plan.units.append(_("The bloc %(bloc)s moves to %(target)s; its years before %(year)s keep %(source)s.")
                          % {**words, "bloc": bloc.name, "year": effective_on.year})
    for seat in Membership.objects.filter(unit__province=source, year__gte=effective_on.year).exclude(
            bloc_year__status__in=FINISHED).select_related("unit", "bloc_year__bloc").order_by("year", "unit__name"):
        plan.memberships.append(_("%(unit)s in %(bloc)s %(year)s is shown under %(target)s.")
                                % {**words, **_where(seat)})
    have = set(RoleGrant.objects.filter(kind=RoleGrant.Kind.BOARD, province=target).values_list("user", flat=True))
    for grant in RoleGrant.objects.filter(kind=RoleGrant.Kind.BOARD, province=source).select_related("user"):
        if grant.user_id in have:  # already on the board of the merged province: the old role simply ends
            plan.grants_removed.append(grant)
            plan.roles.append(_("%(person)s stays on the province board of %(target)s; the role for %(source)s "
                                "ends.") % {**words, "person": grant.user.display_name})
            continue
        plan.grants_moved.append(grant)
        plan.roles.append(_("%(person)s, province board of %(source)s, becomes province board of %(target)s.")
                          % {**words, "person": grant.user.display_name})
    return plan
