"""The organization tree (组织树).

Each organization stores a materialized path: its ancestors' segments followed by
its own, SEGMENT_LENGTH characters each. A subtree is one indexed prefix scan
(`path LIKE 'prefix%'`), which stays fast at province scale (300,000 rows) on both
PostgreSQL and SQLite. Organizations are never deleted: dissolving or merging one
changes its status and keeps its place, its posts and its past cycles.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SEGMENT_LENGTH = 4
SEGMENT_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_DEPTH = 12


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County (city, district)")
    TOWNSHIP = "township", _("Township (town, street)")
    VILLAGE = "village", _("Village (community)")
    UNIT = "unit", _("Directly-under unit")


class Field(models.TextChoices):
    GENERAL = "general", _("General")
    RURAL = "rural", _("Rural")
    URBAN = "urban", _("Urban community")
    ORGAN = "organ", _("Government organs")
    SOE = "soe", _("State-owned enterprises")
    PUBLIC_INSTITUTION = "public_institution", _("Public institutions")
    TWO_NEW = "two_new", _("Non-public enterprises and social organizations")


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISSOLVED = "dissolved", _("Dissolved")
    MERGED = "merged", _("Merged")


# Which fields of work make sense at each level (分类指导).
ALLOWED_FIELDS: dict[str, frozenset[str]] = {
    Level.PROVINCE: frozenset({Field.GENERAL}),
    Level.CITY: frozenset({Field.GENERAL}),
    Level.COUNTY: frozenset({Field.GENERAL}),
    Level.TOWNSHIP: frozenset({Field.RURAL, Field.URBAN}),
    Level.VILLAGE: frozenset({Field.RURAL, Field.URBAN}),
    Level.UNIT: frozenset(
        {Field.GENERAL, Field.ORGAN, Field.SOE, Field.PUBLIC_INSTITUTION, Field.TWO_NEW}
    ),
}

# Which levels may stand directly above each level. Any level may be a root: a
# county installation starts at its county.
ALLOWED_PARENT_LEVELS: dict[str, frozenset[str]] = {
    Level.PROVINCE: frozenset(),
    Level.CITY: frozenset({Level.PROVINCE}),
    Level.COUNTY: frozenset({Level.PROVINCE, Level.CITY}),
    Level.TOWNSHIP: frozenset({Level.COUNTY, Level.UNIT}),
    Level.VILLAGE: frozenset({Level.TOWNSHIP, Level.UNIT}),
    Level.UNIT: frozenset({Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.UNIT}),
}


def encode_segment(number: int) -> str:
    """The path segment for the `number`-th child (0-based), fixed width."""
    base = len(SEGMENT_ALPHABET)
    if not 0 <= number < base**SEGMENT_LENGTH:
        raise ValueError(f"child number {number} does not fit in a path segment")
    digits = []
    for _position in range(SEGMENT_LENGTH):
        number, remainder = divmod(number, base)
        digits.append(SEGMENT_ALPHABET[remainder])
    return "".join(reversed(digits))


def decode_segment(segment: str) -> int:
    return int(segment, len(SEGMENT_ALPHABET))


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def active(self) -> OrganizationQuerySet:
        return self.filter(status=Status.ACTIVE)

    def within(self, paths: list[str]) -> OrganizationQuerySet:
        """Organizations in the subtrees rooted at any of `paths`."""
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)


class Organization(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    field = models.CharField(_("field"), max_length=24, choices=Field.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    path = models.CharField(max_length=SEGMENT_LENGTH * MAX_DEPTH, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="active") | Q(dissolved_on__isnull=True),
                name="org_active_has_no_dissolution_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="org_merged_names_its_successor",
            ),
        ]
        indexes = [
            models.Index(fields=["parent", "status"], name="org_parent_status"),
            # The detail page counts the active subtree per level: with `path` and
            # `level` in one index of the active rows, that is an index-only scan.
            models.Index(
                fields=["path", "level"],
                condition=Q(status="active"),
                name="org_active_path_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    def ancestor_paths(self) -> list[str]:
        """Paths of every ancestor, root first (not including this organization)."""
        return [self.path[: SEGMENT_LENGTH * n] for n in range(1, len(self.path) // SEGMENT_LENGTH)]

    def ancestors(self) -> OrganizationQuerySet:
        return Organization.objects.filter(path__in=self.ancestor_paths()).order_by("depth")

    def subtree(self) -> OrganizationQuerySet:
        """This organization and everything below it."""
        return Organization.objects.filter(path__startswith=self.path)

    def descendants(self) -> OrganizationQuerySet:
        return self.subtree().exclude(pk=self.pk)

    def is_within(self, other: Organization) -> bool:
        return self.path.startswith(other.path)
