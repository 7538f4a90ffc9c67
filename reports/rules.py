"""Pure rules of Vietnamese administrative documents (domain.md §4): no Django, no database.

Decree 30/2020/NĐ-CP for state bodies, Guidance 36-HD/VPTW for Party bodies.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

STATE = "state"
PARTY = "party"
NBSP = "\u00a0"
# Characters of the issuing body, 13 pt bold capitals, that fit on one line of the header's left cell (about
# 70 mm): "KHỐI THI ĐUA CÁC BAN, CƠ" is 24 and just fits.
ISSUER_LINE = 24


def two_digits(number: int) -> str:
    """Numbers below 10 take a leading zero: 05, 12."""
    return f"{number:02d}"


def date_line(day: dt.date, place: str = "") -> str:
    """"Quảng Trị, ngày 01 tháng 12 năm 2022": days below 10 and months 1 and 2 take a leading zero
    ("ngày 05 tháng 02", but "tháng 3", "tháng 12") — Decree 30/2020, Appendix I."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    text = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {text}" if place else text[0].upper() + text[1:]


def document_number(number: int | None, type_code: str, issuer_code: str, *, style: str) -> str:
    """"Số: 05/BC-KTĐ" for state bodies; Party style writes "Số 05-BC/KTĐ" without the colon."""
    shown = two_digits(number) if number else "......"  # dotted, as on a printed form: spaces collapse
    if style == PARTY:
        return f"Số {shown}-{type_code}/{issuer_code}"
    return f"Số: {shown}/{type_code}-{issuer_code}"


def on_behalf(style: str) -> str:
    """"On behalf of" before a collective's name: "TM." (Decree 30/2020), "T/M." (Guidance 36-HD/VPTW)."""
    return "T/M." if style == PARTY else "TM."


def signer_parts(text: str) -> tuple[str, str]:
    """A signer typed as "Ngô Văn Liên, Trưởng Ban Tuyên giáo Tỉnh ủy" → (name, title): a signature block
    prints the title above the room to sign and the name alone under it, never both on one line."""
    name, _, title = (text or "").partition(",")
    return " ".join(name.split()), " ".join(title.split())


def issuer_lines(text: str, width: int = ISSUER_LINE) -> tuple[str, ...]:
    """The issuing body broken where an official breaks it: after a comma when that gives lines that fit,
    else at the space that gives the most even lines; never inside a line the renderer would split again
    ("KHỐI THI ĐUA CÁC BAN, CƠ / QUAN CỦA ĐẢNG" split the phrase "cơ quan")."""
    words = text.split()
    if len(" ".join(words)) <= width or len(words) < 2:
        return (" ".join(words),)
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    two = [s for s in splits if len(s[0]) <= width and len(s[1]) <= width]
    if two:  # two lines: after a comma if one fits, else the most even
        commas = [s for s in two if s[0].endswith(",") and len(s[0]) * 2 >= width]
        return min(commas or two, key=lambda s: (max(len(s[0]), len(s[1])), -len(s[0])))
    fitting = [s for s in splits if len(s[0]) <= width] or splits[:1]
    commas = [s for s in fitting if s[0].endswith(",") and len(s[0]) * 2 >= width]
    head, tail = (commas or fitting)[-1]  # the fullest first line, a comma's if one is long enough
    return (head, *issuer_lines(tail, width))


def unbroken(name: str, longest: int = 50) -> str:
    """A name short enough for one line of a title, with non-breaking spaces: the title breaks before it
    rather than inside it ("… các Ban, cơ | quan của Đảng")."""
    return NBSP.join(name.split()) if len(name) <= longest else name


def no_widow(text: str) -> str:
    """A title's last two words tied by a non-breaking space: no word stands alone on the last line."""
    head, _, last = text.rstrip().rpartition(" ")
    return f"{head}{NBSP}{last}" if head else text


@dataclass(frozen=True)
class Header:
    """The header cells: issuing body on the left, national or Party line on the right."""

    style: str
    parent_lines: tuple[str, ...]  # the line(s) above the issuing body (the bloc's setting, else the head's parent)
    issuing_body: str
    symbol: str = "KTĐ"  # the bloc's document symbol: "Số: 05/BC-<symbol>"

    @property
    def national_line(self) -> str:
        return "ĐẢNG CỘNG SẢN VIỆT NAM" if self.style == PARTY else "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"

    @property
    def issuing_lines(self) -> tuple[str, ...]:
        return issuer_lines(self.issuing_body.upper())

    @property
    def motto(self) -> str:
        return "" if self.style == PARTY else "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class NumberUse:
    """A number given to a document of a bloc, in the calendar year of its date (numbers restart on 1 January)."""

    label: str
    number: int
    year: int


def number_clashes(wanted: Sequence[NumberUse], taken: Iterable[NumberUse]) -> list[tuple[NumberUse, NumberUse]]:
    """The bloc's administrative documents share one sequence of numbers per calendar year (Decree 30/2020,
    Art. 15): a number is refused when another document of the same year already holds it."""
    clashes = []
    seen = list(taken)
    for use in wanted:
        other = next((s for s in seen if s.number == use.number and s.year == use.year), None)
        if other is not None:
            clashes.append((use, other))
        seen.append(use)
    return clashes


# --- Safe narrative text ---------------------------------------------------------------------------------------
#
# The secretariat writes narrative sections in a small markup: paragraphs separated by a blank line,
# list items starting with "- ", bold between **two stars**. Everything else is text: any HTML typed
# in shows as text, on the page, in the PDF and in Word.

BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Block:
    kind: str  # "p" or "ul"
    lines: tuple[tuple[tuple[str, bool], ...], ...]  # per line: runs of (text, is_bold)


def runs(line: str) -> tuple[tuple[str, bool], ...]:
    parts, position = [], 0
    for match in BOLD.finditer(line):
        if match.start() > position:
            parts.append((line[position:match.start()], False))
        parts.append((match.group(1), True))
        position = match.end()
    if position < len(line):
        parts.append((line[position:], False))
    return tuple(parts)


def parse_narrative(text: str) -> list[Block]:
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith(("- ", "* ", "+ ")) for line in lines):
            blocks.append(Block("ul", tuple(runs(line[2:].strip()) for line in lines)))
        else:
            blocks.append(Block("p", tuple(runs(line) for line in lines)))
    return blocks


def narrative_html(text: str) -> str:
    """The narrative as HTML; every character the user typed is escaped first."""
    out = []
    for block in parse_narrative(text):
        rendered = ["".join(f"<strong>{html.escape(t)}</strong>" if bold else html.escape(t) for t, bold in line)
                    for line in block.lines]
        if block.kind == "ul":
            out.append("<ul>" + "".join(f"<li>{item}</li>" for item in rendered) + "</ul>")
        else:
            out.append("<p>" + "<br>".join(rendered) + "</p>")
    return "\n".join(out)
