"""Random input to every form finds no server error and no partial write (hypothesis).

For every GET row of the permission matrices whose page carries a POST form, and for the POST rows whose
form is not on a page of this world (a draft round has no ballot, an empty dossier no return form), the
persona allowed to write posts what hypothesis draws: the browser's own values, random text (Vietnamese,
decomposed NFD, control characters, a 100 000-character string), numbers far out of range, option values
of other fields, missing fields, several values where one is expected, junk in file fields. Each answer is
below 500, and either the view reports success (a redirect with a success message) or not one row of any
table changed, the session and the sign-in throttle's failures apart. A successful write never stores a
NUL character (PostgreSQL refuses them).

Each example runs in a savepoint rolled back afterwards, so every example starts from the same world.
The number of examples per form is small (FUZZ_EXAMPLES, default 12) to keep the module under a minute;
the draws are derandomized so that CI is repeatable; FUZZ_RANDOM=1 explores new ones.
"""

from __future__ import annotations

import os
import unicodedata
from io import BytesIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import constants
from django.contrib.messages.storage.session import SessionStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook

from awards import conditions
from awards.models import Ballot
from awards.services import rounds as round_services
from blocs.models import Award, BlocYear, Unit
from blocs.scoring_excel import COLUMNS
from reports.forms import COMMENT_SECTION_CHOICES
from tests.awards.conftest import seed_meeting
from tests.factories import round_opened
from tests.security.support import Field, Form, changed_tables, post_forms, snapshot, targets, url_for

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES, deadline=None, database=None, derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    print_blob=True)

# --- What a hostile or clumsy user types ---------------------------------------------------------------------

VIETNAMESE = ["Ban Tuyên giáo Tỉnh ủy", "Đảng ủy Khối các Cơ quan và Doanh nghiệp tỉnh", "Cờ thi đua của Chính phủ",
              "Hội trường Tỉnh ủy, số 1 đường Hùng Vương", "Nguyễn Thị Ánh Tuyết"]
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(VIETNAMESE),
    st.sampled_from([unicodedata.normalize("NFD", text) for text in VIETNAMESE]),
    st.text(alphabet=st.sampled_from([chr(i) for i in range(32)] + ["\x7f", "\u200b", "\u202e", "\ufeff", "\u0301"]),
            min_size=1, max_size=8),
    st.sampled_from(["", " ", "\r\n\r\n", "Đ" * 100_000, "x" * 5_001, "<script>alert(1)</script>", "=1+1",
                     "'; DROP TABLE blocs_unit; --", "{{ 7*7 }}", "%(name)s", "%s%s%n", "\\", "null", "[]"]),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=-3, max_value=12).map(str),
    st.sampled_from(["1e309", "-1e309", "NaN", "Infinity", "-0", "0x10", "1,5", "1.123456789", "9" * 40, "０１",
                     "٣", "1_000", " 7 ", "+5"]),
    st.sampled_from([2**15, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**31) - 1, 10**20]).map(str),  # column limits
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
)
DATES = st.one_of(st.dates().map(str), st.times().map(str), st.sampled_from([
    "2022-02-30", "0000-00-00", "31/12/2022", "9999-12-31", "10000-01-01", "1900-01-01", "2022-13-01", "24:61"]))
ANYTHING = st.one_of(TEXT, NUMBERS, DATES)
FILES = st.builds(lambda name, data: SimpleUploadedFile(name or "x", data),
                  st.sampled_from(["a.pdf", "a.xlsx", "a.json", "../../etc/passwd", "ảnh.png", "", "x" * 300]),
                  st.one_of(st.binary(max_size=64), st.sampled_from([b"%PDF-1.4\n%%EOF", b"PK\x03\x04", b"{}", b"[]"])))

MISSING = object()


def _value(field: Field, options: list[str]) -> st.SearchStrategy:
    if field.kind == "file":
        return st.one_of(FILES, TEXT)
    if options:
        return st.one_of(st.sampled_from(options), ANYTHING)
    if field.kind == "number":
        return st.one_of(NUMBERS, TEXT)
    if field.kind in ("date", "time"):
        return st.one_of(DATES, TEXT)
    return ANYTHING


def plausible(name: str, field: Field, browser: list[str] | None, options: list[str]) -> st.SearchStrategy:
    """What a user filling the form in would send: the page's own value, or a likely one for an empty box or
    an unchosen list, so that examples get past the form to the services too."""
    if browser and any(browser):
        return st.just(browser)
    if [option for option in options if option]:
        return st.sampled_from([option for option in options if option]).map(lambda value: [value])
    lowered = name.lower()
    if field.kind == "date" or lowered.endswith(("_on", "_date", "deadline")):
        return st.just(["2022-12-01"])
    if field.kind == "time" or lowered.endswith("_at"):
        return st.just(["08:00"])
    if "year" in lowered:
        return st.just(["2023"])
    if "code" in lowered:
        return st.integers(min_value=1, max_value=9999).map(lambda n: [f"MA{n}"])
    if field.kind == "number":
        return st.integers(min_value=0, max_value=5).map(lambda n: [str(n)])
    return st.sampled_from(VIETNAMESE).map(lambda text: [text])


def form_data(form: Form) -> st.SearchStrategy:
    """A strategy for the whole POST body: each field as a user would fill it, replaced, missing or repeated."""
    named = form.named()
    browser = form.browser_data()

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, fields in named.items():
            options = sorted({o for f in fields for o in f.options} | {f.value for f in fields
                                                                       if f.kind in ("checkbox", "radio")})
            value = _value(fields[0], options)
            how = draw(st.sampled_from(["keep", "keep", "random", "random", "random", "missing", "list"]))
            if how == "keep" and fields[0].kind != "file":
                data[name] = draw(plausible(name, fields[0], browser.get(name), options))
            elif how == "random":
                data[name] = draw(value)
            elif how == "list":
                data[name] = draw(st.lists(value, min_size=2, max_size=3))
        if draw(st.booleans()):
            data[draw(st.sampled_from(["id", "pk", "status", "bloc_year", "actor", "is_superuser"]))] = draw(ANYTHING)
        return data

    return build()


# --- Forms that the world does not show on a page ------------------------------------------------------------


def _synthetic(objects: dict[str, Any]) -> dict[str, tuple[str, list[Field]]]:
    """POST rows (and form pages whose form this world hides) with the fields their view binds."""
    year, round_ = objects["year"], objects["round"]
    units = [str(pk) for pk in Unit.objects.values_list("pk", flat=True)]
    awards = [str(pk) for pk in Award.objects.values_list("pk", flat=True)[:6]]
    statuses = [value for value, _label in BlocYear.Status.choices]
    return {
        "blocs:member-add": (f"/years/{year.pk}/members/add/", [Field("units", "checkbox", options=units)]),
        "blocs:scoring-table": (f"/years/{year.pk}/scoring/", [
            Field("max_total", "number", "100"), Field("bonus_cap", "number", "5"),
            Field("check_mode", "select", options=["none", "peer", "leaders"])]),
        "blocs:year-advance": (f"/years/{year.pk}/advance/", [Field("status", "select", options=statuses)]),
        "awards:round-close": (f"/rounds/{round_.pk}/close/", [Field("ballots_issued", "number", "5")]),
        "awards:vote": (f"/rounds/{round_.pk}/vote/", [Field("choices", "checkbox", options=units),
                                                        Field("unit", "hidden", options=units)]),
        "awards:vote-cast": (f"/rounds/{round_.pk}/vote/cast/", [Field("choices", "checkbox", options=units),
                                                                  Field("unit", "hidden", options=units)]),
        "awards:condition-add": (f"/years/{year.pk}/rules/conditions/add/", [
            Field("category", "select", options=awards), Field("kind", "select", options=list(conditions.KINDS)),
            Field("number", "number", "3"), Field("title", "select", options=awards),
            Field("rating", "select", options=["", "excellent", "good"])]),
        "awards:condition-remove": (f"/years/{year.pk}/rules/conditions/remove/", [
            Field("category", "select", options=awards), Field("index", "number", "0")]),
        "awards:nomination-withdraw": (f"/years/{year.pk}/nominations/withdraw/", [
            Field("nomination", "select", options=["1", "2"]), Field("reason", "textarea", "Lý do")]),
        "awards:dossier-return": (f"/years/{year.pk}/dossier/return/", [Field("reason", "textarea", "Thiếu hồ sơ")]),
        "awards:decision-record": (f"/years/{year.pk}/dossier/decision/", [
            Field("number", "text", "12/QĐ-UBND"), Field("issuer", "text", "Chủ tịch UBND tỉnh"),
            Field("signed_on", "date", "2022-12-20"), Field("awarded_1", "select", options=["", "yes", "no"])]),
        "awards:paper-ballot": (f"/rounds/{round_.pk}/paper/", [
            Field("choices", "checkbox", options=units), Field("clerk", "select", options=["A", "B"]),
            Field("invalid_reason", "select", options=["", *Ballot.Invalid.values])]),
        "reports:report-comment-add": (f"/report-versions/{objects['circulated'].pk}/comments/", [
            Field("section", "select", options=[key for key, _label in COMMENT_SECTION_CHOICES]),
            Field("unit", "hidden", options=units), Field("text", "textarea", "Đề nghị bổ sung số liệu.")]),
    }


# --- Running one form ------------------------------------------------------------------------------------------

SUCCESS_LEVELS = {constants.SUCCESS, constants.WARNING}


def _queued_levels(client: Client) -> set[int]:
    request = type("Request", (), {"session": client.session})()
    stored, _all = SessionStorage(request)._get()
    return {message.level for message in stored or []}


def _nul_in_new_rows(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    found = []
    for table in changed_tables(before, after):
        old = set(before.get(table, []))
        for row in after.get(table, []):
            if row not in old and any(isinstance(value, str) and "\x00" in value for value in row):
                found.append(table)
    return found


def fuzz(client: Client, where: str, form: Form, baseline: dict[str, list[tuple]]) -> int:
    """Post the form's examples; the number of them that the view reported as a successful write."""
    successes = 0
    session_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value \
        if django_settings.SESSION_COOKIE_NAME in client.cookies else None

    @FUZZ_SETTINGS
    @given(data=form_data(form))
    def post(data: dict[str, Any]) -> None:
        nonlocal successes
        with transaction.atomic():
            try:
                response = client.post(form.action, data)
                assert response.status_code < 500, (where, form.action, response.status_code)
                after = snapshot()
                changed = changed_tables(baseline, after)
                levels = _queued_levels(client)
                success = (response.status_code in (301, 302, 303) and levels & SUCCESS_LEVELS
                           and constants.ERROR not in levels)
                # A cast answers with the receipt itself, never with a redirect (docs/secrecy.md).
                success = success or (response.status_code == 200 and bool(response.context)
                                      and bool(response.context.get("receipt")))
                assert success or not changed, (
                    f"{where}: POST {form.action} answered {response.status_code} without success but changed "
                    f"{changed}")
                assert not _nul_in_new_rows(baseline, after), f"{where}: a NUL character was stored"
                successes += bool(success and changed)
            finally:
                transaction.set_rollback(True)
                if session_key:  # a password change or a sign-out cycles the session: go back to the saved one
                    client.cookies[django_settings.SESSION_COOKIE_NAME] = session_key

    post()
    return successes


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


NAMESPACES = {"project": lambda name: ":" not in name, "blocs": lambda name: name.startswith("blocs:"),
              "awards": lambda name: name.startswith("awards:"), "reports": lambda name: name.startswith("reports:")}
# Forms that must be among those fuzzed: a page losing its form would otherwise drop out unnoticed.
MUST_FUZZ = {
    "project": {"login", "password_change"},
    "blocs": {"blocs:unit-create", "blocs:unit-edit", "blocs:bloc-create", "blocs:bloc-edit", "blocs:year-create",
              "blocs:year-edit", "blocs:member-import", "blocs:year-leadership", "blocs:year-open-next",
              "blocs:archive-import", "blocs:covenant-edit", "blocs:registration-edit", "blocs:award-create",
              "blocs:award-edit", "blocs:scoring-item-add", "blocs:scoring-item-edit", "blocs:scoring-import",
              "blocs:self-scores", "blocs:check-scores", "blocs:verify-scores"},
    "awards": {"awards:rule-set", "awards:meeting-edit", "awards:round-settings", "awards:candidates-edit",
               "awards:paper-ballot", "awards:paper-count", "awards:nomination-list", "awards:history-import",
               "awards:vote-cast", "awards:decision-record", "awards:dossier-return", "awards:condition-add"},
    "reports": {"reports:report-edit", "reports:report-adopt", "reports:report-correct", "reports:report-version",
                "reports:document-numbers", "reports:report-comment-add"},
}


MIN_WRITTEN = {"project": 0, "blocs": 5, "awards": 3, "reports": 2}


@pytest.mark.parametrize("namespace", list(NAMESPACES))
def test_random_input_to_every_form_gives_no_error_and_no_partial_write(world, everything, namespace):
    wanted = NAMESPACES[namespace]
    synthetic = _synthetic(everything)
    jobs: list[tuple[str, str, Form]] = []
    clients: dict[str, Client] = {}
    for target in targets():
        if not wanted(target.name) or target.name in ("logout", "set_language"):
            continue
        client = clients.setdefault(target.persona, _client(world.users[target.persona]))
        if target.name in synthetic:
            action, fields = synthetic[target.name]
            jobs.append((target.persona, target.name, Form(action, "post", "", fields)))
        if target.method != "get":
            continue
        url = url_for(target, everything)
        response = client.get(url)
        if response.get("Content-Type", "").startswith("text/html"):
            jobs += [(target.persona, target.name, form) for form in post_forms(response.content.decode(), url)
                     if form.named()]
    fuzzed = {name for _persona, name, _form in jobs}
    assert MUST_FUZZ[namespace] <= fuzzed, MUST_FUZZ[namespace] - fuzzed
    baseline = snapshot()
    written = {name for persona, name, form in jobs if fuzz(clients[persona], name, form, baseline)}
    # Not vacuous: plausible values get examples past the forms to the services, which write.
    assert len(written) >= MIN_WRITTEN[namespace], sorted(written)


# --- Partial writes the random input cannot reach ---------------------------------------------------------------


def test_a_refused_scoring_import_leaves_no_new_table_behind(world):
    """A closed year without a scoring table and a good workbook: the import is refused (the year is closed),
    and the table the view created before asking the service is not left behind ("nothing is saved")."""
    world.bloc_year.status = BlocYear.Status.CLOSED
    world.bloc_year.save(update_fields=["status"])
    book = Workbook()
    book.active.append(list(COLUMNS.values()))
    book.active.append(["Tiêu chí", "I. Nhiệm vụ chính trị", "1.1", "Hoàn thành nhiệm vụ", 10, "", ""])
    buffer = BytesIO()
    book.save(buffer)
    client = _client(world.users["secretariat"])
    before = snapshot()
    response = client.post(reverse("blocs:scoring-import", args=[world.bloc_year.pk]),
                           {"file": SimpleUploadedFile("bang-diem.xlsx", buffer.getvalue())})
    assert response.status_code == 200 and response.context["errors"], "a closed year takes no import"
    assert changed_tables(before, snapshot()) == []


def test_random_input_at_the_meeting_gives_no_error_and_no_partial_write(db, fast_pdf):
    """The forms a draft round hides: a year at its meeting with the first round open. A representative votes
    (and confirms), the chair closes, the secretariat enters paper ballots and counts."""

    meeting = seed_meeting()
    rounds = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    candidates = [str(pk) for pk in round_.candidates.values_list("unit_id", flat=True)]
    people = {"representative": meeting.reps["BDV"], "chair": meeting.chair, "secretariat": meeting.secretariat}
    clients = {persona: _client(user) for persona, user in people.items()}
    jobs = [("representative", "awards:vote-cast",
             Form(reverse("awards:vote-cast", args=[round_.pk]), "post", "", [
                 Field("choices", "checkbox", options=candidates), Field("unit", "hidden", options=candidates)]))]
    for persona, name in (("representative", "awards:vote"), ("chair", "awards:round-close"),
                          ("secretariat", "awards:paper-ballot"), ("secretariat", "awards:paper-count")):
        url = reverse(name, args=[round_.pk])
        forms = [form for form in post_forms(clients[persona].get(url).content.decode(), url) if form.named()]
        assert forms, f"{name} shows no form for an open round"
        jobs += [(persona, name, form) for form in forms]
    baseline = snapshot()
    written = {name for persona, name, form in jobs if fuzz(clients[persona], name, form, baseline)}
    assert {"awards:vote-cast", "awards:round-close"} <= written, sorted(written)


@pytest.mark.parametrize(("name", "persona", "field"), [
    ("blocs:registration-edit", "representative", "awards"), ("blocs:member-add", "secretariat", "units"),
    ("blocs:year-leadership", "secretariat", "deputies"), ("awards:meeting-edit", "secretariat", "present"),
    ("awards:paper-ballot", "secretariat", "choices"),
])
@pytest.mark.parametrize("key", ["9223372036854775808", "-99999999999999999999", str(2**63 - 1)])
def test_a_key_beyond_the_databases_range_is_an_invalid_choice(world, everything, name, persona, field, key):
    """Found by the fuzz: SQLite raised OverflowError (a 500) on such a key in a multiple choice."""
    target = next(t for t in targets() if t.name == name)
    client = _client(world.users[persona])
    before = snapshot()
    response = client.post(url_for(target, everything), {field: [key]})
    assert response.status_code == 200 and field in response.context["form"].errors
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize("big", [str(2**31), str(10**20), str(2**63)])
def test_counts_beyond_what_the_database_holds_are_refused_by_the_form(db, fast_pdf, big):
    """Found by the fuzz: paper counts and ballots issued went to the database unbounded (an OverflowError
    on SQLite, an out-of-range integer on PostgreSQL: a 500 either way)."""
    meeting = seed_meeting()
    rounds = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)
    round_ = round_opened(actor=meeting.chair, round_=rounds[0])
    votes = {f"votes_{pk}": "0" for pk in round_.candidates.values_list("unit_id", flat=True)}
    secretariat, chair = _client(meeting.secretariat), _client(meeting.chair)
    before = snapshot()
    response = secretariat.post(reverse("awards:paper-count", args=[round_.pk]),
                                {"returned": big, "valid": big, **votes})
    assert response.status_code == 200 and {"returned", "valid"} <= set(response.context["form"].errors)
    response = chair.post(reverse("awards:round-close", args=[round_.pk]), {"ballots_issued": big})
    assert response.status_code == 200 and "ballots_issued" in response.context["form"].errors
    assert changed_tables(before, snapshot()) == []
