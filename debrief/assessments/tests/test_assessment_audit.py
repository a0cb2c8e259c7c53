"""Every change of an assessment input leaves an audit record, and the check that the
results are still a draft locks them."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from debrief.assessments.models import DebriefScore, Indicator, ResultSet
from debrief.assessments.services import (
    adjustment_add,
    daily_score_clear,
    daily_score_set,
    debrief_score_clear,
    debrief_score_set,
    results_compute,
)
from debrief.audit.models import AuditRecord
from debrief.lib.errors import IllegalTransition

from .conftest import approve

pytestmark = pytest.mark.django_db


def _last(action: str) -> AuditRecord:
    return AuditRecord.objects.filter(action=action).latest("pk")


def test_score_changes_are_audited(graded, personas):
    cycle, q, _lx, _organ = graded
    admin = personas.county_admin
    indicator = Indicator.objects.get(category__cycle=cycle, code="1.2")

    daily_score_set(reporter=q, indicator=indicator, points="19", actor=admin)
    record = _last("assessment.daily_score")
    assert (record.actor, record.target, record.organization) == (admin, str(q), q.organization)
    assert record.detail["item"] == "党建责任" and record.detail["points"] == "19"

    adjustment_add(reporter=q, kind="bonus", points="1.5", reason="先进典型", actor=admin)
    record = _last("assessment.adjustment_add")
    assert (record.actor, record.organization) == (admin, q.organization)
    assert record.detail["kind"] == "bonus" and record.detail["points"] == "1.5"

    debrief_score_set(reporter=q, points="88", actor=admin)
    record = _last("assessment.debrief_score")
    assert (record.target, record.detail["points"]) == (str(q), "88")

    assert daily_score_clear(reporter=q, indicator=indicator, actor=admin)
    record = _last("assessment.daily_score_clear")
    assert (record.target, record.detail["item"]) == (str(q), "党建责任")

    assert debrief_score_clear(reporter=q, actor=admin)
    record = _last("assessment.debrief_score_clear")
    assert (record.actor, record.organization) == (admin, q.organization)

    # Clearing what is not there changes nothing and records nothing.
    before = AuditRecord.objects.count()
    assert not debrief_score_clear(reporter=q, actor=admin)
    assert AuditRecord.objects.count() == before


def test_a_refused_score_leaves_no_audit_record(graded, personas):
    cycle, q, _lx, _organ = graded
    results_compute(cycle=cycle)
    approve(cycle)
    before = AuditRecord.objects.count()
    with pytest.raises(IllegalTransition):
        debrief_score_set(reporter=q, points="60", actor=personas.county_admin)
    assert AuditRecord.objects.count() == before
    assert DebriefScore.objects.get(reporter=q).points == D(90)


def test_the_unpublished_check_locks_the_result_set(graded):
    """The check runs as SELECT ... FOR UPDATE (on SQLite the clause is dropped, so the
    query is only visible on PostgreSQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cycle, q, _lx, _organ = graded
    results_compute(cycle=cycle)
    assert ResultSet.objects.filter(cycle=cycle).exists()
    with CaptureQueriesContext(connection) as queries:
        debrief_score_set(reporter=q, points="91")
    if connection.vendor == "postgresql":
        assert any(
            "FOR UPDATE" in query["sql"] and "assessments_resultset" in query["sql"]
            for query in queries.captured_queries
        )
