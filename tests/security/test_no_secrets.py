"""No secret in the repository: every file git tracks is scanned; the development key is refused in production;
demo passwords are printed only in demo mode."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reports.management.commands.load_demo import DEMO_USERS, demo_password
from tests.security.prod import ROOT, production_env, run_manage, run_python

# The one SECRET_KEY literal allowed: the development default that settings refuses when DJANGO_DEBUG=0.
DEVELOPMENT_KEY = "dev-only-not-secret"

PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b")
AWS_SECRET = re.compile(r"aws_?secret_?access_?key\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{40}", re.IGNORECASE)
SECRET_KEY_LITERAL = re.compile(r"""SECRET_KEY\s*[:=]\s*(?:[rbuf]?)(['"])(?P<value>[^'"]*)\1""")
TOKENS = [
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),  # GitHub
    re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}\b"),  # Slack
    re.compile(r"\bsk_live_[A-Za-z0-9]{20,}\b"),  # Stripe
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API
]
# A password or secret written into the settings: NAME = "value" or "PASSWORD": "value".
SETTINGS_PASSWORD = re.compile(
    r"""(?i)["']?\w*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY)\w*["']?\s*[:=]\s*(['"])(?P<value>[^'"]+)\1""")
DATABASE_URL_PASSWORD = re.compile(r"(?:postgres(?:ql)?|mysql)://[^:/\s'\"]+:(?P<password>[^@\s'\"]+)@")


def tracked_files() -> list[tuple[str, str]]:
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    files = []
    for name in filter(None, names.decode().split("\0")):
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the working tree, not yet committed
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary (fonts, images): no text secret to read
        files.append((name, data.decode("utf-8", errors="replace")))
    return files


@pytest.fixture(scope="module")
def files() -> list[tuple[str, str]]:
    found = tracked_files()
    assert len(found) > 100 and any(name == "emulation/settings.py" for name, _text in found)
    return found


def _hits(files: list[tuple[str, str]], pattern: re.Pattern) -> list[str]:
    return [f"{name}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)[:60]}"
            for name, text in files for match in pattern.finditer(text)]


def test_no_private_key_or_cloud_credential_is_tracked(files):
    hits = _hits(files, PRIVATE_KEY) + _hits(files, AWS_ACCESS_KEY) + _hits(files, AWS_SECRET)
    for pattern in TOKENS:
        hits += _hits(files, pattern)
    assert not hits, hits


def _is_placeholder(value: str) -> bool:
    """A shell variable (`"$key"`) or a documented placeholder (`'…50+ random characters…'`), not a key."""
    return value.startswith("$") or any(mark in value for mark in "…<>{} ") or not value


def test_the_only_secret_key_literal_is_the_refused_development_default(files):
    literals = [(name, match.group("value")) for name, text in files for match in SECRET_KEY_LITERAL.finditer(text)]
    assert ("emulation/settings.py", DEVELOPMENT_KEY) in literals
    others = [(name, value) for name, value in literals if value != DEVELOPMENT_KEY and not _is_placeholder(value)]
    assert not others, others


def test_settings_hold_no_password(files):
    settings_files = [(name, text) for name, text in files
                      if re.search(r"(^|/)settings[^/]*\.py$|\.env|\.ini$|\.cfg$|docker-compose|\.ya?ml$", name)]
    assert any(name == "emulation/settings.py" for name, _text in settings_files)
    hits = []
    for name, text in settings_files:
        for match in SETTINGS_PASSWORD.finditer(text):
            if match.group("value") != DEVELOPMENT_KEY and not _is_placeholder(match.group("value")):
                hits.append(f"{name}: {match.group(0)[:80]}")
        hits += [f"{name}: {match.group(0)[:80]}" for match in DATABASE_URL_PASSWORD.finditer(text)]
    assert not hits, hits


def test_the_scanner_finds_what_it_looks_for():
    """The patterns above are not vacuous: each catches a sample of what it must refuse."""
    # Built from pieces, so that this file does not itself hold what the scan of the repository refuses.
    begin = "-----BEGIN RSA " + "PRIVATE KEY-----"
    aws, insecure = "AKIA" + "IOSFODNN7EXAMPLE", "django-" + "insecure-abc"
    samples = [("a.pem", begin + "\nMIIE"), ("b.txt", "key " + aws),
               ("c.py", "SECRET_KEY = " + repr(insecure)), ("d.env", "DB_PASSWORD='hunter2'")]
    assert _hits(samples[:1], PRIVATE_KEY) and _hits(samples[1:2], AWS_ACCESS_KEY)
    assert [m.group("value") for m in SECRET_KEY_LITERAL.finditer(samples[2][1])] == [insecure]
    assert _hits(samples[3:], SETTINGS_PASSWORD)


PRINT_KEY = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run_python(PRINT_KEY, env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    assert DEVELOPMENT_KEY not in result.stdout


def test_production_refuses_the_development_key_itself():
    """Copying the development default into the environment is no way round the refusal."""
    result = run_python(PRINT_KEY, production_env(DJANGO_SECRET_KEY=DEVELOPMENT_KEY))
    assert result.returncode != 0, result.stdout
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_development_uses_the_default_key_only_with_debug_on():
    env = production_env(DJANGO_DEBUG="1")
    del env["DJANGO_SECRET_KEY"]
    result = run_python(PRINT_KEY, env)
    assert result.returncode == 0 and result.stdout.strip() == DEVELOPMENT_KEY


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:  # noqa: ANN001
    """One scratch SQLite database, migrated once; each run of load_demo gets its own copy. The static files are
    collected first, as a deployment does (docs/deployment.md §3): load_demo renders the seed year's documents."""
    folder = tmp_path_factory.mktemp("demo")
    database = folder / "migrated.sqlite3"
    result = run_manage(["migrate", "-v", "0"], production_env(DATABASE_URL=f"sqlite:///{database}"), timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    collected = run_manage(["collectstatic", "--noinput", "-v", "0"],
                           production_env(DJANGO_STATIC_ROOT=str(folder / "static")), timeout=180)
    assert collected.returncode == 0, collected.stderr[-2000:]
    return database


DEMO_PASSWORD = re.compile(r"demo-\w+-\d{4}")


@pytest.mark.parametrize("demo", ["0", "1"])
def test_load_demo_prints_passwords_only_in_demo_mode(migrated, tmp_path, demo):
    """Demo mode prints the documented demo passwords (the control); with it off, not one password."""
    database = tmp_path / "demo.sqlite3"
    shutil.copy(migrated, database)
    env = production_env(DATABASE_URL=f"sqlite:///{database}", DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
                         DJANGO_STATIC_ROOT=str(migrated.parent / "static"), EMULATION_DEMO=demo)
    loaded = run_manage(["load_demo"], env, timeout=180)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    output = loaded.stdout + loaded.stderr
    assert all(spec.username in output for spec in DEMO_USERS)  # the sign-in table is printed either way
    printed = [spec.username for spec in DEMO_USERS if demo_password(spec.username) in output]
    if demo == "1":
        assert printed == [spec.username for spec in DEMO_USERS]
    else:
        assert printed == [] and not DEMO_PASSWORD.search(output), output
        assert "DEMO_MODE is off" in output
