"""The one way a view runs a state change and tells the user how it went."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from debrief.lib.errors import DomainError


def perform(
    request: HttpRequest, action: Callable[[], Any], success: str | Callable[[], str]
) -> bool:
    """Run `action` (a call of one service function). A broken rule becomes an error
    message the page shows; otherwise `success` is shown (a callable is called only
    then, for a message that can only be built once the action succeeded). True if it
    succeeded."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success() if callable(success) else success)
    return True
