"""The voting panel on a representative's home page: open rounds its units have not voted in yet."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import groupby
from typing import Any

from django import template
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from awards import conditions, selectors
from awards.charts import result_bars_svg
from awards.forms_dossier import ConditionAddForm
from awards.models import (
    Attendance,
    Ballot,
    CardVote,
    Condition,
    HistoryEntry,
    Meeting,
    Rating,
    Round,
    RuleSet,
    Turnout,
)
from awards.results import result_of, shown_reasons
from blocs.models import Award, Membership, Unit
from blocs.permissions import can_read_province, roles_of

register = template.Library()


@register.inclusion_tag("awards/_open_rounds.html", takes_context=True)
def open_rounds_panel(context: dict[str, Any]) -> dict[str, Any]:
    roles = roles_of(context["request"].user)
    if not roles.rep_units:
        return {"rounds": []}
    years = Membership.objects.filter(unit__in=roles.rep_units).values("bloc_year")
    rounds = (Round.objects.filter(status=Round.Status.OPEN, bloc_year__in=years)
              .select_related("bloc_year__bloc")
              .annotate(has_voted=Exists(Turnout.objects.filter(round=OuterRef("pk"), unit__in=roles.rep_units,
                                                                voter__isnull=True)))
              .order_by("bloc_year", "order"))
    return {"rounds": list(rounds)}


@register.inclusion_tag("awards/_chair_rounds.html", takes_context=True)
def chair_rounds_panel(context: dict[str, Any]) -> dict[str, Any]:
    """The chair's view of open rounds (issue 10, item 11): ballots received so far (online turnout plus
    paper ballots entered; the online ones stay sealed) and the present units with no online ballot yet,
    by name only (where every unit votes by account). Five queries however many units."""
    roles = roles_of(context["request"].user)
    if not (roles.is_admin or roles.chair_years or roles.secretariat_blocs):
        return {"rounds": []}
    scope = Q() if roles.is_admin else (Q(bloc_year__in=roles.chair_years)
                                        | Q(bloc_year__bloc__in=roles.secretariat_blocs))
    paper = (Ballot.objects.filter(round=OuterRef("pk"), source=Ballot.Source.PAPER).order_by()
             .values("round").annotate(n=Count("pk")).values("n")[:1])
    rounds = list(Round.objects.filter(scope, status=Round.Status.OPEN).select_related("bloc_year__bloc")
                  .annotate(n_paper=Coalesce(Subquery(paper), 0)).order_by("bloc_year", "order"))
    turnout = list(Turnout.objects.filter(round__in=rounds).values_list("round", "unit"))
    n_online = Counter(round_id for round_id, _unit in turnout)  # one row per ballot, per delegate too
    n_online.update(CardVote.objects.filter(round__in=rounds).values_list("round", flat=True))
    by_account = set(Meeting.objects.filter(bloc_year__in={r.bloc_year_id for r in rounds},
                                            voting_mode=Meeting.VotingMode.ACCOUNTS)
                     .values_list("bloc_year", flat=True))
    voted: dict[int, set[int]] = defaultdict(set)
    for round_id, unit_id in turnout:
        voted[round_id].add(unit_id)
    present: dict[int, list[Unit]] = defaultdict(list)
    for row in (Attendance.objects.filter(meeting__bloc_year__in={r.bloc_year_id for r in rounds}, is_present=True)
                .select_related("unit", "meeting").order_by("unit__name")):
        present[row.meeting.bloc_year_id].append(row.unit)
    for round_ in rounds:
        round_.n_received = n_online[round_.pk] + round_.n_paper
        round_.by_card = round_.bloc_year_id not in by_account
        # Paper ballots and voting cards name no one: who has not voted is known only where all vote by account.
        round_.not_voted = [] if round_.is_paper_only or round_.bloc_year_id not in by_account else [
            unit for unit in present[round_.bloc_year_id] if unit.pk not in voted[round_.pk]]
    return {"rounds": rounds}


# --- Issue 4: the rule set's eligibility conditions, a unit's history ---------------------------------------


@register.filter
def reasons(stored: Any) -> list[str]:
    """A nomination's stored eligibility reasons (codes, or texts from before issue 9) in the reader's words."""
    return shown_reasons(stored)


@register.filter
def condition_text(condition: Condition) -> str:
    """A condition as a sentence: "Final score at least 90", "2 consecutive years of “…”"."""
    number = condition.number.normalize() if condition.number is not None else None
    what = condition.award.name if condition.award_id else (
        Rating(condition.rating).label if condition.rating else _("this award"))
    return conditions.sentence(condition.kind, number=number, what=what, label=condition.get_kind_display())


@register.inclusion_tag("awards/_rule_set_conditions.html", takes_context=True)
def rule_set_conditions(context: dict[str, Any], rule_set: RuleSet) -> dict[str, Any]:
    """Per category its conditions with a remove button, and the form that adds one (a new version each)."""
    categories = list(rule_set.categories.select_related("award").prefetch_related("conditions__award"))
    form = ConditionAddForm()
    form.fields["category"].queryset = Award.objects.filter(pk__in=[c.award_id for c in categories])
    return {"request": context["request"], "csrf_token": context.get("csrf_token"), "bloc_year": rule_set.bloc_year,
            "categories": categories, "form": form, "has_rounds": rule_set.bloc_year.rounds.exists()}


@register.inclusion_tag("awards/_unit_history.html", takes_context=True)
def unit_history_panel(context: dict[str, Any], unit: Unit) -> dict[str, Any]:
    """The unit's titles, awards and ratings by year, its predecessors' included and marked (issue 4, item 5)."""
    family = selectors.lineage([unit])[unit.pk]
    entries = list(HistoryEntry.objects.filter(unit__in=family).select_related("award", "unit")
                   .order_by("-year", "award__order", "unit__name"))
    years = []
    for year, rows in groupby(entries, key=lambda e: e.year):
        rows = list(rows)
        years.append({"year": year, "awards": [e for e in rows if e.award_id],
                      "ratings": [e for e in rows if not e.award_id]})
    return {"unit": unit, "years": years,
            "can_import": can_read_province(roles_of(context["request"].user))}


# --- Issue 11: a closed round's votes as bars -----------------------------------------------------------------


@register.simple_tag
def result_bars(round_: Round) -> str:
    """The bars of a closed round's stored result (awards/charts.py); empty while open."""
    stored = result_of(round_)
    if stored is None or not stored.candidates:
        return ""
    names = dict(Unit.objects.filter(pk__in=[row.unit for row in stored.candidates]).values_list("pk", "name"))
    mark = round_.pass_mark
    return result_bars_svg(stored.candidates, names=names, base=stored.base, fraction=mark.fraction,
                           comparator=mark.comparator, runoff=stored.runoff, key=round_.pk)
