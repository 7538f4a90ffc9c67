"""Issue 10, item 11: the chair's home page follows the open round — ballots received and the present units
that have not voted online yet, by name, never what anyone chose."""

from __future__ import annotations

import pytest
from django.urls import reverse

from awards.models import Attendance
from awards.services import ballots as ballot_services
from tests.awards.test_views import MERIT, ballot_data, english, generate, open_via_view

pytestmark = pytest.mark.django_db


def chair_panel(user) -> str:  # noqa: ANN001
    html = english(user).get(reverse("blocs:home")).content.decode()
    start = html.find('id="chair-rounds"')
    return html[start:html.find("</section>", start)] if start >= 0 else ""


def test_the_chair_sees_ballots_received_and_who_has_not_voted(meeting):
    merit = open_via_view(meeting, generate(meeting)[MERIT])
    Attendance.objects.filter(meeting__bloc_year=meeting.bloc_year, unit=meeting.units["BAO"]).update(
        is_present=False)
    for voter in ("VPTU", "BTC"):
        english(meeting.reps[voter]).post(reverse("awards:vote-cast", args=[merit.pk]),
                                          ballot_data(meeting, voter, ["BDV"]))
    ballot_services.paper_ballot_enter(actor=meeting.secretariat, round_=merit, choices=[meeting.units["BNC"].pk])

    panel = chair_panel(meeting.chair)
    assert merit.title in panel
    assert "3 ballots received" in panel and "of which 1 on paper" in panel
    assert "6 present units have not voted online yet" in panel
    for code in ("BTG", "BDV", "BNC", "UBKT", "DUK", "TCT"):
        assert meeting.units[code].name in panel
    for code in ("VPTU", "BTC", "BAO"):  # voted, voted, absent
        assert meeting.units[code].name not in panel
    assert chair_panel(meeting.secretariat) == panel  # the secretariat runs the meeting beside the chair


def test_a_representative_sees_no_chair_panel_and_a_closed_round_leaves_it(meeting):
    merit = open_via_view(meeting, generate(meeting)[MERIT])
    assert chair_panel(meeting.reps["VPTU"]) == ""
    assert merit.title in chair_panel(meeting.chair)
    merit.status = merit.Status.CLOSED
    merit.save(update_fields=["status"])
    assert chair_panel(meeting.chair) == ""
