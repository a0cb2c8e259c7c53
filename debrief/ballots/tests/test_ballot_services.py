import uuid
from decimal import Decimal

import pytest

from debrief.ballots.codes import ALPHABET, TOKEN_LENGTH, format_token, normalize_token, receipt_for
from debrief.ballots.models import Ballot, BallotToken, EvaluationStatus, Participation, Receipt
from debrief.ballots.services import (
    EvaluationNotOpen,
    InvalidBallot,
    TokenNotFound,
    TokenUsed,
    ballot_submit,
    evaluation_close,
    evaluation_open,
    evaluation_setup,
    groups_set,
)
from debrief.ballots.tests.conftest import all_good, make_ready
from debrief.lib.errors import DomainError, IllegalTransition

pytestmark = pytest.mark.django_db


def first_token(ready):
    return next(iter(ready.tokens.values()))[0]


def test_tokens_carry_at_least_64_bits_and_avoid_look_alike_characters():
    assert TOKEN_LENGTH * 5 >= 64 and len(ALPHABET) == 32
    assert not set("01OI") & set(ALPHABET)


def test_typed_tokens_are_normalised():
    token = "ABCD2345EFGH67"
    assert normalize_token(format_token(token).lower()) == token
    assert normalize_token("ABCD") is None
    assert normalize_token("ABCD2345EFGH6O") is None  # the letter O is not in the alphabet


def test_tokens_are_stored_only_as_hashes(ready):
    plain = first_token(ready)
    stored = set(BallotToken.objects.values_list("token_hash", flat=True))
    assert plain not in stored and all(len(h) == 64 for h in stored)


def test_a_ballot_is_recorded_with_a_receipt(ready):
    ballot_id = uuid.uuid4()
    recorded = ballot_submit(
        token=first_token(ready), ballot_id=str(ballot_id), ratings=all_good(ready)
    )
    assert recorded.created and recorded.receipt == receipt_for(ballot_id)
    assert Ballot.objects.count() == 1 and Participation.objects.count() == 1
    assert list(Receipt.objects.values_list("code", flat=True)) == [recorded.receipt]


def test_the_same_ballot_id_again_returns_the_same_receipt_and_records_nothing(ready):
    token, ballot_id = first_token(ready), str(uuid.uuid4())
    first = ballot_submit(token=token, ballot_id=ballot_id, ratings=all_good(ready))
    again = ballot_submit(token=token, ballot_id=ballot_id, ratings=all_good(ready))
    assert not again.created and again.receipt == first.receipt
    assert Ballot.objects.count() == 1 and Receipt.objects.count() == 1


def test_a_different_ballot_id_on_a_used_token_is_refused(ready):
    token = first_token(ready)
    ballot_submit(token=token, ballot_id=str(uuid.uuid4()), ratings=all_good(ready))
    with pytest.raises(TokenUsed) as error:
        ballot_submit(token=token, ballot_id=str(uuid.uuid4()), ratings=all_good(ready))
    assert error.value.status == 409
    assert Ballot.objects.count() == 1


def test_an_unknown_token_is_not_found(ready):
    with pytest.raises(TokenNotFound) as error:
        ballot_submit(token="ABCD2345EFGH67", ballot_id=str(uuid.uuid4()), ratings=[])
    assert error.value.status == 404


def test_a_ballot_that_misses_a_reporter_is_invalid_and_names_the_problem(ready):
    with pytest.raises(InvalidBallot) as error:
        ballot_submit(
            token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=all_good(ready)[:1]
        )
    assert error.value.status == 422
    assert "1 of 2 rated" in error.value.errors[0]
    assert Participation.objects.count() == 0


@pytest.mark.parametrize(
    "ratings",
    [
        "not a list",
        [{"reporter": 999999, "grade": "good"}],
        [{"reporter": "1", "grade": "good"}],
        [{"reporter": None, "grade": "excellent"}],
    ],
)
def test_malformed_ratings_are_invalid(ready, ratings):
    with pytest.raises(InvalidBallot):
        ballot_submit(token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=ratings)


def test_a_reporter_rated_twice_is_invalid(ready):
    ratings = all_good(ready) + all_good(ready)[:1]
    with pytest.raises(InvalidBallot, match="not valid") as error:
        ballot_submit(token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=ratings)
    assert any("twice" in e for e in error.value.errors)


def test_a_ballot_id_must_be_a_uuid(ready):
    with pytest.raises(InvalidBallot):
        ballot_submit(token=first_token(ready), ballot_id="1", ratings=all_good(ready))


def test_too_many_good_ratings_make_a_ballot_invalid(county, personas):
    ready = make_ready(county, max_good_share=Decimal("0.5"))
    with pytest.raises(InvalidBallot, match="not valid") as error:
        ballot_submit(
            token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=all_good(ready)
        )
    assert "At most 1" in error.value.errors[0]
    mixed = [
        {"reporter": ready.reporter_ids[0], "grade": "good"},
        {"reporter": ready.reporter_ids[1], "grade": "average"},
    ]
    assert ballot_submit(token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=mixed)


def test_a_poor_rating_needs_a_reason_when_the_rule_says_so(county, personas):
    ready = make_ready(county, reason_required_for_poor=True)
    ratings = all_good(ready, "poor")
    with pytest.raises(InvalidBallot):
        ballot_submit(token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=ratings)
    for rating in ratings:
        rating["reason"] = "工作推进慢"
    assert ballot_submit(token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=ratings)


def test_ballots_before_opening_and_after_closing_are_refused(county, personas):
    ready = make_ready(county, open_it=False)
    with pytest.raises(EvaluationNotOpen, match="not opened"):
        ballot_submit(token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=[])
    evaluation_open(evaluation=ready.evaluation)
    ready.evaluation.refresh_from_db()
    ready.reporter_ids[:] = [int(pk) for pk in ready.evaluation.reporter_ids]
    evaluation_close(evaluation=ready.evaluation)
    with pytest.raises(EvaluationNotOpen, match="closed") as error:
        ballot_submit(
            token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=all_good(ready)
        )
    assert error.value.status == 409


def test_a_retry_of_an_accepted_ballot_after_closing_still_gets_its_receipt(ready):
    token, ballot_id = first_token(ready), str(uuid.uuid4())
    first = ballot_submit(token=token, ballot_id=ballot_id, ratings=all_good(ready))
    evaluation_close(evaluation=ready.evaluation)
    again = ballot_submit(token=token, ballot_id=ballot_id, ratings=all_good(ready))
    assert (again.receipt, again.created) == (first.receipt, False)


def test_closing_returns_the_same_count_however_often_it_is_called(ready):
    for token in next(iter(ready.tokens.values()))[:3]:
        ballot_submit(token=token, ballot_id=str(uuid.uuid4()), ratings=all_good(ready))
    assert [evaluation_close(evaluation=ready.evaluation) for _ in range(3)] == [3, 3, 3]
    ready.evaluation.refresh_from_db()
    assert ready.evaluation.status == EvaluationStatus.CLOSED


def test_closing_keeps_every_ballot_and_receipt(ready):
    receipts = {
        ballot_submit(token=t, ballot_id=str(uuid.uuid4()), ratings=all_good(ready)).receipt
        for t in list(ready.tokens.values())[1]
    }
    ballots = sorted(Ballot.objects.values_list("id", "ratings"))
    codes = sorted(Receipt.objects.values_list("id", "code"))
    evaluation_close(evaluation=ready.evaluation)
    assert sorted(Ballot.objects.values_list("id", "ratings")) == ballots
    assert sorted(Receipt.objects.values_list("id", "code")) == codes
    assert set(Receipt.objects.values_list("code", flat=True)) == receipts


def test_an_opened_evaluation_cannot_be_reconfigured(ready):
    with pytest.raises(IllegalTransition):
        evaluation_setup(meeting=ready.evaluation.meeting)
    with pytest.raises(IllegalTransition):
        evaluation_open(evaluation=ready.evaluation)


def test_group_shares_must_add_up_to_100(county, personas):
    ready = make_ready(county, open_it=False)
    with pytest.raises(DomainError, match="add up to 100"):
        groups_set(evaluation=ready.evaluation, groups=[("常委", 30), ("群众", 60)])


def test_a_group_with_issued_tokens_cannot_be_removed(county, personas):
    ready = make_ready(county, open_it=False)
    with pytest.raises(DomainError, match="cannot be removed"):
        groups_set(evaluation=ready.evaluation, groups=[("县委常委", 100)])


def test_the_ballot_row_carries_no_token_no_time_and_no_sequence(ready):
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert fields == {"id", "evaluation", "group", "ratings"}
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"


def test_the_receipt_is_stored_apart_from_the_ballot_and_points_to_nothing_but_its_evaluation(
    ready,
):
    assert {f.name for f in Receipt._meta.get_fields()} == {"id", "evaluation", "code"}
    assert Receipt._meta.pk.get_internal_type() == "UUIDField"
    recorded = ballot_submit(
        token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=all_good(ready)
    )
    receipt, ballot = Receipt.objects.get(), Ballot.objects.get()
    assert receipt.code == recorded.receipt and receipt.pk != ballot.pk
    assert recorded.receipt not in str(ballot.ratings)


def test_a_ballot_id_used_on_another_token_is_refused_and_records_nothing(ready):
    tokens = next(iter(ready.tokens.values()))
    ballot_id = str(uuid.uuid4())
    ballot_submit(token=tokens[0], ballot_id=ballot_id, ratings=all_good(ready))
    with pytest.raises(TokenUsed):
        ballot_submit(token=tokens[1], ballot_id=ballot_id, ratings=all_good(ready))
    assert Ballot.objects.count() == Receipt.objects.count() == Participation.objects.count() == 1
    participation_fields = {f.name for f in Participation._meta.get_fields()}
    assert participation_fields == {"id", "token", "evaluation", "digest"}


def test_the_cycle_cannot_leave_the_meeting_stage_while_the_evaluation_is_open(ready):
    from debrief.cycles.models import CycleStatus
    from debrief.cycles.services import cycle_transition

    cycle = ready.evaluation.meeting.cycle
    with pytest.raises(DomainError, match="Close the democratic evaluation"):
        cycle_transition(cycle=cycle, to=CycleStatus.ASSESSMENT)
    evaluation_close(evaluation=ready.evaluation)
    cycle_transition(cycle=cycle, to=CycleStatus.ASSESSMENT)


def test_a_reason_is_kept_only_with_a_poor_rating(ready):
    ratings = [
        {"reporter": ready.reporter_ids[0], "grade": "good", "reason": "表扬一下"},
        {"reporter": ready.reporter_ids[1], "grade": "poor", "reason": " 推进不力 "},
    ]
    ballot_submit(token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=ratings)
    assert Ballot.objects.get().ratings == {
        str(ready.reporter_ids[0]): {"grade": "good"},
        str(ready.reporter_ids[1]): {"grade": "poor", "reason": "推进不力"},
    }


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\r", "\ud800"])
def test_a_reason_with_a_control_character_is_invalid_and_names_the_rating(ready, character):
    ratings = all_good(ready, "poor")
    ratings[1]["reason"] = f"推进{character}不力"
    with pytest.raises(InvalidBallot) as error:
        ballot_submit(token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=ratings)
    assert error.value.status == 422
    assert error.value.errors == ["The reason in rating 2 contains control characters."]
    assert not Ballot.objects.exists() and not Participation.objects.exists()


def test_a_reason_may_hold_tabs_and_line_breaks(ready):
    ratings = all_good(ready, "poor")
    ratings[0]["reason"] = "一、推进不力\r\n二、\t整改慢"
    ballot_submit(token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=ratings)
    stored = Ballot.objects.get().ratings[str(ready.reporter_ids[0])]
    assert stored["reason"] == "一、推进不力\n二、\t整改慢"


@pytest.fixture
def with_items(county, personas):
    return make_ready(county, items=["政治建设", "党建责任"])


def rated_items(ready, items: dict) -> list[dict]:
    return [{**rating, "items": items} for rating in all_good(ready)]


def test_item_ratings_are_stored_with_the_ballot(with_items):
    item_ids = list(with_items.evaluation.items.values_list("pk", flat=True))
    items = {str(item_ids[0]): "good", str(item_ids[1]): "average"}
    ballot_submit(
        token=first_token(with_items),
        ballot_id=str(uuid.uuid4()),
        ratings=rated_items(with_items, items),
    )
    (stored,) = Ballot.objects.values_list("ratings", flat=True)
    assert {entry["items"][str(item_ids[1])] for entry in stored.values()} == {"average"}


@pytest.mark.parametrize(
    "shape", ["unknown item", "grade not a string", "items not an object", "one item missing"]
)
def test_invalid_item_ratings_are_refused_and_record_nothing(with_items, shape):
    first, second = with_items.evaluation.items.values_list("pk", flat=True)
    items: object = {
        "unknown item": {str(first): "good", str(second): "good", "999999": "good"},
        "grade not a string": {str(first): ["good"], str(second): "good"},
        "items not an object": ["good", "good"],
        "one item missing": {str(first): "good"},
    }[shape]
    with pytest.raises(InvalidBallot) as error:
        ballot_submit(
            token=first_token(with_items),
            ballot_id=str(uuid.uuid4()),
            ratings=rated_items(with_items, items),  # type: ignore[arg-type]
        )
    assert len(error.value.errors) == len(with_items.reporter_ids)
    assert not Participation.objects.exists() and not Ballot.objects.exists()
