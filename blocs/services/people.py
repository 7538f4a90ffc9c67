"""People and their roles, without the Django admin (issue 10, item 1).

The province board names each bloc's secretariat and each year's chair; the secretariat names the member
units' representatives. A new account has no password: its owner sets one through a one-time sign-in link
(Django's password-reset token: it dies once the password is set, once the person signs in, or after
`PASSWORD_RESET_TIMEOUT`), printed by whoever named them or sent by email where email is configured.
Every change writes one audit entry; no secret is ever written to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from blocs import permissions
from blocs.audit import audit
from blocs.models import Bloc, BlocYear, Membership, RoleGrant, Unit, User
from blocs.rules import search_key
from blocs.selectors import grants_in_bloc, latest_year, officer_unit

USERNAME_MAX = 150


def split_name(full_name: str) -> tuple[str, str]:
    """"Nguyễn Văn An" → ("Nguyễn Văn", "An"): `get_full_name()` then reads it back the Vietnamese way."""
    words = full_name.split()
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]


def suggested_username(full_name: str, unit: Unit | None) -> str:
    """"Nguyễn Văn An" of unit STC → "an.nv.stc": given name, initials, the unit's code; unaccented."""
    words = search_key(full_name).split()
    if not words:
        return ""
    base = ".".join(part for part in (words[-1], "".join(w[0] for w in words[:-1]),
                                       search_key(unit.short_code) if unit else "") if part)
    base = re.sub(r"[^a-z0-9.]", "", base)[:USERNAME_MAX - 4] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _role_scope(kind: str, *, bloc: Bloc, unit: Unit | None) -> dict[str, object]:
    if kind == RoleGrant.Kind.SECRETARIAT:
        return {"bloc": bloc}
    if kind == RoleGrant.Kind.CHAIR:
        year = latest_year(bloc)
        if year is None:
            raise ValidationError(_("Open the bloc's first year before naming its chair."))
        return {"bloc_year": year}
    if kind == RoleGrant.Kind.REPRESENTATIVE:
        if unit is None:
            raise ValidationError(_("Choose the unit the representative speaks for."))
        return {"unit": unit}
    raise ValidationError(_("This role is not named on this page."))


def may_name(roles: permissions.Roles, kind: str, bloc: Bloc) -> bool:
    if kind == RoleGrant.Kind.REPRESENTATIVE:
        return permissions.can_manage_people(roles, bloc)
    return permissions.can_name_officers(roles, bloc)


@transaction.atomic
def account_create(*, actor: User | None, bloc: Bloc | None, full_name: str, username: str = "",
                   unit: Unit | None = None, email: str = "", job_title: str = "") -> User:
    """A new person with no usable password yet (they set it through a sign-in link)."""
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError({"full_name": _("Type the person's full name.")})
    username = username.strip() or suggested_username(full_name, unit)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The sign-in name “%(name)s” is taken; choose another.")
                               % {"name": username}})
    first_name, last_name = split_name(full_name)
    user = User(username=username, first_name=first_name, last_name=last_name, unit=unit,
                email=email.strip(), job_title=job_title.strip())
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit(actor=actor, action="blocs.account.created", bloc_year=latest_year(bloc) if bloc else None, obj=user,
          changes={"username": user.username, "name": full_name, "unit": str(unit) if unit else ""})
    return user


@transaction.atomic
def role_grant(*, actor: User, bloc: Bloc, kind: str, person: User, unit: Unit | None = None,
               is_deputy: bool = False) -> RoleGrant:
    """Give `person` a role in `bloc`: secretariat of the bloc, chair of its latest year, or representative
    of one of its member units, principal or deputy (the deputy stands in when the principal is absent)."""
    roles = permissions.roles_of(actor)
    if is_deputy and kind != RoleGrant.Kind.REPRESENTATIVE:
        raise ValidationError(_("Only a unit representative can be a deputy."))
    if not may_name(roles, kind, bloc):
        raise ValidationError(_("You may not name this role."))
    scope = _role_scope(kind, bloc=bloc, unit=unit)
    if unit is not None and not Membership.objects.filter(bloc_year__bloc=bloc, unit=unit).exists():
        raise ValidationError(_("%(unit)s is not a member of this bloc.") % {"unit": unit})
    if person.is_superuser:
        raise ValidationError(_("The administrator's account is not given bloc roles."))
    if RoleGrant.objects.filter(user=person, kind=kind, **scope).exists():
        raise ValidationError(_("%(name)s already holds this role.") % {"name": person.display_name})
    grant = RoleGrant.objects.create(user=person, kind=kind, is_deputy=is_deputy, **scope)
    changes: dict[str, object] = {"role": str(kind), "scope": str(next(iter(scope.values())))}
    if kind == RoleGrant.Kind.REPRESENTATIVE:
        changes["is_deputy"] = is_deputy
    audit(actor=actor, action="blocs.role.granted", bloc_year=scope.get("bloc_year") or latest_year(bloc),
          obj=person, changes=changes)
    return grant


@transaction.atomic
def representative_standing_set(*, actor: User, bloc: Bloc, grant: RoleGrant, is_deputy: bool) -> RoleGrant:
    """Make a unit's representative its principal or a deputy; either may act for the unit, which still
    has one ballot a round."""
    # No select_related: PostgreSQL locks no row on the nullable side of an outer join (unit is nullable).
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.kind != RoleGrant.Kind.REPRESENTATIVE or not grants_in_bloc(bloc).filter(pk=grant.pk).exists():
        raise ValidationError(_("Only a unit representative can be a deputy."))
    if not permissions.can_manage_people(permissions.roles_of(actor), bloc):
        raise ValidationError(_("You may not name this role."))
    if grant.is_deputy == is_deputy:
        return grant
    grant.is_deputy = is_deputy
    grant.save(update_fields=["is_deputy"])
    audit(actor=actor, action="blocs.role.standing_changed", bloc_year=latest_year(bloc), obj=grant.user,
          changes={"scope": str(grant.unit), "is_deputy": [not is_deputy, is_deputy]})
    return grant


@transaction.atomic
def role_revoke(*, actor: User, bloc: Bloc, grant: RoleGrant) -> None:
    if not grants_in_bloc(bloc).filter(pk=grant.pk).exists():
        raise ValidationError(_("This role does not belong to this bloc."))
    if not may_name(permissions.roles_of(actor), grant.kind, bloc):
        raise ValidationError(_("You may not remove this role."))
    person, kind = grant.user, grant.kind
    scope = str(grant.bloc or grant.unit or grant.bloc_year)
    year = grant.bloc_year or latest_year(bloc)
    grant.delete()
    audit(actor=actor, action="blocs.role.revoked", bloc_year=year, obj=person,
          changes={"role": kind, "scope": scope})


def may_send_signin_link(actor: User, bloc: Bloc, person: User) -> bool:
    """A sign-in link hands over an account: the actor must be able to name every role the person holds,
    so a secretariat cannot take over a person who is also another bloc's secretariat, or the board."""
    roles = permissions.roles_of(actor)
    if roles.is_admin:
        return True
    if person.is_superuser or person.is_staff or person.pk == actor.pk:
        return False
    grants = list(RoleGrant.objects.filter(user=person))
    if not grants:
        return person.unit_id is not None and permissions.can_manage_people(roles, bloc) and Membership.objects.filter(
            bloc_year__bloc=bloc, unit_id=person.unit_id).exists()
    in_bloc = set(grants_in_bloc(bloc).filter(user=person).values_list("pk", flat=True))
    return all(grant.pk in in_bloc and may_name(roles, grant.kind, bloc) for grant in grants)


@dataclass(frozen=True)
class SigninLink:
    person: User
    path: str
    emailed: bool
    valid_days: int


@transaction.atomic
def signin_link_issue(*, actor: User, bloc: Bloc, person: User, base_url: str) -> SigninLink:
    """A one-time link for `person` to set a password: emailed when email is configured and the person has
    an address, else returned for the actor to print and hand over."""
    if not may_send_signin_link(actor, bloc, person):
        raise ValidationError(_("You may not send a sign-in link to this person."))
    return signin_link_hand_over(actor=actor, person=person, base_url=base_url, bloc_year=latest_year(bloc))


def signin_path(person: User) -> str:
    """The path of a one-time link to set `person`'s password (Django's password-reset token)."""
    return reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(person.pk)), "token": default_token_generator.make_token(person)})


def signin_link_hand_over(*, actor: User | None, person: User, base_url: str,
                          bloc_year: BlocYear | None = None) -> SigninLink:
    """Email the link where email is configured and the person has an address, else return it to print;
    the caller has checked that `actor` may hand this account over."""
    if not person.is_active:
        raise ValidationError(_("This account is switched off."))
    path = signin_path(person)
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    emailed = bool(settings.EMAIL_HOST and person.email)
    if emailed:
        send_mail(
            _("Set your password"),
            _("Hello %(name)s,\n\nTo sign in to the emulation bloc system for the first time, or after a reset, "
              "open this link and choose your password (it works once, for %(days)s days):\n\n%(url)s\n") % {
                "name": person.display_name, "days": days, "url": base_url + path},
            None, [person.email])
    audit(actor=actor, action="blocs.signin_link.issued", bloc_year=bloc_year, obj=person,
          changes={"by": "email" if emailed else "print"})
    return SigninLink(person=person, path=path, emailed=emailed, valid_days=days)


@transaction.atomic
def person_name(*, actor: User, bloc: Bloc, kind: str, unit: Unit | None = None, existing: User | None = None,
                full_name: str = "", username: str = "", email: str = "", job_title: str = "",
                is_deputy: bool = False) -> RoleGrant:
    """Name someone to a role: an existing account, or a new one made here, in one step."""
    if not may_name(permissions.roles_of(actor), kind, bloc):
        raise ValidationError(_("You may not name this role."))
    person = existing or account_create(
        actor=actor, bloc=bloc, full_name=full_name, username=username, email=email, job_title=job_title,
        unit=unit if kind == RoleGrant.Kind.REPRESENTATIVE else officer_unit(bloc))
    return role_grant(actor=actor, bloc=bloc, kind=kind, person=person,
                      unit=unit if kind == RoleGrant.Kind.REPRESENTATIVE else None, is_deputy=is_deputy)
