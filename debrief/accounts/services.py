"""Creating accounts and granting or revoking roles; every change is audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from debrief.accounts.access import Capability, scope_for
from debrief.accounts.models import Grant, Role, User
from debrief.audit.services import audit_record
from debrief.lib.errors import DomainError
from debrief.orgs.models import Organization


def user_create(
    *, username: str, full_name: str, password: str, actor: Any, request: Any = None
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("The user name %(name)s is taken.") % {"name": username})
    candidate = User(username=username, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None
    with transaction.atomic():
        candidate.set_password(password)
        candidate.save()
        audit_record(action="account.create", actor=actor, target=username, request=request)
    return candidate


def grant_create(
    *, user: User, organization: Organization, role: str, actor: Any, request: Any = None
) -> Grant:
    """Grant `role` on `organization`. The actor must administer that organization."""
    if role not in Role.values:
        raise DomainError(_("Unknown role."))
    if actor is not None and not scope_for(actor).allows(organization, Capability.MANAGE_ACCOUNTS):
        raise DomainError(_("You cannot grant roles on this organization."))
    with transaction.atomic():
        grant, created = Grant.objects.get_or_create(
            user=user, organization=organization, role=role, defaults={"granted_by": actor}
        )
        if not created:
            raise DomainError(_("This user already has this role here."))
        audit_record(
            action="grant.create",
            actor=actor,
            target=f"{user.username} {role}",
            organization=organization,
            request=request,
        )
    return grant


def grant_revoke(*, grant: Grant, actor: Any, request: Any = None) -> None:
    if actor is not None and not scope_for(actor).allows(
        grant.organization, Capability.MANAGE_ACCOUNTS
    ):
        raise DomainError(_("You cannot revoke roles on this organization."))
    with transaction.atomic():
        audit_record(
            action="grant.revoke",
            actor=actor,
            target=f"{grant.user.username} {grant.role}",
            organization=grant.organization,
            request=request,
        )
        grant.delete()
