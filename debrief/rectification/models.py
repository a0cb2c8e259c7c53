"""Problems found (问题清单). Every problem pointed out in a comment is tracked from
the meeting on, until the level above verifies and closes it (销号)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    POLITICAL = "political", _("Political construction")
    RESPONSIBILITY = "responsibility", _("Party-building responsibility")
    ORGANIZATION_SYSTEM = "organization_system", _("Organization system")
    TEAM = "team", _("Team building")
    MEMBERS = "members", _("Party-member education and management")
    SERVING_MASSES = "serving_masses", _("Serving the masses")
    GOVERNANCE = "governance", _("Grassroots governance")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    SERIOUS = "serious", _("Serious")
    MAJOR = "major", _("Major")
    GENERAL = "general", _("General")


class Source(models.TextChoices):
    COMMENT = "comment", _("Meeting comment")
    EVALUATION = "evaluation", _("Democratic evaluation")
    INSPECTION = "inspection", _("Supervision and inspection")
    SELF_CHECK = "self_check", _("Self-check")
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed, awaiting verification")
    CLOSED = "closed", _("Verified and closed")
    REOPENED = "reopened", _("Reopened")


class Problem(models.Model):
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    cycle = models.ForeignKey(
        "cycles.Cycle",
        verbose_name=_("cycle"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    reporter = models.ForeignKey(
        "cycles.Reporter",
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    comment = models.ForeignKey(
        "meetings.Comment",
        verbose_name=_("comment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    severity = models.CharField(
        _("severity"), max_length=12, choices=Severity.choices, default=Severity.GENERAL
    )
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("percent complete"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization__path", "created_at", "pk"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [models.Index(fields=["organization", "status"], name="problem_org_status")]

    def __str__(self) -> str:
        return self.description[:60]
