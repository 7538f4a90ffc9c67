"""One migrated database and one seeded world per test run; each test module works on its own copy.

Migrating (7 s) happens once: `ops_<run>_base` is the freshly migrated, empty database. Seeding (a few s)
happens once too, when a module first asks for the world: `ops_<run>_world` is the seeded one
(tests/ops/scenario.py) with its media folder. A module takes `ops.clone("name")`: a new database copied
from the world (`createdb -T`, a fraction of a second) and a copy of its media folder, or `ops.empty("name")`
when the migrations are all it needs (then nothing the seed depends on can fail it). Everything is dropped
at the end of the run.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.ops import pg
from tests.ops.support import RUNNING_LOGS, django_env, migrate, seed


@dataclass
class Ops:
    token: str
    root: Path
    base: str = ""
    created: list[str] = field(default_factory=list)
    _world_db: str = ""
    _world: dict[str, Any] = field(default_factory=dict)

    @property
    def world_db(self) -> str:
        self._seed()
        return self._world_db

    @property
    def world(self) -> dict[str, Any]:
        self._seed()
        return self._world

    def _seed(self) -> None:
        if not self._world_db:
            world_db = self.create("world", template=self.base)
            self._world = seed(django_env(pg.url(world_db), self.root / "media-world"), self.root)
            self._world_db = world_db

    def name(self, purpose: str) -> str:
        return f"{pg.PREFIX}{self.token}_{purpose}"

    def create(self, purpose: str, *, template: str | None = None) -> str:
        name = pg.create(self.name(purpose), template=template)
        if name not in self.created:  # a seed that failed is tried again by the next module
            self.created.append(name)
        return name

    def clone(self, purpose: str) -> tuple[str, Path]:
        """A copy of the seeded world: its database and its media folder."""
        database = self.create(purpose, template=self.world_db)
        media = self.root / f"media-{purpose}"
        shutil.copytree(self.root / "media-world", media)
        return database, media

    def empty(self, purpose: str) -> str:
        """A freshly migrated database with nothing in it but what the migrations load."""
        return self.create(purpose, template=self.base)


@pytest.fixture(scope="session")
def ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ops]:
    try:
        pg.check_reachable()
    except pg.Unreachable as error:
        pytest.fail(str(error), pytrace=False)  # CI starts PostgreSQL: its absence is a failure, not a skip
    state = Ops(token=pg.run_token(), root=tmp_path_factory.mktemp("ops"))
    try:
        state.base = state.create("base")
        (state.root / "media-world").mkdir()
        migrate(django_env(pg.url(state.base), state.root / "media-world"))
        yield state
    finally:
        pg.drop_all(state.created)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed test shows the end of every running server's log (a 500's traceback is there)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for log in RUNNING_LOGS:
            tail = log.read_text(errors="replace").splitlines()[-60:] if log.exists() else []
            report.sections.append((f"gunicorn log {log.name}", "\n".join(tail)))
