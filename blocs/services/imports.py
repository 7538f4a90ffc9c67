"""Applying an Excel import of units and memberships (issue 2, item 9): every row, or nothing.

The preview (blocs/excel.py) already showed the errors; the registry may have changed since, so the
rows are checked again here, inside the transaction, before anything is written.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from blocs import excel
from blocs.audit import audit
from blocs.models import BlocYear, Membership, Unit, User
from blocs.services.membership import ensure_membership_open, leadership_set, membership_add
from blocs.services.units import unit_save


@dataclass(frozen=True)
class ImportResult:
    units_created: int
    members_added: int
    already_members: int
    leadership_changed: bool


def merged_leadership(*, current_head: Hashable | None, current_deputies: Sequence[Hashable],
                      file_head: Hashable | None,
                      file_deputies: Sequence[Hashable]) -> tuple[Hashable | None, list[Hashable]]:
    """Head and deputies after an import: the file replaces the head if it names one, and the deputies if it
    names any; otherwise the current ones stay, except a unit the file moves to the other seat."""
    head = file_head if file_head is not None else (
        current_head if current_head not in file_deputies else None)
    deputies = list(file_deputies) or [unit for unit in current_deputies if unit != head]
    return head, deputies


def _lock_open_year(bloc_year: BlocYear) -> BlocYear:
    locked = BlocYear.objects.select_for_update(of=("self",)).select_related("bloc__province").get(pk=bloc_year.pk)
    ensure_membership_open(locked)
    return locked


def _new_unit_data(row: excel.MemberRow, bloc_year: BlocYear) -> dict[str, object]:
    return {"short_code": row.code, "name": row.name, "parent_body": row.parent_body,
            "kind": row.kind or excel.DEFAULT_KIND, "province": bloc_year.bloc.province, "is_active": True}


def _set_leadership(actor: User | None, bloc_year: BlocYear, rows: Sequence[excel.MemberRow],
                    units: dict[str, Unit]) -> bool:
    """Apply the head and deputies the file names; True when they changed."""
    memberships = list(bloc_year.memberships.select_related("unit"))
    current_head = next((m.unit_id for m in memberships if m.position == Membership.Position.HEAD), None)
    current_deputies = [m.unit_id for m in memberships if m.position == Membership.Position.DEPUTY]
    head, deputies = merged_leadership(
        current_head=current_head, current_deputies=current_deputies,
        file_head=next((units[row.code].pk for row in rows if row.position == "head"), None),
        file_deputies=[units[row.code].pk for row in rows if row.position == "deputy"],
    )
    if head == current_head and set(deputies) == set(current_deputies):
        return False
    by_id = {m.unit_id: m.unit for m in memberships}
    leadership_set(actor=actor, bloc_year=bloc_year, head=by_id[head] if head is not None else None,
                   deputies=[by_id[unit_id] for unit_id in deputies])
    return True


@transaction.atomic
def members_import_apply(*, actor: User | None, bloc_year: BlocYear,
                         rows: Sequence[excel.MemberRow]) -> ImportResult:
    """Create the missing units, add the memberships, set the head and deputies the file names."""
    bloc_year = _lock_open_year(bloc_year)
    sheet = excel.validate_rows(rows, bloc_year=bloc_year)
    if sheet.errors:
        raise ValidationError([str(error) for error in sheet.errors])
    units = excel.units_by_code(row.code for row in rows)
    created = [unit_save(actor=actor, data=_new_unit_data(row, bloc_year))
               for row in rows if row.code not in units]
    units.update({unit.short_code: unit for unit in created})
    newcomers = [units[row.code] for row in rows if row.code not in sheet.member_codes]
    if newcomers:
        membership_add(actor=actor, bloc_year=bloc_year, units=newcomers)
    leadership_changed = _set_leadership(actor, bloc_year, rows, units)
    result = ImportResult(units_created=len(created), members_added=len(newcomers),
                          already_members=len(sheet.member_codes), leadership_changed=leadership_changed)
    audit(actor=actor, action="blocs.members.imported", bloc_year=bloc_year, obj=bloc_year,
          changes={"rows": len(rows), "units_created": result.units_created,
                   "members_added": result.members_added, "already_members": result.already_members,
                   "leadership_changed": leadership_changed})
    return result
