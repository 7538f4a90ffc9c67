"""Reads of the blocs app that views, documents and services share (the HackSoft style's selectors): they
decide nothing and write nothing, except `scorecard_get`, which gives a unit its empty scorecard on first
sight."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _

from blocs import rules
from blocs.models import Bloc, BlocYear, Membership, RoleGrant, Scorecard, ScoringTable, Unit


def scorecard_get(bloc_year: BlocYear, unit: Unit) -> Scorecard:
    scorecard, _created = Scorecard.objects.get_or_create(bloc_year=bloc_year, unit=unit)
    return scorecard


def score_table_rows(bloc_year: BlocYear) -> list[dict[str, Any]]:
    """The ranking: every member with its final score and rank; disqualified units unranked."""
    cards = {c.unit_id: c for c in Scorecard.objects.filter(bloc_year=bloc_year).select_related("disqualifier")}
    units = list(Unit.objects.filter(memberships__bloc_year=bloc_year))
    names = names_in_year(bloc_year)
    totals = {u.pk: cards[u.pk].final_total if u.pk in cards else None for u in units}
    disqualified = {pk for pk, card in cards.items() if card.is_disqualified}
    ranks = rules.score_ranks(totals, disqualified)
    rows = [{"unit": u, "name": names.get(u.pk) or u.name,
             "scorecard": cards.get(u.pk), "total": totals[u.pk], "rank": ranks.get(u.pk),
             "disqualified": u.pk in disqualified} for u in units]
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"]))


def names_in_year(bloc_year: BlocYear) -> dict[int, str]:
    """unit → its name as it was in the bloc year (domain.md §7a): what every document, screen and export of a
    year prints, so that a past year never shows today's names. One query."""
    return {unit: frozen or name for unit, frozen, name in
            Membership.objects.filter(bloc_year=bloc_year).values_list("unit", "unit_name", "unit__name")}


def name_in_year(names: dict[int, str], unit: Unit) -> str:
    return names.get(unit.pk) or unit.name


def units_as_then(bloc_year: BlocYear, units: Iterable[Unit | None]) -> list[Unit | None]:
    """Display copies of `units` carrying their names of the bloc year, for screens and documents that print
    `unit.name` (a past year's round result, its ballot paper). Copies: the units themselves are untouched."""
    names = names_in_year(bloc_year)
    shown: list[Unit | None] = []
    for unit in units:
        if unit is not None and names.get(unit.pk) and names[unit.pk] != unit.name:
            unit = copy.copy(unit)
            unit.name = names[unit.pk]
        shown.append(unit)
    return shown


def latest_year(bloc: Bloc) -> BlocYear | None:
    return bloc.years.order_by("-year").first()


def grants_in_bloc(bloc: Bloc):  # noqa: ANN201 - a queryset of RoleGrant
    """The roles that belong to this bloc: its secretariat, its years' chairs, its member units'
    representatives."""
    units = Membership.objects.filter(bloc_year__bloc=bloc).values("unit")
    return (RoleGrant.objects.filter(kind=RoleGrant.Kind.SECRETARIAT, bloc=bloc)
            | RoleGrant.objects.filter(kind=RoleGrant.Kind.CHAIR, bloc_year__bloc=bloc)
            | RoleGrant.objects.filter(kind=RoleGrant.Kind.REPRESENTATIVE, unit__in=units))


def officer_unit(bloc: Bloc) -> Unit | None:
    """A new secretariat or chair account belongs to the head unit, whose staff they are (domain.md §5)."""
    year = latest_year(bloc)
    head = year.memberships.filter(position=Membership.Position.HEAD).select_related("unit").first() if year else None
    return head.unit if head else None


# --- The bloc's documents (issue 12, item 2) -------------------------------------------------------------------

SIGNER_TITLE = "TRƯỞNG KHỐI"


def effective_symbol(bloc: Bloc) -> str:
    """The bloc's symbol as typed, else derived; a derived one that another bloc of the province already has
    (typed or derived) takes the bloc's code, so that two blocs never share one by default."""
    if bloc.doc_symbol:
        return bloc.doc_symbol
    symbol = rules.default_symbol(kind=bloc.kind, name=bloc.name, code=bloc.code)
    others = Bloc.objects.filter(province=bloc.province_id).exclude(pk=bloc.pk).only(
        "pk", "kind", "name", "code", "doc_symbol")
    taken = {o.doc_symbol or (rules.default_symbol(kind=o.kind, name=o.name, code=o.code) if o.pk < bloc.pk else "")
             for o in others}
    return symbol if symbol not in taken else f"{symbol.split('-')[0]}-{bloc.code.upper()}"


def document_settings(bloc_year: BlocYear) -> rules.DocumentSettings:
    """The bloc's document settings, each left empty derived as before the settings existed: the parent body
    and the style from the head unit (its parent body; a Party body writes Guidance 36)."""
    bloc = bloc_year.bloc
    head = (Membership.objects.filter(bloc_year=bloc_year, position=Membership.Position.HEAD)
            .select_related("unit").first())
    unit = head.unit if head else None
    derived = {name for name, value in (("parent_lines", bloc.doc_parent_lines), ("symbol", bloc.doc_symbol),
                                        ("style", bloc.doc_style), ("signer_title", bloc.doc_signer_title))
               if not value.strip()}
    parents = rules.parent_lines(bloc.doc_parent_lines) or ((unit.parent_body,) if unit and unit.parent_body else ())
    style = bloc.doc_style or ("party" if unit is not None and unit.kind == Unit.Kind.PARTY else "state")
    return rules.DocumentSettings(parent_lines=parents, symbol=effective_symbol(bloc), style=style,
                                  signer_title=bloc.doc_signer_title.strip() or SIGNER_TITLE,
                                  derived=frozenset(derived))


# --- Before a step that cannot be undone (issue 10, item 8) -------------------------------------------------

AdvanceCheck = Callable[[BlocYear, str], list[str]]
ADVANCE_CHECKS: list[AdvanceCheck] = []


def register_advance_check(check: AdvanceCheck) -> AdvanceCheck:
    """Other apps add what they know is missing before a year moves on (awards: open rounds; reports: the
    report); blocs never imports them."""
    if check not in ADVANCE_CHECKS:
        ADVANCE_CHECKS.append(check)
    return check


def _unregistered(bloc_year: BlocYear, new_status: str) -> list[str]:
    if new_status != BlocYear.Status.SCORING:
        return []
    members = list(bloc_year.memberships.select_related("unit").order_by("unit__name"))
    submitted = set(bloc_year.registrations.filter(submitted_at__isnull=False).values_list("unit_id", flat=True))
    missing = [m.unit.name for m in members if m.unit_id not in submitted]
    if not missing:
        return []
    return [_("%(missing)s of the %(members)s member units have not submitted their registration: %(units)s.")
            % {"missing": len(missing), "members": len(members), "units": ", ".join(missing)}]


def _scores_unpublished(bloc_year: BlocYear, new_status: str) -> list[str]:
    """Before the meeting: scores are entered, verified and published only while the year is at scoring
    (domain.md §1.3: the final score is published to members before the meeting)."""
    if new_status != BlocYear.Status.MEETING:
        return []
    table = ScoringTable.objects.filter(bloc_year=bloc_year).first()
    if table is not None and table.published_at is not None:
        return []
    members = bloc_year.memberships.count()
    verified = Scorecard.objects.filter(bloc_year=bloc_year, verified_at__isnull=False,
                                        unit__memberships__bloc_year=bloc_year).count()
    return [_("The score table is not published to the members (%(verified)s of the %(members)s member units have a "
              "verified score); once the year moves to its year-end meeting, scores can no longer be entered, "
              "verified or published.") % {"verified": verified, "members": members}]


def advance_warnings(bloc_year: BlocYear) -> list[str]:
    """What is still missing before the year moves to its next step, in sentences; empty when nothing is."""
    new_status = rules.next_status(bloc_year.status)
    if new_status is None:
        return []
    checks = (_unregistered, _scores_unpublished, *ADVANCE_CHECKS)
    return [text for check in checks for text in check(bloc_year, new_status)]
