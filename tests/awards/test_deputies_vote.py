"""A unit's principal representative and its deputy both act for the unit, and the unit still has one ballot a
round, whoever of them casts it first (issue 10, item 1; domain.md §3: "a unit votes at most once per round")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from awards.models import Ballot, SealedBallot, Turnout
from blocs.models import RoleGrant
from tests.awards.test_views import MERIT, ballot_data, generate, messages_of, open_via_view
from tests.conftest import client_for
from tests.factories import grant, make_user

pytestmark = pytest.mark.django_db


def test_the_deputy_votes_and_the_principal_is_refused(meeting):
    merit = open_via_view(meeting, generate(meeting)[MERIT])
    unit = meeting.units["VPTU"]
    deputy = make_user("pho_vptu", unit=unit)
    grant(deputy, RoleGrant.Kind.REPRESENTATIVE, unit=unit, is_deputy=True)
    principal = client_for(meeting.reps["VPTU"])
    vote_url = reverse("awards:vote", args=[merit.pk])
    cast_url = reverse("awards:vote-cast", args=[merit.pk])

    assert 'name="choices"' in client_for(deputy).get(vote_url).content.decode()  # the deputy may act
    cast = client_for(deputy).post(cast_url, ballot_data(meeting, "VPTU", ["BTC"]))
    assert cast.status_code == 200 and cast.context["receipt"]

    page = principal.get(vote_url).content.decode()
    assert 'name="choices"' not in page  # no second ballot offered to the principal
    refused = principal.post(cast_url, ballot_data(meeting, "VPTU", ["BDV"]))
    assert "receipt" not in refused.context
    assert "Văn phòng Tỉnh ủy đã bỏ phiếu trong vòng này." in messages_of(refused)
    assert Turnout.objects.filter(round=merit, unit=unit).count() == 1
    assert Ballot.objects.filter(round=merit).count() + SealedBallot.objects.filter(round=merit).count() == 1


def test_the_principal_votes_and_the_deputy_is_refused(meeting):
    merit = open_via_view(meeting, generate(meeting)[MERIT])
    unit = meeting.units["BTC"]
    deputy = make_user("pho_btc", unit=unit)
    grant(deputy, RoleGrant.Kind.REPRESENTATIVE, unit=unit, is_deputy=True)
    cast_url = reverse("awards:vote-cast", args=[merit.pk])

    assert client_for(meeting.reps["BTC"]).post(cast_url, ballot_data(meeting, "BTC", ["VPTU"])).context["receipt"]
    refused = client_for(deputy).post(cast_url, ballot_data(meeting, "BTC", ["BDV", "VPTU"]))
    assert "receipt" not in refused.context
    assert Turnout.objects.filter(round=merit, unit=unit).count() == 1
