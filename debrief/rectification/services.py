"""Creating problems. The rectification workflow (plans, progress, verification) builds
on these records."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from debrief.lib.errors import DomainError
from debrief.orgs.models import Organization
from debrief.rectification.models import Category, Problem, Severity, Source


def problem_create(
    *,
    organization: Organization,
    category: str,
    description: str,
    source: str,
    severity: str = Severity.GENERAL,
    cycle: Any = None,
    reporter: Any = None,
    comment: Any = None,
    deadline: datetime.date | None = None,
    actor: Any = None,
) -> Problem:
    description = description.strip()
    if not description:
        raise DomainError(_("Describe the problem."))
    if category not in Category.values:
        raise DomainError(_("Unknown problem category."))
    if severity not in Severity.values:
        raise DomainError(_("Unknown severity."))
    if source not in Source.values:
        raise DomainError(_("Unknown problem source."))
    return Problem.objects.create(
        organization=organization,
        category=category,
        severity=severity,
        description=description,
        source=source,
        cycle=cycle,
        reporter=reporter,
        comment=comment,
        deadline=deadline,
        created_by=actor,
    )
