"""Personas (healthchecks' alice/bob/charlie): one bloc year with its people, and an outsider bloc."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import translation

from blocs.models import BlocYear, Membership, RoleGrant, User
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

    migration = importlib.import_module("blocs.migrations.0002_audit_append_only_and_award_catalogue")
    migration.add_catalogue(apps, None)


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


PERSONAS = ["anonymous", "representative", "outsider", "secretariat", "chair", "board", "admin"]


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
    users["representative"] = make_user("dai_dien", unit=member.unit)
    grant(users["representative"], RoleGrant.Kind.REPRESENTATIVE, unit=member.unit)
    users["outsider"] = make_user("nguoi_ngoai", unit=outsider_unit)
    grant(users["outsider"], RoleGrant.Kind.REPRESENTATIVE, unit=outsider_unit)
    users["secretariat"] = make_user("thu_ky", unit=head.unit)
    grant(users["secretariat"], RoleGrant.Kind.SECRETARIAT, bloc=bloc_year.bloc)
    users["chair"] = make_user("truong_khoi", unit=head.unit)
    grant(users["chair"], RoleGrant.Kind.CHAIR, bloc_year=bloc_year)
    users["board"] = make_user("ban_tdkt")
    grant(users["board"], RoleGrant.Kind.BOARD, province=province)
    users["admin"] = make_user("quan_tri", is_superuser=True, is_staff=True)
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
