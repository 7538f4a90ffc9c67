"""Provinces and their boards, and the first administrator: a fresh installation set up without the Django
admin (issue 10, item 1).

The administrator (Django's superuser) is made by `manage.py create_administrator`, which prints a one-time
sign-in link; the administrator then creates each province and names its board (Ban Thi đua – Khen thưởng),
whose members get their own sign-in links, as a bloc's officers do (blocs/services/people.py).
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blocs import permissions
from blocs.audit import audit
from blocs.models import Province, RoleGrant, User
from blocs.services.people import SigninLink, account_create, signin_link_hand_over


def _require_admin(actor: User) -> None:
    if not permissions.can_manage_provinces(permissions.roles_of(actor)):
        raise ValidationError(_("Only the administrator manages provinces and their boards."))


@transaction.atomic
def administrator_create(*, username: str, full_name: str = "") -> User:
    """The installation's administrator, with no password yet: they set it through a sign-in link."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("Type a sign-in name.")})
    person = account_create(actor=None, bloc=None, full_name=full_name or username, username=username)
    person.is_superuser = person.is_staff = True
    person.save(update_fields=["is_superuser", "is_staff"])
    audit(actor=None, action="blocs.administrator.created", obj=person, changes={"username": person.username})
    return person


@transaction.atomic
def province_create(*, actor: User, name: str) -> Province:
    _require_admin(actor)
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    if not name:
        raise ValidationError({"name": _("Type the province's name.")})
    if Province.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("The province “%(name)s” already exists.") % {"name": name}})
    province = Province.objects.create(name=name)
    audit(actor=actor, action="blocs.province.created", obj=province, changes={"name": name})
    return province


@transaction.atomic
def board_member_name(*, actor: User, province: Province, existing: User | None = None, full_name: str = "",
                      username: str = "", email: str = "", job_title: str = "") -> RoleGrant:
    """Name someone to the province board: an existing account, or a new one made here, in one step."""
    _require_admin(actor)
    Province.objects.select_for_update().filter(pk=province.pk).first()
    person = existing or account_create(actor=actor, bloc=None, full_name=full_name, username=username,
                                        email=email, job_title=job_title)
    if person.is_superuser:
        raise ValidationError(_("The administrator's account is not given bloc roles."))
    if RoleGrant.objects.filter(user=person, kind=RoleGrant.Kind.BOARD, province=province).exists():
        raise ValidationError(_("%(name)s already holds this role.") % {"name": person.display_name})
    grant = RoleGrant.objects.create(user=person, kind=RoleGrant.Kind.BOARD, province=province)
    audit(actor=actor, action="blocs.role.granted", obj=person,
          changes={"role": str(RoleGrant.Kind.BOARD), "scope": province.name})
    return grant


@transaction.atomic
def board_member_remove(*, actor: User, grant: RoleGrant) -> None:
    _require_admin(actor)
    if grant.kind != RoleGrant.Kind.BOARD:
        raise ValidationError(_("This role does not belong to this province."))
    person, scope = grant.user, str(grant.province)
    grant.delete()
    audit(actor=actor, action="blocs.role.revoked", obj=person,
          changes={"role": str(RoleGrant.Kind.BOARD), "scope": scope})


@transaction.atomic
def board_signin_link_issue(*, actor: User, province: Province, person: User, base_url: str) -> SigninLink:
    """A one-time link for a board member; only the administrator hands a board account over."""
    _require_admin(actor)
    if person.is_superuser or not RoleGrant.objects.filter(user=person, kind=RoleGrant.Kind.BOARD,
                                                           province=province).exists():
        raise ValidationError(_("You may not send a sign-in link to this person."))
    return signin_link_hand_over(actor=actor, person=person, base_url=base_url)


def administrator_signin_link(*, person: User, base_url: str) -> SigninLink:
    """The command's link for the administrator (run by whoever may run manage.py on the server)."""
    return signin_link_hand_over(actor=None, person=person, base_url=base_url)
