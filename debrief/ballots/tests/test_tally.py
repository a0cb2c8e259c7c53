import uuid
from decimal import Decimal

import pytest

from debrief.ballots.models import Ballot
from debrief.ballots.services import ballot_submit, evaluation_close
from debrief.ballots.tally import receipts, tally
from debrief.ballots.tests.conftest import make_ready
from debrief.lib.errors import IllegalTransition

pytestmark = pytest.mark.django_db


def vote(ready, group, index, grades, reasons=None):
    ratings = [
        {"reporter": pk, "grade": grade, **({"reason": reasons[n]} if reasons else {})}
        for n, (pk, grade) in enumerate(zip(ready.reporter_ids, grades, strict=True))
    ]
    return ballot_submit(
        token=ready.tokens[group][index], ballot_id=str(uuid.uuid4()), ratings=ratings
    )


def test_the_tally_is_hidden_until_closing(county, personas):
    ready = make_ready(county)
    with pytest.raises(IllegalTransition):
        tally(ready.evaluation)
    with pytest.raises(IllegalTransition):
        receipts(ready.evaluation)


def test_a_hand_worked_tally(county, personas):
    """Groups and shares: 县委常委 30, 党建工作领导小组成员 20, “两代表一委员” 20,
    基层党员干部群众代表 30. Reporter A (first on the form):
      县委常委 (3 ballots): good, good, fairly good  -> mean (100+100+80)/3 = 93.333…
      领导小组 (3 ballots): good, average, poor     -> mean (100+60+0)/3   = 53.333…
      两代表一委员: no ballots                       -> left out, its share too
      群众代表 (1 ballot): fairly good               -> mean 80 (group withheld: < 3)
    Withheld groups are pooled (see below): 县委常委 and 群众代表 together hold
    3 + 1 ratings worth 280 + 80 = 360 points, mean 90, share 30 + 30 = 60; so
    score = (60×90 + 20×53.333…) / (60+20) = 6466.67/80 = 80.83
    valid 7; satisfaction (3 good + 2 fairly good)/7 = 0.7143;
    poor 1/7 = 0.1429.
    Reporter B gets good from everyone: score 100, rank 1; A rank 2.
    Withheld breakdowns: 群众代表 (1 ballot) and 两代表一委员 (none) hold 1 ballot
    together, fewer than 3, so the smallest shown group is withheld too: 县委常委
    (3 ballots, first in order among the groups of 3). Only 领导小组 is shown."""
    ready = make_ready(county, tokens_per_group=3)
    vote(ready, "县委常委", 0, ["good", "good"])
    vote(ready, "县委常委", 1, ["good", "good"])
    vote(ready, "县委常委", 2, ["fairly_good", "good"])
    vote(ready, "党建工作领导小组成员", 0, ["good", "good"])
    vote(ready, "党建工作领导小组成员", 1, ["average", "good"])
    vote(ready, "党建工作领导小组成员", 2, ["poor", "good"], reasons=["推进不力", ""])
    vote(ready, "基层党员干部群众代表", 0, ["fairly_good", "good"])
    assert evaluation_close(evaluation=ready.evaluation) == 7
    result = tally(ready.evaluation)
    a, b = result.results
    assert a.counts == {"good": 3, "fairly_good": 2, "average": 1, "poor": 1}
    assert a.valid == 7
    assert a.score == Decimal("80.83")
    assert a.satisfaction_rate == Decimal("0.7143")
    assert a.poor_rate == Decimal("0.1429")
    assert (a.rank, b.rank, b.score) == (2, 1, Decimal("100.00"))
    assert a.reasons == ["推进不力"]
    by_name = {g.name: g for g in a.groups}
    assert by_name["党建工作领导小组成员"].counts == {
        "good": 1,
        "fairly_good": 0,
        "average": 1,
        "poor": 1,
    }
    assert by_name["党建工作领导小组成员"].mean_points == Decimal("53.33")
    assert by_name["县委常委"].counts is None  # withheld with the small group
    assert by_name["基层党员干部群众代表"].counts is None  # one ballot: withheld
    assert by_name["基层党员干部群众代表"].mean_points is None
    assert result.ballots == 7
    assert len(receipts(ready.evaluation)) == 7
    assert receipts(ready.evaluation) == sorted(receipts(ready.evaluation))


def test_equal_scores_share_a_rank(county, personas):
    ready = make_ready(county, tokens_per_group=1)
    vote(ready, "县委常委", 0, ["good", "good"])
    evaluation_close(evaluation=ready.evaluation)
    assert [r.rank for r in tally(ready.evaluation).results] == [1, 1]


class _Group:
    def __init__(self, pk: int) -> None:
        self.pk, self.order = pk, pk


@pytest.mark.parametrize(
    ("ballots", "withheld"),
    [
        ({1: 10, 2: 10, 3: 10}, set()),  # every group large enough
        ({1: 10, 2: 1}, {1, 2}),  # one small group beside one shown: both withheld
        ({1: 10, 2: 5, 3: 1}, {2, 3}),  # the smallest shown group joins the small one
        ({1: 10, 2: 2, 3: 2}, {2, 3}),  # two small groups hold 4 >= 3 together
        ({1: 2}, {1}),
    ],
)
def test_a_small_group_cannot_be_read_off_by_subtraction(ballots, withheld):
    from debrief.ballots.tally import withheld_groups

    groups = [_Group(pk) for pk in ballots]
    assert withheld_groups(groups, ballots, 3) == withheld  # type: ignore[arg-type]


def _public(result):
    """Everything the tally publishes about the first reporter."""
    a = result.results[0]
    return (
        a.counts,
        a.score,
        a.satisfaction_rate,
        a.poor_rate,
        [(g.name, g.ballots, g.counts, g.mean_points) for g in a.groups],
    )


def test_the_published_tally_does_not_depend_on_how_a_lone_voter_voted(county, personas):
    """One 县委常委 ballot, three from 群众代表, four each from the other two groups.
    Swapping the lone member's rating with a 群众代表 member's rating changes how the
    lone member voted and nothing else: every published figure must stay the same."""
    from debrief.ballots.models import Ballot

    ready = make_ready(county, tokens_per_group=4)
    vote(ready, "县委常委", 0, ["poor", "good"])
    vote(ready, "基层党员干部群众代表", 0, ["good", "good"])
    vote(ready, "基层党员干部群众代表", 1, ["good", "good"])
    vote(ready, "基层党员干部群众代表", 2, ["good", "good"])
    for n in range(4):
        vote(ready, "党建工作领导小组成员", n, ["average", "good"])
        vote(ready, "“两代表一委员”", n, ["fairly_good", "good"])
    evaluation_close(evaluation=ready.evaluation)
    before = _public(tally(ready.evaluation))

    lone = Ballot.objects.get(group__name="县委常委")
    crowd = Ballot.objects.filter(group__name="基层党员干部群众代表").first()
    assert crowd is not None
    lone_ratings, crowd_ratings = lone.ratings, crowd.ratings
    Ballot.objects.filter(pk=lone.pk).update(ratings=crowd_ratings)
    Ballot.objects.filter(pk=crowd.pk).update(ratings=lone_ratings)
    after = _public(tally(ready.evaluation))
    assert after == before


def test_a_reason_given_with_a_grade_other_than_poor_is_neither_recorded_nor_listed(
    county, personas
):
    ready = make_ready(county, tokens_per_group=3)
    vote(ready, "县委常委", 0, ["good", "poor"], reasons=["表扬", "推进不力"])
    vote(ready, "县委常委", 1, ["average", "fairly_good"], reasons=["一般般", "还行"])
    evaluation_close(evaluation=ready.evaluation)
    assert all(
        "reason" not in entry or entry["grade"] == "poor"
        for ratings in Ballot.objects.values_list("ratings", flat=True)
        for entry in ratings.values()
    )
    a, b = tally(ready.evaluation).results
    assert a.reasons == [] and b.reasons == ["推进不力"]


def test_the_tally_lists_only_reasons_for_poor_even_if_others_were_stored(county, personas):
    """Ballots stored before the rule (or imported) may carry other grades' reasons."""
    ready = make_ready(county, tokens_per_group=3)
    vote(ready, "县委常委", 0, ["good", "poor"], reasons=["", "推进不力"])
    evaluation_close(evaluation=ready.evaluation)
    ballot = Ballot.objects.get()
    ballot.ratings[str(ready.reporter_ids[0])]["reason"] = "表扬"
    ballot.save()
    a, b = tally(ready.evaluation).results
    assert a.reasons == [] and b.reasons == ["推进不力"]
