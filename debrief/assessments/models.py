"""Comprehensive assessment (综合评定): the indicator catalogue and daily scores, the
scheme of a cycle, the computed results with their reasons, approval and publication.
The rules are written out, with hand-worked examples, in docs/assessment-rules.md."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from debrief.cycles.models import Cycle, Reporter


class Grade(models.TextChoices):
    GOOD = "good", _("Good")
    FAIRLY_GOOD = "fairly_good", _("Fairly good")
    AVERAGE = "average", _("Average")
    POOR = "poor", _("Poor")


GRADE_ORDER = [Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, Grade.POOR]


class IndicatorCategory(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="indicator_categories")
    name = models.CharField(_("category"), max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "name"], name="indicator_category_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """One item of the catalogue. `fields` lists the fields of work it applies to
    (empty: all), so a village's items can differ from a government organ's."""

    category = models.ForeignKey(
        IndicatorCategory, on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("item"), max_length=200)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    criteria = models.TextField(_("scoring criteria"), blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["category__order", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(max_points__gt=0), name="indicator_max_positive")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def applies_to(self, field: str) -> bool:
        return not self.fields or field in self.fields


class DailyScore(models.Model):
    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="daily_scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="scores")
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    self_points = models.DecimalField(
        _("self-assessed points"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    evidence = models.TextField(_("evidence"), blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reporter", "indicator"], name="daily_score_unique"),
            models.CheckConstraint(condition=Q(points__gte=0), name="daily_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.reporter} {self.indicator} {self.points}"


class AdjustmentKind(models.TextChoices):
    BONUS = "bonus", _("Bonus")
    PENALTY = "penalty", _("Penalty")


class ScoreAdjustment(models.Model):
    """A bonus or penalty entry of the daily assessment (加分/扣分)."""

    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("kind"), max_length=8, choices=AdjustmentKind.choices)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="adjustment_points_positive")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points}"


class DebriefScore(models.Model):
    """The score for the debriefing and the comments (述职评议得分), 0–100."""

    reporter = models.OneToOneField(
        Reporter, on_delete=models.CASCADE, related_name="debrief_score"
    )
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=0) & Q(points__lte=100), name="debrief_score_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reporter} {self.points}"


class Scheme(models.Model):
    """How a cycle turns scores into grades. Weights are percentages summing to 100."""

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="scheme")
    weight_daily = models.DecimalField(
        _("daily assessment weight"), max_digits=5, decimal_places=2, default=Decimal(40)
    )
    weight_evaluation = models.DecimalField(
        _("democratic evaluation weight"), max_digits=5, decimal_places=2, default=Decimal(40)
    )
    weight_debrief = models.DecimalField(
        _("debriefing and comments weight"), max_digits=5, decimal_places=2, default=Decimal(20)
    )
    band_good = models.DecimalField(
        _("lowest total for good"), max_digits=5, decimal_places=2, default=Decimal(90)
    )
    band_fairly_good = models.DecimalField(
        _("lowest total for fairly good"), max_digits=5, decimal_places=2, default=Decimal(80)
    )
    band_average = models.DecimalField(
        _("lowest total for average"), max_digits=5, decimal_places=2, default=Decimal(60)
    )
    # Optional rules; None switches a rule off.
    poor_share_cap = models.DecimalField(
        _("poor share above which good is not possible"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
    )
    poor_share_cap_grade = models.CharField(
        _("grade at most, when capped"),
        max_length=12,
        choices=Grade.choices,
        default=Grade.FAIRLY_GOOD,
    )
    good_quota = models.DecimalField(
        _("largest share of reporters graded good"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
    )
    veto_grade = models.CharField(
        _("grade forced by a veto"), max_length=12, choices=Grade.choices, default=Grade.POOR
    )

    class Meta:
        verbose_name = _("assessment scheme")

    def __str__(self) -> str:
        return f"{self.cycle} scheme"


class VetoItem(models.Model):
    """A one-vote veto item (一票否决) of the scheme."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="veto_items")
    name = models.CharField(_("veto item"), max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "name"], name="veto_item_unique")]

    def __str__(self) -> str:
        return self.name


class Veto(models.Model):
    """A veto item found to apply to a reporter."""

    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="vetoes")
    item = models.ForeignKey(VetoItem, on_delete=models.CASCADE, related_name="vetoes")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reporter", "item"], name="veto_unique")]

    def __str__(self) -> str:
        return f"{self.reporter} {self.item}"


class ResultStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class ResultSet(models.Model):
    """The results of a cycle and their approval: draft → approved → published."""

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="result_set")
    status = models.CharField(
        max_length=12, choices=ResultStatus.choices, default=ResultStatus.DRAFT
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approval_document = models.CharField(_("document number"), max_length=100, blank=True)
    approved_by = models.CharField(_("approved by"), max_length=100, blank=True)
    # The deadline for rectification that the circular and the letters give; empty:
    # three months after the approval.
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.cycle} results"


class Result(models.Model):
    result_set = models.ForeignKey(ResultSet, on_delete=models.CASCADE, related_name="results")
    reporter = models.OneToOneField(Reporter, on_delete=models.CASCADE, related_name="result")
    daily = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    evaluation = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    debrief = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    total = models.DecimalField(max_digits=6, decimal_places=2)
    computed_grade = models.CharField(max_length=12, choices=Grade.choices)
    grade = models.CharField(max_length=12, choices=Grade.choices)
    rank = models.PositiveSmallIntegerField()
    # [{"rule": "band", ...}, ...] — see docs/assessment-rules.md
    reasons = models.JSONField(default=list)
    adjusted_reason = models.TextField(_("reason for manual adjustment"), blank=True)

    class Meta:
        ordering = ["rank", "reporter__organization__path"]

    def __str__(self) -> str:
        return f"{self.reporter} {self.grade}"


class Correction(models.Model):
    """A change to a published result, recorded with its reason."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(max_length=20)
    old_value = models.CharField(max_length=50)
    new_value = models.CharField(max_length=50)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.result} {self.field}"
