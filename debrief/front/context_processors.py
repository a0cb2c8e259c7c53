"""The navigation shown on every page, by module, limited to what the user may use."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from debrief.accounts.access import Capability, can

# (url name, label, capability needed). Later modules add their entries here.
MODULES: list[tuple[str, Any, str]] = [
    ("front:home", _("Home"), Capability.VIEW),
    ("orgs:tree", _("Organizations"), Capability.VIEW),
    ("people:list", _("People"), Capability.VIEW),
    ("cycles:list", _("Annual cycles"), Capability.VIEW),
    ("reports:mine", _("My debriefing"), Capability.REPORT_WRITE),
    ("rectification:dashboard", _("Rectification"), Capability.VIEW),
    ("rectification:notices", _("Notices"), Capability.VIEW),
    ("orgs:import", _("Import organizations"), Capability.EDIT),
    ("accounts:grants", _("Accounts and roles"), Capability.MANAGE_ACCOUNTS),
    ("audit:list", _("Audit log"), Capability.MANAGE_ACCOUNTS),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_modules": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = []
    for url_name, label, capability in MODULES:
        if can(user, capability):
            namespace = url_name.split(":")[0]
            items.append(
                {
                    "url": reverse(url_name),
                    "label": label,
                    "active": current == url_name
                    or (
                        url_name != "front:home"
                        and current.startswith(namespace + ":")
                        and url_name.endswith((":tree", ":list"))
                    ),
                }
            )
    return {"nav_modules": items}
