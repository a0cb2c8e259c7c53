"""Exactly-once and secrecy under real concurrency: threads on PostgreSQL.

Each worker thread has its own database connection (Django's connections are
per thread) and closes it when its task ends.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections

from debrief.ballots.models import Ballot, Participation, Receipt
from debrief.ballots.services import (
    BallotError,
    EvaluationNotOpen,
    TokenUsed,
    ballot_submit,
    evaluation_close,
)
from debrief.ballots.tests.conftest import all_good, make_ready

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 40


def in_thread(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except BallotError as error:
        return error
    finally:
        connections.close_all()


def submit(token: str, ballot_id: str, ratings: list[dict]) -> Any:
    return in_thread(ballot_submit, token=token, ballot_id=ballot_id, ratings=ratings)


def test_500_tokens_voting_at_once_give_exactly_500_ballots(county, personas):
    ready = make_ready(county, tokens_per_group=125)
    tokens = [t for group in ready.tokens.values() for t in group]
    assert len(tokens) == 500
    ratings = all_good(ready)
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda t: submit(t, str(uuid.uuid4()), ratings), tokens))
    assert all(not isinstance(r, Exception) and r.created for r in results)
    assert len({r.receipt for r in results}) == 500
    assert Ballot.objects.count() == 500 == Receipt.objects.count()
    assert Participation.objects.count() == 500
    assert evaluation_close(evaluation=ready.evaluation) == 500


def test_50_simultaneous_ballots_on_one_token_give_1_ballot_and_49_conflicts(county, personas):
    ready = make_ready(county)
    token = ready.tokens["县委常委"][0]
    ratings = all_good(ready)
    barrier = threading.Barrier(50)

    def racer(_n: int) -> Any:
        barrier.wait()
        return submit(token, str(uuid.uuid4()), ratings)

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(racer, range(50)))
    accepted = [r for r in results if not isinstance(r, Exception)]
    conflicts = [r for r in results if isinstance(r, TokenUsed)]
    assert len(accepted) == 1 and accepted[0].created
    assert len(conflicts) == 49 and all(c.status == 409 for c in conflicts)
    assert Ballot.objects.count() == 1 and Participation.objects.count() == 1


def test_one_ballot_id_replayed_concurrently_gives_1_ballot_and_identical_receipts(
    county, personas
):
    ready = make_ready(county)
    token, ballot_id = ready.tokens["县委常委"][1], str(uuid.uuid4())
    ratings = all_good(ready)
    barrier = threading.Barrier(30)

    def replay(_n: int) -> Any:
        barrier.wait()
        return submit(token, ballot_id, ratings)

    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(replay, range(30)))
    assert not [r for r in results if isinstance(r, Exception)]
    assert len({r.receipt for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Ballot.objects.count() == 1 == Receipt.objects.count()


def test_closing_during_heavy_voting_returns_the_same_count_every_time(county, personas):
    ready = make_ready(county, tokens_per_group=75)
    tokens = [t for group in ready.tokens.values() for t in group]
    ratings = all_good(ready)
    started = threading.Event()
    close_results: list[int] = []

    def voter(token: str) -> Any:
        started.set()
        return submit(token, str(uuid.uuid4()), ratings)

    def closer() -> None:
        started.wait()
        for _ in range(5):
            close_results.append(in_thread(evaluation_close, evaluation=ready.evaluation))

    closing = threading.Thread(target=closer)
    closing.start()
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(voter, tokens))
    closing.join()
    close_results.append(evaluation_close(evaluation=ready.evaluation))

    accepted = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, EvaluationNotOpen) for r in refused)
    assert len(accepted) + len(refused) == 300
    assert len(set(close_results)) == 1
    assert close_results[0] == len(accepted) == Ballot.objects.count()
    assert Participation.objects.count() == len(accepted)


def _rank_correlation(order: list[int]) -> float:
    n = len(order)
    ranks = {value: position for position, value in enumerate(sorted(order))}
    d2 = sum((position - ranks[value]) ** 2 for position, value in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_nothing_joins_a_participation_row_or_a_receipt_to_its_ballot(county, personas):
    ready = make_ready(county, tokens_per_group=20)
    tokens = [t for group in ready.tokens.values() for t in group]
    # Each voter leaves a distinct reason so that we, the test, can follow the
    # ballots (and remembers their receipt); the system must give no way of doing so.
    voter_of_receipt = {}
    for n, token in enumerate(tokens):
        ratings = all_good(ready, "poor")
        ratings[0]["reason"] = f"voter-{n:03d}"
        recorded = ballot_submit(token=token, ballot_id=str(uuid.uuid4()), ratings=ratings)
        voter_of_receipt[recorded.receipt] = n
    evaluation_close(evaluation=ready.evaluation)

    def voter_of(ratings: dict) -> int:
        return int(ratings[str(ready.reporter_ids[0])]["reason"].split("-")[1])

    with connection.cursor() as cursor:
        cursor.execute("SELECT ratings, id::text, xmin::text FROM ballots_ballot ORDER BY ctid")
        physical = cursor.fetchall()
        cursor.execute("SELECT xmin::text FROM ballots_participation")
        participation_xmins = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT code, id::text, xmin::text FROM ballots_receipt ORDER BY ctid")
        receipt_rows = cursor.fetchall()
    import json

    def parse(value: Any) -> dict:
        return value if isinstance(value, dict) else json.loads(value)

    physical_order = [voter_of(parse(ratings)) for ratings, _id, _x in physical]
    id_order = [voter_of(parse(r)) for r, _id, _x in sorted(physical, key=lambda row: row[1])]
    assert sorted(physical_order) == list(range(80))
    # Neither storage order nor id order follows the order of voting.
    assert abs(_rank_correlation(physical_order)) < 0.5
    assert abs(_rank_correlation(id_order)) < 0.5
    # Every ballot row was written by the closing transaction, none by a voter's.
    ballot_xmins = Counter(x for _r, _id, x in physical)
    assert len(ballot_xmins) == 1
    assert not set(ballot_xmins) & participation_xmins
    # No column of the ballot table refers to a token or a participation.
    columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "ballots_ballot"
        )
    }
    assert columns == {"id", "evaluation_id", "group_id", "ratings"}

    # The receipts: the same, on their own.
    receipt_order = [voter_of_receipt[code] for code, _id, _x in receipt_rows]
    receipt_id_order = [
        voter_of_receipt[code] for code, _id, _x in sorted(receipt_rows, key=lambda r: r[1])
    ]
    assert sorted(receipt_order) == list(range(80))
    assert abs(_rank_correlation(receipt_order)) < 0.5
    assert abs(_rank_correlation(receipt_id_order)) < 0.5
    receipt_xmins = {x for _c, _id, x in receipt_rows}
    assert receipt_xmins == set(ballot_xmins)  # all rewritten by the close
    assert not receipt_xmins & participation_xmins
    receipt_columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "ballots_receipt"
        )
    }
    assert receipt_columns == {"id", "evaluation_id", "code"}
    # Nor do the two orders follow each other: a receipt's row position tells nothing
    # of its ballot's.
    assert abs(_rank_correlation([physical_order.index(v) for v in receipt_order])) < 0.5
