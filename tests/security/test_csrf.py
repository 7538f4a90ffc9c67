"""CSRF on every write: each URL of the permission matrices that takes a POST refuses one without the token.

The URLs come from the matrices (tests/blocs/test_permissions.py MATRIX and the report and document
matrices it imports): every POST row, and every GET row whose page carries a form posting back to it.
Each is posted as the persona the matrix lets through (a form page with what its own form would send, the
empty boxes filled in), by a client that enforces CSRF as a browser's session would, first without the
CSRF cookie, then holding it but without the form's token. The answer is 403 from the CSRF check (its log
line says so) and not one row of any table changes.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.support import SIDE_TABLES, changed_tables, post_forms, row_counts, snapshot, targets, url_for

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def _writes(world, everything) -> list[tuple[str, str, str, dict[str, list[str]]]]:  # noqa: ANN001
    """(url name, persona, URL, data) for every URL that takes a POST, with its page's own form data."""
    found = []
    for target in targets():
        url = url_for(target, everything)
        if target.method == "post":
            found.append((target.name, target.persona, url, {}))
            continue
        response = _client(world.users[target.persona]).get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        own = [form for form in post_forms(response.content.decode(), url) if form.action.split("?")[0] == url]
        if own:
            found.append((target.name, target.persona, url, own[0].browser_data()))
    return found


def _filled(data: dict[str, list[str]]) -> dict[str, list[str]]:
    """Empty text boxes get a value, so that the request would write if the token were not checked."""
    return {key: values if any(values) else ["Nội dung kiểm thử CSRF"] for key, values in data.items()}


@pytest.mark.parametrize("with_cookie", [False, True], ids=["no-cookie", "cookie-without-token"])
def test_every_write_refuses_a_post_without_the_token(world, everything, caplog, with_cookie):
    writes = _writes(world, everything)
    names = {name for name, *_rest in writes}
    # The list is built from the matrix: it must hold the POST rows and the form pages, not a few of them.
    assert {"logout", "login", "set_language", "password_change", "blocs:unit-create", "blocs:covenant-edit",
            "blocs:self-scores", "awards:vote-cast", "awards:meeting-edit", "reports:report-edit",
            "reports:report-comment-add", "reports:document-numbers"} <= names
    assert len(names) >= 60, sorted(names)
    clients = {}
    for persona in {persona for _name, persona, _url, _data in writes}:
        clients[persona] = _client(world.users[persona])
        if with_cookie:  # the browser holds a CSRF cookie, as after any page; only the form's token is missing
            clients[persona].get(reverse("login") if persona == "anonymous" else reverse("blocs:home"))
            assert "csrftoken" in clients[persona].cookies, persona
    before_counts, before = row_counts(), snapshot(exclude=())
    let_through = []
    for name, persona, url, data in writes:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = clients[persona].post(url, _filled(data))
        csrf_lines = [r for r in caplog.records if r.name == "django.security.csrf" and url in r.getMessage()]
        if response.status_code != 403 or not csrf_lines:
            let_through.append(f"{name} as {persona}: {response.status_code}")
    assert not let_through, "POST without a CSRF token not refused by the CSRF check: " + "; ".join(let_through)
    assert row_counts() == before_counts
    assert changed_tables(before, snapshot(exclude=())) == []


def test_the_same_post_with_the_token_goes_through(world, everything):
    """The refusals above are the token's doing: with it, the same persona's POST is let through."""
    client = _client(world.users["secretariat"])
    page = client.get(reverse("blocs:unit-create"))
    token = page.cookies["csrftoken"].value
    before = row_counts(exclude=SIDE_TABLES)
    response = client.post(reverse("blocs:unit-create"), {
        "csrfmiddlewaretoken": token, "name": "Báo Quảng Trị", "short_code": "BQT", "kind": "party",
        "province": world.bloc_year.bloc.province_id, "is_active": "on"})
    assert response.status_code == 302
    assert row_counts(exclude=SIDE_TABLES)["blocs_unit"] == before["blocs_unit"] + 1
