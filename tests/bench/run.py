"""`make bench`: run every section, each in its own process, and write one report at the repository root.

    .venv/bin/python -m tests.bench.run [--only tally,voting,queries]

Prints the figures as they come and a summary at the end. Exits 1 when a section had errors (a
failed request, a wrong ballot count, a page that did not answer, a crash), 0 otherwise: the figures
themselves are measurements, never compared with a threshold.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from tests.bench import report
from tests.bench.common import run_child


@dataclass(frozen=True)
class Spec:
    key: str
    title: str
    module: str
    timeout: float  # seconds; the whole run stays under ~5 minutes on 2 cores


SECTIONS = [
    Spec("tally", "1. Tally speed", "tests.bench.tally", 200),
    Spec("voting", "2. Voting load", "tests.bench.voting_load", 330),
    Spec("cards", "2b. Voting with cards", "tests.bench.card_voting", 360),
    Spec("queries", "3. Query counts per page", "tests.bench.queries", 240),
    Spec("documents", "5. Documents: render against WeasyPrint, serve against render", "tests.bench.documents", 240),
    Spec("soak", "4. Soak: mixed traffic", "tests.bench.soak", 300 + float(os.environ.get("SOAK_SECONDS", "300"))),
]


def command() -> str:
    invoked = "python -m tests.bench.run" + "".join(f" {arg}" for arg in sys.argv[1:])
    return f"make bench ({invoked})" if os.environ.get("MAKELEVEL") else invoked


def run_section(spec: Spec) -> dict[str, Any]:
    print(f"\n--- {spec.title} ({spec.module}) ---", flush=True)
    result = run_child(spec.module, timeout=spec.timeout)
    cleanup = getattr(importlib.import_module(spec.module), "cleanup", None)
    if cleanup is not None:  # scratch databases go, even when the section was stopped
        try:
            cleanup()
        except Exception as error:  # noqa: BLE001
            result.setdefault("errors", []).append(f"cleanup failed: {error}")
    return {"key": spec.key, "title": spec.title, **result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated keys: " + ",".join(s.key for s in SECTIONS))
    args = parser.parse_args()
    wanted = {key.strip() for key in args.only.split(",") if key.strip()}
    unknown = wanted - {s.key for s in SECTIONS}
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    print("Measuring the machine ...", flush=True)
    run = {"date": report.now(), "command": command(), "machine": report.machine_info()}
    sections = [run_section(spec) for spec in SECTIONS if not wanted or spec.key in wanted]
    run["seconds"] = round(time.perf_counter() - started, 1)
    run["load_average_at_end"] = report.load_average()
    run["errors"] = sum(len(s.get("errors", [])) for s in sections)
    report.write(run, sections)
    print(report.summary(run, sections), flush=True)
    return 1 if run["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
