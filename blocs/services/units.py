"""Units, blocs and the rows of the award catalogue: created and updated through one shape (`_row_save`),
each with its own checks; and provinces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from blocs.audit import audit, changed, snapshot
from blocs.models import Award, Bloc, BlocYear, Membership, Province, Unit, User
from blocs.selectors import effective_symbol

UNIT_FIELDS = ("name", "short_code", "parent_body", "kind", "is_active", "renamed_from", "merged_into", "province")
BLOC_FIELDS = ("name", "code", "kind", "province", "founding_decision", "founded_year", "doc_parent_lines",
               "doc_symbol", "doc_style", "doc_signer_title")
AWARD_FIELDS = ("code", "name", "kind", "level", "for_collectives", "for_individuals", "order", "is_active")

Row = TypeVar("Row", bound=models.Model)
FINISHED = (BlocYear.Status.SUBMITTED, BlocYear.Status.CLOSED)


def _row_save(*, actor: User | None, model: type[Row], row: Row | None, data: dict[str, Any],
              fields: tuple[str, ...], entity: str, check: Callable[[Row], None]) -> Row:
    """Create (row=None) or update a row from model field values: `check` refuses before the save, and the
    audit entry `blocs.<entity>.created|updated` records what changed."""
    target = row or model()
    before = snapshot(target, fields) if row else {}
    for key, value in data.items():
        setattr(target, key, value)
    check(target)
    target.save()
    audit(actor=actor, action=f"blocs.{entity}.{'updated' if row else 'created'}", obj=target,
          changes=changed(before, snapshot(target, fields)))
    return target


def names_freeze(units_filter: Q, *, before_year: int | None = None) -> None:
    """Write the unit's name and province of today on the seats of past years that have none yet: the years
    before `before_year` and every submitted or closed year. Called before a change renames or moves a unit."""
    past = Q(bloc_year__status__in=FINISHED)
    if before_year is not None:
        past |= Q(year__lt=before_year)
    for seat in Membership.objects.filter(units_filter, past).filter(Q(unit_name="") | Q(province_name="")) \
            .select_related("unit__province"):
        seat.unit_name = seat.unit_name or seat.unit.name
        seat.province_name = seat.province_name or seat.unit.province.name
        seat.save(update_fields=["unit_name", "province_name"])


def names_refresh(units_filter: Q, *, from_year: int | None = None) -> None:
    """The running years' seats (not submitted or closed, from `from_year` on) show the unit as it is now:
    their frozen name and province are cleared."""
    running = Membership.objects.filter(units_filter).exclude(bloc_year__status__in=FINISHED)
    if from_year is not None:
        running = running.filter(year__gte=from_year)
    running.exclude(unit_name="", province_name="").update(unit_name="", province_name="")


def _unit_check(target: Unit) -> None:
    if target.pk and (target.renamed_from_id == target.pk or target.merged_into_id == target.pk):
        raise ValidationError(_("A unit cannot be renamed from or merged into itself."))
    if Unit.objects.filter(short_code=target.short_code).exclude(pk=target.pk).exists():
        raise ValidationError({"short_code": _("Another unit already uses the short code %(code)s.")
                               % {"code": target.short_code}})


def bloc_symbol_check(target: Bloc) -> None:
    """Two blocs of a province never number under one symbol: both would issue "01/BC-KTĐ" (issue 12)."""
    target.doc_symbol = " ".join((target.doc_symbol or "").split()).upper()
    if not target.doc_symbol:
        return
    others = Bloc.objects.filter(province=target.province_id).exclude(pk=target.pk)
    clash = next((o for o in others if effective_symbol(o) == target.doc_symbol), None)
    if clash is not None:
        raise ValidationError({"doc_symbol": _("The bloc “%(bloc)s” already numbers its documents under %(symbol)s.")
                               % {"bloc": clash.name, "symbol": target.doc_symbol}})


def _bloc_check(target: Bloc) -> None:
    if Bloc.objects.filter(code=target.code).exclude(pk=target.pk).exists():
        raise ValidationError({"code": _("Another bloc already uses the code %(code)s.") % {"code": target.code}})
    bloc_symbol_check(target)
    first_year = target.years.order_by("year").values_list("year", flat=True).first() if target.pk else None
    if first_year is not None and target.founded_year > first_year:
        raise ValidationError({"founded_year": _("The bloc already has a year %(year)s.") % {"year": first_year}})


def _award_check(target: Award) -> None:
    if Award.objects.filter(code=target.code).exclude(pk=target.pk).exists():
        raise ValidationError({"code": _("Another award already uses the code %(code)s.") % {"code": target.code}})
    if Award.objects.filter(name=target.name).exclude(pk=target.pk).exists():
        raise ValidationError({"name": _("The catalogue already has an award with this name.")})
    if not (target.for_collectives or target.for_individuals):
        raise ValidationError(_("An award is for collectives, for individuals, or both."))


@transaction.atomic
def unit_save(*, actor: User | None, unit: Unit | None = None, data: dict[str, Any]) -> Unit:
    """Create (unit=None) or update a unit. `data` holds model field values. A rename or a move keeps the
    submitted and closed years' name and province (domain.md §7a); the running years show the new ones."""
    if data.get("short_code"):
        data = {**data, "short_code": data["short_code"].strip().upper()}
    if unit is not None:
        names_freeze(Q(unit=unit))
    saved = _row_save(actor=actor, model=Unit, row=unit, data=data, fields=UNIT_FIELDS, entity="unit",
                      check=_unit_check)
    if unit is not None:
        names_refresh(Q(unit=saved))
    return saved


@transaction.atomic
def bloc_save(*, actor: User | None, bloc: Bloc | None = None, data: dict[str, Any]) -> Bloc:
    return _row_save(actor=actor, model=Bloc, row=bloc, data=data, fields=BLOC_FIELDS, entity="bloc",
                     check=_bloc_check)


@transaction.atomic
def award_save(*, actor: User | None, award: Award | None = None, data: dict[str, Any]) -> Award:
    return _row_save(actor=actor, model=Award, row=award, data=data, fields=AWARD_FIELDS, entity="award",
                     check=_award_check)


def province_get_or_create(*, name: str) -> Province:
    province, _created = Province.objects.get_or_create(name=name.strip())
    return province
