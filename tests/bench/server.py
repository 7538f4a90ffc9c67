"""gunicorn on loopback, as deployed (docs/deployment.md) but over plain http, for load and soak sections.

The server runs with DEBUG off, its own secret key, `DJANGO_SECURE_SSL_REDIRECT=0` so that plain http
works, and static files collected into a temporary folder (the manifest storage needs them). It is
started as our child process and stopped by its own id, always.
"""

from __future__ import annotations

import http.client
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.bench.common import REPO_ROOT, child_env
from tests.bench.webclient import Browser, RequestFailed

HOST = "127.0.0.1"
WORKERS = ("-w", "4", "--threads", "2")  # 4 processes of 2 threads on 2 cores; docs say -w 3 (sync)


@dataclass
class Server:
    port: int
    command: list[str]
    log: Path

    def browser(self, timeout: float) -> Browser:
        return Browser(HOST, self.port, timeout)

    def log_tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def server_env(database_url: str, static_root: Path) -> dict[str, str]:
    return child_env({
        "DATABASE_URL": database_url, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST, "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_LOG_LEVEL": "WARNING",
    })


def collectstatic(env: Mapping[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO_ROOT,
                   env=dict(env), check=True, timeout=180)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: Mapping[str, str], log: Path, workers: Sequence[str] = WORKERS,
             start_timeout: float = 60) -> Iterator[Server]:
    """Start gunicorn, wait until /healthz/ answers, yield it; stop it (TERM, then KILL) on the way out."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "emulation.wsgi", "-b", f"{HOST}:{port}", *workers,
               "--timeout", "60", "--graceful-timeout", "10", "--log-level", "warning"]
    server = Server(port=port, command=command, log=log)
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=dict(env), stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(server, process, start_timeout)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_up(server: Server, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}:\n{server.log_tail()}")
        try:
            server.browser(timeout=2).get("/healthz/")
            return
        except (OSError, http.client.HTTPException, RequestFailed):
            time.sleep(0.25)
    raise RuntimeError(f"gunicorn did not answer /healthz/ within {timeout:.0f} s:\n{server.log_tail()}")
