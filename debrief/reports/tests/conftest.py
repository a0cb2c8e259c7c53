import pytest

from debrief.cycles.models import CycleStatus
from debrief.cycles.services import cycle_create, cycle_transition
from debrief.orgs.models import Level

# --- Fixtures of the report pages (test_views.py) --------------------------------------


@pytest.fixture
def qingshi_reporter(open_cycle, county):
    return open_cycle.reporters.get(organization=county.qingshi)


@pytest.fixture
def liuxi_reporter(open_cycle, county):
    return open_cycle.reporters.get(organization=county.liuxi)


@pytest.fixture
def crowded_cycle(county, personas):
    """An open 2025 cycle with 30 townships on the roster, their reports in every state."""
    from debrief.cycles.models import Reporter
    from debrief.orgs.models import Field
    from debrief.orgs.services import org_create
    from debrief.people.models import Gender, Person
    from debrief.reports.services import (
        report_accept,
        report_for,
        report_return,
        report_save,
        report_submit,
    )

    c = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    full = {key: f"<p>{key}</p>" for key in _section_keys()}
    reporters = []
    for i in range(30):
        org = org_create(
            code=f"T{100 + i}",
            name=f"第{i}镇党委",
            level=Level.TOWNSHIP,
            field=Field.RURAL,
            parent=county.county,
        )
        person = Person.objects.create(name=f"书记{i}", gender=Gender.MALE)
        reporters.append(
            Reporter.objects.create(
                cycle=c, organization=org, person=person, post_title="镇党委书记"
            )
        )
    c = cycle_transition(cycle=c, to=CycleStatus.REPORTS_OPEN)
    for i, reporter in enumerate(reporters):
        # 0 not started, 1 draft, 2 submitted, 3 returned, 4 opened only, 5 accepted
        kind = i % 6
        if kind == 0:
            continue
        report = report_for(reporter)
        if kind == 4:
            continue  # opened but nothing saved yet: still "not started"
        report_save(report=report, sections=full)
        if kind in (2, 3, 5):
            report_submit(report=report)
        if kind == 3:
            report_return(report=report, reason="补充数据")
        if kind == 5:
            report_accept(report=report)
    return c


def _section_keys():
    from debrief.reports.models import SECTION_KEYS

    return SECTION_KEYS
