"""The report workflow: draft → submitted → returned (with reasons) or accepted.

Every save that changes anything creates a new version; versions are never
edited, so any two can be compared later.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from debrief.audit.services import audit_record
from debrief.cycles.models import Cycle, CycleStatus, Reporter
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.lib.richtext import sanitize
from debrief.reports.models import (
    SECTION_KEYS,
    SECTIONS,
    Report,
    ReportReview,
    ReportStatus,
    ReportVersion,
    ReviewAction,
)

WRITING_STATUSES = (CycleStatus.REPORTS_OPEN,)
# A report returned during the meeting stage can still be put right and resubmitted.
RETURNED_WRITING_STATUSES = (CycleStatus.REPORTS_OPEN, CycleStatus.MEETING)
REVIEW_STATUSES = (CycleStatus.REPORTS_OPEN, CycleStatus.MEETING)


def previous_cycle(cycle: Cycle) -> Cycle | None:
    return Cycle.objects.filter(host=cycle.host, year__lt=cycle.year).order_by("-year").first()


def rectification_prefill(reporter: Reporter) -> str:
    """The status of the problems found in the previous cycle for the same organization,
    as the opening of this year's report (述前述后两整改). The report is a document in
    Chinese, so the text is Chinese whatever language the writer browses in."""
    with translation.override("zh-hans"):
        return _rectification_prefill(reporter)


def _rectification_prefill(reporter: Reporter) -> str:
    from debrief.rectification.models import Problem

    before = previous_cycle(reporter.cycle)
    if before is None:
        return ""
    problems = Problem.objects.filter(cycle=before, organization=reporter.organization).order_by(
        "created_at", "pk"
    )
    if not problems:
        return ""
    items = "".join(
        "<li>{desc}（{status}{progress}）</li>".format(
            desc=escape(p.description),
            status=p.get_status_display(),
            progress=_("，%(n)d%% complete") % {"n": p.progress} if p.status != "closed" else "",
        )
        for p in problems
    )
    intro = escape(
        _("Problems pointed out in the %(year)d debriefing and their rectification:")
        % {"year": before.year}
    )
    return sanitize(f"<p>{intro}</p><ol>{items}</ol>")


def report_for(reporter: Reporter) -> Report:
    """The reporter's report, created as an empty draft (pre-filled with last year's
    rectification status) the first time it is asked for."""
    report, created = Report.objects.get_or_create(reporter=reporter)
    if created:
        prefill = rectification_prefill(reporter)
        ReportVersion.objects.create(report=report, number=1, rectification=prefill)
    return report


def _may_write(report: Report) -> bool:
    statuses = (
        RETURNED_WRITING_STATUSES if report.status == ReportStatus.RETURNED else WRITING_STATUSES
    )
    return report.reporter.cycle.status in statuses


def report_writable(report: Report) -> bool:
    """Whether the report's text can be changed now (by someone allowed to write it)."""
    return report.editable and _may_write(report)


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("reporter__cycle").get(pk=report.pk)


def _clean_indicators(indicators: list[dict[str, Any]]) -> list[dict[str, str]]:
    cleaned = []
    for row in indicators:
        item = {k: str(row.get(k, "")).strip()[:200] for k in ("name", "target", "actual", "unit")}
        if any(item.values()):
            if not item["name"]:
                raise DomainError(_("Every key indicator needs a name."))
            cleaned.append(item)
    return cleaned


def report_save(
    *,
    report: Report,
    sections: dict[str, str],
    indicators: list[dict[str, Any]] | None = None,
    actor: Any = None,
) -> ReportVersion:
    """Save the report's text as a new version (or return the latest if nothing changed)."""
    unknown = set(sections) - set(SECTION_KEYS)
    if unknown:
        raise DomainError(_("Unknown report section: %(s)s") % {"s": ", ".join(sorted(unknown))})
    with transaction.atomic():
        report = _locked(report)
        if not _may_write(report):
            raise IllegalTransition(_("Reports can only be written while reports are open."))
        if not report.editable:
            raise IllegalTransition(
                _("A %(status)s report cannot be changed.")
                % {"status": report.get_status_display()}
            )
        latest = report.latest_version()
        values = latest.sections() if latest else dict.fromkeys(SECTION_KEYS, "")
        values.update({key: sanitize(value) for key, value in sections.items()})
        new_indicators = (
            _clean_indicators(indicators)
            if indicators is not None
            else (latest.indicators if latest else [])
        )
        if latest and values == latest.sections() and new_indicators == latest.indicators:
            return latest
        version = ReportVersion.objects.create(
            report=report,
            number=(latest.number if latest else 0) + 1,
            indicators=new_indicators,
            author=actor,
            **values,
        )
        report.save(update_fields=["updated_at"])
    return version


def report_submit(*, report: Report, actor: Any = None) -> Report:
    with transaction.atomic():
        report = _locked(report)
        if not _may_write(report):
            raise IllegalTransition(_("Reports can only be submitted while reports are open."))
        if not report.editable:
            raise IllegalTransition(
                _("A %(status)s report cannot be submitted.")
                % {"status": report.get_status_display()}
            )
        latest = report.latest_version()
        missing = [
            str(label)
            for key, label, required in SECTIONS
            if required and (latest is None or not getattr(latest, key).strip())
        ]
        if missing:
            raise DomainError(
                _("These sections are still empty: %(sections)s") % {"sections": "、".join(missing)}
            )
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = timezone.now()
        report.return_reason = ""
        report.save(update_fields=["status", "submitted_at", "return_reason", "updated_at"])
        ReportReview.objects.create(
            report=report,
            action=ReviewAction.SUBMITTED,
            actor=actor,
            version_number=latest.number if latest else None,
        )
        audit_record(
            action="report.submit",
            actor=actor,
            target=str(report.reporter),
            organization=report.reporter.organization,
        )
    return report


def _decide(report: Report, *, action: str, reason: str, actor: Any) -> Report:
    with transaction.atomic():
        report = _locked(report)
        if report.reporter.cycle.status not in REVIEW_STATUSES:
            raise IllegalTransition(_("Reports can no longer be reviewed in this cycle."))
        if report.status != ReportStatus.SUBMITTED:
            raise IllegalTransition(
                _("Only a submitted report can be returned or accepted; this one is %(status)s.")
                % {"status": report.get_status_display()}
            )
        report.status = (
            ReportStatus.RETURNED if action == ReviewAction.RETURNED else ReportStatus.ACCEPTED
        )
        report.return_reason = reason if action == ReviewAction.RETURNED else ""
        report.decided_at = timezone.now()
        report.decided_by = actor
        report.save(
            update_fields=["status", "return_reason", "decided_at", "decided_by", "updated_at"]
        )
        latest = report.latest_version()
        ReportReview.objects.create(
            report=report,
            action=action,
            reason=reason,
            actor=actor,
            version_number=latest.number if latest else None,
        )
        audit_record(
            action=f"report.{action}",
            actor=actor,
            target=str(report.reporter),
            organization=report.reporter.organization,
            detail={"reason": reason} if reason else {},
        )
    return report


def report_return(*, report: Report, reason: str, actor: Any = None) -> Report:
    """Send a submitted report back to its author with the reasons."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the report is returned."))
    return _decide(report, action=ReviewAction.RETURNED, reason=reason, actor=actor)


def report_accept(*, report: Report, actor: Any = None) -> Report:
    return _decide(report, action=ReviewAction.ACCEPTED, reason="", actor=actor)


# Accepted attachment types, recognised by content, not by the name the browser sent.
ATTACHMENT_TYPES: dict[str, tuple[bytes, str]] = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".docx": (
        b"PK\x03\x04",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".xlsx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def _require_changeable(report: Report) -> None:
    """Attachments are part of the report: they change only while it can be written."""
    if not _may_write(report):
        raise IllegalTransition(_("Reports can only be written while reports are open."))
    if not report.editable:
        raise IllegalTransition(
            _("A %(status)s report cannot be changed.") % {"status": report.get_status_display()}
        )


def attachment_add(*, report: Report, upload: Any, actor: Any = None) -> Any:
    """Store an uploaded file under a generated name after checking its size and type."""
    from pathlib import PurePath

    from debrief.reports.models import Attachment

    name = PurePath(upload.name or "").name[:200]
    suffix = PurePath(name).suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        raise DomainError(
            _("Only these file types can be attached: %(types)s")
            % {"types": " ".join(sorted(ATTACHMENT_TYPES))}
        )
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise DomainError(
            _("An attachment may be at most %(mb)d MB.") % {"mb": ATTACHMENT_MAX_BYTES // 2**20}
        )
    magic, content_type = ATTACHMENT_TYPES[suffix]
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        raise DomainError(_("The file's content does not match its type %(t)s.") % {"t": suffix})
    with transaction.atomic():
        report = _locked(report)
        _require_changeable(report)
        attachment = Attachment(
            report=report,
            original_name=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        audit_record(
            action="report.attachment_add",
            actor=actor,
            target=str(report.reporter),
            organization=report.reporter.organization,
            detail={"attachment": attachment.pk, "name": name, "size": upload.size},
        )
    return attachment


def attachment_remove(*, attachment: Any, actor: Any = None) -> None:
    with transaction.atomic():
        report = _locked(attachment.report)
        _require_changeable(report)
        stored = attachment.file.name
        detail = {"attachment": attachment.pk, "name": attachment.original_name}
        attachment.delete()
        audit_record(
            action="report.attachment_remove",
            actor=actor,
            target=str(report.reporter),
            organization=report.reporter.organization,
            detail=detail,
        )
        transaction.on_commit(lambda: attachment.file.storage.delete(stored))
