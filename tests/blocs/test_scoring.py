"""Scoring (domain.md §1.3): the table, self-scores with evidence, cross-checks, verification, the ranking.

Services are called directly; the screens are driven through the test client where a user would notice
the difference (a refused value, a hidden score table, the Excel export).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from blocs.models import (
    AuditEntry,
    BlocYear,
    CheckAssignment,
    CheckValue,
    Evidence,
    Membership,
    RoleGrant,
    Scorecard,
    ScoreLine,
    ScoringItem,
    ScoringTable,
    Unit,
    User,
)
from blocs.selectors import score_table_rows, scorecard_get
from blocs.services.bloc_years import bloc_year_advance
from blocs.services.scoring import (
    check_scores_save,
    evidence_add,
    scorecard_verify,
    scores_publish,
    scoring_item_delete,
    scoring_item_save,
    scoring_items_replace,
    scoring_table_ensure,
    scoring_table_settings,
    self_scores_save,
    self_scores_submit,
)
from tests.conftest import client_for
from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # noqa: ANN001, ANN202
    """Evidence files (one of 10 MB) go to a temporary folder, not the shared test media."""
    settings.MEDIA_ROOT = tmp_path / "media"

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEN_MB = 10 * 1024 * 1024

# A small table: two criteria, a bonus item, a penalty item and a disqualifier (bonus cap 5, out of 100).
ITEMS = [
    {"kind": "criterion", "group": "I. Thực hiện nhiệm vụ chính trị", "code": "1.1", "text": "Nhiệm vụ chuyên môn",
     "max_points": Decimal(60), "evidence_required": False, "guidance": "", "order": 1},
    {"kind": "criterion", "group": "II. Công tác thi đua", "code": "2.1", "text": "Phong trào thi đua",
     "max_points": Decimal(40), "evidence_required": False, "guidance": "", "order": 2},
    {"kind": "bonus", "group": "", "code": "T1", "text": "Được Trung ương khen", "max_points": Decimal(10),
     "evidence_required": False, "guidance": "", "order": 3},
    {"kind": "penalty", "group": "", "code": "TR1", "text": "Nộp báo cáo chậm", "max_points": Decimal(10),
     "evidence_required": False, "guidance": "", "order": 4},
    {"kind": "disqualifier", "group": "", "code": "K1", "text": "Có cán bộ bị khởi tố", "max_points": Decimal(0),
     "evidence_required": False, "guidance": "", "order": 5},
]


@dataclass
class Year:
    bloc_year: BlocYear
    table: ScoringTable
    units: dict[str, Unit]
    items: dict[str, ScoringItem]
    secretariat: User

    def line(self, code: str, value: object, comment: str = "") -> tuple[int, tuple[object, str]]:
        return self.items[code].pk, (value, comment)


def prepare_table(bloc_year: BlocYear, *, check_mode: str = "leadership",
                  items: list[dict] | None = None) -> ScoringTable:
    table = scoring_table_ensure(actor=None, bloc_year=bloc_year)
    scoring_table_settings(actor=None, table=table, max_total=Decimal(100), bonus_cap=Decimal(5),
                           check_mode=check_mode)
    for data in ITEMS if items is None else items:
        scoring_item_save(actor=None, table=table, item=None, data=dict(data))
    return table


def open_scoring(bloc_year: BlocYear, **table_options: object) -> ScoringTable:
    """Build the table while registering, then move the year to scoring (which locks it)."""
    table = prepare_table(bloc_year, **table_options)
    bloc_year_advance(actor=None, bloc_year=bloc_year)
    bloc_year.refresh_from_db()
    table.refresh_from_db()
    return table


def scoring_year(*, check_mode: str = "leadership", items: list[dict] | None = None) -> Year:
    """Four units A–D in name order; A is the head unit and B the deputy."""
    bloc_year = make_bloc_year(bloc=make_bloc(), year=2022)
    units = {}
    for code in "ABCD":
        units[code] = make_unit(name=f"Đơn vị {code}", province=bloc_year.bloc.province)
        position = {"A": Membership.Position.HEAD, "B": Membership.Position.DEPUTY}.get(code, "member")
        add_member(bloc_year, units[code], position)
    table = open_scoring(bloc_year, check_mode=check_mode, items=items)
    return Year(bloc_year=bloc_year, table=table, units=units, items={i.code: i for i in table.items.all()},
                secretariat=make_user())


def self_score(year: Year, unit: str, **values: str) -> Scorecard:
    """Save and submit a unit's self-scores; keyword names are item codes with dots as underscores."""
    entries = dict(year.line(code.replace("_", "."), Decimal(value)) for code, value in values.items())
    card = self_scores_save(actor=None, bloc_year=year.bloc_year, unit=year.units[unit], entries=entries)
    return self_scores_submit(actor=None, scorecard=card)


def pairs_of(bloc_year: BlocYear) -> set[tuple[str, str]]:
    return {(a.checker.name[-1], a.checked.name[-1])
            for a in CheckAssignment.objects.filter(bloc_year=bloc_year).select_related("checker", "checked")}


def messages_of(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def english(client):  # noqa: ANN001, ANN201
    """The screens in English, so that assertions do not wait for the Vietnamese catalogue."""
    client.cookies["django_language"] = "en"
    return client


# --- The table --------------------------------------------------------------------------------------------


def test_a_new_table_starts_as_a_copy_of_last_years():
    bloc = make_bloc()
    last = make_bloc_year(bloc=bloc, year=2021)
    old = prepare_table(last, check_mode="round_robin")
    ScoringTable.objects.filter(pk=old.pk).update(max_total=Decimal(90), bonus_cap=Decimal(3))

    table = scoring_table_ensure(actor=None, bloc_year=make_bloc_year(bloc=bloc, year=2022))

    assert (table.max_total, table.bonus_cap, table.check_mode) == (90, 3, "round_robin")
    fields = ("kind", "group", "code", "text", "max_points", "evidence_required", "order")
    assert list(table.items.values_list(*fields)) == list(old.items.values_list(*fields))
    assert table.items.count() == len(ITEMS)
    # A copy, not the same rows: changing this year leaves last year alone.
    item = table.items.get(code="1.1")
    scoring_item_save(actor=None, table=table, item=item, data=dict(ITEMS[0], max_points=Decimal(50)))
    assert old.items.get(code="1.1").max_points == 60


def test_the_first_table_of_a_bloc_starts_empty_with_the_defaults():
    table = scoring_table_ensure(actor=None, bloc_year=make_bloc_year())
    assert not table.items.exists()
    assert (table.max_total, table.bonus_cap, table.check_mode) == (100, 5, "leadership")
    assert not table.is_locked


def test_moving_to_scoring_locks_the_table_and_assigns_the_checks(world):
    table = prepare_table(world.bloc_year)
    assert not table.is_locked
    bloc_year_advance(actor=world.users["secretariat"], bloc_year=world.bloc_year,
                      expected_status=BlocYear.Status.REGISTRATION)
    table.refresh_from_db()
    assert table.is_locked
    assert AuditEntry.objects.filter(action="blocs.scoring.opened", bloc_year=world.bloc_year).exists()
    # Leadership mode with a single head: the head checks the four other members.
    head = world.head.unit
    others = set(world.bloc_year.memberships.exclude(unit=head).values_list("unit_id", flat=True))
    assignments = CheckAssignment.objects.filter(bloc_year=world.bloc_year)
    assert set(assignments.values_list("checker_id", flat=True)) == {head.pk}
    assert set(assignments.values_list("checked_id", flat=True)) == others


@pytest.mark.parametrize(("mode", "expected"), [
    # The others are shared among head A and deputy B in turn; each leader is checked by the other.
    ("leadership", {("A", "C"), ("B", "D"), ("B", "A"), ("A", "B")}),
    ("round_robin", {("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")}),
    ("all_to_all", {(a, b) for a in "ABCD" for b in "ABCD" if a != b}),
])
def test_check_assignments_follow_the_check_mode(mode, expected):
    year = scoring_year(check_mode=mode)
    pairs = pairs_of(year.bloc_year)
    assert pairs == expected
    assert all(checker != checked for checker, checked in pairs)


def test_the_database_refuses_a_unit_checking_itself():
    year = scoring_year()
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckAssignment.objects.create(bloc_year=year.bloc_year, checker=year.units["C"], checked=year.units["C"])


def test_a_locked_table_cannot_be_edited():
    year = scoring_year()
    item = year.items["1.1"]
    attempts = [
        lambda: scoring_item_save(actor=None, table=year.table, item=item, data={"max_points": Decimal(99)}),
        lambda: scoring_item_save(actor=None, table=year.table, item=None, data={**ITEMS[0], "code": "9"}),
        lambda: scoring_item_delete(actor=None, item=item),
        lambda: scoring_items_replace(actor=None, table=year.table, items=[]),
        lambda: scoring_table_settings(actor=None, table=year.table, max_total=Decimal(50),
                                       bonus_cap=Decimal(0), check_mode="all_to_all"),
    ]
    for attempt in attempts:
        with translation.override("en"), pytest.raises(ValidationError, match="locked"):
            attempt()
    year.table.refresh_from_db()
    assert year.table.items.count() == len(ITEMS) and year.table.max_total == 100
    assert ScoringItem.objects.get(pk=item.pk).max_points == 60


def test_the_secretariat_cannot_edit_a_locked_table_through_the_screen(world):
    table = open_scoring(world.bloc_year)
    item = table.items.get(code="1.1")
    client = english(client_for(world.users["secretariat"]))
    response = client.post(reverse("blocs:scoring-item-edit", args=[world.bloc_year.pk, item.pk]),
                           {**ITEMS[0], "max_points": "99", "order": "1"})
    assert response.status_code == 200
    assert "The scoring table is locked" in response.content.decode()
    assert ScoringItem.objects.get(pk=item.pk).max_points == 60
    response = client.post(reverse("blocs:scoring-item-delete", args=[world.bloc_year.pk, item.pk]))
    assert response.status_code == 302
    assert any("locked" in text for text in messages_of(response))
    assert ScoringItem.objects.filter(pk=item.pk).exists()


# --- Self-scores ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "message"), [
    (Decimal("-0.5"), "cannot be below zero"),
    (Decimal("60.25"), "cannot exceed the maximum of 60"),
    (Decimal("NaN"), "must be a number"),
    ("mười", "must be a number"),
])
def test_a_self_score_outside_zero_to_the_maximum_is_refused(value, message):
    year = scoring_year()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        self_scores_save(actor=None, bloc_year=year.bloc_year, unit=year.units["C"],
                         entries=dict([year.line("2.1", Decimal(30)), year.line("1.1", value)]))
    assert any(text.startswith("1.1: ") and message in text for text in refused.value.messages)
    assert not ScoreLine.objects.exists()  # all or nothing: 2.1 was not saved either


@pytest.mark.parametrize(("value", "message"), [
    ("-1", "A score cannot be below zero."),
    ("61", "At most 60"),
    ("sáu mươi", "Enter a number, e.g. 27,5."),
])
def test_the_self_score_form_refuses_a_bad_value_and_saves_nothing(world, value, message):
    table = open_scoring(world.bloc_year)
    items = {i.code: i for i in table.items.all()}
    client = english(client_for(world.users["representative"]))
    url = reverse("blocs:self-scores", args=[world.bloc_year.pk, world.member.unit.pk])
    response = client.post(url, {f"value_{items['1.1'].pk}": value, f"value_{items['2.1'].pk}": "30",
                                 f"comment_{items['2.1'].pk}": "Đạt"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ScoreLine.objects.exists()
    # The same page with good values saves both lines.
    response = client.post(url, {f"value_{items['1.1'].pk}": "55.5", f"value_{items['2.1'].pk}": "30",
                                 f"comment_{items['2.1'].pk}": "Đạt"})
    assert response.status_code == 302
    lines = {line.item.code: line for line in ScoreLine.objects.select_related("item")}
    assert lines["1.1"].self_value == Decimal("55.5")
    assert (lines["2.1"].self_value, lines["2.1"].self_comment) == (30, "Đạt")


def test_submitting_needs_every_criterion_and_the_required_evidence_then_locks(world):
    items = [dict(ITEMS[0], evidence_required=True), *ITEMS[1:]]
    year = scoring_year(items=items)
    unit = year.units["C"]
    card = self_scores_save(actor=None, bloc_year=year.bloc_year, unit=unit,
                            entries=dict([year.line("1.1", Decimal(50))]))
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        self_scores_submit(actor=None, scorecard=card)
    assert refused.value.messages == ["Criteria without a score: 2.1.", "Criteria that need evidence: 1.1."]

    self_scores_save(actor=None, bloc_year=year.bloc_year, unit=unit,
                     entries=dict([year.line("2.1", Decimal(35))]))
    with translation.override("en"), pytest.raises(ValidationError, match="need evidence: 1.1"):
        self_scores_submit(actor=None, scorecard=card)

    line = card.lines.get(item=year.items["1.1"])
    evidence_add(actor=year.secretariat, line=line,
                 upload=SimpleUploadedFile("bao-cao.pdf", PDF, content_type="application/pdf"))
    submitted = self_scores_submit(actor=None, scorecard=card)  # bonus and penalty may stay empty
    assert submitted.submitted_at is not None

    with translation.override("en"), pytest.raises(ValidationError, match="submitted and are locked"):
        self_scores_save(actor=None, bloc_year=year.bloc_year, unit=unit,
                         entries=dict([year.line("2.1", Decimal(40))]))
    with pytest.raises(ValidationError):
        evidence_add(actor=year.secretariat, line=line,
                     upload=SimpleUploadedFile("them.pdf", PDF, content_type="application/pdf"))
    assert card.lines.get(item=year.items["2.1"]).self_value == 35
    assert line.evidence.count() == 1


def test_the_submit_button_reports_what_is_missing(world):
    open_scoring(world.bloc_year)
    client = english(client_for(world.users["representative"]))
    url = reverse("blocs:self-scores-submit", args=[world.bloc_year.pk, world.member.unit.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert messages_of(response) == ["Save the self-scores before submitting them."]
    assert not Scorecard.objects.filter(submitted_at__isnull=False).exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bao-cao.docx", b"PK\x03\x04 a Word document", "Only PDF files and images"),
    ("bao-cao.pdf", b"Khong phai PDF", "Only PDF files and images"),
    ("qua-lon.pdf", PDF + b"\x00" * (TEN_MB + 1 - len(PDF)), "the limit is 10.0"),
])
def test_evidence_must_be_a_pdf_or_an_image_of_at_most_10_mb(world, name, content, message):
    table = open_scoring(world.bloc_year)
    item = table.items.get(code="1.1")
    client = english(client_for(world.users["representative"]))
    url = reverse("blocs:evidence-add", args=[world.bloc_year.pk, world.member.unit.pk])
    response = client.post(url, {"item": item.pk, "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    assert any(message in text for text in messages_of(response)), messages_of(response)
    assert not Evidence.objects.exists()
    # Exactly 10 MB of PDF is accepted.
    response = client.post(url, {"item": item.pk, "file": SimpleUploadedFile(
        "du-10mb.pdf", PDF + b"\x00" * (TEN_MB - len(PDF)))})
    assert messages_of(response)[-1] == "Evidence attached to 1.1."
    assert Evidence.objects.get().line.item == item


def test_evidence_is_served_as_what_it_is_never_as_a_web_page(world):
    """The name is the uploader's: a PDF named .html must not come back as text/html."""
    table = open_scoring(world.bloc_year)
    item = table.items.get(code="1.1")
    client = client_for(world.users["representative"])
    for name in ("minh-chung.html", "minh-chung.svg", "minh-chung.pdf"):
        client.post(reverse("blocs:evidence-add", args=[world.bloc_year.pk, world.member.unit.pk]),
                    {"item": item.pk, "file": SimpleUploadedFile(name, PDF)})
    served = {}
    for evidence in Evidence.objects.all():
        response = client.get(reverse("blocs:evidence-download", args=[world.bloc_year.pk, evidence.pk]))
        assert response.status_code == 200
        served[evidence.name] = response["Content-Type"]
        assert b"".join(response.streaming_content) == PDF
    assert served == {"minh-chung.html": "application/octet-stream", "minh-chung.svg": "application/octet-stream",
                      "minh-chung.pdf": "application/pdf"}


def test_evidence_is_hidden_from_a_member_that_does_not_check_the_unit(world):
    table = open_scoring(world.bloc_year)
    card = scorecard_get(world.bloc_year, world.member.unit)
    line = card.lines.create(item=table.items.get(code="1.1"))
    evidence = evidence_add(actor=world.users["representative"], line=line,
                            upload=SimpleUploadedFile("bao-cao.pdf", PDF))
    url = reverse("blocs:evidence-download", args=[world.bloc_year.pk, evidence.pk])
    plain = world.bloc_year.memberships.exclude(unit__in=[world.head.unit, world.member.unit]).first().unit
    neighbour = make_user(unit=plain)
    grant(neighbour, RoleGrant.Kind.REPRESENTATIVE, unit=plain)
    assert client_for(neighbour).get(url).status_code == 403
    # The head unit checks every member (leadership mode): its representative may read the evidence.
    head_rep = make_user(unit=world.head.unit)
    grant(head_rep, RoleGrant.Kind.REPRESENTATIVE, unit=world.head.unit)
    response = client_for(head_rep).get(url)
    assert response.status_code == 200
    response.close()


# --- Cross-checks -----------------------------------------------------------------------------------------


def test_only_an_assigned_checker_enters_a_cross_check():
    year = scoring_year()  # leadership: A checks C, B checks D, A and B check each other
    self_score(year, "C", **{"1_1": "50", "2_1": "30"})
    entries = dict([year.line("1.1", Decimal(45))])
    for checker in ("B", "D", "C"):  # not assigned to C, a peer, C itself
        with translation.override("en"), pytest.raises(ValidationError, match="is not assigned to check"):
            check_scores_save(actor=None, bloc_year=year.bloc_year, checker=year.units[checker],
                              checked=year.units["C"], entries=entries)
    assert not CheckValue.objects.exists()
    card = check_scores_save(actor=None, bloc_year=year.bloc_year, checker=year.units["A"],
                             checked=year.units["C"], entries=entries)
    assert card.lines.get(item=year.items["1.1"]).checked_value == 45


def test_a_card_is_checked_after_submission_and_before_verification():
    year = scoring_year()
    self_scores_save(actor=None, bloc_year=year.bloc_year, unit=year.units["C"],
                     entries=dict([year.line("1.1", Decimal(50))]))
    check = {"actor": None, "bloc_year": year.bloc_year, "checker": year.units["A"], "checked": year.units["C"],
             "entries": dict([year.line("1.1", Decimal(45))])}
    with translation.override("en"), pytest.raises(ValidationError, match="after its unit submits"):
        check_scores_save(**check)
    card = self_score(year, "C", **{"1_1": "50", "2_1": "30"})
    scorecard_verify(actor=None, scorecard=card, entries={})
    with pytest.raises(ValidationError):
        check_scores_save(**check)


def test_the_cross_check_screen_is_only_for_the_checker_units_representative(world):
    open_scoring(world.bloc_year)  # leadership: the head checks every other member
    plain = world.bloc_year.memberships.exclude(unit__in=[world.head.unit, world.member.unit]).first().unit
    client = client_for(world.users["representative"])
    # Not assigned: the representative's unit does not check its peer.
    response = client.get(reverse("blocs:check-scores", args=[world.bloc_year.pk, plain.pk, world.member.unit.pk]))
    assert response.status_code == 404
    # Posing as the head unit, which does check the peer.
    response = client.get(reverse("blocs:check-scores", args=[world.bloc_year.pk, plain.pk, world.head.unit.pk]))
    assert response.status_code == 403


def test_checked_values_are_the_mean_of_the_checkers_each_with_its_comment():
    year = scoring_year(check_mode="all_to_all")
    self_score(year, "D", **{"1_1": "58", "2_1": "39"})
    for checker, value, comment in (("A", "50", "Thiếu minh chứng"), ("B", "52", ""), ("C", "55", "Đạt")):
        check_scores_save(actor=None, bloc_year=year.bloc_year, checker=year.units[checker],
                          checked=year.units["D"], entries=dict([year.line("1.1", Decimal(value), comment)]))
    line = ScoreLine.objects.get(scorecard__unit=year.units["D"], item=year.items["1.1"])
    assert line.checked_value == Decimal("52.33")  # (50 + 52 + 55) / 3, to two decimals
    assert line.self_value == 58  # the unit's own value is kept beside it
    assert {(c.checker.name[-1], c.value, c.comment) for c in line.checks.select_related("checker")} == {
        ("A", 50, "Thiếu minh chứng"), ("B", 52, ""), ("C", 55, "Đạt")}
    # A checker changes its mind: only its own value changes, and the mean follows.
    check_scores_save(actor=None, bloc_year=year.bloc_year, checker=year.units["A"],
                      checked=year.units["D"], entries=dict([year.line("1.1", Decimal(56), "Đã bổ sung")]))
    line.refresh_from_db()
    assert line.checked_value == Decimal("54.33")
    assert line.checks.get(checker=year.units["A"]).comment == "Đã bổ sung"
    assert line.checks.get(checker=year.units["C"]).comment == "Đạt"


# --- Verification and the ranking -------------------------------------------------------------------------


@pytest.mark.parametrize(("criteria", "bonus", "penalty", "total"), [
    (("50", "30"), "0", "0", "80"),
    (("50", "30"), "3", "0", "83"),
    (("50", "30"), "8", "0", "85"),  # bonus capped at 5
    (("50", "30"), "3", "4", "79"),
    (("50", "30"), "8", "4", "81"),  # the cap applies before the penalty
    (("55.5", "39.25"), "0", "10", "84.75"),
    (("60", "40"), "5", "0", "100"),
    (("60", "40"), "10", "2", "100"),  # 60 + 40 + 5 − 2 = 103, capped at the maximum
    (("0", "0"), "0", "0", "0"),
])
def test_the_final_score_is_criteria_plus_capped_bonus_minus_penalties_capped_at_the_maximum(
        criteria, bonus, penalty, total):
    year = scoring_year()
    card = self_score(year, "C", **{"1_1": criteria[0], "2_1": criteria[1], "T1": bonus, "TR1": penalty})
    verified = scorecard_verify(actor=None, scorecard=card, entries={})
    assert verified.final_total == Decimal(total)
    assert Scorecard.objects.get(pk=card.pk).final_total == Decimal(total)


def test_the_final_value_wins_over_the_checked_value_which_wins_over_the_units_own():
    year = scoring_year()
    card = self_score(year, "C", **{"1_1": "58", "2_1": "38"})
    check_scores_save(actor=None, bloc_year=year.bloc_year, checker=year.units["A"],
                              checked=year.units["C"], entries=dict([year.line("1.1", Decimal(50))]))
    verified = scorecard_verify(actor=None, scorecard=card, entries=dict(
        [year.line("2.1", Decimal(35), "Hội nghị thống nhất trừ 3 điểm")]))
    assert verified.final_total == 50 + 35  # checked 1.1, final 2.1
    line = verified.lines.get(item=year.items["2.1"])
    assert (line.self_value, line.final_value, line.final_note) == (38, 35, "Hội nghị thống nhất trừ 3 điểm")


def test_disqualification_needs_a_reason_and_leaves_the_unit_out_of_the_ranking():
    year = scoring_year()
    cards = {code: self_score(year, code, **{"1_1": value, "2_1": "30"})
             for code, value in (("A", "60"), ("B", "55"), ("C", "58"), ("D", "55"))}
    for code in "ABD":
        scorecard_verify(actor=None, scorecard=cards[code], entries={})
    disqualifier = year.items["K1"]
    with translation.override("en"), pytest.raises(ValidationError, match="Say why the unit is disqualified"):
        scorecard_verify(actor=None, scorecard=cards["C"], entries={}, disqualifier=disqualifier,
                         disqualification_note="  ")
    with translation.override("en"), pytest.raises(ValidationError, match="Choose a disqualifier"):
        scorecard_verify(actor=None, scorecard=cards["C"], entries={}, disqualifier=year.items["1.1"],
                         disqualification_note="Không phải tiêu chí loại")
    assert not Scorecard.objects.get(pk=cards["C"].pk).is_disqualified

    card = scorecard_verify(actor=None, scorecard=cards["C"], entries={}, disqualifier=disqualifier,
                            disqualification_note="Quyết định khởi tố số 12/QĐ")
    assert card.is_disqualified and card.disqualification_note == "Quyết định khởi tố số 12/QĐ"

    rows = [(r["unit"].name[-1], r["rank"], r["disqualified"]) for r in score_table_rows(year.bloc_year)]
    # C has the second-best score but is not ranked; B and D share second place.
    assert rows == [("A", 1, False), ("B", 2, False), ("D", 2, False), ("C", None, True)]


def test_a_disqualifier_of_another_years_table_is_refused():
    year = scoring_year()
    other = scoring_year()
    card = self_score(year, "C", **{"1_1": "50", "2_1": "30"})
    with pytest.raises(ValidationError):
        scorecard_verify(actor=None, scorecard=card, entries={}, disqualifier=other.items["K1"],
                         disqualification_note="Nhầm bảng")
    assert Scorecard.objects.get(pk=card.pk).verified_at is None


def test_publication_waits_until_every_members_card_is_verified():
    year = scoring_year()
    for code in "ABCD":
        card = self_score(year, code, **{"1_1": "50", "2_1": "30"})
        if code != "D":
            scorecard_verify(actor=None, scorecard=card, entries={})
    with translation.override("en"), pytest.raises(ValidationError, match="1 units have no verified score"):
        scores_publish(actor=None, bloc_year=year.bloc_year)
    assert ScoringTable.objects.get(pk=year.table.pk).published_at is None

    scorecard_verify(actor=None, scorecard=Scorecard.objects.get(unit=year.units["D"]), entries={})
    table = scores_publish(actor=None, bloc_year=year.bloc_year)
    assert table.published_at is not None


# --- The published score table ----------------------------------------------------------------------------


def verify_everyone(bloc_year: BlocYear) -> None:
    """Every member self-scores, submits and is verified; the totals differ by unit."""
    items = {i.code: i for i in ScoringItem.objects.filter(table__bloc_year=bloc_year)}
    for n, unit in enumerate(Unit.objects.filter(memberships__bloc_year=bloc_year).order_by("pk")):
        card = self_scores_save(actor=None, bloc_year=bloc_year, unit=unit, entries={
            items["1.1"].pk: (Decimal(50 + n), ""), items["2.1"].pk: (Decimal(30), "")})
        self_scores_submit(actor=None, scorecard=card)
        scorecard_verify(actor=None, scorecard=card, entries={})


@pytest.mark.parametrize("name", ["blocs:score-table", "blocs:score-table-xlsx"])
def test_members_see_the_score_table_once_it_is_published(world, name):
    open_scoring(world.bloc_year)
    verify_everyone(world.bloc_year)
    url = reverse(name, args=[world.bloc_year.pk])
    before = {"representative": 403, "outsider": 404, "secretariat": 200, "chair": 200, "board": 200}
    assert {persona: client_for(world.users[persona]).get(url).status_code for persona in before} == before

    response = client_for(world.users["secretariat"]).post(reverse("blocs:scores-publish", args=[world.bloc_year.pk]))
    assert response.status_code == 302
    assert ScoringTable.objects.get(bloc_year=world.bloc_year).published_at is not None
    after = {**before, "representative": 200}
    assert {persona: client_for(world.users[persona]).get(url).status_code for persona in after} == after


def test_the_score_table_page_ranks_the_members(world):
    open_scoring(world.bloc_year)
    verify_everyone(world.bloc_year)
    response = client_for(world.users["chair"]).get(reverse("blocs:score-table", args=[world.bloc_year.pk]))
    ranking = [(row["rank"], row["unit"].pk, row["total"]) for row in response.context["rows"]]
    units = list(Unit.objects.filter(memberships__bloc_year=world.bloc_year).order_by("-pk"))
    assert ranking == [(rank, unit.pk, Decimal(85 - rank)) for rank, unit in enumerate(units, start=1)]


def test_the_excel_export_opens_and_a_name_starting_with_equals_stays_text(world):
    from openpyxl import load_workbook

    Unit.objects.filter(pk=world.member.unit.pk).update(name='=HYPERLINK("http://evil.example","Bấm vào")')
    open_scoring(world.bloc_year)
    verify_everyone(world.bloc_year)
    response = client_for(world.users["secretariat"]).get(reverse("blocs:score-table-xlsx",
                                                                  args=[world.bloc_year.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bang-diem-2022.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 5
    names = {row[1].value: row for row in rows}
    assert set(names) == set(Unit.objects.filter(memberships__bloc_year=world.bloc_year)
                             .values_list("name", flat=True))  # every name exactly as written
    formula = names['=HYPERLINK("http://evil.example","Bấm vào")']
    assert formula[1].data_type == "s"  # text, never a formula
    assert all(row[1].data_type == "s" for row in rows)
    assert sorted(row[0].value for row in rows) == [1, 2, 3, 4, 5]
    assert {row[2].value for row in rows} == {80, 81, 82, 83, 84}


def test_a_refused_upload_leaves_no_empty_line_behind(world):
    """Before scoring opens the upload is refused, and the table stays editable (no line holds its items)."""
    table = prepare_table(world.bloc_year)
    item = table.items.get(code="1.1")
    client = english(client_for(world.users["representative"]))
    response = client.post(reverse("blocs:evidence-add", args=[world.bloc_year.pk, world.member.unit.pk]),
                           {"item": item.pk, "file": SimpleUploadedFile("bao-cao.pdf", PDF)})
    assert response.status_code == 302
    assert messages_of(response) == ["Scores are entered while the year is at the scoring stage."]
    assert not Scorecard.objects.exists() and not ScoreLine.objects.exists() and not Evidence.objects.exists()
    secretariat = client_for(world.users["secretariat"])
    response = secretariat.post(reverse("blocs:scoring-item-delete", args=[world.bloc_year.pk, item.pk]))
    assert response.status_code == 302
    assert not ScoringItem.objects.filter(pk=item.pk).exists()
