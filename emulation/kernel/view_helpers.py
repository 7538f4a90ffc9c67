"""Small helpers shared by the views of every app (here, outside `views`, so that awards and reports import
no other app's views)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def attach_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: per field where it names one, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@dataclass(frozen=True)
class Outcome:
    """What `run_service` did: true when the service accepted, with what it returned."""

    ok: bool
    value: Any = None

    def __bool__(self) -> bool:
        return self.ok


def run_service(request: HttpRequest, call: Callable[[], Any], *, form: forms.Form | None = None,
                success: str | Callable[[Any], str] | None = None, joined: bool = False) -> Outcome:
    """Call a service and tell the user how it went, the way every write screen does.

    A refusal goes onto `form` when there is one (per field where it names one), else into the messages:
    one message per reason, or all reasons in one message when `joined`. On success the `success` message
    is added: a text, or a function of what the service returned.
    """
    try:
        value = call()
    except ValidationError as error:
        if form is not None:
            attach_errors(form, error)
        elif joined:
            messages.error(request, " ".join(error.messages))
        else:
            for text in error.messages:
                messages.error(request, text)
        return Outcome(ok=False)
    if success is not None:
        messages.success(request, success(value) if callable(success) else success)
    return Outcome(ok=True, value=value)


def paginate(request: HttpRequest, items: object, per_page: int = 50) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))
