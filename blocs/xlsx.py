"""Writing Excel rows safely: text stays text (a name starting with "=" is never run as a formula)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    sheet.append(list(values))
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"
