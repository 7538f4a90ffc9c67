"""The bloc-year archive: one bloc year as a JSON document, exported and imported (issue 2, item 9).

The format is described in docs/archive-format.md. An archive names units by short code, awards by code
and people by username, never by database id, and lists everything in a fixed order, so that
export → import into an empty database → export gives the same bytes (`archive_dumps`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from pathlib import PurePath
from typing import Any

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from blocs import services
from blocs.audit import audit
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
from blocs.uploads import check_attachment

FORMAT = "emulation-bloc-year"
VERSION = 1

BLOC_FIELDS = ("code", "name", "kind", "founding_decision", "founded_year")
UNIT_FIELDS = ("short_code", "name", "parent_body", "kind", "is_active")
UNIT_LINKS = ("renamed_from", "merged_into")
AWARD_FIELDS = ("code", "name", "kind", "level", "for_collectives", "for_individuals", "order", "is_active")
YEAR_FIELDS = ("year", "status", "registration_deadline", "place_name")
TOP_KEYS = ("province", "bloc", "units", "awards", "bloc_year", "memberships", "covenant", "registrations")


# --- Export ----------------------------------------------------------------------------------------------


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601; times in the project's time zone, whatever the request's, so exports are stable."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(timezone.get_default_timezone())
    return value.isoformat() if value is not None else None


def _values(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _iso(value) if isinstance(value, dt.date) else value
            for name in fields for value in [getattr(instance, name)]}


def _with_linked_units(units: Iterable[Unit]) -> dict[int, Unit]:
    """The units plus those they were renamed from or merged into, transitively."""
    found = {unit.pk: unit for unit in units}
    while missing := {pk for unit in found.values() for pk in (unit.renamed_from_id, unit.merged_into_id)
                      if pk is not None and pk not in found}:
        found.update({unit.pk: unit for unit in Unit.objects.filter(pk__in=missing)})
    return found


def _unit_entry(unit: Unit, units: Mapping[int, Unit]) -> dict[str, Any]:
    links = {"renamed_from": unit.renamed_from_id, "merged_into": unit.merged_into_id}
    return {**_values(unit, UNIT_FIELDS),
            **{key: units[pk].short_code if pk else None for key, pk in links.items()}}


def _scan_entry(scan: FieldFile) -> dict[str, str] | None:
    if not scan:
        return None
    with scan.open("rb") as handle:
        content = handle.read()
    return {"file_name": PurePath(scan.name).name,
            "content_base64": base64.b64encode(content).decode("ascii")}


def _covenant_entry(covenant: Covenant | None) -> dict[str, Any]:
    if covenant is None:
        return {"signed_on": None, "signed_place": "", "items": [], "scan": None}
    return {"signed_on": _iso(covenant.signed_on), "signed_place": covenant.signed_place,
            "items": [[item.content, item.target] for item in covenant.items.order_by("order")],
            "scan": _scan_entry(covenant.scan)}


def _registration_entry(registration: Registration) -> dict[str, Any]:
    return {
        "unit": registration.unit.short_code,
        "targets": registration.targets,
        "awards": sorted(award.code for award in registration.awards.all()),
        "submitted_at": _iso(registration.submitted_at),
        "submitted_by": registration.submitted_by.username if registration.submitted_by else None,
        "is_late": registration.is_late,
    }


def archive_export(bloc_year: BlocYear) -> dict[str, Any]:
    """The whole bloc year as plain JSON values (docs/archive-format.md, version 1)."""
    bloc_year = BlocYear.objects.select_related("bloc__province").get(pk=bloc_year.pk)
    memberships = list(bloc_year.memberships.select_related("unit"))
    registrations = list(bloc_year.registrations.select_related("unit", "submitted_by")
                         .prefetch_related("awards"))
    units = _with_linked_units([m.unit for m in memberships] + [r.unit for r in registrations])
    awards = {award.pk: award for r in registrations for award in r.awards.all()}
    return {
        "format": FORMAT,
        "version": VERSION,
        "province": bloc_year.bloc.province.name,
        "bloc": _values(bloc_year.bloc, BLOC_FIELDS),
        "units": sorted((_unit_entry(unit, units) for unit in units.values()), key=itemgetter("short_code")),
        "awards": sorted((_values(award, AWARD_FIELDS) for award in awards.values()), key=itemgetter("code")),
        "bloc_year": _values(bloc_year, YEAR_FIELDS),
        "memberships": sorted(({"unit": m.unit.short_code, "position": m.position} for m in memberships),
                              key=itemgetter("unit")),
        "covenant": _covenant_entry(Covenant.objects.filter(bloc_year=bloc_year).first()),
        "registrations": sorted((_registration_entry(r) for r in registrations), key=itemgetter("unit")),
    }


def archive_dumps(bloc_year: BlocYear) -> str:
    """The canonical text of the archive: the same year always gives the same bytes."""
    return json.dumps(archive_export(bloc_year), ensure_ascii=False, indent=2, sort_keys=True)


def archive_loads(raw: bytes | str) -> dict[str, Any]:
    """Parse an uploaded archive; refuse what is not a JSON object."""
    try:
        data = json.loads(raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise ValidationError(_("The file is not valid JSON (%(error)s).") % {"error": error}) from error
    return dict(_object(data, None))


# --- Reading an archive: shape and references, before anything is written ------------------------------


@dataclass(frozen=True)
class _Archive:
    province: str
    bloc: dict[str, Any]
    units: dict[str, dict[str, Any]]
    awards: dict[str, dict[str, Any]]
    year: dict[str, Any]
    memberships: dict[str, str]
    covenant: dict[str, Any]
    registrations: dict[str, dict[str, Any]]


def _object(value: Any, where: str | None) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        if where is None:
            raise ValidationError(_("The archive must be a JSON object."))
        raise ValidationError(_("“%(where)s” in the archive must be a JSON object.") % {"where": where})
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationError(_("“%(where)s” in the archive must be a list.") % {"where": where})
    return value


def _key(obj: Mapping[str, Any], key: str, where: str | None) -> Any:
    if key not in obj:
        if where is None:
            raise ValidationError(_("The archive lacks “%(key)s”.") % {"key": key})
        raise ValidationError(_("The archive lacks “%(key)s” in “%(where)s”.") % {"key": key, "where": where})
    return obj[key]


def _field_value(field: models.Field, value: Any, where: str) -> Any:
    """The value checked as the model field checks it (type, choices, length, blank)."""
    problem = None
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value)  # some keyboards write decomposed Vietnamese
    if isinstance(field, models.CharField | models.TextField) and not isinstance(value, str):
        problem = _("Text is expected.")
    else:
        try:
            value = field.clean(value, None)
        except ValidationError as error:
            problem = " ".join(error.messages)
        except (TypeError, ValueError):  # e.g. a number where a date is expected
            problem = _("The value has the wrong type.")
    if problem:
        raise ValidationError(_("Invalid “%(key)s” in “%(where)s”: %(problem)s")
                              % {"key": field.name, "where": where, "problem": problem})
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _fields(model: type[models.Model], raw: Any, names: Iterable[str], where: str) -> dict[str, Any]:
    obj = _object(raw, where)
    return {name: _field_value(model._meta.get_field(name), _key(obj, name, where), where) for name in names}


def _code(value: Any, known: Collection[str], where: str, *, kind: str) -> str:
    """A reference by code that must name an entry of the archive's "units" or "awards"."""
    if not isinstance(value, str) or value not in known:
        message = (_("“%(where)s” names the unit “%(code)s”, which is not among the archive's units.")
                   if kind == "unit" else
                   _("“%(where)s” names the award “%(code)s”, which is not among the archive's awards."))
        raise ValidationError(message % {"where": where, "code": value})
    return value


def _keyed(entries: Iterable[tuple[str, Any]], where: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for code, value in entries:
        if code in result:
            raise ValidationError(_("“%(code)s” appears twice in “%(where)s”.")
                                  % {"code": code, "where": where})
        result[code] = value
    return result


def _plausible_year(value: int, where: str) -> int:
    if not 1945 <= value <= 2200:
        raise ValidationError(_("“%(where)s”: the year %(year)s is not plausible (1945–2200).")
                              % {"where": where, "year": value})
    return value


def _check_format(data: Mapping[str, Any]) -> None:
    found = data.get("format")
    if found != FORMAT:
        raise ValidationError(
            _("This file is not a bloc-year archive (its format is “%(found)s”, expected “%(expected)s”).")
            % {"found": found if found is not None else "—", "expected": FORMAT})
    version = _key(data, "version", None)
    if type(version) is not int or version != VERSION:
        raise ValidationError(
            _("This archive is version %(found)s; this application reads version %(supported)s only.")
            % {"found": version, "supported": VERSION})


def _read_unit(item: Any, where: str, codes: Collection[str]) -> dict[str, Any]:
    entry = _fields(Unit, item, UNIT_FIELDS, where)
    for link in UNIT_LINKS:
        value = _key(item, link, where)
        entry[link] = None if value is None else _code(value, codes, where, kind="unit")
    return entry


def _read_units(raw: Any) -> dict[str, dict[str, Any]]:
    items = _list(raw, "units")
    # Links may point forward in the list.
    codes = {item["short_code"] for item in items if isinstance(item, dict) and isinstance(item.get("short_code"), str)}
    entries = (_read_unit(item, f"units[{i}]", codes) for i, item in enumerate(items))
    return _keyed(((entry["short_code"], entry) for entry in entries), "units")


def _read_awards(raw: Any) -> dict[str, dict[str, Any]]:
    items = enumerate(_list(raw, "awards"))
    entries = (_fields(Award, item, AWARD_FIELDS, f"awards[{i}]") for i, item in items)
    return _keyed(((entry["code"], entry) for entry in entries), "awards")


def _read_memberships(raw: Any, units: Collection[str]) -> dict[str, str]:
    """{unit code: position}, with at most one head (the database refuses a second one too)."""
    pairs = []
    for i, item in enumerate(_list(raw, "memberships")):
        where = f"memberships[{i}]"
        position = _fields(Membership, item, ["position"], where)["position"]
        pairs.append((_code(_key(item, "unit", where), units, where, kind="unit"), position))
    memberships = _keyed(pairs, "memberships")
    if list(memberships.values()).count(Membership.Position.HEAD) > 1:
        raise ValidationError(_("The archive names more than one head unit."))
    return memberships


def _read_scan(raw: Any) -> ContentFile | None:
    """The signed scan, checked by content like any uploaded attachment."""
    if raw is None:
        return None
    scan = _object(raw, "covenant.scan")
    name, content = _key(scan, "file_name", "covenant.scan"), _key(scan, "content_base64", "covenant.scan")
    try:
        name = get_valid_filename(PurePath(str(name)).name)
        data = base64.b64decode(str(content), validate=True)
    except (SuspiciousFileOperation, binascii.Error, ValueError) as error:
        raise ValidationError(_("The covenant's scan is damaged (%(error)s).") % {"error": error}) from error
    return check_attachment(ContentFile(data, name=name))


def _read_item(item: Any, where: str) -> tuple[str, str]:
    if not isinstance(item, list) or len(item) != 2:
        raise ValidationError(_("“%(where)s” must be a pair [content, target].") % {"where": where})
    content, target = (_field_value(CovenantItem._meta.get_field(name), value, where)
                       for name, value in zip(("content", "target"), item, strict=True))
    return content, target


def _read_covenant(raw: Any) -> dict[str, Any]:
    covenant = _fields(Covenant, raw, ("signed_on", "signed_place"), "covenant")
    items = _list(_key(raw, "items", "covenant"), "covenant.items")
    return {**covenant, "items": [_read_item(item, f"covenant.items[{i}]") for i, item in enumerate(items)],
            "scan": _read_scan(_key(raw, "scan", "covenant"))}


def _read_registration(item: Any, where: str, archive: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    entry = _fields(Registration, item, ("targets", "submitted_at", "is_late"), where)
    unit = _code(_key(item, "unit", where), archive["units"], where, kind="unit")
    if unit not in archive["memberships"]:
        raise ValidationError(_("“%(where)s” is for %(code)s, which is not a member in the archive's year.")
                              % {"where": where, "code": unit})
    codes = _list(_key(item, "awards", where), f"{where}.awards")
    entry["awards"] = sorted({_code(code, archive["awards"], where, kind="award") for code in codes})
    entry["submitted_by"] = _key(item, "submitted_by", where)
    if entry["submitted_by"] is not None and not isinstance(entry["submitted_by"], str):
        raise ValidationError(_("Invalid “%(key)s” in “%(where)s”: %(problem)s")
                              % {"key": "submitted_by", "where": where, "problem": _("Text is expected.")})
    if entry["is_late"] and entry["submitted_at"] is None:
        raise ValidationError(_("“%(where)s” is marked late but has no submission time.") % {"where": where})
    return unit, entry


def _read(data: Any) -> _Archive:
    """Check the whole archive, its shape and its references, before anything is written."""
    data = _object(data, None)
    _check_format(data)
    for key in TOP_KEYS:
        _key(data, key, None)
    parts: dict[str, Any] = {"units": _read_units(data["units"]), "awards": _read_awards(data["awards"])}
    parts["memberships"] = _read_memberships(data["memberships"], parts["units"])
    items = enumerate(_list(data["registrations"], "registrations"))
    registrations = (_read_registration(item, f"registrations[{i}]", parts) for i, item in items)
    parts["registrations"] = _keyed(registrations, "registrations")
    bloc = _fields(Bloc, data["bloc"], BLOC_FIELDS, "bloc")
    _plausible_year(bloc["founded_year"], "bloc")
    year = _fields(BlocYear, data["bloc_year"], YEAR_FIELDS, "bloc_year")
    _plausible_year(year["year"], "bloc_year")
    province = _field_value(Province._meta.get_field("name"), data["province"], "province")
    return _Archive(province=province.strip(), bloc=bloc, year=year,
                    covenant=_read_covenant(data["covenant"]), **parts)


# --- Writing: reuse what exists when it is the same thing, create the rest, in one transaction ----------


def _refuse_other_name(kind: str, code: str, existing_name: str, archive_name: str) -> None:
    if existing_name != archive_name:
        messages = {
            "unit": _("A unit with the short code %(code)s already exists under another name (“%(name)s”); "
                      "the archive calls it “%(archived)s”."),
            "award": _("An award with the code %(code)s already exists under another name (“%(name)s”); "
                       "the archive calls it “%(archived)s”."),
            "bloc": _("A bloc with the code %(code)s already exists under another name (“%(name)s”); "
                      "the archive calls it “%(archived)s”."),
        }
        raise ValidationError(messages[kind]
                              % {"code": code, "name": existing_name, "archived": archive_name})


def _bloc_for(actor: User | None, province: Province, entry: dict[str, Any]) -> Bloc:
    bloc = Bloc.objects.filter(code=entry["code"]).first()
    if bloc is not None:
        _refuse_other_name("bloc", bloc.code, bloc.name, entry["name"])
        return bloc
    return services.bloc_save(actor=actor, data={**entry, "province": province})


def _units_for(actor: User | None, province: Province,
               entries: dict[str, dict[str, Any]]) -> tuple[dict[str, Unit], list[str]]:
    """Existing units by short code, the others created after the units they link to."""
    done = {unit.short_code: unit for unit in Unit.objects.filter(short_code__in=entries)}
    for code, unit in done.items():
        _refuse_other_name("unit", code, unit.name, entries[code]["name"])
    created: list[str] = []
    pending = [code for code in sorted(entries) if code not in done]
    while pending:
        ready = [code for code in pending if all(entries[code][link] in done or entries[code][link] is None
                                                 for link in UNIT_LINKS)]
        if not ready:
            raise ValidationError(
                _("The units' “renamed_from” and “merged_into” links go round in a circle."))
        for code in ready:
            links = {link: done.get(entries[code][link]) for link in UNIT_LINKS}
            data = {**entries[code], **links, "province": province}
            done[code] = services.unit_save(actor=actor, data=data)
            created.append(code)
        pending = [code for code in pending if code not in done]
    return done, created


def _awards_for(actor: User | None, entries: dict[str, dict[str, Any]]) -> tuple[dict[str, Award], list[str]]:
    done = {award.code: award for award in Award.objects.filter(code__in=entries)}
    for code, award in done.items():
        _refuse_other_name("award", code, award.name, entries[code]["name"])
    created = [code for code in sorted(entries) if code not in done]
    done.update({code: services.award_save(actor=actor, data=entries[code]) for code in created})
    return done, created


def _add_memberships(bloc_year: BlocYear, memberships: dict[str, str], units: dict[str, Unit]) -> None:
    """Historical seats are written as they were (a unit may have become inactive since)."""
    taken = (Membership.objects.filter(year=bloc_year.year, unit__in=[units[code] for code in memberships])
             .select_related("unit", "bloc_year__bloc").first())
    if taken is not None:
        raise ValidationError(
            _("%(unit)s is already a member of %(bloc)s in %(year)s.")
            % {"unit": taken.unit.name, "bloc": taken.bloc_year.bloc.name, "year": taken.year})
    Membership.objects.bulk_create(
        Membership(bloc_year=bloc_year, unit=units[code], year=bloc_year.year, position=position)
        for code, position in memberships.items()
    )


def _add_registrations(bloc_year: BlocYear, registrations: dict[str, dict[str, Any]], units: dict[str, Unit],
                       awards: dict[str, Award]) -> None:
    """Submission times and lateness are facts of the past: taken as archived, not recomputed."""
    usernames = {entry["submitted_by"] for entry in registrations.values()}
    users = {user.username: user for user in User.objects.filter(username__in=usernames - {None})}
    for code, entry in registrations.items():
        registration = Registration.objects.create(
            bloc_year=bloc_year, unit=units[code], targets=entry["targets"],
            submitted_at=entry["submitted_at"], submitted_by=users.get(entry["submitted_by"]),
            is_late=entry["is_late"])
        registration.awards.set([awards[award] for award in entry["awards"]])


@transaction.atomic
def archive_import(*, actor: User | None, data: Mapping[str, Any]) -> BlocYear:
    """Create the archived bloc year; nothing is saved if any part is refused.

    Units, awards and the bloc are reused when one with the same code and name exists. The status is
    taken from the archive (historical data), so the year does not walk through its steps again.
    """
    archive = _read(data)
    province = services.province_get_or_create(name=archive.province)
    bloc = _bloc_for(actor, province, archive.bloc)
    if bloc.years.filter(year=archive.year["year"]).exists():
        raise ValidationError(_("The bloc %(bloc)s already has a year %(year)s; it was not imported again.")
                              % {"bloc": bloc.name, "year": archive.year["year"]})
    units, new_units = _units_for(actor, province, archive.units)
    awards, new_awards = _awards_for(actor, archive.awards)
    bloc_year = services.bloc_year_create(
        actor=actor, bloc=bloc, year=archive.year["year"], place_name=archive.year["place_name"],
        registration_deadline=archive.year["registration_deadline"])
    _add_memberships(bloc_year, archive.memberships, units)
    _add_registrations(bloc_year, archive.registrations, units, awards)
    covenant = archive.covenant
    services.covenant_update(actor=actor, bloc_year=bloc_year, signed_on=covenant["signed_on"],
                             signed_place=covenant["signed_place"], items=covenant["items"],
                             scan=covenant["scan"])
    BlocYear.objects.filter(pk=bloc_year.pk).update(status=archive.year["status"])
    bloc_year.refresh_from_db()
    audit(actor=actor, action="blocs.archive.imported", bloc_year=bloc_year, obj=bloc_year, changes={
        "format": FORMAT, "version": VERSION, "status": bloc_year.status, "units_created": new_units,
        "awards_created": new_awards, "members": len(archive.memberships),
        "registrations": len(archive.registrations)})
    return bloc_year
