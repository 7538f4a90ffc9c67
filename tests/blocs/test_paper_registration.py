"""Registrations received on paper (issue 10, item 2): the secretariat types one in with the day it arrived,
which decides lateness, instead of today's date."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from blocs.models import AuditEntry, Registration
from blocs.services.registration import registration_save

pytestmark = pytest.mark.django_db


def _saved(world) -> Registration:  # noqa: ANN001
    year = world.bloc_year
    year.registration_deadline = dt.date(2022, 3, 15)
    year.save(update_fields=["registration_deadline"])
    return registration_save(actor=world.users["secretariat"], bloc_year=year, unit=world.member.unit,
                             targets="Hoàn thành 100% chỉ tiêu", awards=[])


@time_machine.travel(dt.datetime(2022, 3, 21, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_paper_registration_that_arrived_before_the_deadline_is_not_late(world, as_persona):
    registration = _saved(world)
    client = as_persona("secretariat")
    url = reverse("blocs:registration-edit", args=[world.bloc_year.pk, world.member.unit.pk])
    assert 'name="received_on"' in client.get(url).content.decode()
    client.post(reverse("blocs:registration-submit", args=[world.bloc_year.pk, world.member.unit.pk]),
                {"received_on": "2022-03-14"})
    registration.refresh_from_db()
    assert registration.is_submitted and registration.received_on == dt.date(2022, 3, 14)
    assert not registration.is_late  # entered on the 21st, after the deadline, but it arrived on the 14th
    page = client.get(url).content.decode()
    assert "Nhận bản giấy ngày 14/03/2022" in page
    entry = AuditEntry.objects.get(action="blocs.registration.submitted")
    assert entry.changes == {"is_late": False, "received_on": "2022-03-14"}


@time_machine.travel(dt.datetime(2022, 3, 21, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_paper_registration_that_arrived_after_the_deadline_is_late(world, as_persona):
    registration = _saved(world)
    as_persona("secretariat").post(reverse("blocs:registration-submit", args=[world.bloc_year.pk,
                                                                              world.member.unit.pk]),
                                   {"received_on": "2022-03-17"})
    registration.refresh_from_db()
    assert registration.is_late and registration.received_on == dt.date(2022, 3, 17)


@time_machine.travel(dt.datetime(2022, 3, 21, 9, 0, tzinfo=dt.UTC), tick=False)
def test_a_day_in_the_future_or_not_a_date_is_refused_and_nothing_is_submitted(world, as_persona):
    registration = _saved(world)
    url = reverse("blocs:registration-submit", args=[world.bloc_year.pk, world.member.unit.pk])
    future = as_persona("secretariat").post(url, {"received_on": "2022-04-01"}, follow=True)
    assert "Ngày nhận bản giấy không thể ở tương lai" in future.content.decode()
    garbled = as_persona("secretariat").post(url, {"received_on": "14/3"}, follow=True)
    assert "Ngày nhận bản giấy không đúng dạng ngày" in garbled.content.decode()
    registration.refresh_from_db()
    assert not registration.is_submitted


@time_machine.travel(dt.datetime(2022, 3, 21, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_units_own_representative_submits_today_whatever_day_is_sent(world, as_persona):
    registration = _saved(world)
    client = as_persona("representative")
    url = reverse("blocs:registration-edit", args=[world.bloc_year.pk, world.member.unit.pk])
    assert 'name="received_on"' not in client.get(url).content.decode()
    client.post(reverse("blocs:registration-submit", args=[world.bloc_year.pk, world.member.unit.pk]),
                {"received_on": "2022-03-01"})
    registration.refresh_from_db()
    assert registration.is_submitted and registration.received_on is None and registration.is_late


@time_machine.travel(dt.datetime(2022, 3, 21, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_day_a_paper_registration_arrived_goes_through_the_archive(world, as_persona):
    from blocs.archive import archive_export, archive_import

    _saved(world)
    as_persona("secretariat").post(reverse("blocs:registration-submit", args=[world.bloc_year.pk,
                                                                              world.member.unit.pk]),
                                   {"received_on": "2022-03-14"})
    exported = archive_export(world.bloc_year)
    assert [r.get("received_on") for r in exported["registrations"]] == ["2022-03-14"]
    exported["bloc_year"]["year"] = 2021  # the same bloc and units, a year that does not exist yet
    copy_year = archive_import(actor=None, data=exported)
    copied = Registration.objects.get(bloc_year=copy_year)
    assert copied.received_on == dt.date(2022, 3, 14) and not copied.is_late
    assert archive_export(copy_year) == exported
