"""The archive's "report" part (issue 5, item 6): every version of the year-end report, the comments with
their answers, the adopted versions with their frozen text, PDF and fingerprint, and the documents' numbers.

On import an adopted version's PDF must still match its SHA-256 fingerprint, or the archive is refused:
the adopted text can never drift from what the meeting approved. A signed version carries its signed PDF
(`signature`, issue 12 item 7), verified again on import: a signature that is broken or does not cover the
adopted PDF exactly refuses the archive. What the certificate says is read from the signature, not from the
archive.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from operator import itemgetter
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from blocs.archive import ExportRefs, ImportContext, register_section
from blocs.models import BlocYear, User
from emulation.kernel.archive import (
    file_base64,
    read_fields,
    read_key,
    read_list,
    read_object,
    read_refusal,
    read_value,
    values_of,
)
from reports import signatures
from reports.models import SECTION_KEYS, Comment, IssuedDocument, ReportSignature, ReportVersion

SECTION = "report"
VERSION_FIELDS = ("number", "status", "created_at", "correction_note", "doc_number", "doc_date", "adopted_at",
                  "unanswered_confirmed", "frozen_html", "pdf_sha256")
COMMENT_FIELDS = ("section", "text", "created_at", "answer", "answer_text", "answered_at")
NUMBER_FIELDS = ("kind", "number", "issued_on")


def register() -> None:
    register_section(SECTION, report_export, report_import)


def _username(user: User | None) -> str | None:
    return user.username if user is not None else None


def _user(value: Any) -> User | None:
    return User.objects.filter(username=value).first() if isinstance(value, str) else None


def _version_entry(version: ReportVersion, refs: ExportRefs) -> dict[str, Any]:
    comments = [{**values_of(c, COMMENT_FIELDS), "unit": refs.unit(c.unit), "author": _username(c.author),
                 "answered_by": _username(c.answered_by)} for c in version.comments.all()]
    return {**values_of(version, VERSION_FIELDS), "narrative": version.narrative,
            "created_by": _username(version.created_by), "adopted_by": _username(version.adopted_by),
            "corrects": version.corrects.number if version.corrects_id else None,
            "pdf": {"file_name": PurePath(version.pdf.name).name, "content_base64": file_base64(version.pdf)}
            if version.pdf else None,
            "comments": sorted(comments, key=itemgetter("created_at", "unit", "section", "text")),
            **({"signature": _signature_entry(version.signature)} if hasattr(version, "signature") else {})}


def _signature_entry(signature: ReportSignature) -> dict[str, Any]:
    return {**values_of(signature, ("method", "recorded_at", "pdf_sha256")),
            "recorded_by": _username(signature.recorded_by),
            "file_name": PurePath(signature.pdf.name).name, "content_base64": file_base64(signature.pdf)}


def report_export(bloc_year: BlocYear, refs: ExportRefs) -> dict[str, Any]:
    versions = (ReportVersion.objects.filter(bloc_year=bloc_year).order_by("number")
                .select_related("created_by", "adopted_by", "corrects", "signature__recorded_by")
                .prefetch_related("comments__unit", "comments__author", "comments__answered_by"))
    numbers = [values_of(d, NUMBER_FIELDS) for d in IssuedDocument.objects.filter(bloc_year=bloc_year)]
    return {"versions": [_version_entry(v, refs) for v in versions],
            "issued_documents": sorted(numbers, key=itemgetter("kind"))}


def _pdf(raw: Any, where: str, fingerprint: str) -> ContentFile | None:
    if raw is None:
        return None
    entry = read_object(raw, f"{where}.pdf")
    try:
        data = base64.b64decode(str(read_key(entry, "content_base64", f"{where}.pdf")), validate=True)
    except (binascii.Error, ValueError) as error:
        raise read_refusal("pdf", where, _("The PDF is damaged.")) from error
    if hashlib.sha256(data).hexdigest() != fingerprint:
        raise ValidationError(_("“%(where)s”: the adopted PDF does not match its SHA-256 fingerprint; the archive "
                                "was changed.") % {"where": where})
    return ContentFile(data, name=str(read_key(entry, "file_name", f"{where}.pdf")))


def _add_version(context: ImportContext, raw: Any, where: str, versions: dict[int, ReportVersion]) -> None:
    fields = read_fields(ReportVersion, raw, VERSION_FIELDS, where)
    narrative = read_key(raw, "narrative", where)
    if not isinstance(narrative, dict) or set(narrative) - set(SECTION_KEYS) or not all(
            isinstance(text, str) for text in narrative.values()):
        raise read_refusal("narrative", where, _("The narrative names unknown sections or is not text."))
    corrects = read_key(raw, "corrects", where)
    if corrects is not None and corrects not in versions:
        raise read_refusal("corrects", where, _("It names a version that is not listed before it."))
    pdf = _pdf(read_key(raw, "pdf", where), where, fields["pdf_sha256"])
    if fields["status"] == ReportVersion.Status.ADOPTED and pdf is None:
        raise read_refusal("pdf", where, _("An adopted version carries its PDF."))
    version = ReportVersion(bloc_year=context.bloc_year, narrative=narrative, corrects=versions.get(corrects),
                            created_by=_user(read_key(raw, "created_by", where)),
                            adopted_by=_user(read_key(raw, "adopted_by", where)), **fields)
    if pdf is not None:
        version.pdf.save(pdf.name, pdf, save=False)
    created_at = fields["created_at"]
    version.save()
    ReportVersion.objects.filter(pk=version.pk).update(created_at=created_at)  # the archived time
    versions[version.number] = version
    if "signature" in raw:  # optional: absent from archives made before signatures, and from unsigned versions
        _add_signature(version, pdf, read_key(raw, "signature", where), f"{where}.signature")
    for i, item in enumerate(read_list(read_key(raw, "comments", where), f"{where}.comments")):
        _add_comment(context, version, item, f"{where}.comments[{i}]")


def _add_signature(version: ReportVersion, adopted: ContentFile | None, raw: Any, where: str) -> None:
    entry = read_object(raw, where)
    if adopted is None or not version.is_adopted:
        raise read_refusal("signature", where, _("Only an adopted version carries a signed PDF."))
    try:
        data = base64.b64decode(str(read_key(entry, "content_base64", where)), validate=True)
    except (binascii.Error, ValueError) as error:
        raise read_refusal("content_base64", where, _("The signed PDF is damaged.")) from error
    if hashlib.sha256(data).hexdigest() != read_key(entry, "pdf_sha256", where):
        raise ValidationError(_("“%(where)s”: the signed PDF does not match its SHA-256 fingerprint; the archive "
                                "was changed.") % {"where": where})
    adopted.seek(0)
    try:
        facts = signatures.verify_signed_pdf(signed=data, adopted=adopted.read(),
                                             roots=signatures.trust_roots(settings.SIGNING_TRUST_ROOTS))
    except ValidationError as error:
        raise ValidationError(_("“%(where)s”: the signed PDF does not verify: %(problem)s")
                              % {"where": where, "problem": " ".join(error.messages)}) from error
    method = read_key(entry, "method", where)
    if method not in ReportSignature.Method.values:
        raise read_refusal("method", where, _("It is neither an upload nor a signature made on the server."))
    signature = ReportSignature(
        version=version, method=method, pdf_sha256=facts.sha256, signer=facts.signer,
        organisation=facts.organisation, issuer=facts.issuer, signed_at=facts.signed_at,
        is_trusted=facts.is_trusted, recorded_by=_user(read_key(entry, "recorded_by", where)))
    signature.pdf.save(str(read_key(entry, "file_name", where)), ContentFile(data), save=False)
    signature.save()
    recorded_at = read_value(ReportSignature._meta.get_field("recorded_at"), read_key(entry, "recorded_at", where),
                             f"{where}.recorded_at")
    ReportSignature.objects.filter(pk=signature.pk).update(recorded_at=recorded_at)  # the archived time


def _add_comment(context: ImportContext, version: ReportVersion, raw: Any, where: str) -> None:
    fields = read_fields(Comment, raw, COMMENT_FIELDS, where)
    code = read_key(raw, "unit", where)
    author = _user(read_key(raw, "author", where)) or context.actor
    if code not in context.units or author is None:
        raise read_refusal("unit", where, _("A comment names a unit of the archive and an author."))
    created_at = fields.pop("created_at")
    comment = Comment.objects.create(version=version, unit=context.units[code], author=author,
                                     answered_by=_user(read_key(raw, "answered_by", where)), **fields)
    Comment.objects.filter(pk=comment.pk).update(created_at=created_at)


def report_import(context: ImportContext, raw: Any) -> dict[str, int]:
    if raw is None:
        return {}
    data = read_object(raw, SECTION)
    versions: dict[int, ReportVersion] = {}
    for i, item in enumerate(read_list(read_key(data, "versions", SECTION), f"{SECTION}.versions")):
        _add_version(context, item, f"{SECTION}.versions[{i}]", versions)
    numbers = read_list(read_key(data, "issued_documents", SECTION), f"{SECTION}.issued_documents")
    for i, item in enumerate(numbers):
        IssuedDocument.objects.create(bloc_year=context.bloc_year,
                                      **read_fields(IssuedDocument, item, NUMBER_FIELDS,
                                                    f"{SECTION}.issued_documents[{i}]"))
    return {"report_versions": len(versions), "issued_documents": len(numbers)}
