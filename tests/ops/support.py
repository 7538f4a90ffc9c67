"""What the ops tests share: the children's environment, gunicorn, a browser-like client, the user's steps.

gunicorn is started with tests/bench/server.py's `gunicorn()` (a free port on 127.0.0.1, waits for
/healthz/, stops it by its own id); the client is tests/bench/webclient.py's `Browser` (http.client, a
cookie jar, one connection per request, a timeout on each) plus multipart uploads.
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.common import REPO_ROOT, child_env
from tests.bench.server import HOST, Server, gunicorn
from tests.bench.webclient import Browser, RequestFailed, field_values, form_token
from tests.ops import pg

REQUEST_TIMEOUT = 30.0  # seconds, each request
SCRIPT_TIMEOUT = 120.0  # seconds, each Django child process
RECEIPT = re.compile(r'id="receipt">\s*([A-Z0-9]+)\s*<')
GUNICORN_CONFIG = Path(__file__).with_name("gunicorn_hooks.py")
RUNNING_LOGS: list[Path] = []  # the logs of the servers now running: shown when a test fails


def django_env(database_url: str, media_root: Path, *, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Production settings (DEBUG off) over plain http on loopback, see tests/ops/server_settings.py."""
    static_root = media_root.parent / "static"  # empty: whitenoise serves the source folders
    static_root.mkdir(exist_ok=True)
    return child_env({
        "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tests.ops.server_settings",
        "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST, "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_MEDIA_ROOT": str(media_root),
        "DJANGO_STATIC_ROOT": str(static_root), "DJANGO_LOG_LEVEL": "WARNING", **(extra or {}),
    })


def run_django(env: Mapping[str, str], *args: str, timeout: float = SCRIPT_TIMEOUT) -> str:
    """`python ARGS` in the repository with `env`; its output, or an AssertionError with its errors."""
    try:
        done = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=dict(env), capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise AssertionError(f"{' '.join(args)} did not finish within {timeout:.0f} s") from error
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout


def migrate(env: Mapping[str, str]) -> None:
    run_django(env, "manage.py", "migrate", "-v", "0", "--noinput", "--skip-checks")


def seed(env: Mapping[str, str], workdir: Path) -> dict[str, Any]:
    out = workdir / "world.json"
    run_django(env, "-m", "tests.ops.scenario", "seed", "--out", str(out))
    return json.loads(out.read_text())


@contextmanager
def app_server(env: Mapping[str, str], log: Path, *, workers: int = 2,
               config: Path | None = None) -> Iterator[tuple[Server, int]]:
    """gunicorn (sync workers) and its master's process id, read from the pid file gunicorn writes."""
    pid_file = log.with_suffix(".pid")
    options = ["-w", str(workers), "--preload", "--pid", str(pid_file), *(["-c", str(config)] if config else [])]
    with gunicorn(env, log, workers=options, start_timeout=60) as server:
        RUNNING_LOGS.append(log)
        try:
            yield server, int(pid_file.read_text().strip())
        finally:
            RUNNING_LOGS.remove(log)


@contextmanager
def app_servers(envs: Sequence[Mapping[str, str]], logs: Sequence[Path], *, workers: int = 2,
                config: Path | None = None) -> Iterator[list[Server]]:
    """Several gunicorn instances, one per environment, started side by side (each waits for /healthz/)."""
    managers = [app_server(env, log, workers=workers, config=config) for env, log in zip(envs, logs, strict=True)]
    started: list[Any] = [None] * len(managers)

    def enter(i: int) -> None:
        try:
            started[i] = managers[i].__enter__()
        except Exception as error:  # noqa: BLE001 - reported below, after every start has ended
            started[i] = error

    threads = [threading.Thread(target=enter, args=(i,), daemon=True) for i in range(len(managers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    try:
        failures = [s for s in started if not isinstance(s, tuple)]
        if failures:
            raise AssertionError(f"an app server did not start: {failures[0]!r}")
        yield [server for server, _master in started]
    finally:
        for manager, outcome in zip(managers, started, strict=True):
            if isinstance(outcome, tuple):
                manager.__exit__(None, None, None)


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the children of its master, from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    return sorted(children)


# --- The client -------------------------------------------------------------------------------------------------


class Client(Browser):
    """webclient.Browser with multipart uploads, and a way to carry its cookies to another server."""

    def on(self, server: Server) -> Client:
        """The same person (the same cookies) talking to another app server."""
        return Client(HOST, server.port, self.timeout, cookies=self.cookies)

    def upload(self, path: str, form: Mapping[str, str], files: Mapping[str, tuple[str, bytes, str]],
               expect: int = 302) -> Download:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in form.items()]
        for name, (filename, content, content_type) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
                         f"\r\nContent-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.raw("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}, expect)

    def raw(self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] | None = None,
            expect: int | None = 200) -> Download:
        """A request whose answer is kept as bytes (files), with its headers."""
        sent = {"Connection": "close", "Accept-Language": "vi", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        self._keep_cookies(answer.msg.get_all("Set-Cookie") or [])
        download = Download(answer.status, answer.getheader("Location", ""), dict(answer.getheaders()), data)
        if expect is not None and answer.status != expect:
            raise RequestFailed(f"{method} {path}: HTTP {answer.status}, expected {expect}")
        return download


@dataclass
class Download:
    status: int
    location: str
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def client(server: Server) -> Client:
    return Client(HOST, server.port, REQUEST_TIMEOUT)


def sign_in(server: Server, username: str, password: str) -> Client:
    browser = client(server)
    page = browser.get("/accounts/login/")
    browser.post("/accounts/login/", {"username": username, "password": password,
                                      "csrfmiddlewaretoken": form_token(page.body)}, expect=302)
    return browser


def review_ballot(browser: Client, round_pk: int, *, pick: int = 0) -> dict[str, Any]:
    """Open the ballot, tick one candidate, confirm: the form that `vote/cast/` then receives."""
    path = f"/rounds/{round_pk}/vote/"
    ballot = browser.get(path)
    candidates, units = field_values(ballot.body, "choices"), field_values(ballot.body, "unit")
    if not candidates or not units:
        raise RequestFailed(f"{path} shows no ballot")
    form = {"csrfmiddlewaretoken": form_token(ballot.body), "unit": units[0], "choices": [candidates[pick]]}
    review = browser.post(path, form)
    if "/vote/cast/" not in review.body:
        raise RequestFailed(f"{path}: the review step shows no confirmation")
    return {**form, "csrfmiddlewaretoken": form_token(review.body)}


def cast(browser: Client, round_pk: int, form: Mapping[str, Any]) -> str:
    """POST vote/cast/; the page it answers: the receipt, shown once, or the ballot with the refusal."""
    return browser.post(f"/rounds/{round_pk}/vote/cast/", form, expect=200).body


def receipt_in(page: str) -> str | None:
    found = RECEIPT.search(page)
    return found.group(1) if found else None


def wait_for(path: Path, timeout: float) -> dict[str, Any]:
    """A JSON file another process writes (a paused worker says who it is)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            try:
                return json.loads(path.read_text())
            except json.JSONDecodeError:
                pass  # still being written
        time.sleep(0.05)
    raise AssertionError(f"{path.name} did not appear within {timeout:.0f} s")


def ballots_of(database: str, round_pk: int) -> tuple[int, int]:
    """(turnout rows, ballot rows) of a round: sealed while it is open, plain after the close."""
    return (pg.value(database, "SELECT count(*) FROM awards_turnout WHERE round_id = %s", [round_pk]),
            pg.value(database, "SELECT count(*) FROM awards_sealedballot WHERE round_id = %s", [round_pk])
            + pg.value(database, "SELECT count(*) FROM awards_ballot WHERE round_id = %s", [round_pk]))

