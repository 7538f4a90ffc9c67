"""A bloc year: set-up, members, leadership, moving forward, opening the next year, the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blocs import permissions as perms
from blocs import rules, selectors
from blocs.forms import BlocYearEditForm, BlocYearForm, LeadershipForm, MemberAddForm
from blocs.models import AuditEntry, BlocYear, Membership, Registration, ScoringTable, Unit
from blocs.services.bloc_years import (
    DOCUMENT_FIELDS,
    bloc_year_advance,
    bloc_year_create,
    bloc_year_open_next,
    bloc_year_update,
)
from blocs.services.membership import leadership_set, membership_add, membership_remove
from blocs.views.home import progress_of, years_with_progress
from emulation.kernel.view_helpers import paginate, run_service


def _managed_year(request: HttpRequest, pk: int) -> BlocYear:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(perms.can_manage_bloc_year(perms.roles_of(request.user), bloc_year))
    return bloc_year


@login_required
def year_create(request: HttpRequest, bloc_pk: int) -> HttpResponse:
    bloc = perms.get_bloc(request.user, bloc_pk)
    perms.require(perms.can_manage_bloc(perms.roles_of(request.user), bloc))
    latest = bloc.years.order_by("-year").first()
    form = BlocYearForm(request.POST or None, initial={"year": latest.year + 1 if latest else None,
                                                      "place_name": latest.place_name if latest else ""})
    if request.method == "POST" and form.is_valid():
        done = run_service(request, lambda: bloc_year_create(actor=request.user, bloc=bloc,
                                                             **form.cleaned_data), form=form,
                           success=lambda year: _("Year %(year)s created. Add its member units next.")
                           % {"year": year.year})
        if done:
            return redirect(done.value)
    return render(request, "blocs/form_page.html", {"form": form, "title": _("New bloc year"), "back": bloc})


@login_required
def year_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = get_object_or_404(years_with_progress(BlocYear.objects.all()), pk=perms.get_bloc_year(
        request.user, pk).pk)
    memberships = bloc_year.memberships.select_related("unit").order_by("unit__name")
    registrations = {r.unit_id: r for r in bloc_year.registrations.all()}
    progress = progress_of(bloc_year)
    context = {
        "bloc_year": bloc_year,
        "rows": [(m, registrations.get(m.unit_id)) for m in memberships],
        "progress": progress,
        "checklist": rules.checklist(progress, bloc_year.status),
        "next_status": rules.next_status(bloc_year.status),
        "next_status_label": BlocYear.Status(rules.next_status(bloc_year.status)).label
        if rules.next_status(bloc_year.status) else "",
        "membership_open": bloc_year.status in rules.MEMBERSHIP_OPEN_STATUSES,
        "next_year": BlocYear.objects.filter(bloc=bloc_year.bloc_id, year=bloc_year.year + 1).first(),
        "advance_warnings": (selectors.advance_warnings(bloc_year)
                             if perms.can_manage_bloc_year(perms.roles_of(request.user), bloc_year) else []),
        "documents": selectors.document_settings(bloc_year),
        "my_memberships": [m for m in memberships if m.unit_id in perms.roles_of(request.user).rep_units],
        "scores_visible": perms.can_view_scores(perms.roles_of(request.user), bloc_year, is_published=ScoringTable
                                                .objects.filter(bloc_year=bloc_year, published_at__isnull=False)
                                                .exists()),
    }
    return render(request, "blocs/year_detail.html", context)


@login_required
def year_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _managed_year(request, pk)
    bloc = bloc_year.bloc
    form = BlocYearEditForm(request.POST or None, year=bloc_year.year, initial={
        "registration_deadline": bloc_year.registration_deadline, "place_name": bloc_year.place_name,
        **{name: getattr(bloc, name) for name in DOCUMENT_FIELDS}})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(request, lambda: bloc_year_update(
                actor=request.user, bloc_year=bloc_year, registration_deadline=data["registration_deadline"],
                place_name=data["place_name"], documents={name: data[name] for name in DOCUMENT_FIELDS}),
                form=form, success=_("Saved.")):
            return redirect(bloc_year)
    return render(request, "blocs/form_page.html", {"form": form, "title": _("Edit bloc year"), "back": bloc_year})


@login_required
@require_POST
def year_advance(request: HttpRequest, pk: int) -> HttpResponse:
    """One step forward; what is still missing is listed on the year page, and the step goes on only with
    the reason written beside it (recorded in the audit trail)."""
    bloc_year = _managed_year(request, pk)
    reason = " ".join(request.POST.get("reason", "").split())[:500]
    warnings = selectors.advance_warnings(bloc_year) if request.POST.get("status") == bloc_year.status else []
    if warnings and not reason:
        for text in warnings:
            messages.warning(request, text)
        messages.error(request, _("To move on anyway, write the reason in the box beside the button; it is "
                                  "recorded."))
        return redirect(bloc_year)
    run_service(request, lambda: bloc_year_advance(actor=request.user, bloc_year=bloc_year,
                                                   expected_status=request.POST.get("status"),
                                                   reason=reason if warnings else ""),
                success=lambda year: _("The year is now at: %(status)s.") % {"status": year.get_status_display()})
    return redirect(bloc_year)


@login_required
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _managed_year(request, pk)
    taken = Membership.objects.filter(year=bloc_year.year).values("unit")
    candidates = (perms.visible_units(request.user).filter(is_active=True, province=bloc_year.bloc.province_id)
                  .exclude(pk__in=taken).order_by("name"))
    query = request.GET.get("q", "").strip()
    if query:  # accents and case ignored alike on SQLite and PostgreSQL (rules.search_matches)
        rows = candidates.values_list("pk", "name", "short_code")
        found = [pk for pk, name, code in rows if rules.search_matches(query, name, code)]
        candidates = candidates.filter(pk__in=found)
    form = MemberAddForm(request.POST or None, units=candidates)
    if request.method == "POST" and form.is_valid():
        units = list(form.cleaned_data["units"])
        if run_service(request, lambda: membership_add(actor=request.user, bloc_year=bloc_year, units=units),
                       form=form, success=_("%(n)s units added.") % {"n": len(units)}):
            return redirect(bloc_year)
    return render(request, "blocs/member_add.html", {"form": form, "bloc_year": bloc_year, "query": query})


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    bloc_year = _managed_year(request, pk)
    membership = get_object_or_404(Membership.objects.select_related("unit", "bloc_year"), pk=membership_pk,
                                   bloc_year=bloc_year)
    run_service(request, lambda: membership_remove(actor=request.user, membership=membership),
                success=lambda _none: _("%(unit)s removed from the bloc year.") % {"unit": membership.unit.name})
    return redirect(bloc_year)


def _member_units(bloc_year: BlocYear):  # noqa: ANN202
    return Unit.objects.filter(memberships__bloc_year=bloc_year).order_by("name")


def _leadership_initial(bloc_year: BlocYear) -> dict[str, object]:
    rows = list(bloc_year.memberships.exclude(position=Membership.Position.MEMBER))
    return {"head": next((m.unit_id for m in rows if m.position == Membership.Position.HEAD), None),
            "deputies": [m.unit_id for m in rows if m.position == Membership.Position.DEPUTY]}


@login_required
def year_leadership(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _managed_year(request, pk)
    form = LeadershipForm(request.POST or None, units=_member_units(bloc_year), initial=_leadership_initial(bloc_year))
    if request.method == "POST" and form.is_valid():
        if run_service(request, lambda: leadership_set(
                actor=request.user, bloc_year=bloc_year, head=form.cleaned_data["head"],
                deputies=list(form.cleaned_data["deputies"])), form=form, success=_("Head and deputies saved.")):
            return redirect(bloc_year)
    return render(request, "blocs/form_page.html",
                  {"form": form, "title": _("Head and deputy units"), "back": bloc_year})


@login_required
def year_open_next(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _managed_year(request, pk)
    form = LeadershipForm(request.POST or None, units=_member_units(bloc_year))
    form.fields["head"].label = _("Head unit of %(year)s") % {"year": bloc_year.year + 1}
    form.fields["deputies"].label = _("Deputy units of %(year)s (at most 2)") % {"year": bloc_year.year + 1}
    if request.method == "POST" and form.is_valid():
        done = run_service(request, lambda: bloc_year_open_next(
            actor=request.user, bloc_year=bloc_year, head=form.cleaned_data["head"],
            deputies=list(form.cleaned_data["deputies"])), form=form,
            success=lambda year: _("Year %(year)s opened with the same members.") % {"year": year.year})
        if done:
            return redirect(done.value)
    title = _("Open year %(year)s") % {"year": bloc_year.year + 1}
    return render(request, "blocs/form_page.html", {"form": form, "title": title, "back": bloc_year,
                                                    "intro": _("The members, deadline and covenant contents are "
                                                               "copied forward; choose next year's head and "
                                                               "deputies.")})


@login_required
def year_audit(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = _managed_year(request, pk)
    entries = AuditEntry.objects.filter(bloc_year=bloc_year).select_related("actor")
    return render(request, "blocs/year_audit.html", {"bloc_year": bloc_year, "page": paginate(request, entries)})


def registration_rows(bloc_year: BlocYear) -> list[tuple[Membership, Registration | None]]:
    registrations = {r.unit_id: r for r in bloc_year.registrations.prefetch_related("awards")}
    return [(m, registrations.get(m.unit_id)) for m in bloc_year.memberships.select_related("unit")]
