"""Units, blocs and the award catalogue."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from blocs import permissions as perms
from blocs import rules
from blocs.forms import AwardForm, BlocForm, UnitForm
from blocs.models import Award, BlocYear, Membership, Province, Unit, UnitChange
from blocs.services.units import award_save, bloc_save, unit_save
from blocs.views.home import years_with_progress
from emulation.kernel.view_helpers import paginate, run_service

# --- Units -------------------------------------------------------------------------------------------------


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    units = perms.visible_units(request.user).select_related("province").order_by("name")
    query = request.GET.get("q", "").strip()
    if query:  # in Python: accents and case ignored alike on SQLite and PostgreSQL; a province's units are few
        units = [unit for unit in units if rules.search_matches(query, unit.name, unit.short_code)]
    roles = perms.roles_of(request.user)
    provinces = Province.objects.filter(merged_into__isnull=True)
    if not roles.is_admin:
        provinces = provinces.filter(pk__in=roles.board_provinces)
    return render(request, "blocs/unit_list.html", {"page": paginate(request, units), "query": query,
                                                    "merge_provinces": provinces})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = perms.get_unit(request.user, pk)
    memberships = (Membership.objects.filter(unit=unit).select_related("bloc_year__bloc").order_by("-year"))
    visible = set(perms.visible_blocs(request.user).values_list("pk", flat=True))
    seen = perms.visible_units(request.user)
    context = {
        "unit": unit,
        "memberships": [m for m in memberships if m.bloc_year.bloc_id in visible],
        "can_edit": _can_edit_unit(request, unit),
        "can_split": unit.is_active and perms.reorganizable_units(request.user).filter(pk=unit.pk).exists(),
        "renamed_to": unit.renamed_to.all(),
        "merged_units": unit.merged_units.all(),
        "changes": _unit_changes(unit, seen),
    }
    return render(request, "blocs/unit_detail.html", context)


def _unit_changes(unit: Unit, seen) -> list[dict]:  # noqa: ANN001 - seen: the units the person may open
    """The mergers and splits the unit came from or ended in, each with the other side's units and years."""
    changes = (UnitChange.objects.filter(Q(predecessors=unit) | Q(successors=unit))
               .exclude(kind=UnitChange.Kind.PROVINCE_MERGE).distinct()
               .prefetch_related("predecessors", "successors").select_related("carrier"))
    visible = set(seen.filter(Q(changes_ending__in=changes) | Q(changes_starting__in=changes))
                  .values_list("pk", flat=True))
    years = defaultdict(list)
    for unit_id, year in Membership.objects.filter(unit__in=visible).order_by("year").values_list("unit", "year"):
        years[unit_id].append(year)
    rows = []
    for change in changes:
        before = [u for u in change.predecessors.all() if u != unit]
        after = [u for u in change.successors.all() if u != unit]
        rows.append({"change": change, "others": [
            {"unit": u, "visible": u.pk in visible, "years": years.get(u.pk, []),
             "is_predecessor": u in before} for u in before + after]})
    return rows


def _can_edit_unit(request: HttpRequest, unit) -> bool:  # noqa: ANN001
    blocs = frozenset(Membership.objects.filter(unit=unit).values_list("bloc_year__bloc_id", flat=True))
    return perms.can_edit_unit(perms.roles_of(request.user), unit, blocs)


def _unit_form(request: HttpRequest, unit=None) -> UnitForm:  # noqa: ANN001
    form = UnitForm(request.POST or None, instance=unit, units=perms.visible_units(request.user))
    roles = perms.roles_of(request.user)
    if not roles.is_admin and roles.board_provinces:
        form.fields["province"].queryset = Province.objects.filter(pk__in=roles.board_provinces)
    return form


def _save_unit(request: HttpRequest, form: UnitForm, unit=None) -> HttpResponse | None:  # noqa: ANN001
    if request.method != "POST" or not form.is_valid():
        return None
    done = run_service(request, lambda: unit_save(actor=request.user, unit=unit, data=form.cleaned_data),
                       form=form, success=lambda saved: _("Unit “%(name)s” saved.") % {"name": saved.name})
    return redirect(done.value) if done else None


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    perms.require(perms.can_create_unit(perms.roles_of(request.user)))
    form = _unit_form(request)
    return _save_unit(request, form) or render(request, "blocs/form_page.html",
                                               {"form": form, "title": _("New unit")})


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = perms.get_unit(request.user, pk)
    perms.require(_can_edit_unit(request, unit))
    form = _unit_form(request, unit)
    return _save_unit(request, form, unit) or render(
        request, "blocs/form_page.html", {"form": form, "title": _("Edit unit"), "back": unit})


# --- Blocs -------------------------------------------------------------------------------------------------


@login_required
def bloc_list(request: HttpRequest) -> HttpResponse:
    blocs = (perms.visible_blocs(request.user).select_related("province")
             .annotate(n_years=Count("years")).order_by("province__name", "name"))
    return render(request, "blocs/bloc_list.html", {"blocs": blocs})


@login_required
def bloc_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bloc = perms.get_bloc(request.user, pk)
    years = years_with_progress(BlocYear.objects.filter(bloc=bloc)).order_by("-year")
    heads = {m.bloc_year_id: m.unit for m in Membership.objects.filter(
        bloc_year__bloc=bloc, position=Membership.Position.HEAD).select_related("unit")}
    rows = [(year, heads.get(year.pk)) for year in years]
    return render(request, "blocs/bloc_detail.html", {"bloc": bloc, "rows": rows})


def _bloc_form_page(request: HttpRequest, bloc=None) -> HttpResponse:  # noqa: ANN001
    form = BlocForm(request.POST or None, instance=bloc)
    roles = perms.roles_of(request.user)
    if not roles.is_admin:
        form.fields["province"].queryset = Province.objects.filter(pk__in=roles.board_provinces | (
            {bloc.province_id} if bloc else set()))
    if request.method == "POST" and form.is_valid():
        done = run_service(request, lambda: bloc_save(actor=request.user, bloc=bloc, data=form.cleaned_data),
                           form=form, success=lambda saved: _("Bloc “%(name)s” saved.") % {"name": saved.name})
        if done:
            return redirect(done.value)
    title = _("Edit bloc") if bloc else _("New bloc")
    return render(request, "blocs/form_page.html", {"form": form, "title": title, "back": bloc})


@login_required
def bloc_create(request: HttpRequest) -> HttpResponse:
    perms.require(perms.can_create_bloc(perms.roles_of(request.user)))
    return _bloc_form_page(request)


@login_required
def bloc_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bloc = perms.get_bloc(request.user, pk)
    perms.require(perms.can_manage_bloc(perms.roles_of(request.user), bloc))
    return _bloc_form_page(request, bloc)


# --- Award catalogue ---------------------------------------------------------------------------------------


@login_required
def award_list(request: HttpRequest) -> HttpResponse:
    perms.require(perms.roles_of(request.user).is_anyone)
    awards = Award.objects.all()
    return render(request, "blocs/award_list.html", {"awards": awards})


def _award_form_page(request: HttpRequest, award=None) -> HttpResponse:  # noqa: ANN001
    perms.require(perms.can_manage_catalogue(perms.roles_of(request.user)))
    form = AwardForm(request.POST or None, instance=award)
    if request.method == "POST" and form.is_valid():
        if run_service(request, lambda: award_save(actor=request.user, award=award, data=form.cleaned_data),
                       form=form, success=lambda saved: _("Award “%(name)s” saved.") % {"name": saved.name}):
            return redirect("blocs:award-list")
    title = _("Edit award") if award else _("New award")
    return render(request, "blocs/form_page.html", {"form": form, "title": title})


@login_required
def award_create(request: HttpRequest) -> HttpResponse:
    return _award_form_page(request)


@login_required
def award_edit(request: HttpRequest, pk: int) -> HttpResponse:
    perms.require(perms.roles_of(request.user).is_anyone)
    return _award_form_page(request, get_object_or_404(Award, pk=pk))
