"""Use cases of the adopted report's digital signature (chữ ký số, issue 12 item 7): the chair uploads the PDF
signed elsewhere (a USB token and the province's signing software), or signs on the server when the
installation holds a certificate (settings SIGNING_PKCS12, SIGNING_PASSPHRASE).

Either way the signed PDF must verify against the adopted PDF (reports/signatures.py); once recorded, it is
what is served and archived, and the unsigned PDF stays on the version. One signature per adopted version: a
change to the report is a correction, adopted and signed in its turn.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blocs.audit import audit
from blocs.models import User
from blocs.writable import lock_year
from reports import signatures
from reports.models import ReportSignature, ReportVersion
from reports.pdf import signature_place


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


def _record(*, actor: User | None, version: ReportVersion, data: bytes, facts: signatures.SignatureFacts,
            method: str) -> ReportSignature:
    signature = ReportSignature(version=version, method=method, pdf_sha256=facts.sha256, signer=facts.signer,
                                organisation=facts.organisation, issuer=facts.issuer, signed_at=facts.signed_at,
                                is_trusted=facts.is_trusted, recorded_by=actor)
    name = f"bao-cao-{version.bloc_year.year}-khoi{version.bloc_year.bloc_id}-v{version.number}-da-ky.pdf"
    signature.pdf.save(name, ContentFile(data), save=False)
    try:
        signature.save()
    except Exception:
        signature.pdf.storage.delete(signature.pdf.name)  # no orphan file when the record fails
        raise
    audit(actor=actor, action=f"reports.report.{'signature_uploaded' if method == 'uploaded' else 'signed'}",
          bloc_year=version.bloc_year, obj=signature,
          changes={"version": version.number, "signer": facts.signer, "organisation": facts.organisation,
                   "issuer": facts.issuer, "signed_at": facts.signed_at.isoformat() if facts.signed_at else None,
                   "trusted": facts.is_trusted, "pdf_sha256": facts.sha256, "adopted_sha256": version.pdf_sha256})
    return signature


def verify_against(version: ReportVersion, data: bytes) -> signatures.SignatureFacts:
    return signatures.verify_signed_pdf(signed=data, adopted=adopted_pdf_bytes(version),
                                        roots=signatures.trust_roots(settings.SIGNING_TRUST_ROOTS))


@transaction.atomic
def report_signature_upload(*, actor: User | None, version: ReportVersion, data: bytes) -> ReportSignature:
    """The adopted report signed elsewhere, verified before it is kept."""
    version = _lock_adopted(version)
    facts = verify_against(version, data)
    return _record(actor=actor, version=version, data=data, facts=facts,
                   method=ReportSignature.Method.UPLOADED)


@transaction.atomic
def report_sign(*, actor: User | None, version: ReportVersion) -> ReportSignature:
    """Sign on the server with its certificate, the stamp over the signer's block; verified like an upload."""
    if not server_signing_enabled():
        raise ValidationError(_("This installation holds no signing certificate: sign the PDF with your "
                                "signing software and upload it."))
    version = _lock_adopted(version)
    adopted = adopted_pdf_bytes(version)
    page, box = signature_place(version.frozen_html)
    signer = signatures.load_signer(settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE)
    now = timezone.localtime()
    data = signatures.sign_pdf(adopted=adopted, signer=signer, place=signatures.StampPlace(page=page, box=box),
                               when=now.strftime("%H:%M, %d/%m/%Y"),
                               location=version.bloc_year.bloc.province.name)
    facts = verify_against(version, data)
    return _record(actor=actor, version=version, data=data, facts=facts, method=ReportSignature.Method.SERVER)
