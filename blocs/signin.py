"""Sign-in throttling that slows password guessing and never locks the right person out (issue 13).

Failures are counted in the database (every app server sees them) for three keys, each with its own pause:

- one account from one address: `SIGNIN_MAX_FAILURES` failures pause that pair for `SIGNIN_LOCK_MINUTES`;
  the account stays open from every other address, so nobody can lock the chair out from elsewhere;
- one address: `SIGNIN_MAX_FAILURES_PER_ADDRESS` failures (any names) pause that address; a meeting room
  sharing one address needs a high number here;
- one account from many addresses: after `SIGNIN_ACCOUNT_SLOWDOWN_AFTER` failures the account accepts no
  attempt, for a delay that doubles each time (from `SIGNIN_ACCOUNT_DELAY_SECONDS`, at most the lock
  window), from addresses it has never signed in from. Its owner at a known address is not slowed.

A pause is checked before the password, so a guess during a pause tells nothing. Each pause is a
`SignInLock` row, audited when it starts and when the administrator lifts it (admin, "Sign-in locks").
The client address is REMOTE_ADDR, or, when `TRUSTED_PROXY_COUNT` proxies are configured, the entry of
X-Forwarded-For that the outermost of our proxies wrote (docs/deployment.md §3).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.db import transaction
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


def _is_known(username: str, ip: str | None) -> bool:
    return ip is not None and SignInAddress.objects.filter(user__username__iexact=username, ip=ip).exists()


def refusal(username: str, ip: str | None, *, now: dt.datetime) -> ValidationError | None:
    """Why an attempt is refused before its password is looked at, or None."""
    lock = (_active(Kind.ACCOUNT_ADDRESS, username=username, ip=ip, now=now)
            or (_active(Kind.ADDRESS, ip=ip, now=now) if ip else None))
    if lock is None and not _is_known(username, ip):
        lock = _active(Kind.ACCOUNT, username=username, now=now)
    if lock is None:
        return None
    seconds = max(1, int((lock.until - now).total_seconds()) + 1)
    if lock.kind == Kind.ACCOUNT:
        return ValidationError(
            _("This account has received many wrong passwords from elsewhere; from this address, wait %(seconds)s "
              "seconds and try again. From an address you have signed in from before you can sign in now."),
            code="throttled", params={"seconds": seconds})
    return ValidationError(_("Too many failed sign-ins. Wait %(minutes)s minutes and try again."),
                           code="throttled", params={"minutes": (seconds + 59) // 60})


# --- Writing: failures, locks, lifting --------------------------------------------------------------------------


def _lock(kind: str, *, failures: int, until: dt.datetime, username: str = "", ip: str | None = None) -> None:
    lock = SignInLock.objects.create(kind=kind, username=username, ip=ip, failures=failures, until=until)
    audit(actor=None, action="blocs.signin.locked", obj=lock,
          changes={"kind": kind, "username": username, "ip": ip, "failures": failures, "until": until.isoformat()})


def _lock_when_reached(kind: str, limit: int, *, now: dt.datetime, until: dt.datetime, username: str = "",
                       ip: str | None = None) -> None:
    if _active(kind, username=username, ip=ip, now=now):
        return
    failures = SignInFailure.objects.filter(at__gte=_counting_since(kind, username=username, ip=ip, now=now))
    failures = failures.filter(**({"username": username} if username else {}), **({"ip": ip} if ip else {}))
    count = failures.count()
    if count >= limit:
        _lock(kind, failures=count, until=until, username=username, ip=ip)


@transaction.atomic
def signin_failure_record(*, username: str, ip: str | None) -> None:
    """Count a failure and start the pauses whose limit it reaches."""
    now = timezone.now()
    SignInFailure.objects.create(username=username, ip=ip)
    window = now + dt.timedelta(minutes=settings.SIGNIN_LOCK_MINUTES)
    if ip:
        _lock_when_reached(Kind.ACCOUNT_ADDRESS, settings.SIGNIN_MAX_FAILURES, now=now, until=window,
                           username=username, ip=ip)
        _lock_when_reached(Kind.ADDRESS, settings.SIGNIN_MAX_FAILURES_PER_ADDRESS, now=now, until=window, ip=ip)
    previous = SignInLock.objects.filter(kind=Kind.ACCOUNT, username=username,
                                         created_at__gte=now - dt.timedelta(days=1)).count()
    delay = account_delay(previous_delays=previous, base_seconds=settings.SIGNIN_ACCOUNT_DELAY_SECONDS,
                          cap_seconds=settings.SIGNIN_LOCK_MINUTES * 60)
    _lock_when_reached(Kind.ACCOUNT, settings.SIGNIN_ACCOUNT_SLOWDOWN_AFTER, now=now,
                       until=now + dt.timedelta(seconds=delay), username=username)


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
        username = _username(self.data)
        ip = client_ip(self.request) if self.request else None
        problem = refusal(username, ip, now=timezone.now())
        if problem is not None:
            raise problem
        try:
            return super().clean()
        except ValidationError:
            signin_failure_record(username=username, ip=ip)
            raise


class SignInView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        signin_address_remember(user=form.get_user(), ip=client_ip(self.request))
        return super().form_valid(form)

