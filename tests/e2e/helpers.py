"""What every browser journey does: address a page of the live server, sign a person in."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from playwright.sync_api import Page


def url_of(live_server: Any, name: str, *args: object) -> str:
    return live_server.url + reverse(name, args=args)


def sign_in(page: Page, live_server: Any, username: str, password: str) -> None:
    page.goto(url_of(live_server, "login"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form:has(#id_username) button[type=submit]")
    page.wait_for_url(url_of(live_server, "blocs:home"))
