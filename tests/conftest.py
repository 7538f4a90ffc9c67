"""Personas (healthchecks' alice/bob/charlie): one bloc year with its people, and an outsider bloc."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import translation

from blocs.models import BlocYear, Membership, RoleGrant, User
from blocs.permissions import ROLES
from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_province, make_unit, make_user

# Playwright's sync API runs an event loop in the test thread (stack-notes.md §3).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _standard_catalogue(request):  # noqa: ANN001, ANN202
    """A transactional test starts after another one emptied the tables, migration rows included: put the
    award catalogue that the migrations ship back, as every other test finds it."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from blocs.catalogue import add_standard_awards

    add_standard_awards(apps)


@pytest.fixture(autouse=True)
def _fast_hashing_and_vietnamese(settings):  # noqa: ANN001, ANN202
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BALLOT_BOX_KDF = "min"
    settings.MEDIA_ROOT = settings.BASE_DIR / ".test-media" / f"run-{os.getpid()}"  # test processes apart (xdist)
    translation.activate("vi")
    yield
    translation.deactivate()


@dataclass
class World:
    bloc_year: BlocYear
    other_year: BlocYear
    head: Membership
    member: Membership
    users: dict[str, User | None]


# One persona per role of blocs/permissions.py ROLES, plus the anonymous visitor, the outsider (a representative of
# another province's bloc) and the administrator. A new role gets its persona here without a line of its own.
PERSONAS = ["anonymous", "outsider", *(str(role.kind) for role in ROLES), "admin"]
USERNAMES = {"representative": "dai_dien", "outsider": "nguoi_ngoai", "secretariat": "thu_ky", "chair": "truong_khoi",
             "board": "ban_tdkt", "admin": "quan_tri"}  # a new role's persona is named after its kind
HOME_UNIT = {"representative": "member", "secretariat": "head", "chair": "head"}  # the unit a user works at


@pytest.fixture
def world(db) -> World:  # noqa: ANN001
    """The seed-like bloc year with 5 units, and another bloc whose representative is the outsider."""
    province = make_province()
    bloc_year = make_bloc_year(bloc=make_bloc(name="Khối thi đua các Ban, cơ quan của Đảng", province=province),
                               members=3)
    head = add_member(bloc_year, make_unit(name="Ban Tuyên giáo Tỉnh ủy", short_code="BTG", province=province),
                      Membership.Position.HEAD)
    member = add_member(bloc_year, make_unit(name="Ban Dân vận Tỉnh ủy", short_code="BDV", province=province))
    other_province = make_province("Nghệ An")
    other_year = make_bloc_year(bloc=make_bloc(name="Khối các sở", province=other_province), members=2)
    outsider_unit = other_year.memberships.first().unit

    users: dict[str, User | None] = {"anonymous": None}
    scopes = {"unit": member.unit, "bloc": bloc_year.bloc, "bloc_year": bloc_year, "province": province}
    homes = {"member": member.unit, "head": head.unit}
    for role in ROLES:  # each role over the first bloc's object of its scope
        name = str(role.kind)
        users[name] = make_user(USERNAMES.get(name, name), unit=homes.get(HOME_UNIT.get(name, "")))
        grant(users[name], role.kind, **{role.scope: scopes[role.scope]})
    users["outsider"] = make_user(USERNAMES["outsider"], unit=outsider_unit)
    grant(users["outsider"], RoleGrant.Kind.REPRESENTATIVE, unit=outsider_unit)
    users["admin"] = make_user(USERNAMES["admin"], is_superuser=True, is_staff=True)
    return World(bloc_year=bloc_year, other_year=other_year, head=head, member=member, users=users)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_persona(world: World):  # noqa: ANN201
    return lambda name: client_for(world.users[name])


def empty_the_database() -> None:
    """An empty database, as on another server, for the archive's "import into an empty database".

    It runs `flush`, which PostgreSQL refuses inside a test's transaction (TRUNCATE with pending trigger
    events), so the tests that call it are transactional; `_standard_catalogue` puts the rows the
    migrations load (the award catalogue) back for each transactional test. (serialized_rollback is not
    used: reloading content types that a flush already recreated fails on SQLite.)
    """
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
