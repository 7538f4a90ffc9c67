"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

Playwright's own browser builds cannot be downloaded here (stack-notes.md §3), so the tests use
/usr/bin/chromium, or the executable named by CHROMIUM_PATH. When it is missing the tests fail:
CI must never pass on skipped browser tests.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext

REPO_ROOT = Path(__file__).resolve().parents[2]
# ARTIFACTS_DIR keeps the two suites' pictures apart (.ci/run tests on SQLite, then on PostgreSQL).
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR") or REPO_ROOT / "artifacts")
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

Shot = Callable[[Any, str], Path]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests after every other test.

    They are transactional: when each ends, the database is emptied, the award catalogue that a
    migration loads included. pytest-django sorts them last, as Django does, but pytest's own grouping
    of session-scoped parameters (pytest-playwright's `browser_name`) can pull them forward again.
    """
    browser_tests = [item for item in items if item.get_closest_marker("e2e")]
    if browser_tests:
        items[:] = [item for item in items if not item.get_closest_marker("e2e")] + browser_tests


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    path = Path(CHROMIUM_PATH)
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM_PATH}: browser tests need it and are never skipped. "
            "Install it with `apt-get install chromium` or set CHROMIUM_PATH.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": str(path), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # Vietnamese first: the browser asks for vi, as the offices' browsers do.
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """`shot(page, "step")` saves artifacts/screenshots/<test-name>/NN-step.png, numbered in order."""
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    counter = iter(range(1, 100))

    def take(page: Any, name: str) -> Path:
        step = re.sub(r"[^\w.-]+", "-", name)
        path = folder / f"{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def new_context(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Any]:
    """Opens one more browser context (one more person); all are closed at the end."""
    contexts: list[BrowserContext] = []

    def open_context(**extra: Any) -> BrowserContext:
        context = browser.new_context(**{**browser_context_args, **extra})
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
