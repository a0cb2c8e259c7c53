"""The rectification ledger download and the two imports. Rules live in excel.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from debrief.accounts.access import Capability, orgs_for_user, require_capability, scope_for
from debrief.cycles.access import cycles_for_user
from debrief.lib.xlsx import MemoryUploadHandler, xlsx_response
from debrief.orgs.models import Organization
from debrief.rectification.access import problems_for_user
from debrief.rectification.excel import (
    import_problems,
    import_progress,
    ledger_workbook,
    problems_template_workbook,
    progress_template_workbook,
)
from debrief.rectification.forms import ImportForm, ProblemsImportForm
from debrief.rectification.services import ACTIVE_STATUSES
from debrief.rectification.views import filtered_problems

MAX_ERRORS_SHOWN = 1000


def _max_upload_bytes() -> int:
    return int(settings.DEBRIEF_MAX_UPLOAD_MB) * 1024 * 1024


def _ledger_title(request: HttpRequest, org: Organization | None, cycle: Any) -> str:
    if org is None:
        roots = Organization.objects.filter(pk__in=scope_for(request.user).root_ids)
        name = "、".join(root.name for root in roots.order_by("path")[:3])
    else:
        name = org.name
    year = f"{cycle.year}年度" if cycle is not None else ""
    return f"{name}{year}整改台账"


@login_required
@require_GET
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    """The ledger (整改台账) of the user's problems, with the problem list's filters
    (`?org=` for a subtree, `?cycle=`, and the others)."""
    require_capability(request, Capability.VIEW)
    problems, form, org = filtered_problems(request)
    cycle = None
    if form.is_bound and form.cleaned_data.get("cycle"):
        cycle = cycles_for_user(request.user).filter(pk=form.cleaned_data["cycle"]).first()
    title = _ledger_title(request, org, cycle)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(ledger_workbook(problems, title=title), f"{title}-{stamp}.xlsx")


def _import_context(request: HttpRequest, form: Any, result: Any, filename: str) -> dict:
    errors = result.errors[:MAX_ERRORS_SHOWN] if result else []
    return {
        "form": form,
        "result": result,
        "filename": filename,
        "errors": errors,
        "errors_hidden": len(result.errors) - len(errors) if result else 0,
        "max_upload_mb": settings.DEBRIEF_MAX_UPLOAD_MB,
    }


@csrf_exempt  # CSRF is checked by _progress_page, after the upload handler is installed
@login_required
@require_http_methods(["GET", "POST"])
def progress_import(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.REPORT_WRITE)
    if request.method == "POST":
        request.upload_handlers = [MemoryUploadHandler(request, max_bytes=_max_upload_bytes())]
    return _progress_page(request)


@csrf_protect
def _progress_page(request: HttpRequest) -> HttpResponse:
    result = None
    filename = ""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            filename = upload.name or ""
            result = import_progress(
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
    return render(
        request,
        "rectification/progress_import.html",
        _import_context(request, form, result, filename),
    )


@csrf_exempt  # CSRF is checked by _problems_page, after the upload handler is installed
@login_required
@require_http_methods(["GET", "POST"])
def problems_import(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.REPORT_WRITE)
    if request.method == "POST":
        request.upload_handlers = [MemoryUploadHandler(request, max_bytes=_max_upload_bytes())]
    return _problems_page(request)


@csrf_protect
def _problems_page(request: HttpRequest) -> HttpResponse:
    result = None
    filename = ""
    cycles = cycles_for_user(request.user).order_by("-year", "pk")
    if request.method == "POST":
        form = ProblemsImportForm(request.POST, request.FILES, cycles=cycles)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            filename = upload.name or ""
            result = import_problems(
                upload,
                user=request.user,
                max_bytes=_max_upload_bytes(),
                cycle=form.cleaned_data["cycle"],
                dry_run=form.cleaned_data["check_only"],
                filename=filename,
                request=request,
                audit_failure=True,
            )
    else:
        form = ProblemsImportForm(cycles=cycles)
    return render(
        request,
        "rectification/problems_import.html",
        _import_context(request, form, result, filename),
    )


@login_required
@require_GET
def progress_template(request: HttpRequest) -> HttpResponse:
    """The progress workbook prefilled with the active items the user is responsible for."""
    require_capability(request, Capability.REPORT_WRITE)
    mine = problems_for_user(request.user).filter(
        organization__in=orgs_for_user(request.user, Capability.REPORT_WRITE),
        status__in=ACTIVE_STATUSES,
    )
    return xlsx_response(progress_template_workbook(mine), "整改进展导入模板.xlsx")


@login_required
@require_GET
def problems_template(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.REPORT_WRITE)
    return xlsx_response(problems_template_workbook(), "问题清单导入模板.xlsx")
