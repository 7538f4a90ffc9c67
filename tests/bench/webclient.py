"""A small HTTP client for the load test: a cookie jar, form tokens, one connection per request.

The standard library's `http.client` (no new dependency, style.md "Dependencies"); every request has a
timeout. The server runs with DEBUG off, so its cookies carry the Secure flag; this client is ours and
sends them back over plain http on loopback all the same, as a browser behind TLS would.
"""

from __future__ import annotations

import http.client
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode

Form = Mapping[str, str | Sequence[str]]

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_ALERT = re.compile(r'class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', re.S)
_TAG = re.compile(r"<[^>]+>")


class RequestFailed(Exception):
    """A request that did not answer as the step expects (status, or a missing piece of the page)."""


@dataclass
class Response:
    status: int
    location: str
    body: str
    seconds: float
    finished_at: float


@dataclass
class Browser:
    host: str
    port: int
    timeout: float
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, expect: int = 200) -> Response:
        return self.request("GET", path, None, expect)

    def post(self, path: str, form: Form, expect: int = 200) -> Response:
        return self.request("POST", path, form, expect)

    def request(self, method: str, path: str, form: Form | None, expect: int) -> Response:
        headers = {"Connection": "close", "Accept-Language": "vi"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read().decode("utf-8", "replace")
        finally:
            connection.close()
        finished = time.perf_counter()
        self._keep_cookies(answer.msg.get_all("Set-Cookie") or [])
        response = Response(answer.status, answer.getheader("Location", ""), data, finished - started, finished)
        if response.status != expect:
            raise RequestFailed(f"{method} {path}: HTTP {response.status}, expected {expect}"
                                + (f" (to {response.location})" if response.location else ""))
        return response

    def _keep_cookies(self, headers: Sequence[str]) -> None:
        for header in headers:
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def form_token(html: str) -> str:
    found = _TOKEN.search(html)
    if found is None:
        raise RequestFailed("no CSRF token in the page")
    return found.group(1)


def field_values(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{re.escape(name)}" value="([^"]*)"', html)


def alert_text(html: str) -> str:
    """The error message a page shows, as plain text (to say why a cast was refused)."""
    found = _ALERT.search(html)
    return " ".join(_TAG.sub(" ", found.group(1)).split()) if found else ""
