from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from debrief.accounts.access import Capability, orgs_for_user, require_capability
from debrief.accounts.models import Grant, User
from debrief.audit.models import AuditRecord

# Account operations without an organization name the account in `target`.
ACCOUNT_ACTIONS = ("account.create", "account.deactivate", "account.reactivate")


def fully_managed_users(managed: Any) -> Any:
    """The accounts ALL of whose grants lie inside `managed` (and which hold at least
    one). An administrator can grant a role in their subtree to any existing account,
    so holding a role there does not make an account theirs: an account with a grant
    elsewhere is also someone else's, and its actions elsewhere are none of theirs."""
    inside = Grant.objects.filter(organization__in=managed).values("user_id")
    outside = Grant.objects.exclude(organization__in=managed).values("user_id")
    return User.objects.filter(pk__in=inside).exclude(pk__in=outside)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """Administrators see the records about organizations in their scope, and the
    records without an organization (logins, account operations) only about the accounts
    they fully manage: those accounts' own actions, operations on those accounts, and
    failed logins under their user names (those records have no actor, only the name
    that was typed)."""
    require_capability(request, Capability.MANAGE_ACCOUNTS)
    managed = orgs_for_user(request.user, Capability.MANAGE_ACCOUNTS)
    accounts = fully_managed_users(managed)
    names = accounts.values("username")
    records = AuditRecord.objects.filter(
        Q(organization__in=managed)
        | Q(organization__isnull=True)
        & (
            Q(actor_id__in=accounts.values("pk"))
            | Q(actor_id__isnull=True, actor_name__in=names)
            | Q(action__in=ACCOUNT_ACTIONS, target__in=names)
        )
    ).order_by("-at", "-pk")
    action = request.GET.get("action", "").strip()
    if action:
        records = records.filter(action__startswith=action)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"page": page, "action": action})
