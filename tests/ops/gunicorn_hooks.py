"""gunicorn settings for the ops tests (`gunicorn -c`): workers that can be made to stop at a chosen point
inside a write. Test-only: production code has no hook; these wrap functions in the worker processes.

After each worker has loaded the application, three functions are wrapped in that worker:
- `SealedBallot.objects.create`: `ballot_cast` calls it inside its transaction, right after the turnout
  row was inserted (test_faults.py kills the worker there);
- `FileSystemStorage._save`: `report_adopt` calls it inside its transaction to store the PDF; the pause
  comes after the file is written and before the version row is updated (test_faults.py kills it there);
- `Turnout.objects.create`: `ballot_cast` calls it after it has checked that the unit has not voted yet;
  with `race` set, each worker waits there until RACERS workers have arrived, so that two casts of one
  unit are both past that check before either writes (test_several_servers.py).
A pause happens only when the test has created the file `pause-<kind>` in `OPS_PAUSE_DIR` (a kill pause
removes it, so the next attempt goes through). While paused for a kill the worker writes
`paused-<kind>.json`: its process id and its PostgreSQL server process id, then sleeps at most PAUSE_SECONDS.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

PAUSE_SECONDS = 30  # well under gunicorn's --timeout 60 of tests/bench/server.py
RACERS = 2
RACE_WAIT = 10  # seconds at most for the other racer to arrive


def _pause(kind: str) -> None:
    folder = Path(os.environ["OPS_PAUSE_DIR"])
    try:
        (folder / f"pause-{kind}").unlink()
    except FileNotFoundError:
        return
    from django.db import connection

    with connection.cursor() as cursor:  # inside the open transaction; a read, it changes nothing
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    draft = folder / f"paused-{kind}.tmp"
    draft.write_text(json.dumps({"worker": os.getpid(), "backend": backend}))
    draft.rename(folder / f"paused-{kind}.json")
    time.sleep(PAUSE_SECONDS)


def _meet_the_other_racer() -> None:
    folder = Path(os.environ["OPS_PAUSE_DIR"])
    if not (folder / "pause-race").exists():
        return
    (folder / f"arrived-{os.getpid()}").touch()
    deadline = time.monotonic() + RACE_WAIT
    while len(list(folder.glob("arrived-*"))) < RACERS and time.monotonic() < deadline:
        time.sleep(0.02)


def post_worker_init(worker: Any) -> None:
    from django.core.files.storage import FileSystemStorage

    from awards.models import SealedBallot, Turnout

    turnout = Turnout.objects
    create_turnout = turnout.create

    def raced_create(*args: Any, **kwargs: Any) -> Any:
        _meet_the_other_racer()
        return create_turnout(*args, **kwargs)

    turnout.create = raced_create

    manager = SealedBallot.objects  # the same manager object on every access (Options.managers_map)
    create = manager.create

    def paused_create(*args: Any, **kwargs: Any) -> Any:
        _pause("cast")
        return create(*args, **kwargs)

    manager.create = paused_create
    save = FileSystemStorage._save

    def paused_save(self: FileSystemStorage, name: str, content: Any) -> str:
        stored = save(self, name, content)
        _pause("adopt")
        return stored

    FileSystemStorage._save = paused_save
