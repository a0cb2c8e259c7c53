"""Problems found (问题清单). Every problem pointed out in a comment is tracked from
the meeting on, until the level above verifies and closes it (销号)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    GENERAL = "general", pgettext_lazy("severity", "General")


class Source(models.TextChoices):
    COMMENT = "comment", _("Meeting comment")
    EVALUATION = "evaluation", _("Democratic evaluation")
    INSPECTION = "inspection", _("Supervision and inspection")
    SELF_CHECK = "self_check", _("Self-check")
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported")


class ProblemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("problem status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("problem status", "In progress")
    COMPLETED = "completed", _("Completed, awaiting verification")
    CLOSED = "closed", _("Verified and closed")
    REOPENED = "reopened", pgettext_lazy("problem status", "Reopened")


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
    # Rectification list (整改清单) and responsibility list (责任清单).
    plan = models.ForeignKey(
        "RectificationPlan",
        verbose_name=_("rectification plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    measures = models.TextField(_("measures"), blank=True)
    responsible_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("responsible organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_person = models.CharField(_("person responsible"), max_length=50, blank=True)
    responsible_leader = models.CharField(_("leader in charge"), max_length=50, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
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


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved by own committee")
    FILED = "filed", _("Filed with the level above")
    ACCEPTED = "accepted", _("Accepted by the level above")
    RETURNED = "returned", _("Returned by the level above")


class RectificationPlan(models.Model):
    """The reporting committee's plan for the problems of one cycle: drafted, approved
    by its own committee, filed with the organization department above, which
    accepts it or returns it with reasons."""

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="rectification_plans",
    )
    cycle = models.ForeignKey(
        "cycles.Cycle",
        verbose_name=_("cycle"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_plans",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approved_by_body = models.CharField(_("approved by"), max_length=100, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rectification plan")
        verbose_name_plural = _("rectification plans")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cycle"], name="plan_one_per_org_cycle"
            ),
            # NULLs are distinct in the constraint above, so it lets an organization have
            # any number of plans without a cycle; nulls_distinct=False would say so on
            # PostgreSQL 15+, but not on SQLite.
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(cycle__isnull=True),
                name="plan_one_per_org_without_cycle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.cycle}"

    @property
    def editable(self) -> bool:
        return self.status in (PlanStatus.DRAFT, PlanStatus.RETURNED)


class Milestone(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["problem", "due", "pk"]

    def __str__(self) -> str:
        return self.title


class EventKind(models.TextChoices):
    PROGRESS = "progress", pgettext_lazy("rectification", "Progress")
    COMPLETED = "completed", _("Marked completed")
    CLOSED = "closed", _("Verified and closed")
    REOPENED = "reopened", pgettext_lazy("problem status", "Reopened")
    OVERDUE = "overdue", _("Passed its deadline")


class ProblemEvent(models.Model):
    """The item's timeline: progress entries and every status change, with who and when."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    text = models.TextField(_("text"), blank=True)
    percent = models.PositiveSmallIntegerField(_("percent complete"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["problem", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind}"


def evidence_path(instance: Evidence, filename: str) -> str:
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{instance.event.problem_id}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    event = models.ForeignKey(ProblemEvent, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name


class KeyTask(models.Model):
    """A key task or secretary project (重点任务/书记项目) of a year, possibly carried
    over from an unresolved problem."""

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="key_tasks",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("task"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source_problem = models.OneToOneField(
        Problem,
        verbose_name=_("carried over from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="key_task",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "organization__path", "pk"]
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")

    def __str__(self) -> str:
        return self.title


class Notice(models.Model):
    """A notice shown to one user inside the app (no e-mail on an intranet)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    key = models.CharField(max_length=100)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notice_once_per_user_and_key")
        ]

    def __str__(self) -> str:
        return self.text
