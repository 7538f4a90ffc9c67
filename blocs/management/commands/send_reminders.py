"""`manage.py send_reminders`: email the reminders due today, once each (docs/deployment.md: run it daily from
cron or a systemd timer; no resident worker)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from blocs.services.reminders import email_configured, reminders_send


class Command(BaseCommand):
    help = "Email the deadline reminders due today (N days before each step and on the day), each once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days-before", type=int, default=None,
                            help="Days before a step (default: EMULATION_REMINDER_DAYS_BEFORE, 3).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not email_configured():
            self.stdout.write("Email is not configured (DJANGO_EMAIL_HOST is empty): no reminder sent or recorded.")
            return
        days = options["days_before"] if options["days_before"] is not None else settings.REMINDER_DAYS_BEFORE
        today = timezone.localdate()
        report = reminders_send(today=today, days_before=days)
        self.stdout.write(f"{today.isoformat()}: {len(report.sent)} reminder(s) sent, "
                          f"{report.already_sent} already sent before, {len(report.failed)} failed.")
        for failure in report.failed:
            self.stderr.write(f"Not sent (will be tried again on the next run): {failure}")
