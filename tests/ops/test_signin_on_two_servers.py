"""Sign-in pauses on two app servers sharing one PostgreSQL database (issue 13, "Nobody can lock the chair
out"), with the deployed defaults: 5 failures pause an account from one address, 50 pause an address, after
10 an account waits 30 s at addresses it never signed in from (docs/deployment.md §2).

Server A and server B take turns, as a load balancer without sticky sessions sends the requests. In
production nginx stands in front with DJANGO_TRUSTED_PROXY_COUNT=1 and appends the client's address to
X-Forwarded-For (docs/deployment.md §3). There is no nginx here, so each request carries the header as nginx
would have built it: whatever the client sent, then ", <client's address>". Without a trusted proxy count,
the header is only what the client wrote, and every request comes from 127.0.0.1.

The database holds the migrations and a few accounts, nothing else: the pauses know user names and
addresses, not roles or blocs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.bench.server import Server
from tests.bench.webclient import form_token
from tests.ops import pg
from tests.ops.conftest import Ops
from tests.ops.support import Client, Download, app_servers, client, django_env, run_django

LOGIN = "/accounts/login/"
SIGNIN_HOOKS = Path(__file__).with_name("signin_hooks.py")
# What the person at the sign-in page reads (Vietnamese first; English while a string awaits its translation).
SAYINGS = {
    "slowed": ("nhập sai mật khẩu nhiều lần", "many wrong passwords"),
    "paused": ("quá nhiều lần", "Too many failed sign-ins"),
    "wrong": ("mật khẩu chính xác", "enter a correct"),
}
_TAG = re.compile(r"<[^>]+>")
PEOPLE = {"chair": "truong_khoi", **{str(n): f"dai_dien_{n}" for n in range(1, 7)}}
PASSWORD_PREFIX = "pw-"
CREATE_ACCOUNTS = ("import django, sys; django.setup(); from blocs.models import User; "
                   "[User.objects.create_user(name, password=sys.argv[1] + name) for name in sys.argv[2:]]")


@dataclass
class Servers:
    a: Server
    b: Server
    database: str
    folder: Path  # OPS_PAUSE_DIR of signin_hooks.py

    def by_turn(self, n: int) -> Server:
        return (self.a, self.b)[n % 2]

    @staticmethod
    def username(who: str) -> str:
        return PEOPLE[who]

    @staticmethod
    def password(who: str) -> str:
        return PASSWORD_PREFIX + PEOPLE[who]


@dataclass
class Person:
    """Someone at the sign-in page: a browser, and the X-Forwarded-For their requests reach gunicorn with."""

    browser: Client
    headers: dict[str, str]


def _servers(ops: Ops, tmp_path_factory: pytest.TempPathFactory, purpose: str,
             extra: dict[str, str]) -> Iterator[Servers]:
    database, folder = ops.empty(purpose), tmp_path_factory.mktemp(purpose)
    (folder / "media").mkdir()
    env = django_env(pg.url(database), folder / "media", extra={"OPS_PAUSE_DIR": str(folder), **extra})
    run_django(env, "-c", CREATE_ACCOUNTS, PASSWORD_PREFIX, *PEOPLE.values())
    with app_servers([env, env], [folder / "a.log", folder / "b.log"], config=SIGNIN_HOOKS) as (a, b):  # one key
        yield Servers(a=a, b=b, database=database, folder=folder)


@pytest.fixture(scope="module")
def behind_nginx(ops: Ops, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    yield from _servers(ops, tmp_path_factory, "signin_proxy", {"DJANGO_TRUSTED_PROXY_COUNT": "1"})


@pytest.fixture(scope="module")
def without_proxy(ops: Ops, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    yield from _servers(ops, tmp_path_factory, "signin_direct", {})


def person(servers: Servers, *, address: str | None = None, sends: str | None = None) -> Person:
    """`address`: the client's address as nginx appends it (None: no nginx in front); `sends`: an
    X-Forwarded-For the client wrote itself."""
    forwarded = ", ".join(part for part in (sends, address) if part)
    return Person(client(servers.a), {"X-Forwarded-For": forwarded} if forwarded else {})


def login_form(who: Person, server: Server) -> str:
    """Open the sign-in page; its form token."""
    return form_token(who.browser.on(server).raw("GET", LOGIN, headers=who.headers).text)


def submit(who: Person, server: Server, token: str, username: str, password: str) -> Download:
    body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password}).encode()
    return who.browser.on(server).raw("POST", LOGIN, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                            **who.headers}, expect=None)


def attempt(who: Person, server: Server, username: str, password: str) -> str:
    """Sign in through `server`: what the person sees."""
    return seen(submit(who, server, login_form(who, server), username, password))


def seen(answer: Download) -> str:
    if answer.status == 302:
        return "signed in" if answer.location == "/" else f"sent to {answer.location}"
    text = " ".join(unescape(_TAG.sub(" ", answer.text)).split())
    return next((name for name, phrases in SAYINGS.items() if any(p in text for p in phrases)), f"HTTP {answer.status}")


def locks(servers: Servers, username: str) -> list[tuple[str, str | None]]:
    return pg.rows(servers.database, "SELECT kind, host(ip) FROM blocs_signinlock WHERE username = %s ORDER BY id",
                   [username])


def failures(servers: Servers, username: str) -> list[tuple[str, int]]:
    return pg.rows(servers.database, "SELECT host(ip), count(*) FROM blocs_signinfailure WHERE username = %s "
                                     "GROUP BY ip ORDER BY ip", [username])


def test_twenty_failures_for_the_chair_from_elsewhere_leave_her_to_sign_in_at_once_from_her_desk(behind_nginx):
    servers, desk = behind_nginx, "10.20.30.40"
    chair, password = servers.username("chair"), servers.password("chair")
    assert attempt(person(servers, address=desk), servers.a, chair, password) == "signed in"  # earlier, as usual

    guesses = [attempt(person(servers, address=f"198.51.100.{n}"), servers.by_turn(n), chair, f"doan-{n}")
               for n in range(20)]
    assert guesses == ["wrong"] * 10 + ["slowed"] * 10, "after ten wrong passwords, new addresses wait"

    at_desk = person(servers, address=desk)
    assert attempt(at_desk, servers.b, chair, password) == "signed in"
    home = at_desk.browser.on(servers.a).raw("GET", "/")  # the session works on the other server too (200)
    assert 'action="/accounts/logout/"' in home.text
    assert [kind for kind, _ip in locks(servers, chair)] == ["account"], "one delay, never a lock on her desk"


def test_a_hundred_made_up_names_from_one_address_do_not_stop_another_address(behind_nginx):
    servers = behind_nginx
    guesser = person(servers, address="192.0.2.66")
    answers = [attempt(guesser, servers.by_turn(n), f"khong-co-{n}", "doan") for n in range(100)]
    assert answers == ["wrong"] * 50 + ["paused"] * 50, "the address pauses after its fiftieth failure"

    rep, password = servers.username("1"), servers.password("1")
    assert attempt(person(servers, address="192.0.2.66"), servers.a, rep, password) == "paused"
    assert attempt(person(servers, address="192.0.2.67"), servers.b, rep, password) == "signed in"


def test_without_a_trusted_proxy_a_spoofed_x_forwarded_for_is_ignored(without_proxy):
    servers = without_proxy
    rep, password = servers.username("6"), servers.password("6")
    answers = [attempt(person(servers, sends=f"1.2.3.{n}"), servers.by_turn(n), rep, "doan") for n in range(5)]
    answers.append(attempt(person(servers, sends="1.2.3.5"), servers.b, rep, password))
    assert answers == ["wrong"] * 5 + ["paused"], "rotating the header does not escape the pause"
    assert failures(servers, rep) == [("127.0.0.1", 5)]  # the TCP peer, never the header
    assert locks(servers, rep) == [("account-address", "127.0.0.1")]


def test_behind_one_proxy_only_the_entry_nginx_appended_counts(behind_nginx):
    servers, guesser = behind_nginx, "203.0.113.50"
    rep, password = servers.username("4"), servers.password("4")
    answers = [attempt(person(servers, sends=f"1.2.3.{n}", address=guesser), servers.by_turn(n), rep, "doan")
               for n in range(5)]
    answers.append(attempt(person(servers, sends="1.2.3.99", address=guesser), servers.a, rep, password))
    assert answers == ["wrong"] * 5 + ["paused"], "rotating the spoofed first entry does not escape the pause"
    assert failures(servers, rep) == [(guesser, 5)]

    # Naming a victim's desk in the header pauses the guesser, not the victim.
    victim, desk = servers.username("3"), "10.20.30.43"
    for n in range(6):
        attempt(person(servers, sends=desk, address="203.0.113.51"), servers.by_turn(n), victim, "doan")
    assert attempt(person(servers, address=desk), servers.b, victim, servers.password("3")) == "signed in"
    assert locks(servers, victim) == [("account-address", "203.0.113.51")]


def test_two_failures_at_the_same_instant_on_two_servers_never_go_past_the_limit(behind_nginx):
    """Four failures already; a fifth and a sixth arrive together, one on each server, and each server holds
    its attempt after the pause check, before the password is read, until the other is there too
    (signin_hooks.py). Exactly five passwords are read: the attempt that would be the sixth is told to wait."""
    servers, address = behind_nginx, "203.0.113.77"
    rep, password = servers.username("5"), servers.password("5")
    assert [attempt(person(servers, address=address), servers.by_turn(n), rep, "doan") for n in range(4)] == \
        ["wrong"] * 4
    racers = [(person(servers, address=address), server) for server in (servers.a, servers.b)]
    tokens = [login_form(who, server) for who, server in racers]
    barrier = threading.Barrier(len(racers), timeout=30)
    answers: list[str] = ["no answer"] * len(racers)

    def press(i: int) -> None:
        who, server = racers[i]
        barrier.wait()
        answers[i] = seen(submit(who, server, tokens[i], rep, "doan"))

    race = servers.folder / "pause-signin-race"
    race.touch()
    try:
        threads = [threading.Thread(target=press, args=(i,), daemon=True) for i in range(len(racers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        race.unlink()
        for arrived in servers.folder.glob("signin-arrived-*"):
            arrived.unlink()
    assert sorted(answers) == ["paused", "wrong"], answers
    assert failures(servers, rep) == [(address, 5)]
    assert locks(servers, rep) == [("account-address", address)]
    assert attempt(person(servers, address=address), servers.a, rep, password) == "paused"
