"""The meeting's other documents: the list per bloc year, each document as HTML, PDF or Word, the ballot
papers, and the secretariat's numbering form (issue 5, items 3–5).

Members of the bloc, its secretariat and chair and the province board read the documents (outsiders get
404); blank ballot papers are for those who run the meeting; only the secretariat numbers documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from awards import permissions as award_perms
from awards.models import Round
from blocs import permissions as perms
from blocs.models import BlocYear
from emulation.kernel.forms import DateInput
from emulation.kernel.view_helpers import run_service
from reports.common import document_response, render_document
from reports.models import IssuedDocument
from reports.permissions import can_print_ballots
from reports.queries import documents
from reports.services.documents import issued_documents_set
from reports.text import number_inline

FORMATS = ("html", "pdf", "docx")
Kind = IssuedDocument.Kind


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "html")
    if fmt not in FORMATS:
        raise Http404
    return fmt


def _document(request: HttpRequest, pk: int, template: str, build: Callable[[BlocYear], dict[str, Any]],
              slug: str) -> HttpResponse:
    fmt = _format(request)
    bloc_year = perms.get_bloc_year(request.user, pk)
    html = render_document(template, build(bloc_year))
    return document_response(html, fmt, f"{slug}-{bloc_year.year}-{bloc_year.bloc.code}")


@login_required
def counting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, pk, "reports/documents/counting_minutes.html", documents.counting_minutes_context,
                     "bien-ban-kiem-phieu")


@login_required
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, pk, "reports/documents/meeting_minutes.html", documents.meeting_minutes_context,
                     "bien-ban-hoi-nghi")


@login_required
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, pk, "reports/documents/submission.html", documents.submission_context, "to-trinh")


@login_required
def ballot_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's blank ballot paper; `?copies=n` prints n identical papers, one a page."""
    fmt = _format(request)
    round_ = award_perms.get_round(request.user, pk)
    perms.require(can_print_ballots(perms.roles_of(request.user), round_.bloc_year))
    try:
        copies = int(request.GET.get("copies", "1"))
    except ValueError:
        copies = 1
    html = render_document("reports/documents/ballot_paper.html", documents.ballot_context(round_, copies))
    return document_response(html, fmt, f"phieu-bau-{round_.bloc_year.year}-{round_.pk}")


@login_required
def documents_list(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    roles = perms.roles_of(request.user)
    numbers = documents.issued(bloc_year)
    style = documents.header_style(bloc_year)
    rows = [{"kind": kind, "url": f"reports:{name}", "number": numbers.get(kind),
             "number_text": number_inline(getattr(numbers.get(kind), "number", None),
                                                    documents.TYPE_CODES[kind], style)}
            for kind, name in ((Kind.COUNTING_MINUTES, "counting-minutes"), (Kind.MEETING_MINUTES, "meeting-minutes"),
                               (Kind.SUBMISSION, "submission"))]
    may_print = can_print_ballots(roles, bloc_year)
    rounds = list(bloc_year.rounds.select_related("award").order_by("order", "pk")) if may_print else []
    return render(request, "reports/documents_list.html", {
        "bloc_year": bloc_year, "rows": rows, "rounds": rounds, "may_print": may_print,
        "may_number": perms.can_manage_bloc_year(roles, bloc_year), "closed": Round.Status.CLOSED})


class NumbersForm(forms.Form):
    """Number and date of each of the meeting's documents; blank leaves the cells to fill in by hand."""

    LABELS = {Kind.COUNTING_MINUTES: gettext_lazy("Ballot-counting minutes"),
              Kind.MEETING_MINUTES: gettext_lazy("Meeting minutes"),
              Kind.SUBMISSION: gettext_lazy("Submission letter")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in documents.NUMBERED:
            self.fields[f"{kind}_number"] = forms.IntegerField(
                label=_("%(document)s: number") % {"document": self.LABELS[kind]}, required=False, min_value=1,
                max_value=99999)
            self.fields[f"{kind}_date"] = forms.DateField(
                label=_("%(document)s: date") % {"document": self.LABELS[kind]}, required=False, widget=DateInput())

    def values(self) -> dict[str, tuple[int | None, Any]]:
        return {kind: (self.cleaned_data[f"{kind}_number"], self.cleaned_data[f"{kind}_date"])
                for kind in documents.NUMBERED}


@login_required
def document_numbers(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(perms.can_manage_bloc_year(perms.roles_of(request.user), bloc_year))
    current = documents.issued(bloc_year)
    initial = {f"{kind}_{field}": getattr(current[kind], name) for kind in current if kind in documents.NUMBERED
               for field, name in (("number", "number"), ("date", "issued_on"))}
    form = NumbersForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and run_service(
            request, lambda: issued_documents_set(actor=request.user, bloc_year=bloc_year, values=form.values()),
            form=form, success=_("Document numbers saved.")):
        return redirect("reports:documents", pk=bloc_year.pk)
    return render(request, "blocs/form_page.html", {
        "form": form, "title": _("Numbers of the meeting's documents"), "back": bloc_year,
        "intro": _("Numbers below 10 are printed with a leading zero. A number already used this year by another "
                   "document of the bloc is refused.")})
