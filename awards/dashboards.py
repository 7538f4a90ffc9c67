"""The dashboards' reads (issue 14, items 1–3): the province board's year at a glance, a bloc year's progress
for its secretariat and chair, and a unit's history across years.

Reads only, as `selectors.py`: each function asks a fixed number of queries, whatever the number of blocs or
units (tests/awards/test_dashboard_queries.py), by counting in the database with one grouped query per fact.
"Today" is an argument, so that days late are tested on a fixed date.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from awards import conditions
from awards.messages import RATING_PREFIX
from awards.models import CategoryRule, HistoryEntry, Meeting, Nomination, Rating, RuleSet
from awards.rules import streak
from awards.selectors import conditions_for, history_of, lineage
from blocs import rules as bloc_rules
from blocs.models import Award, Bloc, BlocYear, Covenant, Membership, Registration, Scorecard, ScoringTable, Unit

HISTORY_YEARS = 5  # the multi-year view: the year shown and the four before it
PHASES = list(BlocYear.Status)


@dataclass
class Overdue:
    step: str
    days: int


@dataclass
class BlocRow:
    bloc_year: BlocYear
    members: int = 0
    registered: int = 0
    scored: int = 0
    verified: int = 0
    meeting_on: dt.date | None = None
    proposals: dict[int, int] = field(default_factory=dict)  # award → count
    overdue: list[Overdue] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  # proposals per award, in the order of the awards shown

    @property
    def phase_index(self) -> int:
        return PHASES.index(self.bloc_year.status)

    @property
    def days_late(self) -> int:
        return max((o.days for o in self.overdue), default=0)


def _grouped(queryset: Any, *, condition: Q | None = None) -> dict[int, int]:
    if condition is not None:
        queryset = queryset.filter(condition)
    return dict(queryset.values_list("bloc_year").annotate(n=Count("pk")).order_by())


def overdue_steps(bloc_year: BlocYear, *, members: int, registered: int, meeting_on: dt.date | None,
                  today: dt.date) -> list[Overdue]:
    """The steps past their date and not done: registration after its deadline with units missing, a meeting
    date passed while the year has not reached its meeting."""
    late = []
    status = PHASES.index(bloc_year.status)
    deadline = bloc_year.registration_deadline
    if deadline and today > deadline and registered < members and status <= PHASES.index(BlocYear.Status.SCORING):
        late.append(Overdue(_("Registration"), (today - deadline).days))
    if meeting_on and today > meeting_on and status < PHASES.index(BlocYear.Status.MEETING):
        late.append(Overdue(_("Year-end meeting"), (today - meeting_on).days))
    return late


def province_dashboard(province_id: int, year: int, *, today: dt.date, kind: str = "") -> dict[str, Any]:
    """Every bloc (or cluster, by `kind`) of the province in the year, with its counts, and the proposals of the
    last HISTORY_YEARS years by bloc and by unit kind. Seven queries."""
    years = BlocYear.objects.filter(bloc__province=province_id, year=year).select_related("bloc")
    if kind in Bloc.Kind.values:
        years = years.filter(bloc__kind=kind)
    years = list(years.order_by("bloc__name"))
    members = _grouped(Membership.objects.filter(bloc_year__in=years))
    registered = _grouped(Registration.objects.filter(bloc_year__in=years, submitted_at__isnull=False))
    cards = {row[0]: row[1:] for row in Scorecard.objects.filter(bloc_year__in=years).values_list("bloc_year")
             .annotate(scored=Count("pk", filter=Q(submitted_at__isnull=False)),
                       verified=Count("pk", filter=Q(verified_at__isnull=False))).order_by()}
    meetings = dict(Meeting.objects.filter(bloc_year__in=years).values_list("bloc_year", "held_on"))
    proposals: dict[int, dict[int, int]] = defaultdict(dict)
    for bloc_year_id, award_id, n in (Nomination.objects.filter(bloc_year__in=years,
                                                                status=Nomination.Status.PROPOSED)
                                      .values_list("bloc_year", "award").annotate(n=Count("pk")).order_by()):
        proposals[bloc_year_id][award_id] = n
    rows = []
    for bloc_year in years:
        scored, verified = cards.get(bloc_year.pk, (0, 0))
        row = BlocRow(bloc_year, members=members.get(bloc_year.pk, 0), registered=registered.get(bloc_year.pk, 0),
                      scored=scored, verified=verified, meeting_on=meetings.get(bloc_year.pk),
                      proposals=proposals[bloc_year.pk])
        row.overdue = overdue_steps(bloc_year, members=row.members, registered=row.registered,
                                    meeting_on=row.meeting_on, today=today)
        rows.append(row)
    award_ids = {award for row in rows for award in row.proposals}
    awards = list(Award.objects.filter(pk__in=award_ids).order_by("order")) if award_ids else []
    for row in rows:
        row.counts = [row.proposals.get(award.pk, 0) for award in awards]
    return {"rows": rows, "awards": awards, **proposals_by_year(province_id, year, kind=kind)}


def proposals_by_year(province_id: int, year: int, *, kind: str = "") -> dict[str, Any]:
    """The bloc's proposals over the last years: per bloc and per unit kind, a count per year. One query."""
    first = year - HISTORY_YEARS + 1
    found = Nomination.objects.filter(bloc_year__bloc__province=province_id, status=Nomination.Status.PROPOSED,
                                      bloc_year__year__gte=first, bloc_year__year__lte=year)
    if kind in Bloc.Kind.values:
        found = found.filter(bloc_year__bloc__kind=kind)
    by_bloc: dict[str, Counter[int]] = defaultdict(Counter)
    by_kind: dict[str, Counter[int]] = defaultdict(Counter)
    per_year: Counter[int] = Counter()
    labels = dict(Unit.Kind.choices)
    for at, bloc, unit_kind, n in (found.values_list("bloc_year__year", "bloc_year__bloc__name", "unit__kind")
                                   .annotate(n=Count("pk")).order_by()):
        by_bloc[bloc][at] += n
        by_kind[str(labels.get(unit_kind, unit_kind))][at] += n
        per_year[at] += n
    span = list(range(first, year + 1))

    def table(counts: dict[str, Counter[int]]) -> list[tuple[str, list[int], int]]:
        return [(name, [counts[name][y] for y in span], sum(counts[name].values())) for name in sorted(counts)]

    return {"span": span, "by_bloc": table(by_bloc), "by_kind": table(by_kind),
            "per_year": [(y, per_year[y]) for y in span]}


# --- A bloc year (item 2) ------------------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    done: int
    total: int
    missing: list[str]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def bloc_year_dashboard(bloc_year: BlocYear) -> dict[str, Any]:
    """Each step's progress with the units still missing, the final scores ranked with their verification, and
    the proposals. Seven queries, whatever the number of units."""
    members = list(Membership.objects.filter(bloc_year=bloc_year).select_related("unit"))
    names = {m.unit_id: m.unit_name or m.unit.name for m in members}
    order = sorted(names, key=lambda unit: names[unit])
    submitted = set(Registration.objects.filter(bloc_year=bloc_year, submitted_at__isnull=False)
                    .values_list("unit", flat=True))
    cards = {c.unit_id: c for c in Scorecard.objects.filter(bloc_year=bloc_year, unit__in=names)}
    covenant = Covenant.objects.filter(bloc_year=bloc_year).values_list("signed_on", flat=True).first()
    table = ScoringTable.objects.filter(bloc_year=bloc_year).values_list("max_total", flat=True).first()

    def step(name: str, done: set[int]) -> Step:
        return Step(name, len(done & set(names)), len(names), [names[u] for u in order if u not in done])

    def cards_where(attribute: str) -> set[int]:
        return {u for u, c in cards.items() if getattr(c, attribute) is not None}

    steps = [step(_("Registration"), submitted), step(_("Self-scores"), cards_where("submitted_at")),
             step(_("Cross-checks"), cards_where("checked_at")), step(_("Verification"), cards_where("verified_at"))]
    totals = {u: c.final_total for u, c in cards.items() if u in names}
    disqualified = {u for u, c in cards.items() if c.is_disqualified}
    ranks = bloc_rules.score_ranks(totals, disqualified)
    scores = sorted(((names[u], totals.get(u), ranks.get(u), u in disqualified,
                      cards[u].verified_at is not None if u in cards else False) for u in order),
                    key=lambda s: (s[2] is None, s[2] or 0, s[0]))
    proposals = list(Nomination.objects.filter(bloc_year=bloc_year, status=Nomination.Status.PROPOSED)
                     .select_related("award").order_by("award__order", "rank", "unit__name"))
    for nomination in proposals:
        nomination.unit_name_then = names.get(nomination.unit_id, "")
    meeting_on = Meeting.objects.filter(bloc_year=bloc_year).values_list("held_on", flat=True).first()
    return {"steps": steps, "covenant_signed_on": covenant, "max_total": table, "scores": scores,
            "proposals": proposals, "meeting_on": meeting_on}


# --- A unit across years (item 3) -----------------------------------------------------------------------------


@dataclass
class YearRow:
    year: int
    bloc: str = ""
    name: str = ""  # the unit's name that year, or its predecessor's
    score: Decimal | None = None
    rank: int | None = None
    members: int = 0
    awards: list[str] = field(default_factory=list)
    ratings: list[str] = field(default_factory=list)
    is_predecessor: bool = False


def unit_timeline(unit: Unit, *, visible_blocs: set[int] | None) -> list[YearRow]:
    """One row a year, oldest first: the bloc, the final score and rank, the titles and ratings; the history of
    the units it carries (renamed from, absorbed) included (`lineage`). Blocs the reader cannot see are not
    named (None: all). Five queries."""
    family = lineage([unit])[unit.pk]
    rows: dict[int, YearRow] = {}
    memberships = Membership.objects.filter(unit__in=family).select_related("bloc_year__bloc", "unit")
    for m in memberships.order_by("year"):
        if visible_blocs is not None and m.bloc_year.bloc_id not in visible_blocs:
            continue
        rows[m.year] = YearRow(m.year, bloc=m.bloc_year.bloc.name, name=m.unit_name or m.unit.name,
                               is_predecessor=m.unit_id != unit.pk)
    shown_years = [m for m in memberships if m.year in rows]
    year_ids = {m.bloc_year_id for m in shown_years}
    cards = list(Scorecard.objects.filter(bloc_year__in=year_ids).values_list(
        "bloc_year", "unit", "final_total", "disqualifier"))
    by_year: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    out: dict[int, set[int]] = defaultdict(set)
    for bloc_year_id, unit_id, total, disqualifier in cards:
        by_year[bloc_year_id][unit_id] = total
        if disqualifier:
            out[bloc_year_id].add(unit_id)
    counts = _grouped(Membership.objects.filter(bloc_year__in=year_ids))
    for m in shown_years:
        row = rows[m.year]
        row.score = by_year[m.bloc_year_id].get(m.unit_id)
        row.rank = bloc_rules.score_ranks(by_year[m.bloc_year_id], out[m.bloc_year_id]).get(m.unit_id)
        row.members = counts.get(m.bloc_year_id, 0)
    for entry in HistoryEntry.objects.filter(unit__in=family).select_related("award").order_by("award__order"):
        row = rows.setdefault(entry.year, YearRow(entry.year))
        if entry.award_id:
            row.awards.append(entry.award.name)
        else:
            row.ratings.append(str(Rating(entry.rating).label))
    return [rows[year] for year in sorted(rows)]


def conditions_next_year(unit: Unit, *, year: int) -> list[dict[str, Any]]:
    """The history conditions of the unit's latest rule set, read for `year` (next year): for each, met or not,
    in words, with the years that count ("2 consecutive years of …: holds 2021, 2022"); the predecessors' years
    count as that rule set says (`history_carried_over`). Conditions on the year's own score, rank or
    registration are decided in that year and are not listed."""
    latest = (RuleSet.objects.filter(bloc_year__memberships__unit=unit).order_by("-bloc_year__year", "-pk")
              .first())
    if latest is None:
        return []
    history = history_of([unit], carried_over=latest.history_carried_over)[unit.pk]
    found = []
    for category in CategoryRule.objects.filter(rule_set=latest).select_related("award", "rule_set"):
        for condition in conditions_for(category):
            if condition.kind not in ("consecutive", "not_recent"):
                continue
            what = _rating_label(condition.label)
            text = conditions.sentence(condition.kind, number=condition.number, what=what, label="")
            if condition.kind == "consecutive":
                held = sorted(streak(history, condition.key, year - 1))
                met = len(held) >= int(condition.number)
                detail = (_("holds %(years)s") % {"years": ", ".join(map(str, held))} if held
                          else _("holds no year"))
            else:
                n = int(condition.number)
                recent = [y for y in range(year - n, year) if condition.key in history.get(y, frozenset())]
                met = not recent
                detail = (_("received in %(years)s") % {"years": ", ".join(map(str, recent))} if recent
                          else _("not received in these years"))
            found.append({"award": category.award.name, "text": text, "detail": detail, "met": met})
    return found


def _rating_label(label: str) -> str:
    if label.startswith(RATING_PREFIX):
        code = label[len(RATING_PREFIX):]
        return str(Rating(code).label) if code in Rating.values else code
    return label

