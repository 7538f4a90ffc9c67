"""Use cases of scoring (domain.md §1.3): the table, self-scores, cross-checks, verification, publication."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blocs import rules
from blocs.audit import audit
from blocs.messages import issue_texts
from blocs.models import (
    BlocYear,
    CheckAssignment,
    CheckValue,
    Evidence,
    Membership,
    Scorecard,
    ScoreLine,
    ScoringItem,
    ScoringTable,
    Unit,
    User,
)
from blocs.selectors import scorecard_get
from blocs.writable import ensure_writable

ITEM_FIELDS = ("kind", "group", "code", "text", "max_points", "evidence_required", "guidance", "order")
Entries = Mapping[int, tuple[Decimal | None, str]]  # item id -> (value, comment)


def _table_for_edit(table: ScoringTable) -> ScoringTable:
    table = ScoringTable.objects.select_for_update(of=("self",)).select_related("bloc_year").get(pk=table.pk)
    ensure_writable(table.bloc_year)
    if table.is_locked:
        raise ValidationError(_("The scoring table is locked: scoring has opened."))
    return table


@transaction.atomic
def scoring_table_ensure(*, actor: User | None, bloc_year: BlocYear) -> ScoringTable:
    """The year's table; a new one starts as a copy of last year's (issue 3, item 1)."""
    existing = ScoringTable.objects.filter(bloc_year=bloc_year).first()
    if existing is not None:
        return existing
    ensure_writable(bloc_year)
    table = ScoringTable.objects.create(bloc_year=bloc_year)
    previous = (ScoringTable.objects.filter(bloc_year__bloc=bloc_year.bloc_id, bloc_year__year__lt=bloc_year.year)
                .order_by("-bloc_year__year").first())
    if previous is not None:
        _copy_items(previous, table)
    audit(actor=actor, action="blocs.scoring_table.created", bloc_year=bloc_year, obj=table,
          changes={"copied_from": previous.bloc_year.year if previous else None,
                   "items": table.items.count()})
    return table


def _copy_items(source: ScoringTable, target: ScoringTable) -> None:
    target.max_total, target.bonus_cap, target.check_mode = source.max_total, source.bonus_cap, source.check_mode
    target.save(update_fields=["max_total", "bonus_cap", "check_mode"])
    ScoringItem.objects.bulk_create(
        ScoringItem(table=target, **{name: getattr(item, name) for name in ITEM_FIELDS})
        for item in source.items.all()
    )


@transaction.atomic
def scoring_table_settings(*, actor: User | None, table: ScoringTable, max_total: Decimal, bonus_cap: Decimal,
                           check_mode: str) -> ScoringTable:
    table = _table_for_edit(table)
    before = {"max_total": str(table.max_total), "bonus_cap": str(table.bonus_cap), "check_mode": table.check_mode}
    table.max_total, table.bonus_cap, table.check_mode = max_total, bonus_cap, check_mode
    table.save(update_fields=["max_total", "bonus_cap", "check_mode"])
    after = {"max_total": str(max_total), "bonus_cap": str(bonus_cap), "check_mode": check_mode}
    audit(actor=actor, action="blocs.scoring_table.updated", bloc_year=table.bloc_year, obj=table,
          changes={k: [before[k], v] for k, v in after.items() if before[k] != v})
    return table


@transaction.atomic
def scoring_items_replace(*, actor: User | None, table: ScoringTable, items: Sequence[dict[str, Any]]) -> int:
    """Replace every item of an unlocked table (the Excel import); all or nothing."""
    table = _table_for_edit(table)
    codes = [item["code"] for item in items]
    if len(set(codes)) != len(codes):
        raise ValidationError(_("Each code appears once in the table."))
    table.items.all().delete()
    ScoringItem.objects.bulk_create(ScoringItem(table=table, **item) for item in items)
    audit(actor=actor, action="blocs.scoring_table.imported", bloc_year=table.bloc_year, obj=table,
          changes={"items": len(items)})
    return len(items)


@transaction.atomic
def scoring_table_import(*, actor: User | None, bloc_year: BlocYear, items: Sequence[dict[str, Any]]) -> int:
    """The Excel import: the year's table, made if need be, with its lines replaced; a refused import
    leaves no new, empty table behind either."""
    table = scoring_table_ensure(actor=actor, bloc_year=bloc_year)
    return scoring_items_replace(actor=actor, table=table, items=items)


@transaction.atomic
def scoring_item_save(*, actor: User | None, table: ScoringTable, item: ScoringItem | None,
                      data: dict[str, Any]) -> ScoringItem:
    table = _table_for_edit(table)
    target = item or ScoringItem(table=table)
    if table.items.filter(code=data["code"]).exclude(pk=target.pk).exists():
        raise ValidationError({"code": _("The code %(code)s is already used in this table.") % data})
    before = {name: str(getattr(target, name)) for name in ITEM_FIELDS} if item else {}
    for key, value in data.items():
        setattr(target, key, value)
    target.save()
    after = {name: str(getattr(target, name)) for name in ITEM_FIELDS}
    audit(actor=actor, action="blocs.scoring_item.saved", bloc_year=table.bloc_year, obj=target,
          changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v})
    return target


@transaction.atomic
def scoring_item_delete(*, actor: User | None, item: ScoringItem) -> None:
    table = _table_for_edit(item.table)
    audit(actor=actor, action="blocs.scoring_item.deleted", bloc_year=table.bloc_year, obj=item,
          changes={"code": item.code, "text": item.text})
    item.delete()


def scoring_open(*, actor: User | None, bloc_year: BlocYear) -> ScoringTable:
    """Called when the year moves to scoring: lock the table and assign the cross-checks."""
    table = scoring_table_ensure(actor=actor, bloc_year=bloc_year)
    table.locked_at = timezone.now()
    table.save(update_fields=["locked_at"])
    memberships = list(bloc_year.memberships.order_by("unit__name"))
    members = [m.unit_id for m in memberships]
    leaders = ([m.unit_id for m in memberships if m.position == Membership.Position.HEAD]
               + [m.unit_id for m in memberships if m.position == Membership.Position.DEPUTY])
    pairs = rules.check_pairs(mode=table.check_mode, members=members, leaders=leaders)
    CheckAssignment.objects.filter(bloc_year=bloc_year).delete()
    CheckAssignment.objects.bulk_create(CheckAssignment(bloc_year=bloc_year, checker_id=a, checked_id=b)
                                        for a, b in pairs)
    audit(actor=actor, action="blocs.scoring.opened", bloc_year=bloc_year, obj=table,
          changes={"items": table.items.count(), "assignments": len(pairs), "check_mode": table.check_mode})
    return table


# --- Self-scores ------------------------------------------------------------------------------------------


def _scoring_year(bloc_year: BlocYear) -> BlocYear:
    bloc_year = BlocYear.objects.select_for_update(of=("self",)).select_related("bloc").get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    if bloc_year.status != BlocYear.Status.SCORING:
        raise ValidationError(_("Scores are entered while the year is at the scoring stage."))
    return bloc_year


def _check_values(items: Mapping[int, ScoringItem], entries: Entries) -> None:
    problems = []
    for item_id, (value, _comment) in entries.items():
        item = items.get(item_id)
        if item is None:
            raise ValidationError(_("An entry names a line that is not in the scoring table."))
        if value is not None:
            for text in issue_texts(rules.score_value_issues(value, max_points=item.max_points)):
                problems.append(f"{item.code}: {text}")
    if problems:
        raise ValidationError(problems)


def _scorable_items(bloc_year: BlocYear, entries: Entries) -> dict[int, ScoringItem]:
    """The year's lines that take a value (not the disqualifiers), by id, once every entry is checked
    against them."""
    items = {i.pk: i for i in ScoringItem.objects.filter(table__bloc_year=bloc_year).exclude(
        kind=ScoringItem.Kind.DISQUALIFIER)}
    _check_values(items, entries)
    return items


def _open_scorecard(bloc_year: BlocYear, unit: Unit) -> Scorecard:
    """The unit's scorecard, locked, while its self-scores may still change."""
    if not bloc_year.memberships.filter(unit=unit).exists():
        raise ValidationError(_("This unit is not a member of the bloc this year."))
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard_get(bloc_year, unit).pk)
    if scorecard.submitted_at:
        raise ValidationError(_("The self-scores have been submitted and are locked."))
    return scorecard


def _write_self_values(scorecard: Scorecard, entries: Mapping[int, tuple[Decimal | None, str | None]]) -> None:
    """Each line's self value, and its comment unless it is None (an import brings values only)."""
    lines = {line.item_id: line for line in scorecard.lines.all()}
    for item_id, (value, comment) in entries.items():
        line = lines.get(item_id) or ScoreLine(scorecard=scorecard, item_id=item_id)
        line.self_value = value
        if comment is not None:
            line.self_comment = comment
        line.save()


@transaction.atomic
def self_scores_save(*, actor: User | None, bloc_year: BlocYear, unit: Unit, entries: Entries,
                     on_behalf: bool = False) -> Scorecard:
    """Save a unit's self-scores and comments, criterion by criterion; refused once submitted. `on_behalf`:
    the secretariat types in what the unit sent on paper (issue 10, item 2)."""
    bloc_year = _scoring_year(bloc_year)
    scorecard = _open_scorecard(bloc_year, unit)
    items = _scorable_items(bloc_year, entries)
    _write_self_values(scorecard, entries)
    audit(actor=actor, action="blocs.self_scores.saved_on_behalf" if on_behalf else "blocs.self_scores.saved",
          bloc_year=bloc_year, obj=scorecard,
          changes={items[i].code: str(v) for i, (v, _c) in entries.items() if v is not None})
    return scorecard


@transaction.atomic
def evidence_add(*, actor: User, line: ScoreLine, upload: UploadedFile) -> Evidence:
    scorecard = Scorecard.objects.select_for_update().get(pk=line.scorecard_id)
    _scoring_year(scorecard.bloc_year)
    if scorecard.submitted_at:
        raise ValidationError(_("The self-scores have been submitted and are locked."))
    evidence = Evidence(line=line, uploaded_by=actor, name=upload.name[:200])
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    audit(actor=actor, action="blocs.evidence.added", bloc_year=scorecard.bloc_year, obj=scorecard,
          changes={"item": line.item.code, "file": evidence.name})
    return evidence


@transaction.atomic
def evidence_attach(*, actor: User, bloc_year: BlocYear, unit: Unit, item_id: int,
                    upload: UploadedFile) -> Evidence:
    """A unit's evidence for one line of the table. One transaction: a refused upload leaves no empty
    scorecard or line behind (a line would keep its item from being deleted while the table is set up)."""
    item = ScoringItem.objects.filter(table__bloc_year=bloc_year, pk=item_id).exclude(
        kind=ScoringItem.Kind.DISQUALIFIER).first()
    if item is None:
        raise ValidationError(_("An entry names a line that is not in the scoring table."))
    line, _created = scorecard_get(bloc_year, unit).lines.get_or_create(item=item)
    return evidence_add(actor=actor, line=line, upload=upload)


def _submit(scorecard: Scorecard, *, actor: User | None, received_on: dt.date | None) -> list[str]:
    """Lock a scorecard whose year is locked for scoring; the codes of the criteria whose evidence came on
    paper with self-scores entered on the unit's behalf."""
    if received_on is not None and received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The day the self-scores arrived cannot be in the future.")})
    lines = {line.item_id: line for line in scorecard.lines.prefetch_related("evidence")}
    missing, no_evidence = [], []
    for item in ScoringItem.objects.filter(table__bloc_year=scorecard.bloc_year, kind=ScoringItem.Kind.CRITERION):
        line = lines.get(item.pk)
        if line is None or line.self_value is None:
            missing.append(item.code)
        elif item.evidence_required and not line.evidence.all():
            no_evidence.append(item.code)
    # Self-scores sent on paper or in a file come with their evidence on paper, kept by the secretariat: the
    # submission records which criteria rest on it instead of asking for a file nobody has.
    paper_evidence, no_evidence = (no_evidence, []) if received_on is not None else ([], no_evidence)
    if missing or no_evidence:
        raise ValidationError([text for text in (
            _("Criteria without a score: %(codes)s.") % {"codes": ", ".join(missing)} if missing else "",
            _("Criteria that need evidence: %(codes)s.") % {"codes": ", ".join(no_evidence)} if no_evidence else "",
        ) if text])
    scorecard.submitted_at = timezone.now()
    scorecard.submitted_by = actor if actor is not None and actor.is_authenticated else None
    scorecard.is_on_behalf = received_on is not None
    scorecard.received_on = received_on
    scorecard.save(update_fields=["submitted_at", "submitted_by", "is_on_behalf", "received_on"])
    return paper_evidence


def _on_behalf_changes(received_on: dt.date, paper_evidence: list[str]) -> dict[str, Any]:
    return {"received_on": received_on.isoformat(),
            **({"evidence_on_paper": ", ".join(paper_evidence)} if paper_evidence else {})}


@transaction.atomic
def self_scores_submit(*, actor: User | None, scorecard: Scorecard, received_on: dt.date | None = None) -> Scorecard:
    """Submit and lock; every criterion needs a value, and evidence where the table requires it.

    `received_on`: the day the unit's self-scores arrived on paper or in a file, when the secretariat submits
    them on its behalf (issue 10, item 2); the scorecard is marked so, with who entered it."""
    scorecard = Scorecard.objects.select_for_update(of=("self",)).select_related("bloc_year").get(pk=scorecard.pk)
    _scoring_year(scorecard.bloc_year)
    if scorecard.submitted_at:
        raise ValidationError(_("The self-scores have been submitted and are locked."))
    paper_evidence = _submit(scorecard, actor=actor, received_on=received_on)
    if received_on is None:
        audit(actor=actor, action="blocs.self_scores.submitted", bloc_year=scorecard.bloc_year, obj=scorecard)
    else:
        audit(actor=actor, action="blocs.self_scores.submitted_on_behalf", bloc_year=scorecard.bloc_year,
              obj=scorecard, changes=_on_behalf_changes(received_on, paper_evidence))
    return scorecard


@transaction.atomic
def self_scores_import(*, actor: User | None, bloc_year: BlocYear, received_on: dt.date,
                       cards: Mapping[int, Mapping[int, Decimal | None]]) -> list[Scorecard]:
    """The self-score workbook (issue 10, item 2): each unit's values (unit id -> item id -> value) saved and
    submitted on its behalf, received on `received_on`. All or nothing: any refusal names its unit and
    nothing of any unit is kept."""
    bloc_year = _scoring_year(bloc_year)
    if not cards:
        raise ValidationError(_("The workbook has no unit to import."))
    units = {unit.pk: unit for unit in Unit.objects.filter(pk__in=list(cards), memberships__bloc_year=bloc_year)}
    done = []
    for unit_id, values in cards.items():
        unit = units.get(unit_id)
        if unit is None:
            raise ValidationError(_("This unit is not a member of the bloc this year."))
        entries = {item_id: (value, None) for item_id, value in values.items()}
        try:
            scorecard = _open_scorecard(bloc_year, unit)
            items = _scorable_items(bloc_year, entries)
            _write_self_values(scorecard, entries)
            paper_evidence = _submit(scorecard, actor=actor, received_on=received_on)
        except ValidationError as error:
            raise ValidationError([f"{unit.short_code or unit.name}: {text}" for text in error.messages]) from None
        audit(actor=actor, action="blocs.self_scores.imported", bloc_year=bloc_year, obj=scorecard,
              changes={**_on_behalf_changes(received_on, paper_evidence),
                       **{items[i].code: str(v) for i, v in values.items() if v is not None}})
        done.append(scorecard)
    return done


# --- Cross-checks and verification ------------------------------------------------------------------------


@transaction.atomic
def check_scores_save(*, actor: User | None, bloc_year: BlocYear, checker: Unit, checked: Unit,
                      entries: Entries) -> Scorecard:
    """A checker unit's values and comments for a unit it is assigned to (never itself)."""
    bloc_year = _scoring_year(bloc_year)
    if checker.pk == checked.pk or not CheckAssignment.objects.filter(
            bloc_year=bloc_year, checker=checker, checked=checked).exists():
        raise ValidationError(_("%(checker)s is not assigned to check %(checked)s.")
                              % {"checker": checker.name, "checked": checked.name})
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard_get(bloc_year, checked).pk)
    if not scorecard.submitted_at or scorecard.verified_at:
        raise ValidationError(_("A scorecard is checked after its unit submits it and before it is verified."))
    items = _scorable_items(bloc_year, entries)
    lines = {line.item_id: line for line in scorecard.lines.all()}
    for item_id, (value, comment) in entries.items():
        line = lines.get(item_id) or ScoreLine.objects.create(scorecard=scorecard, item_id=item_id)
        if value is None:
            CheckValue.objects.filter(line=line, checker=checker).delete()
        else:
            CheckValue.objects.update_or_create(line=line, checker=checker,
                                                defaults={"value": value, "comment": comment})
        line.checked_value = rules.mean_check([c.value for c in line.checks.all()])
        line.save(update_fields=["checked_value"])
    scorecard.checked_at = timezone.now()
    scorecard.save(update_fields=["checked_at"])
    audit(actor=actor, action="blocs.check_scores.saved", bloc_year=bloc_year, obj=scorecard,
          changes={"checker": checker.name, **{items[i].code: str(v) for i, (v, _c) in entries.items()}})
    return scorecard


@transaction.atomic
def scorecard_verify(*, actor: User | None, scorecard: Scorecard, entries: Entries,
                     disqualifier: ScoringItem | None = None, disqualification_note: str = "") -> Scorecard:
    """The secretariat settles the final values (notes record disputes) and the total is computed."""
    scorecard = Scorecard.objects.select_for_update(of=("self",)).select_related("bloc_year__scoring_table").get(
        pk=scorecard.pk)
    bloc_year = _scoring_year(scorecard.bloc_year)
    table = bloc_year.scoring_table
    if not scorecard.submitted_at:
        raise ValidationError(_("The unit has not submitted its self-scores yet."))
    if disqualifier is not None and (disqualifier.table_id != table.pk
                                     or disqualifier.kind != ScoringItem.Kind.DISQUALIFIER):
        raise ValidationError(_("Choose a disqualifier from this year's table."))
    if disqualifier is not None and not disqualification_note.strip():
        raise ValidationError(_("Say why the unit is disqualified."))
    items = _scorable_items(bloc_year, entries)
    lines = {line.item_id: line for line in scorecard.lines.all()}
    for item_id, (value, note) in entries.items():
        line = lines.get(item_id) or ScoreLine.objects.create(scorecard=scorecard, item_id=item_id)
        line.final_value, line.final_note = value, note
        line.save(update_fields=["final_value", "final_note"])
        lines[item_id] = line
    values = [rules.LineValues(items[line.item_id].kind, line.self_value, line.checked_value, line.final_value)
              for line in lines.values() if line.item_id in items]
    scorecard.final_total = rules.final_score(values, bonus_cap=table.bonus_cap, max_total=table.max_total)
    scorecard.disqualifier = disqualifier
    scorecard.disqualification_note = disqualification_note.strip()
    scorecard.verified_at = timezone.now()
    scorecard.save(update_fields=["final_total", "disqualifier", "disqualification_note", "verified_at"])
    audit(actor=actor, action="blocs.scorecard.verified", bloc_year=bloc_year, obj=scorecard,
          changes={"final_total": str(scorecard.final_total),
                   "disqualified": disqualifier.code if disqualifier else None,
                   **{f"{items[i].code}": [str(v), n] for i, (v, n) in entries.items() if n}})
    return scorecard


@transaction.atomic
def scores_publish(*, actor: User | None, bloc_year: BlocYear) -> ScoringTable:
    """Publish the score table to members before the meeting; every member's card must be verified."""
    bloc_year = _scoring_year(bloc_year)
    table = ScoringTable.objects.select_for_update().get(bloc_year=bloc_year)
    members = set(bloc_year.memberships.values_list("unit_id", flat=True))
    verified = set(Scorecard.objects.filter(bloc_year=bloc_year, verified_at__isnull=False)
                   .values_list("unit_id", flat=True))
    if members - verified:
        raise ValidationError(_("%(n)s units have no verified score yet.") % {"n": len(members - verified)})
    table.published_at = timezone.now()
    table.save(update_fields=["published_at"])
    audit(actor=actor, action="blocs.scores.published", bloc_year=bloc_year, obj=table)
    return table
