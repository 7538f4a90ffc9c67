"""Sessions on shared office computers (issue 10, item 9): an idle timeout, and nothing typed lost when a
form is sent after the session ended or after its security code went stale."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from blocs.models import Covenant

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def _signed_in(user) -> Client:  # noqa: ANN001
    client = Client()
    assert client.post(reverse("login"), {"username": user.username, "password": "pw-" + user.username}
                       ).status_code == 302
    return client


def test_a_session_idle_for_longer_than_the_setting_ends_and_says_why(world, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    with time_machine.travel(START, tick=False) as clock:
        client = _signed_in(world.users["secretariat"])
        assert client.get(reverse("blocs:home")).status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("blocs:home")).status_code == 200  # activity restarts the clock
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("blocs:home")).status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("blocs:home"), follow=True)
        assert response.redirect_chain[0][0].startswith(reverse("login"))
        assert "Bạn đã được đăng xuất sau 30 phút không hoạt động" in response.content.decode()


def test_typing_in_a_long_form_keeps_the_session_through_keepalive(world, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    with time_machine.travel(START, tick=False) as clock:
        client = _signed_in(world.users["secretariat"])
        page = client.get(reverse("blocs:home")).content.decode()
        assert 'data-idle-seconds="1800"' in page
        for _minute in range(4):
            clock.shift(dt.timedelta(minutes=20))
            assert client.post(reverse("keepalive")).json() == {"signed_in": True, "idle_seconds": 1800}
        assert client.get(reverse("blocs:home")).status_code == 200
    assert Client().post(reverse("keepalive")).status_code == 401


def test_a_form_sent_after_the_timeout_is_offered_again_to_the_same_person_after_signing_in(world, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    year = world.bloc_year
    url = reverse("blocs:covenant-edit", args=[year.pk])
    typed = {"signed_on": "2026-02-20", "signed_place": "Đông Hà",
             "items": "Cải cách hành chính | 100% thủ tục trực tuyến\nChuyển đổi số"}
    with time_machine.travel(START, tick=False) as clock:
        client = _signed_in(world.users["secretariat"])
        assert client.get(url).status_code == 200
        clock.shift(dt.timedelta(minutes=45))  # a long phone call while typing the covenant
        sent = client.post(url, typed, follow=True)
        assert sent.redirect_chain[-1][0].startswith(reverse("login"))
        assert "Phiên làm việc đã hết" in sent.content.decode()
        assert not Covenant.objects.get(bloc_year=year).items.exists()  # nothing saved while signed out

        again = client.post(reverse("login") + "?next=" + url,
                            {"username": "thu_ky", "password": "pw-thu_ky"}, follow=True)
        page = again.content.decode()
        assert "Gửi lại nội dung đã nhập?" in page
        assert 'value="Đông Hà"' in page
        resend = client.post(url, {**typed})  # what the "Send again" button posts
        assert resend.status_code == 302
    covenant = Covenant.objects.get(bloc_year=year)
    assert covenant.signed_place == "Đông Hà"
    assert [i.content for i in covenant.items.order_by("order")] == ["Cải cách hành chính", "Chuyển đổi số"]


def test_someone_else_signing_in_on_that_computer_never_sees_the_kept_input(world, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    url = reverse("blocs:covenant-edit", args=[world.bloc_year.pk])
    with time_machine.travel(START, tick=False) as clock:
        client = _signed_in(world.users["secretariat"])
        client.get(url)
        clock.shift(dt.timedelta(minutes=45))
        client.post(url, {"signed_place": "Nội dung riêng của thư ký"})
        page = client.post(reverse("login") + "?next=" + url, {"username": "quan_tri", "password": "pw-quan_tri"},
                           follow=True).content.decode()
        assert "Nội dung riêng của thư ký" not in page
        assert "Gửi lại nội dung đã nhập?" not in page


def test_the_csrf_page_is_vietnamese_and_offers_the_input_again_only_to_our_own_pages(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["secretariat"])
    url = reverse("blocs:covenant-edit", args=[world.bloc_year.pk])
    ours = client.post(url, {"signed_place": "Đông Hà"}, HTTP_ORIGIN="http://testserver")
    assert ours.status_code == 403
    page = ours.content.decode()
    assert "Biểu mẫu đã hết hạn" in page
    assert 'name="signed_place" value="Đông Hà"' in page and "csrfmiddlewaretoken" in page
    foreign = client.post(url, {"signed_place": "Đông Hà"}, HTTP_ORIGIN="https://evil.example")
    assert foreign.status_code == 403
    assert "Đông Hà" not in foreign.content.decode()
    assert "Biểu mẫu đã hết hạn" in foreign.content.decode()


def test_a_ballot_or_the_passphrase_sent_after_the_timeout_is_never_kept(settings):
    """A unit's choices must never be stored beside its session, nor the committee's passphrase anywhere
    (docs/secrecy.md): what is kept for sending again leaves them out."""
    from django.contrib.sessions.models import Session

    from awards.services import rounds
    from tests.awards.conftest import seed_meeting
    from tests.factories import COMMITTEE_COPY, round_opened

    settings.SESSION_IDLE_SECONDS = 30 * 60
    meeting = seed_meeting()
    with time_machine.travel(START, tick=False) as clock:
        round_ = round_opened(actor=meeting.chair, round_=rounds.rounds_generate(
            actor=meeting.secretariat, bloc_year=meeting.bloc_year)[0])
        voter, chair = _signed_in(meeting.reps["BDV"]), _signed_in(meeting.chair)
        voter.get(reverse("awards:vote", args=[round_.pk]))
        chair.get(reverse("awards:round-close", args=[round_.pk]))
        clock.shift(dt.timedelta(minutes=45))
        voter.post(reverse("awards:vote-cast", args=[round_.pk]),
                   {"unit": meeting.units["BDV"].pk, "choices": [meeting.units["BTG"].pk]})
        chair.post(reverse("awards:round-close", args=[round_.pk]),
                   {"ballots_issued": "9", "passphrase": COMMITTEE_COPY[meeting.bloc_year.pk],
                    "close_reason": "Hết giờ"})
    stored = [session.get_decoded() for session in Session.objects.all()]
    kept = [session["_idle_replay"] for session in stored if "_idle_replay" in session]
    assert kept and all(entry["path"] != reverse("awards:vote-cast", args=[round_.pk]) for entry in kept)
    text = repr(stored)
    assert COMMITTEE_COPY[meeting.bloc_year.pk] not in text and "passphrase" not in text
    assert "choices" not in text
    assert "Hết giờ" in text  # the close's other input is kept for the chair
