"""The archive's "dossier" part (issue 4, item 7): the dossier's steps with every version sent, and the
award decisions with their outcome per nominee. The units' history is rebuilt from the decisions."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from awards.models import Decision, DecisionLine, Dossier, DossierStep, HistoryEntry, Nomination
from blocs.archive import ExportRefs, ImportContext, register_section
from blocs.models import BlocYear, User
from emulation.kernel.archive import read_fields, read_key, read_list, read_object, read_refusal, values_of

SECTION = "dossier"
STEP_FIELDS = ("status", "at", "reason", "version")
DECISION_FIELDS = ("number", "issuer", "signed_on", "year")


def register() -> None:
    register_section(SECTION, dossier_export, dossier_import)


def _username(user: User | None) -> str | None:
    return user.username if user is not None else None


def dossier_export(bloc_year: BlocYear, refs: ExportRefs) -> dict[str, Any] | None:
    dossier = Dossier.objects.filter(bloc_year=bloc_year).first()
    if dossier is None:
        return None
    steps = [{**values_of(step, STEP_FIELDS), "actor": _username(step.actor), "snapshot": step.snapshot}
             for step in dossier.steps.select_related("actor").order_by("at", "pk")]
    decisions = []
    for decision in dossier.decisions.select_related("recorded_by").prefetch_related(
            "lines__nomination__award", "lines__nomination__unit"):
        lines = [{"award": refs.award(line.nomination.award), "unit": refs.unit(line.nomination.unit),
                  "is_awarded": line.is_awarded} for line in decision.lines.all()]
        decisions.append({**values_of(decision, DECISION_FIELDS), "recorded_by": _username(decision.recorded_by),
                          "lines": sorted(lines, key=itemgetter("award", "unit"))})
    return {"status": dossier.status, "steps": steps,
            "decisions": sorted(decisions, key=itemgetter("signed_on", "issuer", "number"))}


def _user(username: Any) -> User | None:
    return User.objects.filter(username=username).first() if isinstance(username, str) else None


def dossier_import(context: ImportContext, raw: Any) -> dict[str, int]:
    if raw is None:
        return {}
    data = read_object(raw, SECTION)
    status = read_key(data, "status", SECTION)
    if status not in Dossier.Status.values:
        raise read_refusal("status", SECTION, _("Unknown dossier status."))
    dossier = Dossier.objects.create(bloc_year=context.bloc_year, status=status)
    steps = read_list(read_key(data, "steps", SECTION), f"{SECTION}.steps")
    for i, raw_step in enumerate(steps):
        where = f"{SECTION}.steps[{i}]"
        fields = read_fields(DossierStep, raw_step, STEP_FIELDS, where)
        snapshot = read_key(raw_step, "snapshot", where)
        if snapshot is not None and not isinstance(snapshot, list):
            raise read_refusal("snapshot", where, _("A list is expected."))
        at = fields.pop("at")
        step = DossierStep.objects.create(dossier=dossier, actor=_user(read_key(raw_step, "actor", where)),
                                          snapshot=snapshot, **fields)
        DossierStep.objects.filter(pk=step.pk).update(at=at)  # keep the archived time, not the import's
    decisions = read_list(read_key(data, "decisions", SECTION), f"{SECTION}.decisions")
    for i, raw_decision in enumerate(decisions):
        _add_decision(context, dossier, raw_decision, f"{SECTION}.decisions[{i}]")
    return {"dossier_steps": len(steps), "decisions": len(decisions)}


def _add_decision(context: ImportContext, dossier: Dossier, raw: Any, where: str) -> None:
    fields = read_fields(Decision, raw, DECISION_FIELDS, where)
    if Decision.objects.filter(issuer=fields["issuer"], number=fields["number"], year=fields["year"]).exists():
        raise ValidationError(_("“%(where)s”: %(issuer)s already issued a decision numbered %(number)s in %(year)s.")
                              % {"where": where, **fields})
    decision = Decision.objects.create(dossier=dossier, recorded_by=_user(read_key(raw, "recorded_by", where)),
                                       **fields)
    for j, line in enumerate(read_list(read_key(raw, "lines", where), f"{where}.lines")):
        line_where = f"{where}.lines[{j}]"
        nomination = Nomination.objects.filter(
            bloc_year=context.bloc_year, status=Nomination.Status.PROPOSED,
            award__code=read_key(line, "award", line_where), unit__short_code=read_key(line, "unit", line_where),
        ).select_related("award", "unit").first()
        awarded = read_key(line, "is_awarded", line_where)
        if nomination is None or not isinstance(awarded, bool):
            raise ValidationError(_("“%(where)s” decides on a unit this dossier did not propose.")
                                  % {"where": line_where})
        DecisionLine.objects.create(decision=decision, nomination=nomination, is_awarded=awarded)
        if awarded:
            HistoryEntry.objects.get_or_create(
                unit=nomination.unit, year=context.bloc_year.year, award=nomination.award,
                defaults={"source": HistoryEntry.Source.DECISION,
                          "reference": f"{decision.number} ({decision.issuer})"})

