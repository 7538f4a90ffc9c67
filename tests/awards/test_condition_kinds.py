"""The registry of eligibility condition kinds (awards/conditions.py): every part of the app reads its kinds
from there, and every reason a kind gives has its words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from awards import conditions as kinds
from awards.forms_dossier import ConditionAddForm
from awards.messages import MESSAGES
from awards.models import Condition
from awards.rules import Condition as RuleCondition
from awards.rules import UnitFacts

# A unit that fails every kind of condition: unregistered, low score, no rank, disqualified, recently awarded.
FAILING = UnitFacts(registered=frozenset(), final_score=Decimal("1"), rank=None, disqualified=True,
                    history={2021: frozenset({"award:7"}), 2020: frozenset({"award:7"})})


def test_the_model_and_the_form_offer_the_registry_kinds():
    assert Condition._meta.get_field("kind").choices == kinds.CHOICES
    assert list(ConditionAddForm().fields["kind"].choices) == kinds.CHOICES


@pytest.mark.parametrize("kind", kinds.KINDS.values(), ids=lambda kind: kind.code)
def test_each_kind_gives_reasons_it_can_put_into_words(kind):
    condition = RuleCondition(kind=kind.code, number=Decimal("5") if kind.number else None, key="award:7",
                              label="Cờ thi đua")
    assert kinds.condition_issues(condition) == []
    issue = kind.check(condition, FAILING, 7, 2022)
    assert issue is not None and issue.code in kind.messages and issue.code in MESSAGES
