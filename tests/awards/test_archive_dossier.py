"""The archive carries the dossier's steps with every version sent, and the award decisions (issue 4, item 7)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from awards.models import Decision, Dossier, DossierStep, HistoryEntry, Nomination
from awards.services import dossier as dossier_services
from blocs.archive import archive_dumps, archive_import
from blocs.models import BlocYear
from tests.awards.test_archive import build_year
from tests.conftest import empty_the_database
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def decided_year() -> BlocYear:
    meeting = build_year()
    year = meeting.bloc_year
    board = make_user("ban_tdkt")
    dossier_services.dossier_submit(actor=meeting.secretariat, bloc_year=year)
    dossier_services.dossier_return(actor=board, bloc_year=year, reason="Thiếu báo cáo thành tích")
    dossier_services.dossier_submit(actor=meeting.secretariat, bloc_year=year)
    dossier_services.dossier_accept(actor=board, bloc_year=year)
    proposed = list(Nomination.objects.filter(bloc_year=year, status=Nomination.Status.PROPOSED))
    dossier_services.decision_record(actor=board, bloc_year=year, number="15/QĐ-UBND", issuer="UBND tỉnh Quảng Trị",
                                     signed_on=dt.date(2023, 2, 5),
                                     outcomes={n.pk: index % 2 == 0 for index, n in enumerate(proposed)})
    return year


@pytest.mark.django_db(transaction=True)  # flushes: see empty_the_database
def test_the_dossier_and_its_decisions_round_trip_through_an_empty_database():
    year = decided_year()
    text = archive_dumps(year)
    data = json.loads(text)
    assert [step["status"] for step in data["dossier"]["steps"]] == ["submitted", "returned", "submitted",
                                                                     "accepted", "decided"]
    assert [step["version"] for step in data["dossier"]["steps"] if step["snapshot"]] == [1, 2]
    awarded = sum(line["is_awarded"] for line in data["dossier"]["decisions"][0]["lines"])
    people = {step["actor"] for step in data["dossier"]["steps"]} | {data["dossier"]["decisions"][0]["recorded_by"]}
    empty_the_database()
    for username in people - {None}:  # the same people have accounts on the other server
        make_user(username)

    copy = archive_import(actor=make_user("nguoi_nhap"), data=json.loads(text))

    assert archive_dumps(copy) == text
    assert Dossier.objects.get(bloc_year=copy).status == data["dossier"]["status"]
    assert DossierStep.objects.filter(dossier__bloc_year=copy, reason="Thiếu báo cáo thành tích").exists()
    assert HistoryEntry.objects.filter(year=copy.year, source=HistoryEntry.Source.DECISION).count() == awarded


@pytest.mark.django_db(transaction=True)  # flushes: see empty_the_database
def test_a_decision_for_a_unit_that_was_not_proposed_is_refused_and_nothing_is_saved():
    data = json.loads(archive_dumps(decided_year()))
    data["dossier"]["decisions"][0]["lines"][0]["unit"] = "TCT"  # outside the proposals of that award
    empty_the_database()
    with translation.override("en"), pytest.raises(ValidationError, match="did not propose"):
        archive_import(actor=make_user("nguoi_nhap"), data=data)
    assert not BlocYear.objects.exists() and not Decision.objects.exists()
