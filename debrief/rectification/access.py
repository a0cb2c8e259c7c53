"""Who may see and act on rectification items.

- Anyone whose scope covers the problem's organization sees it.
- The owner side (the organization's secretary or staff, or staff above acting for
  them) drafts the plan, adds progress and marks an item completed.
- Only the level above verifies and closes (销号), reopens, and accepts or returns
  a filed plan: a grant with EDIT on a strict ancestor of the organization.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from debrief.accounts.access import ROLE_CAPABILITIES, Capability, orgs_for_user, scope_for
from debrief.orgs.models import Organization
from debrief.rectification.models import Problem, RectificationPlan


def problems_for_user(user: Any) -> Any:
    return Problem.objects.filter(organization__in=orgs_for_user(user))


def get_problem_for_user(request: HttpRequest, pk: int) -> Problem:
    problem = get_object_or_404(
        Problem.objects.select_related("organization", "cycle", "responsible_org"), pk=pk
    )
    if not scope_for(request.user).allows(problem.organization):
        raise Http404
    return problem


def get_plan_for_user(request: HttpRequest, pk: int) -> RectificationPlan:
    plan = get_object_or_404(
        RectificationPlan.objects.select_related("organization", "cycle"), pk=pk
    )
    if not scope_for(request.user).allows(plan.organization):
        raise Http404
    return plan


def is_owner(user: Any, organization: Organization) -> bool:
    return scope_for(user).allows(organization, Capability.REPORT_WRITE)


def is_level_above(user: Any, organization: Organization) -> bool:
    """True if the user has EDIT through a grant on a strict ancestor of `organization`."""
    return any(
        organization.path.startswith(path)
        and len(path) < len(organization.path)
        and Capability.EDIT in ROLE_CAPABILITIES[role]
        for path, role, _pk in scope_for(user).grants
    )
