"""Units and memberships in an Excel workbook: reading with row-by-row errors, the template, the export.

The sheet layout is fixed and Vietnamese whatever the screen language (issue 2, item 9): a header row
"Mã đơn vị | Tên đơn vị | Cơ quan cấp trên | Loại | Vị trí", then one unit a row. Export and import
use the same layout, so a year's export can be edited and imported again.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from django.db.models.functions import Upper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from blocs import rules
from blocs.models import BlocYear, Membership, Unit
from emulation.kernel.xlsx import append_row, read_first_sheet

MAX_ROWS = 500
HEADER_SEARCH_ROWS = 10  # a title line or two above the header is tolerated
COLUMNS: dict[str, str] = {
    "code": "Mã đơn vị",
    "name": "Tên đơn vị",
    "parent_body": "Cơ quan cấp trên",
    "kind_text": "Loại",
    "position_text": "Vị trí",
}
REQUIRED = ("code", "name")
MAX_LENGTHS = {"code": 20, "name": 200, "parent_body": 200}
KIND_LABELS = {"party": "Đảng", "state": "Nhà nước"}
POSITION_LABELS = {"member": "Thành viên", "head": "Trưởng khối", "deputy": "Phó khối"}
DEFAULT_KIND = Unit.Kind.STATE.value  # a new unit whose kind the file leaves empty (the model's default)


def clean_text(value: Any) -> str:
    """A cell as NFC text, spaces trimmed and runs of spaces collapsed; 12.0 reads as "12"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _key(text: str) -> str:
    return clean_text(text).casefold()


# The Vietnamese labels, and the codes themselves ("party", "head"…); empty: not given / member.
KINDS = {"": "", **{kind: kind for kind in KIND_LABELS},
         **{_key(label): kind for kind, label in KIND_LABELS.items()}}
POSITIONS = {"": "member", **{pos: pos for pos in POSITION_LABELS},
             **{_key(label): pos for pos, label in POSITION_LABELS.items()}}


@dataclass(frozen=True)
class MemberRow:
    """One unit as written in the file; `line` is the row number Excel shows."""

    line: int
    code: str
    name: str
    parent_body: str = ""
    kind_text: str = ""
    position_text: str = ""

    @property
    def kind(self) -> str | None:
        """"party", "state", "" when not given, None when unknown."""
        return KINDS.get(_key(self.kind_text))

    @property
    def position(self) -> str | None:
        return POSITIONS.get(_key(self.position_text))


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: the sheet as a whole
    column: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.column:
            return _("Row %(line)s, %(column)s: %(message)s") % {"line": self.line, "column": self.column,
                                                                 "message": self.message}
        return _("Row %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class PreviewLine:
    row: MemberRow
    errors: list[RowError]
    status: str  # "error", "new", "existing" or "member" (already in this year)

    @property
    def kind_label(self) -> str:
        if self.status == "new" and self.row.kind == "":
            return KIND_LABELS[DEFAULT_KIND]
        return KIND_LABELS.get(self.row.kind or "", self.row.kind_text)

    @property
    def position_label(self) -> str:
        return POSITION_LABELS.get(self.row.position or "", self.row.position_text)


@dataclass
class ParsedSheet:
    rows: list[MemberRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    existing_codes: set[str] = field(default_factory=set)
    member_codes: set[str] = field(default_factory=set)

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors

    @property
    def sheet_errors(self) -> list[RowError]:
        return [error for error in self.errors if error.line is None]

    @property
    def lines(self) -> list[PreviewLine]:
        by_line: dict[int, list[RowError]] = {}
        for error in self.errors:
            if error.line is not None:
                by_line.setdefault(error.line, []).append(error)
        return [PreviewLine(row, by_line.get(row.line, []), self._status(row, by_line)) for row in self.rows]

    @property
    def bad_row_count(self) -> int:
        return len({error.line for error in self.errors if error.line is not None})

    def _status(self, row: MemberRow, by_line: dict[int, list[RowError]]) -> str:
        if row.line in by_line:
            return "error"
        if row.code in self.member_codes:
            return "member"
        return "existing" if row.code in self.existing_codes else "new"


# --- Reading ------------------------------------------------------------------------------------------------


def _expected() -> str:
    return ", ".join(f"“{title}”" for title in COLUMNS.values())


def _header_map(cells: Sequence[Any]) -> dict[str, int] | None:
    """{field: column index} when the row holds at least one expected title, else None."""
    wanted = {_key(title): name for name, title in COLUMNS.items()}
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = wanted.get(_key(clean_text(cell).strip("*: ")))
        if name is not None:
            found.setdefault(name, index)
    return found or None


def _header_errors(header: dict[str, int] | None) -> list[RowError]:
    if header is None:
        return [RowError(None, "", _("No header row found. The first row must hold the column titles: "
                                     "%(columns)s.") % {"columns": _expected()})]
    missing = [COLUMNS[name] for name in REQUIRED if name not in header]
    if missing:
        return [RowError(None, "", _("Missing columns: %(missing)s. Expected columns: %(columns)s.")
                         % {"missing": ", ".join(f"“{title}”" for title in missing), "columns": _expected()})]
    return []


def _row_of(line: int, cells: Sequence[Any], header: dict[str, int]) -> MemberRow | None:
    values = {name: clean_text(cells[index]) if index < len(cells) else "" for name, index in header.items()}
    if not any(values.values()):
        return None
    values["code"] = values.get("code", "").upper()
    return MemberRow(line=line, **values)


def _read_rows(sheet: Worksheet) -> tuple[list[MemberRow], list[RowError]]:
    header: dict[str, int] | None = None
    rows: list[MemberRow] = []
    for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if header is None:
            header = _header_map(cells)
            if header is None and line < HEADER_SEARCH_ROWS:
                continue
            errors = _header_errors(header)
            if errors:
                return [], errors
            continue
        row = _row_of(line, cells, header)
        if row is not None:
            rows.append(row)
        if len(rows) > MAX_ROWS:
            break
    return rows, _header_errors(header) if header is None else []


def read_members_xlsx(fileobj: IO[bytes]) -> tuple[list[MemberRow], list[RowError]]:
    """The rows of the workbook's first sheet. Raises ValidationError when it is not a readable workbook."""
    return read_first_sheet(fileobj, _read_rows)


def parse_members_xlsx(fileobj: IO[bytes], *, bloc_year: BlocYear | None = None) -> ParsedSheet:
    """Read and check the file: its own rows, and against the registry when `bloc_year` is given."""
    rows, errors = read_members_xlsx(fileobj)
    if errors:
        return ParsedSheet(rows=rows, errors=errors)
    return validate_rows(rows, bloc_year=bloc_year)


# --- Checking -----------------------------------------------------------------------------------------------


MESSAGES = {
    "code_missing": gettext_lazy("Enter the unit's code."),
    "code_chars": gettext_lazy("Use letters, digits, “-” or “_” only."),
    "name_missing": gettext_lazy("Enter the unit's name."),
    "too_long": gettext_lazy("At most %(max)s characters."),
    "kind_unknown": gettext_lazy("Unknown kind “%(value)s”; write “Đảng” or “Nhà nước”."),
    "position_unknown": gettext_lazy(
        "Unknown position “%(value)s”; write “Thành viên”, “Trưởng khối” or “Phó khối”."),
    "no_rows": gettext_lazy("The file has no unit rows."),
    "too_many_rows": gettext_lazy("The file has more than %(max)s units; split it into several files."),
    "duplicate_code": gettext_lazy("The code %(code)s is already used on row %(line)s."),
    "two_heads": gettext_lazy("Only one head unit: row %(line)s already names one."),
    "too_many_deputies": gettext_lazy("At most %(max)s deputy units: rows %(lines)s already name them."),
    "other_name": gettext_lazy("The code %(code)s belongs to “%(db_name)s” in the registry, not “%(name)s”."),
    "other_province": gettext_lazy("%(unit)s belongs to another province (%(province)s)."),
    "inactive": gettext_lazy("%(unit)s is no longer active."),
    "other_bloc": gettext_lazy("%(unit)s is already a member of %(bloc)s in %(year)s."),
    "membership_closed": gettext_lazy(
        "Members can only change while the year is being set up or registered."),
}


def _error(line: int | None, column: str, code: str, /, **params: object) -> RowError:
    """An error at `line` (None: the whole sheet) in the column of field `column` ("" for none)."""
    text = str(MESSAGES[code])
    return RowError(line, COLUMNS.get(column, ""), text % params if params else text)


def field_errors(row: MemberRow) -> list[RowError]:
    """What is wrong with one row on its own."""
    errors = []
    if not row.code:
        errors.append(_error(row.line, "code", "code_missing"))
    elif not row.code.replace("-", "").replace("_", "").isalnum():
        errors.append(_error(row.line, "code", "code_chars"))
    if not row.name:
        errors.append(_error(row.line, "name", "name_missing"))
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(row, name)) > limit:
            errors.append(_error(row.line, name, "too_long", max=limit))
    if row.kind is None:
        errors.append(_error(row.line, "kind_text", "kind_unknown", value=row.kind_text))
    if row.position is None:
        errors.append(_error(row.line, "position_text", "position_unknown", value=row.position_text))
    return errors


def sheet_errors(rows: Sequence[MemberRow]) -> list[RowError]:
    """What is wrong between rows: duplicates, leadership counts, size (domain.md §1.1)."""
    errors: list[RowError] = []
    if not rows:
        errors.append(_error(None, "", "no_rows"))
    if len(rows) > MAX_ROWS:
        errors.append(_error(None, "", "too_many_rows", max=MAX_ROWS))
    first_line: dict[str, int] = {}
    for row in rows:
        if row.code and row.code in first_line:
            first = first_line[row.code]
            errors.append(_error(row.line, "code", "duplicate_code", code=row.code, line=first))
        first_line.setdefault(row.code, row.line)
    return errors + _leadership_errors(rows)


def _leadership_errors(rows: Sequence[MemberRow]) -> list[RowError]:
    """One head and at most two deputies (rules.MAX_DEPUTIES); the rows beyond are the wrong ones."""
    heads = [row.line for row in rows if row.position == "head"]
    deputies = [row.line for row in rows if row.position == "deputy"]
    allowed = ", ".join(map(str, deputies[:rules.MAX_DEPUTIES]))
    return ([_error(line, "position_text", "two_heads", line=heads[0]) for line in heads[1:]]
            + [_error(line, "position_text", "too_many_deputies", max=rules.MAX_DEPUTIES, lines=allowed)
               for line in deputies[rules.MAX_DEPUTIES:]])


def _registry_errors(row: MemberRow, unit: Unit | None, other: Membership | None,
                     bloc_year: BlocYear) -> list[RowError]:
    """A row against the registry: the unit its code names, and that unit's seat this year, if any."""
    if unit is None:
        return []
    errors = []
    if _key(unit.name) != _key(row.name):
        errors.append(_error(row.line, "name", "other_name", code=row.code, db_name=unit.name, name=row.name))
    if unit.province_id != bloc_year.bloc.province_id:
        errors.append(_error(row.line, "code", "other_province", unit=unit.name, province=unit.province.name))
    if not unit.is_active:
        errors.append(_error(row.line, "code", "inactive", unit=unit.name))
    if other is not None and other.bloc_year_id != bloc_year.pk:
        errors.append(_error(row.line, "code", "other_bloc", unit=unit.name, bloc=other.bloc_year.bloc.name,
                             year=bloc_year.year))
    return errors


def units_by_code(codes: Iterable[str]) -> dict[str, Unit]:
    """Registry units by upper-case code, in one query."""
    units = (Unit.objects.annotate(code_upper=Upper("short_code")).filter(code_upper__in=set(codes))
             .select_related("province"))
    return {unit.code_upper: unit for unit in units}


def validate_rows(rows: Sequence[MemberRow], *, bloc_year: BlocYear | None = None) -> ParsedSheet:
    """All row-by-row errors: each row, between rows, and (with a bloc year) against the registry."""
    errors = [error for row in rows for error in field_errors(row)] + sheet_errors(rows)
    sheet = ParsedSheet(rows=list(rows), errors=errors)
    if bloc_year is None:
        return sheet
    if bloc_year.status not in rules.MEMBERSHIP_OPEN_STATUSES:
        sheet.errors.insert(0, _error(None, "", "membership_closed"))
    units = units_by_code(row.code for row in rows if row.code)
    others = {m.unit_id: m for m in Membership.objects.filter(unit__in=units.values(), year=bloc_year.year)
              .select_related("bloc_year__bloc")}
    for row in rows:
        unit = units.get(row.code)
        sheet.errors += _registry_errors(row, unit, others.get(unit.pk) if unit else None, bloc_year)
    sheet.errors.sort(key=lambda error: -1 if error.line is None else error.line)
    sheet.existing_codes = set(units)
    sheet.member_codes = {code for code, unit in units.items()
                          if unit.pk in others and others[unit.pk].bloc_year_id == bloc_year.pk}
    return sheet


# --- Session storage between preview and confirmation -------------------------------------------------------


def rows_to_session(rows: Sequence[MemberRow]) -> list[dict[str, Any]]:
    return [asdict(row) for row in rows]


def rows_from_session(data: Any) -> list[MemberRow]:
    """Rows stored by `rows_to_session`; anything else reads as no rows."""
    try:
        return [MemberRow(**item) for item in data]
    except TypeError:
        return []


# --- Writing ------------------------------------------------------------------------------------------------


PROVINCE_COLUMN = "Tỉnh, thành phố (năm đó)"  # the export's own column; the import ignores it


def _workbook(rows: Iterable[Sequence[str]], extra: Sequence[str] = ()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Đơn vị"
    append_row(sheet, [*COLUMNS.values(), *extra])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    for letter, width in zip("ABCDE", (14, 48, 30, 12, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    _add_choices(sheet, "D", KIND_LABELS.values())
    _add_choices(sheet, "E", POSITION_LABELS.values())
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_choices(sheet: Worksheet, letter: str, labels: Iterable[str]) -> None:
    validation = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
    validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(validation)


def members_template_xlsx() -> bytes:
    """An empty import file: the header row and one example row."""
    example = ("BTG", "Ban Tuyên giáo Tỉnh ủy", "Tỉnh ủy", KIND_LABELS["party"], POSITION_LABELS["head"])
    return _workbook([example])


POSITION_ORDER = {"head": 0, "deputy": 1, "member": 2}


def members_export_xlsx(bloc_year: BlocYear) -> bytes:
    """The year's members in the import layout: head first, then deputies, then members by name; each unit
    under its name and province of that year (domain.md §7a), so a past year never shows today's registry."""
    memberships = sorted(bloc_year.memberships.select_related("unit__province"),
                         key=lambda m: (POSITION_ORDER.get(m.position, 3), m.name_then))
    return _workbook([(m.unit.short_code, m.name_then, m.unit.parent_body, KIND_LABELS.get(m.unit.kind, ""),
                       POSITION_LABELS.get(m.position, ""), m.province_name or m.unit.province.name)
                      for m in memberships], extra=(PROVINCE_COLUMN,))
