"""PDF signatures (chữ ký số, PAdES) on the adopted report and the submission letter as sent, with pyHanko
(issue 12, item 7). No cryptography of our own: pyHanko checks and makes the signatures; this module only
decides what we accept.

A signed document is accepted when its signature is intact and cryptographically valid, and its bytes are the
stored PDF (the adopted report's, the letter's as sent), byte for byte, followed by exactly one incremental update:
the signature's own, which covers the whole file. The certificate's trust is shown, not required: a province's CA
is trusted only when the operator lists it (setting SIGNING_TRUST_ROOTS, a PEM bundle), and "valid signature,
issuer not in the trust list" is said as it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import pem, x509
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko import stamp
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

FIELD_NAME = "ChuKySo"
STAMP_FONT = Path(__file__).resolve().parent.parent / "static" / "fonts" / "LiberationSerif-Regular.ttf"


@dataclass(frozen=True)
class SignatureFacts:
    """What a verified signature says, as the page shows it."""

    signer: str
    organisation: str
    issuer: str
    signed_at: dt.datetime | None
    is_trusted: bool
    sha256: str


@dataclass(frozen=True)
class StampPlace:
    """Where the visible stamp goes: a page (0-based) and a box in PDF points from the lower left."""

    page: int
    box: tuple[int, int, int, int]


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _name_part(name: x509.Name, key: str) -> str:
    value = name.native.get(key, "")
    return ", ".join(value) if isinstance(value, list) else str(value or "")


def trust_roots(path: str) -> list[x509.Certificate]:
    """The CA certificates of a PEM bundle (the setting SIGNING_TRUST_ROOTS); none when it is not set."""
    if not path:
        return []
    data = Path(path).read_bytes()
    return [x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(data, multiple=True)]


def _read(data: bytes) -> PdfFileReader:
    if not data.startswith(b"%PDF-"):
        raise _refuse(_("The file is not a PDF."), "not_pdf")
    try:
        return PdfFileReader(BytesIO(data), strict=False)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        raise _refuse(_("The file is not a PDF that can be read."), "not_pdf") from error


def verify_signed_pdf(*, signed: bytes, original: bytes, roots: list[x509.Certificate],
                      document: str) -> SignatureFacts:
    """Accept `signed` only as `original` plus one signature's incremental update; raise a ValidationError
    (code: not_pdf, unsigned, broken, other_bytes, extra_revision) otherwise. `document` names the original in
    the messages ("the adopted report", "the submission letter as sent")."""
    reader = _read(signed)
    try:
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as error:
        raise _refuse(_("The PDF's signature cannot be read."), "broken") from error
    if not signatures:
        raise _refuse(_("The PDF carries no digital signature."), "unsigned")
    signature = signatures[-1]
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(signature, context, skip_diff=True)
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as error:
        raise _refuse(_("The PDF's signature is broken: the file was changed after it was signed."),
                      "broken") from error
    if not (status.intact and status.valid):
        raise _refuse(_("The PDF's signature is broken: the file was changed after it was signed."), "broken")
    if not signed.startswith(original):
        raise _refuse(_("The signed PDF is not %(document)s: its bytes before the signature differ from the "
                        "stored PDF (SHA-256 %(sha)s).") % {"document": document,
                                                           "sha": hashlib.sha256(original).hexdigest()},
                      "other_bytes")
    original_revisions = _read(original).xrefs.total_revisions
    if (len(signatures) != 1 or reader.xrefs.total_revisions != original_revisions + 1
            or signature.signed_revision != original_revisions
            or signature.byte_range[-2] + signature.byte_range[-1] != len(signed)):
        raise _refuse(_("The PDF was changed again after %(document)s: only the signature may be added to it, in "
                        "one update. Sign the downloaded PDF itself and upload the file as the signing software "
                        "saved it.") % {"document": document}, "extra_revision")
    cert = signature.signer_cert
    return SignatureFacts(
        signer=_name_part(cert.subject, "common_name"), organisation=_name_part(cert.subject, "organization_name"),
        issuer=_name_part(cert.issuer, "common_name") or cert.issuer.human_friendly,
        signed_at=status.signer_reported_dt, is_trusted=bool(status.trusted),
        sha256=hashlib.sha256(signed).hexdigest())


def load_signer(pkcs12_path: str, passphrase: str) -> signers.SimpleSigner:
    try:
        signer = signers.SimpleSigner.load_pkcs12(pkcs12_path, passphrase=passphrase.encode() or None)
    except (OSError, ValueError) as error:
        logger.error("The signing certificate %s cannot be read: %s", pkcs12_path, error)
        signer = None
    if signer is None:
        raise _refuse(_("The server's signing certificate cannot be read: ask the administrator to check the "
                        "PKCS#12 file and its passphrase."), "no_certificate")
    return signer


@functools.cache
def stamp_font() -> str:
    """The document font scaled to 1000 units per em: pyHanko 0.38 writes a TrueType font's glyph widths in the
    font's own units, which PDF reads as thousandths of an em, so a 2048-unit font (Liberation Serif) prints
    its letters twice as far apart. Made once per machine and font file, in the temporary folder."""
    target = Path(tempfile.gettempdir()) / f"emulation-stamp-{STAMP_FONT.stat().st_mtime_ns}-1000.ttf"
    if not target.exists():
        font = TTFont(STAMP_FONT)
        scale_upem(font, 1000)
        partial = target.with_suffix(f".{os.getpid()}.part")
        font.save(partial)
        os.replace(partial, target)
    return str(target)


def sign_pdf(*, original: bytes, signer: signers.SimpleSigner, place: StampPlace, when: str,
             location: str) -> bytes:
    """Sign `original` with one incremental update, the visible stamp at `place` (Decree 30, Appendix I:
    the signature image over the signer's block, cell 7b)."""
    style = stamp.TextStampStyle(
        stamp_text="Ký số bởi: %(signer)s\n%(organisation)s\nThời gian ký: %(when)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(stamp_font(), font_size=9), font_size=9),
        border_width=1, background=None)
    writer = IncrementalPdfFileWriter(BytesIO(original), strict=False)
    metadata = signers.PdfSignatureMetadata(field_name=FIELD_NAME, location=location or None)
    pdf_signer = signers.PdfSigner(metadata, signer=signer, stamp_style=style,
                                   new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=place.page, box=place.box))
    out = BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=out, appearance_text_params={
            "when": when, "organisation": _name_part(signer.signing_cert.subject, "organization_name")})
    except (SigningError, PdfError, ValueError) as error:
        raise _refuse(_("The PDF could not be signed: %(error)s") % {"error": error}, "sign_failed") from error
    return out.getvalue()
