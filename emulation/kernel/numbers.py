"""Numbers as Vietnamese write them (issue 10, item 3): a decimal comma ("27,5") and a dot that groups
thousands ("1.234,5"). A dot alone is read as a decimal point where only that reading is possible ("27.5").
Nothing is ever read ten or a thousand times too large: what can be read two ways is refused with a reason.

Browsers' own number inputs read "1,5" as 15 in an English-speaking browser (the comma taken as a
thousands separator), so forms take numbers in text inputs and read them here; the Excel readers and the
messages use the same functions. Pure Python: no Django import.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

DIGITS = r"[0-9]"  # ASCII only: Decimal() would take "٣" or "０" as digits too
_PLAIN = re.compile(rf"{DIGITS}+")
_COMMA = re.compile(rf"{DIGITS}+,{DIGITS}+")
_DOT = re.compile(rf"{DIGITS}+\.{DIGITS}+")
_GROUPED = re.compile(rf"{DIGITS}{{1,3}}(?:\.{DIGITS}{{3}})+(?:,{DIGITS}+)?")
# Numbers at or above this need a thousands separator to be written the Vietnamese way; a field whose
# values stay below it refuses one ("1.234,5" in a 15-point item is a typing slip, not 1234.5).
GROUPING_FROM = 1000


class NumberError(ValueError):
    """Why a text is not read as a number; `code` is "invalid", "ambiguous", "grouping" or "whole"."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(code)
        self.code = code
        self.text = text


def _unsigned(body: str, text: str, *, grouping: bool) -> Decimal:
    if _PLAIN.fullmatch(body):
        return Decimal(body)
    if _COMMA.fullmatch(body):
        return Decimal(body.replace(",", "."))
    is_grouped = bool(_GROUPED.fullmatch(body))
    if is_grouped and not grouping:
        raise NumberError("grouping", text)
    if is_grouped and ("," in body or body.count(".") > 1):
        return Decimal(body.replace(".", "").replace(",", "."))
    if is_grouped:  # "1.234": 1234 as Vietnamese write it, 1.234 as English does
        raise NumberError("ambiguous", text)
    if _DOT.fullmatch(body):
        return Decimal(body)
    raise NumberError("invalid", text)


def parse_number(text: str, *, grouping: bool = True, whole: bool = False) -> Decimal:
    """The number `text` says. `grouping`: thousands separators are meaningful for this value; `whole`:
    only a whole number is right (a count, a year, a rank), so "1.234" can only mean 1234 and "27,5" is
    refused rather than read as 275."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    sign, body = ("-", cleaned[1:]) if cleaned[:1] in ("-", "\u2212") else ("", cleaned.removeprefix("+"))
    body = body.strip()
    try:
        value = _unsigned(body, text, grouping=grouping)
    except NumberError as error:
        if not (whole and error.code == "ambiguous"):
            raise
        value = Decimal(body.replace(".", ""))
    except InvalidOperation as error:
        raise NumberError("invalid", text) from error
    if whole and value != value.to_integral_value():
        raise NumberError("whole", text)
    return -value if sign else value


def cell_number(value: object, *, grouping: bool = True, whole: bool = False) -> Decimal | None:
    """An Excel cell as a number: a numeric cell as it is, a text cell ("27,5") read as above; None if empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise NumberError("invalid", str(value))
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise NumberError("invalid", str(value))
        if whole and number != number.to_integral_value():
            raise NumberError("whole", format_number(number))
        return number.to_integral_value() if whole else number
    return parse_number(str(value), grouping=grouping, whole=whole)


def format_number(value: Decimal | int | float | str, places: int | None = None) -> str:
    """"30,00", "27,5", "12.345": a decimal comma, and a dot grouping thousands from 10 000 up (a year or
    a four-digit count stays as it is written: 2024). `places` rounds to that many decimals."""
    number = Decimal(str(value))
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
    sign = "-" if number < 0 else ""
    whole, _, decimals = f"{abs(number):f}".partition(".")
    if len(whole) > 4:
        whole = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{whole},{decimals}" if decimals else f"{sign}{whole}"


def shown(value: object) -> object:
    """A message's parameter as Vietnamese write it: a decimal with its comma ("30,00"); anything else
    as it is (a year stays 2024)."""
    return format_number(value) if isinstance(value, Decimal | float) else value
