"""The annual cycle (年度述职评议考核) and its roster of reporters (述职人)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from debrief.orgs.models import Organization


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REPORTS_OPEN = "reports_open", _("Reports open")
    MEETING = "meeting", _("Review meeting")
    ASSESSMENT = "assessment", _("Assessment")
    PUBLISHED = "published", _("Results published")
    CLOSED = "closed", _("Closed")


# The workflow: each status and the statuses it may move to. Stepping back one
# stage is allowed before results are published, to correct a mistake.
CYCLE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CycleStatus.DRAFT: (CycleStatus.REPORTS_OPEN,),
    CycleStatus.REPORTS_OPEN: (CycleStatus.MEETING, CycleStatus.DRAFT),
    CycleStatus.MEETING: (CycleStatus.ASSESSMENT, CycleStatus.REPORTS_OPEN),
    CycleStatus.ASSESSMENT: (CycleStatus.PUBLISHED, CycleStatus.MEETING),
    CycleStatus.PUBLISHED: (CycleStatus.CLOSED,),
    CycleStatus.CLOSED: (),
}


class Cycle(models.Model):
    host = models.ForeignKey(
        Organization,
        verbose_name=_("host committee"),
        on_delete=models.PROTECT,
        related_name="hosted_cycles",
    )
    year = models.PositiveSmallIntegerField(_("year reported on"))
    title = models.CharField(_("title"), max_length=200)
    levels = models.JSONField(_("levels in scope"), default=list)
    fields = models.JSONField(_("fields in scope"), default=list)
    reference_date = models.DateField(
        _("reference date"),
        help_text=_("The roster lists the secretary in post on this date."),
    )
    report_deadline = models.DateField(_("report deadline"), null=True, blank=True)
    meeting_deadline = models.DateField(_("meeting to be held by"), null=True, blank=True)
    key_content = models.TextField(_("this year's key content"), blank=True)
    rotation_cycles = models.PositiveSmallIntegerField(
        _("rotation window (cycles)"),
        default=2,
        help_text=_(
            "On-site speakers are suggested among those who have not reported on-site "
            "in this many previous cycles."
        ),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CycleStatus.choices, default=CycleStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "host__path"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        constraints = [
            models.UniqueConstraint(fields=["host", "year"], name="cycle_one_per_host_and_year")
        ]

    def __str__(self) -> str:
        return self.title

    def allowed_transitions(self) -> tuple[str, ...]:
        return CYCLE_TRANSITIONS[self.status]

    @property
    def roster_editable(self) -> bool:
        return self.status in (CycleStatus.DRAFT, CycleStatus.REPORTS_OPEN)


class Mode(models.TextChoices):
    ONSITE = "onsite", _("On-site")
    WRITTEN = "written", _("Written")


class Reporter(models.Model):
    """One secretary on the roster: person, post and organization, as of the cycle."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="reporters"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="+"
    )
    post_title = models.CharField(_("post"), max_length=120)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.WRITTEN)
    session = models.PositiveSmallIntegerField(_("session"), default=1)
    order = models.PositiveSmallIntegerField(_("order"), null=True, blank=True)

    class Meta:
        ordering = ["cycle", "session", "order", "organization__path"]
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "organization"], name="reporter_one_per_org_per_cycle"
            ),
            models.UniqueConstraint(
                fields=["cycle", "session", "order"],
                condition=Q(order__isnull=False),
                name="reporter_unique_order_in_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.post_title})"

    @property
    def display(self) -> str:
        return f"{self.post_title} {self.person.name}"


class Draw(models.Model):
    """A recorded draw by lot of the speaking order: who drew, when, with which seed."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="draws")
    session = models.PositiveSmallIntegerField(_("session"))
    seed = models.CharField(_("seed"), max_length=64)
    result = models.JSONField(_("drawn order"))  # [{"reporter": id, "name": ..., "order": n}]
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-drawn_at"]
        verbose_name = _("draw by lot")
        verbose_name_plural = _("draws by lot")

    def __str__(self) -> str:
        return f"{self.cycle} #{self.session} {self.seed}"
