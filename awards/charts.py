"""A closed round's votes as horizontal bars with the pass line drawn (issue 11, item 4).

SVG made on the server, so that a page needs no script and WeasyPrint prints it in a document; readable in
black and white: a proposed unit's bar is solid black, a bar that passed without a seat is hatched, a bar that
did not pass is white with a black outline; the pass line is a dashed vertical line with its value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
        '<style>text{font-family:"DocSerif","Liberation Serif","Times New Roman",serif;font-size:15px;fill:#000}'
        '.votes{font-weight:bold}.label{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}'
        '</style>',
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
        parts.append(f'<text class="label" x="{LEFT}" y="{y + 14}">{name} — {escape(status)}</text>')
        parts.append(f'<rect x="{LEFT}" y="{y + 20}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{fill}" '
                     f'stroke="#000" stroke-width="1.5"/>')
        parts.append(f'<text class="votes" x="{LEFT + width + 6:.1f}" y="{y + 34}">{row.votes}</text>')
    anchor = "end" if line_x > WIDTH / 2 else "start"
    label_x = line_x - 4 if anchor == "end" else line_x + 4
    parts.append(f'<text x="{label_x:.1f}" y="{bottom + 22}" text-anchor="{anchor}">{escape(line_label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
