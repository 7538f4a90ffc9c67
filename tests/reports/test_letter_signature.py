"""The submission letter as sent, signed digitally (issue 12, item 7), as the adopted report is
(tests/reports/test_report_signature.py): a PDF signed elsewhere is uploaded, verified and served from then on; a
tampered copy and a signature over other bytes (the report's PDF) are refused in Vietnamese and nothing is kept;
the server signs with its own certificate and puts the stamp in the room between the signer's title and name; the
chair alone signs; a corrected letter is signed in its turn; the archive carries the signed letter and refuses it
once it no longer verifies. The CA is made here, in the test (tests/signing_pki.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from blocs.archive import archive_dumps, archive_import
from blocs.models import AuditEntry, BlocYear
from reports.models import ReportVersion, SentDocument, SentDocumentSignature
from reports.services.sent import sent_document_new_version
from reports.services.signature import report_signature_upload, verify_letter
from tests.conftest import client_for, empty_the_database
from tests.factories import make_user
from tests.reports.test_documents_sent import submitted_year
from tests.signing_pki import PASSPHRASE, Pki, make_pki, sign_elsewhere

pytestmark = pytest.mark.django_db


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "pki")


@pytest.fixture
def meeting(db):  # noqa: ANN001, ANN201
    return submitted_year()


def letter_of(meeting, version: int = 1) -> SentDocument:  # noqa: ANN001
    return SentDocument.objects.get(bloc_year=meeting.bloc_year, kind="submission", version=version)


def served(client, url: str, **params: str) -> bytes:  # noqa: ANN001
    response = client.get(url, {"format": "pdf", **params})
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def upload(user, letter: SentDocument, data: bytes):  # noqa: ANN001, ANN201
    return client_for(user).post(reverse("reports:letter-signature-upload", args=[letter.pk]),
                                 {"signed_pdf": SimpleUploadedFile("to-trinh-da-ky.pdf", data,
                                                                   content_type="application/pdf")}, follow=True)


def test_the_chair_uploads_the_letter_signed_elsewhere_and_it_is_served_from_then_on(meeting, pki):
    letter = letter_of(meeting)
    sent_pdf = bytes(letter.pdf)
    signed = sign_elsewhere(sent_pdf, pki)
    page = upload(meeting.chair, letter, signed)
    html = page.content.decode()
    documents_url = reverse("reports:documents", args=[meeting.bloc_year.pk])
    assert page.redirect_chain[-1][0] == f"{documents_url}#letter-signature"
    assert "Chữ ký số của tờ trình, phiên bản 1" in html
    assert 'id="signature-signer">Hoàng Minh Tuấn · Ban Tuyên giáo Tỉnh ủy<' in html
    assert 'id="signature-issuer">CA Thử nghiệm Chữ ký số<' in html and 'data-trusted="0"' in html
    assert f'id="signed-{letter.pk}">Đã ký số<' in html and 'id="signature-upload"' not in html
    assert [str(m) for m in page.context["messages"]][0].startswith("Chữ ký số hợp lệ")
    # Served signed wherever the letter's PDF is served as sent; the stored row is as it was sent.
    client = client_for(meeting.secretariat)
    year = meeting.bloc_year.pk
    assert served(client, reverse("reports:submission", args=[year])) == signed
    assert served(client, reverse("reports:sent-document", args=[letter.pk])) == signed
    response = client.get(reverse("reports:submission", args=[year]), {"format": "pdf"})
    assert response["X-Content-SHA256"] == hashlib.sha256(signed).hexdigest()
    assert 'filename="to-trinh-' in response["Content-Disposition"] and "-da-ky.pdf" in response["Content-Disposition"]
    assert bytes(letter_of(meeting).pdf) == sent_pdf
    assert AuditEntry.objects.filter(action="reports.letter.signature_uploaded").count() == 1


def _refused(meeting, data: bytes, words: str) -> None:  # noqa: ANN001
    page = upload(meeting.chair, letter_of(meeting), data)
    assert page.status_code == 200 and not page.redirect_chain
    errors = " ".join(page.context["form"].non_field_errors() + page.context["form"].errors.get("signed_pdf", []))
    assert words in errors, errors
    assert not SentDocumentSignature.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="reports.letter.").exists()


def test_a_tampered_copy_of_the_letter_is_refused(meeting, pki):
    signed = sign_elsewhere(bytes(letter_of(meeting).pdf), pki)
    tampered = signed.replace(b"WeasyPrint", b"WeasyPrinT", 1)
    assert tampered != signed
    _refused(meeting, tampered, "Chữ ký số của tệp PDF đã bị phá vỡ")


def test_the_report_signed_is_not_taken_for_the_letter(meeting, pki):
    report = ReportVersion.objects.get(bloc_year=meeting.bloc_year, status="adopted")
    with report.pdf.open("rb") as stored:
        other = sign_elsewhere(stored.read(), pki)
    _refused(meeting, other, "Bản PDF đã ký số không phải là tờ trình đã trình tỉnh")


def _words(pdf: bytes, page: int) -> list[tuple[str, float, float, float, float]]:
    """The words of one page (1-based for pdftotext) with their boxes, in points from the top left."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "letter.pdf"
        path.write_bytes(pdf)
        xhtml = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(path), "-"],
                               check=True, capture_output=True, text=True).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(pattern, xhtml)]


def test_the_server_signs_the_letter_with_the_stamp_between_the_signers_title_and_name(meeting, pki, settings):
    settings.SIGNING_PKCS12, settings.SIGNING_PASSPHRASE = str(pki.pkcs12), PASSPHRASE
    letter = letter_of(meeting)
    chair = client_for(meeting.chair)
    documents = chair.get(reverse("reports:documents", args=[meeting.bloc_year.pk])).content.decode()
    assert 'id="sign-on-server"' in documents and reverse("reports:letter-sign", args=[letter.pk]) in documents
    page = chair.post(reverse("reports:letter-sign", args=[letter.pk]), follow=True)
    assert [m.level_tag for m in page.context["messages"]] == ["success"]
    signature = SentDocumentSignature.objects.get(document=letter)
    assert (signature.method, signature.signer) == ("server", "Hoàng Minh Tuấn")
    signed = served(chair, reverse("reports:submission", args=[meeting.bloc_year.pk]))
    assert signed.startswith(bytes(letter.pdf)) and verify_letter(letter, signed).signer == "Hoàng Minh Tuấn"
    reader = PdfFileReader(BytesIO(signed))
    (embedded,) = reader.embedded_signatures
    widget = embedded.sig_field
    pages = [reader.find_page_for_modification(i)[0].idnum for i in range(len(reader.root["/Pages"]["/Kids"]))]
    index = pages.index(widget.raw_get("/P").idnum)
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    height = float(reader.root["/Pages"]["/Kids"][index]["/MediaBox"][3])
    top, bottom = height - y2, height - y1  # from the top, as pdftotext measures
    words = _words(bytes(letter.pdf), index + 1)  # the letter's own words, without the stamp's
    name = re.search(r'<div class="space"></div>\s*<p>([^<]+)</p>', letter.html).group(1).split()
    name_top = next(y for w, x, y, _x2, _y2 in words if w == name[0] and x > x1 - 40)
    title_bottom = max(y_max for w, x, _y, _x2, y_max in words if w == "KHỐI" and x > x1 - 40 and y_max < name_top)
    assert title_bottom <= top < bottom <= name_top  # in the room left to sign, on the page that has it
    hidden = [w for w, wx1, wy1, wx2, wy2 in words if wx1 < x2 and wx2 > x1 and wy1 < bottom and wy2 > top]
    assert hidden == [], hidden  # the stamp hides no text
    assert AuditEntry.objects.filter(action="reports.letter.signed").count() == 1


def test_only_the_chair_signs_and_outsiders_do_not_learn_the_letter_exists(meeting, pki):
    letter = letter_of(meeting)
    signed = sign_elsewhere(bytes(letter.pdf), pki)
    assert upload(meeting.secretariat, letter, signed).status_code == 403
    assert upload(make_user("nguoi_ngoai"), letter, signed).status_code == 404
    assert client_for(meeting.secretariat).post(reverse("reports:letter-sign", args=[letter.pk])).status_code == 403
    assert not SentDocumentSignature.objects.exists()
    documents = client_for(meeting.secretariat).get(reverse("reports:documents", args=[meeting.bloc_year.pk]))
    assert 'id="letter-signature"' in documents.content.decode()  # the facts are shown to all, the form is not
    assert 'id="signature-upload"' not in documents.content.decode()


def test_a_corrected_letter_is_signed_in_its_turn_and_each_version_once(meeting, pki):
    first = letter_of(meeting)
    upload(meeting.chair, first, sign_elsewhere(bytes(first.pdf), pki))
    again = upload(meeting.chair, first, sign_elsewhere(bytes(first.pdf), pki))
    assert "Phiên bản tờ trình này đã được ký số" in " ".join(again.context["form"].non_field_errors())
    second = sent_document_new_version(actor=meeting.secretariat, bloc_year=meeting.bloc_year, kind="submission",
                                       reason="Sửa chức danh người ký")
    html = client_for(meeting.chair).get(reverse("reports:documents", args=[meeting.bloc_year.pk])).content.decode()
    assert "Chữ ký số của tờ trình, phiên bản 2" in html and 'id="signature-upload"' in html
    client = client_for(meeting.chair)
    assert served(client, reverse("reports:submission", args=[meeting.bloc_year.pk])) == bytes(second.pdf)
    signed = sign_elsewhere(bytes(second.pdf), pki)
    upload(meeting.chair, second, signed)
    assert served(client, reverse("reports:submission", args=[meeting.bloc_year.pk])) == signed
    assert SentDocumentSignature.objects.count() == 2
    # The first version, superseded, is no longer signed here: a refusal, not a second signature.
    SentDocumentSignature.objects.filter(document=first).delete()
    late = upload(meeting.chair, first, sign_elsewhere(bytes(first.pdf), pki))
    assert "hãy ký số phiên bản mới nhất" in " ".join(late.context["form"].non_field_errors())


@pytest.mark.django_db(transaction=True)  # flushes: see empty_the_database
def test_the_archive_carries_the_signed_letter_and_refuses_it_when_it_no_longer_verifies(pki, settings, tmp_path):
    meeting = submitted_year()
    letter = letter_of(meeting)
    signed = sign_elsewhere(bytes(letter.pdf), pki)
    upload(meeting.chair, letter, signed)
    text = archive_dumps(meeting.bloc_year)
    data = json.loads(text)
    sent = data["report"]["sent_documents"]
    assert {d["kind"] for d in sent} == {"counting", "minutes", "submission", "ballot", "report"}
    (entry,) = [d for d in sent if d["kind"] == "submission"]
    assert base64.b64decode(entry["signature"]["content_base64"]) == signed
    users = {u for u in re.findall(r'"(?:created_by|adopted_by|recorded_by|sent_by|author|answered_by)": "([^"]+)"',
                                   text)}
    empty_the_database()
    settings.MEDIA_ROOT = tmp_path / "other-server"
    for username in users:
        make_user(username)
    index = sent.index(entry)
    tampered = signed.replace(b"WeasyPrint", b"WeasyPrinT", 1)
    bad = json.loads(text)
    bad["report"]["sent_documents"][index]["signature"].update(
        content_base64=base64.b64encode(tampered).decode(), pdf_sha256=hashlib.sha256(tampered).hexdigest())
    with pytest.raises(ValidationError, match="không kiểm chứng được|does not verify"):
        archive_import(actor=make_user("nguoi_nhap"), data=bad)
    assert not BlocYear.objects.exists() and not SentDocumentSignature.objects.exists()
    changed = json.loads(text)  # the letter as sent changed in the archive: refused by its fingerprint
    changed["report"]["sent_documents"][index]["pdf_base64"] = base64.b64encode(signed).decode()
    with pytest.raises(ValidationError, match="SHA-256"):
        archive_import(actor=make_user("nguoi_nhap_2"), data=changed)
    settings.MEDIA_ROOT = tmp_path / "a-third-server"
    copy = archive_import(actor=make_user("nguoi_nhap_3"), data=json.loads(text))
    restored = SentDocumentSignature.objects.get(document__bloc_year=copy)
    with restored.pdf.open("rb") as handle:
        assert handle.read() == signed
    assert restored.signer == "Hoàng Minh Tuấn" and archive_dumps(copy) == text
    reader = make_user("nguoi_doc", is_superuser=True)
    assert served(client_for(reader), reverse("reports:submission", args=[copy.pk])) == signed


def test_the_report_as_sent_is_served_signed_once_its_adopted_version_is_signed(meeting, pki):
    """The "as sent" list links the report too: once the adopted report is signed, that link serves the signed
    PDF, as the report's own page does."""
    report = ReportVersion.objects.get(bloc_year=meeting.bloc_year, status="adopted")
    with report.pdf.open("rb") as stored:
        signed = sign_elsewhere(stored.read(), pki)
    report_signature_upload(actor=meeting.chair, version=report, data=signed)
    sent = SentDocument.objects.get(bloc_year=meeting.bloc_year, kind="report")
    assert served(client_for(meeting.secretariat), reverse("reports:sent-document", args=[sent.pk])) == signed
