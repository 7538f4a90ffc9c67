"""gunicorn settings for test_signin_on_two_servers.py (`gunicorn -c`): sign-ins that can be held between the
pause check and the password check. Test-only: production code has no hook.

After each worker has loaded the application, `ModelBackend.authenticate` is wrapped: the sign-in form calls
it to read the password once the pauses have let the attempt through. While the file `pause-signin-race`
exists in `OPS_PAUSE_DIR`, each worker waits there until RACERS workers have arrived or RACE_WAIT has passed,
so that two sign-ins on two servers are both past the pause check before either failure is counted.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

RACERS = 2
RACE_WAIT = 10  # seconds at most for the other racer to arrive (it may have been refused before the password)


def _meet_the_other_racer() -> None:
    folder = Path(os.environ["OPS_PAUSE_DIR"])
    if not (folder / "pause-signin-race").exists():
        return
    (folder / f"signin-arrived-{os.getpid()}").touch()
    deadline = time.monotonic() + RACE_WAIT
    while len(list(folder.glob("signin-arrived-*"))) < RACERS and time.monotonic() < deadline:
        time.sleep(0.02)


def post_worker_init(worker: Any) -> None:
    from django.contrib.auth.backends import ModelBackend

    authenticate = ModelBackend.authenticate

    def raced_authenticate(self: ModelBackend, *args: Any, **kwargs: Any) -> Any:
        _meet_the_other_racer()
        return authenticate(self, *args, **kwargs)

    ModelBackend.authenticate = raced_authenticate
