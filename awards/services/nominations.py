"""Nominations: made when an award round closes; the secretariat may withdraw one or add one outside the
vote only with a recorded reason (issue 4)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from awards import selectors
from awards.models import (
    Dossier,
    Nomination,
    Round,
)
from awards.results import Result, Row, reasons_json
from blocs.audit import audit
from blocs.models import Award, BlocYear, Scorecard, Unit, User
from blocs.writable import ensure_writable


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
        contenders, seats = selectors.runoff_seats(round_)
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
