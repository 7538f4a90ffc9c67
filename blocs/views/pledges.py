"""The covenant (giao ước) and the units' registrations (đăng ký thi đua)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blocs import permissions as perms
from blocs.forms import CovenantForm, RegistrationForm
from blocs.models import Covenant, Registration, Unit
from blocs.services import registration as registration_services
from blocs.views.years import registration_rows
from emulation.kernel.uploads import attachment_response
from emulation.kernel.view_helpers import run_service


@login_required
def covenant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    covenant, _created = Covenant.objects.get_or_create(bloc_year=bloc_year)
    return render(request, "blocs/covenant_detail.html",
                  {"bloc_year": bloc_year, "covenant": covenant, "items": covenant.items.all()})


@login_required
def covenant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(perms.can_manage_bloc_year(perms.roles_of(request.user), bloc_year))
    covenant, _created = Covenant.objects.get_or_create(bloc_year=bloc_year)
    lines = "\n".join(f"{i.content} | {i.target}" if i.target else i.content for i in covenant.items.all())
    form = CovenantForm(request.POST or None, request.FILES or None, initial={
        "signed_on": covenant.signed_on, "signed_place": covenant.signed_place, "items": lines})
    if request.method == "POST" and form.is_valid():
        if run_service(request, lambda: registration_services.covenant_update(
                actor=request.user, bloc_year=bloc_year, **form.cleaned_data),
                form=form, success=_("Covenant saved.")):
            return redirect("blocs:covenant-detail", pk=bloc_year.pk)
    return render(request, "blocs/form_page.html", {"form": form, "title": _("Covenant"), "back": bloc_year,
                                                    "multipart": True})


@login_required
def covenant_scan(request: HttpRequest, pk: int) -> FileResponse:
    """Attachments are served only through a permission check, never as public media."""
    bloc_year = perms.get_bloc_year(request.user, pk)
    covenant = Covenant.objects.filter(bloc_year=bloc_year).first()
    if covenant is None or not covenant.scan:
        raise Http404
    return attachment_response(covenant.scan, covenant.scan.name.rsplit("/", 1)[-1])


@login_required
def registration_list(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    roles = perms.roles_of(request.user)
    perms.require(perms.can_see_registrations(roles, bloc_year))
    return render(request, "blocs/registration_list.html",
                  {"bloc_year": bloc_year, "rows": registration_rows(bloc_year)})


def _registration_target(request: HttpRequest, pk: int, unit_pk: int) -> tuple:
    bloc_year = perms.get_bloc_year(request.user, pk)
    unit = get_object_or_404(Unit, pk=unit_pk, memberships__bloc_year=bloc_year)
    perms.require(perms.can_register(perms.roles_of(request.user), bloc_year, unit))
    return bloc_year, unit


@login_required
def registration_edit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    bloc_year, unit = _registration_target(request, pk, unit_pk)
    registration = Registration.objects.filter(bloc_year=bloc_year, unit=unit).first()
    initial = ({"targets": registration.targets, "awards": list(registration.awards.all())}
               if registration else {})
    form = RegistrationForm(request.POST or None, initial=initial)
    if registration and registration.is_submitted:
        form = None
    elif request.method == "POST" and form.is_valid():
        if run_service(request, lambda: registration_services.registration_save(
                actor=request.user, bloc_year=bloc_year, unit=unit, targets=form.cleaned_data["targets"],
                awards=list(form.cleaned_data["awards"])),
                form=form, success=_("Registration saved as a draft. Submit it when it is complete.")):
            return redirect("blocs:registration-edit", pk=bloc_year.pk, unit_pk=unit.pk)
    return render(request, "blocs/registration_form.html",
                  {"bloc_year": bloc_year, "unit": unit, "registration": registration, "form": form})


@login_required
@require_POST
def registration_submit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    bloc_year, unit = _registration_target(request, pk, unit_pk)
    registration = Registration.objects.filter(bloc_year=bloc_year, unit=unit).first()
    if registration is None:
        messages.error(request, _("Save the registration before submitting it."))
    else:
        done = run_service(request, lambda: registration_services.registration_submit(
            actor=request.user, registration=registration))
        if done:
            if done.value.is_late:
                messages.warning(request, _("Registration submitted after the deadline; it is accepted and "
                                            "marked late."))
            else:
                messages.success(request, _("Registration submitted."))
    return redirect("blocs:registration-edit", pk=bloc_year.pk, unit_pk=unit.pk)
