"""The one access helper: every view, export and API endpoint reaches data through it.

A user's scope is the union of the subtrees of the organizations they hold grants
on. What they may *do* there depends on the role: administrators and staff manage
data, secretaries and viewers read. Objects outside the scope are reported as not
found, so a user cannot even learn that they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from debrief.accounts.models import Grant, Role
from debrief.orgs.models import Organization, OrganizationQuerySet


class Capability:
    VIEW = "view"
    EDIT = "edit"  # change organizations, people, import
    MANAGE_ACCOUNTS = "manage_accounts"
    REPORT_WRITE = "report_write"  # write and submit the organization's own report


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {Capability.VIEW, Capability.EDIT, Capability.MANAGE_ACCOUNTS, Capability.REPORT_WRITE}
    ),
    Role.STAFF: frozenset({Capability.VIEW, Capability.EDIT, Capability.REPORT_WRITE}),
    Role.SECRETARY: frozenset({Capability.VIEW, Capability.REPORT_WRITE}),
    Role.VIEWER: frozenset({Capability.VIEW}),
}


@dataclass(frozen=True)
class Scope:
    """The grants of one user, resolved to organization paths."""

    grants: tuple[tuple[str, str, int], ...]  # (path, role, organization id)

    def paths(self, capability: str = Capability.VIEW) -> list[str]:
        """Minimal set of subtree roots where the user has `capability`."""
        roots = sorted(
            {path for path, role, _pk in self.grants if capability in ROLE_CAPABILITIES[role]}
        )
        minimal: list[str] = []
        for path in roots:
            if not any(path.startswith(kept) for kept in minimal):
                minimal.append(path)
        return minimal

    def allows(self, org: Organization, capability: str = Capability.VIEW) -> bool:
        return any(org.path.startswith(path) for path in self.paths(capability))

    def roles_on(self, org: Organization) -> set[str]:
        return {role for path, role, _pk in self.grants if org.path.startswith(path)}

    @property
    def root_ids(self) -> list[int]:
        paths = set(self.paths())
        return sorted({pk for path, _role, pk in self.grants if path in paths})


def scope_for(user: Any) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if not getattr(user, "is_authenticated", False):
        return Scope(grants=())
    cached = getattr(user, "_debrief_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        roots = Organization.objects.filter(parent__isnull=True).values_list("path", "pk")
        scope = Scope(grants=tuple((path, Role.ADMIN, pk) for path, pk in roots))
    else:
        rows = Grant.objects.filter(user=user).values_list(
            "organization__path", "role", "organization_id"
        )
        scope = Scope(grants=tuple(rows))
    user._debrief_scope = scope
    return scope


def orgs_for_user(user: Any, capability: str = Capability.VIEW) -> OrganizationQuerySet:
    """All organizations the user may see (or act on, for another capability)."""
    return Organization.objects.within(scope_for(user).paths(capability))


def get_org_for_user(
    request: HttpRequest, pk: int, capability: str = Capability.VIEW
) -> Organization:
    """The organization `pk` if the user has `capability` on it; 404 otherwise."""
    org = get_object_or_404(Organization, pk=pk)
    if not scope_for(request.user).allows(org, capability):
        raise Http404
    return org


def require_capability(request: HttpRequest, capability: str) -> None:
    """404 unless the user has `capability` somewhere (for pages not tied to one org)."""
    if not scope_for(request.user).paths(capability):
        raise Http404


def can(user: Any, capability: str, org: Organization | None = None) -> bool:
    scope = scope_for(user)
    if org is None:
        return bool(scope.paths(capability))
    return scope.allows(org, capability)
