"""The review meeting (述职评议会): venues and attendance, questions, and comments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from debrief.cycles.models import Cycle, Reporter


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    ENDED = "ended", _("Ended")


class Meeting(models.Model):
    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="meetings"
    )
    session = models.PositiveSmallIntegerField(_("session"), default=1)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    presider = models.CharField(_("presider"), max_length=100)
    presider_title = models.CharField(_("presider's post"), max_length=100, blank=True)
    guidance = models.CharField(
        _("attending for guidance"),
        max_length=200,
        blank=True,
        help_text=_("For example the higher-level organization department."),
    )
    speech_minutes = models.PositiveSmallIntegerField(_("minutes per speech"), default=8)
    is_video = models.BooleanField(_("video conference"), default=False)
    minutes = models.TextField(_("minutes of the meeting"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "session"]
        verbose_name = _("review meeting")
        verbose_name_plural = _("review meetings")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "session"], name="meeting_one_per_session")
        ]

    def __str__(self) -> str:
        return self.title

    def reporters(self) -> models.QuerySet[Reporter]:
        return self.cycle.reporters.filter(session=self.session)


class Venue(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(_("venue"), max_length=100)
    is_main = models.BooleanField(_("main venue"), default=False)
    expected = models.PositiveIntegerField(_("expected attendance"), default=0)
    present = models.PositiveIntegerField(_("present"), default=0)

    class Meta:
        ordering = ["-is_main", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "name"], name="venue_unique_name"),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(is_main=True),
                name="venue_one_main_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """A question raised on-site (提问/质询) to a reporter, and the answer given."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="questions")
    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.CharField(_("asked by"), max_length=100)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.question[:60]


class CommenterRole(models.TextChoices):
    PRESIDER = "presider", _("Presider")
    LEADER = "leader", _("Leader for a portfolio")
    GUIDANCE = "guidance", _("Higher-level organization department")


class Comment(models.Model):
    """A comment (点评) on one reporter: affirmations, requirements and problems.

    Each problem pointed out is a Problem of its own (debrief.rectification), tracked
    until it is verified and closed.
    """

    reporter = models.ForeignKey(
        Reporter, verbose_name=_("reporter"), on_delete=models.CASCADE, related_name="comments"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    commenter = models.CharField(_("commented by"), max_length=100)
    commenter_role = models.CharField(
        _("role"), max_length=12, choices=CommenterRole.choices, default=CommenterRole.PRESIDER
    )
    portfolio = models.CharField(_("portfolio"), max_length=100, blank=True)
    affirmations = models.TextField(_("achievements affirmed"), blank=True)
    requirements = models.TextField(_("requirements"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reporter", "created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.commenter} → {self.reporter}"
