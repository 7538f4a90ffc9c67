"""The awards app's reads: rule sets, candidates, counts, leadership, history, eligibility, the dossier's
snapshot and the province's overview. No writes, no audit; the services and the views both ask here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from awards import conditions, rules
from awards.messages import RATING_PREFIX
from awards.models import (
    Attendance,
    Candidate,
    CardVote,
    CategoryRule,
    Dossier,
    HistoryEntry,
    Meeting,
    Nomination,
    PaperCount,
    PaperEntry,
    Round,
    RuleSet,
    VotingCard,
)
from awards.results import Reason, elected_of, result_of
from blocs import rules as bloc_rules
from blocs.deadlines import Step
from blocs.models import BlocYear, Registration, Scorecard, Unit, UnitChange


def current_rule_set(bloc_year: BlocYear) -> RuleSet | None:
    return bloc_year.rule_sets.order_by("-version").first()


def proposed_units(bloc_year: BlocYear, *, above_order: int | None = None) -> set[int]:
    """Units already proposed in closed award rounds (of a higher award when `above_order` is given)."""
    rounds = bloc_year.rounds.filter(kind=Round.Kind.AWARD, status=Round.Status.CLOSED).select_related("award")
    units: set[int] = set()
    for closed in rounds:
        if above_order is None or closed.award.order < above_order:
            units.update(elected_of(closed))
    return units


def candidate_units(round_: Round) -> list[int]:
    """Members, minus disqualified units, minus units already proposed higher (issue 3, item 6)."""
    bloc_year = round_.bloc_year
    members = list(bloc_year.memberships.order_by("unit__name").values_list("unit_id", flat=True))
    if round_.kind != Round.Kind.AWARD:
        return members
    disqualified = set(Scorecard.objects.filter(bloc_year=bloc_year, disqualifier__isnull=False)
                       .values_list("unit_id", flat=True))
    return rules.candidates_for(members=members, disqualified=disqualified,
                                proposed_higher=proposed_units(bloc_year, above_order=round_.award.order),
                                one_award_per_unit=round_.rule_set.one_award_per_unit)


def candidate_units_ordered(round_: Round) -> QuerySet[Unit]:
    """The round's candidates in ballot order (Vietnamese alphabetical)."""
    position = Candidate.objects.filter(round=round_, unit=OuterRef("pk")).values("order")[:1]
    return (Unit.objects.filter(pk__in=round_.candidates.values("unit"))
            .annotate(position=Subquery(position)).order_by("position", "name"))


def present_units(bloc_year: BlocYear) -> set[int]:
    return set(Attendance.objects.filter(meeting__bloc_year=bloc_year, is_present=True)
               .values_list("unit_id", flat=True))


def units_in_the_room(bloc_year: BlocYear) -> set[int]:
    """Present units not attending online: those a voting card is printed for."""
    return set(Attendance.objects.filter(meeting__bloc_year=bloc_year, is_present=True, online=False)
               .values_list("unit_id", flat=True))


def final_scores(bloc_year: BlocYear) -> dict[int, Decimal | None]:
    return dict(Scorecard.objects.filter(bloc_year=bloc_year).values_list("unit_id", "final_total"))


def round_counts(round_: Round, *, ballots_issued: int | None = None) -> tuple[rules.Counts, dict[int, int]]:
    """Totals and votes from online ballots, paper ballots and paper counts together."""
    bloc_year = round_.bloc_year
    candidates = list(round_.candidates.values_list("unit_id", flat=True))
    ballots = list(round_.ballots.values_list("choices", "invalid_reason"))
    valid = [choices for choices, reason in ballots if not reason]
    votes = rules.count_votes(valid, candidates)
    returned, n_valid = len(ballots), len(valid)
    returned += round_.sealed_ballots.count()  # still sealed: returned, not yet known valid (0 after the close)
    paper = PaperCount.objects.filter(round=round_).first()
    if paper is not None:
        returned += paper.returned
        n_valid += paper.valid
        for unit, n in paper.votes.items():
            votes[int(unit)] = votes.get(int(unit), 0) + n
    present = len(present_units(bloc_year))
    members = bloc_year.memberships.count()
    issued = ballots_issued if ballots_issued is not None else (round_.ballots_issued or max(present, returned))
    return rules.Counts(members=members, present=present, issued=issued, returned=returned, valid=n_valid), votes


def _entry_key(entry: PaperEntry) -> tuple:
    return (tuple(entry.choices) if not entry.invalid_reason else (), entry.invalid_reason)


def reconcile_differences(round_: Round) -> tuple[list[tuple], list[tuple]]:
    """The ballots entered by A but not B, and by B but not A (as multisets)."""
    from collections import Counter

    a = Counter(_entry_key(e) for e in round_.paper_entries.filter(clerk="A"))
    b = Counter(_entry_key(e) for e in round_.paper_entries.filter(clerk="B"))
    return sorted((a - b).elements()), sorted((b - a).elements())


def elected_leadership(bloc_year: BlocYear) -> tuple[Unit | None, list[Unit]] | None:
    """Next year's head and deputies from the closed election rounds, or None while a round is open.
    A year whose rules elect no deputy has no deputy round: its head alone settles the election."""
    rounds = {r.kind: r for r in bloc_year.rounds.filter(kind__in=[Round.Kind.HEAD, Round.Kind.DEPUTY],
                                                          runoff_of__isnull=True)}
    head_round = rounds.get(Round.Kind.HEAD)
    if head_round is None or not head_round.is_closed:
        return None
    elected = {kind: _settled_elected(r) for kind, r in rounds.items()}
    if any(units is None for units in elected.values()):
        return None
    units = Unit.objects.in_bulk([pk for pks in elected.values() for pk in pks or ()])
    head = units.get(elected[Round.Kind.HEAD][0]) if elected[Round.Kind.HEAD] else None
    return head, [units[pk] for pk in elected.get(Round.Kind.DEPUTY) or () if pk in units]


def _settled_elected(round_: Round) -> tuple[int, ...] | None:
    """The units a round and its runoffs elected; None while a runoff is still to be held. A runoff adds at
    most the seats its round left, from the units tied for them (domain.md §3)."""
    stored = result_of(round_) if round_.is_closed else None
    if stored is None:
        return None
    runoff = round_.runoffs.first()
    if runoff is None:
        return stored.elected
    later = _settled_elected(runoff)
    if later is None:
        return None
    return stored.elected + tuple(unit for unit in later if unit in stored.runoff)[:stored.runoff_seats]


def lineage(units: Sequence[Unit], *, carried_over: bool = True) -> dict[int, set[int]]:
    """Each unit with the units whose history it carries: those it was renamed from (always: the same body
    under a new name) and, when the rule set carries history over (`RuleSet.history_carried_over`), those
    merged into it and the unit it was split from as the successor chosen to carry it (domain.md §7a)."""
    parents: dict[int, set[int]] = defaultdict(set)
    for pk, renamed_from, merged_into in Unit.objects.values_list("pk", "renamed_from", "merged_into"):
        if renamed_from:
            parents[pk].add(renamed_from)
        if merged_into and carried_over:
            parents[merged_into].add(pk)
    if carried_over:
        for carrier, predecessor in UnitChange.objects.filter(
                kind=UnitChange.Kind.SPLIT, carrier__isnull=False).values_list("carrier", "predecessors"):
            parents[carrier].add(predecessor)
    result = {}
    for unit in units:
        seen, todo = {unit.pk}, [unit.pk]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        result[unit.pk] = seen
    return result


def history_of(units: Sequence[Unit], *, carried_over: bool = True) -> dict[int, dict[int, frozenset[str]]]:
    """unit → year → the keys held ("award:<id>", "rating:<code>"), lineage included."""
    family = lineage(units, carried_over=carried_over)
    everyone = set().union(*family.values()) if family else set()
    raw: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for unit_id, year, award_id, rating in HistoryEntry.objects.filter(unit__in=everyone).values_list(
            "unit", "year", "award", "rating"):
        raw[unit_id][year].add(f"award:{award_id}" if award_id else f"rating:{rating}")
    history = {}
    for unit in units:
        merged: dict[int, set[str]] = defaultdict(set)
        for member in family[unit.pk]:
            for year, keys in raw.get(member, {}).items():
                merged[year] |= keys
        history[unit.pk] = {year: frozenset(keys) for year, keys in merged.items()}
    return history


def conditions_for(category: CategoryRule) -> list[rules.Condition]:
    """The category's conditions, plus "rank 1" for the Government flag when the rule set says so."""
    found = []
    for condition in category.conditions.select_related("award"):
        if conditions.counts(condition.kind) == "award" and not (condition.award_id or condition.rating):
            condition.award = category.award  # "not given this award": the category's own award
        key = f"award:{condition.award_id}" if condition.award_id else f"rating:{condition.rating}"
        # An award is named by its name (data); a rating by its code, put into words when the reason is shown.
        label = condition.award.name if condition.award_id else f"{RATING_PREFIX}{condition.rating}" \
            if condition.rating else ""
        found.append(rules.Condition(kind=condition.kind, number=condition.number, key=key, label=label))
    if category.rule_set.gov_flag_must_top and category.award.code == settings.GOV_FLAG_AWARD:
        found.append(rules.Condition(kind="max_rank", number=1))
    return found


def unit_facts(bloc_year: BlocYear, units: Sequence[Unit], *,
               carried_over: bool = True) -> dict[int, rules.UnitFacts]:
    registered: dict[int, set[int]] = defaultdict(set)
    for unit_id, award_id in Registration.objects.filter(bloc_year=bloc_year, submitted_at__isnull=False,
                                                         awards__isnull=False).values_list("unit", "awards"):
        registered[unit_id].add(award_id)
    cards = {c.unit_id: c for c in Scorecard.objects.filter(bloc_year=bloc_year)}
    totals = {u: c.final_total for u, c in cards.items()}
    disqualified = {u for u, c in cards.items() if c.is_disqualified}
    ranks = bloc_rules.score_ranks(totals, disqualified)
    history = history_of(units, carried_over=carried_over)
    return {unit.pk: rules.UnitFacts(registered=frozenset(registered[unit.pk]), final_score=totals.get(unit.pk),
                                     rank=ranks.get(unit.pk), disqualified=unit.pk in disqualified,
                                     history=history[unit.pk]) for unit in units}


def eligibility_report(round_: Round, unit_ids: Sequence[int]) -> dict[int, list[Reason]]:
    """unit → the reasons it cannot take a seat of the round (empty list: it can), stored as codes.

    For an award, the category's conditions (issue 4, item 2). For a runoff of any kind, also: only the units
    tied in the round it settles (domain.md §3), so a unit already proposed there never takes a second seat.
    """
    report: dict[int, list[Reason]] = {unit: [] for unit in unit_ids}
    if round_.kind == Round.Kind.AWARD:
        category = CategoryRule.objects.filter(rule_set=round_.rule_set, award=round_.award).select_related(
            "award", "rule_set").first()
        required = conditions_for(category) if category else []
        units = list(Unit.objects.filter(pk__in=unit_ids))
        facts = unit_facts(round_.bloc_year, units, carried_over=round_.rule_set.history_carried_over)
        elsewhere = dict(Nomination.objects.filter(bloc_year=round_.bloc_year_id, status=Nomination.Status.PROPOSED,
                                                   unit__in=unit_ids).exclude(award=round_.award_id)
                         .values_list("unit", "award__name"))
        for unit in units:
            report[unit.pk] += [Reason.of(issue) for issue in conditions.eligibility_issues(
                required, facts[unit.pk], award=round_.award_id, year=round_.bloc_year.year)]
            report[unit.pk] += [Reason.of(issue) for issue in rules.one_award_issues(
                proposed_for=elsewhere.get(unit.pk), one_award_per_unit=round_.rule_set.one_award_per_unit)]
    if round_.runoff_of_id is not None:
        contenders = runoff_seats(round_)[0]
        for unit in unit_ids:
            report[unit] += [Reason.of(issue) for issue in rules.runoff_issues(unit, contenders=contenders)]
    return report


def runoff_seats(runoff: Round) -> tuple[set[Hashable], int]:
    """The units tied in the round a runoff settles, and the seats it left for them."""
    settled = result_of(runoff.runoff_of)
    return (set(settled.runoff), settled.runoff_seats) if settled is not None else (set(), 0)


def snapshot(bloc_year: BlocYear) -> list[dict[str, Any]]:
    return [{"award": n.award.name, "unit": n.unit.name, "votes": n.votes, "rank": n.rank,
             "final_score": str(n.final_score) if n.final_score is not None else None,
             "outside_vote": n.is_outside_vote, "reason": n.reason}
            for n in Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED)
            .select_related("award", "unit").order_by("award__order", "rank", "unit__name")]


def gov_flag_rate() -> Fraction:
    return Fraction(getattr(settings, "GOV_FLAG_CAP_RATE", "1/5"))


def province_overview(province_id: int, year: int) -> dict[str, Any]:
    """Every bloc's proposals and dossier state for a year, and the Government-flag cap check."""
    years = list(BlocYear.objects.filter(bloc__province=province_id, year=year).select_related("bloc")
                 .order_by("bloc__name"))
    dossiers = {d.bloc_year_id: d for d in Dossier.objects.filter(bloc_year__in=years)}
    nominations: dict[int, list[Nomination]] = defaultdict(list)
    for n in (Nomination.objects.filter(bloc_year__in=years, status=Nomination.Status.PROPOSED)
              .select_related("award", "unit").order_by("award__order", "rank", "unit__name")):
        nominations[n.bloc_year_id].append(n)
    # The cap weighs what the blocs have sent to the province: a draft dossier's proposals are shown, not counted.
    sent = {pk for pk, dossier in dossiers.items() if dossier.status != Dossier.Status.DRAFT}
    gov = sum(1 for pk, rows in nominations.items() if pk in sent
              for n in rows if n.award.code == settings.GOV_FLAG_AWARD)
    gov_draft = sum(1 for pk, rows in nominations.items() if pk not in sent
                    for n in rows if n.award.code == settings.GOV_FLAG_AWARD)
    rate = gov_flag_rate()
    cap = rules.gov_flag_cap(leaders=len(years), rate=rate)
    return {"rows": [(y, dossiers.get(y.pk), nominations[y.pk]) for y in years], "gov_flag": gov, "cap": cap,
            "rate": rate, "over_cap": gov > cap, "gov_flag_draft": gov_draft, "leaders": len(years),
            "cap_exact": Decimal(rate.numerator * len(years)) / Decimal(rate.denominator)}


def rounds_still_open(bloc_year: BlocYear, new_status: str) -> list[str]:
    """Before the year is submitted to the province: a round still open has not been counted."""
    if new_status != BlocYear.Status.SUBMITTED:
        return []
    titles = list(Round.objects.filter(bloc_year=bloc_year, status=Round.Status.OPEN).order_by("order", "pk")
                  .values_list("title", flat=True))
    return [_("A round is still open, not counted: %(title)s.") % {"title": title} for title in titles]


# --- Voting cards (issue 11) -------------------------------------------------------------------------------


def rounds_for_card(card: VotingCard) -> tuple[list[Round], set[int]]:
    """The meeting's open rounds in catalogue order, and those this card has already voted in."""
    open_rounds = list(Round.objects.filter(bloc_year=card.meeting.bloc_year_id, status=Round.Status.OPEN)
                       .annotate(card_voted=Exists(CardVote.objects.filter(round=OuterRef("pk"), card=card)))
                       .order_by("order", "pk"))  # one query: asked again after every cast
    return open_rounds, {r.pk for r in open_rounds if r.card_voted}



def cards_summary(bloc_year: BlocYear) -> dict[str, int]:
    """Cards handed out (not voided) and voided, for the secretariat's page and the room screen."""
    cards = VotingCard.objects.filter(meeting__bloc_year=bloc_year)
    total = cards.count()
    voided = cards.filter(voided_at__isnull=False).count()
    return {"issued": total - voided, "voided": voided, "total": total}


# --- The meeting among the year's dates (blocs/deadlines.py, registered in apps.py) -------------------------

MEETING_STEP = Step("meeting", gettext_lazy("Year-end meeting"),
                    gettext_lazy("Make sure the year-end meeting is ready: attendance, rounds and documents."),
                    False, "awards:meeting-edit")


def meeting_dates(bloc_year_pks: Sequence[int]) -> dict[int, dt.date]:
    return dict(Meeting.objects.filter(bloc_year__in=bloc_year_pks).values_list("bloc_year", "held_on"))
