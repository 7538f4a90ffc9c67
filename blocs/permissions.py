"""Who may see and do what (domain.md §5). One predicate per action, asked by views and templates alike.

A user's roles are read once per request (one query) into `Roles`; predicates are plain functions of
those roles and the object, so a page's query count does not grow with what it shows.
Outsiders get 404 (they must not learn that a bloc exists); members with too low a role get 403.

Every app keeps its predicates in its own `permissions.py` (awards and reports build on these) and registers
its `can_*` functions with `register_predicates`, so that `{% can "open_close" bloc_year %}` reaches any of
them by name (blocs imports no other app: the template tag discovers each app's module, as the admin does).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from blocs.models import Bloc, BlocYear, Membership, Province, RoleGrant, Unit, User


@dataclass(frozen=True)
class Role:
    """One kind of `RoleGrant`, described once: the grant's field that names its scope, the `Roles` fields it
    fills (each from a column of the grant), and what it may do. `roles_of` reads grants by this description;
    the tests make one persona per role from it (tests/conftest.py) and give each a column of the permission
    matrix (tests/permission_matrix.py). The administrator is not a grant: Django's superuser, `is_admin`."""

    kind: str  # RoleGrant.Kind
    scope: str  # the RoleGrant field the grant names: "unit", "bloc", "bloc_year" or "province"
    fields: tuple[tuple[str, str], ...]  # (Roles field, RoleGrant column) pairs
    may: str  # what the role does, for people reading this description


ROLES: tuple[Role, ...] = (
    Role(RoleGrant.Kind.REPRESENTATIVE, "unit", (("rep_units", "unit_id"),),
         "speaks for its member unit: registers, scores itself, cross-checks, votes, comments on the report; "
         "sees every bloc its unit sits in"),
    Role(RoleGrant.Kind.SECRETARIAT, "bloc", (("secretariat_blocs", "bloc_id"),),
         "does the bloc's work: years, members, covenant, scoring, the vote's set-up, nominations and dossier, "
         "the report's drafts and answers, the documents' numbers"),
    Role(RoleGrant.Kind.CHAIR, "bloc_year", (("chair_years", "bloc_year_id"), ("chair_blocs", "bloc_year__bloc_id")),
         "chairs one bloc year: opens and closes rounds, adopts the report, prints ballot papers"),
    Role(RoleGrant.Kind.BOARD, "province", (("board_provinces", "province_id"),),
         "the province board: reads every bloc of its province, founds blocs, reviews dossiers, records decisions"),
)


@dataclass(frozen=True)
class Roles:
    is_admin: bool = False
    secretariat_blocs: frozenset[int] = frozenset()
    rep_units: frozenset[int] = frozenset()
    chair_years: frozenset[int] = frozenset()
    chair_blocs: frozenset[int] = frozenset()
    board_provinces: frozenset[int] = frozenset()
    member_blocs: frozenset[int] = frozenset()  # blocs where one of the user's units sits, any year

    @property
    def is_anyone(self) -> bool:
        return self.is_admin or any(getattr(self, name) for role in ROLES for name, _column in role.fields)


ANONYMOUS = Roles()


def roles_of(user: User) -> Roles:
    """The user's roles, cached on the user object for the request."""
    if not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_roles", None)
    if cached is not None:
        return cached
    columns = sorted({column for role in ROLES for _name, column in role.fields})
    grants = list(RoleGrant.objects.filter(user=user).values("kind", *columns))
    fields = {name: frozenset(g[column] for g in grants if g["kind"] == role.kind)
              for role in ROLES for name, column in role.fields}
    rep_units = fields["rep_units"]
    member_blocs = frozenset(
        Membership.objects.filter(unit__in=rep_units).values_list("bloc_year__bloc_id", flat=True).distinct()
    ) if rep_units else frozenset()
    roles = Roles(is_admin=user.is_superuser, member_blocs=member_blocs, **fields)
    user._roles = roles  # type: ignore[attr-defined]
    return roles


# --- Seeing ----------------------------------------------------------------------------------------------


def can_view_bloc(roles: Roles, bloc: Bloc) -> bool:
    return (roles.is_admin or bloc.pk in roles.secretariat_blocs or bloc.pk in roles.chair_blocs
            or bloc.pk in roles.member_blocs or bloc.province_id in roles.board_provinces)


def visible_blocs(user: User) -> QuerySet[Bloc]:
    roles = roles_of(user)
    if roles.is_admin:
        return Bloc.objects.all()
    return Bloc.objects.filter(
        Q(pk__in=roles.secretariat_blocs | roles.chair_blocs | roles.member_blocs)
        | Q(province__in=roles.board_provinces)
    )


def visible_units(user: User) -> QuerySet[Unit]:
    """Units of the user's blocs (any year), the user's own units, and the board's province."""
    roles = roles_of(user)
    if roles.is_admin:
        return Unit.objects.all()
    bloc_ids = roles.secretariat_blocs | roles.chair_blocs | roles.member_blocs
    visible = (Q(pk__in=roles.rep_units) | Q(province__in=roles.board_provinces)
               | Q(pk__in=Membership.objects.filter(bloc_year__bloc__in=bloc_ids).values("unit")))
    if roles.secretariat_blocs:
        # A unit in no bloc yet (e.g. just created) is visible to the secretariats of its province, who add it.
        visible |= (Q(province__in=Bloc.objects.filter(pk__in=roles.secretariat_blocs).values("province"))
                    & ~Exists(Membership.objects.filter(unit=OuterRef("pk"))))
    return Unit.objects.filter(visible).distinct()


# --- Doing -----------------------------------------------------------------------------------------------


def can_manage_bloc(roles: Roles, bloc: Bloc) -> bool:
    """Secretariat work: set up years, members, leadership, covenant, imports, the audit trail."""
    return roles.is_admin or bloc.pk in roles.secretariat_blocs


def can_manage_bloc_year(roles: Roles, bloc_year: BlocYear) -> bool:
    return can_manage_bloc(roles, bloc_year.bloc)


def can_chair(roles: Roles, bloc_year: BlocYear) -> bool:
    return roles.is_admin or bloc_year.pk in roles.chair_years


def can_register(roles: Roles, bloc_year: BlocYear, unit: Unit) -> bool:
    """A unit's representative registers for that unit (secretariat may enter it on the unit's behalf)."""
    return unit.pk in roles.rep_units or can_manage_bloc_year(roles, bloc_year)


def can_see_registrations(roles: Roles, bloc_year: BlocYear) -> bool:
    """Every unit's registration, side by side: the secretariat, the year's chair and the province board."""
    return (can_manage_bloc_year(roles, bloc_year) or can_chair(roles, bloc_year)
            or bloc_year.bloc.province_id in roles.board_provinces)


def can_create_bloc(roles: Roles) -> bool:
    return roles.is_admin or bool(roles.board_provinces)


def can_edit_unit(roles: Roles, unit: Unit, member_bloc_ids: frozenset[int] = frozenset()) -> bool:
    return (roles.is_admin or unit.province_id in roles.board_provinces
            or bool(member_bloc_ids & roles.secretariat_blocs))


def can_create_unit(roles: Roles) -> bool:
    return roles.is_admin or bool(roles.board_provinces or roles.secretariat_blocs)


def can_manage_catalogue(roles: Roles) -> bool:
    """The award catalogue is shared data: the secretariat or the board may add to it (issue 4)."""
    return roles.is_admin or bool(roles.board_provinces or roles.secretariat_blocs)


def can_read_province(roles: Roles) -> bool:
    """The province board reads every bloc of its province (domain.md §5)."""
    return roles.is_admin or bool(roles.board_provinces)


def can_import_archive(roles: Roles) -> bool:
    return roles.is_admin or bool(roles.board_provinces)


def can_reorganize_units(roles: Roles) -> bool:
    """Mergers and splits of units (domain.md §7a, docs/reorganization.md): the province board for its
    province's units, the secretariat for the units that sit in its blocs, the administrator for all."""
    return roles.is_admin or bool(roles.board_provinces or roles.secretariat_blocs)


def can_merge_province(roles: Roles, province: Province) -> bool:
    """A merger of provinces: the board of the province that merges (into a province it also serves), or the
    administrator."""
    return roles.is_admin or province.pk in roles.board_provinces


def reorganizable_units(user: User) -> QuerySet[Unit]:
    """The units a person may merge or split: `can_edit_unit`'s units, as one query."""
    roles = roles_of(user)
    if roles.is_admin:
        return Unit.objects.select_related("province")
    scope = (Q(province__in=roles.board_provinces)
             | Q(pk__in=Membership.objects.filter(bloc_year__bloc__in=roles.secretariat_blocs).values("unit")))
    return Unit.objects.filter(scope).select_related("province")


# --- Fetch and authorise in one call (healthchecks' _get_check_for_user) --------------------------------


def get_province(user: User, pk: int) -> Province:
    """A province the person works in (a board, or a bloc or unit of it); else 404."""
    province = Province.objects.filter(pk=pk).first()
    roles = roles_of(user)
    if province is None or not (roles.is_admin or province.pk in roles.board_provinces
                                or visible_blocs(user).filter(province=province).exists()
                                or visible_units(user).filter(province=province).exists()):
        raise Http404
    return province


def get_bloc(user: User, pk: int) -> Bloc:
    bloc = Bloc.objects.select_related("province").filter(pk=pk).first()
    if bloc is None or not can_view_bloc(roles_of(user), bloc):
        raise Http404
    return bloc


def get_bloc_year(user: User, pk: int) -> BlocYear:
    bloc_year = BlocYear.objects.select_related("bloc__province").filter(pk=pk).first()
    if bloc_year is None or not can_view_bloc(roles_of(user), bloc_year.bloc):
        raise Http404
    return bloc_year


def get_unit(user: User, pk: int) -> Unit:
    unit = visible_units(user).select_related("province", "renamed_from", "merged_into").filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- Scoring ----------------------------------------------------------------------------------------------


def can_self_score(roles: Roles, bloc_year: BlocYear, unit: Unit) -> bool:
    """A unit's representative scores its own unit; the bloc's secretariat may enter it on the unit's behalf."""
    return unit.pk in roles.rep_units or can_self_score_on_behalf(roles, bloc_year)


def can_self_score_on_behalf(roles: Roles, bloc_year: BlocYear) -> bool:
    """The bloc's secretariat types in the self-scores a unit sent on paper or in a file, one unit on its screen
    or every unit from one workbook (issue 10, item 2): scoring goes on without representative accounts."""
    return can_manage_bloc_year(roles, bloc_year)


def can_check_as(roles: Roles, checker: Unit) -> bool:
    """A checker unit's representative enters its cross-check values."""
    return checker.pk in roles.rep_units


def can_see_checks(roles: Roles, bloc_year: BlocYear) -> bool:
    """The secretariat sees every cross-check assignment; a member unit's representative its unit's own."""
    return can_manage_bloc_year(roles, bloc_year) or (bool(roles.rep_units) and bloc_year.bloc_id in roles.member_blocs)


def can_view_scores(roles: Roles, bloc_year: BlocYear, is_published: bool) -> bool:
    """The score table is published to members before the meeting; the secretariat, chair and board
    see it all along."""
    return (can_manage_bloc_year(roles, bloc_year) or can_chair(roles, bloc_year)
            or bloc_year.bloc.province_id in roles.board_provinces
            or (is_published and bloc_year.bloc_id in roles.member_blocs))


# --- People and roles (issue 10, item 1) ------------------------------------------------------------------


def can_name_officers(roles: Roles, bloc: Bloc) -> bool:
    """The province board names a bloc's secretariat and its year's chair."""
    return roles.is_admin or bloc.province_id in roles.board_provinces


def can_manage_people(roles: Roles, bloc: Bloc) -> bool:
    """The secretariat names its member units' representatives (and the board may too)."""
    return can_manage_bloc(roles, bloc) or can_name_officers(roles, bloc)


def can_manage_provinces(roles: Roles) -> bool:
    """The administrator creates provinces and names their boards (a fresh installation has nobody else)."""
    return roles.is_admin


# --- Every app's predicates, by name, for templates ------------------------------------------------------

Predicate = Callable[..., bool]
_PREDICATES: dict[str, Predicate] = {}


def register_predicates(module_name: str) -> None:
    """Make a permissions module's own `can_*` functions known by name without the prefix:
    `can_open_close` is `{% can "open_close" bloc_year %}`. Called at the end of each app's permissions.py."""
    module = sys.modules[module_name]
    for name, function in vars(module).items():
        if not (name.startswith("can_") and callable(function) and function.__module__ == module_name):
            continue  # a predicate imported from another app is registered by its own module
        action = name.removeprefix("can_")
        if _PREDICATES.get(action, function) is not function:
            raise ImproperlyConfigured(f"Two permission predicates are called {name}.")
        _PREDICATES[action] = function


def predicate(action: str) -> Predicate:
    """The predicate a template names; KeyError for a name no app registered."""
    return _PREDICATES[action]


def predicate_names() -> list[str]:
    return sorted(_PREDICATES)


register_predicates(__name__)
