"""Accounts and role grants. A grant on an organization covers its whole subtree."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    # Where the account belongs (所属组织): the administrators of this organization's
    # tree manage it, also while it holds no role.
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    ADMIN = "admin", _("Organization department administrator")
    STAFF = "staff", _("Staff")
    SECRETARY = "secretary", _("Secretary")
    VIEWER = "viewer", _("Viewer")


class Grant(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="grants",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="grants",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="grant_unique_user_org_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} @ {self.organization}"
