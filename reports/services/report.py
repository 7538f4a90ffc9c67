"""Use cases of the year-end report: drafts, comments and answers, adoption, corrections (issue 5, item 2).

Each function: keyword-only arguments, one transaction, the bloc year locked and checked writable
first, one audit entry. An adopted version is never changed: every function here refuses to touch it,
and a later change is a correction, a new version that says what it corrects (domain.md §3, "Secrecy
and trust").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.models import Meeting
from blocs.audit import audit
from blocs.models import BlocYear, Unit, User
from blocs.writable import lock_year
from reports.models import SECTION_KEYS, Comment, IssuedDocument, ReportVersion
from reports.pdf import html_to_pdf
from reports.queries.report import render_report

# Delegates may also comment on the parts built from the data, or on the report as a whole.
COMMENT_SECTIONS = [*SECTION_KEYS, "figures", "general"]
OPEN_STATUSES = (ReportVersion.Status.DRAFT, ReportVersion.Status.CIRCULATED)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").strip()


def _lock_version(version: ReportVersion) -> ReportVersion:
    """The year first, then the version: every writer takes the locks in the same order."""
    lock_year(version.bloc_year)
    return ReportVersion.objects.select_for_update(of=("self",)).select_related("bloc_year__bloc").get(
        pk=version.pk)


def _refuse_adopted(version: ReportVersion) -> None:
    if version.is_adopted:
        raise ValidationError(_("This version of the report has been adopted and can never be changed. "
                                "To change it, make a correction: a new version that says what it corrects."))


def _next_number(bloc_year: BlocYear) -> int:
    return (ReportVersion.objects.filter(bloc_year=bloc_year).aggregate(n=Max("number"))["n"] or 0) + 1


def _clean_narrative(narrative: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(narrative) - set(SECTION_KEYS))
    if unknown:
        raise ValidationError(_("Unknown section: %(sections)s.") % {"sections": ", ".join(unknown)})
    return {key: _nfc(str(narrative.get(key) or "")) for key in SECTION_KEYS}


# --- Drafts ----------------------------------------------------------------------------------------------------


@transaction.atomic
def report_draft_create(*, actor: User | None, bloc_year: BlocYear) -> ReportVersion:
    """A new draft, copying the latest version's narrative; earlier open versions are superseded."""
    bloc_year = lock_year(bloc_year)
    versions = ReportVersion.objects.filter(bloc_year=bloc_year)
    latest = versions.order_by("-number").first()
    correcting = latest.corrects if latest is not None and not latest.is_adopted else None
    if versions.filter(status=ReportVersion.Status.ADOPTED).exists() and correcting is None:
        raise ValidationError(_("The report of this year has been adopted. To change it, make a correction."))
    draft = ReportVersion.objects.create(
        bloc_year=bloc_year, number=_next_number(bloc_year), created_by=actor,
        narrative=dict(latest.narrative) if latest is not None else {key: "" for key in SECTION_KEYS},
        corrects=correcting, correction_note=latest.correction_note if correcting else "")
    superseded = list(versions.filter(status__in=OPEN_STATUSES).exclude(pk=draft.pk).values_list("number", flat=True))
    versions.filter(status__in=OPEN_STATUSES).exclude(pk=draft.pk).update(status=ReportVersion.Status.SUPERSEDED)
    audit(actor=actor, action="reports.report.draft_created", bloc_year=bloc_year, obj=draft,
          changes={"version": draft.number, "copied_from": latest.number if latest else None,
                   "superseded": superseded})
    return draft


@transaction.atomic
def report_narrative_update(*, actor: User | None, version: ReportVersion,
                            narrative: Mapping[str, str]) -> ReportVersion:
    """Drafts only: a circulated version is what the members comment on; an adopted one is frozen."""
    version = _lock_version(version)
    _refuse_adopted(version)
    if version.status != ReportVersion.Status.DRAFT:
        raise ValidationError(_("Only a draft can be edited. This version has been circulated or replaced: "
                                "create a new draft to change the text."))
    cleaned = _clean_narrative({**version.narrative, **narrative})
    changed = [key for key in SECTION_KEYS if cleaned[key] != (version.narrative or {}).get(key, "")]
    version.narrative = cleaned
    version.save(update_fields=["narrative"])
    audit(actor=actor, action="reports.report.narrative_updated", bloc_year=version.bloc_year, obj=version,
          changes={"sections": changed})
    return version


@transaction.atomic
def report_circulate(*, actor: User | None, version: ReportVersion) -> ReportVersion:
    """Send a draft to the members for comments; a previously circulated version is superseded."""
    version = _lock_version(version)
    _refuse_adopted(version)
    if version.status != ReportVersion.Status.DRAFT:
        raise ValidationError(_("Only a draft can be circulated."))
    earlier = ReportVersion.objects.filter(bloc_year=version.bloc_year, status=ReportVersion.Status.CIRCULATED)
    superseded = list(earlier.values_list("number", flat=True))
    earlier.update(status=ReportVersion.Status.SUPERSEDED)
    version.status = ReportVersion.Status.CIRCULATED
    version.save(update_fields=["status"])
    audit(actor=actor, action="reports.report.circulated", bloc_year=version.bloc_year, obj=version,
          changes={"version": version.number, "superseded": superseded})
    return version


# --- Comments and answers ------------------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, actor: User, version: ReportVersion, unit: Unit, section: str, text: str) -> Comment:
    """A member unit's comment on a section of the circulated draft (the view checks that the actor
    represents the unit)."""
    version = _lock_version(version)
    _refuse_adopted(version)
    if version.status != ReportVersion.Status.CIRCULATED:
        raise ValidationError(_("Comments are taken on the version circulated for comments."))
    if section not in COMMENT_SECTIONS:
        raise ValidationError({"section": _("Choose a section of the report.")})
    text = _nfc(text)
    if not text:
        raise ValidationError({"text": _("Write the comment.")})
    if not version.bloc_year.memberships.filter(unit=unit).exists():
        raise ValidationError(_("%(unit)s is not a member of the bloc this year.") % {"unit": unit.name})
    comment = Comment.objects.create(version=version, section=section, unit=unit, author=actor, text=text)
    audit(actor=actor, action="reports.comment.added", bloc_year=version.bloc_year, obj=comment,
          changes={"version": version.number, "section": section, "unit": unit.name})
    return comment


@transaction.atomic
def comment_answer(*, actor: User | None, comment: Comment, answer: str, reason: str) -> Comment:
    """The secretariat's answer: accepted, partly or not, with a word of reason."""
    version = _lock_version(comment.version)
    if version.is_adopted:
        raise ValidationError(_("This version of the report has been adopted: its comments can no longer "
                                "be answered."))
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if answer not in Comment.Answer.values:
        raise ValidationError({"answer": _("Choose whether the comment is accepted, partly accepted or not.")})
    reason = _nfc(reason)
    if not reason:
        raise ValidationError({"answer_text": _("Give a word of reason with the answer.")})
    before = [comment.answer, comment.answer_text]
    comment.answer, comment.answer_text = answer, reason
    comment.answered_by, comment.answered_at = actor, timezone.now()
    comment.save(update_fields=["answer", "answer_text", "answered_by", "answered_at"])
    audit(actor=actor, action="reports.comment.answered", bloc_year=version.bloc_year, obj=comment,
          changes={"answer": [before[0], answer], "reason": [before[1], reason]})
    return comment


def unanswered_comments(version: ReportVersion) -> list[Comment]:
    """Comments on this version or an earlier one of the year that nobody has answered yet (for a
    correction, only those made since the version it corrects was adopted)."""
    since = version.corrects.number if version.corrects_id else 0
    return list(Comment.objects.filter(version__bloc_year=version.bloc_year, version__number__lte=version.number,
                                       version__number__gt=since, answer="")
                .select_related("unit", "version").order_by("created_at", "pk"))


# --- Adoption and correction ---------------------------------------------------------------------------------


def _free_number(bloc_year: BlocYear, day: dt.date) -> int:
    """The next report number of the bloc in the calendar year of the date (numbering restarts each year)."""
    issued = IssuedDocument.objects.filter(bloc_year__bloc=bloc_year.bloc_id, kind=IssuedDocument.Kind.REPORT,
                                           issued_on__year=day.year).aggregate(n=Max("number"))["n"] or 0
    adopted = ReportVersion.objects.filter(bloc_year__bloc=bloc_year.bloc_id, status=ReportVersion.Status.ADOPTED,
                                           doc_date__year=day.year).aggregate(n=Max("doc_number"))["n"] or 0
    return max(issued, adopted) + 1


def _number_taken(bloc_year: BlocYear, number: int, day: dt.date) -> bool:
    return (ReportVersion.objects.filter(bloc_year__bloc=bloc_year.bloc_id, status=ReportVersion.Status.ADOPTED,
                                         doc_date__year=day.year, doc_number=number).exists()
            or IssuedDocument.objects.filter(Q(bloc_year__bloc=bloc_year.bloc_id) & ~Q(bloc_year=bloc_year),
                                             kind=IssuedDocument.Kind.REPORT, issued_on__year=day.year,
                                             number=number).exists())


def default_date(bloc_year: BlocYear) -> dt.date:
    meeting = Meeting.objects.filter(bloc_year=bloc_year).first()
    return meeting.held_on if meeting is not None else timezone.localdate()


def _store_pdf(version: ReportVersion) -> None:
    """Render the adopted HTML once, its PDF from that HTML, and keep the PDF with its fingerprint."""
    version.frozen_html = render_report(version)
    pdf = html_to_pdf(version.frozen_html)
    version.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    name = f"bao-cao-{version.bloc_year.year}-khoi{version.bloc_year.bloc_id}-v{version.number}.pdf"
    version.pdf.save(name, ContentFile(pdf), save=False)  # the field's storage: Django's default storage


@transaction.atomic
def report_adopt(*, actor: User | None, version: ReportVersion, doc_date: dt.date | None = None,
                 doc_number: int | None = None, confirm_unanswered: bool = False, reason: str = "") -> ReportVersion:
    """The chair adopts a draft or the circulated version: numbered, dated, frozen with its PDF. `reason`: why
    it is adopted with empty sections or a round still open (the adoption screen asks), recorded."""
    version = _lock_version(version)
    _refuse_adopted(version)
    if version.status not in OPEN_STATUSES:
        raise ValidationError(_("This version has been replaced by a later draft; adopt the latest one."))
    bloc_year = version.bloc_year
    adopted = ReportVersion.objects.filter(bloc_year=bloc_year, status=ReportVersion.Status.ADOPTED)
    if adopted.exists() and version.corrects_id is None:
        raise ValidationError(_("The report of this year has already been adopted. To change it, make a correction."))
    unanswered = unanswered_comments(version)
    if unanswered and not confirm_unanswered:
        raise ValidationError(
            _("%(n)d comment(s) have not been answered. Confirm that you adopt the report anyway.")
            % {"n": len(unanswered)}, code="unanswered")
    day = doc_date or default_date(bloc_year)
    reserved = IssuedDocument.objects.filter(bloc_year=bloc_year, kind=IssuedDocument.Kind.REPORT,
                                             number__isnull=False).first()
    if doc_number is None and reserved is not None and version.corrects_id is None:
        doc_number = reserved.number  # a number the secretariat set aside for the report
    if doc_number is not None and (doc_number < 1 or _number_taken(bloc_year, doc_number, day)):
        raise ValidationError({"doc_number": _("Number %(n)02d is already used by another report of the bloc "
                                               "in %(y)s.") % {"n": doc_number, "y": day.year}})
    version.doc_number = doc_number or _free_number(bloc_year, day)
    version.doc_date, version.status = day, ReportVersion.Status.ADOPTED
    version.adopted_at, version.adopted_by = timezone.now(), actor
    version.unanswered_confirmed = bool(unanswered)
    _store_pdf(version)
    try:
        version.save()
        IssuedDocument.objects.update_or_create(bloc_year=bloc_year, kind=IssuedDocument.Kind.REPORT,
                                                defaults={"number": version.doc_number, "issued_on": day})
        ReportVersion.objects.filter(bloc_year=bloc_year, status__in=OPEN_STATUSES).update(
            status=ReportVersion.Status.SUPERSEDED)
    except Exception:
        version.pdf.storage.delete(version.pdf.name)  # no orphan file when the adoption fails
        raise
    audit(actor=actor, action="reports.report.adopted", bloc_year=bloc_year, obj=version,
          changes={"version": version.number, "doc_number": version.doc_number, "doc_date": day.isoformat(),
                   "pdf_sha256": version.pdf_sha256, "unanswered": len(unanswered),
                   "unanswered_confirmed": version.unanswered_confirmed,
                   "corrects": version.corrects.number if version.corrects else None,
                   **({"reason": reason} if reason else {})})
    return version


@transaction.atomic
def report_correct(*, actor: User | None, version: ReportVersion, note: str) -> ReportVersion:
    """A correction of an adopted version: a new draft that names what it corrects; the adopted one stays."""
    version = _lock_version(version)
    if not version.is_adopted:
        raise ValidationError(_("Only an adopted report is corrected; a draft is simply edited."))
    note = _nfc(note)
    if not note:
        raise ValidationError({"note": _("Say what the correction corrects.")})
    if ReportVersion.objects.filter(bloc_year=version.bloc_year, status__in=OPEN_STATUSES).exists():
        raise ValidationError(_("A correction is already being drafted; adopt or continue it first."))
    latest = ReportVersion.objects.filter(bloc_year=version.bloc_year, status=ReportVersion.Status.ADOPTED
                                          ).order_by("-number").first()
    if latest is not None and latest.pk != version.pk:
        raise ValidationError(_("A later adopted version exists: correct that one."))
    correction = ReportVersion.objects.create(
        bloc_year=version.bloc_year, number=_next_number(version.bloc_year), created_by=actor,
        narrative=dict(version.narrative), corrects=version, correction_note=note)
    audit(actor=actor, action="reports.report.correction_created", bloc_year=version.bloc_year, obj=correction,
          changes={"version": correction.number, "corrects": version.number, "note": note})
    return correction
