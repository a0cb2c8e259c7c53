import datetime

import pytest

from debrief.cycles.models import CycleStatus
from debrief.cycles.services import cycle_create, cycle_transition, roster_generate
from debrief.meetings.services import meeting_schedule
from debrief.orgs.models import Level


@pytest.fixture
def cycle(county, personas):
    """A 2025 cycle of the county with its roster: 青石镇 and 柳溪镇 have secretaries."""
    c = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP, Level.UNIT])
    roster_generate(cycle=c)
    return c


@pytest.fixture
def open_cycle(cycle):
    return cycle_transition(cycle=cycle, to=CycleStatus.REPORTS_OPEN)


@pytest.fixture
def meeting_cycle(open_cycle):
    meeting_schedule(cycle=open_cycle, date=datetime.date(2026, 1, 15), presider="县委书记")
    return cycle_transition(cycle=open_cycle, to=CycleStatus.MEETING)
