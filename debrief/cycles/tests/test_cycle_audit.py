"""Arranging a reporter is audited; a cycle inserted meanwhile gives the usual error."""

from __future__ import annotations

from unittest import mock

import pytest

from debrief.audit.models import AuditRecord
from debrief.cycles.models import Cycle, Mode
from debrief.cycles.services import cycle_create, reporter_arrange
from debrief.lib.errors import DomainError

pytestmark = pytest.mark.django_db


def test_arranging_a_reporter_is_audited(cycle, personas):
    reporter = cycle.reporters.order_by("pk").first()
    reporter_arrange(
        reporter=reporter, mode=Mode.ONSITE, session=1, order=2, actor=personas.county_admin
    )
    record = AuditRecord.objects.get(action="cycle.reporter_arrange")
    assert (record.actor, record.target) == (personas.county_admin, str(reporter))
    assert record.organization == reporter.organization
    assert (record.detail["mode"], record.detail["session"], record.detail["order"]) == (
        Mode.ONSITE,
        1,
        2,
    )


def test_a_cycle_created_meanwhile_gives_the_same_error(county, personas):
    """The check finds none, but a concurrent request created one before our insert."""
    cycle_create(host=county.county, year=2030)
    real_filter = Cycle.objects.filter
    calls = []

    def filter_missing_first(*args, **kwargs):
        calls.append(kwargs)
        query = real_filter(*args, **kwargs)
        if len(calls) == 1:
            return real_filter(pk=-1)
        return query

    with (
        mock.patch.object(Cycle.objects, "filter", side_effect=filter_missing_first),
        pytest.raises(DomainError, match="already has a cycle"),
    ):
        cycle_create(host=county.county, year=2030)
    assert Cycle.objects.filter(host=county.county, year=2030).count() == 1
