"""The meeting and its rounds: attendance, generating the rounds, candidates, settings, the ballot box and
its passphrase, opening, closing (unsealing, counting, ranking) and the runoff a tie opens (domain.md §3).

Each use case: keyword-only arguments, one transaction, `lock_round()` before checking a limit, the rules
from awards/rules.py, one audit entry."""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from awards import ballot_box, rules, selectors
from awards.models import (
    Attendance,
    Ballot,
    BallotBoxKey,
    Candidate,
    Meeting,
    Round,
    RuleSet,
    SealedBallot,
)
from awards.results import Result
from awards.services import nominations, rule_sets
from awards.services.common import raise_issues
from awards.titles import round_title, runoff_title
from blocs.audit import audit
from blocs.models import AuditEntry, BlocYear, Unit, User
from blocs.rules import vietnamese_key
from blocs.writable import ensure_writable


@transaction.atomic
def meeting_save(*, actor: User | None, bloc_year: BlocYear, data: dict[str, Any],
                 present: Sequence[Unit], absent_reasons: dict[int, str] | None = None,
                 committee: Sequence[tuple[str, Unit | None]] = (), online: Sequence[Unit] = ()) -> Meeting:
    """Record the meeting, its attendance and the counting committee (first named is its head). `online`: the
    present units that attend by video link (they vote with their accounts when the meeting uses both)."""
    bloc_year = BlocYear.objects.select_for_update().get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    if bloc_year.rounds.filter(status__in=[Round.Status.OPEN, Round.Status.CLOSED]).exists():
        raise ValidationError(_("Attendance cannot change once a round has been opened."))
    meeting, _created = Meeting.objects.update_or_create(bloc_year=bloc_year, defaults=data)
    members = list(Unit.objects.filter(memberships__bloc_year=bloc_year))
    present_ids = {unit.pk for unit in present}
    online_ids = {unit.pk for unit in online}
    if online_ids - present_ids:
        raise ValidationError(_("A unit attending online is present: tick it as present too."))
    meeting.attendance.all().delete()
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, unit=unit, is_present=unit.pk in present_ids, online=unit.pk in online_ids,
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
    rule_set = rule_sets.rule_set_ensure(actor=actor, bloc_year=bloc_year)
    members = bloc_year.memberships.count()
    created = []
    for order, category in enumerate(rule_set.categories.select_related("award").order_by("award__order"), 1):
        quota = category.quota_for(members)
        created.append(Round.objects.create(
            bloc_year=bloc_year, rule_set=rule_set, kind=Round.Kind.AWARD, award=category.award, order=order,
            title=round_title(Round.Kind.AWARD, year=bloc_year.year, award=category.award),
            quota=quota, max_choices=max(quota, 1), **_round_settings(rule_set)))
    created.append(Round.objects.create(
        bloc_year=bloc_year, rule_set=rule_set, kind=Round.Kind.HEAD, order=len(created) + 1, quota=1,
        max_choices=1, title=round_title(Round.Kind.HEAD, year=bloc_year.year),
        **_round_settings(rule_set)))
    if rule_set.deputies > 0:  # how many deputies the meeting elects is a rule of the year; 0: none
        created.append(Round.objects.create(
            bloc_year=bloc_year, rule_set=rule_set, kind=Round.Kind.DEPUTY, order=len(created) + 1,
            quota=rule_set.deputies, max_choices=rule_set.deputies,
            title=round_title(Round.Kind.DEPUTY, year=bloc_year.year), **_round_settings(rule_set)))
    audit(actor=actor, action="awards.rounds.generated", bloc_year=bloc_year, obj=bloc_year,
          changes={"rounds": [r.title for r in created], "rule_set": rule_set.version})
    return created


# Casting and changing a round are serialised by a PostgreSQL advisory lock on the round, (class, round id):
# a cast takes it shared, every change of the round (lock_round) exclusive, each until its transaction ends.
# A shared advisory lock lives only in the lock manager's memory, so 200 casts at once write nothing to the
# round's row for it (FOR SHARE would: a MultiXact per new voter, measured 25 % slower in `make bench`).
ROUND_LOCK_CLASS = 0x524E44  # "RND"; the sign-in limits use the one-number form, a separate key space


def round_advisory_lock(round_id: int, *, shared: bool) -> None:
    if connection.vendor != "postgresql":  # SQLite serialises writers by itself
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [ROUND_LOCK_CLASS, round_id])


def lock_round(round_: Round, *, status: str | None = None) -> Round:
    """The round locked for a change: after every cast in flight has committed, before any later cast reads it."""
    if connection.vendor == "sqlite":  # no row locks: a write takes the database's lock for the transaction
        Round.objects.filter(pk=round_.pk).update(status=F("status"))
    round_advisory_lock(round_.pk, shared=False)
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
    round_ = lock_round(round_, status=Round.Status.DRAFT)
    round_.candidates.all().delete()
    names = dict(Unit.objects.filter(pk__in=selectors.candidate_units(round_)).values_list("pk", "name"))
    units = sorted(names, key=lambda pk: vietnamese_key(names[pk]))  # the order of the paper ballot
    created = Candidate.objects.bulk_create(Candidate(round=round_, unit_id=u, order=i) for i, u in enumerate(units))
    audit(actor=actor, action="awards.candidates.generated", bloc_year=round_.bloc_year, obj=round_,
          changes={"candidates": len(units)})
    return created


@transaction.atomic
def candidate_adjust(*, actor: User | None, round_: Round, unit: Unit, add: bool, reason: str) -> Round:
    """The secretariat may add or remove a candidate only with a recorded reason."""
    round_ = lock_round(round_, status=Round.Status.DRAFT)
    if not reason.strip():
        raise ValidationError(_("Give the reason for changing the candidate list."))
    if not round_.bloc_year.memberships.filter(unit=unit).exists():
        raise ValidationError(_("%(unit)s is not a member of the bloc this year.") % {"unit": unit.name})
    if add and round_.runoff_of_id is not None and unit.pk not in selectors.runoff_seats(round_)[0]:
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
    round_ = lock_round(round_, status=Round.Status.DRAFT)
    mark = rules.PassMark(Fraction(data["pass_numerator"], data["pass_denominator"] or 1),
                          data["comparator"], data["base"])
    members = round_.bloc_year.memberships.count()
    raise_issues(rules.pass_mark_issues(mark) + rules.quota_issues(count=data["quota"], percent=None, members=members))
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
    round_ = lock_round(round_, status=Round.Status.DRAFT)
    bloc_year = round_.bloc_year
    if bloc_year.status != BlocYear.Status.MEETING:
        raise ValidationError(_("Rounds are opened during the year-end meeting."))
    box = BallotBoxKey.objects.filter(meeting__bloc_year=bloc_year).first()
    if box is None:
        raise ValidationError(_("Record the meeting and give the counting committee its passphrase before "
                                "opening a round."))
    present, members = len(selectors.present_units(bloc_year)), bloc_year.memberships.count()
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
    round_ = lock_round(round_, status=Round.Status.OPEN)
    if not reason.strip():
        raise ValidationError(_("Give the reason for discarding the online ballots."))
    discarded = round_.sealed_ballots.count()
    round_.sealed_ballots.all().delete()
    round_.turnout.all().delete()
    round_.card_votes.all().delete()
    round_.is_paper_only = True
    round_.box_public_key = round_.box_private_key = None
    round_.save(update_fields=["is_paper_only", "box_public_key", "box_private_key"])
    audit(actor=actor, action="awards.round.online_discarded", bloc_year=round_.bloc_year, obj=round_,
          changes={"discarded": discarded, "reason": reason.strip()})
    return round_


@transaction.atomic
def round_close(*, actor: User | None, round_: Round, ballots_issued: int | None = None,
                passphrase: str | None = None, reason: str = "") -> Round:
    """Close, open the sealed ballots, count and rank; the round's key is forgotten. A tie still level after
    final scores opens a runoff round (draft). Casts in flight finish before the close takes its lock.
    `reason`: why the chair closes with ballots still out (the close screen asks for it), recorded."""
    round_ = lock_round(round_, status=Round.Status.OPEN)
    if round_.paper_entries.exists():
        raise ValidationError(_("Reconcile the two paper entries before closing the round."))
    _ballots_unseal(round_, passphrase)
    round_.box_public_key = round_.box_private_key = None
    counts, votes = selectors.round_counts(round_, ballots_issued=ballots_issued)
    raise_issues(rules.count_issues(counts))
    reasons = selectors.eligibility_report(round_, list(votes))
    result = rules.tally(votes=votes, counts=counts, mark=round_.pass_mark, quota=round_.quota,
                         quorum=round_.quorum, scores=selectors.final_scores(round_.bloc_year),
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
        nominations.nominations_from_round(round_, stored)
    audit(actor=actor, action="awards.round.closed", bloc_year=round_.bloc_year, obj=round_,
          changes={"returned": counts.returned, "valid": counts.valid, "elected": len(result.elected),
                   "runoff": len(result.runoff), **({"reason": " ".join(reason.split())} if reason.strip() else {})})
    return round_


def _runoff_create(round_: Round, result: rules.Tally) -> Round:
    fields = {f.name: getattr(round_, f.name) for f in Round._meta.concrete_fields
              if f.name not in ("id", "status", "opened_at", "closed_at", "ballots_issued", "result", "title",
                                "runoff_of", "quota", "max_choices", "order")}
    runoff = Round.objects.create(**fields, runoff_of=round_, order=round_.order, quota=result.runoff_seats,
                                  max_choices=result.runoff_seats,
                                  title=runoff_title(round_.title))
    names = dict(Unit.objects.filter(pk__in=result.runoff).values_list("pk", "name"))
    Candidate.objects.bulk_create(Candidate(round=runoff, unit_id=u, order=i)
                                  for i, u in enumerate(sorted(names, key=lambda pk: vietnamese_key(names[pk]))))
    return runoff
