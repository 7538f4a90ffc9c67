"""Uploads are judged by content, never by name, on every upload form of the product.

The six forms: the covenant's signed scan and a self-score's evidence (PDF or image), the member, scoring
and history imports (Excel), the bloc-year archive (JSON). Each refuses, with a message on the page, an
HTML page named .pdf, a Windows program named .png, an SVG carrying a script, a ZIP named .xlsx and a file
of 10 MB + 1 byte; nothing is stored, in the database or in the media folder. A real PDF named .exe is
accepted where PDFs are, and served back as a download or as a PDF, never as anything a browser would run.
"""

from __future__ import annotations

import base64
import html
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from blocs.models import Covenant, Evidence
from tests.conftest import client_for
from tests.security.support import SIDE_TABLES, changed_tables, snapshot

pytestmark = pytest.mark.django_db

LIMIT = 10 * 1024 * 1024
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


HOSTILE = {
    "html-named-pdf": ("bao-cao.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
                       "application/pdf"),
    "exe-named-png": ("anh-chup.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
                      + b"PE\x00\x00This program cannot be run in DOS mode.\r\n", "image/png"),
    "svg-with-script": ("bieu-do.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
                        b"<script>alert(document.cookie)</script></svg>", "image/svg+xml"),
    "zip-named-xlsx": ("danh-sach.xlsx", _zip({"setup.exe": b"MZ\x90\x00", "readme.txt": b"x"}), XLSX_TYPE),
}


def _too_big(kind: str) -> tuple[str, bytes, str]:
    """10 MB + 1 byte of what the form otherwise accepts: a PDF, or a real workbook."""
    if kind == "attachment":
        return "giao-uoc.pdf", PDF + b"0" * (LIMIT + 1 - len(PDF)), "application/pdf"
    if kind == "xlsx":
        data = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                     "xl/media/anh.bin": b"\x00" * LIMIT})
        assert len(data) > LIMIT
        return "danh-sach.xlsx", data, XLSX_TYPE
    return "luu-tru.json", b'{"format": "' + b"x" * LIMIT + b'"}', "application/json"


@dataclass(frozen=True)
class UploadForm:
    name: str  # URL name
    persona: str
    field: str
    kind: str  # attachment, xlsx, archive
    shows_on: str = "page"  # "page": the form comes back with its error; "message": a redirect and a message

    def url(self, objects: dict) -> str:  # type: ignore[type-arg]
        return reverse(self.name, kwargs={} if self.name in NO_PK else {
            "pk": objects["year"].pk, **({"unit_pk": objects["unit"].pk} if self.name == "blocs:evidence-add"
                                         else {})})

    def data(self, objects: dict) -> dict[str, str]:  # type: ignore[type-arg]
        if self.name == "blocs:evidence-add":
            return {"item": str(objects["item"].pk)}
        if self.name == "blocs:covenant-edit":
            return {"signed_place": "Hội trường Tỉnh ủy", "items": "Cải cách hành chính | 100%"}
        return {}


NO_PK = {"awards:history-import", "blocs:archive-import"}
FORMS = [
    UploadForm("blocs:covenant-edit", "secretariat", "scan", "attachment"),
    UploadForm("blocs:evidence-add", "representative", "file", "attachment", shows_on="message"),
    UploadForm("blocs:member-import", "secretariat", "file", "xlsx"),
    UploadForm("blocs:scoring-import", "secretariat", "file", "xlsx"),
    UploadForm("awards:history-import", "board", "file", "xlsx"),
    UploadForm("blocs:archive-import", "board", "file", "archive"),
]


def _expected_messages(kind: str, size: int) -> list[str]:
    """The refusal the user must read (in the page's language, Vietnamese)."""
    with translation.override("vi"):
        if kind == "attachment":
            return [gettext("Only PDF files and images (PNG, JPEG, WebP) are accepted."),
                    gettext("The file is %(size)s; the limit is %(limit)s.")
                    % {"size": filesizeformat(size), "limit": filesizeformat(settings.MAX_UPLOAD_BYTES)}]
        if kind == "xlsx":
            return [gettext("The file is not an Excel workbook (.xlsx)."),
                    gettext("The file is %(size)s; the limit is %(limit)s.")
                    % {"size": filesizeformat(size), "limit": filesizeformat(settings.MAX_UPLOAD_BYTES)}]
        return [gettext("The file is not valid JSON (%(error)s).").split("%(error)s")[0],
                gettext("This file is not a bloc-year archive (its format is “%(found)s”, expected “%(expected)s”).")
                .split("%(found)s")[0]]


def _media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _page_text(response) -> str:  # noqa: ANN001
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_each_upload_form_refuses_files_by_content_and_size(world, objects, form):
    client = client_for(world.users[form.persona])
    files = {**HOSTILE, "10MB+1": _too_big(form.kind)}
    before, media = snapshot(), _media_files()
    for label, (filename, content, content_type) in files.items():
        upload = SimpleUploadedFile(filename, content, content_type=content_type)
        response = client.post(form.url(objects), {**form.data(objects), form.field: upload}, follow=True)
        assert response.status_code == 200, (label, response.status_code)
        text = _page_text(response)
        if form.shows_on == "page":
            assert response.redirect_chain == [], f"{form.name} accepted {label}"
        assert "is-invalid" in text or "alert-danger" in text, (form.name, label)
        expected = _expected_messages(form.kind, len(content))
        if form.kind == "archive":
            assert all(expected) and any(message in text for message in expected), (form.name, label, expected)
        else:
            assert expected[1 if label == "10MB+1" else 0] in text, (form.name, label, expected)
        assert "<script>alert" not in response.content.decode(), (form.name, label)
    assert changed_tables(before, snapshot()) == [], form.name
    assert _media_files() == media, form.name


PDF_NAMED_EXE = ("bao-cao.exe", PDF, "application/x-msdownload")


def _served_safely(response, content: bytes) -> None:  # noqa: ANN001
    """A PDF as a PDF, anything else as a download; never a type a browser would render or run."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == content
    kind = response["Content-Type"].split(";")[0]
    assert kind in ("application/pdf", "application/octet-stream"), kind
    if kind == "application/octet-stream":
        assert response["Content-Disposition"].startswith("attachment"), response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_real_pdf_named_exe_is_accepted_as_covenant_scan_and_served_safely(world, objects):
    client = client_for(world.users["secretariat"])
    year = objects["year"]
    response = client.post(reverse("blocs:covenant-edit", args=[year.pk]), {
        "signed_place": "Hội trường Tỉnh ủy", "items": "Cải cách hành chính | 100%",
        "scan": SimpleUploadedFile(*PDF_NAMED_EXE)})
    assert response.status_code == 302, _page_text(response)[-2000:]
    assert Covenant.objects.get(bloc_year=year).scan.name.endswith(".exe")
    _served_safely(client.get(reverse("blocs:covenant-scan", args=[year.pk])), PDF)


def test_a_real_pdf_named_exe_is_accepted_as_evidence_and_served_safely(world, objects):
    client = client_for(world.users["representative"])
    year, unit = objects["year"], objects["unit"]
    before = Evidence.objects.count()
    response = client.post(reverse("blocs:evidence-add", args=[year.pk, unit.pk]),
                           {"item": objects["item"].pk, "file": SimpleUploadedFile(*PDF_NAMED_EXE)}, follow=True)
    assert "alert-success" in _page_text(response)
    evidence = Evidence.objects.exclude(pk=objects["evidence"].pk).get()
    assert Evidence.objects.count() == before + 1 and evidence.name == "bao-cao.exe"
    for persona in ("representative", "secretariat"):
        _served_safely(client_for(world.users[persona]).get(
            reverse("blocs:evidence-download", args=[year.pk, evidence.pk])), PDF)


def test_a_pdf_named_html_is_served_as_a_download(world, objects):
    """Even an accepted PDF whose name says .html never comes back as a page of the site."""
    client = client_for(world.users["representative"])
    year, unit = objects["year"], objects["unit"]
    client.post(reverse("blocs:evidence-add", args=[year.pk, unit.pk]),
                {"item": objects["item"].pk, "file": SimpleUploadedFile("trang.html", PDF, content_type="text/html")})
    evidence = Evidence.objects.get(name="trang.html")
    response = client.get(reverse("blocs:evidence-download", args=[year.pk, evidence.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("form", [f for f in FORMS if f.kind != "attachment"], ids=lambda f: f.name)
def test_a_pdf_is_refused_where_pdfs_are_not_accepted(world, objects, form):
    client = client_for(world.users[form.persona])
    before, media = snapshot(exclude=SIDE_TABLES), _media_files()
    response = client.post(form.url(objects), {form.field: SimpleUploadedFile(*PDF_NAMED_EXE)})
    assert response.status_code == 200
    assert "is-invalid" in _page_text(response) or "alert-danger" in _page_text(response)
    assert changed_tables(before, snapshot(exclude=SIDE_TABLES)) == []
    assert _media_files() == media


def test_an_archive_carrying_a_disguised_scan_is_refused(world, objects):
    """The archive's embedded files pass the same content check as an upload: an HTML page as the scan is
    refused with the attachment message, and nothing is imported."""
    exported = client_for(world.users["secretariat"]).get(reverse("blocs:archive-export", args=[objects["year"].pk]))
    assert exported.status_code == 200
    archive = json.loads(exported.content)
    scan = archive["covenant"]["scan"]
    scan.update(file_name="giao-uoc.pdf", content_base64=base64.b64encode(HOSTILE["html-named-pdf"][1]).decode())
    board = client_for(world.users["board"])
    before, media = snapshot(exclude=SIDE_TABLES), _media_files()
    upload = SimpleUploadedFile("luu-tru.json", json.dumps(archive).encode(), content_type="application/json")
    response = board.post(reverse("blocs:archive-import"), {"file": upload})
    assert response.status_code == 200
    assert _expected_messages("attachment", 0)[0] in _page_text(response)
    assert changed_tables(before, snapshot(exclude=SIDE_TABLES)) == []
    assert _media_files() == media
