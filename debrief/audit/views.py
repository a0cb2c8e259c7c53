from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from debrief.accounts.access import Capability, orgs_for_user, require_capability
from debrief.accounts.models import Grant, User
from debrief.audit.models import AuditRecord


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """Administrators see records about organizations in their scope and about the
    accounts that hold roles there: their actions, and failed logins under their user
    names (those records have no actor, only the name that was typed)."""
    require_capability(request, Capability.MANAGE_ACCOUNTS)
    managed = orgs_for_user(request.user, Capability.MANAGE_ACCOUNTS)
    users_here = Grant.objects.filter(organization__in=managed).values("user_id")
    names_here = User.objects.filter(pk__in=users_here).values("username")
    records = AuditRecord.objects.filter(
        Q(organization__in=managed)
        | Q(actor_id__in=users_here)
        | Q(actor_id__isnull=True, actor_name__in=names_here)
    ).order_by("-at", "-pk")
    action = request.GET.get("action", "").strip()
    if action:
        records = records.filter(action__startswith=action)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"page": page, "action": action})
