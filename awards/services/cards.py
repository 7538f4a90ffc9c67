"""Voting cards (thẻ biểu quyết): printed for the meeting, handed out at random like ballot papers, each
opens the ballot on a phone without signing in (issue 11, docs/secrecy.md "Voting cards").

A card is a number and the keyed hash of a secret code; the code exists only on the printed sheet. Nothing
records which unit holds which card: a card ballot is sealed like any online ballot, and the card's turnout
row says only that this card voted in this round.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from awards import ballot_box, rules, selectors
from awards.models import Candidate, CardVote, Meeting, Round, SealedBallot, VotingCard
from awards.services.ballots import CastReceipt, lock_round_shared, new_receipt
from awards.services.common import raise_issues
from blocs.audit import audit
from blocs.models import BlocYear, SignInFailure, User
from blocs.writable import ensure_writable

# The receipts' alphabet (no 0/O, 1/I): 10 symbols carry 50 bits, read off a card and typed on a phone.
CODE_LENGTH = 10
# Wrong codes are counted with the failed sign-ins, under a name no account can have.
THROTTLE_NAME = "#voting-card"
# What a card's cast reads of its round (the receipt page shows the title; the trail names the round).
CAST_READS = ("bloc_year_id", "title", "status", "is_paper_only", "box_public_key", "max_choices")


@dataclass(frozen=True)
class PrintedCard:
    number: int
    code: str

    @property
    def code_display(self) -> str:
        return code_display(self.code)


def new_code() -> str:
    return "".join(secrets.choice(ballot_box.ALPHABET) for _ in range(CODE_LENGTH))


def code_display(code: str) -> str:
    """K7QM2-XHAPW: two groups of five, easier to type."""
    return f"{code[:5]}-{code[5:]}"


def code_normalise(typed: str) -> str:
    return ballot_box.passphrase_normalise(typed)


def code_hash(code: str) -> str:
    """Keyed with the installation's secret: a copy of the database alone cannot try codes offline."""
    return salted_hmac("awards.voting-card", code_normalise(code), algorithm="sha256").hexdigest()


def _meeting_for_cards(bloc_year: BlocYear) -> Meeting:
    meeting = Meeting.objects.select_for_update().filter(bloc_year=bloc_year).first()
    if meeting is None:
        raise ValidationError(_("Record the meeting and take attendance before printing voting cards."))
    if meeting.voting_mode == Meeting.VotingMode.ACCOUNTS:
        raise ValidationError(_("This meeting votes with the representatives' accounts. Choose voting cards in "
                                "the meeting's settings first."))
    return meeting


@transaction.atomic
def cards_issue(*, actor: User | None, bloc_year: BlocYear, spares: int) -> list[PrintedCard]:
    """Make one card per unit present plus `spares`, numbered after the meeting's earlier cards, and return
    their codes: the only time they exist in clear (the sheet is printed from them, never stored)."""
    bloc_year = BlocYear.objects.select_for_update().get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    if bloc_year.status not in (BlocYear.Status.SCORING, BlocYear.Status.MEETING):
        raise ValidationError(_("Voting cards are printed for the year-end meeting."))
    meeting = _meeting_for_cards(bloc_year)
    if not 0 <= spares <= settings.VOTING_CARD_MAX_SPARES:
        raise ValidationError(_("Spare cards: from 0 to %(max)s.") % {"max": settings.VOTING_CARD_MAX_SPARES})
    present = len(selectors.units_in_the_room(bloc_year))
    if present == 0:
        raise ValidationError(_("No unit is recorded as present in the room: take attendance before printing voting "
                                "cards."))
    first = (meeting.cards.aggregate(last=Max("number"))["last"] or 0) + 1
    printed = [PrintedCard(number, new_code()) for number in range(first, first + present + spares)]
    VotingCard.objects.bulk_create(VotingCard(meeting=meeting, number=card.number, code_hash=code_hash(card.code))
                                   for card in printed)
    audit(actor=actor, action="awards.cards.issued", bloc_year=bloc_year, obj=meeting,
          changes={"cards": len(printed), "numbers": f"{printed[0].number}–{printed[-1].number}",
                   "present": present, "spares": spares})
    return printed


@transaction.atomic
def card_void(*, actor: User | None, bloc_year: BlocYear, number: int, reason: str) -> VotingCard:
    """A lost or damaged card stops working; a ballot it already cast stays in the box, like a paper ballot."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("Give the reason for voiding the card."))
    card = VotingCard.objects.select_for_update().filter(meeting__bloc_year=bloc_year, number=number).first()
    if card is None:
        raise ValidationError(_("This meeting has no card numbered %(n)s.") % {"n": number})
    if card.voided_at is not None:
        raise ValidationError(_("Card %(n)s was already voided.") % {"n": number})
    card.voided_at, card.void_reason = timezone.now(), reason[:300]
    card.save(update_fields=["voided_at", "void_reason"])
    audit(actor=actor, action="awards.card.voided", bloc_year=bloc_year, obj=card.meeting,
          changes={"card": number, "reason": card.void_reason})
    return card


class CardUnusable(ValidationError):
    """The card cannot vote at all (voided, meeting over, meeting without cards): the phone puts it down."""


def card_usable(card: VotingCard) -> None:
    meeting = card.meeting
    if card.voided_at is not None:
        raise CardUnusable(_("This card has been voided. Ask the secretariat for a spare card."))
    if meeting.bloc_year.status != BlocYear.Status.MEETING:
        raise CardUnusable(_("This card's meeting is over: the card can no longer vote."))
    if meeting.voting_mode == Meeting.VotingMode.ACCOUNTS:
        raise CardUnusable(_("This meeting votes with the representatives' accounts, not with cards."))


def card_find(*, code: str, ip: str | None) -> VotingCard:
    """The card whose code was typed or scanned. Wrong codes from one address are counted; past the limit the
    address waits (not in a transaction: a failure is kept even though the attempt is refused)."""
    since = timezone.now() - dt.timedelta(minutes=settings.VOTING_CARD_LOCK_MINUTES)
    failures = SignInFailure.objects.filter(username=THROTTLE_NAME, ip=ip, at__gte=since).count()
    if failures >= settings.VOTING_CARD_MAX_FAILURES:
        raise ValidationError(_("Too many wrong card codes from this network. Wait %(minutes)s minutes, or ask the "
                                "secretariat for help.") % {"minutes": settings.VOTING_CARD_LOCK_MINUTES})
    normalised = code_normalise(code)
    card = None
    if len(normalised) == CODE_LENGTH:
        card = VotingCard.objects.select_related("meeting__bloc_year").filter(code_hash=code_hash(normalised)).first()
    if card is None:
        SignInFailure.objects.create(username=THROTTLE_NAME, ip=ip)
        raise ValidationError(_("This is not the code of a voting card. Check the ten characters printed under the "
                                "QR code (no letter O or I, no digit 0 or 1)."))
    card_usable(card)
    return card


def card_ballot_cast(*, card: VotingCard | str, round_: Round | int, choices: Sequence[int]) -> CastReceipt:
    """Cast the card's ballot (the card or its id) in a round (the round or its id), sealed until the close. The
    unique (round, card) row refuses a second ballot even when the same card is used on two phones at the same
    instant. Raises CardUnusable when the card cannot vote at all, VotingCard.DoesNotExist and
    Round.DoesNotExist when there is no such card or its meeting has no such round.

    This is the busiest request of the meeting (issue 11: 200 card holders press "cast" at once), so it reads
    little: the card's state in one query, the round read and locked in one, its candidates in one."""
    try:
        with transaction.atomic():
            return _card_cast(card=card, round_=round_, choices=choices)
    except IntegrityError as error:
        raise ValidationError(_("This card has already voted in this round.")) from error
    except OperationalError as error:  # SQLite's writer lock under a burst: nothing was stored
        raise ValidationError(_("The server is busy; your ballot was not stored. Please cast it again.")) from error


def _card_cast(*, card: VotingCard | str, round_: Round | int, choices: Sequence[int]) -> CastReceipt:
    # The card as it is now (it may have been voided since the phone read it), with what card_usable reads and
    # what the receipt page shows (the bloc's name, the year, the card's number).
    card = (VotingCard.objects.select_related("meeting__bloc_year__bloc")
            .only("number", "voided_at", "meeting__voting_mode", "meeting__bloc_year__status",
                  "meeting__bloc_year__year", "meeting__bloc_year__bloc__name")
            .get(pk=getattr(card, "pk", card)))
    bloc_year = card.meeting.bloc_year
    if isinstance(round_, Round) and round_.bloc_year_id != bloc_year.pk:
        raise ValidationError(_("This card belongs to another meeting."))
    card_usable(card)
    round_ = lock_round_shared(round_, bloc_year_id=bloc_year.pk, fields=CAST_READS)
    if round_.status != Round.Status.OPEN:
        raise ValidationError(_("This round is not open for voting."))
    if round_.is_paper_only or round_.box_public_key is None:
        raise ValidationError(_("This round takes paper ballots only."))
    # A second ballot of this card is refused by the unique (round, card) row below, before anything is sealed:
    # no separate look-up first (one query less per cast, the same answer).
    candidates = sorted(Candidate.objects.filter(round_id=round_.pk).order_by().values_list("unit_id", flat=True))
    # Nobody knows whose card it is, so "a unit may not choose itself" cannot be checked, as on paper.
    raise_issues(rules.cast_issues(list(choices), candidates=set(candidates), max_choices=round_.max_choices,
                                   voter=None, allow_self=True))
    CardVote.objects.create(round=round_, card=card)
    receipt, chosen = new_receipt(), tuple(sorted(set(choices)))
    SealedBallot.objects.create(round=round_, box=ballot_box.seal(
        bytes(round_.box_public_key), receipt=receipt, choices=chosen,
        size=ballot_box.box_size(candidates, len(receipt))))
    # The trail says that a card voted, never which card, the ballot or its receipt.
    audit(actor=None, action="awards.ballot.cast_by_card", bloc_year=bloc_year, obj=round_, changes={})
    return CastReceipt(receipt=receipt, choices=chosen, round=round_, card=card)
