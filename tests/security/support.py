"""What the security tests share: every URL of the permission matrices with the persona allowed to use it,
the forms a page offers (as a browser would submit them), and a snapshot of every table.

The URL list is built from the matrices themselves (tests/blocs/test_permissions.py MATRIX and the report
and document matrices it counts as covered), so a new URL with a row there is covered here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.db import connection
from django.urls import reverse

from tests.blocs.test_permissions import MATRIX, URLS
from tests.reports.test_documents_permissions import DOCUMENT_URL_ROWS
from tests.reports.test_report_views import MATRIX as REPORT_MATRIX

# Who is asked first when several personas may use a URL: the one who does the bloc's work.
PREFERENCE = ["secretariat", "chair", "board", "representative", "admin", "anonymous"]

# Tables a request may write whatever it does: the session (messages, the CSRF token) and the sign-in
# throttle's record of failures.
SIDE_TABLES = {"django_session", "blocs_signinfailure"}


@dataclass(frozen=True)
class Target:
    """One URL name of a matrix: the method of its row, the persona allowed to use it, its pk's object."""

    name: str
    method: str
    persona: str
    pk: str | None  # a key of the world's objects, or None for a URL without parameters
    params: dict[str, str] = field(default_factory=dict)


def _allowed(name: str, expected: dict[str, int]) -> str:
    """The sign-in page is the anonymous visitor's; elsewhere the first signed-in persona let through."""
    if name == "login":
        return "anonymous"
    return next(p for p in PREFERENCE if p != "anonymous" and expected[p] in (200, 302))


def targets() -> list[Target]:
    """Every URL name of the three matrices, with the persona allowed to use it."""
    found = []
    for name, row in MATRIX.items():
        params = {param: (row.pk if param == "pk" else row.params.get(param, "")) for param in URLS[name]}
        found.append(Target(name, row.method, _allowed(name, row.expected), row.pk, params))
    for name, (method, target, expected) in REPORT_MATRIX.items():
        found.append(Target(name, method, _allowed(name, expected), target, {"pk": target}))
    for name, expected in DOCUMENT_URL_ROWS.items():
        pk = "round" if name == "reports:ballot-paper" else "year"
        found.append(Target(name, "get", _allowed(name, expected), pk, {"pk": pk}))
    return found


def url_for(target: Target, objects: dict[str, Any]) -> str:
    kwargs = {param: objects[kind].pk if hasattr(objects[kind], "pk") else objects[kind]
              for param, kind in target.params.items()}
    return reverse(target.name, kwargs=kwargs)


# --- Forms as a browser sees them ----------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, number, date, time, hidden, checkbox, radio, select, file, ...
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False
    multiple: bool = False


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    def named(self) -> dict[str, list[Field]]:
        by_name: dict[str, list[Field]] = {}
        for item in self.fields:
            if item.name and item.name != "csrfmiddlewaretoken":
                by_name.setdefault(item.name, []).append(item)
        return by_name

    def browser_data(self) -> dict[str, list[str]]:
        """What a browser submits untouched: checked boxes, selected options, every other value."""
        data: dict[str, list[str]] = {}
        for name, items in self.named().items():
            values = []
            for item in items:
                if item.kind in ("checkbox", "radio"):
                    if item.checked:
                        values.append(item.value or "on")
                elif item.kind == "select":
                    values.append(item.value if item.value or not item.options else item.options[0])
                elif item.kind not in ("file", "submit", "button", "reset", "image"):
                    values.append(item.value)
            if values:
                data[name] = values
        return data


class _FormParser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.textarea: Field | None = None
        self.select: Field | None = None
        self.in_option = False
        self.option_value: str | None = None
        self.option_text = ""
        self.option_selected = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.current = Form(action=urljoin(self.base, a.get("action") or self.base),
                                method=(a.get("method") or "get").lower(), enctype=a.get("enctype", ""))
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            self.current.fields.append(Field(a.get("name", ""), kind, a.get("value", "on" if kind in (
                "checkbox", "radio") else ""), checked="checked" in a))
        elif tag == "textarea":
            self.textarea = Field(a.get("name", ""), "textarea")
            self.current.fields.append(self.textarea)
        elif tag == "select":
            self.select = Field(a.get("name", ""), "select", multiple="multiple" in a)
            self.current.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self._close_option()  # an <option> may be left unclosed
            self.in_option = True
            self.option_value = a.get("value")
            self.option_text = ""
            self.option_selected = "selected" in a
        elif tag == "button" and a.get("name"):
            self.current.fields.append(Field(a["name"], "submit", a.get("value", "")))

    def _close_option(self) -> None:
        if self.select is not None and self.in_option:
            value = self.option_value if self.option_value is not None else self.option_text.strip()
            self.select.options.append(value)
            if self.option_selected and not self.select.value:
                self.select.value = value
        self.in_option, self.option_value, self.option_text, self.option_selected = False, None, "", False

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data
        elif self.in_option:
            self.option_text += data


# Forms of base.html on every page: signing out and the language switch have rows of their own.
LAYOUT_ACTIONS = ("/accounts/logout/", "/i18n/setlang/")


def post_forms(html: str, page_url: str) -> list[Form]:
    """The page's POST forms, without the layout's sign-out and language forms."""
    parser = _FormParser("http://testserver" + page_url)
    parser.feed(html)
    forms = []
    for form in parser.forms:
        if form.method != "post":
            continue
        path = urlsplit(form.action)
        form.action = path.path + (f"?{path.query}" if path.query else "")
        if path.path not in LAYOUT_ACTIONS or urlsplit(page_url).path in LAYOUT_ACTIONS:
            forms.append(form)
    return forms


# --- Every table, before and after ---------------------------------------------------------------------------


def snapshot(exclude: Iterable[str] = SIDE_TABLES) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), so that any change at all shows."""
    skip = set(exclude)
    tables = [t for t in connection.introspection.table_names() if t not in skip]
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def row_counts(exclude: Iterable[str] = ()) -> dict[str, int]:
    skip = set(exclude)
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names():
            if table not in skip:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
                counts[table] = cursor.fetchone()[0]
    return counts


def changed_tables(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
