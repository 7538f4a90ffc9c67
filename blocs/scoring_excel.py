"""The scoring table from an Excel file (issue 3, item 1): row-by-row errors, nothing saved if any is bad."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook

from blocs.models import ScoringTable
from blocs.rules import search_key
from emulation.kernel.fields import NUMBER_MESSAGES
from emulation.kernel.numbers import NumberError, cell_number
from emulation.kernel.xlsx import append_row, read_first_sheet

COLUMNS = {
    "kind": "Loại",
    "group": "Nhóm tiêu chí",
    "code": "Mã",
    "text": "Nội dung",
    "max_points": "Điểm tối đa",
    "evidence_required": "Cần minh chứng",
    "guidance": "Hướng dẫn chấm",
}
# The kinds as people write them: the words of the screens and of the downloaded workbook, the short words
# secretariats use, with or without accents and in any case (compared through `search_key`).
KIND_WORDS = {
    "criterion": ["Tiêu chí", "Criterion"],
    "bonus": ["Điểm thưởng", "Mục điểm thưởng", "Thưởng", "Bonus", "Bonus item"],
    "penalty": ["Điểm trừ", "Mục điểm trừ", "Trừ", "Penalty", "Penalty item"],
    "disqualifier": ["Không xét thi đua", "Trường hợp không xét thi đua", "Không xét", "Điểm liệt", "Liệt",
                     "Disqualifier"],
}
KINDS = {search_key(word): kind for kind, words in KIND_WORDS.items() for word in words}
KIND_LABELS = {"criterion": "Tiêu chí", "bonus": "Điểm thưởng", "penalty": "Điểm trừ",
               "disqualifier": "Không xét thi đua"}
YES = {search_key(word) for word in ("có", "x", "yes", "1", "true", "cần")}
MAX_ROWS = 500


@dataclass
class ParsedTable:
    items: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def cell_text(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value)).strip() if value is not None else ""


def _header_map(row: tuple) -> dict[str, int]:
    titles = {search_key(cell_text(cell)): index for index, cell in enumerate(row)}
    return {key: titles[search_key(title)] for key, title in COLUMNS.items() if search_key(title) in titles}


def _max_points(raw: Any, line: int) -> tuple[Decimal, str]:
    """A numeric cell as it is, a text cell as Vietnamese write it ("27,5", "1.234,5"); never ×10."""
    try:
        max_points = cell_number(raw) or Decimal(0)
    except NumberError as error:
        if error.code == "invalid":
            return Decimal(0), _("Row %(row)s: the maximum points must be a number from 0.") % {"row": line}
        return Decimal(0), _("Row %(row)s: %(reason)s") % {
            "row": line, "reason": NUMBER_MESSAGES[error.code] % {"value": error.text.strip()[:40]}}
    if max_points < 0 or max_points >= 10000:
        return Decimal(0), _("Row %(row)s: the maximum points must be a number from 0.") % {"row": line}
    if max_points != max_points.quantize(Decimal("0.01")):
        return Decimal(0), _("Row %(row)s: the maximum points have at most two decimals (e.g. 27,5).") % {
            "row": line}
    return max_points, ""


def _item(cells: dict[str, Any], line: int, order: int) -> tuple[dict[str, Any] | None, list[str]]:
    errors = []
    kind = KINDS.get(search_key(cell_text(cells.get("kind"))) or "tieu chi")
    if kind is None:
        errors.append(_("Row %(row)s: unknown kind “%(value)s”; write one of: %(accepted)s.") % {
            "row": line, "value": cell_text(cells.get("kind")),
            "accepted": ", ".join(KIND_WORDS[k][0] for k in KIND_WORDS)})
    code, text = cell_text(cells.get("code")), cell_text(cells.get("text"))
    if not code or len(code) > 20:
        errors.append(_("Row %(row)s: the code is missing or longer than 20 characters.") % {"row": line})
    if not text or len(text) > 1000:
        errors.append(_("Row %(row)s: the text is missing or longer than 1000 characters.") % {"row": line})
    max_points, error = _max_points(cells.get("max_points"), line)
    if error:
        errors.append(error)
    if kind in ("criterion", "bonus", "penalty") and max_points == 0 and not errors:
        errors.append(_("Row %(row)s: a criterion, bonus or penalty needs its maximum points.") % {"row": line})
    if errors:
        return None, errors
    return {"kind": kind, "group": cell_text(cells.get("group"))[:300], "code": code, "text": text,
            "max_points": max_points.quantize(Decimal("0.01")), "order": order,
            "evidence_required": search_key(cell_text(cells.get("evidence_required"))) in YES,
            "guidance": cell_text(cells.get("guidance"))}, []


def parse_scoring_xlsx(fileobj: IO[bytes]) -> ParsedTable:
    parsed = ParsedTable()
    try:
        rows = read_first_sheet(fileobj, lambda sheet: list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)))
    except ValidationError:
        parsed.errors.append(_("The file could not be read as an Excel workbook."))
        return parsed
    header = _header_map(rows[0]) if rows else {}
    missing = [title for key, title in COLUMNS.items() if key in ("code", "text", "max_points") and key not in header]
    if missing:
        parsed.errors.append(_("The first row must name the columns: %(columns)s.")
                             % {"columns": ", ".join(COLUMNS.values())})
        return parsed
    if len(rows) > MAX_ROWS + 1:
        parsed.errors.append(_("The file has more than %(n)s rows.") % {"n": MAX_ROWS})
        return parsed
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = {key: row[index] if index < len(row) else None for key, index in header.items()}
        if not any(cell_text(value) for value in cells.values()):
            continue
        item, errors = _item(cells, line, order=len(parsed.items) + 1)
        if item and item["code"] in seen:
            errors = [_("Row %(row)s: the code %(code)s is already on row %(first)s.")
                      % {"row": line, "code": item["code"], "first": seen[item["code"]]}]
        parsed.errors.extend(errors)
        if item and not errors:
            seen[item["code"]] = line
            parsed.items.append(item)
    if not parsed.items and not parsed.errors:
        parsed.errors.append(_("The file has no line."))
    return parsed


def scoring_xlsx(table: ScoringTable | None) -> bytes:
    """The table as a workbook in the import layout (an empty template when `table` is None)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Bảng chấm điểm"
    append_row(sheet, list(COLUMNS.values()))
    items = table.items.all() if table else []
    for item in items:
        append_row(sheet, [KIND_LABELS[item.kind], item.group, item.code, item.text, item.max_points,
                           "Có" if item.evidence_required else "", item.guidance])
    if table is None:
        append_row(sheet, ["Tiêu chí", "I. Thực hiện nhiệm vụ chính trị", "1.1", "Hoàn thành các chỉ tiêu được giao",
                      20, "Có", "Đủ chỉ tiêu: 20 điểm"])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()

