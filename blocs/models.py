"""The registry: units, blocs, bloc years, membership, roles, registration, covenant, audit trail.

Rules that involve other rows live in services.py; the constraints here are the ones the database
itself must refuse (domain.md §1, issue 2).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # The 2025 reorganization (domain.md §7a): a province merged into another from a date; its past years
    # keep its name (frozen on their memberships and in the years' place name).
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_provinces",
        verbose_name=_("merged into"),
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        constraints = [
            models.CheckConstraint(condition=~Q(merged_into=models.F("id")), name="province_not_merged_into_itself"),
            models.CheckConstraint(condition=Q(merged_into__isnull=True) | Q(ended_on__isnull=False),
                                   name="province_merger_has_date"),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A member agency (đơn vị thành viên); never a person."""

    class Kind(models.TextChoices):
        STATE = "state", _("State body")
        PARTY = "party", _("Party body")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="units", verbose_name=_("province"))
    name = models.CharField(_("name"), max_length=200)
    short_code = models.CharField(_("short code"), max_length=20, unique=True)
    parent_body = models.CharField(_("parent body"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STATE)
    is_active = models.BooleanField(_("active"), default=True)
    renamed_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renamed_to",
        verbose_name=_("renamed from"),
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_units",
        verbose_name=_("merged into"),
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True,
                                help_text=_("The effective date of the merger or split that ended the unit."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(condition=~Q(renamed_from=models.F("id")), name="unit_not_renamed_from_itself"),
            models.CheckConstraint(condition=~Q(merged_into=models.F("id")), name="unit_not_merged_into_itself"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(is_active=False),
                                   name="unit_ended_is_inactive"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blocs:unit-detail", args=[self.pk])


class Bloc(models.Model):
    class Kind(models.TextChoices):
        BLOC = "bloc", _("Emulation bloc")
        CLUSTER = "cluster", _("Emulation cluster")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="blocs", verbose_name=_("province"))
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BLOC)
    founding_decision = models.CharField(_("founding decision"), max_length=200, blank=True)
    founded_year = models.PositiveIntegerField(_("founded in"))
    # The bloc's documents (issue 12, item 2): left empty, each is derived as blocs.selectors.document_settings says.
    doc_parent_lines = models.TextField(
        _("line(s) above the bloc's name"), blank=True,
        help_text=_("The issuing body's parent printed above the bloc's name, one line per line of text. "
                    "Left empty: the head unit's parent body."))
    doc_symbol = models.CharField(
        _("document symbol"), max_length=20, blank=True,
        help_text=_("The bloc's symbol after the document type, e.g. KTĐ-NC in “Số: 05/BC-KTĐ-NC”. "
                    "Left empty: derived from the bloc's name."))
    doc_style = models.CharField(
        _("document style"), max_length=10, blank=True,
        choices=[("state", _("Decree 30/2020 (state bodies)")), ("party", _("Guidance 36-HD/VPTW (Party bodies)"))],
        help_text=_("Left empty: the head unit's kind decides."))
    doc_signer_title = models.CharField(
        _("signer's title"), max_length=100, blank=True,
        help_text=_("The line under “TM. KHỐI THI ĐUA” in the signature block. Left empty: TRƯỞNG KHỐI."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("bloc")
        verbose_name_plural = _("blocs")
        constraints = [
            models.CheckConstraint(condition=Q(founded_year__gte=1945, founded_year__lte=2200),
                                   name="bloc_founded_year_plausible"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blocs:bloc-detail", args=[self.pk])


class Award(models.Model):
    """The award catalogue: emulation titles and award forms, kept apart (peers.md §1.2, MISA R72.1)."""

    class Kind(models.TextChoices):
        TITLE = "title", _("Emulation title")
        FORM = "form", _("Award form")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")
        SECTOR = "sector", _("Sector")
        UNIT = "unit", _("Unit")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    for_collectives = models.BooleanField(_("for collectives"), default=True)
    for_individuals = models.BooleanField(_("for individuals"), default=False)
    order = models.PositiveIntegerField(_("order"), help_text=_("1 is the highest award."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("award")
        verbose_name_plural = _("award catalogue")
        constraints = [
            models.CheckConstraint(condition=Q(for_collectives=True) | Q(for_individuals=True),
                                   name="award_for_someone"),
        ]

    def __str__(self) -> str:
        return self.name


class BlocYear(models.Model):
    """One bloc's calendar year (năm thi đua). Status only moves forward, through services."""

    class Status(models.TextChoices):
        SETUP = "setup", _("Setting up")
        REGISTRATION = "registration", _("Registration")
        SCORING = "scoring", _("Scoring")
        MEETING = "meeting", _("Year-end meeting")
        SUBMITTED = "submitted", _("Submitted to the province")
        CLOSED = "closed", _("Closed")

    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="years", verbose_name=_("bloc"))
    year = models.PositiveIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.SETUP)
    registration_deadline = models.DateField(_("registration deadline"), null=True, blank=True)
    covenant_signing_on = models.DateField(_("covenant signing"), null=True, blank=True)
    self_scores_due = models.DateField(_("self-scores due"), null=True, blank=True)
    cross_checks_due = models.DateField(_("cross-checks due"), null=True, blank=True)
    place_name = models.CharField(
        _("place name"), max_length=100, blank=True,
        help_text=_("Printed on documents before the date, e.g. “Quảng Trị”."),
    )

    class Meta:
        ordering = ["bloc__name", "-year"]
        verbose_name = _("bloc year")
        verbose_name_plural = _("bloc years")
        constraints = [
            models.UniqueConstraint(fields=["bloc", "year"], name="bloc_year_unique"),
            models.CheckConstraint(condition=Q(year__gte=1945, year__lte=2200), name="bloc_year_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.bloc.name} – {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("blocs:year-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Membership(models.Model):
    """A unit's seat in a bloc year; head and deputies are positions of members (domain.md §1.1)."""

    class Position(models.TextChoices):
        MEMBER = "member", _("Member")
        HEAD = "head", _("Head unit")
        DEPUTY = "deputy", _("Deputy unit")

    bloc_year = models.ForeignKey(BlocYear, on_delete=models.CASCADE, related_name="memberships",
                                  verbose_name=_("bloc year"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("unit"))
    # Copied from bloc_year so that the database can refuse a unit in two blocs in one year.
    year = models.PositiveIntegerField(_("year"))
    position = models.CharField(_("position"), max_length=8, choices=Position.choices, default=Position.MEMBER)
    # The unit's name and province as they were in this year (domain.md §7a): blank while they are the unit's
    # own; frozen when the year is submitted, and on past years' seats before a rename, a merger or a province
    # merger changes the unit (blocs/services/units.py `names_freeze`; read by blocs.selectors.names_in_year).
    unit_name = models.CharField(_("unit name that year"), max_length=200, blank=True)
    province_name = models.CharField(_("province that year"), max_length=100, blank=True)

    class Meta:
        ordering = ["unit__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="membership_one_bloc_per_unit_year"),
            models.UniqueConstraint(fields=["bloc_year"], condition=Q(position="head"),
                                    name="membership_one_head_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.bloc_year})"

    @property
    def name_then(self) -> str:
        """The unit's name as it was in this year (domain.md §7a); reads `unit` only for rows never frozen."""
        return self.unit_name or self.unit.name


class UnitChange(models.Model):
    """One merger or split of units, or one merger of provinces, with its effective date (domain.md §7a).

    A unit merger: predecessors → one successor (each predecessor `merged_into` it). A split: one predecessor →
    new successors, `carrier` the successor that carries the predecessor's history (`renamed_from` it), or none.
    A province merger: `province_from` → `province_to`; the units of the former listed as predecessors.
    """

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merger of units")
        SPLIT = "split", _("Split of a unit")
        PROVINCE_MERGE = "province_merge", _("Merger of provinces")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    effective_on = models.DateField(_("effective date"))
    actor = models.ForeignKey("User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    reason = models.CharField(_("decision or reason"), max_length=300, blank=True)
    predecessors = models.ManyToManyField(Unit, related_name="changes_ending", blank=True,
                                          verbose_name=_("predecessors"))
    successors = models.ManyToManyField(Unit, related_name="changes_starting", blank=True,
                                        verbose_name=_("successors"))
    carrier = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("successor carrying the history"))
    province_from = models.ForeignKey(Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("former province"))
    province_to = models.ForeignKey(Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("province"))

    class Meta:
        ordering = ["-effective_on", "-pk"]
        verbose_name = _("unit change")
        verbose_name_plural = _("unit changes")
        constraints = [
            models.CheckConstraint(
                name="unit_change_provinces_match_kind",
                condition=(Q(kind="province_merge", province_from__isnull=False, province_to__isnull=False)
                           & ~Q(province_from=models.F("province_to")))
                | Q(~Q(kind="province_merge"), province_from__isnull=True, province_to__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_on:%d/%m/%Y}"


class User(AbstractUser):
    """A person; belongs to a unit (or to the province board, with no unit)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="people",
                             verbose_name=_("unit"))
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    wants_reminders = models.BooleanField(_("email reminders"), default=True,
                                          help_text=_("Reminders by email before a deadline and on the day."))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RoleGrant(models.Model):
    """One role of one user over one scope (domain.md §5). The administrator is Django's superuser."""

    class Kind(models.TextChoices):
        SECRETARIAT = "secretariat", _("Secretariat")
        REPRESENTATIVE = "representative", _("Unit representative")
        CHAIR = "chair", _("Chair")
        BOARD = "board", _("Province board")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("user"))
    kind = models.CharField(_("role"), max_length=16, choices=Kind.choices)
    bloc = models.ForeignKey(Bloc, on_delete=models.CASCADE, null=True, blank=True, related_name="grants",
                             verbose_name=_("bloc"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="grants",
                             verbose_name=_("unit"))
    bloc_year = models.ForeignKey(BlocYear, on_delete=models.CASCADE, null=True, blank=True, related_name="grants",
                                  verbose_name=_("bloc year"))
    province = models.ForeignKey(Province, on_delete=models.CASCADE, null=True, blank=True, related_name="grants",
                                 verbose_name=_("province"))
    # A unit acts through one or more representatives, and deputies who stand in when they are absent
    # (domain.md §1); whoever of them acts, the unit still has one ballot a round.
    is_deputy = models.BooleanField(_("deputy"), default=False,
                                    help_text=_("Stands in for the unit's representative when they are absent."))

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                name="role_grant_scope_matches_kind",
                condition=(
                    Q(kind="secretariat", bloc__isnull=False, unit__isnull=True, bloc_year__isnull=True,
                      province__isnull=True)
                    | Q(kind="representative", unit__isnull=False, bloc__isnull=True, bloc_year__isnull=True,
                        province__isnull=True)
                    | Q(kind="chair", bloc_year__isnull=False, bloc__isnull=True, unit__isnull=True,
                        province__isnull=True)
                    | Q(kind="board", province__isnull=False, bloc__isnull=True, unit__isnull=True,
                        bloc_year__isnull=True)
                ),
            ),
            models.UniqueConstraint(fields=["user", "bloc"], condition=Q(kind="secretariat"),
                                    name="role_grant_secretariat_unique"),
            models.UniqueConstraint(fields=["user", "unit"], condition=Q(kind="representative"),
                                    name="role_grant_representative_unique"),
            models.UniqueConstraint(fields=["user", "bloc_year"], condition=Q(kind="chair"),
                                    name="role_grant_chair_unique"),
            models.UniqueConstraint(fields=["user", "province"], condition=Q(kind="board"),
                                    name="role_grant_board_unique"),
            models.CheckConstraint(name="role_grant_deputy_is_representative",
                                   condition=Q(is_deputy=False) | Q(kind="representative")),
        ]

    def __str__(self) -> str:
        scope = self.bloc or self.unit or self.bloc_year or self.province
        return f"{self.user} – {self.get_kind_display()} – {scope}"


def attachment_path(instance: models.Model, filename: str) -> str:
    return f"attachments/{instance._meta.model_name}/{filename}"


class Covenant(models.Model):
    """The year's pledge (giao ước thi đua): contents and targets, signing date and place, signed scan."""

    bloc_year = models.OneToOneField(BlocYear, on_delete=models.CASCADE, related_name="covenant",
                                     verbose_name=_("bloc year"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_place = models.CharField(_("signed at"), max_length=200, blank=True)
    scan = models.FileField(_("signed scan"), upload_to=attachment_path, blank=True)

    class Meta:
        verbose_name = _("covenant")
        verbose_name_plural = _("covenants")

    def __str__(self) -> str:
        return str(self.bloc_year)


class CovenantItem(models.Model):
    covenant = models.ForeignKey(Covenant, on_delete=models.CASCADE, related_name="items", verbose_name=_("covenant"))
    order = models.PositiveIntegerField(_("order"))
    content = models.CharField(_("emulation content"), max_length=500)
    target = models.CharField(_("target"), max_length=500, blank=True)

    class Meta:
        ordering = ["order"]
        verbose_name = _("covenant item")
        verbose_name_plural = _("covenant items")
        constraints = [models.UniqueConstraint(fields=["covenant", "order"], name="covenant_item_order_unique")]

    def __str__(self) -> str:
        return self.content


class Registration(models.Model):
    """A unit's registration of targets and the titles it aims for (đăng ký thi đua)."""

    bloc_year = models.ForeignKey(BlocYear, on_delete=models.CASCADE, related_name="registrations",
                                  verbose_name=_("bloc year"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("unit"))
    targets = models.TextField(_("targets"), blank=True)
    awards = models.ManyToManyField(Award, blank=True, related_name="registrations",
                                    verbose_name=_("titles and awards aimed for"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("submitted by"))
    # A fact fixed at submission: a later change of the deadline does not rewrite history.
    is_late = models.BooleanField(_("late"), default=False)
    # A registration sent on paper and typed in by the secretariat: the day the paper arrived, which decides
    # lateness (issue 10, item 2).
    received_on = models.DateField(_("received on paper on"), null=True, blank=True)

    class Meta:
        ordering = ["unit__name"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["bloc_year", "unit"], name="registration_one_per_unit_year"),
            models.CheckConstraint(condition=Q(is_late=False) | Q(submitted_at__isnull=False),
                                   name="registration_late_only_when_submitted"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.bloc_year.year}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AuditEntry(models.Model):
    """An append-only record of a write: who, what, when, the changed values (pretix's LogEntry).

    The model refuses updates and deletes; the database refuses them too (migration 0002).
    Ballot contents never appear here: only that a unit voted.
    """

    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=80)
    bloc_year = models.ForeignKey(BlocYear, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="audit_entries", verbose_name=_("bloc year"))
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise TypeError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> None:
        raise TypeError("Audit entries cannot be deleted.")


# --- Scoring (domain.md §1.3: self-score, cross-check, verification) --------------------------------------


class ScoringTable(models.Model):
    """The year's scoring table (bảng chấm điểm); locked once scoring opens."""

    class CheckMode(models.TextChoices):
        LEADERSHIP = "leadership", _("By the head and deputy units")
        ROUND_ROBIN = "round_robin", _("By peers, round robin")
        ALL_TO_ALL = "all_to_all", _("By peers, every unit checks every other")

    bloc_year = models.OneToOneField(BlocYear, on_delete=models.CASCADE, related_name="scoring_table",
                                     verbose_name=_("bloc year"))
    max_total = models.DecimalField(_("maximum total"), max_digits=7, decimal_places=2, default=100)
    bonus_cap = models.DecimalField(_("bonus cap"), max_digits=6, decimal_places=2, default=5)
    check_mode = models.CharField(_("cross-check"), max_length=12, choices=CheckMode.choices,
                                  default=CheckMode.LEADERSHIP)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scoring table")
        verbose_name_plural = _("scoring tables")
        constraints = [
            models.CheckConstraint(condition=Q(max_total__gt=0) & Q(bonus_cap__gte=0), name="scoring_table_limits"),
        ]

    def __str__(self) -> str:
        return str(self.bloc_year)

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class ScoringItem(models.Model):
    """A line of the table: a criterion (in a group), a bonus item, a penalty item or a disqualifier."""

    class Kind(models.TextChoices):
        CRITERION = "criterion", _("Criterion")
        BONUS = "bonus", _("Bonus item")
        PENALTY = "penalty", _("Penalty item")
        DISQUALIFIER = "disqualifier", _("Disqualifier")

    table = models.ForeignKey(ScoringTable, on_delete=models.CASCADE, related_name="items",
                              verbose_name=_("scoring table"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.CRITERION)
    group = models.CharField(_("group"), max_length=300, blank=True,
                             help_text=_("e.g. “I. Performing political tasks”"))
    code = models.CharField(_("code"), max_length=20)
    text = models.CharField(_("text"), max_length=1000)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2, default=0)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    guidance = models.TextField(_("guidance"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["table", "order", "pk"]
        verbose_name = _("scoring item")
        verbose_name_plural = _("scoring items")
        constraints = [
            models.UniqueConstraint(fields=["table", "code"], name="scoring_item_code_unique"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="scoring_item_max_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.text}"


class Scorecard(models.Model):
    """A unit's scores for the year: self, checked and final values are all kept (domain.md §1.3)."""

    bloc_year = models.ForeignKey(BlocYear, on_delete=models.CASCADE, related_name="scorecards",
                                  verbose_name=_("bloc year"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("unit"))
    submitted_at = models.DateTimeField(_("self-score submitted at"), null=True, blank=True)
    checked_at = models.DateTimeField(_("cross-check submitted at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    disqualifier = models.ForeignKey(ScoringItem, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("disqualified for"))
    disqualification_note = models.CharField(_("disqualification note"), max_length=500, blank=True)
    final_total = models.DecimalField(_("final score"), max_digits=7, decimal_places=2, null=True, blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("self-scores submitted by"))
    # Self-scores received on paper or in an Excel file and entered by the secretariat for the unit (issue 10,
    # item 2): marked as such, with the day the paper or file arrived.
    is_on_behalf = models.BooleanField(_("entered on the unit's behalf"), default=False)
    received_on = models.DateField(_("self-scores received on"), null=True, blank=True)

    class Meta:
        ordering = ["unit__name"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["bloc_year", "unit"], name="scorecard_one_per_unit_year"),
            models.CheckConstraint(condition=Q(is_on_behalf=False) | Q(received_on__isnull=False),
                                   name="scorecard_on_behalf_has_received_on"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.bloc_year.year}"

    @property
    def is_disqualified(self) -> bool:
        return self.disqualifier_id is not None


class ScoreLine(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="lines",
                                  verbose_name=_("scorecard"))
    item = models.ForeignKey(ScoringItem, on_delete=models.PROTECT, related_name="lines", verbose_name=_("item"))
    self_value = models.DecimalField(_("self score"), max_digits=6, decimal_places=2, null=True, blank=True)
    self_comment = models.TextField(_("comment"), blank=True)
    # The mean of the CheckValue rows, kept here so that self, checked and final sit side by side.
    checked_value = models.DecimalField(_("checked score"), max_digits=6, decimal_places=2, null=True, blank=True)
    final_value = models.DecimalField(_("final score"), max_digits=6, decimal_places=2, null=True, blank=True)
    final_note = models.TextField(_("verification note"), blank=True)

    class Meta:
        ordering = ["item__order", "item__pk"]
        verbose_name = _("score line")
        verbose_name_plural = _("score lines")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "item"], name="score_line_unique"),
            models.CheckConstraint(
                condition=(Q(self_value__isnull=True) | Q(self_value__gte=0))
                & (Q(checked_value__isnull=True) | Q(checked_value__gte=0))
                & (Q(final_value__isnull=True) | Q(final_value__gte=0)),
                name="score_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} – {self.item.code}"


class CheckValue(models.Model):
    """One checker's value for one line, with the checker's comment."""

    line = models.ForeignKey(ScoreLine, on_delete=models.CASCADE, related_name="checks",
                             verbose_name=_("score line"))
    checker = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("checker"))
    value = models.DecimalField(_("checked score"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("checker's comment"), blank=True)

    class Meta:
        ordering = ["checker__name"]
        verbose_name = _("checked value")
        verbose_name_plural = _("checked values")
        constraints = [
            models.UniqueConstraint(fields=["line", "checker"], name="check_value_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="check_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.checker} – {self.value}"


class Evidence(models.Model):
    line = models.ForeignKey(ScoreLine, on_delete=models.CASCADE, related_name="evidence",
                             verbose_name=_("score line"))
    file = models.FileField(_("file"), upload_to="evidence/%Y/")
    name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.name


class CheckAssignment(models.Model):
    """Which unit cross-checks which; never a unit itself (database constraint)."""

    bloc_year = models.ForeignKey(BlocYear, on_delete=models.CASCADE, related_name="check_assignments",
                                  verbose_name=_("bloc year"))
    checker = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("checker"))
    checked = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("checked unit"))

    class Meta:
        ordering = ["checked__name"]
        verbose_name = _("cross-check assignment")
        verbose_name_plural = _("cross-check assignments")
        constraints = [
            models.UniqueConstraint(fields=["bloc_year", "checker", "checked"], name="check_assignment_unique"),
            models.CheckConstraint(condition=~Q(checker=models.F("checked")), name="check_assignment_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.checker} → {self.checked}"


class SignInFailure(models.Model):
    """A failed sign-in, kept to slow down password guessing across every app server (issue 6)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class SignInLock(models.Model):
    """A pause in sign-ins after repeated failures (issue 13). Who is paused depends on the kind: one account
    from one address, one address for every account, or one account from addresses it has never signed in
    from (a delay that grows, so that guessing from many addresses is slowed, never the owner at her desk).
    The administrator sees every lock and can lift one; locking and lifting are audited."""

    class Kind(models.TextChoices):
        ACCOUNT_ADDRESS = "account-address", _("account from one address")
        ADDRESS = "address", _("address")
        ACCOUNT = "account", _("account from unknown addresses")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    username = models.CharField(_("user name"), max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True, db_index=True)
    failures = models.PositiveIntegerField(_("failures"))
    created_at = models.DateTimeField(_("locked at"), auto_now_add=True, db_index=True)
    until = models.DateTimeField(_("until"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("lifted by"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sign-in lock")
        verbose_name_plural = _("sign-in locks")

    def __str__(self) -> str:
        who = " ".join(part for part in (self.username, self.ip or "") if part)
        return f"{self.get_kind_display()}: {who}"

    def ends_at(self) -> object:
        return self.lifted_at or self.until


class SignInAddress(models.Model):
    """An address a user signed in from successfully: the account delay does not apply there (issue 13)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    ip = models.GenericIPAddressField()
    last_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ip"], name="signin_address_once_per_user")]
        verbose_name = _("known sign-in address")
        verbose_name_plural = _("known sign-in addresses")

    def __str__(self) -> str:
        return f"{self.user} {self.ip}"


class CalendarFeed(models.Model):
    """A person's secret calendar link (.ics). Only the token's SHA-256 is kept: the link is shown once, and a
    new one replaces it (the old link then answers 404)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed",
                                verbose_name=_("user"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")

    def __str__(self) -> str:
        return str(self.user)


class ReminderSent(models.Model):
    """One reminder email, recorded before it leaves: the unique constraint makes a second cron run, or a second
    server running at the same moment, skip it (blocs/services/reminders.py)."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Days before")
        ON_THE_DAY = "day", _("On the day")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    bloc_year = models.ForeignKey(BlocYear, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("bloc year"))
    step = models.CharField(_("step"), max_length=20)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    due_on = models.DateField(_("due on"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [models.UniqueConstraint(fields=["user", "bloc_year", "step", "kind"],
                                               name="reminder_sent_once")]

    def __str__(self) -> str:
        return f"{self.user} – {self.step} – {self.kind}"
