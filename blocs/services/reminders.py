"""Deadlines and reminders (issue 14, item 5): the year's dates, a person's calendar link and reminder setting,
and sending the reminders that are due (`manage.py send_reminders`, run daily by cron or a systemd timer)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from blocs.audit import audit, changed, snapshot
from blocs.deadlines import Reminder, reminders_due
from blocs.models import BlocYear, CalendarFeed, ReminderSent, User
from blocs.writable import lock_year

DATE_FIELDS = ("registration_deadline", "covenant_signing_on", "self_scores_due", "cross_checks_due")


@transaction.atomic
def bloc_year_dates_update(*, actor: User | None, bloc_year: BlocYear, dates: dict[str, dt.date | None]) -> BlocYear:
    """The secretariat sets the year's dates; each falls within a year of the bloc year (registration may close
    in the December before, the year-end meeting may be held in the January after)."""
    bloc_year = lock_year(bloc_year)
    for name in DATE_FIELDS:
        value = dates.get(name)
        if value is not None and not bloc_year.year - 1 <= value.year <= bloc_year.year + 1:
            raise ValidationError({name: _("The date must fall between %(first)s and %(last)s.")
                                   % {"first": bloc_year.year - 1, "last": bloc_year.year + 1}})
    before = snapshot(bloc_year, DATE_FIELDS)
    for name in DATE_FIELDS:
        setattr(bloc_year, name, dates.get(name))
    bloc_year.save(update_fields=list(DATE_FIELDS))
    audit(actor=actor, action="blocs.bloc_year.dates_updated", bloc_year=bloc_year, obj=bloc_year,
          changes=changed(before, snapshot(bloc_year, DATE_FIELDS)))
    return bloc_year


# --- A person's calendar link and reminder setting ---------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, user: User) -> str:
    """A new secret link replaces the old one (which then answers 404). Returns the token, shown once: only its
    hash is kept."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.filter(user=user).delete()
    feed = CalendarFeed.objects.create(user=user, token_hash=token_hash(token))
    audit(actor=user, action="blocs.calendar_feed.created", obj=feed)
    return token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> None:
    deleted, _detail = CalendarFeed.objects.filter(user=user).delete()
    if deleted:
        audit(actor=user, action="blocs.calendar_feed.revoked", obj=user)


@transaction.atomic
def reminders_set(*, user: User, wants_reminders: bool) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.wants_reminders != wants_reminders:
        user.wants_reminders = wants_reminders
        user.save(update_fields=["wants_reminders"])
        audit(actor=user, action="blocs.user.reminders_set", obj=user,
              changes={"wants_reminders": wants_reminders})
    return user


# --- Sending ------------------------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: list[Reminder] = field(default_factory=list)
    already_sent: int = 0
    failed: list[str] = field(default_factory=list)


def email_configured() -> bool:
    return bool(settings.EMAIL_HOST)


def reminder_message(reminder: Reminder) -> tuple[str, str]:
    """Subject and body, in the active language (Vietnamese when sent: see `reminders_send`)."""
    year, step = reminder.date.bloc_year, reminder.date.step
    where = {"step": step.label, "bloc": year.bloc.name, "year": year.year}
    if reminder.kind == "day":
        subject = _("Today: %(step)s – %(bloc)s, %(year)s") % where
    else:
        subject = ngettext("In %(days)s day: %(step)s – %(bloc)s, %(year)s",
                           "In %(days)s days: %(step)s – %(bloc)s, %(year)s",
                           reminder.days_left) % {**where, "days": reminder.days_left}
    lines = [_("Dear %(name)s,") % {"name": reminder.user.display_name}, "",
             _("%(step)s of %(bloc)s, %(year)s: %(date)s.") % {**where, "date": date_format(reminder.date.due)}]
    if reminder.unit is not None:
        lines.append(_("Unit: %(unit)s.") % {"unit": reminder.unit.name})
    lines += [str(step.action), "", _("Do it here: %(url)s") % {"url": settings.SITE_URL + reminder.path}, "",
              _("You receive this reminder because you still have this step to do. To stop reminders, turn them "
                "off on your page: %(url)s") % {"url": settings.SITE_URL + reverse("blocs:my-settings")}]
    return subject, "\n".join(lines)


def reminders_send(*, today: dt.date, days_before: int) -> SendReport:
    """Send each due reminder once: its row is written first and the message sent inside the same transaction,
    so a second run (or a second server at the same moment, held by the unique constraint) skips it, and a
    message the mail server refused is not recorded and goes out on the next run."""
    report = SendReport()
    people = User.objects.filter(is_active=True, wants_reminders=True).exclude(email="")
    due = reminders_due(today=today, days_before=days_before, users=people)
    if not due:
        return report  # no connection to the mail server on a quiet day
    with translation.override("vi"), get_connection() as connection:
        for reminder in due:
            subject, body = reminder_message(reminder)
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(user=reminder.user, bloc_year=reminder.date.bloc_year,
                                                step=reminder.date.step.code, kind=reminder.kind,
                                                due_on=reminder.date.due)
                    EmailMessage(subject, body, to=[reminder.user.email], connection=connection).send()
            except IntegrityError:
                report.already_sent += 1
            except (smtplib.SMTPException, OSError) as error:
                report.failed.append(f"{reminder.user.email}: {error}")
            else:
                report.sent.append(reminder)
    return report
