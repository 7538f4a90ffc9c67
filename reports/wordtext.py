"""Text from Word into the narrative's small markup (issue 12, item 9): paragraphs, simple bulleted and numbered
lists, bold where a whole run is bold; everything else (styles, tables, images, fields, Office's own tags) is
dropped. What comes out is plain markup text, rendered like anything typed by reports.rules.narrative_html, so
nothing from the file or the clipboard reaches the page as HTML.

Three ways in: Word's clipboard HTML (`<p class=MsoNormal>`, `<o:p>`, spans with mso styles), Word's plain-text
paste (bullets "•", "·", "o", "§" followed by a tab), and an uploaded .docx read with python-docx (its checks for
size, macros and external references are emulation.kernel.uploads.check_docx).
"""

from __future__ import annotations

import io
import re
import unicodedata
from html.parser import HTMLParser

import docx

BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}
DROPPED = {"style", "script", "head", "title", "xml", "o:p", "v:shapetype", "v:shape", "table-of-contents"}
BULLET = re.compile(r"^\s*(?:[•·▪◦o§\-–*]|\d{1,3}[.)]|[a-zA-Z][.)])[\s\u00a0]+")
BOLD_STYLE = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.IGNORECASE)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\u00a0", " ")).replace("*", "")
    return re.sub(r"[ \t\r\n]+", " ", text)


def _join(blocks: list[tuple[bool, str]]) -> str:
    """Blocks (is_list_item, text) into markup: a blank line between paragraphs, list items on their own lines."""
    out: list[str] = []
    previous_item = False
    for is_item, text in blocks:
        text = text.strip()
        if not text:
            continue
        if out:
            out.append("\n" if is_item and previous_item else "\n\n")
        out.append(f"- {text}" if is_item else text)
        previous_item = is_item
    return "".join(out)


class _WordHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[bool, str]] = []
        self.parts: list[str] = []
        self.is_item = False
        self.dropping = 0
        self.bold: list[bool] = []  # per open inline element: whether it made the text bold
        self.marker = 0  # inside Word's list marker (<![if !supportLists]> ... <![endif]>)

    def _flush(self) -> None:
        text = re.sub(r"\*\*\s*\*\*", "", "".join(self.parts))
        self.blocks.append((self.is_item, re.sub(r" +", " ", text)))
        self.parts, self.is_item = [], False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in DROPPED:
            self.dropping += 1
        elif tag in BLOCKS:
            self._flush()
            style = values.get("style") or ""
            self.is_item = tag == "li" or "mso-list" in style or "MsoListParagraph" in (values.get("class") or "")
        elif tag == "br":
            self.parts.append(" ")
        elif tag in {"b", "strong", "span"}:
            bold = tag != "span" or bool(BOLD_STYLE.search(values.get("style") or ""))
            self.bold.append(bold)
            if bold and not self.dropping:
                self.parts.append("**")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED:
            self.dropping = max(0, self.dropping - 1)
        elif tag in BLOCKS:
            self._flush()
        elif tag in {"b", "strong", "span"} and self.bold:
            if self.bold.pop() and not self.dropping:
                self.parts.append("**")

    def handle_data(self, data: str) -> None:
        if not self.dropping and not self.marker:
            self.parts.append(_clean(data))

    def unknown_decl(self, data: str) -> None:  # Word's <![if !supportLists]> ... <![endif]>
        if data.startswith("if !supportLists"):
            self.marker += 1
        elif data.startswith("endif") and self.marker:
            self.marker -= 1


def word_html_to_markup(html: str) -> str:
    """Word's clipboard HTML as paragraphs and list items; its list markers, styles and Office tags dropped."""
    parser = _WordHtml()
    parser.feed(re.sub(r"<!--.*?-->", "", html or "", flags=re.DOTALL))
    parser.close()
    parser._flush()
    blocks = [(is_item, _unbullet(text) if is_item else text) for is_item, text in parser.blocks]
    return _join([(is_item, _tidy_bold(text)) for is_item, text in blocks])


def _unbullet(text: str) -> str:
    return BULLET.sub("", text, count=1)


def _tidy_bold(text: str) -> str:
    """Spaces inside the bold marks move outside them (`** word **.` -> ` **word**.`); a bold mark with nothing
    inside is dropped."""
    text = re.sub(r"\*\*\s*\*\*", "", text)
    return re.sub(r" {2,}", " ", re.sub(r"\*\*(\s*)(.+?)(\s*)\*\*", r"\1**\2**\3", text)).strip()


def word_text_to_markup(text: str) -> str:
    """Word's plain-text paste: each line a paragraph, a line starting with a bullet and a tab a list item."""
    blocks = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if re.match(r"^\s*[•·▪◦o§]\t", line) or re.match(r"^\s*\d{1,3}[.)]\t", line):
            blocks.append((True, _clean(_unbullet(line))))
        else:
            blocks.append((False, line))
    return _join(blocks) if any(item for item, _text in blocks) else (text or "")


def docx_to_markup(data: bytes) -> str:
    """An uploaded .docx: its body's paragraphs, list paragraphs (a list style or Word numbering) as items, runs
    that are bold throughout kept bold; tables, images, headers and footers dropped."""
    document = docx.Document(io.BytesIO(data))
    blocks = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
        text = "".join(f"**{_clean(run.text)}**" if run.bold and run.text.strip() else _clean(run.text)
                       for run in paragraph.runs)
        blocks.append((numbered or style.startswith("List"), _tidy_bold(text)))
    return _join(blocks)
