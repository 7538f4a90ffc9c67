"""The year-end report: versions, comments and adoption (domain.md §4, issue 5).

A draft is a version; a new draft is a new version. Adoption freezes a version: its HTML and PDF are
stored with a SHA-256 fingerprint and never change. A correction is a new version that says what it
corrects.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from awards.models import Round
from blocs.models import BlocYear, Unit, User

# The narrative sections the secretariat writes; the others fill themselves in from the data.
NARRATIVE_SECTIONS = [
    ("situation", _("Situation: advantages and difficulties")),
    ("political_tasks", _("Results of the political tasks")),
    ("leadership", _("How the emulation movement was led and organised")),
    ("strengths", _("Strengths")),
    ("shortcomings", _("Shortcomings and their causes")),
    ("lessons", _("Lessons learnt")),
    ("orientation", _("Orientation and tasks for next year")),
    ("proposals", _("Proposals to the province")),
]
SECTION_KEYS = [key for key, _label in NARRATIVE_SECTIONS]


class ReportVersion(models.Model):
    """One version of the year-end report of a bloc year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CIRCULATED = "circulated", _("Circulated for comments")
        SUPERSEDED = "superseded", _("Superseded by a later draft")
        ADOPTED = "adopted", _("Adopted")

    bloc_year = models.ForeignKey(BlocYear, on_delete=models.PROTECT, related_name="report_versions",
                                  verbose_name=_("bloc year"))
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    narrative = models.JSONField(_("narrative sections"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
                                 verbose_name=_("corrects"))
    correction_note = models.TextField(_("what this version corrects"), blank=True)
    # Set at adoption, never changed afterwards.
    doc_number = models.PositiveIntegerField(_("document number"), null=True, blank=True)
    doc_date = models.DateField(_("document date"), null=True, blank=True)
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    adopted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("adopted by"))
    unanswered_confirmed = models.BooleanField(_("adopted with unanswered comments"), default=False)
    frozen_html = models.TextField(_("adopted text"), blank=True)
    pdf = models.FileField(_("adopted PDF"), upload_to="reports/", blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, blank=True)

    class Meta:
        ordering = ["bloc_year", "-number"]
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        constraints = [
            models.UniqueConstraint(fields=["bloc_year", "number"], name="report_version_unique"),
            models.CheckConstraint(
                condition=~Q(status="adopted") | (Q(doc_date__isnull=False) & ~Q(pdf_sha256="")),
                name="report_adopted_is_frozen"),
        ]

    def __str__(self) -> str:
        return f"{self.bloc_year} – v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("reports:report-version", args=[self.pk])

    @property
    def is_adopted(self) -> bool:
        return self.status == self.Status.ADOPTED


class Comment(models.Model):
    """A member unit's comment on a section of a circulated draft, and the secretariat's answer."""

    class Answer(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        PARTLY = "partly", _("Partly accepted")
        NOT = "not", _("Not accepted")

    version = models.ForeignKey(ReportVersion, on_delete=models.PROTECT, related_name="comments",
                                verbose_name=_("version"))
    section = models.CharField(_("section"), max_length=20)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, blank=True)
    answer_text = models.TextField(_("reason"), blank=True)
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["version", "created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(condition=Q(answer="") | Q(answered_at__isnull=False),
                                   name="comment_answer_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.section}"


class IssuedDocument(models.Model):
    """The number a bloc gives a document (counting minutes, meeting minutes, submission letter)."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Year-end report")
        COUNTING_MINUTES = "counting", _("Ballot-counting minutes")
        MEETING_MINUTES = "minutes", _("Meeting minutes")
        SUBMISSION = "submission", _("Submission letter")

    bloc_year = models.ForeignKey(BlocYear, on_delete=models.PROTECT, related_name="issued_documents",
                                  verbose_name=_("bloc year"))
    kind = models.CharField(_("document"), max_length=12, choices=Kind.choices)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        verbose_name = _("document number")
        verbose_name_plural = _("document numbers")
        constraints = [models.UniqueConstraint(fields=["bloc_year", "kind"], name="issued_document_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number or ''}"


class PdfSignature(models.Model):
    """A stored PDF signed as a PDF signature (PAdES, issue 12 item 7): the signed PDF is what is served and
    archived from then on; the unsigned PDF stays kept. What the certificate says is read from the signature
    when it is verified, never typed. The adopted report and the submission letter as sent share this shape."""

    class Method(models.TextChoices):
        UPLOADED = "uploaded", _("Signed elsewhere and uploaded")
        SERVER = "server", _("Signed on the server")

    method = models.CharField(_("how it was signed"), max_length=10, choices=Method.choices)
    pdf = models.FileField(_("signed PDF"), upload_to="reports/signed/")
    pdf_sha256 = models.CharField(_("SHA-256 fingerprint of the signed PDF"), max_length=64)
    signer = models.CharField(_("signer"), max_length=255)
    organisation = models.CharField(_("signer's organisation"), max_length=255, blank=True)
    issuer = models.CharField(_("certificate issuer"), max_length=255)
    signed_at = models.DateTimeField(_("signing time"), null=True, blank=True)
    is_trusted = models.BooleanField(_("issuer in the trust list"), default=False)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        abstract = True


class ReportSignature(PdfSignature):
    """The adopted report's signature: one per adopted version."""

    version = models.OneToOneField(ReportVersion, on_delete=models.PROTECT, related_name="signature",
                                   verbose_name=_("version"))

    class Meta:
        verbose_name = _("report signature")
        verbose_name_plural = _("report signatures")

    def __str__(self) -> str:
        return f"{self.version} – {self.signer}"


class SentDocument(models.Model):
    """A document of a year as it was sent to the province (issue 12, item 5): its HTML, PDF and Word file, with
    their SHA-256, stored when the year is submitted and served as stored from then on. A row is never changed
    (the database refuses an UPDATE); a correction is a new version with the reason for it, the earlier ones
    kept (reports/services/sent.py)."""

    class Kind(models.TextChoices):
        COUNTING_MINUTES = "counting", _("Ballot-counting minutes")
        MEETING_MINUTES = "minutes", _("Meeting minutes")
        SUBMISSION = "submission", _("Submission letter")
        BALLOT = "ballot", _("Ballot paper")
        REPORT = "report", _("Year-end report")

    bloc_year = models.ForeignKey(BlocYear, on_delete=models.PROTECT, related_name="sent_documents",
                                  verbose_name=_("bloc year"))
    kind = models.CharField(_("document"), max_length=12, choices=Kind.choices)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("round"))
    version = models.PositiveIntegerField(_("version"))
    html = models.TextField(_("text as sent"))
    pdf = models.BinaryField(_("PDF as sent"))
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    docx = models.BinaryField(_("Word file as sent"))
    docx_sha256 = models.CharField(_("SHA-256 of the Word file"), max_length=64)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("sent by"))
    reason = models.TextField(_("reason for the new version"), blank=True)

    class Meta:
        ordering = ["bloc_year", "kind", "round", "-version"]
        verbose_name = _("document as sent")
        verbose_name_plural = _("documents as sent")
        constraints = [
            models.UniqueConstraint(fields=["bloc_year", "kind", "version"], condition=Q(round__isnull=True),
                                    name="sent_document_unique"),
            models.UniqueConstraint(fields=["round", "version"], condition=Q(round__isnull=False),
                                    name="sent_ballot_unique"),
            models.CheckConstraint(condition=(Q(kind="ballot") & Q(round__isnull=False))
                                   | (~Q(kind="ballot") & Q(round__isnull=True)), name="sent_document_ballot_round"),
            models.CheckConstraint(condition=Q(version=1) | ~Q(reason=""), name="sent_document_new_version_reason"),
            models.CheckConstraint(condition=Q(version__gte=1), name="sent_document_version_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.bloc_year.year} – v{self.version}"


class SentDocumentSignature(PdfSignature):
    """The submission letter as sent, signed (issue 12 item 7): one per stored version; a corrected letter (a new
    version) is signed in its turn. The stored row of the letter is never changed: its signature lives here."""

    document = models.OneToOneField(SentDocument, on_delete=models.PROTECT, related_name="signature",
                                    verbose_name=_("document as sent"))

    class Meta:
        verbose_name = _("signature of a document as sent")
        verbose_name_plural = _("signatures of documents as sent")

    def __str__(self) -> str:
        return f"{self.document} – {self.signer}"
