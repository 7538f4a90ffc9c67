"""Units and memberships from Excel: upload, preview with row-by-row errors, confirm (issue 2, item 9).

The checked rows wait in the session between the preview and the confirmation; the service checks them
again before writing, since the registry may have changed in between.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blocs import excel, rules
from blocs import permissions as perms
from blocs.models import BlocYear
from blocs.services.imports import ImportResult, members_import_apply
from emulation.kernel.forms import XlsxUploadForm
from emulation.kernel.view_helpers import run_service

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _managed_year(request: HttpRequest, pk: int) -> BlocYear:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(perms.can_manage_bloc_year(perms.roles_of(request.user), bloc_year))
    return bloc_year


def _session_key(bloc_year: BlocYear) -> str:
    return f"blocs.member_import.{bloc_year.pk}"


def _xlsx_response(data: bytes, filename: str) -> FileResponse:
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _preview(request: HttpRequest, form: XlsxUploadForm, bloc_year: BlocYear) -> excel.ParsedSheet | None:
    """Parse the upload; keep the rows for the confirmation only when every row is good."""
    request.session.pop(_session_key(bloc_year), None)
    try:
        sheet = excel.parse_members_xlsx(form.cleaned_data["file"], bloc_year=bloc_year)
    except ValidationError as error:
        form.add_error("file", error)
        return None
    if sheet.is_valid:
        request.session[_session_key(bloc_year)] = excel.rows_to_session(sheet.rows)
    return sheet


@login_required
def member_import(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _managed_year(request, pk)
    form = XlsxUploadForm(request.POST or None, request.FILES or None)
    sheet = _preview(request, form, bloc_year) if request.method == "POST" and form.is_valid() else None
    return render(request, "blocs/member_import.html", {
        "bloc_year": bloc_year, "form": form, "sheet": sheet, "max_rows": excel.MAX_ROWS,
        "columns": excel.COLUMNS.values(),
        "membership_open": bloc_year.status in rules.MEMBERSHIP_OPEN_STATUSES,
    })


@login_required
@require_POST
def member_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _managed_year(request, pk)
    rows = excel.rows_from_session(request.session.pop(_session_key(bloc_year), None) or [])
    if not rows:
        messages.error(request, _("There is nothing to import: upload the file and check the preview first."))
        return redirect("blocs:member-import", pk=bloc_year.pk)
    def done_text(result: ImportResult) -> str:
        return (_("Import done: %(units)s new units, %(members)s units added to the year.")
                % {"units": result.units_created, "members": result.members_added})

    done = run_service(request, lambda: members_import_apply(actor=request.user, bloc_year=bloc_year, rows=rows),
                       success=done_text)
    return redirect(bloc_year) if done else redirect("blocs:member-import", pk=bloc_year.pk)


@login_required
@require_GET
def member_import_template(request: HttpRequest, pk: int) -> FileResponse:
    _managed_year(request, pk)
    return _xlsx_response(excel.members_template_xlsx(), "mau-nhap-don-vi.xlsx")


def _may_export(roles: perms.Roles, bloc_year: BlocYear) -> bool:
    """The secretariat, the year's chair and the province board may take the member list away."""
    return (perms.can_manage_bloc_year(roles, bloc_year) or perms.can_chair(roles, bloc_year)
            or bloc_year.bloc.province_id in roles.board_provinces)


@login_required
@require_GET
def member_export(request: HttpRequest, pk: int) -> FileResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(_may_export(perms.roles_of(request.user), bloc_year))
    filename = f"thanh-vien-{bloc_year.bloc.code}-{bloc_year.year}.xlsx"
    return _xlsx_response(excel.members_export_xlsx(bloc_year), filename)
