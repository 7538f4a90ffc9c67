"""The eligibility condition kinds (issue 4, item 2), one entry each: its check, its label, what its form
field asks for, how the rule set page says it and the reasons it gives in words.

A new kind is one `ConditionKind` in `KINDS` (and its test). The model's choices, the form, the rule set
page, the archive and the reasons all read this table; Django still writes a migration for the model's new
choice (`makemigrations`).

The checks are pure, as awards/rules.py: plain values in (`rules.Condition`, `rules.UnitFacts`), an `Issue`
or None out; no database. The texts are lazy, translated when shown.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from awards.rules import Condition, UnitFacts, streak
from emulation.kernel.issues import Issue

Check = Callable[[Condition, UnitFacts, Hashable, int], Issue | None]  # condition, facts, award, year


@dataclass(frozen=True)
class ConditionKind:
    code: str
    label: Any  # the choice in the model and the form (a lazy text)
    check: Check
    messages: dict[str, Any] = field(default_factory=dict)  # the reasons `check` gives, by code, in words
    sentence: Any = None  # the rule set page, with %(n)s and %(what)s; None: the label
    number: str = ""  # what the number field asks: "" none, "score" (from 0), "whole" (a rank or years, from 1)
    counts: str = ""  # what the title and rating fields name: "" nothing, "title_or_rating" (one of them is
    #                   required) or "award" (an award only; by default the category's own)


def _registered(condition: Condition, facts: UnitFacts, award: Hashable, year: int) -> Issue | None:
    return Issue("not_registered") if award not in facts.registered else None


def _min_score(condition: Condition, facts: UnitFacts, award: Hashable, year: int) -> Issue | None:
    if facts.final_score is None or facts.final_score < condition.number:
        return Issue("score_below", {"min": condition.number,
                                     "score": facts.final_score if facts.final_score is not None else "—"})
    return None


def _max_rank(condition: Condition, facts: UnitFacts, award: Hashable, year: int) -> Issue | None:
    if facts.rank is None or facts.rank > condition.number:
        return Issue("rank_above", {"max": int(condition.number), "rank": facts.rank or "—"})
    return None


def _not_disqualified(condition: Condition, facts: UnitFacts, award: Hashable, year: int) -> Issue | None:
    return Issue("disqualified") if facts.disqualified else None


def _consecutive(condition: Condition, facts: UnitFacts, award: Hashable, year: int) -> Issue | None:
    held = streak(facts.history, condition.key, year)
    if len(held) < condition.number:
        return Issue("too_few_years", {"n": int(condition.number), "what": condition.label, "held": len(held)})
    return None


def _not_recent(condition: Condition, facts: UnitFacts, award: Hashable, year: int) -> Issue | None:
    number = int(condition.number)
    recent = [y for y in range(year - number, year) if condition.key in facts.history.get(y, frozenset())]
    if recent:
        return Issue("awarded_recently", {"what": condition.label, "year": max(recent), "n": number})
    return None


KINDS: dict[str, ConditionKind] = {kind.code: kind for kind in [
    ConditionKind("registered", _("Registered for this award in the year's registration"), _registered,
                  messages={"not_registered": _("Did not register for this award in the year's registration.")}),
    ConditionKind("min_score", _("Final score at least"), _min_score, number="score",
                  sentence=_("Final score at least %(n)s"),
                  messages={"score_below": _("Final score %(score)s is below the required %(min)s.")}),
    ConditionKind("max_rank", _("Rank in the score table at most"), _max_rank, number="whole",
                  sentence=_("Rank %(n)s or better in the score table"),
                  messages={"rank_above": _("Rank %(rank)s in the score table; the award needs rank %(max)s or "
                                            "better.")}),
    ConditionKind("not_disqualified", _("Not disqualified"), _not_disqualified,
                  messages={"disqualified": _("Disqualified this year.")}),
    ConditionKind("consecutive", _("Consecutive years with a title or rating"), _consecutive, number="whole",
                  counts="title_or_rating", sentence=_("At least %(n)s consecutive years of “%(what)s”"),
                  messages={"too_few_years": _("Needs %(n)s consecutive years of “%(what)s”; has %(held)s.")}),
    ConditionKind("not_recent", _("Not given this award in the last years"), _not_recent, number="whole",
                  counts="award", sentence=_("Not given “%(what)s” in the last %(n)s years"),
                  messages={"awarded_recently": _("Already received “%(what)s” in %(year)s (within the last %(n)s "
                                                  "years).")}),
]}

CHOICES = [(kind.code, kind.label) for kind in KINDS.values()]
WITHOUT_NUMBER = [kind.code for kind in KINDS.values() if not kind.number]  # the model's check constraint
NAMING_WHAT = [kind.code for kind in KINDS.values() if kind.counts == "title_or_rating"]  # its other one


def messages() -> dict[str, Any]:
    """Every kind's reasons, by code (awards/messages.py puts them with the other reasons)."""
    return {code: text for kind in KINDS.values() for code, text in kind.messages.items()}


def eligibility_issues(conditions: Sequence[Condition], facts: UnitFacts, *, award: Hashable,
                       year: int) -> list[Issue]:
    """Every condition the unit fails, as reasons a person can read; an empty list means eligible."""
    issues = []
    for condition in conditions:
        kind = KINDS.get(condition.kind)
        issue = kind.check(condition, facts, award, year) if kind is not None else None
        if issue is not None:
            issues.append(issue)
    return issues


def condition_issues(condition: Condition) -> list[Issue]:
    """The settings of a condition make sense: a number where one is needed, something to count."""
    kind = KINDS.get(condition.kind)
    if kind is None:
        return [Issue("unknown_condition")]
    if kind.number and (condition.number is None or condition.number < (0 if kind.number == "score" else 1)):
        return [Issue("condition_number")]
    if kind.counts == "title_or_rating" and not condition.key:
        return [Issue("condition_needs_title")]
    return []


def needs_number(code: str) -> bool:
    kind = KINDS.get(code)
    return kind is not None and bool(kind.number)


def whole_number(code: str) -> bool:
    kind = KINDS.get(code)
    return kind is not None and kind.number == "whole"


def counts(code: str) -> str:
    kind = KINDS.get(code)
    return kind.counts if kind is not None else ""


def sentence(code: str, *, number: Decimal | None, what: object, label: object) -> str:
    """A condition as the rule set page says it: "Final score at least 90"; a kind without a sentence by
    its label."""
    kind = KINDS.get(code)
    if kind is None or kind.sentence is None:
        return str(label)
    return str(kind.sentence) % {"n": f"{number:f}" if number is not None else "—", "what": what}
