"""Hand-written factories (djangoproject.com's style): small functions with overridable defaults."""

from __future__ import annotations

import itertools
from typing import Any

from blocs.models import Bloc, BlocYear, Covenant, Membership, Province, RoleGrant, Unit, User

_seq = itertools.count(1)


def make_province(name: str = "Quảng Trị") -> Province:
    return Province.objects.get_or_create(name=name)[0]


def make_unit(**overrides: Any) -> Unit:
    n = next(_seq)
    fields = {"name": f"Đơn vị {n}", "short_code": f"DV{n:04d}", "kind": Unit.Kind.PARTY,
              "parent_body": "Tỉnh ủy"}
    fields.update(overrides)
    fields.setdefault("province", make_province())
    return Unit.objects.create(**fields)


def make_bloc(**overrides: Any) -> Bloc:
    n = next(_seq)
    fields = {"name": f"Khối thi đua {n}", "code": f"khoi-{n}", "founded_year": 2010}
    fields.update(overrides)
    fields.setdefault("province", make_province())
    return Bloc.objects.create(**fields)


def make_bloc_year(*, bloc: Bloc | None = None, year: int = 2022, members: int = 0,
                   status: str = BlocYear.Status.REGISTRATION, **overrides: Any) -> BlocYear:
    bloc = bloc or make_bloc()
    bloc_year = BlocYear.objects.create(bloc=bloc, year=year, status=status, **overrides)
    Covenant.objects.create(bloc_year=bloc_year)
    for _ in range(members):
        add_member(bloc_year, make_unit(province=bloc.province))
    return bloc_year


def add_member(bloc_year: BlocYear, unit: Unit, position: str = Membership.Position.MEMBER) -> Membership:
    return Membership.objects.create(bloc_year=bloc_year, unit=unit, year=bloc_year.year, position=position)


def make_user(username: str | None = None, *, unit: Unit | None = None, **overrides: Any) -> User:
    username = username or f"user{next(_seq)}"
    user = User.objects.create_user(username=username, password="pw-" + username, unit=unit, **overrides)
    return user


def grant(user: User, kind: str, **scope: Any) -> RoleGrant:
    return RoleGrant.objects.create(user=user, kind=kind, **scope)


# The counting committee's written copy of each meeting's passphrase (bloc year pk → passphrase): the product
# shows it once and keeps it nowhere, so the tests keep it as the committee would.
COMMITTEE_COPY: dict[int, str] = {}


def round_opened(*, actor: User | None, round_: Any) -> Any:
    """Open a round as the chair does; at the meeting's first opening the passphrase is written down."""
    from awards.models import Round
    from awards.services import rounds

    passphrase = rounds.round_open_with_box(actor=actor, round_=round_)
    if passphrase:
        COMMITTEE_COPY[round_.bloc_year_id] = passphrase
    return Round.objects.get(pk=round_.pk)


def round_closed(*, actor: User | None, round_: Any, **kwargs: Any) -> Any:
    """Close a round as the chair does, the committee typing its passphrase."""
    from awards.services import rounds

    return rounds.round_close(actor=actor, round_=round_, passphrase=COMMITTEE_COPY.get(round_.bloc_year_id),
                              **kwargs)
