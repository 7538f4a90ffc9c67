"""Use cases of the digital signature (chữ ký số, issue 12 item 7) of the adopted report and of the submission
letter as sent: the chair uploads the PDF signed elsewhere (a USB token and the province's signing software),
or signs on the server when the installation holds a certificate (settings SIGNING_PKCS12, SIGNING_PASSPHRASE).

Either way the signed PDF must verify against the stored PDF (reports/signatures.py); once recorded, it is what
is served and archived, and the unsigned PDF stays kept. One signature per version: a change to the report is a
correction, adopted and signed in its turn; a corrected letter is a new version as sent, signed in its turn.
Both documents go through the same steps (`Signable`): only how each is locked, checked and named differs.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from blocs.audit import audit
from blocs.models import BlocYear, User
from blocs.writable import lock_year
from reports import signatures
from reports.models import PdfSignature, ReportSignature, ReportVersion, SentDocument, SentDocumentSignature
from reports.pdf import signature_place


@dataclass(frozen=True)
class Signable:
    """What signing needs of a stored document: its PDF (checked against its fingerprint), the HTML it was made
    from (laid out again to find the signer's block), how messages, files and the audit name it, and the
    signature row to record for it."""

    bloc_year: BlocYear
    original: bytes
    html: str
    document: str  # in messages: "the adopted report", "the submission letter as sent"
    file_name: str
    actions: dict[str, str]  # the audit action, by how it was signed (names written out: audit_labels.py)
    audit_facts: dict[str, Any]
    new_signature: Callable[..., PdfSignature]


def server_signing_enabled() -> bool:
    """The "sign" button shows only where the environment gives the server a certificate."""
    return bool(settings.SIGNING_PKCS12)


def adopted_pdf_bytes(version: ReportVersion) -> bytes:
    """The adopted PDF as stored, refused when it no longer matches its fingerprint."""
    try:
        with version.pdf.open("rb") as stored:
            data = stored.read()
    except (FileNotFoundError, ValueError) as missing:
        raise ValidationError(_("The adopted PDF is missing from the storage.")) from missing
    if hashlib.sha256(data).hexdigest() != version.pdf_sha256:
        raise ValidationError(_("The stored adopted PDF does not match its SHA-256 fingerprint."))
    return data


def _report(version: ReportVersion) -> Signable:
    bloc_year = version.bloc_year
    return Signable(
        bloc_year=bloc_year, original=adopted_pdf_bytes(version), html=version.frozen_html,
        document=_("the adopted report"),
        actions={PdfSignature.Method.UPLOADED: "reports.report.signature_uploaded",
                 PdfSignature.Method.SERVER: "reports.report.signed"},
        file_name=f"bao-cao-{bloc_year.year}-khoi{bloc_year.bloc_id}-v{version.number}-da-ky.pdf",
        audit_facts={"version": version.number, "adopted_sha256": version.pdf_sha256},
        new_signature=functools.partial(ReportSignature, version=version))


def _letter(document: SentDocument) -> Signable:
    bloc_year = document.bloc_year
    original = bytes(document.pdf)
    if hashlib.sha256(original).hexdigest() != document.pdf_sha256:
        raise ValidationError(_("The stored letter's PDF does not match its SHA-256 fingerprint."))
    return Signable(
        bloc_year=bloc_year, original=original, html=document.html, document=_("the submission letter as sent"),
        actions={PdfSignature.Method.UPLOADED: "reports.letter.signature_uploaded",
                 PdfSignature.Method.SERVER: "reports.letter.signed"},
        file_name=f"to-trinh-{bloc_year.year}-khoi{bloc_year.bloc_id}-v{document.version}-da-ky.pdf",
        audit_facts={"version": document.version, "sent_sha256": document.pdf_sha256},
        new_signature=functools.partial(SentDocumentSignature, document=document))


def _lock_adopted(version: ReportVersion) -> ReportVersion:
    lock_year(version.bloc_year)
    version = ReportVersion.objects.select_for_update(of=("self",)).select_related("bloc_year__bloc").get(
        pk=version.pk)
    if not version.is_adopted:
        raise ValidationError(_("Only an adopted report is signed."))
    if ReportSignature.objects.filter(version=version).exists():
        raise ValidationError(_("This version of the report is already signed. A change is a correction, "
                                "adopted and signed in its turn."))
    return version


def _lock_letter(document: SentDocument) -> SentDocument:
    """The letter as sent, in a year submitted to the province, its latest version, not signed yet. The year's
    lock keeps a new version from being stored meanwhile (reports/services/sent.py takes it too)."""
    bloc_year = lock_year(document.bloc_year)
    document = SentDocument.objects.select_related("bloc_year__bloc").get(pk=document.pk)
    if document.kind != SentDocument.Kind.SUBMISSION or bloc_year.status != BlocYear.Status.SUBMITTED:
        raise ValidationError(_("Only the submission letter of a year submitted to the province is signed here."))
    latest = SentDocument.objects.filter(bloc_year=bloc_year, kind=document.kind).aggregate(n=Max("version"))["n"]
    if document.version != latest:
        raise ValidationError(_("A later version of the letter has been stored: sign the latest version."))
    if SentDocumentSignature.objects.filter(document=document).exists():
        raise ValidationError(_("This version of the letter is already signed. A correction is a new version, "
                                "signed in its turn."))
    return document


def _verify(signable: Signable, data: bytes) -> signatures.SignatureFacts:
    return signatures.verify_signed_pdf(signed=data, original=signable.original, document=signable.document,
                                        roots=signatures.trust_roots(settings.SIGNING_TRUST_ROOTS))


def verify_against(version: ReportVersion, data: bytes) -> signatures.SignatureFacts:
    return _verify(_report(version), data)


def verify_letter(document: SentDocument, data: bytes) -> signatures.SignatureFacts:
    return _verify(_letter(document), data)


def _record(*, actor: User | None, signable: Signable, data: bytes, facts: signatures.SignatureFacts,
            method: str) -> PdfSignature:
    signature = signable.new_signature(
        method=method, pdf_sha256=facts.sha256, signer=facts.signer, organisation=facts.organisation,
        issuer=facts.issuer, signed_at=facts.signed_at, is_trusted=facts.is_trusted, recorded_by=actor)
    signature.pdf.save(signable.file_name, ContentFile(data), save=False)
    try:
        signature.save()
    except Exception:
        signature.pdf.storage.delete(signature.pdf.name)  # no orphan file when the record fails
        raise
    audit(actor=actor, action=signable.actions[method], bloc_year=signable.bloc_year, obj=signature,
          changes={**signable.audit_facts, "signer": facts.signer, "organisation": facts.organisation,
                   "issuer": facts.issuer, "signed_at": facts.signed_at.isoformat() if facts.signed_at else None,
                   "trusted": facts.is_trusted, "pdf_sha256": facts.sha256})
    return signature


def _upload(*, actor: User | None, signable: Signable, data: bytes) -> PdfSignature:
    """The document signed elsewhere, verified before it is kept."""
    facts = _verify(signable, data)
    return _record(actor=actor, signable=signable, data=data, facts=facts, method=PdfSignature.Method.UPLOADED)


def _sign(*, actor: User | None, signable: Signable) -> PdfSignature:
    """Sign on the server with its certificate, the stamp over the signer's block (Decree 30, Appendix I);
    verified like an upload."""
    page, box = signature_place(signable.html)
    signer = signatures.load_signer(settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE)
    data = signatures.sign_pdf(original=signable.original, signer=signer,
                               place=signatures.StampPlace(page=page, box=box),
                               when=timezone.localtime().strftime("%H:%M, %d/%m/%Y"),
                               location=signable.bloc_year.bloc.province.name)
    facts = _verify(signable, data)
    return _record(actor=actor, signable=signable, data=data, facts=facts, method=PdfSignature.Method.SERVER)


def _require_server_certificate() -> None:
    if not server_signing_enabled():
        raise ValidationError(_("This installation holds no signing certificate: sign the PDF with your "
                                "signing software and upload it."))


@transaction.atomic
def report_signature_upload(*, actor: User | None, version: ReportVersion, data: bytes) -> PdfSignature:
    return _upload(actor=actor, signable=_report(_lock_adopted(version)), data=data)


@transaction.atomic
def report_sign(*, actor: User | None, version: ReportVersion) -> PdfSignature:
    _require_server_certificate()
    return _sign(actor=actor, signable=_report(_lock_adopted(version)))


@transaction.atomic
def letter_signature_upload(*, actor: User | None, document: SentDocument, data: bytes) -> PdfSignature:
    return _upload(actor=actor, signable=_letter(_lock_letter(document)), data=data)


@transaction.atomic
def letter_sign(*, actor: User | None, document: SentDocument) -> PdfSignature:
    _require_server_certificate()
    return _sign(actor=actor, signable=_letter(_lock_letter(document)))
