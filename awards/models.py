"""Rule sets, the year-end meeting, ballot rounds, turnout and anonymous ballots (domain.md §3).

Secrecy by schema: `Turnout` (unit, round) and `Ballot` (round, receipt, choices) share no key,
no timestamp and no sequential id: both have random UUID keys and neither records a time.
"""

from __future__ import annotations

import operator
import uuid
from fractions import Fraction
from functools import reduce

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from awards import conditions, rules
from blocs.models import Award, BlocYear, Unit, User


class Comparator(models.TextChoices):
    GT = ">", _("more than")
    GTE = ">=", _("at least")


class Base(models.TextChoices):
    MEMBERS = "members", _("of all member units")
    PRESENT = "present", _("of units present")
    ISSUED = "issued", _("of ballots issued")
    RETURNED = "returned", _("of ballots returned")
    VALID = "valid", _("of valid ballots")


class Voters(models.TextChoices):
    UNIT = "unit", _("One ballot per member unit")
    DELEGATE = "delegate", _("One ballot per attending delegate")


class Rounding(models.TextChoices):
    FLOOR = "floor", _("round down")
    CEIL = "ceil", _("round up")
    HALF_UP = "half_up", _("round half up")


class PassMarkFields(models.Model):
    """The three pass-mark settings, kept apart (domain.md §3)."""

    pass_numerator = models.PositiveIntegerField(_("pass mark numerator"), default=1)
    pass_denominator = models.PositiveIntegerField(_("pass mark denominator"), default=2)
    comparator = models.CharField(_("comparator"), max_length=2, choices=Comparator.choices, default=Comparator.GT)
    base = models.CharField(_("base"), max_length=10, choices=Base.choices, default=Base.MEMBERS)

    class Meta:
        abstract = True

    @property
    def pass_mark(self) -> rules.PassMark:
        return rules.PassMark(Fraction(self.pass_numerator, self.pass_denominator or 1), self.comparator, self.base)


class RuleSet(PassMarkFields):
    """A bloc year's voting rules, versioned: a result always names the version it was made under."""

    bloc_year = models.ForeignKey(BlocYear, on_delete=models.CASCADE, related_name="rule_sets",
                                  verbose_name=_("bloc year"))
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    voters = models.CharField(_("who votes"), max_length=10, choices=Voters.choices, default=Voters.UNIT)
    quorum_numerator = models.PositiveIntegerField(_("quorum numerator"), default=2)
    quorum_denominator = models.PositiveIntegerField(_("quorum denominator"), default=3)
    allow_self = models.BooleanField(_("a unit may choose itself"), default=True)
    one_award_per_unit = models.BooleanField(_("one award per unit per year"), default=True)
    deputies = models.PositiveSmallIntegerField(
        _("deputy units to elect"), default=1,
        help_text=_("Next year's deputy head units elected at the meeting; 0 where the bloc elects none."))
    gov_flag_must_top = models.BooleanField(_("the Government-flag candidate must top the score table"),
                                            default=False)
    history_carried_over = models.BooleanField(
        _("predecessors' history counts"), default=True,
        help_text=_("A unit formed by a merger or split counts its predecessors' titles and awards for "
                    "conditions over several years."))

    class Meta:
        ordering = ["bloc_year", "-version"]
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        constraints = [
            models.UniqueConstraint(fields=["bloc_year", "version"], name="rule_set_version_unique"),
            models.CheckConstraint(condition=Q(pass_denominator__gt=0) & Q(quorum_denominator__gt=0)
                                   & Q(pass_numerator__lte=models.F("pass_denominator"))
                                   & Q(quorum_numerator__lte=models.F("quorum_denominator")),
                                   name="rule_set_fractions_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.bloc_year} v{self.version}"

    @property
    def quorum(self) -> Fraction:
        return Fraction(self.quorum_numerator, self.quorum_denominator)


class CategoryRule(models.Model):
    """Per award category: the quota (a count, or a percentage with its rounding)."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="categories",
                                 verbose_name=_("rule set"))
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="+", verbose_name=_("award"))
    quota_count = models.PositiveIntegerField(_("quota (count)"), null=True, blank=True)
    quota_percent = models.DecimalField(_("quota (% of members)"), max_digits=5, decimal_places=2, null=True,
                                        blank=True)
    rounding = models.CharField(_("rounding"), max_length=8, choices=Rounding.choices, default=Rounding.FLOOR)

    class Meta:
        ordering = ["award__order"]
        verbose_name = _("award category")
        verbose_name_plural = _("award categories")
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "award"], name="category_rule_unique"),
            models.CheckConstraint(condition=Q(quota_count__isnull=True) ^ Q(quota_percent__isnull=True),
                                   name="category_rule_count_or_percent"),
        ]

    def __str__(self) -> str:
        return str(self.award)

    def quota_for(self, members: int) -> int:
        percent = Fraction(self.quota_percent) if self.quota_percent is not None else None
        return rules.quota_of(count=self.quota_count, percent=percent, members=members, rounding=self.rounding)


class Meeting(models.Model):
    """The year-end meeting (hội nghị tổng kết): when, where, who came, who counts."""

    class VotingMode(models.TextChoices):
        ACCOUNTS = "accounts", _("Representatives' accounts")
        CARDS = "cards", _("Voting cards")
        BOTH = "both", _("Voting cards and representatives' accounts")

    bloc_year = models.OneToOneField(BlocYear, on_delete=models.CASCADE, related_name="meeting",
                                     verbose_name=_("bloc year"))
    held_on = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200)
    chair_name = models.CharField(_("chaired by"), max_length=200, blank=True)
    secretary_name = models.CharField(_("secretary"), max_length=200, blank=True)
    guests = models.TextField(_("guests"), blank=True, help_text=_("One per line; guests do not vote."))
    voting_mode = models.CharField(
        _("online voting with"), max_length=8, choices=VotingMode.choices, default=VotingMode.ACCOUNTS,
        help_text=_("Voting cards are handed out at random in the room, like ballot papers: a card carries no "
                    "unit's name and opens the ballot without signing in. Accounts let units vote remotely."))

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.bloc_year} – {self.held_on}"


class BallotBoxKey(models.Model):
    """The meeting's key for sealed online ballots. Its private half exists only wrapped by the counting
    committee's passphrase, which is shown once and never stored (docs/secrecy.md)."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="box_key",
                                   verbose_name=_("meeting"))
    public_key = models.BinaryField(_("public key"), max_length=32)
    wrapped_private_key = models.BinaryField(_("wrapped private key"), max_length=128)
    salt = models.BinaryField(_("salt"), max_length=16)
    opslimit = models.PositiveBigIntegerField()
    memlimit = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = _("ballot box key")
        verbose_name_plural = _("ballot box keys")

    def __str__(self) -> str:
        return str(self.meeting)


class VotingCard(models.Model):
    """A voting card (thẻ biểu quyết) of the meeting: a number printed on it, and the hash of its secret code.
    Nothing records which unit holds it (docs/secrecy.md, "Voting cards")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="cards", verbose_name=_("meeting"))
    number = models.PositiveIntegerField(_("card number"))
    code_hash = models.CharField(_("code fingerprint"), max_length=64, unique=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("voting card")
        verbose_name_plural = _("voting cards")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="voting_card_number_unique"),
            models.CheckConstraint(condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                                   name="voting_card_void_has_reason"),
        ]

    def __str__(self) -> str:
        return str(self.number)


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance",
                                verbose_name=_("meeting"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    is_present = models.BooleanField(_("present"), default=True)
    # Present by video link: with "cards and accounts" such a unit votes with its account, the units in the room
    # with the cards handed out there (issue 11).
    online = models.BooleanField(_("attends online"), default=False)
    delegates = models.PositiveIntegerField(_("delegates"), default=1)
    absence_reason = models.CharField(_("reason for absence"), max_length=300, blank=True)

    class Meta:
        ordering = ["unit__name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["meeting", "unit"], name="attendance_unique"),
                       models.CheckConstraint(condition=Q(online=False) | Q(is_present=True),
                                              name="attendance_online_is_present")]

    def __str__(self) -> str:
        return f"{self.unit} – {'present' if self.is_present else 'absent'}"


class CommitteeMember(models.Model):
    """The counting committee (ban kiểm phiếu), usually three people."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="committee",
                                verbose_name=_("meeting"))
    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("unit"))
    is_head = models.BooleanField(_("head of the committee"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["-is_head", "order", "name"]
        verbose_name = _("counting committee member")
        verbose_name_plural = _("counting committee")

    def __str__(self) -> str:
        return self.name


class Round(PassMarkFields):
    """One secret ballot: an award category, next year's head or deputies, or a runoff."""

    class Kind(models.TextChoices):
        AWARD = "award", _("Award proposal")
        HEAD = "head", _("Election of next year's head unit")
        DEPUTY = "deputy", _("Election of next year's deputy units")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    bloc_year = models.ForeignKey(BlocYear, on_delete=models.PROTECT, related_name="rounds",
                                  verbose_name=_("bloc year"))
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="rounds",
                                 verbose_name=_("rule set"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.AWARD)
    award = models.ForeignKey(Award, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("award"))
    runoff_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="runoffs",
                                  verbose_name=_("runoff of"))
    title = models.CharField(_("title"), max_length=300)
    order = models.PositiveIntegerField(_("order"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    voters = models.CharField(_("who votes"), max_length=10, choices=Voters.choices, default=Voters.UNIT)
    quota = models.PositiveIntegerField(_("seats (quota)"))
    max_choices = models.PositiveIntegerField(_("at most N choices"))
    allow_self = models.BooleanField(_("a unit may choose itself"), default=True)
    quorum_numerator = models.PositiveIntegerField(default=2)
    quorum_denominator = models.PositiveIntegerField(default=3)
    two_person_entry = models.BooleanField(_("paper ballots entered twice, by two people"), default=False)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    ballots_issued = models.PositiveIntegerField(_("ballots issued"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    # While open: the round's public key, and its private key sealed to the meeting's key; both forgotten
    # at the close. `is_paper_only`: online voting stopped because the passphrase was lost.
    box_public_key = models.BinaryField(_("ballot box public key"), max_length=32, null=True, blank=True)
    box_private_key = models.BinaryField(_("ballot box private key (sealed)"), max_length=128, null=True,
                                         blank=True)
    is_paper_only = models.BooleanField(_("paper ballots only"), default=False)

    class Meta:
        ordering = ["bloc_year", "order", "pk"]
        verbose_name = _("ballot round")
        verbose_name_plural = _("ballot rounds")
        constraints = [
            models.CheckConstraint(condition=Q(kind="award", award__isnull=False) | ~Q(kind="award"),
                                   name="round_award_has_award"),
            models.CheckConstraint(condition=Q(max_choices__gte=1), name="round_max_choices_positive"),
            models.CheckConstraint(condition=Q(pass_denominator__gt=0) & Q(quorum_denominator__gt=0)
                                   & Q(pass_numerator__lte=models.F("pass_denominator")),
                                   name="round_fractions_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("awards:round-detail", args=[self.pk])

    @property
    def quorum(self) -> Fraction:
        return Fraction(self.quorum_numerator, self.quorum_denominator)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Candidate(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="candidates", verbose_name=_("round"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "unit__name"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="candidate_unique")]

    def __str__(self) -> str:
        return str(self.unit)


class Turnout(models.Model):
    """That a unit (or a delegate) voted in a round — never what. No time is recorded."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="turnout", verbose_name=_("round"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    voter = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("delegate"))

    class Meta:
        verbose_name = _("turnout")
        verbose_name_plural = _("turnout")
        constraints = [
            # One ballot per unit per round; in delegate mode, one per delegate.
            models.UniqueConstraint(fields=["round", "unit"], condition=Q(voter__isnull=True),
                                    name="turnout_one_per_unit"),
            models.UniqueConstraint(fields=["round", "voter"], condition=Q(voter__isnull=False),
                                    name="turnout_one_per_delegate"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.round}"


class CardVote(models.Model):
    """That a voting card voted in a round — never what, never when; one per card per round."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="card_votes", verbose_name=_("round"))
    card = models.ForeignKey(VotingCard, on_delete=models.PROTECT, related_name="votes", verbose_name=_("card"))

    class Meta:
        verbose_name = _("card turnout")
        verbose_name_plural = _("card turnout")
        constraints = [models.UniqueConstraint(fields=["round", "card"], name="card_vote_one_per_round")]

    def __str__(self) -> str:
        return f"{self.card} – {self.round}"


class Ballot(models.Model):
    """An anonymous ballot: its round, a receipt code and the choices. Nothing names the voter."""

    class Source(models.TextChoices):
        ONLINE = "online", _("online")
        PAPER = "paper", _("paper")

    class Invalid(models.TextChoices):
        TOO_MANY = "too_many", _("too many choices")
        BLANK = "blank", _("blank")
        OFF_LIST = "off_list", _("names a unit not on the list")
        MARKED = "marked", _("marked")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("round"))
    receipt = models.CharField(_("receipt code"), max_length=16)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    choices = models.JSONField(_("choices"), default=list, help_text=_("Unit ids, sorted."))
    invalid_reason = models.CharField(_("invalid because"), max_length=10, choices=Invalid.choices, blank=True)

    class Meta:
        ordering = ["round", "receipt"]  # never insertion order
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [models.UniqueConstraint(fields=["round", "receipt"], name="ballot_receipt_unique")]

    def __str__(self) -> str:
        return self.receipt

    @property
    def is_valid(self) -> bool:
        return not self.invalid_reason


class SealedBallot(models.Model):
    """An online ballot while its round is open: its receipt and choices sealed to the round's key, padded to
    one size. It carries nothing else; at the close it becomes a `Ballot` in random order and is deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="sealed_ballots",
                              verbose_name=_("round"))
    box = models.BinaryField(_("sealed box"), max_length=8192)

    class Meta:
        verbose_name = _("sealed ballot")
        verbose_name_plural = _("sealed ballots")

    def __str__(self) -> str:
        return str(self.pk)


class PaperEntry(models.Model):
    """A paper ballot as typed by one of two people, before reconciliation (two-person entry)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="paper_entries",
                              verbose_name=_("round"))
    clerk = models.CharField(_("entry"), max_length=1, choices=[("A", "A"), ("B", "B")])
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by"))
    choices = models.JSONField(_("choices"), default=list)
    invalid_reason = models.CharField(_("invalid because"), max_length=10, choices=Ballot.Invalid.choices,
                                      blank=True)

    class Meta:
        ordering = ["round", "clerk", "pk"]
        verbose_name = _("paper ballot entry")
        verbose_name_plural = _("paper ballot entries")

    def __str__(self) -> str:
        return f"{self.round} – {self.clerk}"


class PaperCount(models.Model):
    """Where a bloc kept only the counts of its paper ballots."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="paper_count",
                                 verbose_name=_("round"))
    returned = models.PositiveIntegerField(_("paper ballots returned"))
    valid = models.PositiveIntegerField(_("valid paper ballots"))
    votes = models.JSONField(_("votes per candidate"), default=dict)

    class Meta:
        verbose_name = _("paper ballot count")
        verbose_name_plural = _("paper ballot counts")
        constraints = [models.CheckConstraint(condition=Q(valid__lte=models.F("returned")),
                                              name="paper_count_valid_le_returned")]

    def __str__(self) -> str:
        return str(self.round)


# --- Eligibility, nominations, dossier, decisions, history (issue 4) ---------------------------------------


class Rating(models.TextChoices):
    """Annual ratings of a collective's task completion."""

    EXCELLENT = "htxs", _("Excellently completed tasks")
    GOOD = "htt", _("Completed tasks well")
    DONE = "ht", _("Completed tasks")
    NOT_DONE = "kht", _("Did not complete tasks")


class Condition(models.Model):
    """An eligibility condition of an award category, of a kind of awards/conditions.py (issue 4, item 2)."""

    category = models.ForeignKey(CategoryRule, on_delete=models.CASCADE, related_name="conditions",
                                 verbose_name=_("award category"))
    kind = models.CharField(_("condition"), max_length=20, choices=conditions.CHOICES)
    number = models.DecimalField(_("number"), max_digits=7, decimal_places=2, null=True, blank=True,
                                 help_text=_("The score, rank or number of years the condition needs."))
    award = models.ForeignKey(Award, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("title or award"))
    rating = models.CharField(_("rating"), max_length=6, choices=Rating.choices, blank=True)

    class Meta:
        ordering = ["category", "pk"]
        verbose_name = _("eligibility condition")
        verbose_name_plural = _("eligibility conditions")
        constraints = [
            models.CheckConstraint(
                condition=~reduce(operator.or_, (Q(kind=code) for code in conditions.NAMING_WHAT))
                | Q(award__isnull=False) | ~Q(rating=""),
                name="condition_consecutive_names_what"),
            models.CheckConstraint(
                condition=Q(kind__in=conditions.WITHOUT_NUMBER) | Q(number__isnull=False),
                name="condition_number_given"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class HistoryEntry(models.Model):
    """A unit's title, award or annual rating in a year: filled by decisions, or imported for the past."""

    class Source(models.TextChoices):
        DECISION = "decision", _("award decision")
        IMPORT = "import", _("imported")
        MANUAL = "manual", _("entered by hand")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="history", verbose_name=_("unit"))
    year = models.PositiveIntegerField(_("year"))
    award = models.ForeignKey(Award, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("title or award"))
    rating = models.CharField(_("rating"), max_length=6, choices=Rating.choices, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    reference = models.CharField(_("decision"), max_length=200, blank=True)

    class Meta:
        ordering = ["unit", "-year"]
        verbose_name = _("history entry")
        verbose_name_plural = _("unit history")
        constraints = [
            models.CheckConstraint(condition=Q(award__isnull=False) ^ ~Q(rating=""), name="history_award_or_rating"),
            models.UniqueConstraint(fields=["unit", "year", "award"], condition=Q(award__isnull=False),
                                    name="history_award_once_a_year"),
            models.UniqueConstraint(fields=["unit", "year"], condition=~Q(rating=""), name="history_one_rating_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}: {self.award or self.get_rating_display()}"


class Nomination(models.Model):
    """A proposal of the bloc: made by closing a round, never typed in (issue 4, item 3)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        NOT_ELIGIBLE = "not_eligible", _("Passed the vote but not eligible")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    bloc_year = models.ForeignKey(BlocYear, on_delete=models.PROTECT, related_name="nominations",
                                  verbose_name=_("bloc year"))
    round = models.ForeignKey(Round, on_delete=models.PROTECT, null=True, blank=True, related_name="nominations",
                              verbose_name=_("round"))
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="+", verbose_name=_("award"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="nominations", verbose_name=_("unit"))
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+", verbose_name=_("rule set"))
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.PROPOSED)
    votes = models.PositiveIntegerField(_("votes"), null=True, blank=True)
    share_numerator = models.PositiveIntegerField(null=True, blank=True)
    share_denominator = models.PositiveIntegerField(null=True, blank=True)
    base = models.CharField(_("base"), max_length=10, choices=Base.choices, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    final_score = models.DecimalField(_("final score"), max_digits=7, decimal_places=2, null=True, blank=True)
    eligibility = models.JSONField(_("eligibility report"), default=list, blank=True)
    is_outside_vote = models.BooleanField(_("added outside the vote"), default=False)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was added outside the vote."))
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        ordering = ["bloc_year", "award__order", "rank", "unit__name"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(fields=["bloc_year", "award", "unit"], name="nomination_once_per_award"),
            models.CheckConstraint(condition=Q(is_outside_vote=False) | ~Q(reason=""),
                                   name="nomination_outside_vote_has_reason"),
            models.CheckConstraint(condition=~Q(status="withdrawn") | ~Q(withdrawal_reason=""),
                                   name="nomination_withdrawal_has_its_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.award}"

    @property
    def percent(self) -> Fraction | None:
        if not self.share_denominator:
            return None
        return Fraction(self.share_numerator or 0, self.share_denominator) * 100


class Dossier(models.Model):
    """The bloc year's package of nominations on its way to the province (issue 4, item 4)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to the province board")
        RETURNED = "returned", _("Returned for correction")
        ACCEPTED = "accepted", _("Accepted by the province board")
        DECIDED = "decided", _("Decided")

    bloc_year = models.OneToOneField(BlocYear, on_delete=models.PROTECT, related_name="dossier",
                                     verbose_name=_("bloc year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")

    def __str__(self) -> str:
        return str(self.bloc_year)


class DossierStep(models.Model):
    """Each move of the dossier, with the snapshot sent: a corrected dossier keeps every version."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps", verbose_name=_("dossier"))
    status = models.CharField(_("status"), max_length=10, choices=Dossier.Status.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("by"))
    reason = models.TextField(_("reason"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    snapshot = models.JSONField(_("nominations sent"), null=True, blank=True)

    class Meta:
        ordering = ["dossier", "at", "pk"]
        verbose_name = _("dossier step")
        verbose_name_plural = _("dossier steps")

    def __str__(self) -> str:
        return f"{self.dossier} – {self.get_status_display()}"


class Decision(models.Model):
    """An award decision (quyết định khen thưởng): number, date, issuer; per nominee awarded or not."""

    number = models.CharField(_("number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=200)
    signed_on = models.DateField(_("date"))
    year = models.PositiveIntegerField(_("year of the number"))
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="decisions",
                                verbose_name=_("dossier"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        ordering = ["-signed_on", "number"]
        verbose_name = _("award decision")
        verbose_name_plural = _("award decisions")
        constraints = [models.UniqueConstraint(fields=["issuer", "number", "year"], name="decision_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} ({self.issuer})"


class DecisionLine(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="lines",
                                 verbose_name=_("decision"))
    nomination = models.OneToOneField(Nomination, on_delete=models.PROTECT, related_name="decision_line",
                                      verbose_name=_("nomination"))
    is_awarded = models.BooleanField(_("awarded"))

    class Meta:
        verbose_name = _("decision line")
        verbose_name_plural = _("decision lines")

    def __str__(self) -> str:
        return f"{self.decision}: {self.nomination}"
