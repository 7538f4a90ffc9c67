"""Production settings and the headers every page carries (README "Deploying", docs/deployment.md).

Settings are evaluated in a subprocess with DJANGO_DEBUG=0 and a real secret, as a server would start:
`check --deploy --fail-level WARNING` passes, the effective settings are the hardened ones, and a page served
by that configuration carries HSTS, the content-security policy and the frame, type and referrer headers.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.security.prod import production_env, run_manage, run_python

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_HSTS_SECONDS",
         "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "X_FRAME_OPTIONS",
         "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "CONTENT_SECURITY_POLICY"]
print(json.dumps({name: getattr(settings, name, None) for name in names}))
"""

# A page and an error page served by the production configuration through Django's test client. The hashed
# static files of production need `collectstatic`; plain static storage renders the same page without it.
SERVE_PAGES = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):
    client = Client()
    page = client.get("/accounts/login/", secure=True)
    plain_http = client.get("/accounts/login/")
    missing = client.get("/khong-co-trang-nay/", secure=True)
cookie = page.cookies.get("csrftoken")
print(json.dumps({
    "status": page.status_code, "headers": dict(page.headers), "missing_status": missing.status_code,
    "missing_headers": dict(missing.headers), "http_status": plain_http.status_code,
    "http_location": plain_http.get("Location", ""),
    "csrf_cookie": {"secure": bool(cookie and cookie["secure"]), "samesite": cookie["samesite"] if cookie else ""},
}))
"""


def _json(result) -> dict:  # noqa: ANN001
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_has_no_warnings():
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_settings_are_hardened():
    effective = _json(run_python(PRINT_SETTINGS, production_env()))
    assert effective["DEBUG"] is False
    assert effective["SESSION_COOKIE_SECURE"] is True and effective["CSRF_COOKIE_SECURE"] is True
    assert effective["SESSION_COOKIE_HTTPONLY"] is True
    assert effective["SECURE_HSTS_SECONDS"] >= 31536000 and effective["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert effective["SECURE_SSL_REDIRECT"] is True
    assert effective["X_FRAME_OPTIONS"] == "DENY"
    assert effective["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert effective["SECURE_REFERRER_POLICY"] in ("same-origin", "strict-origin", "no-referrer",
                                                   "strict-origin-when-cross-origin")


def _csp(value: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in value.split(";") if part.strip()}


def _assert_hardened_headers(headers: dict[str, str]) -> None:
    csp = _csp(headers["Content-Security-Policy"])
    assert csp["script-src"] == "'self'", csp
    assert csp["frame-ancestors"] == "'none'", csp
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'", csp
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_a_production_response_carries_the_security_headers():
    served = _json(run_python(SERVE_PAGES, production_env()))
    assert served["status"] == 200
    headers = served["headers"]
    _assert_hardened_headers(headers)
    hsts = headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert served["csrf_cookie"]["secure"] is True
    # Plain HTTP is sent to HTTPS; error pages carry the same headers.
    assert served["http_status"] == 301 and served["http_location"].startswith("https://")
    assert served["missing_status"] == 404
    _assert_hardened_headers(served["missing_headers"])


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["blocs:home", "blocs:year-detail", "awards:round-list"])
def test_app_pages_carry_the_security_headers(world, name):
    kwargs = {"pk": world.bloc_year.pk} if name != "blocs:home" else {}
    response = client_for(world.users["secretariat"]).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    _assert_hardened_headers(dict(response.headers))


@pytest.mark.django_db
def test_the_framed_report_relaxes_only_frame_ancestors(world, everything):
    """The version page frames the report's HTML: only our own origin may, and nothing else is loosened."""
    response = client_for(world.users["secretariat"]).get(
        reverse("reports:report-html", args=[everything["circulated"].pk]))
    csp = _csp(response["Content-Security-Policy"])
    assert csp["frame-ancestors"] == "'self'" and response["X-Frame-Options"] == "SAMEORIGIN"
    assert csp["script-src"] == "'self'" and response["X-Content-Type-Options"] == "nosniff"
