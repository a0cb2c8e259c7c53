import datetime
from decimal import Decimal as D

import pytest

from debrief.assessments.models import (
    Correction,
    Indicator,
    ResultStatus,
)
from debrief.assessments.reasons import describe_all
from debrief.assessments.services import (
    daily_score_set,
    debrief_score_set,
    result_adjust,
    result_correct,
    results_approve,
    results_compute,
    results_publish,
    scheme_set,
    veto_set,
)
from debrief.cycles.models import CycleStatus
from debrief.lib.errors import DomainError, IllegalTransition

pytestmark = pytest.mark.django_db


def test_scores_are_checked_against_the_item_maximum_and_field(graded):
    _cycle, q, _lx, organ_only = graded
    rural = Indicator.objects.get(code="1.1")
    with pytest.raises(DomainError, match="between 0 and 30"):
        daily_score_set(reporter=q, indicator=rural, points="31")
    with pytest.raises(DomainError, match="does not apply"):
        daily_score_set(reporter=q, indicator=organ_only, points="5")


def test_results_are_computed_with_components_grade_rank_and_reasons(graded):
    cycle, q, lx, _ = graded
    result_set = results_compute(cycle=cycle)
    results = {r.reporter_id: r for r in result_set.results.all()}
    assert (results[q.pk].daily, results[q.pk].evaluation, results[q.pk].debrief) == (
        D("92.00"),
        D("100.00"),
        D("90.00"),
    )
    assert results[q.pk].total == D("94.80") and results[q.pk].grade == "good"
    assert results[lx.pk].total == D("62.00") and results[lx.pk].grade == "average"
    assert (results[q.pk].rank, results[lx.pk].rank) == (1, 2)
    assert describe_all(results[q.pk].reasons) == [
        "Total 94.80 falls in the band Good (at least 90.00)."
    ]


def test_a_manual_adjustment_needs_a_reason_and_keeps_the_computed_grade(graded):
    cycle, q, _lx, _ = graded
    result = results_compute(cycle=cycle).results.get(reporter=q)
    with pytest.raises(DomainError):
        result_adjust(result=result, grade="fairly_good", reason="")
    result_adjust(result=result, grade="fairly_good", reason="常委会研究决定")
    result.refresh_from_db()
    assert (result.computed_grade, result.grade) == ("good", "fairly_good")
    assert result.reasons[-1]["rule"] == "manual"
    again = results_compute(cycle=cycle).results.get(reporter=q)
    assert again.grade == "fairly_good" and again.adjusted_reason == "常委会研究决定"


def test_the_scheme_is_validated_as_a_whole(graded):
    cycle, *_ = graded
    with pytest.raises(DomainError, match="add up to 100"):
        scheme_set(cycle=cycle, values={"weight_daily": 50})
    scheme_set(cycle=cycle, values={"weight_daily": 30, "weight_debrief": 30})


def test_a_veto_forces_the_grade(graded):
    cycle, q, _lx, _ = graded
    scheme = scheme_set(cycle=cycle, values={}, veto_items=["换届风气问题"])
    veto_set(reporter=q, item=scheme.veto_items.get(), applies=True)
    assert results_compute(cycle=cycle).results.get(reporter=q).grade == "poor"


def test_approval_publication_and_corrections(graded):
    cycle, q, _lx, _ = graded
    result_set = results_compute(cycle=cycle)
    with pytest.raises(DomainError):
        results_approve(
            result_set=result_set, approved_on=datetime.date(2026, 2, 1), approval_document=" "
        )
    results_approve(
        result_set=result_set,
        approved_on=datetime.date(2026, 2, 1),
        approval_document="县委常委会〔2026〕2号",
    )
    with pytest.raises(IllegalTransition):
        results_compute(cycle=cycle)
    with pytest.raises(IllegalTransition):
        debrief_score_set(reporter=q, points="10")
    results_publish(result_set=result_set)
    result_set.refresh_from_db()
    cycle.refresh_from_db()
    assert result_set.status == ResultStatus.PUBLISHED and cycle.status == CycleStatus.PUBLISHED
    result = result_set.results.get(reporter=q)
    with pytest.raises(IllegalTransition):
        result_adjust(result=result, grade="poor", reason="x")
    result_correct(result=result, grade="fairly_good", reason="复核发现加分依据不足")
    result.refresh_from_db()
    assert result.grade == "fairly_good" and result.computed_grade == "good"
    assert Correction.objects.get().old_value == "good"


def test_a_rectification_deadline_must_come_after_the_approval(graded):
    from debrief.audit.models import AuditRecord

    cycle, _q, _lx, _ = graded
    result_set = results_compute(cycle=cycle)
    for day in (datetime.date(2026, 1, 31), datetime.date(2026, 2, 1)):
        with pytest.raises(DomainError):
            results_approve(
                result_set=result_set,
                approved_on=datetime.date(2026, 2, 1),
                approval_document="县委常委会〔2026〕2号",
                rectify_by=day,
            )
    result_set.refresh_from_db()
    assert result_set.status == ResultStatus.DRAFT and result_set.rectify_by is None
    results_approve(
        result_set=result_set,
        approved_on=datetime.date(2026, 2, 1),
        approval_document="县委常委会〔2026〕2号",
        rectify_by=datetime.date(2026, 6, 30),
    )
    result_set.refresh_from_db()
    assert result_set.rectify_by == datetime.date(2026, 6, 30)
    record = AuditRecord.objects.filter(action="assessment.approve").latest("pk")
    assert record.detail["rectify_by"] == "2026-06-30"
