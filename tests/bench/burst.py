"""Many clients at the same instant: each prepares (untimed), all meet at one barrier, then act.

One thread per client: the clients mostly wait on sockets. The wall time of the burst runs from the
barrier's release to the end of the last client's timed step. Everything is bounded: the barrier and
the joins have a deadline, and every request its own timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # the timed requests, in seconds
    finished_at: float = 0.0  # perf_counter() at the end of the last timed request
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class BurstResult:
    outcomes: list[Outcome]
    started_at: float
    released_at: float

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.error]

    @property
    def errors(self) -> list[str]:
        return [f"client {i}: {o.error}" for i, o in enumerate(self.outcomes) if o.error]

    @property
    def prepare_wall(self) -> float:
        """From the start of the threads to the barrier's release (every client prepared)."""
        return self.released_at - self.started_at

    @property
    def wall(self) -> float:
        """From the barrier's release to the end of the last successful timed step."""
        ends = [o.finished_at for o in self.ok]
        return max(ends) - self.released_at if ends else 0.0

    @property
    def latencies(self) -> list[float]:
        return [seconds for o in self.ok for seconds in o.latencies]


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def burst(n: int, prepare: Callable[[int], T], act: Callable[[int, T], Outcome], *, timeout: float) -> BurstResult:
    """Run n clients; `prepare(i)` before the barrier, `act(i, prepared)` after it, all at once."""
    released: list[float] = []
    barrier = threading.Barrier(n, action=lambda: released.append(time.perf_counter()), timeout=timeout)
    outcomes = [Outcome() for _ in range(n)]

    def client(i: int) -> None:
        prepared, error = None, ""
        try:
            prepared = prepare(i)
        except Exception as exc:  # noqa: BLE001 - a client's failure is a counted error, not a crash
            error = "prepare: " + _describe(exc)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            error = error or "the barrier broke (another client hung)"
        if error:
            outcomes[i] = Outcome(error=error)
            return
        try:
            outcomes[i] = act(i, prepared)
        except Exception as exc:  # noqa: BLE001
            outcomes[i] = Outcome(error=_describe(exc))

    threads = [threading.Thread(target=client, args=(i,), daemon=True, name=f"bench-client-{i}") for i in range(n)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 2 * timeout
    for i, thread in enumerate(threads):
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            outcomes[i] = Outcome(error="still running at the deadline")
    return BurstResult(outcomes=outcomes, started_at=started, released_at=released[0] if released else started)
