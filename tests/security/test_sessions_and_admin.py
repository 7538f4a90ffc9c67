"""Sessions that end after a working day and whose simultaneous writes do not overwrite each other; the
admin's content-security policy; a retired proxy switch that refuses to start (issue 13)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from emulation.sessions import SessionStore, merge
from tests.conftest import client_for
from tests.security.outputs import parse_dom
from tests.security.prod import production_env, run_python

pytestmark = pytest.mark.django_db


def _open(key: str) -> SessionStore:
    store = SessionStore(session_key=key)
    store.load()
    return store


def test_two_requests_of_one_session_keep_both_writes():
    """A vote's receipt in one tab and a message in another, at the same moment: both are kept."""
    first = SessionStore()
    first["receipts"] = {"7": "AAAA"}
    first.create()
    vote, other_tab = _open(first.session_key), _open(first.session_key)
    vote["receipts"] = {**vote["receipts"], "8": "BBBB"}
    other_tab["_messages"] = "[saved]"
    other_tab["receipts"] = {**other_tab["receipts"], "9": "CCCC"}
    vote.save()
    other_tab.save()
    stored = _open(first.session_key)
    assert stored["receipts"] == {"7": "AAAA", "8": "BBBB", "9": "CCCC"}
    assert stored["_messages"] == "[saved]"


def test_a_deleted_key_stays_deleted_and_an_untouched_one_is_not_restored():
    first = SessionStore()
    first.update({"rows": [1, 2], "keep": 1})
    first.create()
    importer, other = _open(first.session_key), _open(first.session_key)
    del importer["rows"]
    other["keep"] = 2
    importer.save()
    other.save()
    assert dict(_open(first.session_key).items()) == {"keep": 2}


@pytest.mark.parametrize(("loaded", "mine", "stored", "expected"), [
    ({"a": 1}, {"a": 2}, {"a": 1, "b": 1}, {"a": 2, "b": 1}),
    ({"a": 1}, {}, {"a": 1, "b": 1}, {"b": 1}),
    ({}, {"a": {"x": 1}}, {"a": {"y": 2}}, {"a": {"x": 1, "y": 2}}),
    ({"a": 1}, {"a": 1}, {"a": 5}, {"a": 5}),
])
def test_merge_applies_only_this_requests_changes(loaded, mine, stored, expected):
    assert merge(loaded, mine, stored) == expected


def test_a_session_lasts_a_working_day_not_two_weeks():
    assert django_settings.SESSION_COOKIE_AGE == 10 * 3600


def test_the_admin_has_a_content_security_policy_and_runs_no_inline_script(world):
    client = client_for(world.users["admin"])
    for url in (reverse("admin:index"), reverse("admin:blocs_unit_changelist"), reverse("admin:blocs_unit_add")):
        response = client.get(url)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy, url
        inline = [body for attributes, body in parse_dom(response.content.decode()).scripts
                  if body.strip() and attributes.get("type") != "application/json"]
        assert inline == [], url


def test_the_retired_forwarded_for_switch_refuses_to_start():
    done = run_python("import django; django.setup()", production_env(DJANGO_TRUST_X_FORWARDED_FOR="1"))
    assert done.returncode != 0 and "DJANGO_TRUSTED_PROXY_COUNT" in done.stderr
