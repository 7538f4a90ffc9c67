"""Reads of the blocs app that views, documents and services share (the HackSoft style's selectors): they
decide nothing and write nothing, except `scorecard_get`, which gives a unit its empty scorecard on first
sight."""

from __future__ import annotations

from typing import Any

from blocs import rules
from blocs.models import Bloc, BlocYear, Membership, RoleGrant, Scorecard, Unit


def scorecard_get(bloc_year: BlocYear, unit: Unit) -> Scorecard:
    scorecard, _created = Scorecard.objects.get_or_create(bloc_year=bloc_year, unit=unit)
    return scorecard


def score_table_rows(bloc_year: BlocYear) -> list[dict[str, Any]]:
    """The ranking: every member with its final score and rank; disqualified units unranked."""
    cards = {c.unit_id: c for c in Scorecard.objects.filter(bloc_year=bloc_year).select_related("disqualifier")}
    units = list(Unit.objects.filter(memberships__bloc_year=bloc_year))
    totals = {u.pk: cards[u.pk].final_total if u.pk in cards else None for u in units}
    disqualified = {pk for pk, card in cards.items() if card.is_disqualified}
    ranks = rules.score_ranks(totals, disqualified)
    rows = [{"unit": u, "scorecard": cards.get(u.pk), "total": totals[u.pk], "rank": ranks.get(u.pk),
             "disqualified": u.pk in disqualified} for u in units]
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit"].name))


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
