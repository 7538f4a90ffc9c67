"""The province board's screens (issue 4, items 5 and 6): every bloc's proposals for a year with the
Government-flag cap, its Excel export, and the unit-history import for the years before the product.

The board reads its own provinces; the admin reads any. Nobody else has anything here (403: no object
is named, so nothing is revealed).
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from awards import history_excel, selectors
from awards.results import percent_of
from blocs import permissions as perms
from blocs.models import BlocYear, Province
from blocs.permissions import can_read_province
from emulation.kernel.forms import XlsxUploadForm
from emulation.kernel.numbers import format_number

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _province_and_year(request: HttpRequest) -> tuple[Province | None, int, list[Province], list[int]]:
    """?province= (default: the first the user reads) and ?year= (default: the latest year with blocs)."""
    roles = perms.roles_of(request.user)
    perms.require(can_read_province(roles))
    provinces = list(Province.objects.order_by("name") if roles.is_admin
                     else Province.objects.filter(pk__in=roles.board_provinces).order_by("name"))
    wanted = request.GET.get("province", "")
    if wanted:
        province = next((p for p in provinces if str(p.pk) == wanted), None)
        if province is None:
            raise Http404
    else:
        province = provinces[0] if provinces else None
    years = list(BlocYear.objects.filter(bloc__province=province).order_by("-year")
                 .values_list("year", flat=True).distinct()) if province else []
    asked = request.GET.get("year", "")
    year = int(asked) if asked.isdigit() and 1945 <= int(asked) <= 2200 else (years[0] if years else 0)
    return province, year, provinces, years


def _overview(province: Province | None, year: int) -> dict[str, Any]:
    if province is None or not year:
        return {"rows": [], "gov_flag": 0, "cap": 0, "rate": 0, "over_cap": False, "gov_flag_draft": 0,
                "leaders": 0, "cap_exact": 0}
    overview = selectors.province_overview(province.pk, year)
    for _bloc_year, _dossier, nominations in overview["rows"]:
        for nomination in nominations:
            nomination.percent_text = percent_of(nomination.share_numerator, nomination.share_denominator)
    return overview


@login_required
def province_view(request: HttpRequest) -> HttpResponse:
    province, year, provinces, years = _province_and_year(request)
    overview = _overview(province, year)
    return render(request, "awards/province_view.html", {
        **overview, "province": province, "year": year, "provinces": provinces, "years": years,
        "rate_percent": overview["rate"] * 100 if overview["rate"] else 0,
        "cap_exact_text": format_number(Decimal(overview["cap_exact"]).normalize())})


@login_required
def province_export(request: HttpRequest) -> HttpResponse:
    province, year, _provinces, _years = _province_and_year(request)
    if province is None or not year:
        raise Http404
    data = history_excel.province_xlsx(province=province.name, year=year, overview=_overview(province, year))
    return FileResponse(io.BytesIO(data), as_attachment=True, content_type=XLSX_TYPE,
                        filename=f"de-nghi-khen-thuong-{year}.xlsx")


@login_required
def history_import(request: HttpRequest) -> HttpResponse:
    """Upload, check every row, save all or nothing; the errors are listed row by row."""
    perms.require(can_read_province(perms.roles_of(request.user)))
    form = XlsxUploadForm(request.POST or None, request.FILES or None)
    sheet = None
    if request.method == "POST" and form.is_valid():
        try:
            sheet = history_excel.history_import(actor=request.user, fileobj=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if sheet.is_valid:
                messages.success(request, _("%(n)s history entries imported.") % {"n": len(sheet.rows)})
                return redirect("awards:history-import")
    return render(request, "awards/history_import.html", {
        "form": form, "sheet": sheet, "columns": history_excel.COLUMNS.values(),
        "ratings": history_excel.RATING_LABELS.values(), "max_rows": history_excel.MAX_ROWS})
