"""The documents' plain values as text (pure: no database): numbers with a decimal comma, shares, pass
marks, dates and times inside a sentence, document numbers inside a sentence, the law in force.

Every document of the bloc (the year-end report and the meeting's other documents) formats through here,
so a number is written one way everywhere (emulation/kernel/numbers.py `format_number`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from awards import results
from emulation.kernel.numbers import format_number
from reports import rules

BLANK = "....."
# The base of a percentage, as the documents state it (domain.md §3).
BASE_WORDS = {"members": "tổng số đơn vị thành viên", "present": "số đơn vị có mặt", "issued": "số phiếu phát ra",
              "returned": "số phiếu thu vào", "valid": "số phiếu hợp lệ"}

# The law in force on the document's date (domain-research.md §7.1: the pre-2024 and Law 2022 eras).
LEGAL_BASES = [
    (dt.date(2024, 1, 1), ("Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022",
                           "Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi tiết "
                           "thi hành một số điều của Luật Thi đua, khen thưởng")),
    (dt.date(2017, 9, 15), ("Luật Thi đua, khen thưởng ngày 26 tháng 11 năm 2003; Luật sửa đổi, bổ sung một số "
                            "điều của Luật Thi đua, khen thưởng ngày 14 tháng 6 năm 2005 và ngày 16 tháng 11 năm 2013",
                            "Nghị định số 91/2017/NĐ-CP ngày 31 tháng 7 năm 2017 của Chính phủ quy định chi tiết "
                            "thi hành một số điều của Luật Thi đua, khen thưởng")),
    (dt.date(1900, 1, 1), ("Luật Thi đua, khen thưởng ngày 26 tháng 11 năm 2003 và các Luật sửa đổi, bổ sung",)),
]


def percent_text(numerator: int, denominator: int) -> str:
    """A share as the documents print it (awards/results.py `percent`, with a decimal comma): 7/9 → "77,78"."""
    return results.percent_text(Fraction(numerator, denominator) if denominator > 0 else Fraction(0))


def mark_text(fraction: Fraction, comparator: str, base: str) -> str:
    """"trên 50% tổng số đơn vị thành viên", "từ 70% số phiếu hợp lệ trở lên", "trên 2/3 …"."""
    hundred = fraction * 100
    amount = f"{hundred.numerator}%" if hundred.denominator == 1 else f"{fraction.numerator}/{fraction.denominator}"
    words = BASE_WORDS.get(base, base)
    return f"trên {amount} {words}" if comparator == ">" else f"từ {amount} {words} trở lên"


def score_text(value: Decimal | int | None) -> str:
    """96 → "96", 95.50 → "95,5": a decimal comma and no trailing zeros; "—" for no value."""
    if value is None:
        return "—"
    return format_number(Decimal(value).normalize())


def vn_date(day: dt.date | None) -> str:
    """01/12/2022; "" for no date."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if day else ""


def day_text(day: dt.date | None) -> str:
    """"ngày 01 tháng 12 năm 2022" inside a sentence (leading zeros as on the date line)."""
    if day is None:
        return f"ngày {BLANK} tháng {BLANK} năm {BLANK}"
    text = rules.date_line(day)
    return text[0].lower() + text[1:]


def clock_text(moment: dt.time | None) -> str:
    return f"{moment.hour:02d} giờ {moment.minute:02d} phút" if moment else f"{BLANK} giờ {BLANK} phút"


def legal_bases(day: dt.date) -> tuple[str, ...]:
    return next(bases for since, bases in LEGAL_BASES if day >= since)


def number_inline(number: int | None, type_code: str, header: rules.Header) -> str:
    """"số 05-BC/KTĐ-NC" (Party) or "số 05/BC-KTĐ-NC" (state) inside a sentence, under the bloc's symbol;
    "" without a number."""
    if not number:
        return ""
    line = rules.document_number(number, type_code, header.symbol, style=header.style)
    return "số " + line.split(" ", 1)[1]
