"""Creating, deactivating and finding accounts; granting and revoking roles.

Every change is audited inside the transaction that makes it. `actor=None` means the
system itself (management commands, the demo loader) and skips the scope checks; any
other actor may only act within the organizations they administer.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from debrief.accounts.access import Capability, orgs_for_user, scope_for
from debrief.accounts.models import Grant, Role, User
from debrief.audit.services import audit_record
from debrief.lib.errors import DomainError
from debrief.orgs.models import Organization, Status

FULL_NAME_MAX_LENGTH = 50


def _require_account_manager(actor: Any) -> None:
    if actor is not None and not scope_for(actor).paths(Capability.MANAGE_ACCOUNTS):
        raise DomainError(_("You cannot manage accounts."))


def user_create(
    *,
    username: str,
    full_name: str,
    password: str,
    actor: Any,
    organization: Organization | None = None,
    request: Any = None,
) -> User:
    """Create an active account without any role, belonging to `organization` (by
    default the administrator's own, when they administer one tree); the password
    must pass Django's validators (length, common passwords, all-numeric, similarity
    to the name)."""
    _require_account_manager(actor)
    organization = _home_for_new_account(actor, organization)
    username = username.strip()
    full_name = full_name.strip()
    if not username:
        raise DomainError(_("Enter a user name."))
    max_length = User._meta.get_field("username").max_length or 150
    if len(username) > max_length:
        raise DomainError(_("A user name has at most %(max)d characters.") % {"max": max_length})
    try:
        User.username_validator(username)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None
    if len(full_name) > FULL_NAME_MAX_LENGTH:
        raise DomainError(
            _("A full name has at most %(max)d characters.") % {"max": FULL_NAME_MAX_LENGTH}
        )
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("The user name %(name)s is taken.") % {"name": username})
    candidate = User(username=username, full_name=full_name, organization=organization)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
            audit_record(
                action="account.create",
                actor=actor,
                target=username,
                organization=organization,
                detail={"user_id": candidate.pk},
                request=request,
            )
    except IntegrityError:
        # Someone created the same user name between the check and the insert.
        raise DomainError(_("The user name %(name)s is taken.") % {"name": username}) from None
    return candidate


def _home_for_new_account(actor: Any, organization: Organization | None) -> Organization | None:
    if organization is None:
        if actor is None or actor.is_superuser:
            return None
        roots = list(
            orgs_for_user(actor, Capability.MANAGE_ACCOUNTS).filter(
                path__in=scope_for(actor).paths(Capability.MANAGE_ACCOUNTS)
            )[:2]
        )
        if len(roots) != 1:
            raise DomainError(_("Choose the organization the account belongs to."))
        organization = roots[0]
    if actor is not None and not scope_for(actor).allows(organization, Capability.MANAGE_ACCOUNTS):
        raise DomainError(_("You cannot create accounts for this organization."))
    if organization.status != Status.ACTIVE:
        raise DomainError(_("Accounts cannot belong to a dissolved or merged organization."))
    return organization


def user_by_username(username: str) -> User:
    """The account named `username` (case-insensitive), or a DomainError."""
    username = username.strip()
    matches = list(User.objects.filter(username__iexact=username)[:2])
    exact = [user for user in matches if user.username == username]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    raise DomainError(_("There is no account named %(name)s.") % {"name": username})


def org_for_grant(*, actor: Any, text: str) -> Organization:
    """Resolve what an administrator typed (a code, a full name or a short name) to one
    organization they administer. Organizations outside their scope are reported as
    not found, exactly like ones that do not exist."""
    text = text.strip()
    if not text:
        raise DomainError(_("Enter the code or the name of an organization."))
    managed = (
        Organization.objects.all()
        if actor is None
        else orgs_for_user(actor, Capability.MANAGE_ACCOUNTS)
    )
    by_code = managed.filter(code=text).first() or managed.filter(code__iexact=text).first()
    if by_code is not None:
        return by_code
    by_name = list(managed.filter(Q(name=text) | Q(short_name=text)).order_by("path")[:2])
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise DomainError(
            _("Several organizations are called %(name)s; enter the code instead.") % {"name": text}
        )
    raise DomainError(
        _("No organization with the code or name %(text)s is in your scope.") % {"text": text}
    )


def grant_create(
    *, user: User, organization: Organization, role: str, actor: Any, request: Any = None
) -> Grant:
    """Grant `role` on `organization`. The actor must administer that organization."""
    if role not in Role.values:
        raise DomainError(_("Unknown role."))
    if actor is not None and not scope_for(actor).allows(organization, Capability.MANAGE_ACCOUNTS):
        raise DomainError(_("You cannot grant roles on this organization."))
    if organization.status != Status.ACTIVE:
        raise DomainError(_("Roles cannot be granted on a dissolved or merged organization."))
    try:
        with transaction.atomic():
            grant, created = Grant.objects.get_or_create(
                user=user, organization=organization, role=role, defaults={"granted_by": actor}
            )
            if not created:
                raise DomainError(_("This user already has this role here."))
            # An account created without an organization belongs where it first
            # gets a role.
            User.objects.filter(pk=user.pk, organization__isnull=True).update(
                organization=organization
            )
            audit_record(
                action="grant.create",
                actor=actor,
                target=f"{user.username} {role}",
                organization=organization,
                detail={"user_id": user.pk, "role": role, "grant_id": grant.pk},
                request=request,
            )
    except IntegrityError:
        # The same grant was created concurrently.
        raise DomainError(_("This user already has this role here.")) from None
    return grant


def grant_revoke(*, grant: Grant, actor: Any, request: Any = None) -> None:
    if actor is not None and not scope_for(actor).allows(
        grant.organization, Capability.MANAGE_ACCOUNTS
    ):
        raise DomainError(_("You cannot revoke roles on this organization."))
    with transaction.atomic():
        deleted, _rows = Grant.objects.filter(pk=grant.pk).delete()
        if not deleted:
            raise DomainError(_("This role has already been revoked."))
        audit_record(
            action="grant.revoke",
            actor=actor,
            target=f"{grant.user.username} {grant.role}",
            organization=grant.organization,
            detail={"user_id": grant.user_id, "role": grant.role},
            request=request,
        )


def grants_managed_by(actor: Any) -> QuerySet[Grant]:
    """The grants on organizations the actor administers, ready to list (one query)."""
    paths = scope_for(actor).paths(Capability.MANAGE_ACCOUNTS)
    if not paths:
        return Grant.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(organization__path__startswith=path)
    return Grant.objects.filter(condition).select_related("user", "organization", "granted_by")


def accounts_without_role(actor: Any) -> QuerySet[User]:
    """The accounts holding no role that belong to organizations the actor
    administers (a superuser also sees those belonging nowhere)."""
    paths = scope_for(actor).paths(Capability.MANAGE_ACCOUNTS)
    condition = Q()
    for path in paths:
        condition |= Q(organization__path__startswith=path)
    if getattr(actor, "is_superuser", False):
        condition |= Q(organization__isnull=True)
    if not condition:
        return User.objects.none()
    return (
        User.objects.filter(condition, grants__isnull=True, is_superuser=False)
        .select_related("organization")
        .order_by("organization__path", "username")
    )


def _check_can_manage_account(*, user: User, actor: Any) -> None:
    """An administrator manages an account when every role it holds lies within the
    organizations they administer, so a township administrator can never switch off
    a county account; an account without a role, when it belongs to one of those
    organizations. Nobody switches off their own account; only a superuser touches
    a superuser."""
    if actor is None:
        return
    if user.pk == actor.pk:
        raise DomainError(_("You cannot deactivate or reactivate your own account."))
    if actor.is_superuser:
        return
    if user.is_superuser:
        raise DomainError(_("You cannot manage this account."))
    paths = scope_for(actor).paths(Capability.MANAGE_ACCOUNTS)
    org_paths = list(user.grants.values_list("organization__path", flat=True))
    if not org_paths and user.organization_id is not None:
        org_paths = [
            Organization.objects.values_list("path", flat=True).get(pk=user.organization_id)
        ]
    if not org_paths or not all(any(path.startswith(root) for root in paths) for path in org_paths):
        raise DomainError(_("You cannot manage this account."))


def user_set_active(*, user: User, active: bool, actor: Any, request: Any = None) -> None:
    """Deactivate (or reactivate) an account. A deactivated account cannot log in, and
    its open sessions stop working at their next request; its roles are kept."""
    _require_account_manager(actor)
    _check_can_manage_account(user=user, actor=actor)
    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk, is_active=not active).update(is_active=active)
        if not changed:
            if active:
                raise DomainError(_("This account is already active."))
            raise DomainError(_("This account is already deactivated."))
        audit_record(
            action="account.reactivate" if active else "account.deactivate",
            actor=actor,
            target=user.username,
            detail={"user_id": user.pk},
            request=request,
        )
    user.is_active = active


def password_changed(*, user: User, request: Any = None) -> None:
    """Record that a user changed their own password (the change itself is Django's)."""
    audit_record(action="password.change", actor=user, target=user.username, request=request)
