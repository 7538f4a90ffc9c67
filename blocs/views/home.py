from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from blocs import rules
from blocs.deadlines import notices_for
from blocs.models import BlocYear, Covenant, Membership, Registration, Scorecard, ScoringItem, ScoringTable, Unit
from blocs.permissions import roles_of


def _count(model: type, **filters: object) -> Coalesce:
    """A per-year count as its own subquery: joining every child table at once would multiply rows."""
    counted = (model.objects.filter(bloc_year=OuterRef("pk"), **filters).order_by().values("bloc_year")
               .annotate(n=Count("pk")).values("n")[:1])
    return Coalesce(Subquery(counted), 0)


def years_with_progress(queryset):  # noqa: ANN001, ANN201 - a QuerySet in, the same annotated out
    """Annotate bloc years with the counts the checklist needs, in the same single query."""
    return queryset.select_related("bloc").annotate(
        n_members=_count(Membership),
        n_registered=_count(Registration, submitted_at__isnull=False),
        n_late=_count(Registration, is_late=True),
        has_head=Exists(Membership.objects.filter(bloc_year=OuterRef("pk"), position=Membership.Position.HEAD)),
        covenant_signed=Exists(Covenant.objects.filter(bloc_year=OuterRef("pk"), signed_on__isnull=False)),
        n_scoring_items=Coalesce(Subquery(ScoringItem.objects.filter(table__bloc_year=OuterRef("pk")).order_by()
                                          .values("table").annotate(n=Count("pk")).values("n")[:1]), 0),
        n_self_scored=_count(Scorecard, submitted_at__isnull=False),
        n_verified=_count(Scorecard, verified_at__isnull=False),
        scores_published=Exists(ScoringTable.objects.filter(bloc_year=OuterRef("pk"), published_at__isnull=False)),
    )


def progress_of(bloc_year: BlocYear) -> rules.YearProgress:
    return rules.YearProgress(
        members=bloc_year.n_members, registered=bloc_year.n_registered, late=bloc_year.n_late,
        has_head=bloc_year.has_head, covenant_signed=bloc_year.covenant_signed,
        scoring_items=bloc_year.n_scoring_items, self_scored=bloc_year.n_self_scored, verified=bloc_year.n_verified,
        scores_published=bloc_year.scores_published,
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    followed = BlocYear.objects.all() if roles.is_admin else BlocYear.objects.filter(
        Q(bloc__in=roles.secretariat_blocs) | Q(pk__in=roles.chair_years)
        | Q(bloc__province__in=roles.board_provinces))
    managed = years_with_progress(followed.exclude(status=BlocYear.Status.CLOSED)).order_by("bloc__name", "-year")
    years = [(year, progress_of(year), rules.checklist(progress_of(year), year.status)) for year in managed]
    unit_tasks = []
    if roles.rep_units:
        memberships = (Membership.objects.filter(unit__in=roles.rep_units)
                       .exclude(bloc_year__status=BlocYear.Status.CLOSED)
                       .select_related("unit", "bloc_year__bloc").order_by("-year"))
        registrations = {
            (r.bloc_year_id, r.unit_id): r
            for r in Registration.objects.filter(unit__in=roles.rep_units, bloc_year__in=[m.bloc_year_id
                                                                                         for m in memberships])
        }
        unit_tasks = [(m, registrations.get((m.bloc_year_id, m.unit_id))) for m in memberships]
    context = {
        "roles": roles,
        "years": years,
        "unit_tasks": unit_tasks,
        "my_units": Unit.objects.filter(pk__in=roles.rep_units),
        # The reminders' events, on the page too (whether or not the person receives them by email).
        "notices": notices_for(request.user, today=timezone.localdate(), days_before=settings.REMINDER_DAYS_BEFORE),
    }
    return render(request, "blocs/home.html", context)
