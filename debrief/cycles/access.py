"""Who may see and change a cycle.

The host committee's administrators and staff run the cycle (EDIT on the host).
Anyone who may view the host sees the whole cycle. A reporter's own side (a
township secretary under a county cycle) sees the cycle only through its own
reporters: their report, the comments on them and their problems.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from debrief.accounts.access import Capability, orgs_for_user, scope_for
from debrief.cycles.models import Cycle, Reporter


def cycles_for_user(user: Any) -> Any:
    visible = orgs_for_user(user)
    return Cycle.objects.filter(
        Q(host__in=visible) | Q(reporters__organization__in=visible)
    ).distinct()


def can_manage_cycle(user: Any, cycle: Cycle) -> bool:
    return scope_for(user).allows(cycle.host, Capability.EDIT)


def can_see_whole_cycle(user: Any, cycle: Cycle) -> bool:
    return scope_for(user).allows(cycle.host)


def get_cycle_for_user(request: HttpRequest, pk: int, *, manage: bool = False) -> Cycle:
    """The cycle if the user may see it (or manage it, with manage=True); 404 otherwise."""
    cycle = get_object_or_404(Cycle.objects.select_related("host"), pk=pk)
    if manage:
        if not can_manage_cycle(request.user, cycle):
            raise Http404
    elif (
        not can_see_whole_cycle(request.user, cycle)
        and not reporters_for_user(request.user, cycle).exists()
    ):
        raise Http404
    return cycle


def reporters_for_user(user: Any, cycle: Cycle) -> Any:
    """The reporters of `cycle` the user may see: all of them from the host's side,
    otherwise only those whose organization is in the user's scope."""
    reporters = Reporter.objects.filter(cycle=cycle)
    if can_see_whole_cycle(user, cycle):
        return reporters
    return reporters.filter(organization__in=orgs_for_user(user))


def get_reporter_for_user(request: HttpRequest, pk: int) -> Reporter:
    reporter = get_object_or_404(
        Reporter.objects.select_related("cycle", "cycle__host", "organization", "person"), pk=pk
    )
    if not reporters_for_user(request.user, reporter.cycle).filter(pk=reporter.pk).exists():
        raise Http404
    return reporter


def can_write_report(user: Any, reporter: Reporter) -> bool:
    """The secretary (or staff) of the reporting organization, or the host's staff on
    their behalf."""
    scope = scope_for(user)
    return scope.allows(reporter.organization, Capability.REPORT_WRITE) or scope.allows(
        reporter.cycle.host, Capability.EDIT
    )
