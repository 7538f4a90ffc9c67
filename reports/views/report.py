"""The year-end report's screens: versions, the editor, comments and answers, adoption, downloads.

Outsiders get 404 (get_bloc_year); members whose role is too low get 403. The secretariat writes
drafts and answers comments, the chair adopts, member representatives read and comment on the
circulated version, the province board reads.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from blocs import permissions as perms
from emulation.kernel.view_helpers import run_service
from reports.common import document_response, stored_pdf_response
from reports.forms import (
    COMMENT_SECTION_CHOICES,
    MARKUP_HELP,
    AdoptForm,
    AnswerForm,
    CommentForm,
    CorrectionForm,
    NarrativeForm,
    WordImportForm,
)
from reports.models import Comment, ReportSignature, ReportVersion
from reports.permissions import (
    can_adopt_report,
    can_see_drafts,
    can_sign_report,
    can_write_report,
    commenting_units,
)
from reports.queries.report import adoption_warnings, narrative_diff, render_report, report_html
from reports.rules import narrative_html
from reports.services import report as services
from reports.services.signature import server_signing_enabled
from reports.wordtext import docx_to_markup, word_html_to_markup

# --- Fetching -----------------------------------------------------------------------------------------------


def _version(request: HttpRequest, pk: int) -> tuple[ReportVersion, perms.Roles]:
    version = get_object_or_404(ReportVersion.objects.select_related("bloc_year__bloc__province", "corrects"), pk=pk)
    perms.get_bloc_year(request.user, version.bloc_year_id)  # 404 for outsiders
    roles = perms.roles_of(request.user)
    if version.status == ReportVersion.Status.DRAFT and not can_see_drafts(roles, version.bloc_year):
        raise PermissionDenied
    return version, roles


def _written_version(request: HttpRequest, pk: int) -> ReportVersion:
    version, roles = _version(request, pk)
    perms.require(can_write_report(roles, version.bloc_year))
    return version


def _filename(version: ReportVersion) -> str:
    return f"bao-cao-tong-ket-{version.bloc_year.year}-ban-{version.number}"


# --- The report's home and versions -------------------------------------------------------------------------


@login_required
def report_home(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    roles = perms.roles_of(request.user)
    versions = list(bloc_year.report_versions.select_related("corrects", "created_by").prefetch_related("comments"))
    if not can_see_drafts(roles, bloc_year):
        versions = [v for v in versions if v.status != ReportVersion.Status.DRAFT]
    for version in versions:
        version.n_comments = len(version.comments.all())
        version.n_unanswered = len([c for c in version.comments.all() if not c.answer])
    return render(request, "reports/report_home.html", {
        "bloc_year": bloc_year, "versions": versions, "may_write": can_write_report(roles, bloc_year),
        "may_adopt": can_adopt_report(roles, bloc_year),
        "has_adopted": any(v.is_adopted for v in versions)})


@login_required
@require_POST
def report_draft_create(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    perms.require(can_write_report(perms.roles_of(request.user), bloc_year))
    outcome = run_service(request, lambda: services.report_draft_create(actor=request.user, bloc_year=bloc_year),
                          success=lambda draft: _("Draft %(n)s created from the latest version.") % {"n": draft.number},
                          joined=True)
    if not outcome:
        return redirect("reports:report-home", pk=bloc_year.pk)
    return redirect("reports:report-edit", pk=outcome.value.pk)


def _append(text: str, added: str) -> str:
    return f"{text.rstrip()}\n\n{added}" if text.strip() else added


def _brought_in(request: HttpRequest, form: NarrativeForm) -> tuple[dict[str, str], WordImportForm | None]:
    """The sections as posted, with Word's paste (its clipboard HTML, sent by narrative.js) or an uploaded .docx
    added to the section it was meant for; nothing is saved until "Save the draft"."""
    data = {key: form.cleaned_data.get(key, "") for key in form.fields}
    pasted = request.POST.get("pasted_section", "")
    if pasted in data and request.POST.get("pasted_html"):
        data[pasted] = _append(data[pasted], word_html_to_markup(request.POST["pasted_html"]))
    if "import_docx" not in request.POST:
        return data, None
    upload = WordImportForm(request.POST, request.FILES)
    if upload.is_valid():
        try:
            added = docx_to_markup(upload.cleaned_data["docx"].read())
        except Exception:  # noqa: BLE001 - whatever python-docx stumbles on, the user gets a sentence
            upload.add_error("docx", _("The Word file could not be read."))
        else:
            section = upload.cleaned_data["section"]
            data[section] = _append(data[section], added)
            messages.info(request, _("The Word file's text is in the section below. Check it, then save the draft."))
    return data, upload


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The narrative editor: "Save", or "Preview" / a Word paste / a Word upload, which show the result unsaved."""
    version = _written_version(request, pk)
    form = NarrativeForm(request.POST if request.method == "POST" else None, initial=version.narrative)
    upload = WordImportForm()
    unsaved = request.method == "POST" and ({"preview", "import_docx", "pasted_html"} & set(request.POST))
    if request.method == "POST" and form.is_valid() and not unsaved:
        sent = {key: value for key, value in form.cleaned_data.items() if key in request.POST}  # others stay
        run_service(request, lambda: services.report_narrative_update(actor=request.user, version=version,
                                                                      narrative=sent),
                    success=_("The draft is saved."), joined=True)
        return redirect(version)
    if request.method == "GET" and version.status != ReportVersion.Status.DRAFT:
        messages.error(request, _("Only a draft can be edited."))
        return redirect(version)
    previews = {}
    if unsaved and form.is_valid():
        data, posted_upload = _brought_in(request, form)
        upload = posted_upload or upload
        form = NarrativeForm(initial=data)
        previews = {key: mark_safe(narrative_html(text)) for key, text in data.items()}  # noqa: S308 - escaped
    labels = dict(COMMENT_SECTION_CHOICES)
    earlier = [(labels.get(c.section, c.section), c) for c in Comment.objects.filter(
        version__bloc_year=version.bloc_year, version__number__lt=version.number).select_related("unit", "version")]
    return render(request, "reports/report_edit.html", {"version": version, "bloc_year": version.bloc_year,
                                                        "form": form, "markup_help": MARKUP_HELP,
                                                        "upload": upload, "previews": previews,
                                                        "earlier_comments": earlier})


@login_required
@require_POST
def report_circulate(request: HttpRequest, pk: int) -> HttpResponse:
    version = _written_version(request, pk)
    run_service(request, lambda: services.report_circulate(actor=request.user, version=version),
                success=_("The draft is circulated: member units can comment on it now."), joined=True)
    return redirect(version)


@login_required
def report_version(request: HttpRequest, pk: int) -> HttpResponse:
    """The rendered document, and under it the comments per section with their answers."""
    version, roles = _version(request, pk)
    bloc_year = version.bloc_year
    comments = list(version.comments.select_related("unit", "author", "answered_by"))
    may_write = can_write_report(roles, bloc_year)
    units = commenting_units(roles, bloc_year)
    may_comment = bool(units) and version.status == ReportVersion.Status.CIRCULATED and not bloc_year.is_closed
    sections = [{"key": key, "label": label, "comments": [c for c in comments if c.section == key]}
                for key, label in COMMENT_SECTION_CHOICES]
    return render(request, "reports/report_version.html", {
        "version": version, "bloc_year": bloc_year, "sections": [s for s in sections if s["comments"]],
        "comment_form": CommentForm(units=units) if may_comment else None,
        "may_answer": may_write and not version.is_adopted and not bloc_year.is_closed,
        "answer_choices": Comment.Answer.choices, "may_write": may_write,
        "may_adopt": can_adopt_report(roles, bloc_year),
        "signature": ReportSignature.objects.filter(version=version).select_related("recorded_by").first(),
        "may_sign": version.is_adopted and can_sign_report(roles, bloc_year) and not bloc_year.is_closed,
        "server_signing": server_signing_enabled(),
        "others": [v for v in bloc_year.report_versions.exclude(pk=version.pk)
                   if v.status != ReportVersion.Status.DRAFT or can_see_drafts(roles, bloc_year)]})


# --- Comments and answers --------------------------------------------------------------------------------


@login_required
@require_POST
def report_comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    version, roles = _version(request, pk)
    units = commenting_units(roles, version.bloc_year)
    perms.require(bool(units))
    form = CommentForm(request.POST, units=units)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(version)
    run_service(request, lambda: services.comment_add(actor=request.user, version=version,
                                                      unit=form.cleaned_data["unit"],
                                                      section=form.cleaned_data["section"],
                                                      text=form.cleaned_data["text"]),
                success=_("Your comment is recorded; the secretariat will answer it."), joined=True)
    return redirect(f"{version.get_absolute_url()}#comments")


@login_required
@require_POST
def report_comment_answer(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("version"), pk=pk)
    version = _written_version(request, comment.version_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(f"{version.get_absolute_url()}#comment-{comment.pk}")
    run_service(request, lambda: services.comment_answer(actor=request.user, comment=comment,
                                                         answer=form.cleaned_data["answer"],
                                                         reason=form.cleaned_data["answer_text"]),
                success=_("The answer is recorded."), joined=True)
    return redirect(f"{version.get_absolute_url()}#comment-{comment.pk}")


# --- Adoption and correction -------------------------------------------------------------------------------


@login_required
def report_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    version, roles = _version(request, pk)
    perms.require(can_adopt_report(roles, version.bloc_year))
    unanswered = services.unanswered_comments(version)
    warnings = adoption_warnings(version)
    form = AdoptForm(request.POST if request.method == "POST" else None, unanswered=len(unanswered),
                     warnings=warnings, initial={"doc_date": services.default_date(version.bloc_year)})
    if request.method == "POST" and form.is_valid() and run_service(
            request, lambda: services.report_adopt(
                actor=request.user, version=version, doc_date=form.cleaned_data["doc_date"],
                doc_number=form.cleaned_data["doc_number"],
                confirm_unanswered=form.cleaned_data.get("confirm_unanswered", False),
                reason=" ".join(form.cleaned_data.get("adopt_reason", "").split())),
            form=form, success=_("The report is adopted, numbered and frozen with its PDF.")):
        return redirect(version)
    return render(request, "reports/report_adopt.html", {"version": version, "bloc_year": version.bloc_year,
                                                         "form": form, "unanswered": unanswered,
                                                         "warnings": warnings})


@login_required
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    version = _written_version(request, pk)
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            request, lambda: services.report_correct(actor=request.user, version=version,
                                                     note=form.cleaned_data["note"]),
            form=form, success=_("The correction is a new draft; the adopted version stays as it was."))
        if outcome:
            return redirect("reports:report-edit", pk=outcome.value.pk)
    return render(request, "reports/report_correct.html", {"version": version, "bloc_year": version.bloc_year,
                                                           "form": form})


@login_required
def report_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """The narrative of two versions, section by section (?a=<version>&b=<version>, numbers)."""
    bloc_year = perms.get_bloc_year(request.user, pk)
    roles = perms.roles_of(request.user)
    versions = list(bloc_year.report_versions.order_by("number"))
    if not can_see_drafts(roles, bloc_year):
        versions = [v for v in versions if v.status != ReportVersion.Status.DRAFT]
    by_number = {v.number: v for v in versions}
    wanted = [_int(request.GET.get(key)) for key in ("a", "b")]
    older = by_number.get(wanted[0]) or (versions[-2] if len(versions) > 1 else None)
    newer = by_number.get(wanted[1]) or (versions[-1] if versions else None)
    return render(request, "reports/report_compare.html", {
        "bloc_year": bloc_year, "versions": versions, "older": older, "newer": newer,
        "sections": narrative_diff(older, newer) if older and newer and older != newer else []})


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 9 else None


# --- Downloads ---------------------------------------------------------------------------------------------


@login_required
@xframe_options_sameorigin  # the version page shows the document in a frame
def report_html_view(request: HttpRequest, pk: int) -> HttpResponse:
    version, _roles = _version(request, pk)
    response = document_response(report_html(version), "html", _filename(version))
    # Our own pages may frame the document; the rest of the policy stays as strict as everywhere else.
    response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", "frame-ancestors 'self'")
    return response


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The adopted version's stored PDF, byte for byte, never rendered again (once signed, the signed PDF; the
    unsigned one stays kept); a draft is rendered now."""
    version, _roles = _version(request, pk)
    if not version.is_adopted:
        return document_response(render_report(version), "pdf", _filename(version))
    signature = ReportSignature.objects.filter(version=version).first()
    if signature is not None:
        return stored_pdf_response(signature.pdf, signature.pdf_sha256, f"{_filename(version)}-da-ky.pdf")
    return stored_pdf_response(version.pdf, version.pdf_sha256, f"{_filename(version)}.pdf")


@login_required
def report_docx(request: HttpRequest, pk: int) -> HttpResponse:
    version, _roles = _version(request, pk)
    return document_response(report_html(version), "docx", _filename(version))
