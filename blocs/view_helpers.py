"""Small helpers shared by the views of every app (here, outside `views`, so that awards and reports import
no other app's views)."""

from __future__ import annotations

from django import forms
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


def paginate(request: HttpRequest, items: object, per_page: int = 50) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))
