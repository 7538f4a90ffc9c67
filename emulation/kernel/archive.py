"""The archive framework: a document of plain JSON values, its parts, and reading it back (issue 2, item 9;
docs/archive-format.md).

Which parts a document has is the owner's affair (blocs/archive.py writes and reads the bloc year's own
parts); here is what every part uses: a registry of the parts other apps add (`SectionRegistry`), values
written the one stable way (`values_of`, `iso`, `decimal_text`, `file_base64`), a parsed upload refused
when it is no JSON object or too deep (`archive_loads`), values read back as the model field checks them
(`read_fields`, `read_value`, ...), and the check of a document's format and version (`check_format`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from emulation.kernel.text import without_control

SURROGATE = re.compile("[\ud800-\udfff]")


# --- The parts other apps add ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    name: str
    export: Callable[..., Any]  # (the exported object, the owner's references) -> plain JSON values
    load: Callable[..., Mapping[str, Any]]  # writes; returns counts for the audit entry
    verify: Callable[..., None] | None = None  # after every part is written; raises to refuse


class SectionRegistry:
    """The top-level keys other apps add to a document, in registration order, apart from the owner's own
    (`core`); and the checks they run before a download."""

    def __init__(self, *, core: Collection[str]) -> None:
        self.core = frozenset(core)
        self._sections: dict[str, Section] = {}
        self._guards: list[Callable[[Any], str | None]] = []

    def register(self, name: str, export_fn: Callable[..., Any], import_fn: Callable[..., Mapping[str, Any]],
                 verify_fn: Callable[..., None] | None = None) -> None:
        """Registering a name again replaces it (ready() may run twice)."""
        if name in self.core:
            raise ImproperlyConfigured(f"The archive key “{name}” belongs to the core of the archive.")
        self._sections[name] = Section(name, export_fn, import_fn, verify_fn)

    def names(self) -> tuple[str, ...]:
        return tuple(self._sections)

    def items(self) -> list[tuple[str, Section]]:
        return list(self._sections.items())

    def __iter__(self) -> Iterator[Section]:
        return iter(list(self._sections.values()))

    def register_export_guard(self, guard: Callable[[Any], str | None]) -> None:
        if guard not in self._guards:
            self._guards.append(guard)

    def export_refusals(self, obj: Any) -> list[str]:
        return [reason for guard in self._guards if (reason := guard(obj))]


# --- Writing values ----------------------------------------------------------------------------------------


def iso(value: dt.date | dt.datetime | dt.time | None) -> str | None:
    """ISO 8601; times in the project's time zone, whatever the request's, so exports are stable."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(timezone.get_default_timezone())
    return value.isoformat() if value is not None else None


def decimal_text(value: Decimal | None) -> str | None:
    """Points and percentages as text with two decimals ("95.50"): exact, and the same on every database."""
    return None if value is None else str(value.quantize(Decimal("0.01")))


def plain_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return iso(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    return value


def values_of(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: plain_value(getattr(instance, name)) for name in fields}


def file_base64(file: FieldFile) -> str:
    with file.open("rb") as handle:
        return base64.b64encode(handle.read()).decode("ascii")


# --- Parsing an upload -------------------------------------------------------------------------------------


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(_("the number %(number)s is too large") % {"number": text[:20]})
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(_("%(name)s is not a number JSON allows") % {"name": name})


def _check_walk(data: Any) -> None:
    """Refuse nesting deeper than any archive has, and text no database or page can hold (a lone UTF-16
    surrogate, which JSON's \\u escapes can spell); walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if SURROGATE.search(value):
                raise ValidationError(_("The archive holds text that is not valid Unicode (a lone surrogate)."))
        elif isinstance(value, dict | list):
            if depth > settings.ARCHIVE_MAX_DEPTH:
                raise _too_deep()
            children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)


def archive_loads(raw: bytes | str) -> dict[str, Any]:
    """Parse an uploaded archive; refuse what is not a JSON object, nests deeper than any archive does, or
    holds numbers no field can take (NaN, Infinity, 1e999), with the importer's message (issue 13)."""
    if len(raw) > settings.ARCHIVE_MAX_BYTES:
        raise ValidationError(_("The archive is larger than %(size)s.")
                              % {"size": filesizeformat(settings.ARCHIVE_MAX_BYTES)})
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        data = json.loads(text, parse_float=_finite, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise _too_deep() from error
    except (UnicodeDecodeError, ValueError) as error:
        raise ValidationError(_("The file is not valid JSON (%(error)s).") % {"error": error}) from error
    _check_walk(data)
    return dict(read_object(data, None))


def _too_deep() -> ValidationError:
    return ValidationError(_("The archive nests lists and objects deeper than %(depth)s levels; "
                             "no bloc-year archive does.") % {"depth": settings.ARCHIVE_MAX_DEPTH})


# --- Reading values back, before anything is written --------------------------------------------------------


def read_object(value: Any, where: str | None) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        if where is None:
            raise ValidationError(_("The archive must be a JSON object."))
        raise ValidationError(_("“%(where)s” in the archive must be a JSON object.") % {"where": where})
    return value


def read_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationError(_("“%(where)s” in the archive must be a list.") % {"where": where})
    return value


def read_key(obj: Mapping[str, Any], key: str, where: str | None) -> Any:
    if key not in obj:
        if where is None:
            raise ValidationError(_("The archive lacks “%(key)s”.") % {"key": key})
        raise ValidationError(_("The archive lacks “%(key)s” in “%(where)s”.") % {"key": key, "where": where})
    return obj[key]


def read_value(field: models.Field, value: Any, where: str) -> Any:
    """The value checked as the model field checks it (type, choices, length, blank)."""
    problem = None
    if isinstance(value, str):
        # Some keyboards write decomposed Vietnamese; control characters (and lone surrogates, which no
        # database or document can store) are dropped, as the forms refuse them (emulation/kernel/text.py).
        value = without_control(unicodedata.normalize("NFC", value))
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


def read_fields(model: type[models.Model], raw: Any, names: Iterable[str], where: str) -> dict[str, Any]:
    obj = read_object(raw, where)
    return {name: read_value(model._meta.get_field(name), read_key(obj, name, where), where) for name in names}


def read_code(value: Any, known: Collection[str], where: str, *, kind: str) -> str:
    """A reference by code that must name an entry of the archive's "units" or "awards"."""
    if not isinstance(value, str) or value not in known:
        message = (_("“%(where)s” names the unit “%(code)s”, which is not among the archive's units.")
                   if kind == "unit" else
                   _("“%(where)s” names the award “%(code)s”, which is not among the archive's awards."))
        raise ValidationError(message % {"where": where, "code": value})
    return value


def read_keyed(entries: Iterable[tuple[str, Any]], where: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for code, value in entries:
        if code in result:
            raise ValidationError(_("“%(code)s” appears twice in “%(where)s”.")
                                  % {"code": code, "where": where})
        result[code] = value
    return result


def read_refusal(key: str, where: str, problem: str) -> ValidationError:
    return ValidationError(_("Invalid “%(key)s” in “%(where)s”: %(problem)s")
                           % {"key": key, "where": where, "problem": problem})


def check_format(data: Mapping[str, Any], expected: str, readable_versions: Collection[int]) -> int:
    """The document's version, refused when it is not of the `expected` format or of a version read here."""
    found = data.get("format")
    if found != expected:
        raise ValidationError(
            _("This file is not a bloc-year archive (its format is “%(found)s”, expected “%(expected)s”).")
            % {"found": found if found is not None else "—", "expected": expected})
    version = read_key(data, "version", None)
    if type(version) is not int or version not in readable_versions:
        raise ValidationError(
            _("This archive is version %(found)s; this application reads versions %(supported)s only.")
            % {"found": version, "supported": ", ".join(str(v) for v in readable_versions)})
    return version
