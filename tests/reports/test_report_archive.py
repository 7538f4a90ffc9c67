"""The archive carries the report: drafts, comments with their answers, adopted versions with their
fingerprints (issue 5, item 6); an adopted PDF that no longer matches its fingerprint is refused."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from django.core.exceptions import ValidationError

from blocs.archive import archive_dumps, archive_import
from blocs.models import BlocYear
from reports.models import Comment, ReportVersion
from reports.services import report as services
from tests.conftest import empty_the_database
from tests.factories import make_user
from tests.reports.test_report_seed import seed_adopted, seed_year

pytestmark = pytest.mark.django_db


def year_with_report() -> tuple[BlocYear, ReportVersion]:
    seed = seed_year()
    adopted = seed_adopted(seed)
    correction = services.report_correct(actor=seed.meeting.secretariat, version=adopted, note="Sửa tên đơn vị.")
    circulated = services.report_circulate(actor=seed.meeting.secretariat, version=correction)
    comment = services.comment_add(actor=seed.meeting.reps["BDV"], version=circulated, unit=seed.unit("BDV"),
                                   section="strengths", text="Đề nghị bổ sung <b>kết quả</b> chuyển đổi số.")
    services.comment_answer(actor=seed.meeting.secretariat, comment=comment, answer="partly",
                            reason="Bổ sung một phần.")
    return seed.bloc_year, adopted


def people(data: dict) -> set[str]:
    names = set()
    for version in data["report"]["versions"]:
        names |= {version["created_by"], version["adopted_by"]}
        for comment in version["comments"]:
            names |= {comment["author"], comment["answered_by"]}
    return names - {None}


@pytest.mark.django_db(transaction=True)  # flushes: see empty_the_database
def test_the_report_round_trips_with_its_fingerprint_and_comments(settings, tmp_path):
    bloc_year, adopted = year_with_report()
    text = archive_dumps(bloc_year)
    data = json.loads(text)
    assert [v["status"] for v in data["report"]["versions"]] == ["adopted", "circulated"]
    empty_the_database()
    settings.MEDIA_ROOT = tmp_path / "other-server"
    for username in people(data):
        make_user(username)

    copy = archive_import(actor=make_user("nguoi_nhap"), data=json.loads(text))

    assert archive_dumps(copy) == text
    restored = ReportVersion.objects.get(bloc_year=copy, status=ReportVersion.Status.ADOPTED)
    with restored.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == restored.pdf_sha256 == adopted.pdf_sha256
    comment = Comment.objects.get(version__bloc_year=copy)
    assert (comment.answer, comment.answer_text) == ("partly", "Bổ sung một phần.")
    assert ReportVersion.objects.get(bloc_year=copy, number=2).corrects == restored


@pytest.mark.django_db(transaction=True)  # flushes: see empty_the_database
def test_an_adopted_pdf_that_was_changed_is_refused_and_nothing_is_saved():
    bloc_year, _adopted = year_with_report()
    data = json.loads(archive_dumps(bloc_year))
    pdf = data["report"]["versions"][0]["pdf"]
    pdf["content_base64"] = base64.b64encode(base64.b64decode(pdf["content_base64"]) + b"\n% edited").decode()
    empty_the_database()
    with pytest.raises(ValidationError, match="fingerprint|dấu vân tay|SHA-256"):
        archive_import(actor=make_user("nguoi_nhap"), data=data)
    assert not BlocYear.objects.exists() and not ReportVersion.objects.exists()
