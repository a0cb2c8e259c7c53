"""`{{ record.action|action_label }}`: the readable label of an audit action code."""

from __future__ import annotations

from django import template

from debrief.audit.labels import action_label as _action_label

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return _action_label(code)
