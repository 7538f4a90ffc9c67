"""The archive's "report" part (issue 5, item 6): every version of the year-end report, the comments with
their answers, the adopted versions with their frozen text, PDF and fingerprint, and the documents' numbers.

On import an adopted version's PDF must still match its SHA-256 fingerprint, or the archive is refused:
the adopted text can never drift from what the meeting approved. A signed version carries its signed PDF
(`signature`, issue 12 item 7), verified again on import: a signature that is broken or does not cover the
adopted PDF exactly refuses the archive. What the certificate says is read from the signature, not from the
archive.

The documents as sent to the province (`sent_documents`, issue 12 item 5) travel with every version: HTML, PDF and
Word file, each file checked against its SHA-256 on import; the submission letter's signed PDF (item 7) is verified
against the letter's PDF as sent, exactly as the report's.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from collections.abc import Callable, Mapping
from operator import itemgetter
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from awards.archive import round_keys
from awards.models import Round
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
from reports.models import (
    SECTION_KEYS,
    Comment,
    IssuedDocument,
    PdfSignature,
    ReportSignature,
    ReportVersion,
    SentDocument,
    SentDocumentSignature,
)

SECTION = "report"
VERSION_FIELDS = ("number", "status", "created_at", "correction_note", "doc_number", "doc_date", "adopted_at",
                  "unanswered_confirmed", "frozen_html", "pdf_sha256")
COMMENT_FIELDS = ("section", "text", "created_at", "answer", "answer_text", "answered_at")
NUMBER_FIELDS = ("kind", "number", "issued_on")
SENT_FIELDS = ("kind", "version", "html", "pdf_sha256", "docx_sha256", "sent_at", "reason")
SENT_FILES = (("pdf", "pdf_base64", "pdf_sha256"), ("docx", "docx_base64", "docx_sha256"))


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


def _signature_entry(signature: PdfSignature) -> dict[str, Any]:
    return {**values_of(signature, ("method", "recorded_at", "pdf_sha256")),
            "recorded_by": _username(signature.recorded_by),
            "file_name": PurePath(signature.pdf.name).name, "content_base64": file_base64(signature.pdf)}


def report_export(bloc_year: BlocYear, refs: ExportRefs) -> dict[str, Any]:
    versions = (ReportVersion.objects.filter(bloc_year=bloc_year).order_by("number")
                .select_related("created_by", "adopted_by", "corrects", "signature__recorded_by")
                .prefetch_related("comments__unit", "comments__author", "comments__answered_by"))
    numbers = [values_of(d, NUMBER_FIELDS) for d in IssuedDocument.objects.filter(bloc_year=bloc_year)]
    sent = _sent_export(bloc_year)  # only a submitted year has any: an earlier archive reads the same
    return {"versions": [_version_entry(v, refs) for v in versions],
            "issued_documents": sorted(numbers, key=itemgetter("kind")), **({"sent_documents": sent} if sent else {})}


def _sent_export(bloc_year: BlocYear) -> list[dict[str, Any]]:
    keys = round_keys(bloc_year.rounds.order_by("order", "pk"))
    stored = (SentDocument.objects.filter(bloc_year=bloc_year).select_related("sent_by", "signature__recorded_by")
              .order_by("kind", "round__order", "round_id", "version"))
    return [{**values_of(d, SENT_FIELDS), "round": keys.get(d.round_id), "sent_by": _username(d.sent_by),
             "pdf_base64": base64.b64encode(bytes(d.pdf)).decode("ascii"),
             "docx_base64": base64.b64encode(bytes(d.docx)).decode("ascii"),
             **({"signature": _signature_entry(d.signature)} if hasattr(d, "signature") else {})} for d in stored]


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
        if pdf is None or not version.is_adopted:
            raise read_refusal("signature", where, _("Only an adopted version carries a signed PDF."))
        pdf.seek(0)
        _add_signature(functools.partial(ReportSignature, version=version), pdf.read(), _("the adopted report"),
                       read_key(raw, "signature", where), f"{where}.signature")
    for i, item in enumerate(read_list(read_key(raw, "comments", where), f"{where}.comments")):
        _add_comment(context, version, item, f"{where}.comments[{i}]")


def _add_signature(new_signature: Callable[..., PdfSignature], original: bytes, document: str, raw: Any,
                   where: str) -> None:
    """A signed PDF kept again only when it verifies against the `original` PDF it signs (`document` names it)."""
    entry = read_object(raw, where)
    try:
        data = base64.b64decode(str(read_key(entry, "content_base64", where)), validate=True)
    except (binascii.Error, ValueError) as error:
        raise read_refusal("content_base64", where, _("The signed PDF is damaged.")) from error
    if hashlib.sha256(data).hexdigest() != read_key(entry, "pdf_sha256", where):
        raise ValidationError(_("“%(where)s”: the signed PDF does not match its SHA-256 fingerprint; the archive "
                                "was changed.") % {"where": where})
    try:
        facts = signatures.verify_signed_pdf(signed=data, original=original, document=document,
                                             roots=signatures.trust_roots(settings.SIGNING_TRUST_ROOTS))
    except ValidationError as error:
        raise ValidationError(_("“%(where)s”: the signed PDF does not verify: %(problem)s")
                              % {"where": where, "problem": " ".join(error.messages)}) from error
    method = read_key(entry, "method", where)
    if method not in PdfSignature.Method.values:
        raise read_refusal("method", where, _("It is neither an upload nor a signature made on the server."))
    signature = new_signature(
        method=method, pdf_sha256=facts.sha256, signer=facts.signer,
        organisation=facts.organisation, issuer=facts.issuer, signed_at=facts.signed_at,
        is_trusted=facts.is_trusted, recorded_by=_user(read_key(entry, "recorded_by", where)))
    signature.pdf.save(str(read_key(entry, "file_name", where)), ContentFile(data), save=False)
    signature.save()
    recorded_at = read_value(PdfSignature._meta.get_field("recorded_at"), read_key(entry, "recorded_at", where),
                             f"{where}.recorded_at")
    type(signature).objects.filter(pk=signature.pk).update(recorded_at=recorded_at)  # the archived time


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


def _sent_file(raw: Mapping[str, Any], key: str, fingerprint: str, where: str) -> bytes:
    try:
        data = base64.b64decode(str(read_key(raw, key, where)), validate=True)
    except (binascii.Error, ValueError) as error:
        raise read_refusal(key, where, _("The file is damaged.")) from error
    if hashlib.sha256(data).hexdigest() != fingerprint:
        raise ValidationError(_("“%(where)s”: the document as sent does not match its SHA-256 fingerprint; the "
                                "archive was changed.") % {"where": where})
    return data


def _add_sent(context: ImportContext, raw: Any, where: str, rounds: Mapping[int, Round]) -> None:
    """A document as sent, its files checked against their fingerprints; the letter's signature verified."""
    fields = read_fields(SentDocument, raw, SENT_FIELDS, where)
    key = read_key(raw, "round", where)
    if key is not None and key not in rounds:
        raise read_refusal("round", where, _("It names no round of the archive."))
    files = {name: _sent_file(raw, key_, fields[sha], where) for name, key_, sha in SENT_FILES}
    document = SentDocument.objects.create(bloc_year=context.bloc_year, round=rounds.get(key), **files,
                                           sent_by=_user(read_key(raw, "sent_by", where)), **fields)
    if "signature" in raw:  # only once the letter is signed
        if document.kind != SentDocument.Kind.SUBMISSION:
            raise read_refusal("signature", where, _("Only the submission letter carries a signed PDF."))
        _add_signature(functools.partial(SentDocumentSignature, document=document), files["pdf"],
                       _("the submission letter as sent"), read_key(raw, "signature", where), f"{where}.signature")


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
    sent = read_list(data.get("sent_documents", []), f"{SECTION}.sent_documents")  # absent before issue 12
    ordered = list(context.bloc_year.rounds.order_by("order", "pk"))  # written by the voting section before
    keys = round_keys(ordered)
    rounds = {keys[round_.pk]: round_ for round_ in ordered}
    for i, item in enumerate(sent):
        _add_sent(context, item, f"{SECTION}.sent_documents[{i}]", rounds)
    return {"report_versions": len(versions), "issued_documents": len(numbers), "sent_documents": len(sent)}
