"""The same rendered document as an editable Word file (python-docx), for the office's final edits.

It reads the HTML that the screen and the PDF use (one template per document), so the three carry the
same content and headings. Only the few elements our document templates use are understood: the header
and footer tables, headings, paragraphs, lists, data tables, bold and italic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from emulation.kernel.text import writable

FONT = "Times New Roman"
BLOCKS = {"p", "h1", "h2", "h3", "h4", "li", "div", "td", "th"}


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
            text = " ".join(child.split())
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
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for name in ("Heading 2", "Heading 3", "Heading 4"):
        heading = document.styles[name]
        heading.font.name, heading.font.size, heading.font.bold = FONT, Pt(14), True
        heading.font.color.rgb = None


def _page(document: Document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)


def _cell_block(cell, node: Node) -> None:  # noqa: ANN001
    """The header and footer cells: each child block on its own centred (or left) line."""
    cell.paragraphs[0].text = ""
    first = True
    for child in node.children:
        if not isinstance(child, Node) or child.tag not in BLOCKS or child.classes & {"rule", "space"}:
            continue
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        left = "recipients" in node.classes
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        size = 11 if left and "title" not in child.classes else 13 if "national" not in child.classes else 12
        _write(paragraph, child, size=size, bold=bool(child.classes & {"issuer", "national", "motto", "title"})
               or "signature" in node.classes, italic=bool(child.classes & {"dateline", "title"}),
               upper=bool(child.classes & {"issuer", "parent"}))


def _layout_table(document: Document, node: Node) -> None:
    rows = [r for r in _descendants(node, "tr")]
    if not rows:
        return
    cells = [c for c in rows[0].children if isinstance(c, Node) and c.tag == "td"]
    table = document.add_table(rows=1, cols=len(cells))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, cell_node in enumerate(cells):
        _cell_block(table.rows[0].cells[index], cell_node)


def _data_table(document: Document, node: Node) -> None:
    rows = _descendants(node, "tr")
    width = max((len([c for c in r.children if isinstance(c, Node) and c.tag in ("td", "th")]) for r in rows),
                default=0)
    if not width:
        return
    table = document.add_table(rows=0, cols=width)
    table.style = "Table Grid"
    for row in rows:
        cells = [c for c in row.children if isinstance(c, Node) and c.tag in ("td", "th")]
        docx_cells = table.add_row().cells
        for index, cell_node in enumerate(cells[:width]):
            paragraph = docx_cells[index].paragraphs[0]
            _write(paragraph, cell_node, size=13, bold=cell_node.tag == "th")
            if cell_node.tag == "th" or "num" in cell_node.classes:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


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
        for item in _descendants(node, "li"):
            paragraph = document.add_paragraph(style="List Bullet")
            _write(paragraph, item)
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
