"""Writing Excel rows safely: text stays text (a name starting with "=" is never run as a formula), and a control
character already stored, which an xlsx file cannot hold, is left out (issue 13)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from emulation.kernel.text import writable


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    values = [writable(value) if isinstance(value, str) else value for value in values]
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"
