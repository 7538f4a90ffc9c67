"""The digital signature of the adopted report and of the submission letter as sent: upload the PDF signed
elsewhere, or sign on the server (issue 12, item 7). The chair only (reports/permissions.py `can_sign_report`);
outsiders get 404, other roles 403."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blocs import permissions as perms
from blocs.models import BlocYear
from emulation.kernel.view_helpers import run_service
from reports.forms import SignedPdfForm
from reports.models import PdfSignature, ReportVersion, SentDocument
from reports.permissions import can_sign_report
from reports.services import signature as services


def _require_signer(request: HttpRequest, bloc_year_pk: int) -> BlocYear:
    bloc_year = perms.get_bloc_year(request.user, bloc_year_pk)  # 404 for outsiders
    perms.require(can_sign_report(perms.roles_of(request.user), bloc_year))
    return bloc_year


def _signable(request: HttpRequest, pk: int) -> ReportVersion:
    version = get_object_or_404(ReportVersion.objects.select_related("bloc_year__bloc__province"), pk=pk)
    _require_signer(request, version.bloc_year_id)
    return version


def _letter(request: HttpRequest, pk: int) -> SentDocument:
    document = SentDocument.objects.filter(pk=pk).only("bloc_year_id", "kind").first()
    if document is None or document.kind != SentDocument.Kind.SUBMISSION:
        raise Http404
    _require_signer(request, document.bloc_year_id)
    return SentDocument.objects.select_related("bloc_year__bloc__province").get(pk=pk)


def _signed_message(signature: PdfSignature) -> str:
    if signature.is_trusted:
        return _("The signature is valid: signed by %(signer)s. The signed PDF is served from now on.") % {
            "signer": signature.signer}
    return _("The signature is valid, signed by %(signer)s, but its issuer (%(issuer)s) is not in this "
             "installation's trust list. The signed PDF is served from now on.") % {
        "signer": signature.signer, "issuer": signature.issuer}


def _upload_page(request: HttpRequest, form: SignedPdfForm, store: Callable[[bytes], PdfSignature], done: str,
                 context: dict) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["signed_pdf"].read()
        if run_service(request, lambda: store(data), form=form, success=_signed_message):
            return redirect(done)
    return render(request, "reports/signature_upload.html", {"form": form, **context})


def _sign_on_server(request: HttpRequest, sign: Callable[[], PdfSignature], done: str) -> HttpResponse:
    """The sign button's POST: the outcome as a message (one, however many reasons), then back to the document."""
    run_service(request, sign, success=_signed_message, joined=True)
    return redirect(done)


@login_required
def report_signature_upload(request: HttpRequest, pk: int) -> HttpResponse:
    version = _signable(request, pk)
    return _upload_page(
        request, SignedPdfForm(request.POST or None, request.FILES or None),
        lambda data: services.report_signature_upload(actor=request.user, version=version, data=data),
        f"{version.get_absolute_url()}#signature", {
            "bloc_year": version.bloc_year, "here": _("Year-end report"), "back": version.get_absolute_url(),
            "heading": _("Upload the signed report, version %(n)s") % {"n": version.number},
            "original_url": reverse("reports:report-pdf", args=[version.pk]),
            "original_label": _("the adopted PDF"), "original_sha256": version.pdf_sha256})


@login_required
@require_POST
def report_sign(request: HttpRequest, pk: int) -> HttpResponse:
    version = _signable(request, pk)
    return _sign_on_server(request, lambda: services.report_sign(actor=request.user, version=version),
                           f"{version.get_absolute_url()}#signature")


def _letter_done(document: SentDocument) -> str:
    return reverse("reports:documents", args=[document.bloc_year_id]) + "#letter-signature"


@login_required
def letter_signature_upload(request: HttpRequest, pk: int) -> HttpResponse:
    document = _letter(request, pk)
    form = SignedPdfForm(request.POST or None, request.FILES or None, label=_("The submission letter's PDF, signed"),
                         help_text=_("Download the letter's PDF as sent, sign it with your signing software (USB "
                                     "token) without changing it, and upload the file it saved."))
    return _upload_page(
        request, form, lambda data: services.letter_signature_upload(actor=request.user, document=document,
                                                                     data=data),
        _letter_done(document), {
            "bloc_year": document.bloc_year, "here": _("Meeting documents"), "back": _letter_done(document),
            "heading": _("Upload the signed submission letter, version %(n)s") % {"n": document.version},
            "original_url": reverse("reports:sent-document", args=[document.pk]) + "?format=pdf",
            "original_label": _("the letter's PDF as sent"), "original_sha256": document.pdf_sha256})


@login_required
@require_POST
def letter_sign(request: HttpRequest, pk: int) -> HttpResponse:
    document = _letter(request, pk)
    return _sign_on_server(request, lambda: services.letter_sign(actor=request.user, document=document),
                           _letter_done(document))
