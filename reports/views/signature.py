"""The adopted report's digital signature: upload the PDF signed elsewhere, or sign on the server (issue 12,
item 7). The chair only (reports/permissions.py `can_sign_report`); outsiders get 404, other roles 403."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blocs import permissions as perms
from emulation.kernel.view_helpers import run_service
from reports.forms import SignedPdfForm
from reports.models import ReportVersion
from reports.permissions import can_sign_report
from reports.services import signature as services


def _signable(request: HttpRequest, pk: int) -> ReportVersion:
    version = get_object_or_404(ReportVersion.objects.select_related("bloc_year__bloc__province"), pk=pk)
    bloc_year = perms.get_bloc_year(request.user, version.bloc_year_id)  # 404 for outsiders
    perms.require(can_sign_report(perms.roles_of(request.user), bloc_year))
    return version


def _signed_message(signature) -> str:  # noqa: ANN001 - a ReportSignature
    if signature.is_trusted:
        return _("The signature is valid: signed by %(signer)s. The signed PDF is served from now on.") % {
            "signer": signature.signer}
    return _("The signature is valid, signed by %(signer)s, but its issuer (%(issuer)s) is not in this "
             "installation's trust list. The signed PDF is served from now on.") % {
        "signer": signature.signer, "issuer": signature.issuer}


@login_required
def report_signature_upload(request: HttpRequest, pk: int) -> HttpResponse:
    version = _signable(request, pk)
    form = SignedPdfForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["signed_pdf"].read()
        if run_service(request, lambda: services.report_signature_upload(actor=request.user, version=version,
                                                                         data=data),
                       form=form, success=_signed_message):
            return redirect(f"{version.get_absolute_url()}#signature")
    return render(request, "reports/report_signature_upload.html", {
        "version": version, "bloc_year": version.bloc_year, "form": form})


@login_required
@require_POST
def report_sign(request: HttpRequest, pk: int) -> HttpResponse:
    version = _signable(request, pk)
    run_service(request, lambda: services.report_sign(actor=request.user, version=version),
                success=_signed_message, joined=True)
    return redirect(f"{version.get_absolute_url()}#signature")
