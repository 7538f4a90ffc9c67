"""`manage.py create_administrator [username] [--full-name ...] [--base-url ...]`: the first account of a fresh
installation, with no password on the command line: it prints a one-time link where the administrator sets
one. Run again for an existing administrator, it prints a new link (a forgotten password)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from blocs.models import User
from blocs.services.provinces import administrator_create, administrator_signin_link


class Command(BaseCommand):
    help = "Create the administrator account and print a one-time link to set its password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="the administrator's sign-in name (asked when left out)")
        parser.add_argument("--full-name", default="", help="the administrator's full name")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="the address people open the site at, e.g. https://thidua.example.gov.vn")

    def handle(self, *args: Any, username: str | None, full_name: str, base_url: str, **options: Any) -> None:
        username = (username or input("Sign-in name: ")).strip()
        if not username:
            raise CommandError("A sign-in name is needed.")
        person = User.objects.filter(username__iexact=username).first()
        if person is not None and not person.is_superuser:
            raise CommandError(f"The account {person.username} exists and is not an administrator.")
        if person is None:
            try:
                person = administrator_create(username=username, full_name=full_name)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            self.stdout.write(f"Administrator {person.username} created.")
        link = administrator_signin_link(person=person, base_url=base_url.rstrip("/"))
        self.stdout.write(f"Open this link once to set the password (valid {link.valid_days} days):")
        self.stdout.write(base_url.rstrip("/") + link.path)
