"""The bloc-year archive: one bloc year as a JSON document, exported and imported (issue 2, item 9).

The format is described in docs/archive-format.md. An archive names units by short code, awards by code
and people by username, never by database id, and lists everything in a fixed order, so that
export → import into an empty database → export gives the same bytes (`archive_dumps`).

Other apps add their own parts through `register_section()` (awards adds the vote): `blocs` never imports
them, the way imports run in this project (style.md). The framework every part uses, the section registry,
writing and reading values and the version check, is emulation/kernel/archive.py; the bloc year's own parts
are here.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from pathlib import PurePath
from typing import Any

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import DataError, IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from blocs.audit import audit
from blocs.models import (
    Award,
    Bloc,
    BlocYear,
    CheckAssignment,
    CheckValue,
    Covenant,
    CovenantItem,
    Evidence,
    Membership,
    Province,
    Registration,
    Scorecard,
    ScoreLine,
    ScoringItem,
    ScoringTable,
    Unit,
    User,
)
from blocs.services.bloc_years import bloc_year_create
from blocs.services.registration import covenant_update
from blocs.services.units import award_save, bloc_save, province_get_or_create, unit_save
from emulation.kernel.archive import (
    SectionRegistry,
    check_format,
    decimal_text,
    file_base64,
    iso,
    read_code,
    read_fields,
    read_key,
    read_keyed,
    read_list,
    read_object,
    read_refusal,
    read_value,
    values_of,
)
from emulation.kernel.uploads import check_attachment

logger = logging.getLogger(__name__)
FORMAT = "emulation-bloc-year"
VERSION = 3
READABLE_VERSIONS = (1, 2, 3)

BLOC_FIELDS = ("code", "name", "kind", "founding_decision", "founded_year")
UNIT_FIELDS = ("short_code", "name", "parent_body", "kind", "is_active")
UNIT_LINKS = ("renamed_from", "merged_into")
AWARD_FIELDS = ("code", "name", "kind", "level", "for_collectives", "for_individuals", "order", "is_active")
YEAR_FIELDS = ("year", "status", "registration_deadline", "place_name")
TOP_KEYS = ("province", "bloc", "units", "awards", "bloc_year", "memberships", "covenant", "registrations")
TOP_KEYS_SINCE_2 = ("scoring",)
TABLE_FIELDS = ("max_total", "bonus_cap", "check_mode", "locked_at", "published_at")
ITEM_FIELDS = ("kind", "group", "code", "text", "max_points", "evidence_required", "guidance", "order")
SCORECARD_FIELDS = ("submitted_at", "checked_at", "verified_at", "disqualification_note", "final_total")
LINE_FIELDS = ("self_value", "self_comment", "checked_value", "final_value", "final_note")
LINE_VALUES = ("self_value", "checked_value", "final_value")


# --- Sections other apps add (register_section) -----------------------------------------------------------


class ExportRefs:
    """The units and awards a section names; they travel in the archive's "units" and "awards" lists."""

    def __init__(self) -> None:
        self.units: dict[int, Unit] = {}
        self.awards: dict[int, Award] = {}

    def unit(self, unit: Unit | None) -> str | None:
        if unit is None:
            return None
        self.units[unit.pk] = unit
        return unit.short_code

    def unit_codes(self, pks: Iterable[int]) -> dict[int, str]:
        """{unit id: short code} for the given ids, each unit recorded as named."""
        wanted = set(pks)
        missing = wanted - set(self.units)
        self.units.update(Unit.objects.in_bulk(missing))
        return {pk: self.units[pk].short_code for pk in wanted if pk in self.units}

    def award(self, award: Award | None) -> str | None:
        if award is None:
            return None
        self.awards[award.pk] = award
        return award.code


@dataclass(frozen=True)
class ImportContext:
    """What a section's importer may refer to: the new year and the archive's units and awards."""

    actor: User | None
    bloc_year: BlocYear
    units: Mapping[str, Unit]  # every unit of the archive, by short code
    awards: Mapping[str, Award]  # every award of the archive, by code
    members: Collection[str]  # the year's member units, by short code


SECTIONS = SectionRegistry(core=("format", "version", *TOP_KEYS, *TOP_KEYS_SINCE_2))


def register_section(name: str, export_fn: Callable[[BlocYear, ExportRefs], Any],
                     import_fn: Callable[[ImportContext, Any], Mapping[str, Any]],
                     verify_fn: Callable[[BlocYear], None] | None = None) -> None:
    """Add a top-level key to the archive, written and read by another app, in registration order.

    `import_fn(context, value)` runs in the import's transaction after the core year is written, with
    `value` = None for an archive of version 1, which has no such key; `verify_fn(bloc_year)` runs once
    every section is written, e.g. to recount. Registering a name again replaces it (ready() may run twice).
    """
    SECTIONS.register(name, export_fn, import_fn, verify_fn)


def registered_sections() -> tuple[str, ...]:
    return SECTIONS.names()


def register_export_guard(guard: Callable[[BlocYear], str | None]) -> None:
    """A check another app runs before a download: it returns why the year cannot be exported now."""
    SECTIONS.register_export_guard(guard)


def export_refusals(bloc_year: BlocYear) -> list[str]:
    return SECTIONS.export_refusals(bloc_year)


# --- Export ----------------------------------------------------------------------------------------------


def _with_linked_units(units: Iterable[Unit]) -> dict[int, Unit]:
    """The units plus those they were renamed from or merged into, transitively."""
    found = {unit.pk: unit for unit in units}
    while missing := {pk for unit in found.values() for pk in (unit.renamed_from_id, unit.merged_into_id)
                      if pk is not None and pk not in found}:
        found.update({unit.pk: unit for unit in Unit.objects.filter(pk__in=missing)})
    return found


def _unit_entry(unit: Unit, units: Mapping[int, Unit]) -> dict[str, Any]:
    links = {"renamed_from": unit.renamed_from_id, "merged_into": unit.merged_into_id}
    return {**values_of(unit, UNIT_FIELDS),
            **{key: units[pk].short_code if pk else None for key, pk in links.items()}}


def _scan_entry(scan: FieldFile) -> dict[str, str] | None:
    if not scan:
        return None
    return {"file_name": PurePath(scan.name).name, "content_base64": file_base64(scan)}


def _covenant_entry(covenant: Covenant | None) -> dict[str, Any]:
    if covenant is None:
        return {"signed_on": None, "signed_place": "", "items": [], "scan": None}
    return {"signed_on": iso(covenant.signed_on), "signed_place": covenant.signed_place,
            "items": [[item.content, item.target] for item in covenant.items.order_by("order")],
            "scan": _scan_entry(covenant.scan)}


def _registration_entry(registration: Registration) -> dict[str, Any]:
    return {
        "unit": registration.unit.short_code,
        "targets": registration.targets,
        "awards": sorted(award.code for award in registration.awards.all()),
        "submitted_at": iso(registration.submitted_at),
        "submitted_by": registration.submitted_by.username if registration.submitted_by else None,
        "is_late": registration.is_late,
        **({"received_on": iso(registration.received_on)} if registration.received_on else {}),
    }


def _line_entry(line: ScoreLine) -> dict[str, Any]:
    checks = sorted(([check.checker.short_code, decimal_text(check.value), check.comment]
                     for check in line.checks.all()), key=itemgetter(0))
    evidence = sorted(({"name": item.name, "content_base64": file_base64(item.file)} for item in line.evidence.all()),
                      key=itemgetter("name", "content_base64"))
    return {"item": line.item.code, **values_of(line, LINE_FIELDS), "checks": checks, "evidence": evidence}


def _scorecard_entry(card: Scorecard, refs: ExportRefs) -> dict[str, Any]:
    lines = sorted(card.lines.all(), key=lambda line: (line.item.order, line.item.code))
    return {"unit": refs.unit(card.unit), **values_of(card, SCORECARD_FIELDS),
            "disqualifier": card.disqualifier.code if card.disqualifier else None,
            **_on_behalf_entry(card),
            "lines": [_line_entry(line) for line in lines]}


def _on_behalf_entry(card: Scorecard) -> dict[str, Any]:
    """Self-scores the secretariat entered on the unit's behalf: the day they were received and who entered
    them (issue 10, item 2); nothing for self-scores the unit submitted itself."""
    if not card.is_on_behalf:
        return {}
    return {"received_on": iso(card.received_on),
            "submitted_by": card.submitted_by.username if card.submitted_by else None}


def _scoring_entry(bloc_year: BlocYear, refs: ExportRefs) -> dict[str, Any]:
    """The scoring table, every scorecard with its three values per line, and who checks whom."""
    table = ScoringTable.objects.filter(bloc_year=bloc_year).first()
    items = sorted(table.items.all(), key=lambda item: (item.order, item.code)) if table else []
    cards = (bloc_year.scorecards.select_related("unit", "disqualifier", "submitted_by")
             .prefetch_related("lines__item", "lines__checks__checker", "lines__evidence"))
    pairs = bloc_year.check_assignments.select_related("checker", "checked")
    return {
        "table": None if table is None else {**values_of(table, TABLE_FIELDS),
                                             "items": [values_of(item, ITEM_FIELDS) for item in items]},
        "scorecards": sorted((_scorecard_entry(card, refs) for card in cards), key=itemgetter("unit")),
        "check_assignments": sorted([refs.unit(pair.checker), refs.unit(pair.checked)] for pair in pairs),
    }


def archive_export(bloc_year: BlocYear) -> dict[str, Any]:
    """The whole bloc year as plain JSON values (docs/archive-format.md, version 2)."""
    bloc_year = BlocYear.objects.select_related("bloc__province").get(pk=bloc_year.pk)
    memberships = list(bloc_year.memberships.select_related("unit"))
    registrations = list(bloc_year.registrations.select_related("unit", "submitted_by")
                         .prefetch_related("awards"))
    refs = ExportRefs()
    parts = {"scoring": _scoring_entry(bloc_year, refs),
             **{name: section.export(bloc_year, refs) for name, section in SECTIONS.items()}}
    units = _with_linked_units([m.unit for m in memberships] + [r.unit for r in registrations]
                               + list(refs.units.values()))
    awards = {award.pk: award for r in registrations for award in r.awards.all()} | refs.awards
    return {
        "format": FORMAT,
        "version": VERSION,
        "province": bloc_year.bloc.province.name,
        "bloc": values_of(bloc_year.bloc, BLOC_FIELDS),
        "units": sorted((_unit_entry(unit, units) for unit in units.values()), key=itemgetter("short_code")),
        "awards": sorted((values_of(award, AWARD_FIELDS) for award in awards.values()), key=itemgetter("code")),
        "bloc_year": values_of(bloc_year, YEAR_FIELDS),
        "memberships": sorted(({"unit": m.unit.short_code, "position": m.position} for m in memberships),
                              key=itemgetter("unit")),
        "covenant": _covenant_entry(Covenant.objects.filter(bloc_year=bloc_year).first()),
        "registrations": sorted((_registration_entry(r) for r in registrations), key=itemgetter("unit")),
        **parts,
    }


def archive_dumps(bloc_year: BlocYear) -> str:
    """The canonical text of the archive: the same year always gives the same bytes."""
    return json.dumps(archive_export(bloc_year), ensure_ascii=False, indent=2, sort_keys=True)


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
    scoring: dict[str, Any]
    version: int


def _plausible_year(value: int, where: str) -> int:
    if not 1945 <= value <= 2200:
        raise ValidationError(_("“%(where)s”: the year %(year)s is not plausible (1945–2200).")
                              % {"where": where, "year": value})
    return value


def _read_unit(item: Any, where: str, codes: Collection[str]) -> dict[str, Any]:
    entry = read_fields(Unit, item, UNIT_FIELDS, where)
    for link in UNIT_LINKS:
        value = read_key(item, link, where)
        entry[link] = None if value is None else read_code(value, codes, where, kind="unit")
    return entry


def _read_units(raw: Any) -> dict[str, dict[str, Any]]:
    items = read_list(raw, "units")
    # Links may point forward in the list.
    codes = {item["short_code"] for item in items if isinstance(item, dict) and isinstance(item.get("short_code"), str)}
    entries = (_read_unit(item, f"units[{i}]", codes) for i, item in enumerate(items))
    return read_keyed(((entry["short_code"], entry) for entry in entries), "units")


def _read_awards(raw: Any) -> dict[str, dict[str, Any]]:
    items = enumerate(read_list(raw, "awards"))
    entries = (read_fields(Award, item, AWARD_FIELDS, f"awards[{i}]") for i, item in items)
    return read_keyed(((entry["code"], entry) for entry in entries), "awards")


def _read_memberships(raw: Any, units: Collection[str]) -> dict[str, str]:
    """{unit code: position}, with at most one head (the database refuses a second one too)."""
    pairs = []
    for i, item in enumerate(read_list(raw, "memberships")):
        where = f"memberships[{i}]"
        position = read_fields(Membership, item, ["position"], where)["position"]
        pairs.append((read_code(read_key(item, "unit", where), units, where, kind="unit"), position))
    memberships = read_keyed(pairs, "memberships")
    if list(memberships.values()).count(Membership.Position.HEAD) > 1:
        raise ValidationError(_("The archive names more than one head unit."))
    return memberships


def _read_scan(raw: Any) -> ContentFile | None:
    """The signed scan, checked by content like any uploaded attachment."""
    if raw is None:
        return None
    scan = read_object(raw, "covenant.scan")
    name, content = read_key(scan, "file_name", "covenant.scan"), read_key(scan, "content_base64", "covenant.scan")
    try:
        name = get_valid_filename(PurePath(str(name)).name)
        data = base64.b64decode(str(content), validate=True)
    except (SuspiciousFileOperation, binascii.Error, ValueError) as error:
        raise ValidationError(_("The covenant's scan is damaged (%(error)s).") % {"error": error}) from error
    return check_attachment(ContentFile(data, name=name))


def _read_item(item: Any, where: str) -> tuple[str, str]:
    if not isinstance(item, list) or len(item) != 2:
        raise ValidationError(_("“%(where)s” must be a pair [content, target].") % {"where": where})
    content, target = (read_value(CovenantItem._meta.get_field(name), value, where)
                       for name, value in zip(("content", "target"), item, strict=True))
    return content, target


def _read_covenant(raw: Any) -> dict[str, Any]:
    covenant = read_fields(Covenant, raw, ("signed_on", "signed_place"), "covenant")
    items = read_list(read_key(raw, "items", "covenant"), "covenant.items")
    return {**covenant, "items": [_read_item(item, f"covenant.items[{i}]") for i, item in enumerate(items)],
            "scan": _read_scan(read_key(raw, "scan", "covenant"))}


def _read_registration(item: Any, where: str, archive: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    entry = read_fields(Registration, item, ("targets", "submitted_at", "is_late"), where)
    unit = _member_code(read_key(item, "unit", where), archive, where)
    codes = read_list(read_key(item, "awards", where), f"{where}.awards")
    entry["awards"] = sorted({read_code(code, archive["awards"], where, kind="award") for code in codes})
    entry["submitted_by"] = read_key(item, "submitted_by", where)
    if entry["submitted_by"] is not None and not isinstance(entry["submitted_by"], str):
        raise ValidationError(_("Invalid “%(key)s” in “%(where)s”: %(problem)s")
                              % {"key": "submitted_by", "where": where, "problem": _("Text is expected.")})
    if entry["is_late"] and entry["submitted_at"] is None:
        raise ValidationError(_("“%(where)s” is marked late but has no submission time.") % {"where": where})
    # A paper registration's day of arrival; archives written before it existed have no such key.
    received = item.get("received_on")
    entry["received_on"] = (read_fields(Registration, {"received_on": received}, ("received_on",), where)
                            ["received_on"] if received is not None else None)
    return unit, entry


# Scoring (version 2): the table, the scorecards with self, checked and final values, who checks whom.


def _not_negative(entry: Mapping[str, Any], names: Iterable[str], where: str) -> None:
    for name in names:
        if entry[name] is not None and entry[name] < 0:
            raise read_refusal(name, where, _("A negative value is not allowed."))


def _read_table(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    where = "scoring.table"
    table = read_fields(ScoringTable, raw, TABLE_FIELDS, where)
    if table["max_total"] <= 0:
        raise read_refusal("max_total", where, _("The maximum total must be above zero."))
    _not_negative(table, ["bonus_cap"], where)
    items = []
    for i, item in enumerate(read_list(read_key(raw, "items", where), f"{where}.items")):
        items.append(read_fields(ScoringItem, item, ITEM_FIELDS, f"{where}.items[{i}]"))
        _not_negative(items[-1], ["max_points"], f"{where}.items[{i}]")
    return {**table, "items": read_keyed(((item["code"], item) for item in items), f"{where}.items")}


def _read_item_code(value: Any, items: Mapping[str, dict[str, Any]], where: str, *, kind: str | None = None) -> str:
    if not isinstance(value, str) or value not in items or (kind and items[value]["kind"] != kind):
        raise ValidationError(_("“%(where)s” names the item “%(code)s”, which is not in the archive's scoring "
                                "table (or not of the right kind).") % {"where": where, "code": value})
    return value


def _read_check(raw: Any, where: str, units: Collection[str]) -> tuple[str, tuple[Decimal, str]]:
    if not isinstance(raw, list) or len(raw) != 3:
        raise ValidationError(_("“%(where)s” must be a triple [checker, value, comment].") % {"where": where})
    checker = read_code(raw[0], units, where, kind="unit")
    value = read_value(CheckValue._meta.get_field("value"), raw[1], where)
    if value < 0:
        raise read_refusal("value", where, _("A negative value is not allowed."))
    return checker, (value, read_value(CheckValue._meta.get_field("comment"), raw[2], where))


def _read_evidence(raw: Any, where: str) -> tuple[str, ContentFile]:
    """An evidence file, checked by content like any uploaded attachment."""
    entry = read_object(raw, where)
    name = read_value(Evidence._meta.get_field("name"), read_key(entry, "name", where), where)
    content = read_key(entry, "content_base64", where)
    try:
        file_name = get_valid_filename(PurePath(name).name)
        data = base64.b64decode(str(content), validate=True)
    except (SuspiciousFileOperation, binascii.Error, ValueError) as error:
        raise ValidationError(_("The file in “%(where)s” is damaged (%(error)s).")
                              % {"where": where, "error": error}) from error
    return name, check_attachment(ContentFile(data, name=file_name))


def _read_line(raw: Any, where: str, items: Mapping[str, dict[str, Any]],
               units: Collection[str]) -> tuple[str, dict[str, Any]]:
    line = read_fields(ScoreLine, raw, LINE_FIELDS, where)
    _not_negative(line, LINE_VALUES, where)
    code = _read_item_code(read_key(raw, "item", where), items, where)
    checks = enumerate(read_list(read_key(raw, "checks", where), f"{where}.checks"))
    line["checks"] = read_keyed((_read_check(check, f"{where}.checks[{i}]", units) for i, check in checks),
                                f"{where}.checks")
    evidence = enumerate(read_list(read_key(raw, "evidence", where), f"{where}.evidence"))
    line["evidence"] = [_read_evidence(item, f"{where}.evidence[{i}]") for i, item in evidence]
    return code, line


def _read_scorecard(raw: Any, where: str, items: Mapping[str, dict[str, Any]],
                    archive: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    card = read_fields(Scorecard, raw, SCORECARD_FIELDS, where)
    _not_negative(card, ["final_total"], where)
    unit = _member_code(read_key(raw, "unit", where), archive, where)
    disqualifier = read_key(raw, "disqualifier", where)
    card["disqualifier"] = None if disqualifier is None else _read_item_code(
        disqualifier, items, where, kind=ScoringItem.Kind.DISQUALIFIER)
    lines = enumerate(read_list(read_key(raw, "lines", where), f"{where}.lines"))
    card["lines"] = read_keyed((_read_line(line, f"{where}.lines[{i}]", items, archive["units"])
                                for i, line in lines), f"{where}.lines")
    # Self-scores entered on the unit's behalf; archives written before that existed have no such keys.
    received = raw.get("received_on")
    card["received_on"] = (read_fields(Scorecard, {"received_on": received}, ("received_on",), where)["received_on"]
                           if received is not None else None)
    submitted_by = raw.get("submitted_by")
    if submitted_by is not None and not isinstance(submitted_by, str):
        raise read_refusal("submitted_by", where, _("Text is expected."))
    card["submitted_by"] = submitted_by
    return unit, card


def _read_pair(raw: Any, where: str, archive: Mapping[str, Any]) -> tuple[str, str]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise ValidationError(_("“%(where)s” must be a pair [checker, checked unit].") % {"where": where})
    checker, checked = (_member_code(code, archive, where) for code in raw)
    if checker == checked:
        raise ValidationError(_("“%(where)s”: a unit never checks itself.") % {"where": where})
    return checker, checked


def _read_scoring(raw: Any, archive: Mapping[str, Any]) -> dict[str, Any]:
    """Version 1 has no scoring: an empty one."""
    if raw is None:
        return {"table": None, "scorecards": {}, "check_assignments": []}
    scoring = read_object(raw, "scoring")
    table = _read_table(read_key(scoring, "table", "scoring"))
    items = table["items"] if table else {}
    cards = enumerate(read_list(read_key(scoring, "scorecards", "scoring"), "scoring.scorecards"))
    scorecards = read_keyed((_read_scorecard(card, f"scoring.scorecards[{i}]", items, archive)
                             for i, card in cards), "scoring.scorecards")
    pairs = enumerate(read_list(read_key(scoring, "check_assignments", "scoring"), "scoring.check_assignments"))
    assignments = [_read_pair(pair, f"scoring.check_assignments[{i}]", archive) for i, pair in pairs]
    if len(set(assignments)) != len(assignments):
        raise ValidationError(_("A pair appears twice in “%(where)s”.") % {"where": "scoring.check_assignments"})
    return {"table": table, "scorecards": scorecards, "check_assignments": assignments}


def _member_code(value: Any, archive: Mapping[str, Any], where: str) -> str:
    code = read_code(value, archive["units"], where, kind="unit")
    if code not in archive["memberships"]:
        raise ValidationError(_("“%(where)s” is for %(code)s, which is not a member in the archive's year.")
                              % {"where": where, "code": code})
    return code


def _read(data: Any) -> _Archive:
    """Check the whole archive, its shape and its references, before anything is written."""
    data = read_object(data, None)
    version = check_format(data, FORMAT, READABLE_VERSIONS)
    for key in TOP_KEYS + (TOP_KEYS_SINCE_2 if version >= 2 else ()):
        read_key(data, key, None)
    parts: dict[str, Any] = {"units": _read_units(data["units"]), "awards": _read_awards(data["awards"])}
    parts["memberships"] = _read_memberships(data["memberships"], parts["units"])
    items = enumerate(read_list(data["registrations"], "registrations"))
    registrations = (_read_registration(item, f"registrations[{i}]", parts) for i, item in items)
    parts["registrations"] = read_keyed(registrations, "registrations")
    bloc = read_fields(Bloc, data["bloc"], BLOC_FIELDS, "bloc")
    _plausible_year(bloc["founded_year"], "bloc")
    year = read_fields(BlocYear, data["bloc_year"], YEAR_FIELDS, "bloc_year")
    _plausible_year(year["year"], "bloc_year")
    province = read_value(Province._meta.get_field("name"), data["province"], "province")
    return _Archive(province=province.strip(), bloc=bloc, year=year, version=version,
                    covenant=_read_covenant(data["covenant"]), scoring=_read_scoring(data.get("scoring"), parts),
                    **parts)


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
    return bloc_save(actor=actor, data={**entry, "province": province})


def _units_for(actor: User | None, province: Province,
               entries: dict[str, dict[str, Any]]) -> tuple[dict[str, Unit], list[str]]:
    """Existing units by short code within the archive's province, the others created after the units they
    link to; then a merger or a closing the archive records and the installation does not know yet."""
    done = {unit.short_code: unit for unit in Unit.objects.filter(short_code__in=entries).select_related("province")}
    for code, unit in done.items():
        if unit.province_id != province.pk:
            raise ValidationError(_(
                "The archive's unit %(code)s (“%(name)s”) belongs to %(province)s, but the short code %(code)s is "
                "already used by a unit of %(other)s. Units are matched within their province: give one of them "
                "another short code, then import again.") % {
                    "code": code, "name": entries[code]["name"], "province": province.name,
                    "other": unit.province.name})
        _refuse_other_name("unit", code, unit.name, entries[code]["name"])
    existing = set(done)
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
            done[code] = unit_save(actor=actor, data=data)
            created.append(code)
        pending = [code for code in pending if code not in done]
    for code in sorted(existing):
        _record_later_facts(actor, done[code], entries[code], done)
    return done, created


def _record_later_facts(actor: User | None, unit: Unit, entry: dict[str, Any], units: dict[str, Unit]) -> None:
    """An archive of a later year may know that a unit was merged or closed; the installation takes that
    fact, never undoes one it already holds, and refuses a contradiction (issue 10, item 12)."""
    target = units.get(entry["merged_into"]) if entry["merged_into"] else None
    if target is not None and unit.merged_into_id not in (None, target.pk):
        raise ValidationError(_(
            "The archive says %(unit)s was merged into %(archived)s, but it is recorded as merged into %(known)s. "
            "Correct one of them, then import again.") % {
                "unit": unit.name, "archived": target.name, "known": unit.merged_into.name})
    data: dict[str, Any] = {}
    if target is not None and unit.merged_into_id is None:
        data["merged_into"] = target
    if entry["is_active"] is False and unit.is_active:
        data["is_active"] = False
    if data:
        unit_save(actor=actor, unit=unit, data=data)


def _awards_for(actor: User | None, entries: dict[str, dict[str, Any]]) -> tuple[dict[str, Award], list[str]]:
    done = {award.code: award for award in Award.objects.filter(code__in=entries)}
    for code, award in done.items():
        _refuse_other_name("award", code, award.name, entries[code]["name"])
    created = [code for code in sorted(entries) if code not in done]
    done.update({code: award_save(actor=actor, data=entries[code]) for code in created})
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
            is_late=entry["is_late"], received_on=entry["received_on"])
        registration.awards.set([awards[award] for award in entry["awards"]])


def _add_scorecard(bloc_year: BlocYear, unit: Unit, card: dict[str, Any], items: Mapping[str, ScoringItem],
                   units: Mapping[str, Unit], actor: User | None) -> None:
    submitted_by = User.objects.filter(username=card["submitted_by"]).first() if card["submitted_by"] else None
    scorecard = Scorecard.objects.create(
        bloc_year=bloc_year, unit=unit, disqualifier=items.get(card["disqualifier"]),
        is_on_behalf=card["received_on"] is not None, received_on=card["received_on"], submitted_by=submitted_by,
        **{name: card[name] for name in SCORECARD_FIELDS})
    ScoreLine.objects.bulk_create(ScoreLine(scorecard=scorecard, item=items[code],
                                            **{name: line[name] for name in LINE_FIELDS})
                                  for code, line in card["lines"].items())
    lines = {line.item.code: line for line in scorecard.lines.select_related("item")}
    CheckValue.objects.bulk_create(CheckValue(line=lines[code], checker=units[checker], value=value, comment=comment)
                                   for code, line in card["lines"].items()
                                   for checker, (value, comment) in line["checks"].items())
    for code, line in card["lines"].items():
        for name, content in line["evidence"]:
            _add_evidence(lines[code], name, content, actor)


def _add_evidence(line: ScoreLine, name: str, content: ContentFile, actor: User | None) -> None:
    """The uploader is not archived (the account may not exist here): the person importing stands in."""
    if actor is None or not actor.is_authenticated:
        raise ValidationError(_("The archive holds evidence files; import it signed in, so that the files are "
                                "recorded as uploaded by you."))
    evidence = Evidence(line=line, name=name, uploaded_by=actor)
    evidence.file.save(content.name, content, save=False)
    evidence.save()


def _add_scoring(context: ImportContext, scoring: dict[str, Any]) -> None:
    """Scores are facts of the past: written as archived (totals and checked means are not recomputed)."""
    items: dict[str, ScoringItem] = {}
    if scoring["table"] is not None:
        entry = scoring["table"]
        table = ScoringTable.objects.create(bloc_year=context.bloc_year,
                                            **{name: entry[name] for name in TABLE_FIELDS})
        ScoringItem.objects.bulk_create(ScoringItem(table=table, **item) for item in entry["items"].values())
        items = {item.code: item for item in table.items.all()}
    for code, card in scoring["scorecards"].items():
        _add_scorecard(context.bloc_year, context.units[code], card, items, context.units, context.actor)
    CheckAssignment.objects.bulk_create(
        CheckAssignment(bloc_year=context.bloc_year, checker=context.units[a], checked=context.units[b])
        for a, b in scoring["check_assignments"])


def _add_sections(context: ImportContext, data: Mapping[str, Any], version: int) -> dict[str, Any]:
    """Each registered section writes its part (None in a version 1 archive), then each verifies."""
    counts: dict[str, Any] = {}
    for name, section in SECTIONS.items():
        raw = read_key(data, name, None) if version >= 2 else None
        counts.update(section.load(context, raw))
    for section in SECTIONS:
        if section.verify is not None:
            section.verify(context.bloc_year)
    return counts


# What code reading a value of the wrong shape raises (a list where a code is expected, a number too big for a
# column...): in an uploaded archive these are the file's faults, told as such, never a server error.
SHAPE_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError, ArithmeticError, RecursionError,
                UnicodeError, DataError, IntegrityError)


def archive_import(*, actor: User | None, data: Mapping[str, Any],
                   provinces: Collection[int] | None = None) -> BlocYear:
    """Import an archive (see `_import`); a value of the wrong shape anywhere, in this module or in another
    app's section, is refused with one clear message and nothing is saved (issue 13).

    `provinces`, when given, are the provinces whose years the actor may import (the province board's);
    a year of another province is refused, and so undone, once read."""
    try:
        return _import(actor=actor, data=data, provinces=provinces)
    except ValidationError:
        raise
    except SHAPE_ERRORS as error:
        logger.warning("archive refused: %r", error)
        raise ValidationError(_("The archive could not be read: a value somewhere in it has the wrong type or "
                                "is out of range (%(error)s).") % {"error": type(error).__name__}) from error


def _check_province(bloc_year: BlocYear, provinces: Collection[int] | None) -> None:
    province = bloc_year.bloc.province
    if provinces is not None and province.pk not in provinces:
        message = _("You may import archives of your own province only (this one is for “%(name)s”).")
        raise ValidationError(message % {"name": province.name})


@transaction.atomic
def _import(*, actor: User | None, data: Mapping[str, Any], provinces: Collection[int] | None) -> BlocYear:
    """Create the archived bloc year; nothing is saved if any part is refused.

    Units, awards and the bloc are reused when one with the same code and name exists. The status is
    taken from the archive (historical data), so the year does not walk through its steps again.
    """
    archive = _read(data)
    province = province_get_or_create(name=archive.province)
    bloc = _bloc_for(actor, province, archive.bloc)
    if bloc.years.filter(year=archive.year["year"]).exists():
        raise ValidationError(_("The bloc %(bloc)s already has a year %(year)s; it was not imported again.")
                              % {"bloc": bloc.name, "year": archive.year["year"]})
    units, new_units = _units_for(actor, province, archive.units)
    awards, new_awards = _awards_for(actor, archive.awards)
    bloc_year = bloc_year_create(
        actor=actor, bloc=bloc, year=archive.year["year"], place_name=archive.year["place_name"],
        registration_deadline=archive.year["registration_deadline"])
    _add_memberships(bloc_year, archive.memberships, units)
    _add_registrations(bloc_year, archive.registrations, units, awards)
    covenant = archive.covenant
    covenant_update(actor=actor, bloc_year=bloc_year, signed_on=covenant["signed_on"],
                    signed_place=covenant["signed_place"], items=covenant["items"], scan=covenant["scan"])
    context = ImportContext(actor=actor, bloc_year=bloc_year, units=units, awards=awards,
                            members=frozenset(archive.memberships))
    _add_scoring(context, archive.scoring)
    counts = _add_sections(context, data, archive.version)
    BlocYear.objects.filter(pk=bloc_year.pk).update(status=archive.year["status"])
    bloc_year.refresh_from_db()
    _check_province(bloc_year, provinces)
    audit(actor=actor, action="blocs.archive.imported", bloc_year=bloc_year, obj=bloc_year, changes={
        "format": FORMAT, "version": archive.version, "status": bloc_year.status, "units_created": new_units,
        "awards_created": new_awards, "members": len(archive.memberships),
        "registrations": len(archive.registrations), "scorecards": len(archive.scoring["scorecards"]), **counts})
    return bloc_year
