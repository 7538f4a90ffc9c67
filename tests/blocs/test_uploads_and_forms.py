"""Uploads are judged by content and size; forms parse lines and store composed (NFC) Vietnamese."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation

from blocs.forms import BlocYearForm, CovenantForm, RegistrationForm, UnitForm
from blocs.models import AuditEntry, Covenant, CovenantItem, Unit
from emulation.kernel.uploads import check_attachment, check_xlsx
from tests.factories import make_province

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def xlsx_bytes(names: tuple[str, ...] = ("xl/workbook.xml", "[Content_Types].xml")) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


# --- check_attachment ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content"), [
    ("giao-uoc.pdf", PDF), ("anh.png", PNG), ("anh.jpg", JPEG), ("anh.webp", WEBP),
    ("no-extension", PDF),  # judged by content, not by name
])
def test_check_attachment_accepts_pdf_and_images(name, content):
    file = upload(name, content)
    assert check_attachment(file) is file
    assert file.read() == content  # left at the start for whoever stores it


@pytest.mark.parametrize(("name", "content"), [
    ("renamed.pdf", b"Day la van ban thuong, khong phai PDF.\n"),
    ("script.png", b"<script>alert(1)</script>"),
    ("fake.webp", b"RIFF\x24\x00\x00\x00WAVEfmt "),
    ("archive.pdf", xlsx_bytes()),
])
def test_check_attachment_refuses_other_content_whatever_its_name(name, content):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        check_attachment(upload(name, content, "application/pdf"))
    assert caught.value.messages == ["Only PDF files and images (PNG, JPEG, WebP) are accepted."]


def test_check_attachment_refuses_an_empty_file():
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        check_attachment(upload("empty.pdf", b""))
    assert caught.value.messages == ["The file is empty."]


def test_check_attachment_refuses_a_file_over_the_limit_and_says_the_limit():
    limit = settings.MAX_UPLOAD_BYTES
    assert limit == 10 * 1024 * 1024
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            check_attachment(upload("big.pdf", PDF + b"0" * (limit + 1 - len(PDF))))
        assert filesizeformat(limit) in caught.value.messages[0]
        assert "10.0\xa0MB" in caught.value.messages[0]


def test_check_attachment_accepts_a_file_of_exactly_the_limit():
    limit = settings.MAX_UPLOAD_BYTES
    check_attachment(upload("big.pdf", PDF + b"0" * (limit - len(PDF))))


# --- check_xlsx ---------------------------------------------------------------------------------------------


def test_check_xlsx_accepts_a_workbook():
    file = upload("don-vi.xlsx", xlsx_bytes())
    assert check_xlsx(file) is file


@pytest.mark.parametrize(("name", "content"), [
    pytest.param("don-vi.xlsx", b"ten;ma\nBan Tuyen giao;BTG\n", id="csv-renamed"),
    pytest.param("don-vi.xlsx", PDF, id="pdf-renamed"),
    pytest.param("don-vi.xlsx", b"PK\x03\x04 but not really a zip", id="broken-zip"),
    pytest.param("don-vi.xlsx", xlsx_bytes(("word/document.xml",)), id="docx-not-xlsx"),
])
def test_check_xlsx_refuses_what_is_not_a_workbook(name, content):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        check_xlsx(upload(name, content))
    assert caught.value.messages == ["The file is not an Excel workbook (.xlsx)."]


def test_check_xlsx_refuses_an_empty_file():
    with pytest.raises(ValidationError):
        check_xlsx(upload("don-vi.xlsx", b""))


# --- CovenantForm -------------------------------------------------------------------------------------------


def test_covenant_form_parses_content_and_target_lines():
    form = CovenantForm({"items": "Cải cách hành chính | 100% thủ tục trực tuyến\n\n  Xây dựng Đảng  \n"
                                  "Chuyển đổi số|Mức 4 | toàn bộ"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["items"] == [("Cải cách hành chính", "100% thủ tục trực tuyến"),
                                          ("Xây dựng Đảng", ""), ("Chuyển đổi số", "Mức 4 | toàn bộ")]
    assert form.cleaned_data["scan"] is None


@pytest.mark.parametrize("items", ["| 100% thủ tục trực tuyến", "Nội dung 1\n   | chỉ có chỉ tiêu"])
def test_covenant_form_refuses_a_line_without_content(items):
    form = CovenantForm({"items": items})
    assert not form.is_valid()
    with translation.override("en"):
        assert form.errors["items"] == ["Every line needs a content before the “|”."]


def test_covenant_form_refuses_an_overlong_item():
    form = CovenantForm({"items": "x" * 501})
    assert not form.is_valid() and "items" in form.errors


def test_covenant_form_checks_the_scan_by_content():
    bad = CovenantForm({"items": ""}, {"scan": upload("scan.pdf", b"not a pdf")})
    good = CovenantForm({"items": ""}, {"scan": upload("scan.pdf", PDF)})
    assert not bad.is_valid() and "scan" in bad.errors
    assert good.is_valid() and good.cleaned_data["scan"].name == "scan.pdf"


# --- NFC ----------------------------------------------------------------------------------------------------


def nfd(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text  # the test means something only if the input really is decomposed
    return decomposed


@pytest.mark.django_db
def test_unit_form_stores_composed_vietnamese():
    form = UnitForm({"name": nfd("Ban Tuyên giáo Tỉnh ủy"), "short_code": "btg", "kind": Unit.Kind.PARTY,
                     "province": make_province().pk, "parent_body": nfd(" Tỉnh ủy Quảng Trị "),
                     "is_active": "on"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "Ban Tuyên giáo Tỉnh ủy"
    assert unicodedata.is_normalized("NFC", form.cleaned_data["name"])
    assert form.cleaned_data["parent_body"] == "Tỉnh ủy Quảng Trị"
    assert form.cleaned_data["short_code"] == "BTG"
    unit = form.save()
    unit.refresh_from_db()
    assert unit.name == "Ban Tuyên giáo Tỉnh ủy"


def test_covenant_and_registration_forms_store_composed_vietnamese():
    covenant = CovenantForm({"signed_place": nfd("Đông Hà"),
                             "items": nfd("Cải cách hành chính | Hoàn thành")})
    registration = RegistrationForm({"targets": nfd("100% chi bộ trong sạch vững mạnh")})
    year = BlocYearForm({"year": 2022, "place_name": nfd("Quảng Trị")})
    assert covenant.is_valid() and registration.is_valid() and year.is_valid()
    assert covenant.cleaned_data["signed_place"] == "Đông Hà"
    assert covenant.cleaned_data["items"] == [("Cải cách hành chính", "Hoàn thành")]
    assert registration.cleaned_data["targets"] == "100% chi bộ trong sạch vững mạnh"
    assert year.cleaned_data["place_name"] == "Quảng Trị"


def test_length_limits_count_composed_characters():
    """A 190-character place typed in NFD is 230 code points long; the limit (200) is on what is stored."""
    place = ("Đảng ủy Khối các Cơ quan và Doanh nghiệp tỉnh " * 5)[:190].strip()
    assert len(nfd(place)) > 200
    posted = QueryDict(mutable=True)
    posted["signed_place"] = nfd(place)
    form = CovenantForm(posted)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["signed_place"] == place
    assert not CovenantForm({"signed_place": "x" * 201}).is_valid()


@pytest.mark.django_db
def test_unit_form_refuses_a_short_code_with_punctuation():
    form = UnitForm({"name": "Ban", "short_code": "B T/G", "kind": Unit.Kind.PARTY,
                     "province": make_province().pk})
    assert not form.is_valid() and "short_code" in form.errors


# --- The covenant screen refuses a bad scan -----------------------------------------------------------------


def test_posting_a_non_pdf_scan_shows_the_error_and_saves_nothing(world, as_persona, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    url = reverse("blocs:covenant-edit", args=[world.bloc_year.pk])
    fake = upload("giao-uoc.pdf", b"MZ\x90\x00 an executable, renamed", "application/pdf")
    response = as_persona("secretariat").post(url, {"signed_on": "2022-02-15", "signed_place": "Đông Hà",
                                                    "items": "Cải cách hành chính | 100%", "scan": fake},
                                              headers={"accept-language": "en"})  # the page in English
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Only PDF files and images (PNG, JPEG, WebP) are accepted." in body
    covenant = Covenant.objects.get(bloc_year=world.bloc_year)
    assert (covenant.signed_on, covenant.signed_place, covenant.scan.name) == (None, "", "")
    assert not CovenantItem.objects.exists()
    assert not AuditEntry.objects.filter(action="blocs.covenant.updated").exists()
    assert not (tmp_path / "media").exists()


def test_posting_a_pdf_scan_saves_it(world, as_persona, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    response = as_persona("secretariat").post(
        reverse("blocs:covenant-edit", args=[world.bloc_year.pk]),
        {"signed_on": "2022-02-15", "signed_place": "Đông Hà", "items": "Cải cách hành chính | 100%",
         "scan": upload("giao-uoc.pdf", PDF, "application/pdf")})
    assert response.status_code == 302
    covenant = Covenant.objects.get(bloc_year=world.bloc_year)
    assert covenant.scan.name.startswith("attachments/covenant/giao-uoc")
    assert list(covenant.items.values_list("content", "target")) == [("Cải cách hành chính", "100%")]
    scan = as_persona("representative").get(reverse("blocs:covenant-scan", args=[world.bloc_year.pk]))
    assert scan.status_code == 200 and b"".join(scan.streaming_content) == PDF
    scan.close()
