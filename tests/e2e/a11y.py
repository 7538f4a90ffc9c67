"""Accessibility and HTML validity of the pages a browser test visits (issue 6, item 2).

`PageAudit.check(page, name)` saves the page's HTML (`page.content()`, and that of the documents it
frames) and runs axe-core on it (WCAG 2 A and AA): a violation of impact "serious" or "critical" fails the
test at once, with the list. At the end of the test `PageAudit.validate()` runs the Nu HTML Checker once
over every page saved, and asserts that each page a watched tab navigated to was checked (so that a new
step cannot slip through unaudited).

axe-core and vnu-jar come from npm (package.json; `make test` runs `npm ci`), vnu needs Java. When any is
missing the tests fail, never skip: CI must not pass on checks that did not run.

axe is added to every document with `BrowserContext.add_init_script`, which is not subject to the site's
Content-Security-Policy (script-src 'self'): the policy stays on in the tests, and the page's DOM, hence
the HTML saved for vnu, carries no injected script tag.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = REPO_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PAGES = Path(os.environ.get("ARTIFACTS_DIR") or REPO_ROOT / "artifacts") / "pages"
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# A short run: the client compiler alone starts vnu about 3 times faster; it then needs a larger thread stack
# (vnu says at least 512k). --no-langdetect drops only the language guess, a warning, never an error.
VNU_JAVA_OPTIONS = ("-Xss4m", "-XX:TieredStopAtLevel=1")
AXE_RUN = """async () => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]},
                                           resultTypes: ["violations"]});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => ({target: n.target, html: n.html}))}));
}"""


def require_tools() -> str:
    """The java executable; fails the test when axe-core, vnu.jar or Java is missing."""
    java = shutil.which("java")
    missing = [f"{path.relative_to(REPO_ROOT)} (run `npm ci`)" for path in (AXE_JS, VNU_JAR) if not path.is_file()]
    if java is None:
        missing.append("java (the Nu HTML Checker needs Java 11+: `apt-get install openjdk-17-jre-headless`)")
    if missing:
        pytest.fail("accessibility checks cannot run, missing: " + "; ".join(missing), pytrace=False)
    return java


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def vnu_errors(java: str, files: list[Path]) -> list[str]:
    """Every error the Nu HTML Checker finds in `files`, as "file:line: message" lines."""
    if not files:
        return []
    done = subprocess.run([java, *VNU_JAVA_OPTIONS, "-jar", str(VNU_JAR), "--errors-only", "--no-langdetect",
                           "--format", "json", *map(str, files)],
                          capture_output=True, text=True, timeout=300, check=False)
    try:
        messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    except (ValueError, KeyError) as error:
        raise AssertionError(f"vnu gave no JSON (exit {done.returncode}): {done.stderr[-2000:]}") from error
    if done.returncode not in (0, 1):
        raise AssertionError(f"vnu failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return [f"{Path(urlsplit(m.get('url', '')).path).name}:{m.get('lastLine', '?')}: {m.get('message')}"
            f"{' [' + m['extract'].strip() + ']' if m.get('extract') else ''}"
            for m in messages if m.get("type") in ("error", "non-document-error")]


class PageAudit:
    """The pages of one test: axe on each when it is checked, vnu on all of them at the end."""

    def __init__(self, folder: Path, base_url: str) -> None:
        self.java = require_tools()
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.base_url = base_url
        self.saved: list[Path] = []
        self.checked: set[str] = set()
        self.visited: dict[str, str] = {}  # path -> the full URL, in the order first seen

    def watch(self, context: Any) -> None:
        """Adds axe to every document of `context`, and notes every page its tabs navigate to."""
        context.add_init_script(path=str(AXE_JS))
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def _watch_page(self, page: Any) -> None:
        def navigated(frame: Any) -> None:  # the page itself and the documents it frames (the report)
            if frame.url.startswith(self.base_url):
                self.visited.setdefault(urlsplit(frame.url).path, frame.url)

        page.on("framenavigated", navigated)

    def check(self, page: Any, name: str) -> None:
        """Saves the page's HTML for vnu and fails on a serious or critical axe violation."""
        page.wait_for_load_state("load")
        frames = [page.main_frame, *(f for f in page.frames[1:] if f.url.startswith(self.base_url))]
        for index, frame in enumerate(frames):
            path = self.folder / f"{len(self.saved) + 1:02d}-{name}{'-frame' * (index > 0)}.html"
            path.write_text(frame.content(), encoding="utf-8")
            self.saved.append(path)
            self.checked.add(urlsplit(frame.url).path)
        found = blocking(page.evaluate(AXE_RUN))  # axe goes into the frames itself
        assert not found, (f"axe: serious or critical violations on {name} ({page.url}):\n"
                           + json.dumps(found, ensure_ascii=False, indent=2))

    def validate(self) -> None:
        """vnu over every saved page (one Java start per test); every visited page must have been checked."""
        unchecked = [url for path, url in self.visited.items() if path not in self.checked]
        assert not unchecked, "pages visited but never checked for accessibility:\n" + "\n".join(unchecked)
        errors = vnu_errors(self.java, self.saved)
        assert not errors, f"Nu HTML Checker errors (pages in {self.folder}):\n" + "\n".join(errors)
