"""Excel workbooks, the one way every import reads them and every export writes rows.

Reading: `read_first_sheet` opens an uploaded workbook (already bounded by uploads.check_xlsx) read-only, as
values rather than formulas, and refuses a file openpyxl cannot open or iterate with one message. Writing:
text stays text (a name starting with "=" is never run as a formula), and a control character already
stored, which an xlsx file cannot hold, is left out (issue 13)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from emulation.kernel.text import writable

T = TypeVar("T")


def read_first_sheet(fileobj: IO[bytes], read: Callable[[Worksheet], T]) -> T:
    """What `read` makes of the workbook's first sheet. Raises ValidationError when it is not a readable
    workbook."""
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file; all mean the same to the user
        raise ValidationError(_("The file could not be read as an Excel workbook (.xlsx).")) from error
    try:
        return read(workbook.worksheets[0])
    except Exception as error:  # damaged sheet XML surfaces only while iterating
        raise ValidationError(_("The file could not be read as an Excel workbook (.xlsx).")) from error
    finally:
        workbook.close()


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    values = [writable(value) if isinstance(value, str) else value for value in values]
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"
