"""The Excel pieces of issue 4: the unit-history import and the province view's export.

History import (item 5): the years before the product was used. The sheet is Vietnamese whatever the
screen language: "Mã đơn vị | Năm | Danh hiệu / hình thức / xếp loại | Số quyết định", one entry a row.
The third column names an award of the catalogue (its name or code) or an annual rating ("Hoàn thành xuất
sắc nhiệm vụ"). Errors come row by row, and nothing is saved if any row is bad.

Export (item 6): every bloc's proposals of a year in the layout the province's board sends upward.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from awards.models import HistoryEntry, Nomination, Rating
from awards.results import percent_of
from blocs.audit import audit
from blocs.excel import RowError, clean_text
from blocs.models import Award, Unit, User
from emulation.kernel.numbers import format_number
from emulation.kernel.xlsx import append_row, read_first_sheet

MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10
FIRST_YEAR = 1945
COLUMNS: dict[str, str] = {
    "code": "Mã đơn vị",
    "year": "Năm",
    "what": "Danh hiệu / hình thức / xếp loại",
    "reference": "Số quyết định",
}
REQUIRED = ("code", "year", "what")
# The ratings as Vietnamese write them (fixed, whatever the screen language), and their codes.
RATING_LABELS = {
    Rating.EXCELLENT: "Hoàn thành xuất sắc nhiệm vụ",
    Rating.GOOD: "Hoàn thành tốt nhiệm vụ",
    Rating.DONE: "Hoàn thành nhiệm vụ",
    Rating.NOT_DONE: "Không hoàn thành nhiệm vụ",
}


def _key(text: str) -> str:
    return clean_text(text).casefold()


@dataclass(frozen=True)
class HistoryRow:
    line: int
    code: str
    year_text: str
    what: str
    reference: str = ""


@dataclass(frozen=True)
class CheckedRow:
    row: HistoryRow
    unit: Unit
    year: int
    award: Award | None
    rating: str


@dataclass
class HistorySheet:
    rows: list[CheckedRow]
    errors: list[RowError]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors


def _error(line: int | None, column: str, message: str) -> RowError:
    return RowError(line, COLUMNS.get(column, ""), message)


# --- Reading -----------------------------------------------------------------------------------------------


def _header_map(cells: Sequence[Any]) -> dict[str, int] | None:
    wanted = {_key(title): name for name, title in COLUMNS.items()}
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = wanted.get(_key(clean_text(cell).strip("*: ")))
        if name is not None:
            found.setdefault(name, index)
    return found or None


def _read(sheet: Worksheet) -> tuple[list[HistoryRow], list[RowError]]:
    header: dict[str, int] | None = None
    rows: list[HistoryRow] = []
    expected = ", ".join(f"“{title}”" for title in COLUMNS.values())
    for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if header is None:
            header = _header_map(cells)
            if header is None and line < HEADER_SEARCH_ROWS:
                continue
            missing = [COLUMNS[name] for name in REQUIRED if name not in (header or {})]
            if missing:
                return [], [_error(None, "", _("Missing columns: %(missing)s. Expected columns: %(columns)s.")
                                   % {"missing": ", ".join(f"“{m}”" for m in missing), "columns": expected})]
            continue
        values = {name: clean_text(cells[index]) if index < len(cells) else "" for name, index in header.items()}
        if any(values.values()):
            rows.append(HistoryRow(line=line, code=values["code"].upper(), year_text=values["year"],
                                   what=values["what"], reference=values.get("reference", "")[:200]))
        if len(rows) > MAX_ROWS:
            break
    if header is None:
        return [], [_error(None, "", _("No header row found. The first row must hold the column titles: "
                                       "%(columns)s.") % {"columns": expected})]
    return rows, []


def read_history_xlsx(fileobj: IO[bytes]) -> tuple[list[HistoryRow], list[RowError]]:
    return read_first_sheet(fileobj, _read)


# --- Checking ----------------------------------------------------------------------------------------------


def _catalogue() -> tuple[dict[str, Award], dict[str, str]]:
    """Awards by name and by code (case-insensitive), ratings by Vietnamese label and by code."""
    awards: dict[str, Award] = {}
    for award in Award.objects.all():
        awards[_key(award.name)] = award
        awards[_key(award.code)] = award
    ratings = {_key(label): code for code, label in RATING_LABELS.items()}
    ratings.update({_key(code): code for code in RATING_LABELS})
    return awards, ratings


def _row_errors(row: HistoryRow, unit: Unit | None, award: Award | None, rating: str | None,
                this_year: int) -> list[RowError]:
    errors = []
    if not row.code:
        errors.append(_error(row.line, "code", _("Enter the unit's code.")))
    elif unit is None:
        errors.append(_error(row.line, "code", _("No unit with the code %(code)s.") % {"code": row.code}))
    year = int(row.year_text) if row.year_text.isdigit() else None
    if year is None or not FIRST_YEAR <= year <= this_year:
        errors.append(_error(row.line, "year", _("A year between %(first)s and %(last)s.")
                             % {"first": FIRST_YEAR, "last": this_year}))
    if not row.what:
        errors.append(_error(row.line, "what", _("Name the title, award or rating.")))
    elif award is None and rating is None:
        errors.append(_error(row.line, "what", _("“%(what)s” is neither an award of the catalogue nor a rating.")
                             % {"what": row.what}))
    elif award is not None and not award.for_collectives:
        errors.append(_error(row.line, "what", _("“%(what)s” is for individuals, not for a unit.")
                             % {"what": award.name}))
    return errors


def _identity(unit: Unit, year: int, award: Award | None, rating: str | None) -> tuple:
    """What may appear once: an award once a year per unit; one rating a year per unit."""
    return (unit.pk, year, f"award:{award.pk}" if award else "rating")


def check_rows(rows: Sequence[HistoryRow], *, units: QuerySet[Unit]) -> HistorySheet:
    """Every row against the catalogue, the units the importer may reach, each other and the history."""
    if not rows:
        return HistorySheet([], [_error(None, "", _("The file has no rows."))])
    if len(rows) > MAX_ROWS:
        return HistorySheet([], [_error(None, "", _("The file has more than %(max)s rows; split it.")
                                        % {"max": MAX_ROWS})])
    awards, ratings = _catalogue()
    by_code = {u.code_upper: u for u in units.annotate(code_upper=Upper("short_code"))
               .filter(code_upper__in={row.code for row in rows})}
    this_year = timezone.localdate().year
    checked, errors, first_line = [], [], {}
    for row in rows:
        unit, award, rating = by_code.get(row.code), awards.get(_key(row.what)), ratings.get(_key(row.what))
        row_errors = _row_errors(row, unit, award, rating, this_year)
        if not row_errors:
            identity = _identity(unit, int(row.year_text), award, rating)
            if identity in first_line:
                row_errors.append(_error(row.line, "", _("Repeats row %(line)s.") % {"line": first_line[identity]}))
            first_line.setdefault(identity, row.line)
        errors += row_errors
        if not row_errors:
            checked.append(CheckedRow(row, unit, int(row.year_text), award, "" if award else rating))
    errors += _existing_errors(checked)
    return HistorySheet(checked, errors)


def _existing_errors(checked: Sequence[CheckedRow]) -> list[RowError]:
    """Rows already in the units' history (one query)."""
    if not checked:
        return []
    existing = set()
    for unit_id, year, award_id in HistoryEntry.objects.filter(
            unit__in={c.unit.pk for c in checked}).values_list("unit", "year", "award"):
        existing.add((unit_id, year, f"award:{award_id}" if award_id else "rating"))
    return [_error(c.row.line, "", _("%(unit)s already has this in its history for %(year)s.")
                   % {"unit": c.unit.name, "year": c.year})
            for c in checked if _identity(c.unit, c.year, c.award, c.rating) in existing]


def importable_units(user: User) -> QuerySet[Unit]:
    """The board imports its province's units; the admin any unit."""
    from blocs.permissions import roles_of

    roles = roles_of(user)
    return Unit.objects.all() if roles.is_admin else Unit.objects.filter(province__in=roles.board_provinces)


@transaction.atomic
def history_import(*, actor: User, fileobj: IO[bytes]) -> HistorySheet:
    """Read, check and save the sheet, all or nothing. A sheet with errors is returned unsaved."""
    rows, errors = read_history_xlsx(fileobj)
    sheet = HistorySheet([], errors) if errors else check_rows(rows, units=importable_units(actor))
    if not sheet.is_valid:
        return sheet
    HistoryEntry.objects.bulk_create(
        HistoryEntry(unit=c.unit, year=c.year, award=c.award, rating=c.rating, source=HistoryEntry.Source.IMPORT,
                     reference=c.row.reference) for c in sheet.rows)
    audit(actor=actor, action="awards.history.imported",
          changes={"rows": len(sheet.rows), "units": sorted({c.unit.short_code for c in sheet.rows})})
    return sheet


# --- The province view, exported ---------------------------------------------------------------------------

EXPORT_COLUMNS = ["STT", "Khối/Cụm", "Hình thức khen thưởng", "Đơn vị", "Điểm", "Số phiếu", "Tỷ lệ %",
                  "Trạng thái hồ sơ"]
DOSSIER_LABELS = {"draft": "Chưa gửi", "submitted": "Đã gửi Ban Thi đua – Khen thưởng",
                  "returned": "Trả lại để bổ sung", "accepted": "Đã tiếp nhận", "decided": "Đã có quyết định"}
OUTSIDE_VOTE = "Ngoài bỏ phiếu"


def _percent(nomination: Nomination) -> Decimal | None:
    return percent_of(nomination.share_numerator, nomination.share_denominator)


def _proposal_rows(rows: Iterable[tuple[Any, Any, list[Nomination]]]) -> list[list[Any]]:
    lines = []
    for bloc_year, dossier, nominations in rows:
        state = DOSSIER_LABELS[dossier.status if dossier else "draft"]
        for nomination in nominations:
            votes = OUTSIDE_VOTE if nomination.is_outside_vote else nomination.votes
            lines.append([len(lines) + 1, bloc_year.bloc.name, nomination.award.name, nomination.unit.name,
                          nomination.final_score, votes, _percent(nomination), state])
    return lines


def province_xlsx(*, province: str, year: int, overview: dict[str, Any]) -> bytes:
    """Title, header, one proposal a row, then the Government-flag count against the cap."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Đề nghị {year}"
    append_row(sheet, [f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG CỦA CÁC KHỐI, CỤM THI ĐUA NĂM {year}"])
    append_row(sheet, [f"Tỉnh: {province}"])
    append_row(sheet, EXPORT_COLUMNS)
    for cell in (*sheet[1], *sheet[3]):
        cell.font = Font(bold=True)
    for line in _proposal_rows(overview["rows"]):
        append_row(sheet, line)
    rate = overview["rate"] * 100
    percent = format_number(Decimal(f"{rate.numerator / rate.denominator:g}"))  # "12,5", as the readers write it
    append_row(sheet, [])
    drafts = (f" ({overview['gov_flag_draft']} đề nghị trong hồ sơ chưa gửi tỉnh không tính)"
              if overview["gov_flag_draft"] else "")
    append_row(sheet, [f"Cờ thi đua của Chính phủ: {overview['gov_flag']} đề nghị trong hồ sơ đã gửi tỉnh{drafts}; "
                       f"giới hạn {overview['cap']} ({percent}% của {len(overview['rows'])} khối, cụm là "
                       f"{format_number(overview['cap_exact'])}, làm tròn xuống)"
                       + (" — VƯỢT GIỚI HẠN" if overview["over_cap"] else "")])
    for letter, width in zip("ABCDEFGH", (6, 40, 34, 40, 8, 10, 9, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
