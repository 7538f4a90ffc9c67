"""Ballots: an online ballot cast sealed, paper ballots entered one by one (by one clerk, or two to be
reconciled), or only their counts. The audit says that a unit voted, never what."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _

from awards import ballot_box, rules, selectors
from awards.models import (
    Ballot,
    Meeting,
    PaperCount,
    PaperEntry,
    Round,
    SealedBallot,
    Turnout,
    VotingCard,
)
from awards.services import rounds
from awards.services.common import raise_issues
from blocs.audit import audit
from blocs.models import BlocYear, Unit, User

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a meeting room


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))


@dataclass(frozen=True)
class CastReceipt:
    """What the voter is shown once: the receipt code that finds the ballot in the published list."""

    receipt: str
    choices: tuple[int, ...]
    round: Round | None = None  # the round voted in, as read under its lock (its title heads the receipt page)
    card: VotingCard | None = None  # a voting card's ballot: the card, as read for the cast


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


def lock_round_shared(round_: Round | int, bloc_year_id: int | None = None, *,
                      fields: Sequence[str] = ()) -> Round:
    """The round, read once the close and every other change of it cannot start before this transaction ends
    (a shared advisory lock on PostgreSQL, rounds.round_advisory_lock; SQLite serialises writers by itself). The
    lock is taken before the round is read, so a cast that waited for a close sees the round closed. With
    `bloc_year_id`, a round of another year is not found; with `fields`, only those are read. Raises
    Round.DoesNotExist."""
    round_id = getattr(round_, "pk", round_)
    rounds.round_advisory_lock(round_id, shared=True)
    found = Round.objects.filter(pk=round_id).only(*fields) if fields else Round.objects.filter(pk=round_id)
    return found.get() if bloc_year_id is None else found.get(bloc_year_id=bloc_year_id)


def _ballot_cast(*, actor: User, round_: Round, unit: Unit, choices: Sequence[int]) -> CastReceipt:
    round_ = lock_round_shared(round_)
    if round_.status != Round.Status.OPEN:
        raise ValidationError(_("This round is not open for voting."))
    if round_.is_paper_only or round_.box_public_key is None:
        raise ValidationError(_("This round takes paper ballots only."))
    if unit.pk not in selectors.present_units(round_.bloc_year):
        raise ValidationError(_("%(unit)s is not recorded as present at the meeting.") % {"unit": unit.name})
    account_may_vote(round_.bloc_year, unit)
    delegate = actor if round_.voters == "delegate" else None
    if Turnout.objects.filter(round=round_, unit=unit, voter=delegate).exists():
        raise ValidationError(_("%(unit)s has already voted in this round.") % {"unit": unit.name})
    candidates = sorted(round_.candidates.values_list("unit_id", flat=True))
    raise_issues(rules.cast_issues(list(choices), candidates=set(candidates), max_choices=round_.max_choices,
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


def account_may_vote(bloc_year: BlocYear, unit: Unit) -> None:
    """With voting cards, a unit in the room votes with its card, never also with an account (issue 11)."""
    meeting = Meeting.objects.filter(bloc_year=bloc_year).only("voting_mode").first()
    mode = meeting.voting_mode if meeting else Meeting.VotingMode.ACCOUNTS
    if mode == Meeting.VotingMode.CARDS:
        raise ValidationError(_("This meeting votes with voting cards: vote with the card handed out in the room."))
    if mode == Meeting.VotingMode.BOTH and unit.pk in selectors.units_in_the_room(bloc_year):
        raise ValidationError(_("%(unit)s is in the room: it votes with the voting card handed out there. Accounts "
                                "are for the units attending online.") % {"unit": unit.name})


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
    round_ = rounds.lock_round(round_, status=Round.Status.OPEN)
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


@transaction.atomic
def paper_entries_reconcile(*, actor: User, round_: Round) -> list[Ballot]:
    """Turn two matching sets of entries into ballots; refuse while they differ."""
    round_ = rounds.lock_round(round_, status=Round.Status.OPEN)
    only_a, only_b = selectors.reconcile_differences(round_)
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
    round_ = rounds.lock_round(round_, status=Round.Status.OPEN)
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
