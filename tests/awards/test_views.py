"""The year-end vote through the screens (domain.md §3): a representative votes on a phone, the chair opens
and closes, the secretariat enters paper ballots, everyone checks receipts after the count."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from awards.models import Ballot, Round, SealedBallot, Turnout
from awards.services import rounds as round_services
from blocs.models import RoleGrant, User
from tests.awards.conftest import Meeting
from tests.conftest import client_for
from tests.factories import COMMITTEE_COPY, grant, make_bloc_year, make_user

pytestmark = pytest.mark.django_db

MERIT = "bang-khen-chu-tich-ubnd-tinh"  # quota 3 in the seed: "choose at most 3"


def english(user: User | None) -> Client:
    """A logged-in client that reads the screens in English (the Vietnamese catalogue is separate work)."""
    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client


def messages_of(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def generate(meeting: Meeting) -> dict[str, Round]:
    response = english(meeting.secretariat).post(reverse("awards:rounds-generate", args=[meeting.bloc_year.pk]))
    assert response.status_code == 302
    return {r.award.code if r.award else r.kind: r for r in meeting.bloc_year.rounds.select_related("award")}


def open_via_view(meeting: Meeting, round_: Round) -> Round:
    """The chair opens the round; at the meeting's first opening the page shows the committee's passphrase
    once, and the committee writes it down."""
    response = english(meeting.chair).post(reverse("awards:round-open", args=[round_.pk]))
    if response.status_code == 200:
        assert "no-store" in response["Cache-Control"]
        COMMITTEE_COPY[meeting.bloc_year.pk] = response.context["passphrase"]
    else:
        assert response.status_code == 302 and response["Location"] == round_.get_absolute_url()
    round_.refresh_from_db()
    assert round_.status == Round.Status.OPEN, messages_of(response)
    return round_


def close_via_view(meeting: Meeting, round_: Round, issued: int = 9) -> Round:
    response = english(meeting.chair).post(reverse("awards:round-close", args=[round_.pk]),
                                           {"ballots_issued": issued,
                                            "passphrase": COMMITTEE_COPY[meeting.bloc_year.pk],
                                            "close_reason": "Các đơn vị còn lại không bỏ phiếu"})
    assert response.status_code == 302 and response["Location"] == round_.get_absolute_url()
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED
    return round_


def ballot_data(meeting: Meeting, voter: str, choices: list[str]) -> dict[str, object]:
    return {"unit": meeting.units[voter].pk, "choices": [meeting.units[code].pk for code in choices]}


def stored(round_: Round) -> tuple[int, int]:
    return (Turnout.objects.filter(round=round_).count(),
            Ballot.objects.filter(round=round_).count() + SealedBallot.objects.filter(round=round_).count())


@pytest.fixture
def merit(meeting: Meeting) -> Round:
    return open_via_view(meeting, generate(meeting)[MERIT])


# --- The phone journey ------------------------------------------------------------------------------------


def test_a_representative_chooses_confirms_casts_and_keeps_a_receipt(meeting, merit):
    client = english(meeting.reps["VPTU"])
    vote_url = reverse("awards:vote", args=[merit.pk])

    page = client.get(vote_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Choose at most 3 units" in html
    for unit in meeting.units.values():  # nobody proposed higher yet: every member is a candidate
        assert unit.name in html

    confirm = client.post(vote_url, ballot_data(meeting, "VPTU", ["BTC", "BDV"]))
    assert confirm.status_code == 200
    assert "awards/vote_confirm.html" in [t.name for t in confirm.templates]
    assert {u.pk for u in confirm.context["choices"]} == {meeting.units["BTC"].pk, meeting.units["BDV"].pk}
    assert stored(merit) == (0, 0)  # choosing is not casting

    cast = client.post(reverse("awards:vote-cast", args=[merit.pk]), ballot_data(meeting, "VPTU", ["BTC", "BDV"]))
    assert cast.status_code == 200 and not cast.has_header("Location")  # no URL names the unit
    assert "no-store" in cast["Cache-Control"]
    receipt = cast.context["receipt"]
    assert receipt in cast.content.decode() and "shown only once" in cast.content.decode()
    assert stored(merit) == (1, 1)
    turnout = Turnout.objects.get(round=merit)
    assert turnout.unit == meeting.units["VPTU"] and turnout.voter is None
    assert receipt not in str(dict(client.session))  # kept nowhere: not in the session

    again = client.get(vote_url)
    html = again.content.decode()
    assert "Your unit has voted in this round." in html and receipt not in html
    assert 'name="choices"' not in html  # no second ballot is offered

    ballot = Ballot.objects.get(round=close_via_view(meeting, merit), receipt=receipt)
    assert ballot.source == Ballot.Source.ONLINE and ballot.is_valid
    assert ballot.choices == sorted([meeting.units["BTC"].pk, meeting.units["BDV"].pk])


def test_replaying_the_cast_stores_nothing_more(meeting, merit):
    client = english(meeting.reps["VPTU"])
    data = ballot_data(meeting, "VPTU", ["BTC"])
    cast_url = reverse("awards:vote-cast", args=[merit.pk])
    receipt = client.post(cast_url, data).context["receipt"]

    replay = client.post(cast_url, data)
    assert replay.status_code == 200 and "receipt" not in replay.context
    assert "Văn phòng Tỉnh ủy has already voted in this round." in messages_of(replay)
    assert stored(merit) == (1, 1)
    # A second representative of the same unit, on another phone, is refused too.
    colleague = make_user(unit=meeting.units["VPTU"])
    grant(colleague, RoleGrant.Kind.REPRESENTATIVE, unit=meeting.units["VPTU"])
    english(colleague).post(cast_url, ballot_data(meeting, "VPTU", ["BDV"]))
    assert stored(merit) == (1, 1)
    assert Ballot.objects.get(round=close_via_view(meeting, merit)).receipt == receipt


def test_more_than_n_choices_is_refused_and_nothing_is_stored(meeting, merit):
    client = english(meeting.reps["BTC"])
    too_many = ballot_data(meeting, "BTC", ["VPTU", "BDV", "BNC", "TCT"])
    page = client.post(reverse("awards:vote", args=[merit.pk]), too_many)
    assert page.status_code == 200
    assert "awards/vote.html" in [t.name for t in page.templates]
    assert "Choose at most 3 units." in page.content.decode()

    cast = client.post(reverse("awards:vote-cast", args=[merit.pk]), too_many)
    assert cast.status_code == 200
    assert messages_of(cast) == ["Choose at most 3 units."]
    assert stored(merit) == (0, 0)


def test_voting_in_a_draft_round_is_refused(meeting):
    draft = generate(meeting)[MERIT]
    client = english(meeting.reps["BTC"])
    page = client.get(reverse("awards:vote", args=[draft.pk]))
    assert page.status_code == 200
    assert "This round is not open for voting." in page.content.decode()
    assert page.context.get("form") is None

    cast = client.post(reverse("awards:vote-cast", args=[draft.pk]), {"unit": meeting.units["BTC"].pk})
    assert cast.status_code == 200
    assert messages_of(cast) == ["This round is not open for voting."]
    assert stored(draft) == (0, 0)


def test_a_representative_of_another_bloc_finds_no_round(meeting, merit):
    elsewhere = make_bloc_year(members=2, status="meeting")
    outsider = make_user(unit=elsewhere.memberships.first().unit)
    grant(outsider, RoleGrant.Kind.REPRESENTATIVE, unit=outsider.unit)
    client = english(outsider)
    assert client.get(reverse("awards:vote", args=[merit.pk])).status_code == 404
    assert client.post(reverse("awards:vote-cast", args=[merit.pk]), {"unit": outsider.unit.pk}).status_code == 404
    assert client.get(merit.get_absolute_url()).status_code == 404
    assert stored(merit) == (0, 0)


def test_a_unit_absent_from_the_meeting_cannot_vote(meeting):
    present = [unit for code, unit in meeting.units.items() if code != "BAO"]
    round_services.meeting_save(actor=meeting.secretariat, bloc_year=meeting.bloc_year,
                                data={"held_on": "2022-12-01", "place": "Hội trường Tỉnh ủy"}, present=present,
                                absent_reasons={meeting.units["BAO"].pk: "Đi công tác"})
    round_ = open_via_view(meeting, generate(meeting)[MERIT])
    cast = english(meeting.reps["BAO"]).post(reverse("awards:vote-cast", args=[round_.pk]),
                                             ballot_data(meeting, "BAO", ["BTC"]))
    assert cast.status_code == 200
    assert messages_of(cast) == ["Báo Quảng Trị is not recorded as present at the meeting."]
    assert stored(round_) == (0, 0)


def test_casting_without_the_csrf_token_is_refused(meeting, merit):
    client = Client(enforce_csrf_checks=True)
    client.force_login(meeting.reps["VPTU"])
    response = client.post(reverse("awards:vote-cast", args=[merit.pk]), ballot_data(meeting, "VPTU", ["BTC"]))
    assert response.status_code == 403
    assert stored(merit) == (0, 0)
    # The same client with the token from the confirmation page gets through.
    confirm = client.post(reverse("awards:vote", args=[merit.pk]),
                          {**ballot_data(meeting, "VPTU", ["BTC"]),
                           "csrfmiddlewaretoken": client.get(reverse("awards:vote", args=[merit.pk])).context[
                               "csrf_token"]})
    token = confirm.context["csrf_token"]
    response = client.post(reverse("awards:vote-cast", args=[merit.pk]),
                           {**ballot_data(meeting, "VPTU", ["BTC"]), "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and response.context["receipt"]
    assert stored(merit) == (1, 1)


# --- What the round page shows, before and after the close ------------------------------------------------


def test_while_open_the_round_page_shows_only_the_turnout_to_everyone(meeting, merit):
    for voter in ("VPTU", "BTC"):
        english(meeting.reps[voter]).post(reverse("awards:vote-cast", args=[merit.pk]),
                                          ballot_data(meeting, voter, ["BDV"]))
    board = make_user()
    grant(board, RoleGrant.Kind.BOARD, province=meeting.bloc_year.bloc.province)
    for user in (meeting.secretariat, meeting.chair, board, meeting.reps["BDV"]):
        page = english(user).get(merit.get_absolute_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert "2 units have voted online." in html
        assert "Results appear when the round is closed." in html
        assert page.context["rows"] == []
        assert ">Votes<" not in html and "Proposed" not in html
    # The receipt list waits for the close as well.
    page = english(meeting.secretariat).get(reverse("awards:verification", args=[merit.pk]))
    assert "The list is published when the round is closed." in page.content.decode()
    assert not any(b.receipt in page.content.decode() for b in Ballot.objects.filter(round=merit))


def test_after_the_close_the_results_and_the_receipts_are_published(meeting, merit):
    choices = {"VPTU": ["BTC", "BDV"], "BTC": ["BDV"], "BDV": ["BTC", "BDV", "BNC"], "BNC": ["BDV", "BNC"],
               "UBKT": ["BDV"]}
    receipts = {}
    for voter, chosen in choices.items():
        client = english(meeting.reps[voter])
        cast = client.post(reverse("awards:vote-cast", args=[merit.pk]), ballot_data(meeting, voter, chosen))
        receipts[voter] = cast.context["receipt"]  # written down by the voter: shown once
    closed = close_via_view(meeting, merit)
    assert closed.result["counts"]["returned"] == 5 and closed.ballots_issued == 9

    page = english(meeting.reps["TCT"]).get(closed.get_absolute_url())
    html = page.content.decode()
    assert ">Votes<" in html
    votes = {unit.short_code: row.votes for row, unit in page.context["rows"]}
    assert votes["BDV"] == 5 and votes["BTC"] == 2 and votes["BNC"] == 2 and votes["VPTU"] == 0
    assert [unit.short_code for row, unit in page.context["rows"] if row.elected] == ["BDV"]  # 5 of 9

    verification = reverse("awards:verification", args=[closed.pk])
    listing = english(meeting.reps["TCT"]).get(verification).content.decode()
    assert all(code in listing for code in receipts.values())
    found = english(meeting.reps["VPTU"]).get(verification, {"receipt": receipts["VPTU"].lower()})
    html = found.content.decode()
    assert f"Ballot {receipts['VPTU']} was counted:" in html
    ballot, names = found.context["found"]
    assert sorted(names) == sorted([meeting.units["BTC"].name, meeting.units["BDV"].name])
    missing = english(meeting.reps["VPTU"]).get(verification, {"receipt": "ZZZZZZZZZZ"})
    assert "No counted ballot has the code ZZZZZZZZZZ." in missing.content.decode()
    # Nothing on the list names a voter.
    assert all(meeting.reps[voter].username not in listing for voter in choices)


def test_the_secretariat_enters_paper_ballots_which_count_with_the_online_ones(meeting, merit):
    english(meeting.reps["VPTU"]).post(reverse("awards:vote-cast", args=[merit.pk]),
                                       ballot_data(meeting, "VPTU", ["BDV"]))
    client = english(meeting.secretariat)
    url = reverse("awards:paper-ballot", args=[merit.pk])
    assert client.post(url, {"choices": [meeting.units["BDV"].pk, meeting.units["BNC"].pk]}).status_code == 302
    assert client.post(url, {"invalid_reason": "blank"}).status_code == 302
    empty = client.post(url, {})  # neither ticks nor a reason: the form asks again
    assert empty.status_code == 200
    paper = Ballot.objects.filter(round=merit, source=Ballot.Source.PAPER)
    assert sorted(paper.values_list("invalid_reason", flat=True)) == ["", "blank"]
    assert paper.get(invalid_reason="").choices == sorted([meeting.units["BDV"].pk, meeting.units["BNC"].pk])
    assert Turnout.objects.filter(round=merit).count() == 1  # paper ballots record no turnout

    page = client.get(merit.get_absolute_url()).content.decode()
    assert "2 paper ballots entered." in page
    closed = close_via_view(meeting, merit)
    assert closed.result["counts"] == {"members": 9, "present": 9, "issued": 9, "returned": 3, "valid": 2,
                                       "invalid": 1}
    # A representative cannot enter paper ballots.
    assert english(meeting.reps["BTC"]).post(url, {"invalid_reason": "blank"}).status_code == 403


def test_a_representative_can_neither_open_nor_close_a_round(meeting):
    round_ = generate(meeting)[MERIT]
    client = english(meeting.reps["BTG"])  # even the head unit's representative: opening is the chair's
    assert client.post(reverse("awards:round-open", args=[round_.pk])).status_code == 403
    open_via_view(meeting, round_)
    assert client.post(reverse("awards:round-close", args=[round_.pk]), {"ballots_issued": 9}).status_code == 403
    round_.refresh_from_db()
    assert round_.status == Round.Status.OPEN


# --- The printable ballot paper ---------------------------------------------------------------------------


def test_the_ballot_paper_lists_every_candidate_and_no_voter(meeting):
    round_ = generate(meeting)[MERIT]
    client = client_for(meeting.secretariat)
    assert client.post(reverse("awards:candidates-generate", args=[round_.pk])).status_code == 302
    response = client.get(reverse("awards:ballot-paper", args=[round_.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "chọn không quá 3 đơn vị" in html
    for unit in meeting.units.values():
        assert unit.name in html
    assert html.count("<tr>") == 1 + len(meeting.units)  # the header and one row per candidate
    for user in (meeting.secretariat, *meeting.reps.values()):
        assert user.username not in html
    assert "<input" not in html and "<form" not in html
