"""Mergers and splits of units, mergers of provinces (domain.md §7a): a form, then a confirmation page that
lists what will change (units, seats of the running years, roles), then the step (blocs/services/reorganization)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from blocs import permissions as perms
from blocs import reorganization
from blocs.forms_reorganization import ProvinceMergeForm, UnitMergeForm, UnitSplitForm
from blocs.models import Province
from blocs.services.reorganization import province_merge, unit_split, units_merge
from emulation.kernel.view_helpers import run_service

TEMPLATE = "blocs/reorganization_form.html"


def _step(request: HttpRequest, form: forms.Form, plan: Callable[[], reorganization.Plan],
          apply: Callable[[], Any], context: dict[str, Any]) -> HttpResponse:
    """Bind, show the plan to confirm (or its refusals on the form), apply on confirmation."""
    shown = None
    if request.method == "POST" and "edit" not in request.POST and form.is_valid():
        shown = plan()
        for problem in shown.problems:
            form.add_error(None, problem)
        if not shown.problems and "confirm" in request.POST:
            done = run_service(request, apply, form=form, success=_("The change was recorded."))
            if done:
                return redirect(done.value)
    confirm = shown is not None and not shown.problems and not form.errors
    return render(request, TEMPLATE, {**context, "form": form, "plan": shown if confirm else None})


@login_required
def unit_merge(request: HttpRequest) -> HttpResponse:
    perms.require(perms.can_reorganize_units(perms.roles_of(request.user)))
    units = perms.reorganizable_units(request.user)
    form = UnitMergeForm(request.POST or None, units=units.order_by(
        Case(When(is_active=True, then=Value(0)), default=Value(1), output_field=IntegerField()), "name"))
    form.fields["predecessors"].queryset = units.filter(is_active=True).order_by("name")
    today = timezone.localdate()

    def plan() -> reorganization.Plan:
        data = form.cleaned_data
        return reorganization.merge_plan(predecessors=list(data["predecessors"]), successor=data["successor"],
                                         new_name=data["new_name"], effective_on=data["effective_on"], today=today)

    def apply() -> Any:  # noqa: ANN401 - the successor
        data = form.cleaned_data
        change = units_merge(actor=request.user, predecessors=list(data["predecessors"]),
                             successor=data["successor"], new_unit=form.new_unit,
                             effective_on=data["effective_on"], reason=data["reason"])
        return change.successors.get()

    return _step(request, form, plan, apply, {"title": _("Merge units"), "back_url": "blocs:unit-list",
                                              "intro": _("Two or more units become one, from the effective date.")})


@login_required
def unit_split_view(request: HttpRequest, pk: int) -> HttpResponse:
    unit = perms.get_unit(request.user, pk)
    perms.require(perms.reorganizable_units(request.user).filter(pk=unit.pk).exists())
    form = UnitSplitForm(request.POST or None)
    today = timezone.localdate()

    def plan() -> reorganization.Plan:
        data = form.cleaned_data
        names = [u["name"] for u in data["new_units"]]
        carrier = data["carrier_index"]
        return reorganization.split_plan(unit=unit, names=names, carrier_name=names[carrier] if carrier is not None
                                         else "", effective_on=data["effective_on"], today=today)

    def apply() -> Any:  # noqa: ANN401 - the old unit, whose page links to its successors
        data = form.cleaned_data
        unit_split(actor=request.user, unit=unit, new_units=data["new_units"], carrier=data["carrier_index"],
                   effective_on=data["effective_on"], reason=data["reason"])
        return unit

    return _step(request, form, plan, apply, {
        "title": _("Split %(unit)s") % {"unit": unit.name}, "back": unit,
        "intro": _("The unit ends and two or more new units take its place, from the effective date.")})


@login_required
def province_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    source = perms.get_province(request.user, pk)
    roles = perms.roles_of(request.user)
    perms.require(perms.can_merge_province(roles, source))
    targets = Province.objects.all() if roles.is_admin else Province.objects.filter(pk__in=roles.board_provinces)
    form = ProvinceMergeForm(request.POST or None, provinces=targets)
    today = timezone.localdate()

    def plan() -> reorganization.Plan:
        data = form.cleaned_data
        return reorganization.province_merge_plan(source=source, target=data["target"],
                                                  effective_on=data["effective_on"], today=today)

    def apply() -> Any:  # noqa: ANN401 - where to go next
        data = form.cleaned_data
        province_merge(actor=request.user, source=source, target=data["target"],
                       effective_on=data["effective_on"], reason=data["reason"])
        return "blocs:unit-list"

    return _step(request, form, plan, apply, {
        "title": _("Merge %(province)s into another province") % {"province": source.name},
        "back_url": "blocs:unit-list",
        "intro": _("Its units and blocs move to the other province from the effective date; past years keep "
                   "%(province)s.") % {"province": source.name}})
