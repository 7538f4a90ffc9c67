"""Sign-in throttling that slows password guessing and never locks the right person out (issue 13).

Failures are counted in the database (every app server sees them) for three keys, each with its own pause:

- one account from one address: `SIGNIN_MAX_FAILURES` failures pause that pair for `SIGNIN_LOCK_MINUTES`;
  the account stays open from every other address, so nobody can lock the chair out from elsewhere;
- one address: `SIGNIN_MAX_FAILURES_PER_ADDRESS` failures (any names) pause that address; a meeting room
  sharing one address needs a high number here;
- one account from many addresses: after `SIGNIN_ACCOUNT_SLOWDOWN_AFTER` failures the account accepts no
  attempt, for a delay that doubles each time (from `SIGNIN_ACCOUNT_DELAY_SECONDS`, at most the lock
  window), from addresses it has never signed in from. Its owner at a known address is not slowed.

A pause is checked before the password, so a guess during a pause tells nothing. The limits are exact across
app servers: an attempt that passes the check is counted as a failure before its password is read (and the
count taken back if the password is right), and checking and counting hold a PostgreSQL advisory lock per
key, so that of two attempts arriving together at the last free place only one has its password read; the
other is told to wait. Each pause is a `SignInLock` row, audited when it starts and when the administrator
lifts it (admin, "Sign-in locks").
The client address is REMOTE_ADDR, or, when `TRUSTED_PROXY_COUNT` proxies are configured, the entry of
X-Forwarded-For that the outermost of our proxies wrote (docs/deployment.md §3).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blocs.audit import audit
from blocs.models import SignInAddress, SignInFailure, SignInLock, User

Kind = SignInLock.Kind


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: Any) -> str | None:
    """The client's address. Behind N trusted proxies (DJANGO_TRUSTED_PROXY_COUNT=N) each proxy appends the
    address it received from to X-Forwarded-For, so the N-th entry from the right is the one our outermost
    proxy saw; anything to its left was written by the client and is ignored. Without trusted proxies the
    header is ignored entirely."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR") or "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    entries = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(entries) < proxies:
        return remote  # not through our proxies (or a proxy that does not append): what the socket says
    return _valid_ip(entries[-proxies]) or remote


def account_delay(*, previous_delays: int, base_seconds: int, cap_seconds: int) -> int:
    """Seconds of the next account delay: doubling with each delay of the last day, capped."""
    return min(base_seconds * 2 ** min(previous_delays, 20), cap_seconds)


# --- Reading the state ----------------------------------------------------------------------------------------


def _active(kind: str, *, username: str = "", ip: str | None = None, now: dt.datetime) -> SignInLock | None:
    return (SignInLock.objects.filter(kind=kind, username=username, ip=ip, until__gt=now, lifted_at__isnull=True)
            .order_by("-until").first())


def _counting_since(kind: str, *, username: str = "", ip: str | None = None, now: dt.datetime) -> dt.datetime:
    """Failures count within the window and after the last pause of this key ended (lifted or expired): a
    lifted lock gives a fresh start."""
    since = now - dt.timedelta(minutes=settings.SIGNIN_LOCK_MINUTES)
    last = SignInLock.objects.filter(kind=kind, username=username, ip=ip).order_by("-created_at").first()
    return max(since, last.ends_at()) if last else since


def _failures(kind: str, *, username: str = "", ip: str | None = None, now: dt.datetime) -> int:
    found = SignInFailure.objects.filter(at__gte=_counting_since(kind, username=username, ip=ip, now=now))
    return found.filter(**({"username": username} if username else {}), **({"ip": ip} if ip else {})).count()


def _is_known(username: str, ip: str | None) -> bool:
    return ip is not None and SignInAddress.objects.filter(user__username__iexact=username, ip=ip).exists()


def _limits(username: str, ip: str | None) -> list[tuple[str, int, dict[str, Any]]]:
    """(kind, limit, key) of each count a failure of `username` at `ip` adds to, in the order refusals are told."""
    keys: list[tuple[str, int, dict[str, Any]]] = []
    if ip:
        keys += [(Kind.ACCOUNT_ADDRESS, settings.SIGNIN_MAX_FAILURES, {"username": username, "ip": ip}),
                 (Kind.ADDRESS, settings.SIGNIN_MAX_FAILURES_PER_ADDRESS, {"ip": ip})]
    return [*keys, (Kind.ACCOUNT, settings.SIGNIN_ACCOUNT_SLOWDOWN_AFTER, {"username": username})]


def _account_delay_seconds(username: str, *, now: dt.datetime) -> int:
    previous = SignInLock.objects.filter(kind=Kind.ACCOUNT, username=username,
                                         created_at__gte=now - dt.timedelta(days=1)).count()
    return account_delay(previous_delays=previous, base_seconds=settings.SIGNIN_ACCOUNT_DELAY_SECONDS,
                         cap_seconds=settings.SIGNIN_LOCK_MINUTES * 60)


def _told(kind: str, seconds: int) -> ValidationError:
    if kind == Kind.ACCOUNT:
        return ValidationError(
            _("This account has received many wrong passwords from elsewhere; from this address, wait %(seconds)s "
              "seconds and try again. From an address you have signed in from before you can sign in now."),
            code="throttled", params={"seconds": seconds})
    return ValidationError(_("Too many failed sign-ins. Wait %(minutes)s minutes and try again."),
                           code="throttled", params={"minutes": (seconds + 59) // 60})


def refusal(username: str, ip: str | None, *, now: dt.datetime) -> ValidationError | None:
    """Why an attempt is refused before its password is looked at, or None: a pause, or a limit that attempts
    still being checked have reached (each counts as a failure until its password proves right)."""
    limits = _limits(username, ip)
    if _is_known(username, ip):
        limits = [limit for limit in limits if limit[0] != Kind.ACCOUNT]  # the owner at her desk is not slowed
    for kind, _limit, key in limits:
        lock = _active(kind, **key, now=now)
        if lock is not None:
            return _told(kind, max(1, math.ceil((lock.until - now).total_seconds())))
    for kind, limit, key in limits:
        if _failures(kind, **key, now=now) >= limit:
            pause = _account_delay_seconds(username, now=now) if kind == Kind.ACCOUNT else None
            return _told(kind, pause or settings.SIGNIN_LOCK_MINUTES * 60)
    return None


def _serialise(username: str, ip: str | None) -> None:
    """Until the transaction ends, hold the lock of every count this attempt reads or adds to, on every app
    server (PostgreSQL advisory locks, taken in ascending order so that two attempts never wait for each other
    in a circle). SQLite is for one small server (docs/deployment.md §7) and gets no lock: there two attempts
    at the same instant may still both be read."""
    if connection.vendor != "postgresql":
        return
    names = {f"signin:{kind}:{key.get('username', '')}:{key.get('ip') or ''}" for kind, _, key in _limits(username, ip)}
    ids = sorted(int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
                 for name in names)
    with connection.cursor() as cursor:
        for lock_id in ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


# --- Writing: failures, locks, lifting --------------------------------------------------------------------------


def _lock(kind: str, *, failures: int, until: dt.datetime, username: str = "", ip: str | None = None) -> None:
    lock = SignInLock.objects.create(kind=kind, username=username, ip=ip, failures=failures, until=until)
    audit(actor=None, action="blocs.signin.locked", obj=lock,
          changes={"kind": kind, "username": username, "ip": ip, "failures": failures, "until": until.isoformat()})


@transaction.atomic
def signin_attempt_start(*, username: str, ip: str | None) -> SignInFailure:
    """Let an attempt have its password read, or raise why it waits. A let-through attempt is counted as a
    failure at once, so that no other attempt can take the same last place under the limit."""
    _serialise(username, ip)
    problem = refusal(username, ip, now=timezone.now())
    if problem is not None:
        raise problem
    return SignInFailure.objects.create(username=username, ip=ip)


def signin_attempt_succeeded(*, attempt: SignInFailure) -> None:
    """The password was right: the attempt was no failure."""
    attempt.delete()


@transaction.atomic
def signin_failure_record(*, attempt: SignInFailure) -> None:
    """The password was wrong: start the pauses whose limit this failure reaches."""
    username, ip = attempt.username, attempt.ip
    _serialise(username, ip)
    now = timezone.now()
    for kind, limit, key in _limits(username, ip):
        if _active(kind, **key, now=now) is not None:
            continue
        count = _failures(kind, **key, now=now)
        if count >= limit:
            seconds = (_account_delay_seconds(username, now=now) if kind == Kind.ACCOUNT
                       else settings.SIGNIN_LOCK_MINUTES * 60)
            _lock(kind, failures=count, until=now + dt.timedelta(seconds=seconds), **key)


@transaction.atomic
def signin_lock_lift(*, actor: User, lock: SignInLock) -> SignInLock:
    """The administrator lifts a pause; failures before it no longer count."""
    lock = SignInLock.objects.select_for_update().get(pk=lock.pk)
    if lock.lifted_at is not None or lock.until <= timezone.now():
        return lock
    lock.lifted_at, lock.lifted_by = timezone.now(), actor
    lock.save(update_fields=["lifted_at", "lifted_by"])
    audit(actor=actor, action="blocs.signin.unlocked", obj=lock,
          changes={"kind": lock.kind, "username": lock.username, "ip": lock.ip})
    return lock


def signin_address_remember(*, user: User, ip: str | None) -> None:
    if ip:
        SignInAddress.objects.update_or_create(user=user, ip=ip, defaults={"last_at": timezone.now()})


# --- The form and the view ---------------------------------------------------------------------------------------


def _username(data: Any) -> str:
    value = data.get("username") or ""
    return str(value).strip().lower()[:150]


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        attempt = signin_attempt_start(username=_username(self.data),
                                       ip=client_ip(self.request) if self.request else None)
        try:
            cleaned = super().clean()
        except ValidationError:
            signin_failure_record(attempt=attempt)
            raise
        signin_attempt_succeeded(attempt=attempt)
        return cleaned


class SignInView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        signin_address_remember(user=form.get_user(), ip=client_ip(self.request))
        return super().form_valid(form)

