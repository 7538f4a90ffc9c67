"""Numbering the meeting's documents: the secretariat sets number and date per document; numbers below 10
print with a leading zero; a number already used in the same calendar year, or a number below 1, is
refused with a message, never a 500."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from blocs.models import AuditEntry, BlocYear
from reports import rules
from reports.models import IssuedDocument, ReportVersion
from reports.queries import documents
from reports.services.documents import issued_documents_set
from tests.awards.conftest import Meeting, seed_meeting

pytestmark = pytest.mark.django_db
Kind = IssuedDocument.Kind


@pytest.fixture
def meeting(db) -> Meeting:  # noqa: ANN001
    return seed_meeting()


def post(meeting: Meeting, **values: str):  # noqa: ANN201
    client = Client()
    client.force_login(meeting.secretariat)
    data = {f"{kind}_{field}": "" for kind in documents.NUMBERED for field in ("number", "date")}
    data.update(values)
    return client.post(reverse("reports:document-numbers", args=[meeting.bloc_year.pk]), data)


def test_the_secretariat_numbers_the_documents(meeting):
    response = post(meeting, counting_number="1", counting_date="2022-12-01", minutes_number="2",
                    submission_number="3", submission_date="2022-12-05")
    assert response.status_code == 302
    numbers = documents.issued(meeting.bloc_year)
    counting = numbers[Kind.COUNTING_MINUTES]
    assert (counting.number, counting.issued_on) == (1, dt.date(2022, 12, 1))
    assert numbers[Kind.SUBMISSION].number == 3
    assert AuditEntry.objects.filter(action="reports.document.numbered", bloc_year=meeting.bloc_year).exists()
    client = Client()
    client.force_login(meeting.secretariat)
    page = client.get(reverse("reports:documents", args=[meeting.bloc_year.pk])).content.decode()
    assert "số 01-BB/KTĐ" in page and "số 03-TTr/KTĐ" in page  # Party style: number, hyphen, code


def test_the_form_shows_the_numbers_already_set(meeting):
    post(meeting, counting_number="7", counting_date="2022-12-01")
    client = Client()
    client.force_login(meeting.secretariat)
    form = client.get(reverse("reports:document-numbers", args=[meeting.bloc_year.pk])).context["form"]
    assert form.initial["counting_number"] == 7


def test_two_documents_cannot_share_a_number(meeting):
    response = post(meeting, counting_number="4", minutes_number="4")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["minutes_number"])
    assert re.search(r"04.*2022.*(Biên bản kiểm phiếu|Ballot-counting minutes)", errors)
    assert errors in response.content.decode().replace("&quot;", '"')
    assert not IssuedDocument.objects.filter(bloc_year=meeting.bloc_year).exists()


def test_a_number_of_the_adopted_report_is_taken_in_its_calendar_year_only(meeting):
    ReportVersion.objects.create(bloc_year=meeting.bloc_year, number=1, status=ReportVersion.Status.ADOPTED,
                                 doc_number=5, doc_date=dt.date(2022, 12, 1), pdf_sha256="0" * 64)
    refused = post(meeting, submission_number="5", submission_date="2022-12-20")
    assert refused.status_code == 200
    errors = " ".join(refused.context["form"].errors["submission_number"])
    assert re.search(r"05.*2022.*(Báo cáo tổng kết|Year-end report) 2022", errors)
    # Numbers restart on 1 January: the letter sent in January 2023 may be number 05 of 2023.
    assert post(meeting, submission_number="5", submission_date="2023-01-05").status_code == 302


@pytest.mark.parametrize("value", ["-1", "0", "abc", "1000000000000", "1.5"])
def test_a_bad_number_is_refused_on_the_form(meeting, value):
    response = post(meeting, counting_number=value)
    assert response.status_code == 200
    assert response.context["form"].errors["counting_number"]
    assert not IssuedDocument.objects.filter(bloc_year=meeting.bloc_year).exists()


def test_the_service_refuses_a_number_below_one(meeting):
    with pytest.raises(ValidationError) as error:
        issued_documents_set(actor=meeting.secretariat, bloc_year=meeting.bloc_year,
                                       values={Kind.COUNTING_MINUTES: (0, None)})
    assert "counting_number" in error.value.message_dict


def test_a_closed_year_cannot_be_numbered(meeting):
    BlocYear.objects.filter(pk=meeting.bloc_year.pk).update(status=BlocYear.Status.CLOSED)
    response = post(meeting, counting_number="1")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not IssuedDocument.objects.exists()


def test_number_clashes_rule():
    taken = [rules.NumberUse("Báo cáo", 5, 2022)]
    wanted = [rules.NumberUse("Tờ trình", 5, 2023), rules.NumberUse("Biên bản", 5, 2022)]
    assert rules.number_clashes(wanted, taken) == [(wanted[1], taken[0])]  # numbers restart each year
    assert rules.number_clashes([rules.NumberUse("A", 1, 2022), rules.NumberUse("B", 1, 2022)], []) \
        == [(rules.NumberUse("B", 1, 2022), rules.NumberUse("A", 1, 2022))]
