import datetime
import uuid
from decimal import Decimal as D

import pytest

from debrief.assessments.models import (
    Correction,
    Indicator,
    IndicatorCategory,
    ResultStatus,
)
from debrief.assessments.reasons import describe_all
from debrief.assessments.services import (
    adjustment_add,
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
from debrief.ballots.services import ballot_submit, evaluation_close
from debrief.ballots.tests.conftest import make_ready
from debrief.cycles.models import CycleStatus
from debrief.cycles.services import cycle_transition
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.orgs.models import Field

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(county, personas):
    """A cycle at the assessment stage with the two townships scored:
    青石镇: daily 45 of 50 (+2 bonus, −1 penalty → 46/50 = 92.00); every ballot 好
            (E = 100.00); debriefing 90 → (40×92 + 40×100 + 20×90)/100 = 94.80 → 好.
    柳溪镇: daily 30 of 50 (60.00); every ballot 一般 (E = 60.00); debriefing 70
            → (40×60 + 40×60 + 20×70)/100 = 62.00 → 一般."""
    ready = make_ready(county, tokens_per_group=3)
    qingshi, liuxi = sorted(ready.reporter_ids)
    for token in ready.tokens["县委常委"]:
        ballot_submit(
            token=token,
            ballot_id=str(uuid.uuid4()),
            ratings=[
                {"reporter": qingshi, "grade": "good"},
                {"reporter": liuxi, "grade": "average"},
            ],
        )
    evaluation_close(evaluation=ready.evaluation)
    cycle = ready.evaluation.meeting.cycle
    cycle_transition(cycle=cycle, to=CycleStatus.ASSESSMENT)
    category = IndicatorCategory.objects.create(cycle=cycle, name="基础工作")
    rural = Indicator.objects.create(
        category=category, code="1.1", name="组织生活", max_points=D(30), fields=[Field.RURAL]
    )
    general = Indicator.objects.create(
        category=category, code="1.2", name="党建责任", max_points=D(20)
    )
    organ_only = Indicator.objects.create(
        category=category, code="1.3", name="机关建设", max_points=D(10), fields=[Field.ORGAN]
    )
    reporters = {r.organization.code: r for r in cycle.reporters.select_related("organization")}
    q, lx = reporters["T001"], reporters["T002"]
    daily_score_set(reporter=q, indicator=rural, points="27")
    daily_score_set(reporter=q, indicator=general, points="18")
    adjustment_add(reporter=q, kind="bonus", points="2", reason="获评省级示范")
    adjustment_add(reporter=q, kind="penalty", points="1", reason="材料迟报")
    daily_score_set(reporter=lx, indicator=rural, points="18")
    daily_score_set(reporter=lx, indicator=general, points="12")
    debrief_score_set(reporter=q, points="90")
    debrief_score_set(reporter=lx, points="70")
    return cycle, q, lx, organ_only


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
