"""Deleting a comment while its problem enters rectification, or twice at once: threads
on PostgreSQL, each with its own connection."""

from __future__ import annotations

import datetime
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections, transaction
from django.utils import translation

from debrief.audit.models import AuditRecord
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.meetings.models import Comment
from debrief.meetings.services import ProblemInput, comment_delete, comment_record
from debrief.rectification.models import Problem
from debrief.rectification.services import problem_plan_set

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def comment(meeting_cycle):
    return comment_record(
        reporter=meeting_cycle.reporters.get(organization__code="T001"),
        commenter="县委书记",
        affirmations="成效明显",
        problems=[ProblemInput("team", "后备干部储备不足")],
    )


def in_thread(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except DomainError as error:
        return error
    finally:
        connections.close_all()


def test_a_delete_waits_for_measures_being_set_and_then_refuses(comment):
    """Without the lock on the problems the delete would read them untouched and remove
    the problem the moment the measures are committed."""
    problem = comment.problems.get()
    planned, release = threading.Event(), threading.Event()

    def set_measures() -> None:
        with transaction.atomic():
            problem_plan_set(
                problem=problem,
                measures="建立后备干部库",
                responsible_person="林晓青",
                deadline=datetime.date(2026, 6, 30),
            )
            planned.set()
            assert release.wait(10)

    with ThreadPoolExecutor(2) as pool:
        measures = pool.submit(in_thread, set_measures)
        assert planned.wait(10)
        deletion = pool.submit(in_thread, comment_delete, comment=comment)
        time.sleep(0.5)
        assert not deletion.done()  # waiting for the problem's lock
        release.set()
        measures.result(10)
        refused = deletion.result(10)
    assert isinstance(refused, IllegalTransition)
    assert "后备干部储备不足" in refused.message
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert Problem.objects.get(pk=problem.pk).measures == "建立后备干部库"
    assert not AuditRecord.objects.filter(action="comment.delete").exists()


def test_two_deletes_at_once_delete_once_and_tell_the_other(comment):
    barrier = threading.Barrier(2)

    def racer() -> Any:
        barrier.wait()
        with translation.override("en"):
            return in_thread(comment_delete, comment=comment)

    with ThreadPoolExecutor(2) as pool:
        results = [future.result(10) for future in [pool.submit(racer), pool.submit(racer)]]
    assert sorted(results, key=lambda r: isinstance(r, DomainError))[0] == 1
    [error] = [r for r in results if isinstance(r, DomainError)]
    assert error.message == "This comment has been deleted."
    assert not Comment.objects.exists() and not Problem.objects.exists()
    assert AuditRecord.objects.filter(action="comment.delete").count() == 1
