"""A bloc year's covenant, and the member units' registrations (targets and the titles they aim for)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blocs import rules
from blocs.audit import audit, changed, snapshot
from blocs.messages import raise_issues
from blocs.models import Award, BlocYear, Covenant, CovenantItem, Registration, Unit, User
from blocs.writable import lock_year


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
    raise_issues(rules.registration_issues(status=bloc_year.status, is_member=is_member,
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
    raise_issues(rules.registration_issues(status=bloc_year.status, is_member=is_member,
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
