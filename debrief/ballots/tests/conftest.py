import datetime
from dataclasses import dataclass

import pytest

from debrief.ballots.models import Evaluation
from debrief.ballots.services import evaluation_open, evaluation_setup, tokens_issue
from debrief.cycles.models import CycleStatus
from debrief.cycles.services import cycle_create, cycle_transition, roster_generate
from debrief.meetings.services import meeting_schedule
from debrief.orgs.models import Level


@dataclass
class Ready:
    evaluation: Evaluation
    tokens: dict[str, list[str]]  # group name -> plain tokens
    reporter_ids: list[int]


def make_ready(county, *, tokens_per_group: int = 5, open_it: bool = True, **setup) -> Ready:
    cycle = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=cycle)
    cycle_transition(cycle=cycle, to=CycleStatus.REPORTS_OPEN)
    meeting = meeting_schedule(cycle=cycle, date=datetime.date(2026, 1, 15), presider="县委书记")
    cycle_transition(cycle=cycle, to=CycleStatus.MEETING)
    evaluation = evaluation_setup(meeting=meeting, **setup)
    tokens = {
        group.name: tokens_issue(evaluation=evaluation, group=group, count=tokens_per_group)
        for group in evaluation.groups.all()
    }
    if open_it:
        evaluation_open(evaluation=evaluation)
    evaluation.refresh_from_db()
    return Ready(evaluation, tokens, [int(pk) for pk in evaluation.reporter_ids])


@pytest.fixture
def ready(county, personas) -> Ready:
    return make_ready(county)


def all_good(ready: Ready, grade: str = "good") -> list[dict]:
    return [{"reporter": pk, "grade": grade} for pk in ready.reporter_ids]
