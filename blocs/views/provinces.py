"""Provinces and their boards, for the administrator of a fresh installation: create a province, name its
board members (making their accounts) and hand each a one-time sign-in link (blocs/services/provinces.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from blocs import permissions as perms
from blocs.models import Province, RoleGrant, User
from blocs.people_forms import NamePersonForm, ProvinceForm
from blocs.services import provinces
from emulation.kernel.view_helpers import run_service


def _list_url() -> str:
    return reverse("blocs:province-list")


def _admin_province(request: HttpRequest, pk: int) -> Province:
    province = perms.get_province(request.user, pk)
    perms.require(perms.can_manage_provinces(perms.roles_of(request.user)))
    return province


@login_required
def province_list(request: HttpRequest) -> HttpResponse:
    perms.require(perms.can_manage_provinces(perms.roles_of(request.user)))
    board = {}
    for grant in (RoleGrant.objects.filter(kind=RoleGrant.Kind.BOARD).select_related("user")
                  .order_by("user__last_name", "user__first_name")):
        board.setdefault(grant.province_id, []).append(grant)
    rows = [(province, board.get(province.pk, [])) for province in Province.objects.order_by("name")]
    return render(request, "blocs/province_list.html", {
        "rows": rows, "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)})


@login_required
def province_create(request: HttpRequest) -> HttpResponse:
    perms.require(perms.can_manage_provinces(perms.roles_of(request.user)))
    form = ProvinceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        done = run_service(request, lambda: provinces.province_create(actor=request.user, name=name), form=form,
                           success=lambda p: _("Province %(name)s created.") % {"name": p.name})
        if done:
            return redirect(_list_url())
    return render(request, "blocs/person_form.html", {
        "form": form, "title": _("New province"), "back_url": _list_url(), "intro": ""})


@login_required
def board_add(request: HttpRequest, pk: int) -> HttpResponse:
    province = _admin_province(request, pk)
    candidates = User.objects.filter(is_active=True, is_superuser=False).select_related("unit").order_by(
        "last_name", "first_name", "username")
    form = NamePersonForm(request.POST if request.method == "POST" else None, people=candidates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(request, lambda: provinces.board_member_name(
            actor=request.user, province=province, existing=data["existing"], full_name=data["full_name"],
            username=data["username"], email=data["email"], job_title=data["job_title"]), form=form,
            success=lambda grant: _("%(name)s is now on the province board of %(province)s.") % {
                "name": grant.user.display_name, "province": province.name})
        if done:
            return redirect(_list_url())
    return render(request, "blocs/person_form.html", {
        "form": form, "back_url": _list_url(),
        "title": _("Name a member of the province board of %(province)s") % {"province": province.name}})


@login_required
@require_POST
def board_remove(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    province = _admin_province(request, pk)
    grant = get_object_or_404(RoleGrant.objects.select_related("user"), pk=grant_pk, province=province,
                              kind=RoleGrant.Kind.BOARD)
    run_service(request, lambda: provinces.board_member_remove(actor=request.user, grant=grant),
                success=_("%(name)s is no longer %(role)s.") % {
                    "name": grant.user.display_name, "role": grant.get_kind_display().lower()})
    return redirect(_list_url())


@never_cache
@login_required
@require_POST
def board_signin_link(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    province = _admin_province(request, pk)
    person = get_object_or_404(User, pk=user_pk, grants__kind=RoleGrant.Kind.BOARD, grants__province=province)
    done = run_service(request, lambda: provinces.board_signin_link_issue(
        actor=request.user, province=province, person=person,
        base_url=request.build_absolute_uri("/").rstrip("/")))
    if not done:
        return redirect(_list_url())
    link = done.value
    if link.emailed:
        messages.success(request, _("A sign-in link was emailed to %(name)s (%(email)s).") % {
            "name": person.display_name, "email": person.email})
        return redirect(_list_url())
    return render(request, "blocs/signin_link.html", {
        "person": person, "url": request.build_absolute_uri(link.path), "days": link.valid_days,
        "back_url": _list_url(), "back_label": _("Back to provinces and boards")})
