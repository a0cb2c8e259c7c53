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
    """The modules the user may use. A page highlights its own entry, or else the first
    entry of its app (a problem page highlights 整改, a report page 年度述职评议 ...)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_modules": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    listed = {url_name for url_name, _label, _capability in MODULES}
    first_of_namespace: dict[str, str] = {}
    for url_name, _label, _capability in MODULES:
        first_of_namespace.setdefault(url_name.split(":")[0], url_name)
    highlighted = (
        current if current in listed else first_of_namespace.get(current.split(":")[0], "")
    )
    return {
        "nav_modules": [
            {"url": reverse(url_name), "label": label, "active": url_name == highlighted}
            for url_name, label, capability in MODULES
            if can(user, capability)
        ]
    }
