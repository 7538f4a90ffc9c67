"""The dossier's path to a decision: draft → submitted → returned / accepted → decided; each submission
keeps a snapshot, so a corrected dossier keeps both versions. The province records its decisions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from awards import selectors
from awards.models import (
    Decision,
    DecisionLine,
    Dossier,
    DossierStep,
    HistoryEntry,
    Nomination,
)
from blocs.audit import audit
from blocs.models import BlocYear, User


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
                               snapshot=selectors.snapshot(dossier.bloc_year) if with_snapshot else None)
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
