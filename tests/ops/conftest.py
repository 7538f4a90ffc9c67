"""One migrated database and one seeded world per test run; each test module works on its own copy.

Migrating (7 s) and seeding (a few s) happen once: `ops_<run>_base` is the freshly migrated, empty
database, `ops_<run>_world` the seeded one (tests/ops/scenario.py) with its media folder. A module takes
`ops.clone("name")`: a new database copied from the world (`createdb -T`, a fraction of a second) and a
copy of its media folder. Everything is dropped at the end of the run.
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
    world_db: str = ""
    world: dict[str, Any] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)

    def name(self, purpose: str) -> str:
        return f"{pg.PREFIX}{self.token}_{purpose}"

    def create(self, purpose: str, *, template: str | None = None) -> str:
        name = pg.create(self.name(purpose), template=template)
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
        state.world_db = state.create("world", template=state.base)
        state.world = seed(django_env(pg.url(state.world_db), state.root / "media-world"), state.root)
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
