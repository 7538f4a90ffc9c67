"""The machine, and the one report of a run: `bench-report.md`, `bench-report.json`, a printed summary.

Every figure is given with the machine it was measured on, the date and the command: the Markdown
says so once at the top and under each section heading; in the JSON every figure carries them.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sqlite3
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.bench.common import REPO_ROOT, pg_version

MARKDOWN = REPO_ROOT / "bench-report.md"
JSON = REPO_ROOT / "bench-report.json"
TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


# --- The machine -----------------------------------------------------------------------------------------------


def _proc_field(path: str, name: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _cpu_work(_: int) -> float:
    started = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"bench", b"salt", 300_000)
    return time.perf_counter() - started


def parallel_speedup(workers: int) -> float:
    """How many times faster `workers` processes get through CPU-bound work than one (2 cores: ideally 2)."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_cpu_work, range(workers)))  # start the processes
        single = min(_cpu_work(0) for _ in range(3))
        started = time.perf_counter()
        list(pool.map(_cpu_work, range(workers * 3)))
        together = time.perf_counter() - started
    return round(single * workers * 3 / together, 2)


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def machine_info() -> dict[str, Any]:
    import django

    cores = os.cpu_count() or 1
    kib = _proc_field("/proc/meminfo", "MemTotal").split()[0]
    commit = _git("rev-parse", "--short", "HEAD")
    return {
        "cpu": _proc_field("/proc/cpuinfo", "model name"),
        "cores": cores,
        "parallel_speedup": parallel_speedup(cores),
        "ram_gib": round(int(kib) / 1024 / 1024, 1) if kib.isdigit() else None,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "postgresql": pg_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "gunicorn": metadata.version("gunicorn"),
        "os": platform.platform(),
        "commit": commit + (" (with uncommitted changes)" if _git("status", "--porcelain") else ""),
        "load_average_at_start": load_average(),
    }


def load_average() -> str:
    """Other work on the machine skews every figure: the 1, 5 and 15-minute load averages say how much."""
    return " / ".join(f"{load:.2f}" for load in os.getloadavg())


def machine_line(machine: dict[str, Any]) -> str:
    return (f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB RAM, {machine['python']}, "
            f"PostgreSQL {machine['postgresql']}")


def now() -> str:
    return datetime.now(TIME_ZONE).isoformat(timespec="seconds")


# --- Writing ---------------------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _value(figure: dict[str, Any]) -> str:
    value = figure["value"]
    shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    return f"{shown} {figure['unit']}".strip()


def _markdown_section(section: dict[str, Any], stamp: str) -> list[str]:
    lines = [f"## {section['title']}", "", f"_{stamp}. The section took {section.get('seconds', 0)} s._", ""]
    if section.get("figures"):
        lines += ["| Figure | Value | Note |", "| --- | ---: | --- |"]
        lines += [f"| {_cell(f['name'])} | {_cell(_value(f))} | {_cell(f['note'])} |" for f in section["figures"]]
        lines.append("")
    for table in section.get("tables", []):
        lines += [f"**{table['title']}**", "", "| " + " | ".join(table["columns"]) + " |",
                  "| " + " | ".join("---" for _ in table["columns"]) + " |"]
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table["rows"]]
        lines.append("")
    for title, key in (("Notes", "notes"), ("Errors", "errors")):
        if section.get(key):
            lines += [f"**{title}**", ""]
            for text in section[key]:
                first, _, rest = text.partition("\n")
                lines.append(f"- {first}")
                if rest:
                    lines += ["", "  ```", *("  " + line for line in rest.splitlines()), "  ```"]
            lines.append("")
    return lines


def markdown(run: dict[str, Any], sections: list[dict[str, Any]]) -> str:
    m = run["machine"]
    stamp = f"Measured on {machine_line(m)}; {run['date']}; `{run['command']}`"
    lines = [
        "# Benchmark report", "",
        "Measurements on one machine, not pass/fail thresholds (style.md, \"Tests\"). Every figure was "
        "measured on the machine, on the date and by the command below.", "",
        "| | |", "| --- | --- |",
        f"| Date | {run['date']} |",
        f"| Command | `{run['command']}` |",
        f"| CPU | {m['cpu']}, {m['cores']} cores; CPU-bound work in {m['cores']} processes runs "
        f"{m['parallel_speedup']}× as fast as in one |",
        f"| RAM | {m['ram_gib']} GiB |",
        f"| Python | {m['python']} |",
        f"| PostgreSQL | {m['postgresql']} (127.0.0.1:5432) |",
        f"| Django, SQLite, gunicorn | {m['django']}, {m['sqlite']}, {m['gunicorn']} |",
        f"| OS | {m['os']} |",
        f"| Commit | {m['commit']} |",
        f"| Load average (1 / 5 / 15 min) | at the start {m['load_average_at_start']}, at the end "
        f"{run['load_average_at_end']} |",
        f"| Whole run | {run['seconds']} s, {run['errors']} errors |", "",
    ]
    for section in sections:
        lines += _markdown_section(section, stamp)
    return "\n".join(lines)


def with_context(sections: list[dict[str, Any]], run: dict[str, Any]) -> list[dict[str, Any]]:
    """Each figure of the JSON carries its machine, date and command (it may be quoted alone)."""
    context = {"machine": machine_line(run["machine"]), "date": run["date"], "command": run["command"]}
    return [{**s, "figures": [{**f, **context} for f in s.get("figures", [])]} for s in sections]


def write(run: dict[str, Any], sections: list[dict[str, Any]]) -> None:
    MARKDOWN.write_text(markdown(run, sections) + "\n")
    JSON.write_text(json.dumps({"run": run, "sections": with_context(sections, run)}, ensure_ascii=False,
                               indent=1, default=str) + "\n")


def _aligned(rows: list[list[Any]], columns: int = 5) -> list[str]:
    cells = [[str(c) for c in row[:columns]] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return ["    " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in cells]


def summary(run: dict[str, Any], sections: list[dict[str, Any]]) -> str:
    m = run["machine"]
    lines = ["", "=" * 100, f"Benchmarks · {run['date']} · {run['command']}",
             f"{machine_line(m)} (parallel speed-up ×{m['parallel_speedup']}) · commit {m['commit']}",
             f"Load average at the start {m['load_average_at_start']}, at the end {run['load_average_at_end']}",
             "=" * 100]
    for section in sections:
        lines.append(f"\n{section['title']}  ({section.get('seconds', 0)} s)")
        lines += [f"  {f['name']}: {_value(f)}" for f in section.get("figures", [])]
        for table in section.get("tables", []):
            lines.append(f"  {table['title']}:")
            lines += _aligned([table["columns"], *table["rows"]])
        lines += [f"  ERROR: {e.splitlines()[0]}" for e in section.get("errors", [])]
    lines += ["", f"{run['errors']} errors in {run['seconds']} s. Report: {MARKDOWN.name}, {JSON.name}"]
    return "\n".join(lines)
