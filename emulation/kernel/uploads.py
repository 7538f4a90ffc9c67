"""Upload checks by content, not by name (issue 2, "Bad input")."""

from __future__ import annotations

import re
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


def check_pdf(upload: UploadedFile) -> UploadedFile:
    """A PDF of at most 10 MB, judged by its content."""
    _check_size(upload)
    if not _head(upload).startswith(SIGNATURES["pdf"]):
        raise ValidationError(_("The file is not a PDF."))
    return upload


def check_xlsx(upload: UploadedFile) -> UploadedFile:
    """An Excel workbook (.xlsx) of at most 10 MB, judged by its content, refused before any parsing when it
    unpacks to more than XLSX_MAX_UNPACKED_BYTES or a sheet reaches beyond XLSX_MAX_ROWS rows or
    XLSX_MAX_COLUMNS columns (issue 13: a 40 kB workbook took 13 s to parse, a 714 kB one killed the worker).
    The sizes are those the archive declares; zipfile never unpacks more than declared."""
    _check_size(upload)
    if not _head(upload, 4).startswith(b"PK\x03\x04"):
        raise ValidationError(_("The file is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if "xl/workbook.xml" not in {entry.filename for entry in entries}:
                raise ValidationError(_("The file is not an Excel workbook (.xlsx)."))
            _check_unpacked(entries)
            for entry in entries:
                if SHEET.fullmatch(entry.filename):
                    _check_extent(archive, entry)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError) as error:
        raise ValidationError(_("The file is not an Excel workbook (.xlsx).")) from error
    finally:
        upload.seek(0)
    return upload


SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
# A row's number (<row r="12">) and a cell's reference (<c r="AB12">), with or without a namespace prefix.
ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d{1,9})\"")
CELL_COLUMN = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,5})\d")
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\sref=\"[A-Z]*\d*:?([A-Z]{1,5})(\d{1,9})\"")
ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
CHUNK = 1 << 16


def _too_big() -> ValidationError:
    return ValidationError(
        _("The workbook is too big to read: at most %(size)s unpacked, %(rows)s rows and %(columns)s columns "
          "per sheet. Keep only the sheet and rows to import, in a new workbook.")
        % {"size": filesizeformat(settings.XLSX_MAX_UNPACKED_BYTES), "rows": settings.XLSX_MAX_ROWS,
           "columns": settings.XLSX_MAX_COLUMNS})


def _check_unpacked(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > 1000 or sum(entry.file_size for entry in entries) > settings.XLSX_MAX_UNPACKED_BYTES:
        raise _too_big()


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_extent(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Scan the sheet's XML (bounded by the unpacked size) for its furthest row and column: openpyxl fills
    every row and column up to those, however empty the sheet is."""
    tail, rows, cells = b"", 0, 0
    with archive.open(entry) as stream:
        while chunk := stream.read(CHUNK):
            text = tail + chunk
            # Rows and cells may omit their number; count the tags too (those wholly in `tail` were counted).
            rows += len(ROW_TAG.findall(text)) - len(ROW_TAG.findall(tail))
            cells += len(CELL_TAG.findall(text)) - len(CELL_TAG.findall(tail))
            if rows > settings.XLSX_MAX_ROWS or cells > settings.XLSX_MAX_CELLS:
                raise _too_big()
            extents = [(int(row), 0) for row in ROW_NUMBER.findall(text)]
            extents += [(0, _column_number(column)) for column in CELL_COLUMN.findall(text)]
            extents += [(int(row), _column_number(column)) for column, row in DIMENSION.findall(text)]
            if any(row > settings.XLSX_MAX_ROWS or column > settings.XLSX_MAX_COLUMNS for row, column in extents):
                raise _too_big()
            tail = text[-200:]  # a tag cut in two by the chunk boundary is read whole next time


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


DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXTERNAL = re.compile(rb"TargetMode\s*=\s*[\"']External[\"']", re.IGNORECASE)
RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")


def _docx_refusal() -> ValidationError:
    return ValidationError(_("The file is not a Word document (.docx) that can be read safely: documents with "
                             "macros, links to outside files or that unpack to too much are refused. Save it "
                             "again in Word as “Word Document (.docx)”."))


def _fetches_outside(rels: bytes) -> bool:
    """An external relationship other than a hyperlink (which is only text to us): an attached template, a linked
    image or an OLE object Word would fetch from elsewhere."""
    return any(EXTERNAL.search(tag) and b"/hyperlink" not in tag for tag in RELATIONSHIP.findall(rels))


def check_docx(upload: UploadedFile) -> UploadedFile:
    """A Word document (.docx) of at most 10 MB, judged by its content before python-docx reads it: refused when it
    carries macros (a .docm renamed, vbaProject.bin), references outside files (TargetMode="External": a template
    or an image fetched from elsewhere), or unpacks to more than XLSX_MAX_UNPACKED_BYTES (a zip bomb)."""
    _check_size(upload)
    if not _head(upload, 4).startswith(b"PK\x03\x04"):
        raise ValidationError(_("The file is not a Word document (.docx)."))
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if len(entries) > 1000 or sum(entry.file_size for entry in entries) > settings.XLSX_MAX_UNPACKED_BYTES:
                raise _docx_refusal()
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise ValidationError(_("The file is not a Word document (.docx)."))
            if DOCX_MAIN not in archive.read("[Content_Types].xml") or any(
                    name.lower().endswith("vbaproject.bin") for name in names):
                raise _docx_refusal()
            if any(name.endswith(".rels") and _fetches_outside(archive.read(name)) for name in names):
                raise _docx_refusal()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError) as error:
        raise ValidationError(_("The file is not a Word document (.docx).")) from error
    finally:
        upload.seek(0)
    return upload
