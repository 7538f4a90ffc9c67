"""PostgreSQL for the ops tests: our own `ops_*` databases, created, cloned, dumped, restored and dropped.

The server is the one CI starts on 127.0.0.1:5432 (the same as tests/bench). Every name this module
creates or drops starts with `ops_`; anything else is refused, so that `test`, `lead` and `bench_*`
(other people's databases) are never touched. Every call has a timeout.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg2

from tests.bench.common import PG_HOST, PG_PORT, PG_USER

PREFIX = "ops_"
TIMEOUT = 60  # seconds, each client tool


class Unreachable(RuntimeError):
    """PostgreSQL does not answer: the ops tests fail (CI starts it), they never skip."""


def run_token() -> str:
    """A short id for one test run, so that two runs on one machine never share a database."""
    return f"{os.getpid()}{secrets.token_hex(2)}"


def url(name: str, *, port: int | str = PG_PORT) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{port}/{name}"


def _own(name: str) -> str:
    if not name.startswith(PREFIX):
        raise ValueError(f"refusing to touch {name!r}: the ops tests only use their own {PREFIX}* databases")
    return name


def _tool(tool: str, *args: str) -> str:
    command = [tool, "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except FileNotFoundError as missing:
        raise Unreachable(f"{tool} is not installed (apt-get install postgresql-client)") from missing
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def check_reachable() -> str:
    """The server's version, or `Unreachable` saying how to start it."""
    try:
        return value("postgres", "SHOW server_version")
    except psycopg2.OperationalError as error:
        raise Unreachable(
            f"PostgreSQL does not answer on {PG_HOST}:{PG_PORT} as {PG_USER} ({str(error).strip()}). "
            "Start it (`pg_ctlcluster 15 main start`); .ci/run does so before the tests.") from error


def connect(name: str, *, port: int | str = PG_PORT) -> Any:
    connection = psycopg2.connect(host=PG_HOST, port=port, user=PG_USER, dbname=name, connect_timeout=5)
    connection.autocommit = True
    return connection


def create(name: str, *, template: str | None = None) -> str:
    """A fresh database (an exact copy of `template` when given; nobody may be connected to that one)."""
    drop(name)
    _tool("createdb", *(["-T", _own(template)] if template else []), _own(name))
    return name


def drop(name: str) -> None:
    _tool("dropdb", "--if-exists", "--force", _own(name))


def drop_all(names: Sequence[str]) -> None:
    """Drop several databases side by side (each drop waits for a checkpoint: 1-2 s on a busy machine)."""
    command = ["dropdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "--if-exists", "--force"]
    running = [subprocess.Popen([*command, _own(name)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for name in names]
    failures = []
    for name, process in zip(names, running, strict=True):
        try:
            _out, errors = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, errors = process.communicate()
        if process.returncode != 0:
            failures.append(f"dropdb {name}: {errors.strip()}")
    if failures:
        raise RuntimeError("; ".join(failures))


def dump(name: str, path: Path) -> None:
    """`pg_dump -Fc`, as docs/backup.md tells the operator."""
    _tool("pg_dump", "-Fc", "-d", _own(name), "-f", str(path))


def restore(path: Path, name: str) -> None:
    """`createdb` + `pg_restore --no-owner -d`, as docs/backup.md tells the operator."""
    create(name)
    _tool("pg_restore", "--no-owner", "--exit-on-error", "-d", _own(name), str(path))


def rows(name: str, sql: Any, params: Sequence[Any] = (), *, port: int | str = PG_PORT) -> list[tuple]:
    with closing(connect(name, port=port)) as connection, connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def value(name: str, sql: str, params: Sequence[Any] = ()) -> Any:
    found = rows(name, sql, params)
    return found[0][0] if found else None


def tables(name: str) -> list[str]:
    return [row[0] for row in rows(name, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                         "ORDER BY tablename")]


def backend(name: str, pid: int) -> tuple[str, bool] | None:
    """(state, has a transaction id) of one server process, None once it has gone."""
    found = rows(name, "SELECT state, backend_xid IS NOT NULL FROM pg_stat_activity WHERE pid = %s", [pid])
    return (found[0][0], found[0][1]) if found else None


def wait_backend_gone(name: str, pid: int, timeout: float = 15) -> None:
    """After its client was killed the server rolls the transaction back and the process exits."""
    deadline = time.monotonic() + timeout
    while backend(name, pid) is not None:
        if time.monotonic() > deadline:
            raise AssertionError(f"PostgreSQL process {pid} still there {timeout:.0f} s after its client died")
        time.sleep(0.1)
