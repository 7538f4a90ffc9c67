"""Reading what the product hands out: the DOM of a page, the text of a PDF and of a Word file, the cells
of a workbook."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO

from docx import Document
from openpyxl import load_workbook

TEXT_ATTRIBUTES = {"value", "title", "alt", "placeholder", "aria-label", "content", "label"}


@dataclass
class Dom:
    """What a browser would build from a page, as far as running code goes."""

    scripts: list[tuple[dict[str, str], str]] = field(default_factory=list)  # (attributes, inline body)
    handlers: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, on* attribute, value)
    urls: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute, javascript:/data: URL)
    tags: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # text nodes and the attribute values a user reads


class _DomParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dom = Dom()
        self.in_script: dict[str, str] | None = None
        self.script_body = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.dom.tags.append(tag)
        for name, value in values.items():
            if name.startswith("on"):
                self.dom.handlers.append((tag, name, value))
            if name in ("href", "src", "action", "formaction", "srcdoc", "data") and re.match(
                    r"\s*(javascript|vbscript|data:text/html)", value, re.IGNORECASE):
                self.dom.urls.append((tag, name, value))
            if name in TEXT_ATTRIBUTES:
                self.dom.texts.append(value)
        if tag == "script":
            self.in_script, self.script_body = values, ""

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.in_script is not None:
            self.dom.scripts.append((self.in_script, self.script_body))
            self.in_script = None

    def handle_data(self, data: str) -> None:
        if self.in_script is not None:
            self.script_body += data
        else:
            self.dom.texts.append(data)


def parse_dom(html: str) -> Dom:
    parser = _DomParser()
    parser.feed(html)
    parser.close()
    return parser.dom


def squeeze(text: str) -> str:
    """Without any whitespace and case: a PDF wraps lines and a heading may be in capitals."""
    return re.sub(r"\s+", "", text).casefold()


def pdf_text(data: bytes) -> str:
    """The text in drawing order (-raw): a table cell's lines stay together, whatever its neighbours hold."""
    assert data.startswith(b"%PDF-"), data[:40]
    result = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                            check=True)
    return result.stdout.decode("utf-8")


def docx_text(data: bytes) -> str:
    """Every paragraph, in the body and in every table cell (nested tables included)."""
    document = Document(BytesIO(data))
    parts: list[str] = []

    def walk(container) -> None:  # noqa: ANN001
        parts.extend(paragraph.text for paragraph in container.paragraphs)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    walk(cell)

    walk(document)
    for section in document.sections:
        walk(section.header)
        walk(section.footer)
    return "\n".join(parts)


def workbook_cells(data: bytes) -> list[tuple[str, str, object, str]]:
    """(sheet, coordinate, value, data_type) of every non-empty cell, formulas left unevaluated."""
    book = load_workbook(BytesIO(data), data_only=False)
    return [(sheet.title, cell.coordinate, cell.value, cell.data_type)
            for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
