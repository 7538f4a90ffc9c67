"""The same rendered document as an editable Word file (python-docx), for the office's final edits.

It reads the HTML that the screen and the PDF use (one template per document), so the three carry the
same content and headings. Only the few elements our document templates use are understood: the header
and footer tables, headings, paragraphs, lists, data tables, bold and italic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from emulation.kernel.text import writable

FONT = "Times New Roman"
LANGUAGE = "vi-VN"
BLOCKS = {"p", "h1", "h2", "h3", "h4", "li", "div", "td", "th"}
# The page of document.css's @page (Decree 30/2020 Appendix I: top and bottom 20-25 mm, left 30-35 mm,
# right 15-20 mm); the text is 165 mm wide.
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_MM = 210 - MARGINS_MM["left"] - MARGINS_MM["right"]
# The header's two cells: the right one holds "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" at 12 pt bold (87.7 mm)
# on one line; the left one the issuing body.
HEADER_MM = (70, TEXT_MM - 70)
# The short rules document.css draws, as a share of their cell: under the issuing body (.rule), under the
# motto or the Party line (.rule-long), under the title (.doc-title .rule, of the text width).
RULE_SHARE = {"rule": 0.30, "rule-long": 0.68, "title": 0.25}
SIGNING_LINES = 4  # empty lines between the signer's title and name: room to sign (and for the seal)
# Column widths of the data tables, by the class of their header cell (ballot.css and report.css; "STT" wider
# than there, since Word and LibreOffice pad a cell more than our CSS does: at 12 mm it broke as "ST / T"); the
# other columns share what is left, so the unit's name gets the room.
COLUMN_MM = {"stt": 14, "c-n": 14, "rank": 18, "c-rank": 19, "votes": 20, "c-votes": 20, "pct": 28, "note": 38,
             "c-note": 33, "unit": 34, "section": 28, "answer": 38, "score": 16, "c-score": 16, "share": 26,
             "c-share": 28, "c-position": 32, "c-count": 20, "c-award": 40, "box": 25}
SPACES = re.compile(r"[ \t\n\r\f\v]+")
THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


@dataclass
class Node:
    tag: str
    classes: set[str]
    children: list = field(default_factory=list)
    attrs: dict = field(default_factory=dict)


class _Tree(HTMLParser):
    """A small DOM of the document's <main>."""

    VOID = {"br", "meta", "link", "img", "hr", "input"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", set())
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        node = Node(tag, set((values.get("class") or "").split()), attrs=values)
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if self.stack[-1].tag not in ("style", "script", "title"):
            self.stack[-1].children.append(writable(data))  # Word's XML cannot hold control characters


def _find(node: Node, tag: str) -> Node | None:
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == tag:
                return child
            found = _find(child, tag)
            if found:
                return found
    return None


def _runs(node: Node, bold: bool = False, italic: bool = False) -> list[tuple[str, bool, bool]]:
    out: list[tuple[str, bool, bool]] = []
    for child in node.children:
        if isinstance(child, str):
            text = " ".join(SPACES.split(child)).strip(" ")  # a non-breaking space stays one in Word
            if text:
                out.append((text, bold, italic))
        elif child.tag == "br":
            out.append(("\n", bold, italic))
        else:
            out.extend(_runs(child, bold or child.tag in ("strong", "b") or "bold" in child.classes,
                             italic or child.tag in ("em", "i")))
    return out


def _write(paragraph, node: Node, *, size: float = 14, bold: bool = False, italic: bool = False,  # noqa: ANN001
           upper: bool = False) -> None:
    previous = ""
    for text, is_bold, is_italic in _runs(node, bold, italic):
        if text == "\n":
            paragraph.add_run().add_break()
            previous = ""
            continue
        if previous and not previous.endswith((" ", "(")) and not text.startswith((",", ".", ";", ":", ")")):
            text = " " + text
        run = paragraph.add_run(text.upper() if upper else text)
        run.bold, run.italic = is_bold, is_italic
        run.font.size = Pt(size)
        previous = text


def _set_font(document: Document) -> None:
    """Times New Roman in every style and the defaults, named for all four scripts (a theme font would
    turn into Calibri or Cambria on the clerk's machine), and Vietnamese as the language."""
    style = document.styles["Normal"]
    style.font.size = Pt(14)
    for name in ("Heading 2", "Heading 3", "Heading 4"):
        heading = document.styles[name]
        heading.font.size, heading.font.bold = Pt(14), True
        heading.font.color.rgb = None
    root = document.styles.element
    defaults = root.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for holder in (r_pr, style.element.get_or_add_rPr()):
        holder.get_or_add_rFonts()
        lang = holder.find(qn("w:lang"))
        if lang is None:  # w:lang comes late in a w:rPr: after the fonts and sizes set above
            lang = OxmlElement("w:lang")
            holder.append(lang)
        lang.set(qn("w:val"), LANGUAGE)
        lang.set(qn("w:eastAsia"), LANGUAGE)
    for rfonts in root.iter(qn("w:rFonts")):
        for attribute in THEME_ATTRIBUTES:
            rfonts.attrib.pop(qn(attribute), None)
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            rfonts.set(qn(attribute), FONT)
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    if spacing is not None:  # single lines, no space after: the writer sets each paragraph's own spacing
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")


def _page(document: Document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(10)
    # The page number is centred in the top margin from page 2 on, as in the PDF (document.css @page).
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, None), ("end", None)):
        run = paragraph.add_run()
        run.font.size = Pt(13)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = f" {text} "
            run._r.append(instruction)
        else:
            run.text = "2"


def _rule(paragraph, width_mm: float, room_mm: float) -> None:  # noqa: ANN001
    """A short solid rule: the top border of an empty, narrow paragraph centred in `room_mm`."""
    side = max(0.0, (room_mm - width_mm) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Mm(side)
    paragraph.paragraph_format.space_before = Pt(1)
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run()
    run.font.size = Pt(2)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().insert_element_before(
        borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
        "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
        "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
        "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
        "w:rPr", "w:sectPr", "w:pPrChange")


def _widths(table, widths_mm: list[float]) -> None:  # noqa: ANN001
    """Fixed column widths, in the grid and in every cell (Word reads one, LibreOffice the other)."""
    table.autofit = False  # w:tblLayout w:type="fixed"
    for index, width in enumerate(widths_mm):
        table.columns[index].width = Mm(width)
        for cell in table.columns[index].cells:
            cell.width = Mm(width)


def _cell_block(cell, node: Node, width_mm: float) -> None:  # noqa: ANN001
    """The header and footer cells: each child block on its own centred (or left) line, the short rules
    where the PDF draws them, and room to sign where the PDF leaves it."""
    cell.paragraphs[0].text = ""
    first = True
    for child in node.children:
        if not isinstance(child, Node):
            continue
        is_rule = child.tag == "span" and "rule" in child.classes
        if not (is_rule or "space" in child.classes) and child.tag not in BLOCKS:
            continue
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        if is_rule:
            share = RULE_SHARE["rule-long" if "rule-long" in child.classes else "rule"]
            _rule(paragraph, width_mm * share, width_mm)
            continue
        if "space" in child.classes:  # the signature's room: empty lines the clerk can also use
            for _ in range(SIGNING_LINES - 1):
                cell.add_paragraph().add_run().font.size = Pt(14)
            paragraph.add_run().font.size = Pt(14)
            continue
        left = "recipients" in node.classes
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        size = 11 if left and "title" not in child.classes else 13 if "national" not in child.classes else 12
        if "signature" in node.classes:
            size = 14
        _write(paragraph, child, size=size, bold=bool(child.classes & {"issuer", "national", "motto", "title"})
               or ("signature" in node.classes and "role" not in child.classes),
               italic=bool(child.classes & {"dateline", "title"}), upper=bool(child.classes & {"issuer", "parent"}))
        if child.classes & {"number", "dateline"}:
            paragraph.paragraph_format.space_before = Pt(6)


def _cell_margins(table, mm: float) -> None:  # noqa: ANN001
    """Room inside each cell, left and right: two signature blocks side by side never touch."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(round(mm / 25.4 * 1440)))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription",
                                           "w:tblPrChange")  # Word refuses elements out of the schema's order


def _layout_table(document: Document, node: Node) -> None:
    rows = [r for r in _descendants(node, "tr")]
    if not rows:
        return
    cells = [c for c in rows[0].children if isinstance(c, Node) and c.tag == "td"]
    table = document.add_table(rows=1, cols=len(cells))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if "doc-header" in node.classes and len(cells) == len(HEADER_MM):
        widths = list(HEADER_MM)
    else:
        widths = [TEXT_MM / len(cells)] * len(cells)
    _widths(table, widths)
    _cell_margins(table, 0 if "doc-header" in node.classes else 3)
    for index, cell_node in enumerate(cells):
        _cell_block(table.rows[0].cells[index], cell_node, widths[index])
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(0)


def _column_widths(header: list[Node], count: int) -> list[float]:
    """Stated widths for the narrow columns (STT, votes, %), the rest shared by the wide ones (the unit)."""
    fixed = [next((COLUMN_MM[c] for c in cell.classes if c in COLUMN_MM), None) for cell in header[:count]]
    fixed += [None] * (count - len(fixed))
    free = [i for i, w in enumerate(fixed) if w is None]
    used = sum(w for w in fixed if w is not None)
    if not free or used > TEXT_MM - 30 * len(free):  # not enough left: share everything in proportion
        total = sum(w or 40 for w in fixed)
        return [(w or 40) * TEXT_MM / total for w in fixed]
    rest = (TEXT_MM - used) / len(free)
    return [rest if w is None else w for w in fixed]


def _data_table(document: Document, node: Node) -> None:
    rows = _descendants(node, "tr")
    width = max((len([c for c in r.children if isinstance(c, Node) and c.tag in ("td", "th")]) for r in rows),
                default=0)
    if not width:
        return
    table = document.add_table(rows=0, cols=width)
    table.style = "Table Grid"
    header = [c for c in rows[0].children if isinstance(c, Node) and c.tag in ("td", "th")]
    for row in rows:
        cells = [c for c in row.children if isinstance(c, Node) and c.tag in ("td", "th")]
        docx_row = table.add_row()
        if cells and all(c.tag == "th" for c in cells):  # the header row repeats on every page
            docx_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        docx_cells = docx_row.cells
        for index, cell_node in enumerate(cells[:width]):
            paragraph = docx_cells[index].paragraphs[0]
            _write(paragraph, cell_node, size=13, bold=cell_node.tag == "th")
            if cell_node.tag == "th" or "num" in cell_node.classes:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _widths(table, _column_widths(header, width))
    document.add_paragraph().paragraph_format.space_after = Pt(0)


def _descendants(node: Node, tag: str) -> list[Node]:
    found = []
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == tag:
                found.append(child)
            else:
                found.extend(_descendants(child, tag))
    return found


def _block(document: Document, node: Node) -> None:
    if node.tag == "table":
        if node.classes & {"doc-header", "doc-footer", "signatures"}:
            _layout_table(document, node)
        else:
            _data_table(document, node)
    elif node.tag in ("h2", "h3", "h4"):
        heading = document.add_heading(level=int(node.tag[1]))
        _write(heading, node, bold=True, italic=node.tag == "h4", upper=node.tag == "h2")
    elif node.tag == "ul":
        for item in _descendants(node, "li"):  # "- " as document.css's list-style, never Word's "•"
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.left_indent = Cm(1)
            paragraph.paragraph_format.first_line_indent = Cm(-0.4)
            paragraph.paragraph_format.space_after = Pt(3)
            paragraph.add_run("- ").font.size = Pt(14)
            _write(paragraph, item)
    elif node.tag == "span" and "rule" in node.classes:  # under the title
        _rule(document.add_paragraph(), TEXT_MM * RULE_SHARE["title"], TEXT_MM)
    elif node.tag == "p":
        paragraph = document.add_paragraph()
        centred = node.classes & {"type", "summary", "kinh-gui"}
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.JUSTIFY
        if not centred and "no-indent" not in node.classes:
            paragraph.paragraph_format.first_line_indent = Cm(1)
        paragraph.paragraph_format.space_after = Pt(6)
        _write(paragraph, node, bold=bool(node.classes & {"type", "summary"}), upper="type" in node.classes)
    else:
        for child in node.children:
            if isinstance(child, Node):
                _block(document, child)


def html_to_docx(html: str) -> bytes:
    parser = _Tree()
    parser.feed(html)
    main = _find(parser.root, "main") or parser.root
    document = Document()
    _set_font(document)
    _page(document)
    for child in main.children:
        if isinstance(child, Node):
            _block(document, child)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
