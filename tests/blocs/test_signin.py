"""Sign-in throttling that slows guessing and never locks the right person out (issues 6 and 13).

Addresses are given as the socket's (REMOTE_ADDR) unless a test is about X-Forwarded-For.
"""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from blocs.models import AuditEntry, SignInFailure, SignInLock
from blocs.signin import account_delay, client_ip, signin_attempt_start, signin_attempt_succeeded
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CHAIR_DESK = "10.1.2.3"


def attempt(username: str, password: str, ip: str = CHAIR_DESK, client: Client | None = None, **headers: str):
    client = client or Client()
    response = client.post(reverse("login"), {"username": username, "password": password},
                           REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en", **headers)
    return response


def signed_in(response) -> bool:  # noqa: ANN001
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def error_text(response) -> str:  # noqa: ANN001
    return " ".join(response.context["form"].non_field_errors())


@pytest.fixture
def chair(db):  # noqa: ANN001, ANN201
    """The chair, who signed in from her desk yesterday."""
    user = make_user("truongkhoi")
    assert signed_in(attempt("truongkhoi", "pw-truongkhoi", CHAIR_DESK))
    return user


def test_the_right_password_signs_in():
    make_user("ban_tdkt")
    assert signed_in(attempt("ban_tdkt", "pw-ban_tdkt"))


def test_five_failures_pause_that_account_from_that_address_even_for_the_right_password(settings):
    settings.SIGNIN_MAX_FAILURES = 5
    make_user("ban_tdkt")
    for _ in range(5):
        assert attempt("ban_tdkt", "wrong", "10.9.9.9").status_code == 200
    response = attempt("ban_tdkt", "pw-ban_tdkt", "10.9.9.9")
    assert not signed_in(response)
    assert "Too many failed sign-ins. Wait 15 minutes" in error_text(response)
    assert SignInFailure.objects.count() == 5, "a refused attempt is not even counted: its password is not read"


def test_nobody_can_lock_the_chair_out_from_elsewhere(chair, settings):
    """Issue 13: five wrong passwords for "truongkhoi" from anywhere used to refuse the chair for 15 minutes."""
    for _ in range(5):
        attempt("truongkhoi", "wrong", "203.0.113.7")
    assert SignInLock.objects.filter(kind=SignInLock.Kind.ACCOUNT_ADDRESS, ip="203.0.113.7").exists()
    assert signed_in(attempt("truongkhoi", "pw-truongkhoi", CHAIR_DESK))
    assert signed_in(attempt("truongkhoi", "pw-truongkhoi", "10.1.2.99")), "an address nobody attacked from"


def test_twenty_failures_from_many_addresses_slow_guessers_but_the_chair_gets_in_at_once(chair, settings,
                                                                                       time_machine):
    time_machine.move_to("2026-11-30 08:00:00+07:00", tick=False)  # a loaded machine must not make it 29 s
    settings.SIGNIN_ACCOUNT_SLOWDOWN_AFTER = 10
    settings.SIGNIN_ACCOUNT_DELAY_SECONDS = 30
    answers = [attempt("truongkhoi", "wrong", f"198.51.100.{n}") for n in range(20)]
    slowed = [a for a in answers if "has received many wrong passwords" in error_text(a)]
    assert len(slowed) == 10, "after ten failures, guesses from new addresses wait"
    assert signed_in(attempt("truongkhoi", "pw-truongkhoi", CHAIR_DESK))
    # Even the right password from an address never used waits, but seconds, not a lock.
    waiting = attempt("truongkhoi", "pw-truongkhoi", "198.51.100.200")
    assert not signed_in(waiting)
    assert "wait 30 seconds" in error_text(waiting)


def test_the_account_delay_runs_out_and_doubles(chair, settings, time_machine):
    settings.SIGNIN_ACCOUNT_SLOWDOWN_AFTER = 3
    settings.SIGNIN_ACCOUNT_DELAY_SECONDS = 30
    time_machine.move_to("2026-11-30 08:00:00+07:00")
    for n in range(3):
        attempt("truongkhoi", "wrong", f"198.51.100.{n}")
    assert "wait 30 seconds" in error_text(attempt("truongkhoi", "wrong", "198.51.100.50"))
    time_machine.move_to("2026-11-30 08:00:31+07:00")
    for n in range(3):
        attempt("truongkhoi", "wrong", f"198.51.100.{10 + n}")
    assert "wait 60 seconds" in error_text(attempt("truongkhoi", "wrong", "198.51.100.51"))
    time_machine.move_to("2026-11-30 08:01:32+07:00")
    assert signed_in(attempt("truongkhoi", "pw-truongkhoi", "198.51.100.52"))


def test_a_hundred_made_up_names_from_one_address_do_not_stop_another(settings):
    settings.SIGNIN_MAX_FAILURES_PER_ADDRESS = 50
    make_user("dai_dien")
    for n in range(100):
        attempt(f"khong-co-{n}", "wrong", "192.0.2.66")
    assert SignInLock.objects.filter(kind=SignInLock.Kind.ADDRESS, ip="192.0.2.66").count() == 1
    assert SignInFailure.objects.filter(ip="192.0.2.66").count() == 50, "paused after the fiftieth"
    assert not signed_in(attempt("dai_dien", "pw-dai_dien", "192.0.2.66"))
    assert signed_in(attempt("dai_dien", "pw-dai_dien", "192.0.2.67"))


def test_one_person_guessing_does_not_lock_the_meeting_room(settings):
    """Everyone in the meeting room signs in from one address: one name's failures pause only that name."""
    settings.SIGNIN_MAX_FAILURES = 3
    make_user("ban_tdkt")
    make_user("dai_dien")
    for _ in range(3):
        attempt("ban_tdkt", "wrong", "10.0.0.1")
    assert signed_in(attempt("dai_dien", "pw-dai_dien", "10.0.0.1"))


def test_an_attempt_being_checked_holds_the_last_place_under_the_limit(settings):
    """Two attempts arriving together at the last place: the second waits, not both have their password read
    (tests/ops/test_signin_on_two_servers.py races them on two servers). The place is free again once the
    first proves right, and no pause is left behind."""
    settings.SIGNIN_MAX_FAILURES = 2
    make_user("ban_tdkt")
    attempt("ban_tdkt", "wrong", "10.9.9.9")
    checking = signin_attempt_start(username="ban_tdkt", ip="10.9.9.9")  # its password is being read
    assert "Too many failed sign-ins" in error_text(attempt("ban_tdkt", "pw-ban_tdkt", "10.9.9.9"))
    signin_attempt_succeeded(attempt=checking)
    assert signed_in(attempt("ban_tdkt", "pw-ban_tdkt", "10.9.9.9"))
    assert SignInFailure.objects.count() == 1 and not SignInLock.objects.exists()


def test_failures_expire_after_the_window(settings, time_machine):
    settings.SIGNIN_MAX_FAILURES = 2
    settings.SIGNIN_LOCK_MINUTES = 15
    make_user("ban_tdkt")
    time_machine.move_to("2026-11-30 08:00:00+07:00")
    attempt("ban_tdkt", "wrong")
    attempt("ban_tdkt", "wrong")
    assert not signed_in(attempt("ban_tdkt", "pw-ban_tdkt"))
    time_machine.move_to("2026-11-30 08:16:00+07:00")
    assert signed_in(attempt("ban_tdkt", "pw-ban_tdkt"))


def test_the_administrator_sees_a_lock_lifts_it_and_both_are_audited(world, settings):
    settings.SIGNIN_MAX_FAILURES = 3
    make_user("ban_lock")
    for _ in range(3):
        attempt("ban_lock", "wrong", "10.7.7.7")
    lock = SignInLock.objects.get()
    assert AuditEntry.objects.filter(action="blocs.signin.locked", object_id=str(lock.pk)).exists()
    admin = Client()
    admin.force_login(world.users["admin"])
    listing = admin.get(reverse("admin:blocs_signinlock_changelist"))
    assert listing.status_code == 200 and "ban_lock" in listing.content.decode()
    response = admin.post(reverse("admin:blocs_signinlock_changelist"),
                          {"action": "lift", "_selected_action": [lock.pk]})
    assert response.status_code == 302
    lock.refresh_from_db()
    assert lock.lifted_by == world.users["admin"]
    unlocked = AuditEntry.objects.get(action="blocs.signin.unlocked", object_id=str(lock.pk))
    assert unlocked.actor == world.users["admin"]
    assert signed_in(attempt("ban_lock", "pw-ban_lock", "10.7.7.7"))


def test_a_lifted_lock_gives_a_fresh_start(world, settings):
    settings.SIGNIN_MAX_FAILURES = 3
    make_user("ban_lock")
    for _ in range(3):
        attempt("ban_lock", "wrong", "10.7.7.7")
    from blocs.signin import signin_lock_lift

    signin_lock_lift(actor=world.users["admin"], lock=SignInLock.objects.get())
    attempt("ban_lock", "wrong", "10.7.7.7")
    assert SignInLock.objects.count() == 1, "one failure after the lift is not the fourth"


# --- The client's address ----------------------------------------------------------------------------------------


def _request(remote: str, forwarded: str | None = None):  # noqa: ANN202
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=remote, **extra)


def test_x_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("192.0.2.1", "203.0.113.9")) == "192.0.2.1"


@pytest.mark.parametrize(("count", "forwarded", "expected"), [
    (1, "203.0.113.9", "203.0.113.9"),                   # what nginx saw
    (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),          # the client's own entry on the left is ignored
    (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # two proxies: the outer one's entry
    (1, "", "192.0.2.1"),                               # not through the proxy
    (2, "203.0.113.9", "192.0.2.1"),                    # fewer entries than proxies: not trusted
    (1, "not-an-address", "192.0.2.1"),
    (1, "2001:db8::1", "2001:db8::1"),
])
def test_behind_trusted_proxies_only_their_entries_count(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request("192.0.2.1", forwarded)) == expected


def test_spoofed_forwarded_addresses_neither_escape_nor_lock_anyone(settings):
    """Issue 13: with the old switch, rotating spoofed addresses were never throttled, and spoofing a victim's
    address locked the victim out. Behind one trusted proxy, the proxy's entry is the address."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGNIN_MAX_FAILURES = 5
    make_user("ban_tdkt")
    for n in range(5):
        attempt("ban_tdkt", "wrong", "10.0.0.2", HTTP_X_FORWARDED_FOR=f"{CHAIR_DESK}, 198.51.100.{n % 2}")
    assert not SignInLock.objects.filter(ip=CHAIR_DESK).exists()
    assert signed_in(attempt("ban_tdkt", "pw-ban_tdkt", "10.0.0.2", HTTP_X_FORWARDED_FOR=CHAIR_DESK))
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        attempt("ban_tdkt", "wrong", "192.0.2.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert SignInLock.objects.filter(kind=SignInLock.Kind.ACCOUNT_ADDRESS, ip="192.0.2.5").exists()


@pytest.mark.parametrize(("previous", "expected"), [(0, 30), (1, 60), (4, 480), (5, 900), (60, 900)])
def test_the_account_delay_doubles_up_to_the_window(previous, expected):
    assert account_delay(previous_delays=previous, base_seconds=30, cap_seconds=900) == expected
