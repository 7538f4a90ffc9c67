"""Use cases of the year-end vote: rule set, meeting, rounds, casting, paper entry, closing (domain.md §3).

Each function: keyword-only arguments, one transaction, `select_for_update()` on the round before
checking a limit, the rules from awards/rules.py, one audit entry. The audit says that a unit voted,
never what.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from awards import ballot_box, rules
from awards.messages import issue_texts
from awards.models import (
    Attendance,
    Ballot,
    BallotBoxKey,
    Candidate,
    CategoryRule,
    Condition,
    Meeting,
    PaperCount,
    PaperEntry,
    Round,
    RuleSet,
    SealedBallot,
    Turnout,
)
from awards.nominations import eligibility_report, nominations_from_round, runoff_seats
from awards.results import Result, elected_of, result_of
from blocs.audit import audit
from blocs.models import AuditEntry, Award, BlocYear, Scorecard, Unit, User
from blocs.rules import vietnamese_key
from blocs.writable import ensure_writable

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a meeting room

# The standard proposals of a bloc (domain.md §2): Government flag 1, provincial flag 1, certificate 3.
DEFAULT_CATEGORIES = [("co-thi-dua-chinh-phu", 1), ("co-thi-dua-ubnd-tinh", 1), ("bang-khen-chu-tich-ubnd-tinh", 3)]


def _raise(issues: list[rules.Issue]) -> None:
    if issues:
        raise ValidationError(issue_texts(issues))


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))


# --- Rule set and meeting -------------------------------------------------------------------------------


def current_rule_set(bloc_year: BlocYear) -> RuleSet | None:
    return bloc_year.rule_sets.order_by("-version").first()


@transaction.atomic
def rule_set_ensure(*, actor: User | None, bloc_year: BlocYear) -> RuleSet:
    """The year's current rules: copied from last year's, or the defaults of domain.md §3."""
    existing = current_rule_set(bloc_year)
    if existing is not None:
        return existing
    previous = (RuleSet.objects.filter(bloc_year__bloc=bloc_year.bloc_id, bloc_year__year__lt=bloc_year.year)
                .order_by("-bloc_year__year", "-version").first())
    if previous is not None:
        rule_set = rule_set_copy(previous, bloc_year=bloc_year, version=1, note=_("Copied from %(year)s")
                                 % {"year": previous.bloc_year.year})
    else:
        rule_set = RuleSet.objects.create(bloc_year=bloc_year, version=1, note=_("Defaults"))
        awards = {a.code: a for a in Award.objects.filter(code__in=[code for code, _q in DEFAULT_CATEGORIES])}
        for code, quota in DEFAULT_CATEGORIES:
            if code in awards:
                CategoryRule.objects.create(rule_set=rule_set, award=awards[code], quota_count=quota)
    audit(actor=actor, action="awards.rule_set.created", bloc_year=bloc_year, obj=rule_set,
          changes={"version": rule_set.version, "note": rule_set.note})
    return rule_set


def rule_set_copy(source: RuleSet, *, bloc_year: BlocYear, version: int, note: str) -> RuleSet:
    fields = {f.name: getattr(source, f.name) for f in RuleSet._meta.concrete_fields
              if f.name not in ("id", "bloc_year", "version", "created_at", "note")}
    copy = RuleSet.objects.create(bloc_year=bloc_year, version=version, note=note, **fields)
    for category in source.categories.prefetch_related("conditions"):
        new = CategoryRule.objects.create(rule_set=copy, award_id=category.award_id, quota_count=category.quota_count,
                                          quota_percent=category.quota_percent, rounding=category.rounding)
        Condition.objects.bulk_create(Condition(category=new, kind=c.kind, number=c.number, award_id=c.award_id,
                                                rating=c.rating) for c in category.conditions.all())
    return copy


@transaction.atomic
def meeting_save(*, actor: User | None, bloc_year: BlocYear, data: dict[str, Any],
                 present: Sequence[Unit], absent_reasons: dict[int, str] | None = None,
                 committee: Sequence[tuple[str, Unit | None]] = ()) -> Meeting:
    """Record the meeting, its attendance and the counting committee (first named is its head)."""
    bloc_year = BlocYear.objects.select_for_update().get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    if bloc_year.rounds.filter(status__in=[Round.Status.OPEN, Round.Status.CLOSED]).exists():
        raise ValidationError(_("Attendance cannot change once a round has been opened."))
    meeting, _created = Meeting.objects.update_or_create(bloc_year=bloc_year, defaults=data)
    members = list(Unit.objects.filter(memberships__bloc_year=bloc_year))
    present_ids = {unit.pk for unit in present}
    meeting.attendance.all().delete()
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, unit=unit, is_present=unit.pk in present_ids,
                   absence_reason="" if unit.pk in present_ids else (absent_reasons or {}).get(unit.pk, ""))
        for unit in members
    )
    meeting.committee.all().delete()
    for order, (name, unit) in enumerate(committee):
        meeting.committee.create(name=name, unit=unit, is_head=order == 0, order=order)
    audit(actor=actor, action="awards.meeting.saved", bloc_year=bloc_year, obj=meeting,
          changes={"held_on": str(meeting.held_on), "place": meeting.place, "present": len(present_ids),
                   "members": len(members), "committee": [name for name, _u in committee]})
    return meeting


# --- Rounds ---------------------------------------------------------------------------------------------


def _round_settings(rule_set: RuleSet) -> dict[str, Any]:
    return {"pass_numerator": rule_set.pass_numerator, "pass_denominator": rule_set.pass_denominator,
            "comparator": rule_set.comparator, "base": rule_set.base, "voters": rule_set.voters,
            "allow_self": rule_set.allow_self, "quorum_numerator": rule_set.quorum_numerator,
            "quorum_denominator": rule_set.quorum_denominator}


@transaction.atomic
def rounds_generate(*, actor: User | None, bloc_year: BlocYear) -> list[Round]:
    """One round per award category (highest first), then next year's head, then its deputies when the
    rule set elects any (`RuleSet.deputies` seats)."""
    bloc_year = BlocYear.objects.select_for_update().get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    if bloc_year.rounds.exists():
        raise ValidationError(_("The rounds of this year have already been created."))
    rule_set = rule_set_ensure(actor=actor, bloc_year=bloc_year)
    members = bloc_year.memberships.count()
    created = []
    for order, category in enumerate(rule_set.categories.select_related("award").order_by("award__order"), 1):
        quota = category.quota_for(members)
        created.append(Round.objects.create(
            bloc_year=bloc_year, rule_set=rule_set, kind=Round.Kind.AWARD, award=category.award, order=order,
            title=_("Proposal for %(award)s %(year)s") % {"award": category.award.name, "year": bloc_year.year},
            quota=quota, max_choices=max(quota, 1), **_round_settings(rule_set)))
    next_year = bloc_year.year + 1
    created.append(Round.objects.create(
        bloc_year=bloc_year, rule_set=rule_set, kind=Round.Kind.HEAD, order=len(created) + 1, quota=1,
        max_choices=1, title=_("Election of the head unit for %(year)s") % {"year": next_year},
        **_round_settings(rule_set)))
    if rule_set.deputies > 0:  # how many deputies the meeting elects is a rule of the year; 0: none
        created.append(Round.objects.create(
            bloc_year=bloc_year, rule_set=rule_set, kind=Round.Kind.DEPUTY, order=len(created) + 1,
            quota=rule_set.deputies, max_choices=rule_set.deputies,
            title=_("Election of the deputy units for %(year)s") % {"year": next_year}, **_round_settings(rule_set)))
    audit(actor=actor, action="awards.rounds.generated", bloc_year=bloc_year, obj=bloc_year,
          changes={"rounds": [r.title for r in created], "rule_set": rule_set.version})
    return created


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


def _lock_round(round_: Round, *, status: str | None = None) -> Round:
    if connection.vendor == "sqlite":  # no row locks: a write takes the database's lock for the transaction
        Round.objects.filter(pk=round_.pk).update(status=F("status"))
    locked = Round.objects.select_for_update(of=("self",)).select_related("bloc_year__bloc", "award", "rule_set").get(
        pk=round_.pk)
    ensure_writable(locked.bloc_year)
    if status is not None and locked.status != status:
        raise ValidationError({
            Round.Status.DRAFT: _("This round has already been opened."),
            Round.Status.OPEN: _("This round is not open for voting."),
            Round.Status.CLOSED: _("This round is not closed yet."),
        }[status])
    return locked


@transaction.atomic
def candidates_fill(*, actor: User | None, round_: Round) -> list[Candidate]:
    """Generate the candidate list from the rules; replaces a draft list."""
    round_ = _lock_round(round_, status=Round.Status.DRAFT)
    round_.candidates.all().delete()
    names = dict(Unit.objects.filter(pk__in=candidate_units(round_)).values_list("pk", "name"))
    units = sorted(names, key=lambda pk: vietnamese_key(names[pk]))  # the order of the paper ballot
    created = Candidate.objects.bulk_create(Candidate(round=round_, unit_id=u, order=i) for i, u in enumerate(units))
    audit(actor=actor, action="awards.candidates.generated", bloc_year=round_.bloc_year, obj=round_,
          changes={"candidates": len(units)})
    return created


@transaction.atomic
def candidate_adjust(*, actor: User | None, round_: Round, unit: Unit, add: bool, reason: str) -> Round:
    """The secretariat may add or remove a candidate only with a recorded reason."""
    round_ = _lock_round(round_, status=Round.Status.DRAFT)
    if not reason.strip():
        raise ValidationError(_("Give the reason for changing the candidate list."))
    if not round_.bloc_year.memberships.filter(unit=unit).exists():
        raise ValidationError(_("%(unit)s is not a member of the bloc this year.") % {"unit": unit.name})
    if add and round_.runoff_of_id is not None and unit.pk not in runoff_seats(round_)[0]:
        raise ValidationError(_("A runoff is held only among the units tied in the round it settles; "
                                "%(unit)s was not one of them.") % {"unit": unit.name})
    if add:
        Candidate.objects.get_or_create(round=round_, unit=unit, defaults={"order": round_.candidates.count()})
        ordered = sorted(round_.candidates.select_related("unit"), key=lambda c: vietnamese_key(c.unit.name))
        for index, candidate in enumerate(ordered):
            Candidate.objects.filter(pk=candidate.pk).update(order=index)
    else:
        round_.candidates.filter(unit=unit).delete()
    audit(actor=actor, action="awards.candidate.added" if add else "awards.candidate.removed",
          bloc_year=round_.bloc_year, obj=round_, changes={"unit": unit.name, "reason": reason.strip()})
    return round_


@transaction.atomic
def round_settings_update(*, actor: User | None, round_: Round, data: dict[str, Any]) -> Round:
    round_ = _lock_round(round_, status=Round.Status.DRAFT)
    mark = rules.PassMark(Fraction(data["pass_numerator"], data["pass_denominator"] or 1),
                          data["comparator"], data["base"])
    members = round_.bloc_year.memberships.count()
    _raise(rules.pass_mark_issues(mark) + rules.quota_issues(count=data["quota"], percent=None, members=members))
    if data["max_choices"] < 1:
        raise ValidationError(_("A ballot allows at least one choice."))
    if round_.runoff_of_id is not None and data["quota"] != round_.quota:
        raise ValidationError(_("A runoff fills only the %(n)s seats its round left.") % {"n": round_.quota})
    before = {key: getattr(round_, key) for key in data}
    for key, value in data.items():
        setattr(round_, key, value)
    round_.save()
    audit(actor=actor, action="awards.round.settings_changed", bloc_year=round_.bloc_year, obj=round_,
          changes={k: [before[k], v] for k, v in data.items() if before[k] != v})
    return round_


@transaction.atomic
def ballot_box_open(*, actor: User | None, bloc_year: BlocYear, passphrase: str | None = None) -> str:
    """Make the meeting's key for sealed online ballots and return the counting committee's passphrase.

    The passphrase is generated here (only the demo passes its published one), returned once to be written
    down, and never stored: without it the online ballots of a round cannot be counted (docs/secrecy.md).
    A new one replaces the old only while no open round holds ballots sealed under the old one.
    """
    bloc_year = BlocYear.objects.select_for_update().get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    meeting = Meeting.objects.filter(bloc_year=bloc_year).first()
    if meeting is None:
        raise ValidationError(_("Record the meeting and its attendance before opening a round."))
    if bloc_year.rounds.filter(status=Round.Status.OPEN, box_public_key__isnull=False).exists():
        raise ValidationError(_("A round is open under the current passphrase: close it before making a new one."))
    passphrase = passphrase or ballot_box.new_passphrase()
    key = ballot_box.meeting_key_create(passphrase, cost=settings.BALLOT_BOX_KDF)
    _box, created = BallotBoxKey.objects.update_or_create(meeting=meeting, defaults={
        "public_key": key.public_key, "wrapped_private_key": key.wrapped_private_key, "salt": key.salt,
        "opslimit": key.opslimit, "memlimit": key.memlimit})
    audit(actor=actor, action="awards.ballot_box.opened", bloc_year=bloc_year, obj=meeting,
          changes={"replaced": not created})
    return passphrase


@transaction.atomic
def ballot_box_reseal(*, actor: User | None, bloc_year: BlocYear, passphrase: str | None = None) -> str:
    """Give the meeting a passphrase and seal the online ballots of its open rounds under it: for a year
    brought in from an archive while a round was open (the demo) or a round opened before sealed ballots
    existed. Returns the passphrase."""
    passphrase = ballot_box_open(actor=actor, bloc_year=bloc_year, passphrase=passphrase)
    box = BallotBoxKey.objects.get(meeting__bloc_year=bloc_year)
    for round_ in bloc_year.rounds.filter(status=Round.Status.OPEN, box_public_key__isnull=True, is_paper_only=False):
        round_.box_public_key, round_.box_private_key = ballot_box.round_key_create(bytes(box.public_key))
        round_.save(update_fields=["box_public_key", "box_private_key"])
        candidates = sorted(round_.candidates.values_list("unit_id", flat=True))
        plain = list(round_.ballots.filter(source=Ballot.Source.ONLINE).values_list("receipt", "choices"))
        secrets.SystemRandom().shuffle(plain)
        SealedBallot.objects.bulk_create(SealedBallot(round=round_, box=ballot_box.seal(
            bytes(round_.box_public_key), receipt=receipt, choices=choices,
            size=ballot_box.box_size(candidates, len(receipt)))) for receipt, choices in plain)
        round_.ballots.filter(source=Ballot.Source.ONLINE).delete()
    return passphrase


@transaction.atomic
def round_open_with_box(*, actor: User | None, round_: Round) -> str | None:
    """Open a round; at the meeting's first opening make its ballot box too and return the passphrase."""
    passphrase = None
    if not BallotBoxKey.objects.filter(meeting__bloc_year=round_.bloc_year_id).exists():
        passphrase = ballot_box_open(actor=actor, bloc_year=round_.bloc_year)
    round_open(actor=actor, round_=round_)
    return passphrase


@transaction.atomic
def round_open(*, actor: User | None, round_: Round) -> Round:
    round_ = _lock_round(round_, status=Round.Status.DRAFT)
    bloc_year = round_.bloc_year
    if bloc_year.status != BlocYear.Status.MEETING:
        raise ValidationError(_("Rounds are opened during the year-end meeting."))
    box = BallotBoxKey.objects.filter(meeting__bloc_year=bloc_year).first()
    if box is None:
        raise ValidationError(_("Record the meeting and give the counting committee its passphrase before "
                                "opening a round."))
    present, members = len(_present_units(bloc_year)), bloc_year.memberships.count()
    if not rules.quorum_met(present=present, members=members, quorum=round_.quorum):
        raise ValidationError(_("The quorum is not met: %(present)s of %(members)s member units are present and "
                                "the rules ask for at least %(needed)s. A round opened now would elect nobody.")
                              % {"present": present, "members": members, "needed": math.ceil(round_.quorum * members)})
    if round_.runoff_of_id is None and not _candidates_adjusted(round_):
        # Regenerate: a higher round may have closed since the list was drafted (one award per unit). A
        # runoff keeps exactly the tied units it was created with.
        candidates_fill(actor=actor, round_=round_)
    if not round_.candidates.exists():
        raise ValidationError(_("This round has no candidate."))
    round_.status = Round.Status.OPEN
    round_.opened_at = timezone.now()
    round_.box_public_key, round_.box_private_key = ballot_box.round_key_create(bytes(box.public_key))
    round_.save(update_fields=["status", "opened_at", "box_public_key", "box_private_key"])
    audit(actor=actor, action="awards.round.opened", bloc_year=round_.bloc_year, obj=round_,
          changes={"candidates": round_.candidates.count(), "quota": round_.quota,
                   "pass_mark": round_.pass_mark.describe()})
    return round_


def _candidates_adjusted(round_: Round) -> bool:
    """A list the secretariat changed by hand (with reasons) is kept as it is."""
    return AuditEntry.objects.filter(object_type="awards.round", object_id=str(round_.pk),
                                     action__in=["awards.candidate.added", "awards.candidate.removed"]).exists()


# --- Casting and paper entry ------------------------------------------------------------------------------


def _present_units(bloc_year: BlocYear) -> set[int]:
    return set(Attendance.objects.filter(meeting__bloc_year=bloc_year, is_present=True)
               .values_list("unit_id", flat=True))


@dataclass(frozen=True)
class CastReceipt:
    """What the voter is shown once: the receipt code that finds the ballot in the published list."""

    receipt: str
    choices: tuple[int, ...]


def ballot_cast(*, actor: User, round_: Round, unit: Unit, choices: Sequence[int]) -> CastReceipt:
    """Cast one unit's online ballot, sealed until the close, and return its receipt.

    The turnout row and the sealed ballot are written in one transaction; the unique turnout constraint makes
    a second ballot of the same unit fail even when two representatives submit at the same instant. The
    round is read under a shared lock, so a cast either commits before the close counts it or sees the
    round closed.
    """
    try:
        with transaction.atomic():
            return _ballot_cast(actor=actor, round_=round_, unit=unit, choices=choices)
    except IntegrityError as error:
        raise ValidationError(_("%(unit)s has already voted in this round.") % {"unit": unit.name}) from error
    except OperationalError as error:  # SQLite's writer lock under a burst: nothing was stored
        raise ValidationError(_("The server is busy; your ballot was not stored. Please cast it again.")) from error


def _lock_round_shared(round_: Round) -> Round:
    """The round, locked against the close but not against other voters (PostgreSQL FOR SHARE; SQLite
    serialises writers by itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {Round._meta.db_table} WHERE id = %s FOR SHARE", [round_.pk])  # noqa: S608
    return Round.objects.select_related("bloc_year").get(pk=round_.pk)


def _ballot_cast(*, actor: User, round_: Round, unit: Unit, choices: Sequence[int]) -> CastReceipt:
    round_ = _lock_round_shared(round_)
    if round_.status != Round.Status.OPEN:
        raise ValidationError(_("This round is not open for voting."))
    if round_.is_paper_only or round_.box_public_key is None:
        raise ValidationError(_("This round takes paper ballots only."))
    if unit.pk not in _present_units(round_.bloc_year):
        raise ValidationError(_("%(unit)s is not recorded as present at the meeting.") % {"unit": unit.name})
    delegate = actor if round_.voters == "delegate" else None
    if Turnout.objects.filter(round=round_, unit=unit, voter=delegate).exists():
        raise ValidationError(_("%(unit)s has already voted in this round.") % {"unit": unit.name})
    candidates = sorted(round_.candidates.values_list("unit_id", flat=True))
    _raise(rules.cast_issues(list(choices), candidates=set(candidates), max_choices=round_.max_choices,
                             voter=unit.pk, allow_self=round_.allow_self))
    Turnout.objects.create(round=round_, unit=unit, voter=delegate)
    receipt, chosen = new_receipt(), tuple(sorted(set(choices)))
    SealedBallot.objects.create(round=round_, box=ballot_box.seal(
        bytes(round_.box_public_key), receipt=receipt, choices=chosen,
        size=ballot_box.box_size(candidates, len(receipt))))
    # The trail records that the unit voted, never the ballot or its receipt.
    audit(actor=actor, action="awards.ballot.cast", bloc_year=round_.bloc_year, obj=round_,
          changes={"unit": unit.name})
    return CastReceipt(receipt=receipt, choices=chosen)


def _paper_ballot(round_: Round, choices: Sequence[int], invalid_reason: str) -> Ballot:
    candidates = set(round_.candidates.values_list("unit_id", flat=True))
    reason = invalid_reason or rules.ballot_problem(choices, candidates=candidates, max_choices=round_.max_choices)
    return Ballot.objects.create(round=round_, receipt=new_receipt(), source=Ballot.Source.PAPER,
                                 choices=sorted(set(choices)) if not reason else [], invalid_reason=reason or "")


@transaction.atomic
def paper_ballot_enter(*, actor: User, round_: Round, choices: Sequence[int], invalid_reason: str = "",
                       clerk: str = "") -> Ballot | PaperEntry:
    """Enter one paper ballot (its choices, or invalid with the reason). With two-person entry each
    clerk's entries wait for reconciliation."""
    round_ = _lock_round(round_, status=Round.Status.OPEN)
    if hasattr(round_, "paper_count"):
        raise ValidationError(_("This round's paper ballots were entered as counts."))
    if round_.two_person_entry:
        if clerk not in ("A", "B"):
            raise ValidationError(_("Say whether this is entry A or entry B."))
        entry = PaperEntry.objects.create(round=round_, clerk=clerk, entered_by=actor, choices=sorted(set(choices)),
                                          invalid_reason=invalid_reason)
        audit(actor=actor, action="awards.paper.entered", bloc_year=round_.bloc_year, obj=round_,
              changes={"clerk": clerk})
        return entry
    ballot = _paper_ballot(round_, choices, invalid_reason)
    audit(actor=actor, action="awards.paper.entered", bloc_year=round_.bloc_year, obj=round_,
          changes={"valid": ballot.is_valid})
    return ballot


def _entry_key(entry: PaperEntry) -> tuple:
    return (tuple(entry.choices) if not entry.invalid_reason else (), entry.invalid_reason)


def reconcile_differences(round_: Round) -> tuple[list[tuple], list[tuple]]:
    """The ballots entered by A but not B, and by B but not A (as multisets)."""
    from collections import Counter

    a = Counter(_entry_key(e) for e in round_.paper_entries.filter(clerk="A"))
    b = Counter(_entry_key(e) for e in round_.paper_entries.filter(clerk="B"))
    return sorted((a - b).elements()), sorted((b - a).elements())


@transaction.atomic
def paper_entries_reconcile(*, actor: User, round_: Round) -> list[Ballot]:
    """Turn two matching sets of entries into ballots; refuse while they differ."""
    round_ = _lock_round(round_, status=Round.Status.OPEN)
    only_a, only_b = reconcile_differences(round_)
    if only_a or only_b:
        raise ValidationError(_("Entries A and B differ in %(n)s ballots; check the papers again.")
                              % {"n": len(only_a) + len(only_b)})
    entries = list(round_.paper_entries.filter(clerk="A"))
    ballots = [_paper_ballot(round_, e.choices, e.invalid_reason) for e in entries]
    round_.paper_entries.all().delete()
    audit(actor=actor, action="awards.paper.reconciled", bloc_year=round_.bloc_year, obj=round_,
          changes={"ballots": len(ballots)})
    return ballots


@transaction.atomic
def paper_count_set(*, actor: User, round_: Round, returned: int, valid: int, votes: dict[int, int]) -> PaperCount:
    """Where only counts were kept: returned, valid and votes per candidate."""
    round_ = _lock_round(round_, status=Round.Status.OPEN)
    if round_.ballots.filter(source=Ballot.Source.PAPER).exists():
        raise ValidationError(_("Paper ballots were already entered one by one in this round."))
    candidates = set(round_.candidates.values_list("unit_id", flat=True))
    if valid > returned or any(v < 0 for v in votes.values()) or set(votes) - candidates:
        raise ValidationError(_("The counts do not add up: valid ≤ returned, votes only for candidates."))
    if any(v > valid for v in votes.values()) or sum(votes.values()) > valid * round_.max_choices:
        raise ValidationError(_("A candidate cannot have more votes than there are valid ballots."))
    count, _created = PaperCount.objects.update_or_create(
        round=round_, defaults={"returned": returned, "valid": valid, "votes": {str(k): v for k, v in votes.items()}})
    audit(actor=actor, action="awards.paper.counted", bloc_year=round_.bloc_year, obj=round_,
          changes={"returned": returned, "valid": valid})
    return count


# --- Closing -------------------------------------------------------------------------------------------------


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
    present = len(_present_units(bloc_year))
    members = bloc_year.memberships.count()
    issued = ballots_issued if ballots_issued is not None else (round_.ballots_issued or max(present, returned))
    return rules.Counts(members=members, present=present, issued=issued, returned=returned, valid=n_valid), votes


def _ballots_unseal(round_: Round, passphrase: str | None) -> int:
    """Open the round's sealed ballots with the committee's passphrase and write them as plain ballots, in
    random order with fresh random ids, in the close's transaction; then delete the sealed rows."""
    boxes = [bytes(box) for box in round_.sealed_ballots.values_list("box", flat=True)]
    if not boxes:
        return 0
    if not (passphrase or "").strip():
        raise ValidationError(_("Type the counting committee's passphrase to open the %(n)s online ballots.")
                              % {"n": len(boxes)})
    stored = BallotBoxKey.objects.get(meeting__bloc_year=round_.bloc_year)
    key = ballot_box.MeetingKey(bytes(stored.public_key), bytes(stored.wrapped_private_key), bytes(stored.salt),
                                stored.opslimit, stored.memlimit)
    try:
        meeting_private = ballot_box.meeting_key_open(passphrase or "", key)
    except ballot_box.WrongPassphrase as error:
        raise ValidationError(_("This passphrase does not open the ballot box. Check it against the copy the "
                                "counting committee wrote down.")) from error
    private = ballot_box.round_key_open(meeting_private, bytes(round_.box_private_key))
    opened = [ballot_box.unseal(private, box) for box in boxes]
    secrets.SystemRandom().shuffle(opened)
    Ballot.objects.bulk_create(
        Ballot(round=round_, receipt=receipt, source=Ballot.Source.ONLINE, choices=choices,
               invalid_reason="" if choices else Ballot.Invalid.BLANK) for receipt, choices in opened)
    round_.sealed_ballots.all().delete()
    return len(opened)


@transaction.atomic
def round_sealed_discard(*, actor: User | None, round_: Round, reason: str) -> Round:
    """The passphrase is lost: the round's online ballots cannot be opened by anyone. They are discarded
    with the turnout, and the round goes on with paper ballots only (docs/secrecy.md, "A lost passphrase")."""
    round_ = _lock_round(round_, status=Round.Status.OPEN)
    if not reason.strip():
        raise ValidationError(_("Give the reason for discarding the online ballots."))
    discarded = round_.sealed_ballots.count()
    round_.sealed_ballots.all().delete()
    round_.turnout.all().delete()
    round_.is_paper_only = True
    round_.box_public_key = round_.box_private_key = None
    round_.save(update_fields=["is_paper_only", "box_public_key", "box_private_key"])
    audit(actor=actor, action="awards.round.online_discarded", bloc_year=round_.bloc_year, obj=round_,
          changes={"discarded": discarded, "reason": reason.strip()})
    return round_


@transaction.atomic
def round_close(*, actor: User | None, round_: Round, ballots_issued: int | None = None,
                passphrase: str | None = None) -> Round:
    """Close, open the sealed ballots, count and rank; the round's key is forgotten. A tie still level after
    final scores opens a runoff round (draft). Casts in flight finish before the close takes its lock."""
    round_ = _lock_round(round_, status=Round.Status.OPEN)
    if round_.paper_entries.exists():
        raise ValidationError(_("Reconcile the two paper entries before closing the round."))
    _ballots_unseal(round_, passphrase)
    round_.box_public_key = round_.box_private_key = None
    counts, votes = round_counts(round_, ballots_issued=ballots_issued)
    _raise(rules.count_issues(counts))
    reasons = eligibility_report(round_, list(votes))
    result = rules.tally(votes=votes, counts=counts, mark=round_.pass_mark, quota=round_.quota,
                         quorum=round_.quorum, scores=final_scores(round_.bloc_year),
                         ineligible={unit for unit, why in reasons.items() if why})
    round_.status = Round.Status.CLOSED
    round_.closed_at = timezone.now()
    round_.ballots_issued = counts.issued
    stored = Result.from_tally(result, rule_set_version=round_.rule_set.version, reasons=reasons)
    round_.result = stored.to_json()
    round_.save(update_fields=["status", "closed_at", "ballots_issued", "result", "box_public_key",
                               "box_private_key"])
    if result.runoff:
        _runoff_create(round_, result)
    if round_.kind == Round.Kind.AWARD:
        nominations_from_round(round_, stored)
    audit(actor=actor, action="awards.round.closed", bloc_year=round_.bloc_year, obj=round_,
          changes={"returned": counts.returned, "valid": counts.valid, "elected": len(result.elected),
                   "runoff": len(result.runoff)})
    return round_


def _runoff_create(round_: Round, result: rules.Tally) -> Round:
    fields = {f.name: getattr(round_, f.name) for f in Round._meta.concrete_fields
              if f.name not in ("id", "status", "opened_at", "closed_at", "ballots_issued", "result", "title",
                                "runoff_of", "quota", "max_choices", "order")}
    runoff = Round.objects.create(**fields, runoff_of=round_, order=round_.order, quota=result.runoff_seats,
                                  max_choices=result.runoff_seats,
                                  title=_("Runoff: %(title)s") % {"title": round_.title})
    names = dict(Unit.objects.filter(pk__in=result.runoff).values_list("pk", "name"))
    Candidate.objects.bulk_create(Candidate(round=runoff, unit_id=u, order=i)
                                  for i, u in enumerate(sorted(names, key=lambda pk: vietnamese_key(names[pk]))))
    return runoff


@transaction.atomic
def rule_set_revise(*, actor: User | None, bloc_year: BlocYear, changes: dict[str, Any], note: str,
                    categories: Sequence[dict[str, Any]] | None = None) -> RuleSet:
    """A change of rules is a new version; rounds keep the version they were made under."""
    bloc_year = BlocYear.objects.select_for_update().get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    current = rule_set_ensure(actor=actor, bloc_year=bloc_year)
    mark = rules.PassMark(Fraction(changes.get("pass_numerator", current.pass_numerator),
                                   changes.get("pass_denominator", current.pass_denominator) or 1),
                          changes.get("comparator", current.comparator), changes.get("base", current.base))
    members = bloc_year.memberships.count()
    issues = rules.pass_mark_issues(mark) + rules.deputies_issues(changes.get("deputies", current.deputies))
    for category in categories or []:
        percent = Fraction(category["quota_percent"]) if category.get("quota_percent") is not None else None
        issues += rules.quota_issues(count=category.get("quota_count"), percent=percent, members=members)
    _raise(issues)
    revised = rule_set_copy(current, bloc_year=bloc_year, version=current.version + 1, note=note)
    for key, value in changes.items():
        setattr(revised, key, value)
    revised.save()
    if categories is not None:
        kept = {c.award_id: c for c in revised.categories.all()}
        wanted = {category["award"].pk for category in categories}
        revised.categories.exclude(award__in=wanted).delete()
        for category in categories:
            fields = {k: v for k, v in category.items() if k != "award"}
            existing = kept.get(category["award"].pk)
            if existing is None:
                CategoryRule.objects.create(rule_set=revised, award=category["award"], **fields)
            else:  # keep the category's eligibility conditions
                CategoryRule.objects.filter(pk=existing.pk).update(**fields)
    audit(actor=actor, action="awards.rule_set.revised", bloc_year=bloc_year, obj=revised,
          changes={"version": revised.version, "note": note,
                   **{k: [str(getattr(current, k)), str(v)] for k, v in changes.items()
                      if getattr(current, k) != v}})
    return revised


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


def next_year_open_from_election(*, actor: User | None, bloc_year: BlocYear) -> BlocYear:
    """"Open next year" with the head and deputies the meeting elected (issue 3, item 12)."""
    from blocs.services import bloc_year_open_next

    leadership = elected_leadership(bloc_year)
    if leadership is None or leadership[0] is None:
        raise ValidationError(_("The election of next year's head unit is not settled yet."))
    head, deputies = leadership
    return bloc_year_open_next(actor=actor, bloc_year=bloc_year, head=head, deputies=deputies)


@transaction.atomic
def condition_change(*, actor: User | None, bloc_year: BlocYear, award: Award, condition: rules.Condition | None,
                     remove_index: int | None = None, title: Award | None = None, rating: str = "") -> RuleSet:
    """Add a condition to a category (or remove its n-th one): a new version of the rule set."""
    bloc_year = BlocYear.objects.select_for_update().get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    current = rule_set_ensure(actor=actor, bloc_year=bloc_year)
    if not current.categories.filter(award=award).exists():
        raise ValidationError(_("%(award)s is not a category of this year's rule set.") % {"award": award.name})
    if condition is not None:
        _raise(rules.condition_issues(condition))
    note = (_("Condition added to %(award)s") if condition else _("Condition removed from %(award)s")) % {
        "award": award.name}
    revised = rule_set_copy(current, bloc_year=bloc_year, version=current.version + 1, note=note)
    category = revised.categories.get(award=award)
    if condition is not None:
        Condition.objects.create(category=category, kind=condition.kind, number=condition.number, award=title,
                                 rating=rating)
    elif remove_index is not None:
        doomed = list(category.conditions.all())[remove_index:remove_index + 1]
        if not doomed:
            raise ValidationError(_("That condition does not exist."))
        doomed[0].delete()
    audit(actor=actor, action="awards.rule_set.revised", bloc_year=bloc_year, obj=revised,
          changes={"version": revised.version, "note": note,
                   "condition": condition.kind if condition else None})
    return revised


def candidate_units_ordered(round_: Round) -> QuerySet[Unit]:
    """The round's candidates in ballot order (Vietnamese alphabetical)."""
    position = Candidate.objects.filter(round=round_, unit=OuterRef("pk")).values("order")[:1]
    return (Unit.objects.filter(pk__in=round_.candidates.values("unit"))
            .annotate(position=Subquery(position)).order_by("position", "name"))
