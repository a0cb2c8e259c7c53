"""Writing, reviewing and comparing debriefing reports (述职报告), and the secretary's
own page ("My debriefing").

Every rule lives in debrief.reports.services; these views find objects only through
debrief.cycles.access, call the services, and show a broken rule (DomainError) as a
message. Every change is a POST. Objects outside the user's scope are "not found".
"""

from __future__ import annotations

import difflib
from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from debrief.accounts.access import Capability, orgs_for_user, require_capability
from debrief.accounts.models import Grant, Role
from debrief.cycles.access import (
    can_manage_cycle,
    can_write_report,
    get_cycle_for_user,
    get_reporter_for_user,
)
from debrief.cycles.models import Reporter
from debrief.lib.actions import perform
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.lib.richtext import sanitize, to_text
from debrief.meetings.models import Comment
from debrief.rectification.models import Problem, ProblemStatus
from debrief.reports.forms import (
    INDICATOR_FIELDS,
    AttachmentForm,
    CompareForm,
    ReportForm,
    ReturnForm,
    indicator_rows,
    parse_indicators,
)
from debrief.reports.models import SECTIONS, Attachment, Report, ReportStatus, ReportVersion
from debrief.reports.services import (
    REVIEW_STATUSES,
    WRITING_STATUSES,
    attachment_add,
    attachment_remove,
    report_accept,
    report_for,
    report_return,
    report_save,
    report_submit,
    report_writable,
)

# Where a report stands, as the reviewers' list shows it. A report that exists but
# holds only the automatically created first version (nobody has saved anything) has
# not been started either.
NOT_STARTED = "not_started"
STATES: list[tuple[str, Any]] = [
    (NOT_STARTED, gettext_lazy("Not started")),
    (ReportStatus.DRAFT, ReportStatus.DRAFT.label),
    (ReportStatus.SUBMITTED, ReportStatus.SUBMITTED.label),
    (ReportStatus.RETURNED, ReportStatus.RETURNED.label),
    (ReportStatus.ACCEPTED, ReportStatus.ACCEPTED.label),
]
STATE_LABELS = dict(STATES)


def report_state(report: Report | None, latest_number: int | None) -> str:
    if report is None:
        return NOT_STARTED
    if report.status == ReportStatus.DRAFT and (latest_number or 0) <= 1:
        return NOT_STARTED
    return str(report.status)


def _latest_number() -> Subquery:
    return Subquery(
        ReportVersion.objects.filter(report__reporter=OuterRef("pk"))
        .order_by("-number")
        .values("number")[:1]
    )


def _report_of(reporter: Reporter) -> Report | None:
    return Report.objects.filter(reporter=reporter).first()


def _report_to_write(reporter: Reporter) -> Report | None:
    """The report, created (with last year's rectification pre-filled) when reports are
    open and it does not exist yet."""
    report = _report_of(reporter)
    if report is None and reporter.cycle.status in WRITING_STATUSES:
        report = report_for(reporter)
    return report


def _writable_reporter(request: HttpRequest, reporter_pk: int) -> Reporter:
    reporter = get_reporter_for_user(request, reporter_pk)
    if not can_write_report(request.user, reporter):
        raise Http404
    return reporter


def _back(reporter: Reporter, anchor: str = "") -> HttpResponse:
    url = reverse("reports:reporter", args=[reporter.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- One reporter's report ----------------------------------------------------------


@login_required
@require_safe
def reporter_report(request: HttpRequest, reporter_pk: int) -> HttpResponse:
    """The report of one reporter: the editor for whoever may write it while reports are
    open and it is a draft or returned; otherwise the report as submitted, with Accept
    and Return for the host's reviewers."""
    reporter = get_reporter_for_user(request, reporter_pk)
    return _render_report(request, reporter)


def _render_report(
    request: HttpRequest,
    reporter: Reporter,
    *,
    posted_sections: dict[str, str] | None = None,
    posted_indicators: list[dict[str, str]] | None = None,
    return_form: ReturnForm | None = None,
) -> HttpResponse:
    cycle = reporter.cycle
    may_write = can_write_report(request.user, reporter)
    report = _report_to_write(reporter) if may_write else _report_of(reporter)
    latest = report.latest_version() if report else None
    editing = bool(report is not None and may_write and report_writable(report))
    manages = can_manage_cycle(request.user, cycle)
    may_review = bool(
        report is not None
        and report.status == ReportStatus.SUBMITTED
        and cycle.status in REVIEW_STATUSES
        and manages
    )
    saved_sections = latest.sections() if latest else {}
    saved_indicators = list(latest.indicators) if latest else []
    context: dict[str, Any] = {
        "reporter": reporter,
        "cycle": cycle,
        "report": report,
        "latest": latest,
        "state": report_state(report, latest.number if latest else None),
        "editing": editing,
        "manages": manages,
        "may_write": may_write,
        "may_review": may_review,
        "sections": [
            {"key": key, "label": label, "html": saved_sections.get(key, "")}
            for key, label, _required in SECTIONS
        ],
        "indicators": saved_indicators,
        "attachments": list(report.attachments.select_related("uploaded_by")) if report else [],
        "reviews": list(report.reviews.select_related("actor")) if report else [],
        "versions": (
            list(report.versions.select_related("author").order_by("-number")) if report else []
        ),
    }
    context["state_label"] = STATE_LABELS[context["state"]]
    if editing:
        context["form"] = ReportForm(initial={**saved_sections, **(posted_sections or {})})
        context["indicator_rows"] = indicator_rows(
            posted_indicators if posted_indicators is not None else saved_indicators
        )
        context["upload_form"] = AttachmentForm()
    if may_review:
        context["return_form"] = return_form or ReturnForm()
    return render(request, "reports/report.html", context)


@login_required
@require_POST
def report_edit(request: HttpRequest, reporter_pk: int) -> HttpResponse:
    """Save the draft as a new version; with action=submit, then submit it."""
    reporter = _writable_reporter(request, reporter_pk)
    report = _report_to_write(reporter)
    if report is None:
        messages.error(request, _("Reports can only be written while reports are open."))
        return _back(reporter)
    form = ReportForm(request.POST)
    form.is_valid()  # every section is optional text; the service decides the rest
    sections = form.sections()
    indicators = parse_indicators(request.POST)
    before = report.latest_version()
    try:
        version = report_save(
            report=report, sections=sections, indicators=indicators, actor=request.user
        )
    except IllegalTransition as error:
        messages.error(request, error.message)
        return _back(reporter)
    except DomainError as error:
        # Show the page again with what was typed, so that nothing is lost.
        messages.error(request, error.message)
        return _render_report(
            request,
            reporter,
            posted_sections={key: sanitize(value) for key, value in sections.items()},
            posted_indicators=indicators,
        )
    if request.POST.get("action") == "submit":
        try:
            report_submit(report=report, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return _back(reporter)
        messages.success(request, _("The report has been submitted for review."))
        return _back(reporter)
    if before is not None and version.number == before.number:
        messages.info(
            request, _("Nothing has changed since version %(n)d.") % {"n": version.number}
        )
    else:
        messages.success(request, _("Draft saved as version %(n)d.") % {"n": version.number})
    return _back(reporter)


def _reviewable(request: HttpRequest, reporter_pk: int) -> tuple[Reporter, Report]:
    """The reporter and report, for the host's staff and administrators only."""
    reporter = get_reporter_for_user(request, reporter_pk)
    get_cycle_for_user(request, reporter.cycle_id, manage=True)
    return reporter, get_object_or_404(Report, reporter=reporter)


@login_required
@require_POST
def accept(request: HttpRequest, reporter_pk: int) -> HttpResponse:
    reporter, report = _reviewable(request, reporter_pk)
    perform(
        request,
        lambda: report_accept(report=report, actor=request.user),
        _("The report has been accepted."),
    )
    return _back(reporter)


@login_required
@require_POST
def return_report(request: HttpRequest, reporter_pk: int) -> HttpResponse:
    reporter, report = _reviewable(request, reporter_pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the report is returned."))
        return _render_report(request, reporter, return_form=form)
    perform(
        request,
        lambda: report_return(
            report=report, reason=form.cleaned_data["reason"], actor=request.user
        ),
        _("The report has been returned to the secretary."),
    )
    return _back(reporter)


# --- Attachments ------------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request: HttpRequest, reporter_pk: int) -> HttpResponse:
    reporter = _writable_reporter(request, reporter_pk)
    report = _report_of(reporter)
    if report is None:
        raise Http404
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return _back(reporter, "attachments")
    try:
        attachment = attachment_add(
            report=report, upload=form.cleaned_data["file"], actor=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(name)s has been attached.") % {"name": attachment.original_name}
        )
    return _back(reporter, "attachments")


def _attachment_for(request: HttpRequest, pk: int) -> tuple[Attachment, Reporter]:
    attachment = get_object_or_404(Attachment.objects.select_related("report"), pk=pk)
    reporter = get_reporter_for_user(request, attachment.report.reporter_id)
    return attachment, reporter


@login_required
@require_safe
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file under its original name, for anyone who may see the report."""
    attachment, _reporter = _attachment_for(request, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment, reporter = _attachment_for(request, pk)
    if not can_write_report(request.user, reporter):
        raise Http404
    name = attachment.original_name
    perform(
        request,
        lambda: attachment_remove(attachment=attachment, actor=request.user),
        _("%(name)s has been removed.") % {"name": name},
    )
    return _back(reporter, "attachments")


# --- Versions and comparison -------------------------------------------------------


@login_required
@require_safe
def versions(request: HttpRequest, reporter_pk: int) -> HttpResponse:
    reporter = get_reporter_for_user(request, reporter_pk)
    report = _report_of(reporter)
    rows = list(report.versions.select_related("author").order_by("-number")) if report else []
    initial = {"a": rows[1].number, "b": rows[0].number} if len(rows) > 1 else {}
    return render(
        request,
        "reports/versions.html",
        {
            "reporter": reporter,
            "report": report,
            "versions": rows,
            "form": CompareForm(initial=initial),
        },
    )


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(kind, line) for every line of two texts: "same", "del" or "add"."""
    before, after = old.splitlines(), new.splitlines()
    rows: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [("same", line) for line in before[i1:i2]]
        else:
            rows += [("del", line) for line in before[i1:i2]]
            rows += [("add", line) for line in after[j1:j2]]
    return rows


def indicator_diff(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The key-indicator rows of two versions, matched by name: kept, changed, added
    (in the newer order), then removed. Each cell holds the new value and, if it
    changed, the old one."""

    def keyed(rows: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, str]]:
        seen: Counter[str] = Counter()
        result = {}
        for row in rows:
            name = str(row.get("name", ""))
            result[(name, seen[name])] = {f: str(row.get(f, "")) for f in INDICATOR_FIELDS}
            seen[name] += 1
        return result

    before, after = keyed(old), keyed(new)
    changes: list[dict[str, Any]] = []
    for key, row in after.items():
        was = before.get(key)
        if was is None:
            kind = "add"
        elif was == row:
            kind = "same"
        else:
            kind = "changed"
        cells = [
            {"value": row[f], "old": was[f] if was and was[f] != row[f] else None}
            for f in INDICATOR_FIELDS
        ]
        changes.append({"kind": kind, "cells": cells})
    for key, row in before.items():
        if key not in after:
            changes.append(
                {"kind": "del", "cells": [{"value": row[f], "old": None} for f in INDICATOR_FIELDS]}
            )
    return changes


@login_required
@require_safe
def compare(request: HttpRequest, reporter_pk: int) -> HttpResponse:
    """Two versions side by side: a line diff per section and the indicator changes."""
    reporter = get_reporter_for_user(request, reporter_pk)
    report = _report_of(reporter)
    if report is None:
        raise Http404
    form = CompareForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose two versions to compare."))
        return redirect("reports:versions", reporter_pk=reporter.pk)
    old = get_object_or_404(report.versions.select_related("author"), number=form.cleaned_data["a"])
    new = get_object_or_404(report.versions.select_related("author"), number=form.cleaned_data["b"])
    sections = []
    for key, label, _required in SECTIONS:
        rows = line_diff(to_text(getattr(old, key)), to_text(getattr(new, key)))
        sections.append(
            {
                "key": key,
                "label": label,
                "rows": rows,
                "changed": any(kind != "same" for kind, _line in rows),
            }
        )
    indicators = indicator_diff(old.indicators, new.indicators)
    return render(
        request,
        "reports/compare.html",
        {
            "reporter": reporter,
            "report": report,
            "old": old,
            "new": new,
            "sections": sections,
            "indicators": indicators,
            "indicators_changed": any(row["kind"] != "same" for row in indicators),
            "form": form,
            "versions": list(report.versions.order_by("-number").values_list("number", flat=True)),
        },
    )


# --- The reviewers' list ------------------------------------------------------------


@login_required
@require_safe
def cycle_reports(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    """Every report of the cycle, with counts per status, for the host's reviewers."""
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    reporters = list(
        Reporter.objects.filter(cycle=cycle)
        .select_related("organization", "person", "report")
        .annotate(latest_number=_latest_number())
    )
    for reporter in reporters:
        report = getattr(reporter, "report", None)
        reporter.report_or_none = report  # type: ignore[attr-defined]
        reporter.state = report_state(report, reporter.latest_number)  # type: ignore[attr-defined]
        reporter.state_label = STATE_LABELS[reporter.state]  # type: ignore[attr-defined]
    counts = Counter(reporter.state for reporter in reporters)  # type: ignore[attr-defined]
    selected = request.GET.get("status", "")
    if selected not in STATE_LABELS:
        selected = ""
    shown = [r for r in reporters if not selected or r.state == selected]  # type: ignore[attr-defined]
    return render(
        request,
        "reports/cycle_reports.html",
        {
            "cycle": cycle,
            "reporters": shown,
            "total": len(reporters),
            "counts": [(state, label, counts.get(state, 0)) for state, label in STATES],
            "selected": selected,
        },
    )


# --- My debriefing -------------------------------------------------------------------


def my_reporters(user: Any) -> QuerySet[Reporter]:
    """The reporters whose report is the user's own to write.

    Writing is allowed over the user's whole REPORT_WRITE scope (for a county
    administrator: the entire county), which is too much for a personal page. So this
    page keeps, within that scope, only the reporters who are the user themself (the
    reporter's person is the person linked to the account) or whose organization is
    exactly one the user holds the secretary role on (the secretary's own committee,
    even when the roster names someone else, e.g. after a change of secretary).
    """
    secretary_of = Grant.objects.filter(user=user, role=Role.SECRETARY).values("organization_id")
    own = Q(organization_id__in=secretary_of)
    person_id = getattr(user, "person_id", None)
    if person_id:
        own |= Q(person_id=person_id)
    return Reporter.objects.filter(
        own, organization__in=orgs_for_user(user, Capability.REPORT_WRITE)
    )


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    """My debriefing: per cycle, my report, the comments on me and my problems, with the
    problems of my organization still open from earlier cycles."""
    require_capability(request, Capability.REPORT_WRITE)
    comments = Comment.objects.prefetch_related(
        Prefetch("problems", queryset=Problem.objects.order_by("created_at", "pk"))
    ).order_by("created_at", "pk")
    reporters = list(
        my_reporters(request.user)
        .select_related("cycle", "cycle__host", "organization", "person", "report")
        .annotate(latest_number=_latest_number())
        .prefetch_related(
            Prefetch("comments", queryset=comments),
            Prefetch("problems", queryset=Problem.objects.order_by("created_at", "pk")),
        )
        .order_by("-cycle__year", "cycle__host__path", "organization__path")
    )
    earlier = list(
        Problem.objects.filter(
            organization_id__in={r.organization_id for r in reporters}, cycle__isnull=False
        )
        .exclude(status=ProblemStatus.CLOSED)
        .select_related("cycle")
        .order_by("cycle__year", "created_at", "pk")
    )
    for reporter in reporters:
        report = getattr(reporter, "report", None)
        reporter.report_or_none = report  # type: ignore[attr-defined]
        reporter.state = report_state(report, reporter.latest_number)  # type: ignore[attr-defined]
        reporter.state_label = STATE_LABELS[reporter.state]  # type: ignore[attr-defined]
        reporter.writing = (  # type: ignore[attr-defined]
            reporter.cycle.status in WRITING_STATUSES and (report is None or report.editable)
        )
        reporter.earlier_problems = [  # type: ignore[attr-defined]
            p
            for p in earlier
            if p.organization_id == reporter.organization_id
            and p.cycle is not None
            and p.cycle.year < reporter.cycle.year
        ]
    return render(request, "reports/mine.html", {"reporters": reporters})
