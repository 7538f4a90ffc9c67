"""Sign-in throttling after repeated failures (issue 6, security suite)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from blocs.models import SignInFailure
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def attempt(client: Client, username: str, password: str) -> object:
    return client.post(reverse("login"), {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE="en")


def test_the_right_password_signs_in():
    make_user("ban_tdkt")
    response = attempt(Client(), "ban_tdkt", "pw-ban_tdkt")
    assert response.status_code == 302


def test_five_failures_lock_the_name_even_for_the_right_password(settings):
    settings.SIGNIN_MAX_FAILURES = 5
    make_user("ban_tdkt")
    client = Client()
    for _ in range(5):
        assert attempt(client, "ban_tdkt", "wrong").status_code == 200
    assert SignInFailure.objects.count() == 5
    with translation.override("en"):
        response = attempt(client, "ban_tdkt", "pw-ban_tdkt")
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_expire_after_the_window(settings, time_machine):
    settings.SIGNIN_MAX_FAILURES = 2
    settings.SIGNIN_LOCK_MINUTES = 15
    make_user("ban_tdkt")
    time_machine.move_to("2026-11-30 08:00:00+07:00")
    client = Client()
    attempt(client, "ban_tdkt", "wrong")
    attempt(client, "ban_tdkt", "wrong")
    assert attempt(client, "ban_tdkt", "pw-ban_tdkt").status_code == 200
    time_machine.move_to("2026-11-30 08:16:00+07:00")
    assert attempt(client, "ban_tdkt", "pw-ban_tdkt").status_code == 302


def test_one_person_guessing_does_not_lock_the_meeting_room(settings):
    """Everyone in the meeting room signs in from one address: one name's failures lock only that name."""
    settings.SIGNIN_MAX_FAILURES = 3
    make_user("ban_tdkt")
    make_user("dai_dien")
    client = Client()
    for _ in range(3):
        attempt(client, "ban_tdkt", "wrong")
    assert attempt(Client(), "dai_dien", "pw-dai_dien").status_code == 302
