from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from debrief.audit.models import AuditRecord, Result


def audit_record(
    *,
    action: str,
    actor: Any = None,
    actor_name: str = "",
    target: str = "",
    organization: Any = None,
    result: str = Result.OK,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditRecord:
    """Append one audit record. Call it inside the transaction of the change it records,
    so that a rolled-back change leaves no record claiming it happened."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor is not None and not actor_name:
        actor_name = actor.get_username()
    ip_address = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditRecord.objects.create(
        actor=actor,
        actor_name=actor_name[:150],
        action=action,
        target=target[:255],
        organization=organization,
        result=result,
        detail=detail or {},
        ip_address=ip_address or None,
    )
