"""The adopted report signed digitally (issue 12, item 7): a PDF signed elsewhere is uploaded and verified,
a tampered copy, a signature over other bytes and a second update after the signature are refused, the server
signs with its own certificate and puts the stamp over the signer's block, and the archive carries the signed
PDF and refuses it when it no longer verifies. The CA is made here, in the test: no certificate in the
repository."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.generic import pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from blocs.archive import archive_dumps, archive_import
from blocs.models import AuditEntry, BlocYear
from reports.models import ReportSignature, ReportVersion
from reports.pdf import html_to_pdf
from reports.services.signature import verify_against
from tests.conftest import client_for, empty_the_database
from tests.factories import make_user
from tests.reports.test_report_seed import seed_adopted, seed_year
from tests.signing_pki import PASSPHRASE, Pki, make_pki, sign_elsewhere

pytestmark = pytest.mark.django_db


def adopted_bytes(version: ReportVersion) -> bytes:
    with version.pdf.open("rb") as stored:
        return stored.read()


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "pki")


@pytest.fixture
def adopted(db) -> ReportVersion:  # noqa: ANN001
    return seed_adopted(seed_year())


def upload(version: ReportVersion, data: bytes, name: str = "bao-cao-da-ky.pdf"):  # noqa: ANN201
    return client_for(_chair(version)).post(reverse("reports:report-signature-upload", args=[version.pk]),
                      {"signed_pdf": SimpleUploadedFile(name, data, content_type="application/pdf")}, follow=True)


def _chair(version: ReportVersion):  # noqa: ANN202 - a User
    return version.adopted_by  # the seed's chair adopted it


def test_the_chair_uploads_the_report_signed_elsewhere_and_sees_who_signed_it(adopted, pki):
    original = adopted_bytes(adopted)
    signed = sign_elsewhere(original, pki)
    page = upload(adopted, signed)
    html = page.content.decode()
    assert page.redirect_chain[-1][0].endswith(f"{adopted.get_absolute_url()}#signature")
    assert 'id="signature-signer">Hoàng Minh Tuấn · Ban Tuyên giáo Tỉnh ủy<' in html
    assert 'id="signature-issuer">CA Thử nghiệm Chữ ký số<' in html
    assert 'data-trusted="0"' in html  # no trust list configured: valid, but said honestly
    signature = ReportSignature.objects.get(version=adopted)
    assert signature.signed_at is not None and abs(signature.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(
        minutes=5)
    shown = timezone.localtime(signature.signed_at).strftime("%d/%m/%Y %H:%M")  # Vietnamese time, as dated
    assert f'id="signature-time">{shown}<' in html
    # From now on the signed PDF is what is served; the unsigned one stays kept.
    served = client_for(_chair(adopted)).get(reverse("reports:report-pdf", args=[adopted.pk]))
    assert b"".join(served.streaming_content) == signed
    assert adopted_bytes(adopted) == original
    assert AuditEntry.objects.filter(action="reports.report.signature_uploaded").count() == 1
    assert 'id="signature-upload"' not in html  # signed once: no second upload offered


def test_a_signature_by_a_listed_ca_is_shown_as_trusted(adopted, pki, settings):
    settings.SIGNING_TRUST_ROOTS = str(pki.roots)
    html = upload(adopted, sign_elsewhere(adopted_bytes(adopted), pki)).content.decode()
    assert 'data-trusted="1"' in html and ReportSignature.objects.get().is_trusted


def _refused(adopted: ReportVersion, data: bytes, words: str) -> None:
    page = upload(adopted, data)
    assert page.status_code == 200 and not page.redirect_chain
    errors = " ".join(page.context["form"].non_field_errors() + page.context["form"].errors.get("signed_pdf", []))
    assert words in errors, errors
    assert not ReportSignature.objects.exists()


def test_a_tampered_copy_is_refused(adopted, pki):
    signed = sign_elsewhere(adopted_bytes(adopted), pki)
    assert signed.count(b"WeasyPrint") >= 1
    tampered = signed.replace(b"WeasyPrint", b"WeasyPrinT", 1)  # one byte of the original content changed
    _refused(adopted, tampered, "Chữ ký số của tệp PDF đã bị phá vỡ")


def test_a_signature_over_other_bytes_is_refused(adopted, pki):
    other = sign_elsewhere(html_to_pdf("<p>Một văn bản khác.</p>"), pki)
    _refused(adopted, other, "không phải là báo cáo đã thông qua")


def test_a_second_update_after_the_signature_is_refused(adopted, pki):
    writer = IncrementalPdfFileWriter(BytesIO(sign_elsewhere(adopted_bytes(adopted), pki)))
    writer.root["/Lang"] = pdf_string("en-US")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    _refused(adopted, out.getvalue(), "chỉ được thêm chữ ký")


@pytest.mark.parametrize(("data", "words"), [
    (b"PK\x03\x04 not a pdf", "không phải là tệp PDF"),
    (b"%PDF-1.7\n garbage", "không phải là tệp PDF đọc được"),
])
def test_files_that_are_not_signed_pdfs_are_refused(adopted, data, words):
    _refused(adopted, data, words)


def test_the_adopted_pdf_itself_unsigned_is_refused(adopted):
    _refused(adopted, adopted_bytes(adopted), "không có chữ ký số")


def test_without_a_server_certificate_there_is_no_sign_button(adopted):
    chair = client_for(_chair(adopted))
    html = chair.get(adopted.get_absolute_url()).content.decode()
    assert 'id="signature-upload"' in html and 'id="sign-on-server"' not in html
    page = chair.post(reverse("reports:report-sign", args=[adopted.pk]), follow=True)
    assert [m.level_tag for m in page.context["messages"]] == ["error"] and not ReportSignature.objects.exists()


def test_the_server_signs_with_its_certificate_and_stamps_the_signer_block_of_the_last_page(adopted, pki, settings,
                                                                                          tmp_path):
    settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE = str(pki.pkcs12), PASSPHRASE
    chair = client_for(_chair(adopted))
    assert 'id="sign-on-server"' in chair.get(adopted.get_absolute_url()).content.decode()
    page = chair.post(reverse("reports:report-sign", args=[adopted.pk]), follow=True)
    assert [m.level_tag for m in page.context["messages"]] == ["success"]
    signature = ReportSignature.objects.get(version=adopted)
    assert (signature.method, signature.signer) == ("server", "Hoàng Minh Tuấn")
    served = b"".join(chair.get(reverse("reports:report-pdf", args=[adopted.pk])).streaming_content)
    original = adopted_bytes(adopted)
    assert served.startswith(original)
    reader = PdfFileReader(BytesIO(served))
    (embedded,) = reader.embedded_signatures
    widget = embedded.sig_field  # pyHanko writes the field and its widget as one object
    last_page, _resources = reader.find_page_for_modification(-1)
    assert widget.raw_get("/P").idnum == last_page.idnum
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    # The right-hand column of the signature block (Decree 30, Appendix I, cell 7b): its height on the last page
    # depends on how long the report is (a result's bars lengthen it).
    assert x1 > 595 / 2 - 20 and x2 < 595 and 60 < y1 < y2 < 842
    (tmp_path / "signed.pdf").write_bytes(served)
    # Verified again as any upload would be: the signed bytes are the adopted PDF plus the signature.
    assert verify_against(adopted, served).signer == "Hoàng Minh Tuấn"
    assert AuditEntry.objects.filter(action="reports.report.signed").count() == 1


@pytest.mark.django_db(transaction=True)  # flushes: see empty_the_database
def test_the_archive_carries_the_signed_pdf_and_refuses_it_when_it_no_longer_verifies(pki, settings, tmp_path):
    version = seed_adopted(seed_year())
    signed = sign_elsewhere(adopted_bytes(version), pki)
    upload(version, signed)
    text = archive_dumps(version.bloc_year)
    data = json.loads(text)
    entry = data["report"]["versions"][0]["signature"]
    assert base64.b64decode(entry["content_base64"]) == signed
    users = {v["created_by"] for v in data["report"]["versions"]} | {v["adopted_by"] for v in data["report"][
        "versions"]} | {entry["recorded_by"]}
    empty_the_database()
    settings.MEDIA_ROOT = tmp_path / "other-server"
    for username in users - {None}:
        make_user(username)
    bad = json.loads(text)
    tampered = signed.replace(b"WeasyPrint", b"WeasyPrinT", 1)
    bad["report"]["versions"][0]["signature"].update(
        content_base64=base64.b64encode(tampered).decode(),
        pdf_sha256=hashlib.sha256(tampered).hexdigest())
    with pytest.raises(ValidationError, match="không kiểm chứng được|does not verify"):
        archive_import(actor=make_user("nguoi_nhap"), data=bad)
    assert not BlocYear.objects.exists() and not ReportSignature.objects.exists()
    settings.MEDIA_ROOT = tmp_path / "a-third-server"  # the same file names as in the archive
    copy = archive_import(actor=make_user("nguoi_nhap_2"), data=json.loads(text))
    restored = ReportSignature.objects.get(version__bloc_year=copy)
    with restored.pdf.open("rb") as handle:
        assert handle.read() == signed
    assert restored.signer == "Hoàng Minh Tuấn" and archive_dumps(copy) == text


def test_a_wrong_passphrase_for_the_server_certificate_is_a_message_not_a_500(adopted, pki, settings):
    settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE = str(pki.pkcs12), "sai-mat-khau"
    page = client_for(_chair(adopted)).post(reverse("reports:report-sign", args=[adopted.pk]), follow=True)
    assert page.status_code == 200
    assert [str(m) for m in page.context["messages"]] == [
        "Không đọc được chứng thư số của máy chủ: đề nghị quản trị viên kiểm tra tệp PKCS#12 và mật khẩu của tệp."]
    assert not ReportSignature.objects.exists()
