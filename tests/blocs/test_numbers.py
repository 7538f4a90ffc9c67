"""Vietnamese numbers in and out (issue 10, item 3): "27,5" is 27.5 in every form and import, "1.234,5" is
1234.5 only where a number that large is meaningful, and nothing is ever read ten or a thousand times too large.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from awards.forms import CategoryRuleForm, CloseForm, PaperCountForm, RoundSettingsForm, RuleSetForm
from awards.forms_dossier import ConditionAddForm, ConditionRemoveForm
from blocs.forms import AwardForm, BlocForm, BlocYearForm
from blocs.messages import issue_text
from blocs.models import ScoreLine, ScoringItem, Unit
from blocs.scoring_excel import COLUMNS, parse_scoring_xlsx
from blocs.scoring_forms import EvidenceForm, ScoresForm, ScoringItemForm, ScoringTableForm
from emulation.kernel.issues import Issue
from reports.forms import AdoptForm
from tests.blocs.test_scoring import english, open_scoring
from tests.conftest import client_for

ITEM = ScoringItem(pk=7, code="1.1", text="Nhiệm vụ", max_points=Decimal(15))
UNIT = Unit(pk=9, name="Sở Tư pháp")

# Every number a user types, by form and field.
DECIMALS: list[tuple[Callable[[], forms.Form], str]] = [
    (lambda: ScoresForm(items=[ITEM], initial_values={}), "value_7"),
    (ScoringItemForm, "max_points"),
    (ScoringTableForm, "max_total"),
    (ScoringTableForm, "bonus_cap"),
    (CategoryRuleForm, "quota_percent"),
    (ConditionAddForm, "number"),
]
WHOLES: list[tuple[Callable[[], forms.Form], str]] = [
    (ScoringItemForm, "order"),
    (EvidenceForm, "item"),
    (BlocForm, "founded_year"),
    (BlocYearForm, "year"),
    (AwardForm, "order"),
    *[(RuleSetForm, name) for name in ("quorum_numerator", "quorum_denominator", "pass_numerator",
                                       "pass_denominator", "deputies")],
    (CategoryRuleForm, "quota_count"),
    *[(RoundSettingsForm, name) for name in ("quota", "max_choices", "pass_numerator", "pass_denominator")],
    (lambda: PaperCountForm(candidates=[UNIT]), "returned"),
    (lambda: PaperCountForm(candidates=[UNIT]), "valid"),
    (lambda: PaperCountForm(candidates=[UNIT]), "votes_9"),
    (CloseForm, "ballots_issued"),
    (ConditionRemoveForm, "index"),
    (AdoptForm, "doc_number"),
]
MEANT = {"27,5": Decimal("27.5"), "1.234,5": Decimal("1234.5"), "27.5": Decimal("27.5")}


def _read(make: Callable[[], forms.Form], name: str, text: str) -> tuple[object, list[str]]:
    with translation.override("en"):
        field = make().fields[name]
        try:
            return field.clean(text), []
        except ValidationError as refused:
            return None, refused.messages


def _fits(field: forms.Field, value: Decimal) -> bool:
    top = field.max_value if field.max_value is not None else Decimal(10) ** (field.max_digits - field.decimal_places)
    return (field.min_value is None or value >= field.min_value) and value <= top


@pytest.mark.parametrize("text", MEANT)
@pytest.mark.parametrize(("make", "name"), DECIMALS)
def test_a_decimal_is_read_as_written_or_refused_never_ten_times_larger(make, name, text):
    value, messages = _read(make, name, text)
    field = make().fields[name]
    if _fits(field, MEANT[text]):
        assert (value, messages) == (MEANT[text], [])
    else:
        assert value is None and messages, f"{name} took {text!r} as {value}"


@pytest.mark.parametrize(("make", "name"), DECIMALS)
def test_a_thousands_dot_in_a_small_number_is_refused_with_its_reason(make, name):
    field = make().fields[name]
    value, messages = _read(make, name, "1.234,5")
    if not _fits(field, MEANT["1.234,5"]):
        assert value is None
        assert any("1.234,5" in text or "at most" in text.lower() or "ensure" in text.lower() for text in messages)


@pytest.mark.parametrize("text", MEANT)
@pytest.mark.parametrize(("make", "name"), WHOLES)
def test_a_count_year_or_rank_refuses_a_decimal_instead_of_reading_275(make, name, text):
    value, messages = _read(make, name, text)
    assert value is None
    if text != "1.234,5":
        assert messages == [f"Enter a whole number: “{text}” has a decimal part."]


@pytest.mark.parametrize(("make", "name"), WHOLES)
def test_a_count_year_or_rank_takes_a_plain_whole_number(make, name):
    field = make().fields[name]
    number = max(field.min_value or 0, min(2024, field.max_value or 2024))
    assert _read(make, name, str(number)) == (number, [])


def test_an_ambiguous_dot_is_refused_not_guessed():
    value, messages = _read(ScoringTableForm, "max_total", "1.234")
    assert value is None
    assert messages == ["“1.234” can be read two ways: write the decimals after a comma (1,234) and thousands "
                        "without a dot (1234)."]


def test_the_form_shows_a_stored_score_with_a_decimal_comma_and_its_limit_the_vietnamese_way():
    form = ScoresForm(items=[ITEM], initial_values={7: (Decimal("12.50"), "")})
    assert 'value="12,50"' in str(form["value_7"])
    assert 'type="number"' not in str(form["value_7"])  # a browser's number input reads "1,5" as 15
    limited = ScoresForm({"value_7": "31"}, items=[ScoringItem(pk=7, code="1.1", max_points=Decimal("30.00"))],
                         initial_values={})
    with translation.override("en"):
        assert limited.errors["value_7"] == ["At most 30,00 points."]


def test_a_rules_message_writes_the_limit_with_a_decimal_comma():
    with translation.override("en"):
        assert issue_text(Issue("score_over_max", {"max": Decimal("30.00")})) == \
            "A score cannot exceed the maximum of 30,00 points."


@pytest.mark.django_db
def test_a_self_score_typed_27_5_is_stored_as_27_5_and_1_5_is_not_a_perfect_15(world):
    table = open_scoring(world.bloc_year)
    items = {i.code: i for i in table.items.all()}
    client = english(client_for(world.users["representative"]))
    url = reverse("blocs:self-scores", args=[world.bloc_year.pk, world.member.unit.pk])
    response = client.post(url, {f"value_{items['1.1'].pk}": "27,5", f"value_{items['2.1'].pk}": "1,5"})
    assert response.status_code == 302
    stored = {line.item.code: line.self_value for line in ScoreLine.objects.select_related("item")
              if line.self_value is not None}
    assert stored == {"1.1": Decimal("27.5"), "2.1": Decimal("1.5")}
    response = client.post(url, {f"value_{items['1.1'].pk}": "1.234,5"})
    assert "has a thousands dot" in response.content.decode()
    assert ScoreLine.objects.get(item=items["1.1"]).self_value == Decimal("27.5")


def _sheet(*max_points: object) -> io.BytesIO:
    book = Workbook()
    book.active.append(list(COLUMNS.values()))
    for index, value in enumerate(max_points, start=1):
        book.active.append(["Tiêu chí", "I", f"1.{index}", f"Nội dung {index}", value, "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_the_scoring_table_import_reads_numeric_and_vietnamese_text_cells():
    parsed = parse_scoring_xlsx(_sheet(27.5, "27,5", "27.5", "1.234,5", 15))
    assert parsed.errors == []
    assert [item["max_points"] for item in parsed.items] == [Decimal("27.5"), Decimal("27.5"), Decimal("27.5"),
                                                             Decimal("1234.5"), Decimal(15)]


def test_the_scoring_table_import_refuses_what_it_cannot_read_one_way():
    with translation.override("en"):
        parsed = parse_scoring_xlsx(_sheet("1.234", "1,234", "27,5 điểm"))
    assert parsed.items == []
    assert parsed.errors == [
        "Row 2: “1.234” can be read two ways: write the decimals after a comma (1,234) and thousands without a "
        "dot (1234).",
        "Row 3: the maximum points have at most two decimals (e.g. 27,5).",
        "Row 4: the maximum points must be a number from 0.",
    ]
