"""`unread_notices` for the top bar: one COUNT query, only for a signed-in user.

Registered in settings.TEMPLATES[0]["OPTIONS"]["context_processors"] as
"debrief.rectification.context_processors.notices"."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from debrief.rectification.models import Notice


def notices(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": Notice.objects.filter(user=user, read_at__isnull=True).count()}
