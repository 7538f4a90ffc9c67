"""Fail when a gettext catalogue is incomplete: an empty msgstr (plural forms included) or a fuzzy entry.

Usage: python .ci/check_messages.py locale/vi/LC_MESSAGES/django.po

Plain Python, no dependency. The header entry (msgid "") is not checked; obsolete entries (#~) are
ignored, as compilemessages ignores them.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

KEYWORDS = frozenset({"msgctxt", "msgid", "msgid_plural", "msgstr"})


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    # keyed by keyword: "msgctxt", "msgid", "msgid_plural", "msgstr", "msgstr[0]", ...
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def is_header(self) -> bool:
        return self.fields.get("msgid") == "" and "msgctxt" not in self.fields

    def problems(self) -> list[str]:
        found = []
        if "fuzzy" in self.flags:
            found.append("fuzzy")
        translations = {key: value for key, value in self.fields.items() if key.startswith("msgstr")}
        if not translations:
            found.append("no msgstr")
        for key, value in sorted(translations.items()):
            if value == "":
                found.append(f"empty {key}")
        return found


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise SystemExit(f"{path}:{number}: expected a quoted string, got {text!r}")
    return ast.literal_eval(text)  # a C-style string literal; Python's escapes are a superset


def parse(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    key: str | None = None

    def start(number: int, *, fresh: bool = False) -> Entry:
        """The entry a line belongs to; a fresh one when asked or when none is open."""
        nonlocal current
        if current is None or fresh:
            current = Entry(line=number)
            entries.append(current)
        return current

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, key = None, None
        elif line.startswith("#~"):
            continue  # obsolete
        elif line.startswith("#,"):
            entry = start(number, fresh=bool(current and current.fields))
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            start(number, fresh=bool(current and current.fields))
        elif line.startswith('"'):
            if current is None or key is None:
                raise SystemExit(f"{path}:{number}: a continuation line outside an entry")
            current.fields[key] += _unquote(line, path, number)
        else:
            keyword, _space, rest = line.partition(" ")
            if keyword not in KEYWORDS and not keyword.startswith("msgstr["):
                raise SystemExit(f"{path}:{number}: unexpected line {line!r}")
            # Entries are separated by blank lines; a new msgctxt/msgid also starts one, to be lenient.
            fresh = current is not None and (
                (keyword == "msgctxt" and bool(current.fields))
                or (keyword == "msgid" and "msgid" in current.fields)
            )
            entry = start(number, fresh=fresh)
            key = keyword
            entry.fields[key] = _unquote(rest, path, number)
    return [entry for entry in entries if entry.fields]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: check_messages.py PATH/TO/django.po", file=sys.stderr)
        return 2
    path = Path(argv[1])
    if not path.is_file():
        print(f"FAIL: {path} does not exist: the catalogue must be complete and committed.")
        return 1
    entries = [entry for entry in parse(path) if not entry.is_header]
    bad = [(entry, entry.problems()) for entry in entries if entry.problems()]
    for entry, problems in bad:
        context = f" (context {entry.fields['msgctxt']!r})" if "msgctxt" in entry.fields else ""
        print(f"{path}:{entry.line}: {', '.join(problems)}: msgid {entry.fields.get('msgid', '')!r}{context}")
    if bad:
        print(f"FAIL: {len(bad)} of {len(entries)} messages are untranslated or fuzzy in {path}.")
        return 1
    print(f"OK: {len(entries)} messages, all translated, none fuzzy, in {path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
