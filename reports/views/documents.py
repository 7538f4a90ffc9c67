"""The meeting's other documents: the list per bloc year, each document as HTML, PDF or Word, the ballot
papers, and the secretariat's numbering form (issue 5, items 3–5).

Members of the bloc, its secretariat and chair and the province board read the documents (outsiders get
404); blank ballot papers are for those who run the meeting; only the secretariat numbers documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from awards import permissions as award_perms
from awards.models import Round
from blocs import permissions as perms
from blocs.models import BlocYear
from emulation.kernel.forms import DateInput
from emulation.kernel.view_helpers import run_service
from reports.common import document_response, render_document, sent_response
from reports.models import IssuedDocument, SentDocument
from reports.permissions import can_correct_sent, can_print_ballots, can_sign_report
from reports.queries import documents
from reports.services.documents import issued_documents_set
from reports.services.sent import sent_document_new_version
from reports.services.signature import server_signing_enabled
from reports.text import number_inline

FORMATS = ("html", "pdf", "docx")
Kind = IssuedDocument.Kind
SentKind = SentDocument.Kind


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "html")
    if fmt not in FORMATS:
        raise Http404
    return fmt


def _sent(request: HttpRequest, bloc_year: BlocYear, kind: str, round_: Round | None = None) -> SentDocument | None:
    """The document as sent to the province, if the year has been submitted: the latest version, or the one
    `?version=n` names (an unknown version is not found)."""
    stored = SentDocument.objects.filter(bloc_year=bloc_year, kind=kind, round=round_)
    wanted = request.GET.get("version")
    if wanted is None:
        return stored.order_by("-version").first()
    try:
        return stored.get(version=int(wanted))
    except (ValueError, SentDocument.DoesNotExist) as missing:
        raise Http404 from missing


def _respond(request: HttpRequest, html: Callable[[], str], sent: SentDocument | None, filename: str) -> HttpResponse:
    fmt = _format(request)
    if sent is None:
        return document_response(html(), fmt, filename)
    return sent_response(sent, fmt, f"{filename}-v{sent.version}")


def _document(request: HttpRequest, pk: int, template: str, build: Callable[[BlocYear], dict[str, Any]],
              slug: str, kind: str) -> HttpResponse:
    """Made from today's data until the year is sent; from then on, served as sent."""
    bloc_year = perms.get_bloc_year(request.user, pk)
    return _respond(request, lambda: render_document(template, build(bloc_year)), _sent(request, bloc_year, kind),
                    f"{slug}-{bloc_year.year}-{bloc_year.bloc.code}")


@login_required
def counting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, pk, "reports/documents/counting_minutes.html", documents.counting_minutes_context,
                     "bien-ban-kiem-phieu", Kind.COUNTING_MINUTES)


@login_required
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, pk, "reports/documents/meeting_minutes.html", documents.meeting_minutes_context,
                     "bien-ban-hoi-nghi", Kind.MEETING_MINUTES)


@login_required
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    return _document(request, pk, "reports/documents/submission.html", documents.submission_context, "to-trinh",
                     Kind.SUBMISSION)


@login_required
def ballot_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's blank ballot paper; `?copies=n` prints n identical papers, one a page (once the year is sent,
    the paper as sent, one copy)."""
    round_ = award_perms.get_round(request.user, pk)
    perms.require(can_print_ballots(perms.roles_of(request.user), round_.bloc_year))
    try:
        copies = int(request.GET.get("copies", "1"))
    except ValueError:
        copies = 1
    return _respond(request, lambda: render_document("reports/documents/ballot_paper.html",
                                                     documents.ballot_context(round_, copies)),
                    _sent(request, round_.bloc_year, SentKind.BALLOT, round_),
                    f"phieu-bau-{round_.bloc_year.year}-{round_.pk}")


@login_required
def sent_document(request: HttpRequest, pk: int) -> HttpResponse:
    """One version of a document as sent to the province, as stored: earlier versions stay downloadable."""
    fmt = _format(request)
    sent = SentDocument.objects.filter(pk=pk).only("bloc_year_id", "kind").first()
    if sent is None:
        raise Http404
    bloc_year = perms.get_bloc_year(request.user, sent.bloc_year_id)
    if sent.kind == SentKind.BALLOT:
        perms.require(can_print_ballots(perms.roles_of(request.user), bloc_year))
    sent = SentDocument.objects.get(pk=pk)
    return sent_response(sent, fmt, f"{sent.kind}-{bloc_year.year}-{bloc_year.bloc.code}-v{sent.version}")


@login_required
def documents_list(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    roles = perms.roles_of(request.user)
    numbers = documents.issued(bloc_year)
    header = documents.header(bloc_year)
    rows = [{"kind": kind, "url": f"reports:{name}", "number": numbers.get(kind),
             "number_text": number_inline(getattr(numbers.get(kind), "number", None),
                                   documents.TYPE_CODES[kind], header)}
            for kind, name in ((Kind.COUNTING_MINUTES, "counting-minutes"), (Kind.MEETING_MINUTES, "meeting-minutes"),
                               (Kind.SUBMISSION, "submission"))]
    may_print = can_print_ballots(roles, bloc_year)
    rounds = list(bloc_year.rounds.select_related("award").order_by("order", "pk")) if may_print else []
    may_correct = can_correct_sent(roles, bloc_year) and not bloc_year.is_closed
    sent = documents.sent_rows(bloc_year, with_ballots=may_print)
    letter = next((row["versions"][0] for row in sent if row["kind"] == SentKind.SUBMISSION), None)
    return render(request, "reports/documents_list.html", {
        "bloc_year": bloc_year, "rows": rows, "rounds": rounds, "may_print": may_print,
        "may_number": perms.can_manage_bloc_year(roles, bloc_year) and not sent, "closed": Round.Status.CLOSED,
        "sent": sent, "may_correct": may_correct, "letter": letter,
        "letter_signature": getattr(letter, "signature", None) if letter else None,
        "may_sign_letter": letter is not None and can_sign_report(roles, bloc_year)
        and bloc_year.status == BlocYear.Status.SUBMITTED, "server_signing": server_signing_enabled(),
        "correct_form": NewVersionForm(choices=documents.sent_choices(sent)) if may_correct and sent else None})


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


class NewVersionForm(forms.Form):
    """Which document sent to the province gets a new version, and why."""

    document = forms.ChoiceField(label=gettext_lazy("Document"))
    reason = forms.CharField(label=gettext_lazy("Why a new version"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].choices = choices


@login_required
@require_POST
def document_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    """A correction of a document already sent: a new numbered version with its reason; the earlier stay."""
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(can_correct_sent(perms.roles_of(request.user), bloc_year))
    sent = documents.sent_rows(bloc_year, with_ballots=True)
    form = NewVersionForm(request.POST, choices=documents.sent_choices(sent))
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
        return redirect("reports:documents", pk=bloc_year.pk)
    kind, _sep, round_pk = form.cleaned_data["document"].partition(":")
    round_ = bloc_year.rounds.filter(pk=round_pk).first() if round_pk else None
    run_service(request, lambda: sent_document_new_version(
        actor=request.user, bloc_year=bloc_year, kind=kind, round_=round_, reason=form.cleaned_data["reason"]),
        success=lambda d: _("Version %(v)s of “%(doc)s” stored.") % {"v": d.version, "doc": d.get_kind_display()})
    return redirect("reports:documents", pk=bloc_year.pk)
