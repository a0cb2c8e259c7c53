"""The written debriefing report (述职报告): every saved version is kept."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from debrief.cycles.models import Reporter


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")


# The standard sections, in the order the report is read. (key, label, required)
SECTIONS: list[tuple[str, object, bool]] = [
    ("rectification", _("Rectification of last year's problems"), True),
    ("achievements", _("Main work and achievements"), True),
    ("key_tasks", _("Fulfilment of key tasks and commitments"), True),
    ("problems", _("Problems and shortcomings"), True),
    ("causes", _("Causes"), True),
    ("measures", _("Measures for next year"), True),
]
SECTION_KEYS = [key for key, _label, _required in SECTIONS]


class Report(models.Model):
    reporter = models.OneToOneField(
        Reporter, verbose_name=_("reporter"), on_delete=models.CASCADE, related_name="report"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("debriefing report")
        verbose_name_plural = _("debriefing reports")

    def __str__(self) -> str:
        return f"{self.reporter}"

    def latest_version(self) -> ReportVersion | None:
        return self.versions.order_by("-number").first()

    @property
    def editable(self) -> bool:
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)


class ReportVersion(models.Model):
    """One saved state of the report. Sections hold sanitised HTML."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    rectification = models.TextField(blank=True)
    achievements = models.TextField(blank=True)
    key_tasks = models.TextField(blank=True)
    problems = models.TextField(blank=True)
    causes = models.TextField(blank=True)
    measures = models.TextField(blank=True)
    # [{"name": ..., "target": ..., "actual": ..., "unit": ...}]
    indicators = models.JSONField(_("key indicators"), default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"

    def sections(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in SECTION_KEYS}


class ReviewAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")
    REOPENED = "reopened", _("Reopened")


class ReportReview(models.Model):
    """The report's review history: submissions, returns with reasons, acceptance."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(max_length=12, choices=ReviewAction.choices)
    reason = models.TextField(blank=True)
    version_number = models.PositiveIntegerField(null=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} {self.action}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Attachments are stored under a generated name; the original is kept as data."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"reports/{instance.report.reporter.cycle_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
