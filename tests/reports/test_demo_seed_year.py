"""The demo's seed year as it ended (issue 12, item 8): after `load_demo`, khoi-dang 2022 has its adopted
report (drafted, circulated, commented on, answered, adopted at the meeting), numbered and frozen, and the
documents sent with it; the chair finds the PDF from the year page."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blocs.models import AuditEntry, BlocYear, User
from reports.models import Comment, IssuedDocument, ReportVersion, SentDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_year(settings, tmp_path) -> BlocYear:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", "--if-empty", stdout=io.StringIO())
    return BlocYear.objects.get(bloc__code="khoi-dang", year=2022)


def test_the_seed_year_has_one_adopted_report_frozen_with_its_pdf(seed_year: BlocYear) -> None:
    adopted = ReportVersion.objects.get(bloc_year=seed_year, status=ReportVersion.Status.ADOPTED)
    with adopted.pdf.open("rb") as stored:
        pdf = stored.read()

    assert seed_year.status == BlocYear.Status.SUBMITTED
    assert ReportVersion.objects.filter(bloc_year=seed_year).count() == 2  # the circulated draft, then the adopted
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == adopted.pdf_sha256
    assert (adopted.doc_number, adopted.doc_date.isoformat()) == (1, "2022-12-01")  # the meeting's day
    assert adopted.adopted_by.username == "truongkhoi" and not adopted.unanswered_confirmed
    assert "Báo cáo".upper() in adopted.frozen_html.upper() and "thi đua theo chuyên đề" in adopted.frozen_html
    assert IssuedDocument.objects.get(bloc_year=seed_year, kind=IssuedDocument.Kind.REPORT).number == 1


def test_members_comments_were_answered_before_adoption(seed_year: BlocYear) -> None:
    comments = list(Comment.objects.filter(version__bloc_year=seed_year).select_related("unit", "version"))

    assert {c.unit.short_code for c in comments} == {"BDVTU", "VPTU"}
    assert all(c.answer and c.answer_text and c.version.number == 1 for c in comments)
    adoption = AuditEntry.objects.get(action="reports.report.adopted", bloc_year=seed_year)
    assert "reason" not in adoption.changes  # nothing overridden: no round open, no section empty


def test_the_documents_sent_with_the_report_are_stored(seed_year: BlocYear) -> None:
    sent = list(SentDocument.objects.filter(bloc_year=seed_year))
    adopted = ReportVersion.objects.get(bloc_year=seed_year, status=ReportVersion.Status.ADOPTED)

    assert sorted(d.kind for d in sent if d.kind != "ballot") == ["counting", "minutes", "report", "submission"]
    assert len([d for d in sent if d.kind == "ballot"]) == seed_year.rounds.count() == 5
    assert all(d.version == 1 and hashlib.sha256(bytes(d.pdf)).hexdigest() == d.pdf_sha256 for d in sent)
    assert next(d for d in sent if d.kind == "report").pdf_sha256 == adopted.pdf_sha256


def _link(client: Client, url: str, pattern: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    found = re.search(pattern, response.content.decode())
    assert found, f"no link {pattern} on {url}"
    return found.group(0).strip('"')


def test_the_chair_finds_the_report_pdf_from_the_year_page(seed_year: BlocYear) -> None:
    client = Client()
    client.force_login(User.objects.get(username="truongkhoi"))
    adopted = ReportVersion.objects.get(bloc_year=seed_year, status=ReportVersion.Status.ADOPTED)

    home = _link(client, reverse("blocs:year-detail", args=[seed_year.pk]), r'"/years/\d+/report/"')
    version = _link(client, home, r'"/report-versions/\d+/"')
    pdf_url = _link(client, version, r'"/report-versions/\d+/report\.pdf"')
    response = client.get(pdf_url)
    body = b"".join(response.streaming_content)

    assert version == adopted.get_absolute_url()
    assert response["Content-Type"] == "application/pdf" and response["X-Content-SHA256"] == adopted.pdf_sha256
    assert hashlib.sha256(body).hexdigest() == adopted.pdf_sha256


def test_the_seed_years_last_steps_carry_their_days_in_2022(seed_year: BlocYear) -> None:
    """Comments and answers before the meeting of 1 December 2022, the adoption at it after the last round closed,
    the submission after it: what the report page, the audit trail and the documents as sent show."""
    local = timezone.localtime
    meeting_day = dt.date(2022, 12, 1)
    first, adopted = ReportVersion.objects.filter(bloc_year=seed_year).order_by("number")
    comments = list(Comment.objects.filter(version__bloc_year=seed_year))
    last_close = max(r.closed_at for r in seed_year.rounds.all())
    sent = list(SentDocument.objects.filter(bloc_year=seed_year).only("sent_at"))

    assert local(first.created_at).date() < min(local(c.created_at).date() for c in comments)
    assert all(c.created_at < c.answered_at and local(c.answered_at).date() < meeting_day for c in comments)
    assert max(c.answered_at for c in comments) < adopted.created_at < adopted.adopted_at
    assert local(adopted.adopted_at).date() == meeting_day == adopted.doc_date and adopted.adopted_at > last_close
    assert all(local(d.sent_at).date() == dt.date(2022, 12, 6) for d in sent)
    submitted = AuditEntry.objects.filter(bloc_year=seed_year, action="reports.documents.sent").get()
    assert submitted.created_at.year == 2022 and submitted.created_at > adopted.adopted_at
    assert not AuditEntry.objects.filter(bloc_year=seed_year, action__startswith="reports.",
                                         created_at__year__gt=2022).exists()
    # The frozen PDF prints the meeting's day, and still matches its fingerprint.
    with adopted.pdf.open("rb") as stored:
        pdf = stored.read()
    assert hashlib.sha256(pdf).hexdigest() == adopted.pdf_sha256
    assert "ngày 01 tháng 12 năm 2022" in adopted.frozen_html
