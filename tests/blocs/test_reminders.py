"""Deadlines, reminders and the calendar feed (issue 14, item 5): a real SMTP server (aiosmtpd) receives what
`manage.py send_reminders` sends, day by day across a bloc year on a frozen clock; the feed parses with icalendar."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from collections import Counter
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from awards.models import Meeting
from blocs import rules
from blocs.models import CheckAssignment, Registration, ReminderSent, RoleGrant, Scorecard
from tests.conftest import client_for
from tests.factories import grant, make_user

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(("today", "kind"), [
    (dt.date(2022, 3, 11), None), (dt.date(2022, 3, 12), "before"), (dt.date(2022, 3, 14), "before"),
    (dt.date(2022, 3, 15), "day"), (dt.date(2022, 3, 16), None),
])
def test_which_reminder_is_due(today, kind):
    """3 days before (or, after a missed run, any day until the eve) and on the day; never after."""
    assert rules.reminder_kind(due=dt.date(2022, 3, 15), today=today, days_before=3) == kind


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp(settings):  # noqa: ANN001, ANN201
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.SITE_URL = "https://thidua.example.vn"
    yield inbox
    controller.stop()


@pytest.fixture
def year(world):  # noqa: ANN001, ANN201
    """The year's dates; the member unit has a principal and two deputies (one turned reminders off), the head
    unit has registered and submitted its self-scores already; the member unit cross-checks the head unit."""
    bloc_year = world.bloc_year
    bloc_year.registration_deadline = dt.date(2022, 3, 15)
    bloc_year.covenant_signing_on = dt.date(2022, 3, 25)
    bloc_year.self_scores_due = dt.date(2022, 11, 10)
    bloc_year.cross_checks_due = dt.date(2022, 11, 20)
    bloc_year.save()
    Meeting.objects.create(bloc_year=bloc_year, held_on=dt.date(2022, 12, 15), place="Hội trường Tỉnh ủy")
    users = world.users
    for name in ("representative", "secretariat", "chair", "board", "outsider"):
        users[name].email = f"{users[name].username}@thidua.example.vn"
        users[name].save(update_fields=["email"])
    member, head = world.member.unit, world.head.unit
    deputy = make_user("pho_dai_dien", email="pho_dai_dien@thidua.example.vn", unit=member)
    RoleGrant.objects.create(user=deputy, kind=RoleGrant.Kind.REPRESENTATIVE, unit=member, is_deputy=True)
    quiet = make_user("khong_nhan", email="khong_nhan@thidua.example.vn", unit=member)
    RoleGrant.objects.create(user=quiet, kind=RoleGrant.Kind.REPRESENTATIVE, unit=member, is_deputy=True)
    head_rep = make_user("dai_dien_btg", email="dai_dien_btg@thidua.example.vn", unit=head)
    grant(head_rep, RoleGrant.Kind.REPRESENTATIVE, unit=head)
    Registration.objects.create(bloc_year=bloc_year, unit=head, submitted_at=timezone.now())
    Scorecard.objects.create(bloc_year=bloc_year, unit=head, submitted_at=timezone.now())
    CheckAssignment.objects.create(bloc_year=bloc_year, checker=member, checked=head)
    return bloc_year


def subject_of(message: email.message.EmailMessage) -> str:
    return " ".join(str(message["Subject"]).split())  # a long subject comes folded over lines


def run_on(day: dt.date) -> str:
    out = StringIO()
    with time_machine.travel(dt.datetime.combine(day, dt.time(6, 30), tzinfo=ZONE), tick=False):
        call_command("send_reminders", stdout=out)
    return out.getvalue()


def test_across_a_year_each_person_gets_exactly_their_reminders_once_in_vietnamese(world, year, smtp):
    quiet = client_for(RoleGrant.objects.get(user__username="khong_nhan").user)
    assert quiet.post(reverse("blocs:my-reminders"), {}).status_code == 302  # the box left unticked: off
    day = dt.date(2022, 1, 1)
    while day <= dt.date(2022, 12, 31):
        run_on(day)
        run_on(day)  # a second cron run the same day sends nothing again
        day += dt.timedelta(days=1)

    received = Counter((m["To"], subject_of(m)) for m in smtp.messages)
    year_name = f"{year.bloc.name}, 2022"
    unit_steps = [("Còn 3 ngày: Hạn đăng ký thi đua", "Hôm nay: Hạn đăng ký thi đua"),
                  ("Còn 3 ngày: Hạn nộp tự chấm điểm", "Hôm nay: Hạn nộp tự chấm điểm"),
                  ("Còn 3 ngày: Hạn chấm chéo", "Hôm nay: Hạn chấm chéo")]
    expected = Counter()
    for person in ("dai_dien@thidua.example.vn", "pho_dai_dien@thidua.example.vn"):
        for pair in unit_steps:
            expected.update((person, f"{subject} – {year_name}") for subject in pair)
    for subject in ("Còn 3 ngày: Ký kết giao ước thi đua", "Hôm nay: Ký kết giao ước thi đua",
                    "Còn 3 ngày: Hội nghị tổng kết", "Hôm nay: Hội nghị tổng kết"):
        expected[("thu_ky@thidua.example.vn", f"{subject} – {year_name}")] += 1
    assert received == expected  # none to the deputy who turned them off, none to the unit that did its steps
    assert ReminderSent.objects.count() == 16

    registration = next(m for m in smtp.messages if m["To"] == "dai_dien@thidua.example.vn"
                        and subject_of(m).startswith("Hôm nay: Hạn đăng ký"))
    body = registration.get_content()
    assert "Kính gửi" in body and "15/03/2022" in body and world.member.unit.name in body
    assert (f"https://thidua.example.vn/years/{year.pk}/registrations/{world.member.unit.pk}/" in body)
    assert "https://thidua.example.vn/me/" in body


def test_a_step_done_before_its_day_is_not_reminded(world, year, smtp):
    Registration.objects.create(bloc_year=year, unit=world.member.unit, submitted_at=timezone.now())
    run_on(dt.date(2022, 3, 12))
    run_on(dt.date(2022, 3, 15))
    assert smtp.messages == []


def test_without_an_email_server_the_command_says_so_and_records_nothing(world, year, settings):
    settings.EMAIL_HOST = ""
    assert "not configured" in run_on(dt.date(2022, 3, 15))
    assert not ReminderSent.objects.exists()


def test_the_home_page_shows_the_same_events(world, year):
    with time_machine.travel(dt.datetime(2022, 3, 13, 9, tzinfo=ZONE), tick=False):
        page = client_for(world.users["representative"]).get(reverse("blocs:home")).content.decode()
        assert "Còn 2 ngày" in page and "Hạn đăng ký thi đua" in page
        assert reverse("blocs:registration-edit", args=[year.pk, world.member.unit.pk]) in page
        chair_page = client_for(world.users["chair"]).get(reverse("blocs:home")).content.decode()
        assert "Hạn đăng ký thi đua" not in chair_page


def _new_link(client) -> str:  # noqa: ANN001
    assert client.post(reverse("blocs:calendar-link-create")).status_code == 302
    page = client.get(reverse("blocs:my-settings")).content.decode()
    start = page.index("http://127.0.0.1:8000/calendar/")
    return page[start:page.index('"', start)].removeprefix("http://127.0.0.1:8000")


def test_the_calendar_feed_parses_with_the_dates_in_ho_chi_minh_and_a_revoked_link_is_gone(world, year):
    member = client_for(world.users["representative"])
    link = _new_link(member)
    anonymous = client_for(None)
    response = anonymous.get(link)  # a calendar program: no session
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    starts = {summary.split(" – ")[0]: e.decoded("dtstart") for summary, e in events.items()}
    assert starts["Hạn đăng ký thi đua"] == dt.datetime(2022, 3, 15, 8, tzinfo=ZONE)
    assert starts["Hội nghị tổng kết"] == dt.datetime(2022, 12, 15, 8, tzinfo=ZONE)
    assert starts["Hạn chấm chéo"] == dt.datetime(2022, 11, 20, 8, tzinfo=ZONE)
    assert all(e["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh" for e in events.values())
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    assert world.other_year.bloc.name not in response.content.decode()  # only the years the person sees

    replacement = _new_link(member)
    assert anonymous.get(link).status_code == 404
    assert anonymous.get(replacement).status_code == 200
    member.post(reverse("blocs:calendar-link-revoke"))
    assert anonymous.get(replacement).status_code == 404


def test_the_secretariat_sets_the_dates_and_members_read_them(world, year, as_persona):
    url = reverse("blocs:year-dates", args=[year.pk])
    response = as_persona("secretariat").post(url, {"registration_deadline": "31/03/2022",
                                                    "covenant_signing_on": "05/04/2030"})
    assert "2021" in response.content.decode() and "2023" in response.content.decode()  # refused, nothing saved
    year.refresh_from_db()
    assert year.registration_deadline == dt.date(2022, 3, 15)
    as_persona("secretariat").post(url, {"registration_deadline": "31/03/2022", "covenant_signing_on": "05/04/2022",
                                         "self_scores_due": "", "cross_checks_due": ""})
    year.refresh_from_db()
    assert (year.registration_deadline, year.covenant_signing_on) == (dt.date(2022, 3, 31), dt.date(2022, 4, 5))
    page = as_persona("representative").get(url).content.decode()
    assert "31/03/2022" in page and "15/12/2022" in page and "Sửa các mốc thời gian" not in page
    assert as_persona("representative").post(url, {"registration_deadline": "01/03/2022"}).status_code == 403


def _home_queries(user, day: dt.date, notice: str) -> int:  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(user)
    with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=ZONE), tick=False), \
            CaptureQueriesContext(connection) as queries:
        assert notice in client.get(reverse("blocs:home")).content.decode()
    return len(queries)


def test_the_notices_cost_the_same_queries_for_few_and_many_units(world, year):
    """The notices read the units still to do in one query, whatever their number (style.md, query budgets)."""
    from tests.factories import add_member, make_unit

    secretariat, representative = world.users["secretariat"], world.users["representative"]

    def both() -> tuple[int, int]:
        return (_home_queries(secretariat, dt.date(2022, 3, 23), "Ký kết giao ước thi đua"),
                _home_queries(representative, dt.date(2022, 3, 13), "Hạn đăng ký thi đua"))

    few = both()
    for _n in range(40):
        unit = add_member(year, make_unit(province=year.bloc.province)).unit
        grant(make_user(unit=unit), RoleGrant.Kind.REPRESENTATIVE, unit=unit)
    assert both() == few
