"""People and the posts they hold (书记, 副书记, ...) with terms of office."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from debrief.orgs.models import Organization


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Title(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    ORGANIZATION_MEMBER = "organization_member", _("Organization committee member")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    FIRST_SECRETARY = "first_secretary", _("First secretary (stationed)")


class Person(models.Model):
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    # Personal data: shown masked in every list, in full only on the person's page.
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


def mask_phone(phone: str) -> str:
    """138****1234 for a mobile number; keeps only the last four digits otherwise."""
    digits = phone.strip()
    if not digits:
        return ""
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


class PostQuerySet(models.QuerySet["Post"]):
    def on(self, day: datetime.date) -> PostQuerySet:
        """Posts held on `day` (the term includes its start and end days)."""
        return self.filter(start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )

    def current(self) -> PostQuerySet:
        return self.filter(end_date__isnull=True)


class Post(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="posts"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="posts"
    )
    title = models.CharField(_("post"), max_length=24, choices=Title.choices)
    start_date = models.DateField(_("term start"))
    end_date = models.DateField(_("term end"), null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "title", "-start_date"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="post_term_ends_after_it_starts",
            ),
            # One open secretary term per organization; overlapping closed terms are
            # refused by post_assign().
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(title="secretary", end_date__isnull=True),
                name="post_one_open_secretary_per_org",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "title", "start_date"], name="post_org_title_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_title_display()} {self.person}"


def secretary_on(organization: Organization, day: datetime.date) -> Person | None:
    """Who was the secretary of `organization` on `day`: one query."""
    post = (
        Post.objects.on(day)
        .filter(organization=organization, title=Title.SECRETARY)
        .select_related("person")
        .order_by("-start_date")
        .first()
    )
    return post.person if post else None


def secretaries_on(organization_ids: list[int], day: datetime.date) -> dict[int, Person]:
    """The secretary on `day` of each of many organizations, in one query."""
    posts = (
        Post.objects.on(day)
        .filter(organization_id__in=organization_ids, title=Title.SECRETARY)
        .select_related("person")
        .order_by("organization_id", "start_date")
    )
    return {post.organization_id: post.person for post in posts}
