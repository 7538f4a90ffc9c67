"""Sign-in with throttling: after repeated failures for one user name (or from one address) the form
refuses for a while, with a clear message, whatever the password (issue 6, security suite)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blocs.models import SignInFailure


def client_ip(request: Any) -> str | None:
    """The client address; behind a proxy set DJANGO_TRUST_X_FORWARDED_FOR=1 (README, "Deploying")."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-ins. Wait %(minutes)s minutes and try again."),
    }

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip().lower()
        ip = client_ip(self.request) if self.request else None
        window = timezone.now() - dt.timedelta(minutes=settings.SIGNIN_LOCK_MINUTES)
        recent = SignInFailure.objects.filter(at__gte=window)
        # A meeting room shares one address: the per-address limit is far higher than the per-name one.
        if (recent.filter(username=username).count() >= settings.SIGNIN_MAX_FAILURES
                or (ip and recent.filter(ip=ip).count() >= settings.SIGNIN_MAX_FAILURES_PER_ADDRESS)):
            raise self.get_throttled_error()
        try:
            return super().clean()
        except Exception:
            SignInFailure.objects.create(username=username[:150], ip=ip)
            raise

    def get_throttled_error(self) -> Exception:
        from django.core.exceptions import ValidationError

        return ValidationError(self.error_messages["throttled"], code="throttled",
                               params={"minutes": settings.SIGNIN_LOCK_MINUTES})


class SignInView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True
