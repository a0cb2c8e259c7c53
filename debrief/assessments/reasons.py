"""Readable text for the structured reasons that compute() attaches to each grade."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from debrief.assessments.models import Grade


def _grade(value: str) -> str:
    return str(Grade(value).label) if value in Grade.values else value


def _percent(value: str) -> str:
    return f"{Decimal(value) * 100:.2f}%"


def describe(reason: dict[str, str]) -> str:
    rule = reason.get("rule")
    if rule == "band":
        if reason.get("threshold"):
            return _("Total %(total)s falls in the band %(grade)s (at least %(threshold)s).") % {
                "total": reason["total"],
                "grade": _grade(reason["grade"]),
                "threshold": reason["threshold"],
            }
        return _("Total %(total)s is below every band: %(grade)s.") % {
            "total": reason["total"],
            "grade": _grade(reason["grade"]),
        }
    if rule == "missing":
        names = {
            "daily": _("daily assessment"),
            "evaluation": _("democratic evaluation"),
            "debrief": _("debriefing and comments"),
        }
        return _("No %(component)s score: counted as 0.") % {
            "component": names.get(reason["component"], reason["component"])
        }
    if rule == "poor_share_cap":
        return _("Poor share %(share)s exceeds %(threshold)s: capped at %(to)s.") % {
            "share": _percent(reason["poor_share"]),
            "threshold": _percent(reason["threshold"]),
            "to": _grade(reason["to"]),
        }
    if rule == "veto":
        return _("One-vote veto (%(items)s): %(to)s.") % {
            "items": reason["items"],
            "to": _grade(reason["to"]),
        }
    if rule == "quota":
        return _(
            "At most %(limit)s reporters may be graded good; this one is number %(position)s "
            "among them: %(to)s."
        ) % {"limit": reason["limit"], "position": reason["position"], "to": _grade(reason["to"])}
    if rule == "manual":
        return _("Adjusted by hand from %(from)s to %(to)s: %(why)s") % {
            "from": _grade(reason["from"]),
            "to": _grade(reason["to"]),
            "why": reason.get("why", ""),
        }
    return str(reason)


def describe_all(reasons: list[dict[str, str]]) -> list[str]:
    return [describe(reason) for reason in reasons]
