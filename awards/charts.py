"""Charts drawn on the server as SVG: a closed round's votes with the pass line (issue 11, item 4), and the
dashboards' ranked bars and year lines (issue 14, item 4).

SVG made on the server, so that a page needs no script and WeasyPrint prints it in a document; readable in
black and white: a proposed unit's bar is solid black, a bar that passed without a seat is hatched, a bar that
did not pass is white with a black outline; the pass line is a dashed vertical line with its value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from awards.results import Row
from emulation.kernel.numbers import format_number

WIDTH = 640
LEFT, RIGHT = 8, 96  # room for the votes written after the longest bar
ROW_HEIGHT, BAR_HEIGHT, TOP = 46, 18, 28


def pass_line_votes(fraction: Fraction, base: int) -> Fraction:
    """Where the line stands, in votes: the rule set's fraction of the round's base."""
    return Fraction(fraction) * base


def result_bars_svg(rows: Sequence[Row], *, names: Mapping[object, str], base: int, fraction: Fraction,
                    comparator: str, runoff: Sequence[object] = (), key: object = "") -> SafeString:
    """`key` (the round's id) keeps the chart's ids apart from another chart's on the same page."""
    line = pass_line_votes(fraction, base)
    title_id, hatch_id = f"bars-title-{key}", f"hatch-{key}"
    top = max([base, *(row.votes for row in rows), 1])
    span = WIDTH - LEFT - RIGHT

    def x(votes: Fraction | int) -> float:
        return LEFT + span * float(Fraction(votes) / top)

    height = TOP + ROW_HEIGHT * len(rows) + 34
    line_x = x(line)
    line_label = _("pass line: %(cmp)s %(fraction)s × %(base)s = %(votes)s votes") % {
        "cmp": comparator, "fraction": f"{fraction.numerator}/{fraction.denominator}", "base": base,
        "votes": format_number(Decimal(line.numerator) / Decimal(line.denominator),
                               places=2 if line.denominator != 1 else None)}
    title = _("Votes per candidate, with the pass line")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="result-bars" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{title_id}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<defs><pattern id="{hatch_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2.5"/></pattern></defs>',
        # Presentation attributes on a group, not a <style> element, which the pages' Content-Security-Policy
        # (style-src 'self') drops: drawn the same in a browser and in WeasyPrint.
        '<g font-family="DocSerif, \'Liberation Serif\', \'Times New Roman\', serif" font-size="15" fill="#000">',
    ]
    bottom = TOP + ROW_HEIGHT * len(rows)
    parts.append(f'<line x1="{line_x:.1f}" y1="{TOP - 6}" x2="{line_x:.1f}" y2="{bottom + 2}" stroke="#000" '
                 f'stroke-width="2" stroke-dasharray="6 4" data-pass-line="{float(line):.4f}"/>')
    for i, row in enumerate(rows):
        y = TOP + i * ROW_HEIGHT
        fill = "#000" if row.elected else (f"url(#{hatch_id})" if row.passed else "#fff")
        width = max(x(row.votes) - LEFT, 1.5)
        status = (_("proposed") if row.elected else _("runoff") if row.unit in runoff
                  else _("passed") if row.passed else _("did not pass"))
        name = escape(names.get(row.unit, str(row.unit)))
        # Drawn after the pass line, so the names lie on top of it (WeasyPrint knows no paint-order for a halo).
        parts.append(f'<text x="{LEFT}" y="{y + 14}">{name} — {escape(status)}</text>')
        parts.append(f'<rect x="{LEFT}" y="{y + 20}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{fill}" '
                     f'stroke="#000" stroke-width="1.5"/>')
        parts.append(f'<text font-weight="bold" x="{LEFT + width + 6:.1f}" y="{y + 34}">{row.votes}</text>')
    anchor = "end" if line_x > WIDTH / 2 else "start"
    label_x = line_x - 4 if anchor == "end" else line_x + 4
    parts.append(f'<text x="{label_x:.1f}" y="{bottom + 22}" text-anchor="{anchor}">{escape(line_label)}</text>')
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


# --- Issue 14: general charts, each with its numbers as a table for screen readers and print ------------------

CHART_WIDTH = 480  # narrower than the result bars: the text stays readable when a phone shrinks the picture
STYLES = ("solid", "hatch", "open")  # black, hatched, white with an outline: told apart without colour
FILL = {"solid": "#000", "hatch": "url(#hatch-{id})", "open": "#fff"}
# Presentation attributes, not a <style> element: the pages' Content-Security-Policy (style-src 'self') drops
# inline style sheets, attributes are drawn everywhere, WeasyPrint included.
FONT = '<g font-family="DocSerif, \'Liberation Serif\', \'Times New Roman\', serif" font-size="14" fill="#000">'



@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (None: no value, drawn as a dash), its style and a word for the table."""

    label: str
    value: Decimal | int | None
    style: str = "solid"
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """What a page shows: the picture (its title and description inside it) and the same numbers as a table."""

    id: str
    title: str
    description: str
    svg: SafeString
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _number(value: Decimal | int | None) -> str:
    return "—" if value is None else format_number(Decimal(value).normalize() if isinstance(value, Decimal)
                                                   else Decimal(value))


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    chart_id = escape(chart_id)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
            f'<defs><pattern id="hatch-{chart_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2.5"/></pattern></defs>', FONT]


def bar_chart(*, chart_id: str, title: str, description: str, bars: Sequence[Bar], value_label: str,
              top: Decimal | int | None = None, note_label: str = "", label_header: str = "") -> Chart:
    """Horizontal bars in the order given (rank them first), the label above each bar and the value after it.
    `top` is the axis' end (the scoring table's maximum); by default the largest value."""
    values = [Decimal(b.value) for b in bars if b.value is not None]
    end = Decimal(top) if top else max([*values, Decimal(1)])
    span = CHART_WIDTH - LEFT - 64
    height = TOP + ROW_HEIGHT * len(bars) + 8
    parts = _open(chart_id, CHART_WIDTH, height, title, description)
    for i, bar in enumerate(bars):
        y = TOP + i * ROW_HEIGHT - 16
        label = escape(bar.label) + (f" — {escape(bar.note)}" if bar.note else "")
        parts.append(f'<text x="{LEFT}" y="{y + 14}">{label}</text>')
        if bar.value is None:
            parts.append(f'<text font-weight="bold" x="{LEFT}" y="{y + 34}">—</text>')
            continue
        width = max(span * float(min(Decimal(bar.value), end) / end), 1.5)
        fill = FILL.get(bar.style, FILL["solid"]).format(id=escape(chart_id))
        parts.append(f'<rect x="{LEFT}" y="{y + 20}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{fill}" '
                     f'stroke="#000" stroke-width="1.5" data-value="{bar.value}"/>')
        parts.append(f'<text font-weight="bold" x="{LEFT + width + 6:.1f}" y="{y + 34}">{_number(bar.value)}</text>')
    parts.append("</g></svg>")
    columns = (label_header or _("Name"), value_label, *((note_label,) if note_label else ()))
    rows = tuple((bar.label, _number(bar.value), *((bar.note,) if note_label else ())) for bar in bars)
    return Chart(chart_id, title, description, mark_safe("".join(parts)), columns, rows)  # noqa: S308 (escaped)


def line_chart(*, chart_id: str, title: str, description: str, points: Sequence[tuple[int, Decimal | int | None]],
               value_label: str, top: Decimal | int | None = None, notes: Mapping[int, str] | None = None,
               note_label: str = "") -> Chart:
    """Values over years: a point per year with its value written above, joined by a line; a year without a
    value breaks the line and shows a dash. `notes` (a year's titles) go into the table only."""
    width, left, right, bottom, head = CHART_WIDTH, 40, 30, 40, 30
    height = 240
    values = [Decimal(v) for _y, v in points if v is not None]
    end = Decimal(top) if top else max([*values, Decimal(1)])
    step = (width - left - right) / max(len(points) - 1, 1)
    parts = _open(chart_id, width, height, title, description)
    base_y = height - bottom
    parts.append(f'<line x1="{left}" y1="{base_y}" x2="{width - right}" y2="{base_y}" stroke="#000"/>')
    previous: tuple[float, float] | None = None
    for i, (year, value) in enumerate(points):
        x = left + step * i if len(points) > 1 else width / 2
        parts.append(f'<text x="{x:.1f}" y="{base_y + 24}" text-anchor="middle">{year}</text>')
        if value is None:
            parts.append(f'<text x="{x:.1f}" y="{base_y - 8}" text-anchor="middle">—</text>')
            previous = None
            continue
        y = base_y - (base_y - head) * float(min(Decimal(value), end) / end)
        if previous is not None:
            parts.append(f'<line x1="{previous[0]:.1f}" y1="{previous[1]:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
                         'stroke="#000" stroke-width="2"/>')
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#000" data-year="{year}" data-value="{value}"/>')
        parts.append(f'<text font-weight="bold" x="{x:.1f}" y="{y - 10:.1f}" text-anchor="middle">'
                     f'{_number(value)}</text>')
        previous = (x, y)
    parts.append("</g></svg>")
    notes = notes or {}
    columns = (_("Year"), value_label, *((note_label,) if note_label else ()))
    rows = tuple((str(year), _number(value), *((notes.get(year, ""),) if note_label else ())) for year, value in points)
    return Chart(chart_id, title, description, mark_safe("".join(parts)), columns, rows)  # noqa: S308 (escaped)
