"""The bloc-year archive: download one year as JSON, upload an archive to recreate it (blocs/archive.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from blocs import archive
from blocs import permissions as perms
from blocs.forms import ArchiveUploadForm
from emulation.kernel.archive import archive_loads
from emulation.kernel.view_helpers import run_service


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


@login_required
def archive_import(request: HttpRequest) -> HttpResponse:
    roles = perms.roles_of(request.user)
    perms.require(perms.can_import_archive(roles))
    form = ArchiveUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # The province board imports years of its own province only; the administrator any.
        done = run_service(request, lambda: archive.archive_import(
            actor=request.user, data=archive_loads(form.cleaned_data["file"].read()),
            provinces=None if roles.is_admin else roles.board_provinces),
            form=form, success=lambda bloc_year: _("Year %(year)s of %(bloc)s imported.")
            % {"year": bloc_year.year, "bloc": bloc_year.bloc.name})
        if done:
            return redirect(done.value)
    return render(request, "blocs/archive_import.html", {"form": form})
