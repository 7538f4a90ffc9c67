"""Sessions for shared office computers (issue 10, item 9).

- **Idle timeout**: a signed-in session ends after `SESSION_IDLE_SECONDS` without a request (default 30
  minutes, `EMULATION_SESSION_IDLE_MINUTES`), on top of the absolute `SESSION_COOKIE_AGE`. Pages warn two
  minutes before (static/js/app.js), and typing in a form keeps the session alive (`keepalive`).
- **Nothing typed is lost**: a form sent after the session ended is kept in the new, signed-out session
  (the fields, not files) together with whose session it was. Once that same person signs in again, the page
  offers to send it again: one click, through the view's own checks. Anybody else signing in on that
  computer never sees it. Nothing of a ballot and no secret field (password, passphrase) is ever kept.
- **The CSRF failure page** speaks Vietnamese and, for a form sent from our own pages, offers the same
  fields again with a fresh token (never for a form that came from another site).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

LAST_SEEN = "_idle_last_seen"
REPLAY = "_idle_replay"
UID_COOKIE = "emulation_uid"
UID_SALT = "emulation.idle.uid"
REPLAY_MAX_BYTES = 64 * 1024
REPLAY_MAX_AGE = 3600  # seconds: input older than this is not offered again
TOUCH_EVERY = 60  # seconds: how often an ordinary request writes the session to record activity
HIDDEN_FIELDS = {"csrfmiddlewaretoken"}


# Input never kept nor shown again: a ballot (a unit's choices must never be stored beside its session,
# docs/secrecy.md) and secrets (passwords, the counting committee's passphrase, tokens).
SECRET_VIEWS = {"awards:vote", "awards:vote-cast", "awards:paper-ballot", "awards:paper-count", "awards:card-enter",
                "awards:card-ballot", "awards:card-cast"}
SECRET_FIELD = re.compile(r"pass|secret|token", re.IGNORECASE)


def _fields(request: HttpRequest) -> list[tuple[str, str]]:
    """What may be kept of a form: nothing of a ballot, never a secret field."""
    try:
        if resolve(request.path_info).view_name in SECRET_VIEWS:
            return []
    except Resolver404:
        return []
    return [(key, value) for key, values in request.POST.lists()
            if key not in HIDDEN_FIELDS and not SECRET_FIELD.search(key) for value in values]


def _known_uid(request: HttpRequest) -> str | None:
    return request.get_signed_cookie(UID_COOKIE, default=None, salt=UID_SALT)


class IdleTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            ended_uid = self._end_if_idle(request)
            offer = self._offer_replay(request)
        except DatabaseError:
            # The database is away: let the view meet it, where DatabaseUnavailableMiddleware answers 503.
            return self.get_response(request)
        if offer is not None:
            return offer
        response = self.get_response(request)
        if request.method == "POST" and not request.user.is_authenticated:
            self._keep_input(request, response, ended_uid or _known_uid(request))
        if request.user.is_authenticated and _known_uid(request) != str(request.user.pk):
            response.set_signed_cookie(UID_COOKIE, str(request.user.pk), salt=UID_SALT, httponly=True,
                                       samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
                                       max_age=settings.SESSION_COOKIE_AGE + 86400)
        return response

    @staticmethod
    def _end_if_idle(request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        now = int(time.time())
        last = request.session.get(LAST_SEEN)
        if last is not None and now - last > settings.SESSION_IDLE_SECONDS:
            uid = str(request.user.pk)
            logout(request)
            messages.info(request, _("You were signed out after %(minutes)s minutes without activity.")
                          % {"minutes": settings.SESSION_IDLE_SECONDS // 60})
            return uid
        # Page loads count as activity (a POST is followed by one); a refused POST writes nothing at all.
        if request.method in ("GET", "HEAD") and (last is None or now - last >= TOUCH_EVERY):
            request.session[LAST_SEEN] = now
        return None

    @staticmethod
    def _keep_input(request: HttpRequest, response: HttpResponse, uid: str | None) -> None:
        """A form sent to a sign-in-only page by a signed-out browser: keep it for its owner."""
        login_url = resolve_url(settings.LOGIN_URL)
        if uid is None or response.status_code != 302 or not response.get("Location", "").startswith(login_url):
            return
        fields = _fields(request)
        if not fields or sum(len(k) + len(v) for k, v in fields) > REPLAY_MAX_BYTES:
            return
        request.session[REPLAY] = {"path": request.path, "fields": fields, "uid": uid, "at": int(time.time()),
                                   "files": bool(request.FILES)}
        messages.info(request, _("Your session had ended, so what you sent was not saved yet. Sign in again "
                                 "and it will be offered to you to send again."))

    @staticmethod
    def _offer_replay(request: HttpRequest) -> HttpResponse | None:
        if request.method != "GET" or not hasattr(request, "session") or REPLAY not in request.session:
            return None
        if not request.user.is_authenticated:
            return None
        kept = request.session.pop(REPLAY)
        if (str(request.user.pk) != kept.get("uid") or time.time() - kept.get("at", 0) > REPLAY_MAX_AGE
                or kept.get("path") != request.path or request.GET.get("discard")):
            return None
        return render(request, "replay.html", {"action": kept["path"], "fields": kept["fields"],
                                               "had_files": kept.get("files")})


@never_cache
@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """Typing in a long form is activity: the page says so here (at most every few minutes)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    request.session[LAST_SEEN] = int(time.time())
    return JsonResponse({"signed_in": True, "idle_seconds": settings.SESSION_IDLE_SECONDS})


def context(request: HttpRequest) -> dict[str, Any]:
    """What the page's script needs to warn before the session ends."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"idle_seconds": settings.SESSION_IDLE_SECONDS, "keepalive_url": reverse("keepalive")}


def _same_site(request: HttpRequest) -> bool:
    """The form came from one of our pages (Origin, else Referer, names this host): never offer to send
    again what another site posted."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parsed = urlsplit(source)
    return (parsed.scheme in ("http", "https") and parsed.netloc == request.get_host()
            and url_has_allowed_host_and_scheme(source, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF_FAILURE_VIEW: in Vietnamese, and with the input offered again when it is ours."""
    fields = _fields(request) if request.method == "POST" and _same_site(request) else []
    return render(request, "csrf_failure.html", {"action": request.path, "fields": fields,
                                                 "had_files": bool(request.FILES)}, status=403)
