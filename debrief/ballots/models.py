"""Democratic evaluation (民主测评) by single-use tokens.

Secrecy rests on keeping *who voted* and *what was voted* apart:

- `BallotToken` holds only a hash of each printed token and its voter group; tokens
  are linked to no person.
- `Participation` says that a token has been used: one row per token (unique), with a
  digest of the token and the phone's ballot id so that a retry of the same ballot is
  recognised. Without the token's plain text the digest joins to nothing.
- `Ballot` says what was voted: a random UUID, the group and the ratings. No token,
  no receipt, no time, no sequence number.
- `Receipt` holds the receipt codes shown to voters and published after closing, in a
  table of their own with a random UUID and nothing that points to a ballot: a voter
  shows their receipt to others, and a receipt stored with the ballot would let
  anyone with database access who learns it read that voter's ballot.

When the evaluation closes, its ballots and its receipts are each rewritten in random
order in the closing transaction, so neither their physical order nor their
transaction ids follow the order in which they arrived.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from debrief.meetings.models import Meeting


class Grade(models.TextChoices):
    GOOD = "good", _("Good")
    FAIRLY_GOOD = "fairly_good", _("Fairly good")
    AVERAGE = "average", _("Average")
    POOR = "poor", _("Poor")


DEFAULT_POINTS = {
    Grade.GOOD.value: 100,
    Grade.FAIRLY_GOOD.value: 80,
    Grade.AVERAGE.value: 60,
    Grade.POOR.value: 0,
}

# The voter groups and shares that DOMAIN.md gives as the usual defaults.
DEFAULT_GROUPS = [
    ("县委常委", 30),
    ("党建工作领导小组成员", 20),
    ("“两代表一委员”", 20),
    ("基层党员干部群众代表", 30),
]


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Not yet open")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Evaluation(models.Model):
    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="evaluation"
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.DRAFT,
    )
    points = models.JSONField(_("points per grade"), default=dict)
    require_all = models.BooleanField(_("every reporter must be rated"), default=True)
    max_good_share = models.DecimalField(
        _("largest share of reporters one ballot may rate good"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        # The help text is not %-formatted: its "%" is a plain percent sign.
        # xgettext:no-python-format
        help_text=_("For example 0.6: a ballot rating more than 60% of reporters good is invalid."),
    )
    reason_required_for_poor = models.BooleanField(
        _("a reason is required for poor"), default=False
    )
    min_group_size = models.PositiveSmallIntegerField(
        _("smallest group shown separately"),
        default=3,
        help_text=_("Group breakdowns are withheld where a group cast fewer ballots than this."),
    )
    # The reporters on the form, frozen when the evaluation opens (agenda order).
    reporter_ids = models.JSONField(default=list, editable=False)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_count = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("democratic evaluation")
        verbose_name_plural = _("democratic evaluations")

    def __str__(self) -> str:
        return f"{self.meeting}"

    def points_for(self, grade: str) -> int:
        return int((self.points or DEFAULT_POINTS).get(grade, DEFAULT_POINTS[grade]))


class EvaluationItem(models.Model):
    """An optional item rated per reporter besides the overall grade."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(pgettext_lazy("evaluation item", "item"), max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["evaluation", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "name"], name="evaluation_item_unique")
        ]

    def __str__(self) -> str:
        return self.name


class VoterGroup(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("voter group"), max_length=100)
    share = models.DecimalField(_("weight share (%)"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["evaluation", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "name"], name="voter_group_unique"),
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=100), name="voter_group_share_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BallotToken(models.Model):
    """A printed single-use token, stored only as a SHA-256 hash."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="tokens")
    group = models.ForeignKey(VoterGroup, on_delete=models.PROTECT, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    batch = models.PositiveSmallIntegerField(default=1)
    voided = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("ballot token")
        verbose_name_plural = _("ballot tokens")

    def __str__(self) -> str:
        return f"{self.group} #{self.batch}"


class Participation(models.Model):
    """That a token has voted. One row per token; nothing here points to the ballot."""

    token = models.OneToOneField(
        BallotToken, on_delete=models.PROTECT, related_name="participation"
    )
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    # sha256(token + ":" + ballot id): recognises a retry of the same ballot.
    digest = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"participation {self.pk}"


class Ballot(models.Model):
    """What was voted. Random id, no token, no time, no sequence."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="ballots")
    group = models.ForeignKey(VoterGroup, on_delete=models.PROTECT, related_name="+")
    # {"<reporter id>": {"grade": "good", "reason": "...", "items": {"<item id>": "good"}}}
    ratings = models.JSONField()

    def __str__(self) -> str:
        return f"ballot {self.pk}"


class Receipt(models.Model):
    """A counted ballot's receipt. Written in the same transaction as the ballot but
    linked to nothing: no ballot key, no shared id, no time, no sequence."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "code"], name="receipt_unique")
        ]

    def __str__(self) -> str:
        return self.code
