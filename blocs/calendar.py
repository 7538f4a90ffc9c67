"""The calendar feed (.ics) of a person's bloc years' dates (issue 14, item 5), written with `icalendar`.

Each dated step is an event at 08:00–09:00 in Asia/Ho_Chi_Minh (the time zone travels with the feed as a
VTIMEZONE, so a calendar abroad still shows the day the bloc means)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar, Event

from blocs.deadlines import YearDate

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
START = dt.time(8, 0)


def feed_ics(dates: Iterable[YearDate], *, now: dt.datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Khoi thi dua//Lich cac moc//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    with translation.override("vi"):
        calendar.add("x-wr-calname", str(translation.gettext("Emulation bloc dates")))
        for date in dates:
            if date.due is None:
                continue
            year = date.bloc_year
            event = Event()
            event.add("uid", f"{year.pk}-{date.step.code}@khoi-thi-dua")
            event.add("summary", f"{date.step.label} – {year.bloc.name} {year.year}")
            event.add("description", str(date.step.action))
            event.add("url", settings.SITE_URL + reverse("blocs:year-dates", args=[year.pk]))
            start = dt.datetime.combine(date.due, START, tzinfo=ZONE)
            event.add("dtstart", start)
            event.add("dtend", start + dt.timedelta(hours=1))
            event.add("dtstamp", now)
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
