"""Use cases of the registry: one function each, one transaction, one audit entry (style.md).

Views, the importers and the demo loader all write through these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blocs import rules
from blocs.audit import audit, changed, snapshot
from blocs.messages import issue_texts
from blocs.models import (
    Award,
    Bloc,
    BlocYear,
    Covenant,
    CovenantItem,
    Membership,
    Province,
    Registration,
    Unit,
    User,
)
from blocs.scoring import scoring_open
from blocs.writable import lock_year

UNIT_FIELDS = ("name", "short_code", "parent_body", "kind", "is_active", "renamed_from", "merged_into", "province")
BLOC_FIELDS = ("name", "code", "kind", "province", "founding_decision", "founded_year")
AWARD_FIELDS = ("code", "name", "kind", "level", "for_collectives", "for_individuals", "order", "is_active")


def _raise(issues: list[rules.Issue]) -> None:
    if issues:
        raise ValidationError(issue_texts(issues))


# --- Units, blocs, awards ------------------------------------------------------------------------------------


@transaction.atomic
def unit_save(*, actor: User | None, unit: Unit | None = None, data: dict[str, Any]) -> Unit:
    """Create (unit=None) or update a unit. `data` holds model field values."""
    target = unit or Unit()
    before = snapshot(target, UNIT_FIELDS) if unit else {}
    if data.get("short_code"):
        data = {**data, "short_code": data["short_code"].strip().upper()}
    for key, value in data.items():
        setattr(target, key, value)
    if target.pk and (target.renamed_from_id == target.pk or target.merged_into_id == target.pk):
        raise ValidationError(_("A unit cannot be renamed from or merged into itself."))
    clash = Unit.objects.filter(short_code=target.short_code).exclude(pk=target.pk).exists()
    if clash:
        raise ValidationError({"short_code": _("Another unit already uses the short code %(code)s.")
                               % {"code": target.short_code}})
    target.save()
    audit(actor=actor, action="blocs.unit.updated" if unit else "blocs.unit.created", obj=target,
          changes=changed(before, snapshot(target, UNIT_FIELDS)))
    return target


@transaction.atomic
def bloc_save(*, actor: User | None, bloc: Bloc | None = None, data: dict[str, Any]) -> Bloc:
    target = bloc or Bloc()
    before = snapshot(target, BLOC_FIELDS) if bloc else {}
    for key, value in data.items():
        setattr(target, key, value)
    if Bloc.objects.filter(code=target.code).exclude(pk=target.pk).exists():
        raise ValidationError({"code": _("Another bloc already uses the code %(code)s.") % {"code": target.code}})
    first_year = target.years.order_by("year").values_list("year", flat=True).first() if target.pk else None
    if first_year is not None and target.founded_year > first_year:
        raise ValidationError({"founded_year": _("The bloc already has a year %(year)s.") % {"year": first_year}})
    target.save()
    audit(actor=actor, action="blocs.bloc.updated" if bloc else "blocs.bloc.created", obj=target,
          changes=changed(before, snapshot(target, BLOC_FIELDS)))
    return target


@transaction.atomic
def award_save(*, actor: User | None, award: Award | None = None, data: dict[str, Any]) -> Award:
    target = award or Award()
    before = snapshot(target, AWARD_FIELDS) if award else {}
    for key, value in data.items():
        setattr(target, key, value)
    if Award.objects.filter(code=target.code).exclude(pk=target.pk).exists():
        raise ValidationError({"code": _("Another award already uses the code %(code)s.") % {"code": target.code}})
    if Award.objects.filter(name=target.name).exclude(pk=target.pk).exists():
        raise ValidationError({"name": _("The catalogue already has an award with this name.")})
    if not (target.for_collectives or target.for_individuals):
        raise ValidationError(_("An award is for collectives, for individuals, or both."))
    target.save()
    audit(actor=actor, action="blocs.award.updated" if award else "blocs.award.created", obj=target,
          changes=changed(before, snapshot(target, AWARD_FIELDS)))
    return target


def province_get_or_create(*, name: str) -> Province:
    province, _created = Province.objects.get_or_create(name=name.strip())
    return province


# --- Bloc years ---------------------------------------------------------------------------------------------


@transaction.atomic
def bloc_year_create(*, actor: User | None, bloc: Bloc, year: int, registration_deadline: dt.date | None = None,
                     place_name: str = "") -> BlocYear:
    bloc = Bloc.objects.select_for_update().get(pk=bloc.pk)
    _raise(rules.year_issues(year=year, founded_year=bloc.founded_year))
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
                     place_name: str) -> BlocYear:
    bloc_year = lock_year(bloc_year)
    fields = ("registration_deadline", "place_name")
    before = snapshot(bloc_year, fields)
    bloc_year.registration_deadline = registration_deadline
    bloc_year.place_name = place_name
    bloc_year.save(update_fields=list(fields))
    audit(actor=actor, action="blocs.bloc_year.updated", bloc_year=bloc_year, obj=bloc_year,
          changes=changed(before, snapshot(bloc_year, fields)))
    return bloc_year


@transaction.atomic
def bloc_year_advance(*, actor: User | None, bloc_year: BlocYear, expected_status: str | None = None) -> BlocYear:
    """Move the year one step forward (setup → registration → … → closed). Never backward."""
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
    if new_status == BlocYear.Status.SCORING:
        scoring_open(actor=actor, bloc_year=bloc_year)
    audit(actor=actor, action="blocs.bloc_year.status_changed", bloc_year=bloc_year, obj=bloc_year,
          changes={"status": [old_status, new_status]})
    return bloc_year


def _ensure_membership_open(bloc_year: BlocYear) -> None:
    if bloc_year.status not in rules.MEMBERSHIP_OPEN_STATUSES:
        raise ValidationError(_("Members can only change while the year is being set up or registered."))


def _membership_create(bloc_year: BlocYear, unit: Unit, position: str = Membership.Position.MEMBER) -> Membership:
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
    _ensure_membership_open(bloc_year)
    created = [_membership_create(bloc_year, unit) for unit in units]
    audit(actor=actor, action="blocs.membership.added", bloc_year=bloc_year, obj=bloc_year,
          changes={"units": [unit.name for unit in units]})
    return created


@transaction.atomic
def membership_remove(*, actor: User | None, membership: Membership) -> None:
    bloc_year = lock_year(membership.bloc_year)
    _ensure_membership_open(bloc_year)
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
    _raise(rules.leadership_issues(members=members.keys(), head=head.pk if head else None, deputies=deputy_ids))
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


@transaction.atomic
def bloc_year_open_next(*, actor: User | None, bloc_year: BlocYear, head: Unit | None,
                        deputies: Sequence[Unit]) -> BlocYear:
    """Open year X+1: copy members and settings forward, take the new head and deputies (domain.md §1.6)."""
    current = BlocYear.objects.select_for_update(of=("self",)).select_related("bloc").get(pk=bloc_year.pk)
    if current.status not in (BlocYear.Status.MEETING, BlocYear.Status.SUBMITTED, BlocYear.Status.CLOSED):
        raise ValidationError(_("The next year can be opened from the year-end meeting on."))
    units = [m.unit for m in current.memberships.select_related("unit").order_by("unit__name") if m.unit.is_active]
    unit_ids = {unit.pk for unit in units}
    _raise(rules.leadership_issues(members=unit_ids, head=head.pk if head else None,
                                   deputies=[unit.pk for unit in deputies]))
    next_year = bloc_year_create(
        actor=actor, bloc=current.bloc, year=current.year + 1,
        registration_deadline=rules.same_day_next_year(current.registration_deadline),
        place_name=current.place_name,
    )
    for unit in units:
        _membership_create(next_year, unit)
    covenant = next_year.covenant
    for item in current.covenant.items.all() if hasattr(current, "covenant") else []:
        CovenantItem.objects.create(covenant=covenant, order=item.order, content=item.content, target=item.target)
    leadership_set(actor=actor, bloc_year=next_year, head=head, deputies=deputies)
    audit(actor=actor, action="blocs.bloc_year.next_opened", bloc_year=current, obj=next_year,
          changes={"members": len(units), "head": head.name if head else None,
                   "deputies": [unit.name for unit in deputies]})
    return next_year


# --- Covenant and registration ------------------------------------------------------------------------------


@transaction.atomic
def covenant_update(*, actor: User | None, bloc_year: BlocYear, signed_on: dt.date | None, signed_place: str,
                    items: Sequence[tuple[str, str]], scan: UploadedFile | None = None) -> Covenant:
    """Replace the covenant's contents and targets; `items` are (content, target) pairs in order."""
    bloc_year = lock_year(bloc_year)
    covenant, _created = Covenant.objects.get_or_create(bloc_year=bloc_year)
    before = {**snapshot(covenant, ("signed_on", "signed_place", "scan")),
              "items": [[i.content, i.target] for i in covenant.items.all()]}
    covenant.signed_on = signed_on
    covenant.signed_place = signed_place
    if scan is not None:
        covenant.scan.save(scan.name, scan, save=False)
    covenant.save()
    covenant.items.all().delete()
    CovenantItem.objects.bulk_create(
        CovenantItem(covenant=covenant, order=index, content=content, target=target)
        for index, (content, target) in enumerate(items, start=1)
    )
    after = {**snapshot(covenant, ("signed_on", "signed_place", "scan")), "items": [list(pair) for pair in items]}
    audit(actor=actor, action="blocs.covenant.updated", bloc_year=bloc_year, obj=covenant,
          changes=changed(before, after))
    return covenant


@transaction.atomic
def registration_save(*, actor: User | None, bloc_year: BlocYear, unit: Unit, targets: str,
                      awards: Sequence[Award]) -> Registration:
    """Save a unit's draft registration (targets and the titles it aims for)."""
    bloc_year = lock_year(bloc_year)
    registration = Registration.objects.filter(bloc_year=bloc_year, unit=unit).first()
    is_member = bloc_year.memberships.filter(unit=unit).exists()
    _raise(rules.registration_issues(status=bloc_year.status, is_member=is_member,
                                     is_submitted=registration is not None and registration.is_submitted))
    before = ({"targets": registration.targets, "awards": sorted(a.name for a in registration.awards.all())}
              if registration else {})
    registration = registration or Registration(bloc_year=bloc_year, unit=unit)
    registration.targets = targets
    registration.save()
    registration.awards.set(awards)
    audit(actor=actor, action="blocs.registration.saved", bloc_year=bloc_year, obj=registration,
          changes=changed(before, {"targets": targets, "awards": sorted(a.name for a in awards)}))
    return registration


@transaction.atomic
def registration_submit(*, actor: User | None, registration: Registration,
                        now: dt.datetime | None = None) -> Registration:
    """Submit and lock a registration; a late one is accepted and flagged."""
    bloc_year = lock_year(registration.bloc_year)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    is_member = bloc_year.memberships.filter(unit=registration.unit_id).exists()
    _raise(rules.registration_issues(status=bloc_year.status, is_member=is_member,
                                     is_submitted=registration.is_submitted))
    if not registration.targets.strip() and not registration.awards.exists():
        raise ValidationError(_("Enter the targets or choose at least one title before submitting."))
    now = now or timezone.now()
    registration.submitted_at = now
    registration.submitted_by = actor
    registration.is_late = rules.is_late(submitted_on=timezone.localdate(now),
                                         deadline=bloc_year.registration_deadline)
    registration.save(update_fields=["submitted_at", "submitted_by", "is_late"])
    audit(actor=actor, action="blocs.registration.submitted", bloc_year=bloc_year, obj=registration,
          changes={"is_late": registration.is_late})
    return registration
