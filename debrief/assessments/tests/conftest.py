"""A whole cycle carried to the assessment stage (`graded`), and what the page and
document tests build on it."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal as D
from typing import Any

import pytest

from debrief.assessments.models import Indicator, IndicatorCategory
from debrief.assessments.services import (
    adjustment_add,
    daily_score_set,
    debrief_score_set,
    results_approve,
    results_compute,
    results_publish,
)
from debrief.ballots.services import ballot_submit, evaluation_close
from debrief.ballots.tests.conftest import make_ready
from debrief.cycles.models import Cycle, CycleStatus
from debrief.cycles.services import cycle_create, cycle_transition, roster_generate
from debrief.lib.testing import HttpsClient
from debrief.meetings.services import meeting_schedule
from debrief.orgs.models import Field, Level

APPROVAL_DOCUMENT = "县委常委会〔2026〕2号"


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


def approve(cycle: Cycle, *, document: str = APPROVAL_DOCUMENT) -> Any:
    """Compute and approve the results of `cycle`."""
    result_set = results_compute(cycle=cycle)
    return results_approve(
        result_set=result_set,
        approved_on=datetime.date(2026, 2, 1),
        approval_document=document,
        approved_by="县委常委会",
    )


def publish(cycle: Cycle) -> Any:
    return results_publish(result_set=approve(cycle))


def published_cycle(county: Any, year: int) -> Cycle:
    """A cycle of `year` (townships only) taken to published results with scores from
    the debriefing alone: 青石镇 debriefing 60, 柳溪镇 80."""
    cycle = cycle_create(host=county.county, year=year, levels=[Level.TOWNSHIP])
    roster_generate(cycle=cycle)
    cycle_transition(cycle=cycle, to=CycleStatus.REPORTS_OPEN)
    meeting_schedule(cycle=cycle, date=datetime.date(year + 1, 1, 10), presider="县委书记")
    cycle_transition(cycle=cycle, to=CycleStatus.MEETING)
    cycle_transition(cycle=cycle, to=CycleStatus.ASSESSMENT)
    for reporter in cycle.reporters.select_related("organization"):
        points = {"T001": "60", "T002": "80"}[reporter.organization.code]
        debrief_score_set(reporter=reporter, points=points)
    publish(cycle)
    return cycle


def english_client(user: Any = None) -> HttpsClient:
    """A logged-in test client that asks for the English pages."""
    client = HttpsClient()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def host_client(personas) -> HttpsClient:
    return english_client(personas.county_admin)
