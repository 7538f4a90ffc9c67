"""Script and formula payloads in every free-text field come out inert: in HTML, PDF, Word and Excel.

The world (tests/security/payload_world.py) is the seed year with `<script>alert(1)</script>`,
`"><img src=x onerror=alert(1)>`, `{{ 7*7 }}`, `=HYPERLINK(...)`, `+cmd|' /C calc'!A0` and `@SUM(1)` in
unit, bloc and award names, covenant items, a registration's targets, the scoring table's text, guidance and
groups, self-score, check and verification comments, evidence names, the meeting's place, guests, chair,
secretary and committee, a candidate-change reason, withdrawal and outside-vote reasons, the dossier's
return reason, the decision's number and issuer, every narrative section of the report, a comment and its
answer. Each value carries a tag naming its field, so each output is searched field by field:

- HTML: parsed as a browser would (html.parser); no script element but our own static files, no on*
  handler, no javascript: URL, and the payload is there, literally, as text;
- PDF: pdftotext finds the literal text (whitespace and case aside: lines wrap, headings are capitals);
- Word: python-docx reads the literal text;
- Excel: the cell holds the literal value as a string cell (data type "s"); no cell of any export is a
  formula.
"""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import Workbook

from awards.models import Round
from reports.services import report as report_services
from tests.conftest import client_for
from tests.security.outputs import docx_text, parse_dom, pdf_text, squeeze, workbook_cells
from tests.security.payload_world import FORMULA_PAYLOADS, PayloadWorld, build

pytestmark = pytest.mark.django_db

UNITS = {"unit-BTG", "unit-VPTU", "unit-DUK", "unit-BTC", "unit-BDV", "unit-BNC"}
SECTIONS = {f"section-{key}" for key in ("situation", "political_tasks", "leadership", "strengths", "shortcomings",
                                         "lessons", "orientation", "proposals")}
SCORING = {"item-text", "item-guidance", "item-group", "self-comment", "check-comment", "evidence-name"}
DOSSIER = {"withdrawal", "outside-vote", "return", "decision-number", "issuer", "award"}
MEETING = {"place", "guests", "chair-name", "secretary-name", "committee"}
HEADER = {"bloc", "parent-body", "place-name"}  # the national header of every document


@pytest.fixture
def payloads(db, settings, tmp_path) -> PayloadWorld:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "media"
    return build()


def _get(world: PayloadWorld, persona: str, url: str) -> bytes:
    users = {"secretariat": world.seed.meeting.secretariat, "representative": world.seed.meeting.reps["BDV"],
             "checker": world.checker, "board": world.board}
    response = client_for(users[persona]).get(url)
    assert response.status_code == 200, (url, persona, response.status_code)
    return b"".join(response.streaming_content) if response.streaming else response.content


def _found(world: PayloadWorld, text: str) -> set[str]:
    squeezed = squeeze(text)
    return {tag for tag, value in world.values.items() if squeeze(value) in squeezed}


# --- HTML ------------------------------------------------------------------------------------------------------


def html_pages(w: PayloadWorld) -> list[tuple[str, str, set[str]]]:
    """(persona, URL, the fields the page must show) for every page that shows a free-text field."""
    year, bdv, btc = w.bloc_year.pk, w.unit("BDV").pk, w.unit("BTC").pk
    rounds = {r.pk: r for r in Round.objects.filter(bloc_year=year)}
    head = w.seed.rounds["head"].pk

    def url(name: str, *args: object) -> str:
        return reverse(name, args=args)

    pages = [
        ("secretariat", url("blocs:home"), {"bloc"}),
        ("secretariat", url("blocs:unit-list"), UNITS | {"parent-body"}),
        ("secretariat", url("blocs:bloc-list"), {"bloc"}),
        ("secretariat", url("blocs:bloc-detail", w.bloc_year.bloc_id), {"bloc", "unit-BTG"}),
        ("board", url("blocs:unit-detail", w.unit("BTG").pk), {"unit-BTG", "parent-body", "decision-number", "issuer"}),
        ("secretariat", url("blocs:year-detail", year), UNITS | {"bloc", "place-name"}),
        ("secretariat", url("blocs:covenant-detail", year), {"covenant-content", "covenant-target", "signed-place"}),
        ("secretariat", url("blocs:registration-list", year), UNITS),
        ("representative", url("blocs:registration-edit", year, bdv), {"registration", "unit-BDV"}),
        ("secretariat", url("blocs:scoring-table", year), {"item-text", "item-guidance", "item-group"}),
        ("representative", url("blocs:self-scores", year, bdv), {"item-text", "self-comment", "evidence-name"}),
        ("secretariat", url("blocs:check-list", year), {"unit-BDV", "unit-BTC"}),
        ("checker", url("blocs:check-scores", year, bdv, btc), SCORING),
        ("secretariat", url("blocs:verify-scores", year, bdv), SCORING | {"verify-note", "disqualification-note"}),
        ("secretariat", url("blocs:score-table", year), UNITS),
        ("secretariat", url("blocs:year-audit", year), {"candidate-reason", "withdrawal", "outside-vote", "return",
                                                        "issuer", "decision-number", "answer"}),
        ("secretariat", url("awards:rule-set", year), {"award"}),
        ("secretariat", url("awards:meeting-edit", year), MEETING | UNITS),
        ("secretariat", url("awards:round-list", year), {"place", "round-title"}),
        *[("secretariat", url("awards:round-detail", pk), set()) for pk in rounds],
        ("secretariat", url("awards:round-detail", head), {"round-title"}),
        ("secretariat", url("awards:verification", w.seed.rounds["co-thi-dua-chinh-phu"].pk), {"unit-BTG"}),
        ("secretariat", url("awards:ballot-paper", head), set()),
        ("secretariat", url("awards:nomination-list", year), DOSSIER | UNITS),
        ("board", url("awards:dossier-review", year), DOSSIER | UNITS),
        ("board", url("awards:province-view") + "?year=2022", {"bloc", "award", "outside-vote"}),
        ("secretariat", url("reports:report-home", year), {"bloc"}),
        ("secretariat", url("reports:report-version", w.version.pk), {"comment", "answer"}),
        ("secretariat", url("reports:report-html", w.version.pk),
         SECTIONS | UNITS | HEADER | {"covenant-content", "covenant-target", "signed-place", "award"}),
        ("secretariat", url("reports:report-compare", year), set()),
        ("secretariat", url("reports:documents", year), {"round-title"}),
        ("secretariat", url("reports:counting-minutes", year), HEADER | UNITS | {"place", "committee", "award"}),
        ("secretariat", url("reports:meeting-minutes", year),
         HEADER | UNITS | {"place", "guests", "chair-name", "secretary-name", "comment", "answer"}),
        ("secretariat", url("reports:submission", year), HEADER | {"outside-vote", "guests", "chair-name", "award"}),
        ("secretariat", url("reports:ballot-paper", head), {"bloc", "parent-body"}),
    ]
    return pages


def test_html_pages_show_every_payload_as_text_and_run_none(payloads):
    shown: set[str] = set()
    problems = []
    for persona, url, expected in html_pages(payloads):
        dom = parse_dom(_get(payloads, persona, url).decode())
        for attributes, body in dom.scripts:
            if body.strip() or not attributes.get("src", "").startswith("/static/"):
                problems.append(f"{url}: a script element {attributes} {body[:60]!r}")
        problems += [f"{url}: <{tag} {name}={value!r}>" for tag, name, value in dom.handlers]
        problems += [f"{url}: <{tag} {name}={value!r}>" for tag, name, value in dom.urls]
        found = _found(payloads, " ".join(dom.texts))
        if not expected <= found:
            problems.append(f"{url}: does not show {sorted(expected - found)} as text")
        shown |= found
    assert not problems, "\n".join(problems)
    assert shown == set(payloads.values), f"never shown on a page: {sorted(set(payloads.values) - shown)}"


def test_the_html_checker_sees_an_unescaped_payload():
    """The check above is not vacuous: the same payloads, unescaped, are caught."""
    dom = parse_dom('<p>"><img src=x onerror=alert(1)> [x]</p><script>alert(1)</script><a href="javascript:x">a</a>')
    assert dom.handlers == [("img", "onerror", "alert(1)")] and dom.scripts == [({}, "alert(1)")]
    assert dom.urls == [("a", "href", "javascript:x")]


# --- PDF and Word ----------------------------------------------------------------------------------------------


def documents(w: PayloadWorld) -> list[tuple[str, str, set[str]]]:
    """(name, URL without the format, the fields the document prints)."""
    year, head = w.bloc_year.pk, w.seed.rounds["head"].pk
    return [
        ("report", reverse("reports:report-html", args=[w.version.pk]),
         SECTIONS | UNITS | HEADER | {"covenant-content", "covenant-target", "signed-place", "award"}),
        ("counting-minutes", reverse("reports:counting-minutes", args=[year]),
         HEADER | UNITS | {"place", "committee", "award"}),
        ("meeting-minutes", reverse("reports:meeting-minutes", args=[year]),
         HEADER | UNITS | {"place", "guests", "chair-name", "secretary-name", "comment", "answer", "award"}),
        ("submission", reverse("reports:submission", args=[year]),
         HEADER | {"outside-vote", "guests", "chair-name", "award", "unit-BTG", "unit-VPTU", "unit-DUK", "unit-BDV"}),
        ("ballot-paper", reverse("reports:ballot-paper", args=[head]), {"bloc", "parent-body"} | UNITS),
    ]


def _document_url(name: str, url: str, fmt: str) -> str:
    if name == "report":
        return url.replace("report.html", f"report.{fmt}")
    return f"{url}?format={fmt}"


def test_pdfs_print_every_payload_as_plain_text(payloads):
    missing = {}
    for name, url, expected in documents(payloads):
        text = pdf_text(_get(payloads, "secretariat", _document_url(name, url, "pdf")))
        if not expected <= _found(payloads, text):
            missing[name] = sorted(expected - _found(payloads, text))
    # The adopted report is frozen: its stored PDF, served byte for byte, carries the same text.
    adopted = report_services.report_adopt(actor=payloads.seed.meeting.chair, version=payloads.version,
                                           confirm_unanswered=True)
    text = pdf_text(_get(payloads, "secretariat", reverse("reports:report-pdf", args=[adopted.pk])))
    expected = documents(payloads)[0][2]
    if not expected <= _found(payloads, text):
        missing["adopted report"] = sorted(expected - _found(payloads, text))
    assert not missing, missing


def test_word_files_carry_every_payload_as_plain_text(payloads):
    missing = {}
    for name, url, expected in documents(payloads):
        text = docx_text(_get(payloads, "secretariat", _document_url(name, url, "docx")))
        if not expected <= _found(payloads, text):
            missing[name] = sorted(expected - _found(payloads, text))
    assert not missing, missing


# --- Excel -----------------------------------------------------------------------------------------------------


def test_excel_exports_hold_payloads_as_text_cells_never_formulas(payloads):
    year = payloads.bloc_year.pk
    exports = [
        ("secretariat", reverse("blocs:score-table-xlsx", args=[year]), UNITS),
        ("secretariat", reverse("blocs:member-export", args=[year]), UNITS | {"parent-body"}),
        ("board", reverse("awards:province-export") + "?year=2022", {"bloc", "award", "unit-BTG", "unit-VPTU",
                                                                      "unit-DUK", "unit-BTC", "unit-BDV"}),
        ("secretariat", reverse("blocs:scoring-xlsx", args=[year]), {"item-text", "item-guidance", "item-group"}),
    ]
    problems, formulas_checked = [], set()
    for persona, url, expected in exports:
        cells = workbook_cells(_get(payloads, persona, url))
        problems += [f"{url} {sheet}!{ref} is a formula: {value!r}" for sheet, ref, value, kind in cells if kind == "f"]
        for tag in sorted(expected):
            value = payloads.values[tag]
            holding = [kind for _sheet, _ref, cell, kind in cells if cell == value]
            if not holding:
                problems.append(f"{url}: no cell holds {tag} as typed")
            elif set(holding) != {"s"}:
                problems.append(f"{url}: {tag} is stored as {holding}, not as text")
            formulas_checked |= {p for p in FORMULA_PAYLOADS if value.startswith(p) and holding}
    assert not problems, "\n".join(problems)
    assert formulas_checked == set(FORMULA_PAYLOADS)  # "=", "+" and "@" each met a cell of an export


def test_the_excel_check_sees_a_formula():
    """openpyxl reads an unprotected "=..." cell back as a formula: the check above would catch one."""
    book = Workbook()
    book.active.append(['=HYPERLINK("http://x","y")'])
    buffer = BytesIO()
    book.save(buffer)
    assert [kind for *_cell, kind in workbook_cells(buffer.getvalue())] == ["f"]
