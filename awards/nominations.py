"""Nominations, eligibility from history, the dossier's path to a decision (issue 4).

Nominations come from closing a round; the secretariat may withdraw one or add one outside the vote
only with a recorded reason. The dossier moves draft → submitted → returned / accepted → decided;
each submission keeps a snapshot, so a corrected dossier keeps both versions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from datetime import date
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from awards import rules
from awards.messages import RATING_PREFIX
from awards.models import (
    CategoryRule,
    Decision,
    DecisionLine,
    Dossier,
    DossierStep,
    HistoryEntry,
    Nomination,
    Round,
)
from awards.results import Reason, Result, Row, reasons_json, result_of
from blocs import rules as bloc_rules
from blocs.audit import audit
from blocs.models import Award, BlocYear, Registration, Scorecard, Unit, User
from blocs.writable import ensure_writable

GOV_FLAG = "co-thi-dua-chinh-phu"


# --- History and lineage -------------------------------------------------------------------------------------


def lineage(units: Sequence[Unit]) -> dict[int, set[int]]:
    """Each unit with the units whose history it carries: those it was renamed from, those merged into it."""
    parents: dict[int, set[int]] = defaultdict(set)
    for pk, renamed_from, merged_into in Unit.objects.values_list("pk", "renamed_from", "merged_into"):
        if renamed_from:
            parents[pk].add(renamed_from)
        if merged_into:
            parents[merged_into].add(pk)
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


def history_of(units: Sequence[Unit]) -> dict[int, dict[int, frozenset[str]]]:
    """unit → year → the keys held ("award:<id>", "rating:<code>"), lineage included."""
    family = lineage(units)
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


# --- Eligibility ------------------------------------------------------------------------------------------------


def conditions_for(category: CategoryRule) -> list[rules.Condition]:
    """The category's conditions, plus "rank 1" for the Government flag when the rule set says so."""
    found = []
    for condition in category.conditions.select_related("award"):
        if condition.kind == "not_recent" and not (condition.award_id or condition.rating):
            condition.award = category.award  # "not given this award": the category's own award
        key = f"award:{condition.award_id}" if condition.award_id else f"rating:{condition.rating}"
        # An award is named by its name (data); a rating by its code, put into words when the reason is shown.
        label = condition.award.name if condition.award_id else f"{RATING_PREFIX}{condition.rating}" \
            if condition.rating else ""
        found.append(rules.Condition(kind=condition.kind, number=condition.number, key=key, label=label))
    if category.rule_set.gov_flag_must_top and category.award.code == GOV_FLAG:
        found.append(rules.Condition(kind="max_rank", number=1))
    return found


def unit_facts(bloc_year: BlocYear, units: Sequence[Unit]) -> dict[int, rules.UnitFacts]:
    registered: dict[int, set[int]] = defaultdict(set)
    for unit_id, award_id in Registration.objects.filter(bloc_year=bloc_year, submitted_at__isnull=False,
                                                         awards__isnull=False).values_list("unit", "awards"):
        registered[unit_id].add(award_id)
    cards = {c.unit_id: c for c in Scorecard.objects.filter(bloc_year=bloc_year)}
    totals = {u: c.final_total for u, c in cards.items()}
    disqualified = {u for u, c in cards.items() if c.is_disqualified}
    ranks = bloc_rules.score_ranks(totals, disqualified)
    history = history_of(units)
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
        conditions = conditions_for(category) if category else []
        units = list(Unit.objects.filter(pk__in=unit_ids))
        facts = unit_facts(round_.bloc_year, units)
        elsewhere = dict(Nomination.objects.filter(bloc_year=round_.bloc_year_id, status=Nomination.Status.PROPOSED,
                                                   unit__in=unit_ids).exclude(award=round_.award_id)
                         .values_list("unit", "award__name"))
        for unit in units:
            report[unit.pk] += [Reason.of(issue) for issue in rules.eligibility_issues(
                conditions, facts[unit.pk], award=round_.award_id, year=round_.bloc_year.year)]
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


def nominations_from_round(round_: Round, result: Result) -> None:
    """Called when an award round closes: the elected are proposed; those who passed but are not
    eligible are recorded with their reasons and not proposed.

    A unit that already has a nomination for the award (from the round a runoff settles, or added outside
    the vote) keeps it untouched, and a runoff fills at most the seats its round left (domain.md §3).
    """
    taken = set(Nomination.objects.filter(bloc_year=round_.bloc_year, award=round_.award)
                .values_list("unit_id", flat=True))
    elected = [unit for unit in result.elected if unit not in taken]
    if round_.runoff_of_id is not None:
        contenders, seats = runoff_seats(round_)
        elected = [unit for unit in elected if unit in contenders][:seats]
    scores = dict(Scorecard.objects.filter(bloc_year=round_.bloc_year).values_list("unit", "final_total"))
    Nomination.objects.bulk_create(
        Nomination(bloc_year=round_.bloc_year, award=round_.award, unit_id=row.unit, round=round_,
                   rule_set=round_.rule_set, votes=row.votes, share_numerator=row.share.numerator,
                   share_denominator=row.share.denominator, base=round_.base, rank=row.rank,
                   final_score=scores.get(row.unit), eligibility=reasons_json(row.not_eligible),
                   status=Nomination.Status.PROPOSED if row.unit in elected else Nomination.Status.NOT_ELIGIBLE)
        for row in result.candidates
        if row.unit not in taken and (row.unit in elected or (row.passed and _counts_as_ineligible(row))))


def _counts_as_ineligible(row: Row) -> bool:
    """Passed but failed a condition of the award; a runoff's outsider is not a nomination of any kind."""
    return any(reason.code != "not_in_runoff" for reason in row.not_eligible)


# --- Changes by the secretariat ------------------------------------------------------------------------------


def _editable_dossier(bloc_year: BlocYear) -> Dossier:
    dossier, _created = Dossier.objects.select_for_update().get_or_create(bloc_year=bloc_year)
    if dossier.status not in (Dossier.Status.DRAFT, Dossier.Status.RETURNED):
        raise ValidationError(_("The dossier has been sent; it can change only if the province returns it."))
    return dossier


@transaction.atomic
def nomination_withdraw(*, actor: User | None, nomination: Nomination, reason: str) -> Nomination:
    nomination = Nomination.objects.select_for_update().select_related("bloc_year").get(pk=nomination.pk)
    ensure_writable(nomination.bloc_year)
    _editable_dossier(nomination.bloc_year)
    if not reason.strip():
        raise ValidationError(_("Give the reason for withdrawing the nomination."))
    if nomination.status != Nomination.Status.PROPOSED:
        raise ValidationError(_("Only a proposed nomination can be withdrawn."))
    nomination.status, nomination.withdrawal_reason = Nomination.Status.WITHDRAWN, reason.strip()
    nomination.save(update_fields=["status", "withdrawal_reason"])
    audit(actor=actor, action="awards.nomination.withdrawn", bloc_year=nomination.bloc_year, obj=nomination,
          changes={"reason": nomination.withdrawal_reason})
    return nomination


@transaction.atomic
def nomination_add_outside_vote(*, actor: User | None, bloc_year: BlocYear, award: Award, unit: Unit,
                                reason: str) -> Nomination:
    """A nomination outside the vote, always marked as such, only with a recorded reason."""
    bloc_year = BlocYear.objects.select_for_update().get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    _editable_dossier(bloc_year)
    if not reason.strip():
        raise ValidationError(_("Give the reason for a nomination outside the vote."))
    if not bloc_year.memberships.filter(unit=unit).exists():
        raise ValidationError(_("%(unit)s is not a member of the bloc this year.") % {"unit": unit.name})
    rule_set = bloc_year.rule_sets.order_by("-version").first()
    if rule_set is None:
        raise ValidationError(_("The year has no rule set yet."))
    if Nomination.objects.filter(bloc_year=bloc_year, award=award, unit=unit).exists():
        raise ValidationError(_("%(unit)s is already nominated for %(award)s.") % {"unit": unit.name,
                                                                                     "award": award.name})
    nomination = Nomination.objects.create(
        bloc_year=bloc_year, award=award, unit=unit, rule_set=rule_set, is_outside_vote=True, reason=reason.strip(),
        final_score=Scorecard.objects.filter(bloc_year=bloc_year, unit=unit).values_list("final_total",
                                                                                          flat=True).first())
    audit(actor=actor, action="awards.nomination.added_outside_vote", bloc_year=bloc_year, obj=nomination,
          changes={"award": award.name, "unit": unit.name, "reason": nomination.reason})
    return nomination


# --- The dossier's path -------------------------------------------------------------------------------------


def snapshot(bloc_year: BlocYear) -> list[dict[str, Any]]:
    return [{"award": n.award.name, "unit": n.unit.name, "votes": n.votes, "rank": n.rank,
             "final_score": str(n.final_score) if n.final_score is not None else None,
             "outside_vote": n.is_outside_vote, "reason": n.reason}
            for n in Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED)
            .select_related("award", "unit").order_by("award__order", "rank", "unit__name")]


def _move(dossier: Dossier, *, actor: User | None, to: str, allowed_from: Sequence[str], reason: str = "",
          with_snapshot: bool = False) -> Dossier:
    if dossier.status not in allowed_from:
        raise ValidationError(_("A dossier in the state “%(state)s” cannot move to “%(to)s”.")
                              % {"state": dossier.get_status_display(), "to": Dossier.Status(to).label})
    old = dossier.status
    dossier.status = to
    dossier.save(update_fields=["status"])
    version = dossier.steps.filter(status=Dossier.Status.SUBMITTED).count() + (1 if with_snapshot else 0)
    DossierStep.objects.create(dossier=dossier, status=to, actor=actor, reason=reason, version=version,
                               snapshot=snapshot(dossier.bloc_year) if with_snapshot else None)
    audit(actor=actor, action=f"awards.dossier.{to}", bloc_year=dossier.bloc_year, obj=dossier,
          changes={"status": [old, to], **({"reason": reason} if reason else {}), "version": version})
    return dossier


def _locked_dossier(bloc_year: BlocYear) -> Dossier:
    Dossier.objects.get_or_create(bloc_year=bloc_year)
    return Dossier.objects.select_for_update(of=("self",)).select_related("bloc_year").get(bloc_year=bloc_year)


@transaction.atomic
def dossier_submit(*, actor: User | None, bloc_year: BlocYear) -> Dossier:
    dossier = _locked_dossier(bloc_year)
    if not Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED).exists():
        raise ValidationError(_("The dossier has no nomination to send."))
    return _move(dossier, actor=actor, to=Dossier.Status.SUBMITTED,
                 allowed_from=(Dossier.Status.DRAFT, Dossier.Status.RETURNED), with_snapshot=True)


@transaction.atomic
def dossier_return(*, actor: User | None, bloc_year: BlocYear, reason: str) -> Dossier:
    if not reason.strip():
        raise ValidationError(_("Say why the dossier is returned."))
    return _move(_locked_dossier(bloc_year), actor=actor, to=Dossier.Status.RETURNED,
                 allowed_from=(Dossier.Status.SUBMITTED,), reason=reason.strip())


@transaction.atomic
def dossier_accept(*, actor: User | None, bloc_year: BlocYear) -> Dossier:
    return _move(_locked_dossier(bloc_year), actor=actor, to=Dossier.Status.ACCEPTED,
                 allowed_from=(Dossier.Status.SUBMITTED,))


@transaction.atomic
def decision_record(*, actor: User | None, bloc_year: BlocYear, number: str, issuer: str, signed_on: date,
                    outcomes: Mapping[int, bool]) -> Decision:
    """Record a decision: per nominee of this dossier, awarded or not. Awards fill the unit's history."""
    dossier = _locked_dossier(bloc_year)
    if dossier.status not in (Dossier.Status.ACCEPTED, Dossier.Status.DECIDED):
        raise ValidationError(_("A decision is recorded once the province board has accepted the dossier."))
    nominations = {n.pk: n for n in Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED)
                   .select_related("award", "unit")}
    if not outcomes or set(outcomes) - set(nominations):
        raise ValidationError(_("A decision can only name units this dossier proposed."))
    if DecisionLine.objects.filter(nomination__in=list(outcomes)).exists():
        raise ValidationError(_("A nominee in this decision already has a decision."))
    try:
        with transaction.atomic():
            decision = Decision.objects.create(number=number.strip(), issuer=issuer.strip(), signed_on=signed_on,
                                               year=signed_on.year, dossier=dossier, recorded_by=actor)
    except IntegrityError as error:
        raise ValidationError(_("%(issuer)s already issued a decision numbered %(number)s in %(year)s.")
                              % {"issuer": issuer, "number": number, "year": signed_on.year}) from error
    for pk, awarded in outcomes.items():
        nomination = nominations[pk]
        DecisionLine.objects.create(decision=decision, nomination=nomination, is_awarded=awarded)
        if awarded:
            HistoryEntry.objects.get_or_create(unit=nomination.unit, year=bloc_year.year, award=nomination.award,
                                               defaults={"source": HistoryEntry.Source.DECISION,
                                                         "reference": f"{decision.number} ({decision.issuer})"})
    if not Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED,
                                     decision_line__isnull=True).exists():
        _move(dossier, actor=actor, to=Dossier.Status.DECIDED,
              allowed_from=(Dossier.Status.ACCEPTED, Dossier.Status.DECIDED))
    audit(actor=actor, action="awards.decision.recorded", bloc_year=bloc_year, obj=decision,
          changes={"number": decision.number, "issuer": decision.issuer, "date": signed_on.isoformat(),
                   "awarded": [nominations[pk].unit.name for pk, ok in outcomes.items() if ok],
                   "not_awarded": [nominations[pk].unit.name for pk, ok in outcomes.items() if not ok]})
    return decision


# --- Province view ----------------------------------------------------------------------------------------------


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
    gov = sum(1 for rows in nominations.values() for n in rows if n.award.code == GOV_FLAG)
    cap = rules.gov_flag_cap(leaders=len(years), rate=gov_flag_rate())
    return {"rows": [(y, dossiers.get(y.pk), nominations[y.pk]) for y in years], "gov_flag": gov, "cap": cap,
            "rate": gov_flag_rate(), "over_cap": gov > cap}

