"""Excel import and export of the organization tree. The rules live in orgs.excel."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from debrief.accounts.access import (
    Capability,
    get_org_for_user,
    orgs_for_user,
    require_capability,
)
from debrief.lib.http import parse_pk
from debrief.lib.xlsx import XLSX_CONTENT_TYPE, MemoryUploadHandler, xlsx_response
from debrief.orgs.excel import export_workbook, import_organizations, template_workbook

# The page lists at most this many problems; the command prints them all.
MAX_ERRORS_SHOWN = 1000


def _max_upload_bytes() -> int:
    return settings.DEBRIEF_MAX_UPLOAD_MB * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.FileInput(
            attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}", "data-testid": "import-file"}
        ),
    )
    check_only = forms.BooleanField(
        label=gettext_lazy("Check only: report what would change, change nothing"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-testid": "import-check-only"}),
    )


@csrf_exempt  # CSRF is checked by _import_page, after the upload handler is installed
@login_required
@require_http_methods(["GET", "POST"])
def import_orgs(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.EDIT)
    if request.method == "POST":
        # Uploads stay in memory, never on disk, and stop counting at the size limit.
        request.upload_handlers = [MemoryUploadHandler(request, max_bytes=_max_upload_bytes())]
    return _import_page(request)


@csrf_protect
def _import_page(request: HttpRequest) -> HttpResponse:
    result = None
    filename = ""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            filename = upload.name or ""
            result = import_organizations(
                upload,
                user=request.user,
                max_bytes=_max_upload_bytes(),
                dry_run=form.cleaned_data["check_only"],
                filename=filename,
                request=request,
                audit_failure=True,
            )
    else:
        form = ImportForm()
    errors = result.errors[:MAX_ERRORS_SHOWN] if result else []
    return render(
        request,
        "orgs/import.html",
        {
            "form": form,
            "result": result,
            "filename": filename,
            "errors": errors,
            "errors_hidden": len(result.errors) - len(errors) if result else 0,
            "max_upload_mb": settings.DEBRIEF_MAX_UPLOAD_MB,
        },
    )


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.EDIT)
    return xlsx_response(template_workbook(), _("organizations-template") + ".xlsx")


@login_required
@require_GET
def export_orgs(request: HttpRequest) -> HttpResponse:
    """The user's organizations; `?root=<id>` for one subtree of them."""
    require_capability(request, Capability.VIEW)
    orgs = orgs_for_user(request.user)
    root = parse_pk(request.GET.get("root", ""))
    if root is not None:
        orgs = orgs.filter(path__startswith=get_org_for_user(request, root).path)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(export_workbook(orgs), f"{_('organizations')}-{stamp}.xlsx")
