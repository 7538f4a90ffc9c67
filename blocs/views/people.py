"""A bloc's people and roles: who is its secretariat, its chair, each member unit's representatives;
naming them, removing them, and handing them a one-time sign-in link (blocs/services/people.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from blocs import permissions as perms
from blocs import selectors
from blocs.models import Bloc, Membership, RoleGrant, Unit, User
from blocs.people_forms import NamePersonForm
from blocs.services import people
from emulation.kernel.view_helpers import run_service

OFFICER_KINDS = {"secretariat": RoleGrant.Kind.SECRETARIAT, "chair": RoleGrant.Kind.CHAIR}


def _people_bloc(request: HttpRequest, pk: int) -> Bloc:
    bloc = perms.get_bloc(request.user, pk)
    perms.require(perms.can_manage_people(perms.roles_of(request.user), bloc))
    return bloc


def _people_url(bloc: Bloc) -> str:
    return reverse("blocs:bloc-people", args=[bloc.pk])


@login_required
def bloc_people(request: HttpRequest, pk: int) -> HttpResponse:
    bloc = _people_bloc(request, pk)
    year = selectors.latest_year(bloc)
    grants = list(selectors.grants_in_bloc(bloc).select_related("user__unit", "unit", "bloc_year")
                  .order_by("user__last_name", "user__first_name", "user__username"))
    reps_by_unit: dict[int, list[RoleGrant]] = {}
    for grant in grants:
        if grant.kind == RoleGrant.Kind.REPRESENTATIVE:
            reps_by_unit.setdefault(grant.unit_id, []).append(grant)
    members = (Membership.objects.filter(bloc_year=year).select_related("unit").order_by("unit__name")
               if year else [])
    return render(request, "blocs/people.html", {
        "bloc": bloc, "year": year,
        "secretariat": [g for g in grants if g.kind == RoleGrant.Kind.SECRETARIAT],
        "chairs": [g for g in grants if g.kind == RoleGrant.Kind.CHAIR and year and g.bloc_year_id == year.pk],
        "units": [(m.unit, reps_by_unit.get(m.unit_id, [])) for m in members],
        "may_name_officers": perms.can_name_officers(perms.roles_of(request.user), bloc),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    })


def _name_person(request: HttpRequest, bloc: Bloc, kind: str, *, unit: Unit | None, candidates: QuerySet[User],
                 title: str) -> HttpResponse:
    form = NamePersonForm(request.POST if request.method == "POST" else None, people=candidates.select_related("unit")
                          .order_by("last_name", "first_name", "username"),
                          deputy_choice=kind == RoleGrant.Kind.REPRESENTATIVE)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(request, lambda: people.person_name(
            actor=request.user, bloc=bloc, kind=kind, unit=unit, existing=data["existing"],
            full_name=data["full_name"], username=data["username"], email=data["email"],
            job_title=data["job_title"], is_deputy=data.get("is_deputy", False)), form=form,
            success=lambda grant: _("%(name)s is now %(role)s.") % {
                "name": grant.user.display_name, "role": grant.get_kind_display().lower()})
        if done:
            return redirect(_people_url(bloc))
    return render(request, "blocs/person_form.html", {"form": form, "title": title, "bloc": bloc,
                                                      "back_url": _people_url(bloc)})


@login_required
def officer_add(request: HttpRequest, pk: int, role: str) -> HttpResponse:
    bloc = _people_bloc(request, pk)
    kind = OFFICER_KINDS.get(role)
    if kind is None:
        raise Http404
    perms.require(perms.can_name_officers(perms.roles_of(request.user), bloc))
    year = selectors.latest_year(bloc)
    candidates = User.objects.filter(is_active=True, is_superuser=False,
                                     unit__in=Membership.objects.filter(bloc_year__bloc=bloc).values("unit"))
    if kind == RoleGrant.Kind.SECRETARIAT:
        title = _("Name the secretariat of %(bloc)s") % {"bloc": bloc.name}
    elif year is not None:
        title = _("Name the chair of %(bloc)s, %(year)s") % {"bloc": bloc.name, "year": year.year}
    else:
        title = _("Name the chair of %(bloc)s") % {"bloc": bloc.name}
    return _name_person(request, bloc, kind, unit=None, candidates=candidates, title=title)


@login_required
def representative_add(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    bloc = _people_bloc(request, pk)
    unit = get_object_or_404(Unit.objects.filter(memberships__bloc_year__bloc=bloc).distinct(), pk=unit_pk)
    candidates = User.objects.filter(is_active=True, is_superuser=False, unit=unit)
    title = _("Add a representative of %(unit)s") % {"unit": unit.name}
    return _name_person(request, bloc, RoleGrant.Kind.REPRESENTATIVE, unit=unit, candidates=candidates, title=title)


@login_required
@require_POST
def role_remove(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    bloc = _people_bloc(request, pk)
    grant = get_object_or_404(selectors.grants_in_bloc(bloc).select_related("user"), pk=grant_pk)
    perms.require(people.may_name(perms.roles_of(request.user), grant.kind, bloc))
    run_service(request, lambda: people.role_revoke(actor=request.user, bloc=bloc, grant=grant),
                success=_("%(name)s is no longer %(role)s.") % {
                    "name": grant.user.display_name, "role": grant.get_kind_display().lower()})
    return redirect(_people_url(bloc))


@never_cache
@login_required
@require_POST
def signin_link(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    """The one-time link, emailed or shown once here to print: the page is never cached."""
    bloc = _people_bloc(request, pk)
    person = get_object_or_404(User, pk=user_pk)
    if not selectors.grants_in_bloc(bloc).filter(user=person).exists() and not Membership.objects.filter(
            bloc_year__bloc=bloc, unit_id=person.unit_id).exists():
        raise Http404
    perms.require(people.may_send_signin_link(request.user, bloc, person))
    done = run_service(request, lambda: people.signin_link_issue(
        actor=request.user, bloc=bloc, person=person, base_url=request.build_absolute_uri("/").rstrip("/")))
    if not done:
        return redirect(_people_url(bloc))
    link = done.value
    if link.emailed:
        messages.success(request, _("A sign-in link was emailed to %(name)s (%(email)s).") % {
            "name": person.display_name, "email": person.email})
        return redirect(_people_url(bloc))
    return render(request, "blocs/signin_link.html", {
        "bloc": bloc, "person": person, "url": request.build_absolute_uri(link.path), "days": link.valid_days,
        "back_url": _people_url(bloc), "back_label": _("Back to people and roles")})


@login_required
@require_POST
def representative_standing(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    """Make a representative the unit's principal or a deputy."""
    bloc = _people_bloc(request, pk)
    grant = get_object_or_404(selectors.grants_in_bloc(bloc).select_related("user", "unit"), pk=grant_pk,
                              kind=RoleGrant.Kind.REPRESENTATIVE)
    is_deputy = request.POST.get("is_deputy") == "1"
    run_service(request, lambda: people.representative_standing_set(
        actor=request.user, bloc=bloc, grant=grant, is_deputy=is_deputy),
        success=(_("%(name)s is now a deputy of %(unit)s.") if is_deputy
                 else _("%(name)s is now the principal representative of %(unit)s.")) % {
            "name": grant.user.display_name, "unit": grant.unit.name})
    return redirect(_people_url(bloc))
