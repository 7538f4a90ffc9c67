"""Upload checks by content, not by name (issue 2, "Bad input")."""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Leading bytes of the kinds of attachment we accept.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "webp": (b"RIFF",),
}


def _head(upload: UploadedFile, size: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _check_size(upload: UploadedFile) -> None:
    if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.MAX_UPLOAD_BYTES)}
        )
    if not upload.size:
        raise ValidationError(_("The file is empty."))


def check_attachment(upload: UploadedFile) -> UploadedFile:
    """A PDF or an image (PNG, JPEG, WebP) of at most 10 MB, judged by its content."""
    _check_size(upload)
    head = _head(upload)
    kind = next((name for name, marks in SIGNATURES.items() if head.startswith(marks)), None)
    if kind == "webp" and head[8:12] != b"WEBP":
        kind = None
    if kind is None:
        raise ValidationError(_("Only PDF files and images (PNG, JPEG, WebP) are accepted."))
    return upload


def check_xlsx(upload: UploadedFile) -> UploadedFile:
    """An Excel workbook (.xlsx) of at most 10 MB, judged by its content."""
    _check_size(upload)
    if not _head(upload, 4).startswith(b"PK\x03\x04"):
        raise ValidationError(_("The file is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as error:
        raise ValidationError(_("The file is not an Excel workbook (.xlsx).")) from error
    finally:
        upload.seek(0)
    if "xl/workbook.xml" not in names:
        raise ValidationError(_("The file is not an Excel workbook (.xlsx)."))
    return upload


SERVED_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}


def attachment_response(field_file, name: str):  # noqa: ANN001, ANN201 - a FieldFile in, a FileResponse out
    """Serve an upload. Only the kinds we accept keep their type; anything else (a PDF named x.html,
    say) goes out as a download, never rendered as a page of our site."""
    import mimetypes

    from django.http import FileResponse

    content_type = mimetypes.guess_type(name)[0]
    if content_type not in SERVED_TYPES:
        content_type = "application/octet-stream"
    return FileResponse(field_file.open("rb"), content_type=content_type, filename=name,
                        as_attachment=content_type == "application/octet-stream")
