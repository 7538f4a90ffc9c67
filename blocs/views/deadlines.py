"""The year's dates, a person's own page (reminders, calendar link) and the calendar feed (issue 14, item 5)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blocs import permissions as perms
from blocs.calendar import feed_ics
from blocs.deadlines import visible_years, year_dates
from blocs.forms import RemindersForm, YearDatesForm
from blocs.models import CalendarFeed
from blocs.services.reminders import (
    DATE_FIELDS,
    bloc_year_dates_update,
    calendar_feed_create,
    calendar_feed_revoke,
    reminders_set,
    token_hash,
)
from emulation.kernel.view_helpers import run_service

NEW_LINK = "calendar_link"  # the session key that carries a new link to the page, once


@login_required
def year_dates_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Everyone who sees the year reads its dates; the secretariat edits them here."""
    bloc_year = perms.get_bloc_year(request.user, pk)
    manager = perms.can_manage_bloc_year(perms.roles_of(request.user), bloc_year)
    form = None
    if manager or request.method == "POST":
        perms.require(manager)
        form = YearDatesForm(request.POST or None, initial={name: getattr(bloc_year, name) for name in DATE_FIELDS})
        if request.method == "POST" and form.is_valid():
            if run_service(request, lambda: bloc_year_dates_update(actor=request.user, bloc_year=bloc_year,
                                                                   dates=form.cleaned_data),
                           form=form, success=_("Saved.")):
                return redirect("blocs:year-dates", pk=bloc_year.pk)
    return render(request, "blocs/year_dates.html",
                  {"bloc_year": bloc_year, "dates": year_dates([bloc_year]), "form": form})


@login_required
def my_settings(request: HttpRequest) -> HttpResponse:
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(request, "blocs/my_settings.html", {
        "form": RemindersForm(initial={"wants_reminders": request.user.wants_reminders}),
        "feed": feed, "new_link": request.session.pop(NEW_LINK, None),
    })


@login_required
@require_POST
def my_reminders(request: HttpRequest) -> HttpResponse:
    form = RemindersForm(request.POST)
    if form.is_valid():
        wants = form.cleaned_data["wants_reminders"]
        run_service(request, lambda: reminders_set(user=request.user, wants_reminders=wants),
                    success=_("Email reminders are on.") if wants else _("Email reminders are off."))
    return redirect("blocs:my-settings")


@login_required
@require_POST
def calendar_link_create(request: HttpRequest) -> HttpResponse:
    token = calendar_feed_create(user=request.user)
    request.session[NEW_LINK] = settings.SITE_URL + reverse("blocs:calendar-feed", args=[token])
    messages.success(request, _("A new calendar link was made; the old one no longer works."))
    return redirect("blocs:my-settings")


@login_required
@require_POST
def calendar_link_revoke(request: HttpRequest) -> HttpResponse:
    calendar_feed_revoke(user=request.user)
    messages.success(request, _("The calendar link no longer works."))
    return redirect("blocs:my-settings")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Reached by its secret link alone, without a session (calendar programs have none)."""
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    body = feed_ics(year_dates(visible_years(feed.user)), now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="khoi-thi-dua.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
