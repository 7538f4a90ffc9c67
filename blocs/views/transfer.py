"""The bloc-year archive: download one year as JSON, upload an archive to recreate it (blocs/archive.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from blocs import archive
from blocs import permissions as perms
from blocs.forms import ArchiveUploadForm
from blocs.models import BlocYear
from blocs.views.common import attach_errors


@login_required
def archive_export(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(perms.can_manage_bloc_year(perms.roles_of(request.user), bloc_year))
    refusals = archive.export_refusals(bloc_year)
    if refusals:
        for reason in refusals:
            messages.error(request, reason)
        return redirect(bloc_year)
    response = HttpResponse(archive.archive_dumps(bloc_year), content_type="application/json; charset=utf-8")
    filename = f"{bloc_year.bloc.code}-{bloc_year.year}.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _check_province(roles: perms.Roles, bloc_year: BlocYear) -> None:
    """The province board imports years of its own province only; the administrator any."""
    province = bloc_year.bloc.province
    if not roles.is_admin and province.pk not in roles.board_provinces:
        message = _("You may import archives of your own province only (this one is for “%(name)s”).")
        raise ValidationError(message % {"name": province.name})


def _import(request: HttpRequest, roles: perms.Roles, raw: bytes) -> BlocYear:
    """Read and import; refused afterwards (and so undone) when the year is outside the user's province."""
    data = archive.archive_loads(raw)
    with transaction.atomic():
        bloc_year = archive.archive_import(actor=request.user, data=data)
        _check_province(roles, bloc_year)
    return bloc_year


@login_required
def archive_import(request: HttpRequest) -> HttpResponse:
    roles = perms.roles_of(request.user)
    perms.require(perms.can_import_archive(roles))
    form = ArchiveUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            bloc_year = _import(request, roles, form.cleaned_data["file"].read())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Year %(year)s of %(bloc)s imported.")
                             % {"year": bloc_year.year, "bloc": bloc_year.bloc.name})
            return redirect(bloc_year)
    return render(request, "blocs/archive_import.html", {"form": form})
