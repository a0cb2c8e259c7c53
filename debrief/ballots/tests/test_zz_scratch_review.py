import uuid

import pytest

from debrief.ballots.services import ballot_submit, evaluation_close
from debrief.ballots.tally import tally
from debrief.ballots.tests.conftest import make_ready

pytestmark = pytest.mark.django_db


def _scenario(county, lone, crowd):
    ready = make_ready(county, tokens_per_group=4)
    a, b = ready.reporter_ids
    def vote(group, i, grade):
        ballot_submit(token=ready.tokens[group][i], ballot_id=str(uuid.uuid4()),
                      ratings=[{"reporter": a, "grade": grade}, {"reporter": b, "grade": "good"}])
    vote("县委常委", 0, lone)                         # the lone standing-committee member
    for i, g in enumerate(crowd):                     # 3 grassroots ballots
        vote("基层党员干部群众代表", i, g)
    for i in range(4):
        vote("党建工作领导小组成员", i, "fairly_good")
        vote("“两代表一委员”", i, "average")
    evaluation_close(evaluation=ready.evaluation)
    row = tally(ready.evaluation).results[0]
    shown = {g.name: g.counts for g in row.groups}
    return row, shown


@pytest.mark.parametrize("x", [0])
def test_lone_voter_read_off_score(county, personas, x):
    r1, s1 = _scenario(county, "poor", ["good", "good", "good"])
    print("S1", r1.counts, r1.score, r1.satisfaction_rate, s1)


@pytest.mark.parametrize("x", [0])
def test_lone_voter_read_off_score2(county, personas, x):
    r2, s2 = _scenario(county, "good", ["poor", "good", "good"])
    print("S2", r2.counts, r2.score, r2.satisfaction_rate, s2)
