"""The dashboards (issue 14, items 1–3): the province board's year at a glance, a bloc year's progress for
its secretariat and chair, and a unit's history across years. Read only; sorting and filtering are plain
links (GET parameters), so every page works without script."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from awards import dashboards
from awards.charts import Bar, bar_chart, line_chart
from awards.permissions import can_see_year_dashboard
from awards.views.province import _province_and_year
from blocs import permissions as perms
from blocs.models import Bloc, BlocYear

SORTS = {
    "name": lambda row: row.bloc_year.bloc.name,
    "phase": lambda row: row.phase_index,
    "registered": lambda row: row.registered / row.members if row.members else 0,
    "scored": lambda row: row.scored / row.members if row.members else 0,
    "verified": lambda row: row.verified / row.members if row.members else 0,
    "meeting": lambda row: (row.meeting_on is None, row.meeting_on),
    "late": lambda row: row.days_late,
}


@login_required
def province_dashboard(request: HttpRequest) -> HttpResponse:
    province, year, provinces, years = _province_and_year(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Bloc.Kind.values else ""
    sort = request.GET.get("sort", "name")
    descending = sort.startswith("-")
    key = sort.lstrip("-") if sort.lstrip("-") in SORTS else "name"
    data: dict[str, Any] = {"rows": [], "awards": [], "span": [], "by_bloc": [], "by_kind": [], "per_year": []}
    if province is not None and year:
        data = dashboards.province_dashboard(province.pk, year, today=timezone.localdate(), kind=kind)
        data["rows"].sort(key=SORTS[key], reverse=descending)
    chart = bar_chart(
        chart_id="proposals-per-year", title=_("Proposals per year"),
        description=_("Number of units the blocs proposed for an award, in each of the last years."),
        bars=[Bar(str(y), n) for y, n in data["per_year"]], value_label=_("Proposals"),
        label_header=_("Year")) if data["per_year"] else None
    params = {"province": province.pk if province else "", "year": year}
    return render(request, "awards/province_dashboard.html", {
        **data, "province": province, "year": year, "provinces": provinces, "years": years, "kind": kind,
        "chart": chart, "columns": _columns(params, kind, key, descending),
        "filters": [(label, _query(params, kind=value, sort=sort), value == kind)
                    for value, label in [("", _("All")), *Bloc.Kind.choices]]})


COLUMNS = {"name": gettext_lazy("Bloc or cluster"), "phase": gettext_lazy("Phase"),
           "registered": gettext_lazy("Registered"), "scored": gettext_lazy("Self-scored"),
           "verified": gettext_lazy("Verified"), "meeting": gettext_lazy("Meeting"),
           "late": gettext_lazy("Overdue")}


def _query(params: dict[str, Any], **more: str) -> str:
    return "?" + urlencode({k: v for k, v in {**params, **more}.items() if v != ""})


def _columns(params: dict[str, Any], kind: str, key: str, descending: bool) -> list[dict[str, Any]]:
    """Each column's header: a link that sorts by it (again: the other way), and its aria-sort."""
    columns = []
    for name, label in COLUMNS.items():
        current = name == key
        flip = "" if current and descending else "-" if current else ""
        columns.append({"label": label, "url": _query(params, kind=kind, sort=f"{flip}{name}"),
                        "aria_sort": ("descending" if descending else "ascending") if current else "none"})
    return columns


@login_required
def year_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(can_see_year_dashboard(perms.roles_of(request.user), bloc_year))
    data = dashboards.bloc_year_dashboard(bloc_year)
    notes = {(True, False): _("disqualified"), (False, True): _("verified"), (False, False): _("not verified")}
    bars = [Bar(f"{rank or '—'}. {name}", total,
                style="open" if out else "solid" if verified else "hatch", note=str(notes[(out, verified)]))
            for name, total, rank, out, verified in data["scores"]]
    chart = bar_chart(
        chart_id="final-scores", title=_("Final scores, ranked"),
        description=_("Solid bars: verified; hatched: not verified yet; white: disqualified (not ranked)."),
        bars=bars, value_label=_("Final score"), top=data["max_total"], note_label=_("Verification"))
    return render(request, "awards/year_dashboard.html", {"bloc_year": bloc_year, **data, "chart": chart,
                                                          "has_scores": any(b.value is not None for b in bars),
                                                          "after_meeting": _after_meeting(bloc_year)})


def _after_meeting(bloc_year: BlocYear) -> bool:
    order = list(BlocYear.Status)
    return order.index(bloc_year.status) >= order.index(BlocYear.Status.MEETING)


@login_required
def unit_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    unit = perms.get_unit(request.user, pk)
    roles = perms.roles_of(request.user)
    visible = None if roles.is_admin else set(perms.visible_blocs(request.user).values_list("pk", flat=True))
    rows = dashboards.unit_timeline(unit, visible_blocs=visible)
    next_year = (rows[-1].year if rows else timezone.localdate().year) + 1
    notes = {row.year: "; ".join(row.awards + row.ratings) for row in rows}
    chart = line_chart(
        chart_id="unit-scores", title=_("Final score by year"),
        description=_("The unit's final score in its bloc each year; a dash where there was none."),
        points=[(row.year, row.score) for row in rows], value_label=_("Final score"),
        top=max([Decimal(100), *(row.score for row in rows if row.score is not None)]),
        notes=notes, note_label=_("Titles, awards and ratings")) if rows else None
    return render(request, "awards/unit_timeline.html", {
        "unit": unit, "rows": rows, "chart": chart, "next_year": next_year,
        "conditions": dashboards.conditions_next_year(unit, year=next_year)})
