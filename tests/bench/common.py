"""What every section shares: its result, running it in a child process, statistics, scratch databases.

Each section runs in its own process so that it can point Django at its own scratch database
(Django reads `DATABASE_URL` once, at start-up). The child writes its `Section` as JSON to the
file named by `--out`; a crash is recorded as an error of that section, never lost.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", "5432", "postgres"
BENCH_PREFIX = "bench_"  # our own databases; `test`, `lead` and their test_ copies belong to others


@dataclass
class Section:
    """One section of the report: figures (name, value, unit, note), tables, notes and errors."""

    key: str
    title: str
    figures: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def figure(self, name: str, value: float | int | str, unit: str = "", note: str = "") -> None:
        self.figures.append({"name": name, "value": value, "unit": unit, "note": note})
        shown = f"{value} {unit}".strip()
        print(f"[{self.key}] {name}: {shown}" + (f"  ({note})" if note else ""), flush=True)

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.tables.append({"title": title, "columns": list(columns), "rows": [list(row) for row in rows]})

    def note(self, text: str) -> None:
        self.notes.append(text)

    def error(self, text: str) -> None:
        self.errors.append(text)
        print(f"[{self.key}] ERROR: {text}", file=sys.stderr, flush=True)

    def absorb(self, other: Mapping[str, Any]) -> None:
        """Take in the figures, tables, notes and errors of a sub-run (e.g. one database backend)."""
        for key in ("figures", "tables", "notes", "errors"):
            getattr(self, key).extend(other.get(key, []))


def progress(key: str, text: str) -> None:
    print(f"[{key}] {text}", flush=True)


# --- Statistics ---------------------------------------------------------------------------------------------


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def median_ms(samples: Sequence[float]) -> float:
    return ms(statistics.median(samples))


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


# --- Child processes ----------------------------------------------------------------------------------------


def child_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a section: the caller's, without its database, plus the overrides."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "emulation.settings", "PYTHONUNBUFFERED": "1"})
    env.update(overrides or {})
    return env


def child_main(key: str, title: str, body: Callable[[Section, argparse.Namespace], None],
               configure: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """Entry point of a section module: run `body`, record any exception, write the JSON to --out."""
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--out", type=Path, help="where to write the section as JSON")
    if configure is not None:
        configure(parser)
    args = parser.parse_args()
    section = Section(key=key, title=title)
    started = time.perf_counter()
    try:
        body(section, args)
    except Exception:  # noqa: BLE001 - a crash is a result of the run: report it, do not lose the rest
        section.error("the section stopped with an exception:\n" + traceback.format_exc(limit=8))
    section.seconds = round(time.perf_counter() - started, 1)
    if args.out is not None:
        args.out.write_text(json.dumps(asdict(section), ensure_ascii=False, indent=1, default=str))
    else:
        print(json.dumps(asdict(section), ensure_ascii=False, indent=1, default=str))


def run_child(module: str, args: Sequence[str] = (), *, timeout: float,
              env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run `python -m module --out FILE ARGS` (its output goes to ours) and return its section."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "section.json"
        command = [sys.executable, "-m", module, "--out", str(out), *args]
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=child_env(env), start_new_session=True)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the child's own group: it and the servers it started
            process.wait()
            return {"errors": [f"{module} did not finish within {timeout:.0f} s and was stopped"]}
        if not out.exists():
            return {"errors": [f"{module} exited with code {code} without writing its result"]}
        return json.loads(out.read_text())


# --- Django and scratch databases ---------------------------------------------------------------------------


def django_setup(database_url: str, *, debug: bool) -> None:
    """Point Django at a scratch database and start it (once per process)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_DEBUG"] = "1" if debug else "0"
    if not debug:
        os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_SETTINGS_MODULE"] = "emulation.settings"
    import django

    django.setup()


def migrate() -> float:
    from django.core.management import call_command

    seconds, _ = timed(lambda: call_command("migrate", verbosity=0, interactive=False))
    return seconds


def pg_url(name: str) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def _pg(tool: str, *args: str) -> str:
    command = [tool, "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()}")
    return done.stdout.strip()


def pg_create(name: str) -> None:
    """A fresh, empty database of ours (dropped first if a previous run left it)."""
    pg_drop(name)
    _pg("createdb", name)


def pg_drop(name: str) -> None:
    if not name.startswith(BENCH_PREFIX):
        raise ValueError(f"refusing to drop {name!r}: the benchmarks only drop their own {BENCH_PREFIX}* databases")
    _pg("dropdb", "--if-exists", "--force", name)


def pg_version() -> str:
    try:
        return _pg("psql", "-d", "postgres", "-tAc", "SHOW server_version")
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
