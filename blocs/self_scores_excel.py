"""The self-score workbook (issue 10, item 2): the self-scores member units sent on paper or in their own
files, typed by the secretariat into one workbook for every unit, then previewed and imported all or nothing.

Layout: one sheet, a row per line of the table that takes a value (criteria, bonus and penalty items, in the
table's order: code, kind, text, maximum) and a column per member unit, its short code in row 1 and its name in
row 2. A unit's paper is itself a list of values down the table's lines, so the clerk copies it down one
column; the lines' long texts stay readable at the left instead of squeezed into column headers.

An empty cell is never read as 0: a unit whose column leaves a criterion empty is not imported (the preview
says so), and an empty bonus or penalty cell means none is claimed, as on the screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from blocs.models import BlocYear, Scorecard, ScoringItem, Unit
from blocs.rules import search_key
from blocs.scoring_excel import KIND_LABELS, cell_text
from emulation.kernel.fields import NUMBER_MESSAGES
from emulation.kernel.numbers import GROUPING_FROM, NumberError, cell_number, format_number
from emulation.kernel.xlsx import append_row, read_first_sheet

COLUMNS = {"code": "Mã", "kind": "Loại", "text": "Nội dung", "max_points": "Điểm tối đa"}
FIRST_UNIT_COLUMN = len(COLUMNS)  # index of the first unit's column (E)
MAX_ROWS = 500
MAX_UNITS = 60


@dataclass
class UnitColumn:
    """What one unit's column says: its values by item id, and why it is left out, if it is."""

    unit: Unit
    column: str
    values: dict[int, Decimal | None] = field(default_factory=dict)
    empty_cells: list[str] = field(default_factory=list)
    is_blank: bool = False
    has_problems: bool = False

    @property
    def is_imported(self) -> bool:
        return not self.is_blank and not self.empty_cells and not self.has_problems


@dataclass
class ParsedSelfScores:
    items: list[ScoringItem] = field(default_factory=list)
    columns: list[UnitColumn] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def imported(self) -> list[UnitColumn]:
        return [column for column in self.columns if column.is_imported]

    def rows(self) -> list[tuple[ScoringItem, list[Decimal | None]]]:
        """The values read, a row per line and a column per unit, as in the workbook."""
        return [(item, [column.values.get(item.pk) for column in self.columns]) for item in self.items]

    def cards(self) -> dict[int, dict[int, Decimal | None]]:
        return {column.unit.pk: column.values for column in self.imported}


def scorable_items(bloc_year: BlocYear) -> list[ScoringItem]:
    return list(ScoringItem.objects.filter(table__bloc_year=bloc_year).exclude(
        kind=ScoringItem.Kind.DISQUALIFIER).order_by("order", "pk"))


def member_units(bloc_year: BlocYear) -> list[Unit]:
    return list(Unit.objects.filter(memberships__bloc_year=bloc_year).order_by("short_code", "name"))


def self_scores_xlsx(bloc_year: BlocYear) -> bytes:
    """The empty workbook for the year: the table's lines down, the member units across."""
    units = member_units(bloc_year)
    book = Workbook()
    sheet = book.active
    sheet.title = "Tự chấm điểm"
    append_row(sheet, [*COLUMNS.values(), *(unit.short_code or unit.name for unit in units)])
    append_row(sheet, ["", "", "Tên đơn vị (điền điểm tự chấm của mỗi đơn vị vào cột của đơn vị)", "",
                       *(unit.name for unit in units)])
    for item in scorable_items(bloc_year):
        append_row(sheet, [item.code, KIND_LABELS[item.kind], item.text, item.max_points])
    sheet.freeze_panes = "E3"
    for letter, width in (("A", 8), ("B", 12), ("C", 60), ("D", 11)):
        sheet.column_dimensions[letter].width = width
    for index in range(len(units)):
        sheet.column_dimensions[get_column_letter(FIRST_UNIT_COLUMN + index + 1)].width = 14
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _value(raw: Any, item: ScoringItem, where: str) -> tuple[Decimal | None, str]:
    """A cell's score, or why it cannot be one; read as Vietnamese write numbers, never ×10."""
    try:
        value = cell_number(raw, grouping=item.max_points >= GROUPING_FROM)
    except NumberError as error:
        reason = (_("“%(value)s” is not a number.") if error.code == "invalid"
                  else NUMBER_MESSAGES[error.code]) % {"value": error.text.strip()[:40]}
        return None, f"{where}: {reason}"
    if value is None:
        return None, ""
    if value < 0:
        return None, f"{where}: " + _("A score cannot be below zero.")
    if value > item.max_points:
        return None, f"{where}: " + _("A score cannot exceed the maximum of %(max)s points.") % {
            "max": format_number(item.max_points)}
    if value != value.quantize(Decimal("0.01")):
        return None, f"{where}: " + _("A score has at most two decimals (e.g. 27,5).")
    return value, ""


def _unit_columns(header: tuple, units: list[Unit], errors: list[str]) -> dict[int, Unit]:
    """The unit of each unit column (by index), matched by short code (or name, for a unit without one) in
    any case, with or without accents."""
    by_code = {search_key(unit.short_code or unit.name): unit for unit in units}
    found: dict[int, Unit] = {}
    first_column: dict[int, str] = {}
    for index in range(FIRST_UNIT_COLUMN, len(header)):
        code, letter = cell_text(header[index]), get_column_letter(index + 1)
        if not code:
            continue
        unit = by_code.get(search_key(code))
        if unit is None:
            errors.append(_("Column %(column)s: “%(code)s” is not the short code of a member unit this year.")
                          % {"column": letter, "code": code[:40]})
        elif unit.pk in first_column:
            errors.append(_("Column %(column)s: the unit %(code)s already has column %(first)s.")
                          % {"column": letter, "code": code[:40], "first": first_column[unit.pk]})
        else:
            found[index], first_column[unit.pk] = unit, letter
    return found


def _item_rows(rows: list[tuple], start: int, items: Mapping[str, ScoringItem],
               errors: list[str]) -> list[tuple[int, tuple, ScoringItem]]:
    """(row number, cells, item) of every line row; unknown, repeated or missing codes are errors."""
    found, seen = [], {}
    for number, row in enumerate(rows[start:], start=start + 1):
        code = cell_text(row[0]) if row else ""
        if not code:
            if any(cell_text(cell) for cell in row[FIRST_UNIT_COLUMN:]):
                errors.append(_("Row %(row)s: a row with scores needs the line's code in column A.") % {"row": number})
            continue
        item = items.get(code)
        if item is None:
            errors.append(_("Row %(row)s: “%(code)s” is not the code of a line of this year's scoring table that "
                            "takes a score.") % {"row": number, "code": code[:40]})
        elif code in seen:
            errors.append(_("Row %(row)s: the code %(code)s is already on row %(first)s.")
                          % {"row": number, "code": code, "first": seen[code]})
        else:
            seen[code] = number
            found.append((number, row, item))
    for code, item in items.items():
        if code not in seen and item.kind == ScoringItem.Kind.CRITERION:
            errors.append(_("The workbook has no row for the criterion %(code)s.") % {"code": code})
    return found


def _read_column(index: int, unit: Unit, lines: list[tuple[int, tuple, ScoringItem]],
                 errors: list[str]) -> UnitColumn:
    column = UnitColumn(unit=unit, column=get_column_letter(index + 1))
    for number, row, item in lines:
        cell = f"{column.column}{number}"
        where = _("Cell %(cell)s (%(unit)s, line %(code)s)") % {"cell": cell, "unit": unit.short_code or unit.name,
                                                                "code": item.code}
        value, problem = _value(row[index] if index < len(row) else None, item, where)
        if problem:
            errors.append(problem)
            column.has_problems = True
        elif value is None and item.kind == ScoringItem.Kind.CRITERION:
            column.empty_cells.append(cell)
        column.values[item.pk] = value
    column.is_blank = not column.has_problems and all(value is None for value in column.values.values())
    return column


def parse_self_scores_xlsx(fileobj: IO[bytes], *, bloc_year: BlocYear) -> ParsedSelfScores:
    """Every unit's values and every problem, each named by its row, column or cell."""
    parsed = ParsedSelfScores(items=scorable_items(bloc_year))
    try:
        rows = read_first_sheet(fileobj, lambda sheet: [tuple(row) for row in sheet.iter_rows(
            values_only=True, max_row=MAX_ROWS + 3, max_col=FIRST_UNIT_COLUMN + MAX_UNITS + 1)])
    except ValidationError as error:
        parsed.errors.extend(error.messages)
        return parsed
    header = rows[0] if rows else ()
    if [search_key(cell_text(cell)) for cell in header[:2]] != [search_key(COLUMNS["code"]),
                                                                search_key(COLUMNS["kind"])]:
        parsed.errors.append(_("The first row must name the columns: %(columns)s, then one column per unit with "
                               "its short code. Download the workbook from this page and fill it in.")
                             % {"columns": ", ".join(COLUMNS.values())})
        return parsed
    if len(rows) > MAX_ROWS + 2:
        parsed.errors.append(_("The file has more than %(n)s rows.") % {"n": MAX_ROWS})
        return parsed
    units = _unit_columns(header, member_units(bloc_year), parsed.errors)
    # Row 2 holds the units' names when its code cell is empty (as downloaded); a clerk may have removed it.
    start = 2 if len(rows) > 1 and not cell_text(rows[1][0] if rows[1] else None) else 1
    lines = _item_rows(rows, start, {item.code: item for item in parsed.items}, parsed.errors)
    submitted = set(Scorecard.objects.filter(bloc_year=bloc_year, submitted_at__isnull=False)
                    .values_list("unit_id", flat=True))
    for index, unit in units.items():
        column = _read_column(index, unit, lines, parsed.errors)
        if unit.pk in submitted and not column.is_blank:
            column.has_problems = True
            parsed.errors.append(_("Column %(column)s: %(unit)s has already submitted its self-scores; clear its "
                                   "column.") % {"column": column.column, "unit": unit.name})
        parsed.columns.append(column)
    if not parsed.errors and not parsed.imported:
        parsed.errors.append(_("No unit has a complete column of scores to import."))
    return parsed


def cards_to_session(cards: Mapping[int, Mapping[int, Decimal | None]]) -> dict[str, dict[str, str | None]]:
    return {str(unit): {str(item): None if value is None else str(value) for item, value in values.items()}
            for unit, values in cards.items()}


def cards_from_session(data: Mapping[str, Mapping[str, str | None]]) -> dict[int, dict[int, Decimal | None]]:
    return {int(unit): {int(item): None if value is None else Decimal(value) for item, value in values.items()}
            for unit, values in data.items()}
