"""python manage.py rectification_sweep: marks, notifies, clears, prints, and is safe to
run again."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from debrief.rectification.management.commands import rectification_sweep as command_module
from debrief.rectification.models import EventKind, Notice, ProblemStatus
from debrief.rectification.services import problem_complete, problem_plan_set

pytestmark = pytest.mark.django_db
D = datetime.date
DOCS = Path(__file__).resolve().parents[3] / "docs" / "rectification-job.md"


def sweep(*args: str) -> str:
    out = io.StringIO()
    call_command("rectification_sweep", *args, stdout=out)
    return out.getvalue().strip()


def deadline(problem, owner, day: datetime.date) -> None:
    problem_plan_set(
        problem=problem, measures="措施", responsible_person="林晓青", deadline=day, actor=owner
    )


def test_the_sweep_marks_late_items_notifies_and_prints_what_it_did(personas, problems):
    owner = personas.qingshi_secretary
    deadline(problems[0], owner, D(2026, 3, 1))
    deadline(problems[1], owner, D(2026, 9, 1))
    assert sweep("--date", "2026-03-02") == "marked overdue: 1; cleared: 0; notices: 1"
    problems[0].refresh_from_db()
    assert problems[0].overdue and problems[0].events.filter(kind=EventKind.OVERDUE).exists()
    problems[1].refresh_from_db()
    assert not problems[1].overdue
    notice = Notice.objects.get()
    assert notice.user == owner and notice.url == f"/rectification/problems/{problems[0].pk}/"


def test_running_the_sweep_again_changes_nothing(personas, problems):
    deadline(problems[0], personas.qingshi_secretary, D(2026, 3, 1))
    sweep("--date", "2026-03-02")
    assert sweep("--date", "2026-03-02") == "marked overdue: 0; cleared: 0; notices: 0"
    assert sweep("--date", "2026-03-05") == "marked overdue: 0; cleared: 0; notices: 0"
    assert Notice.objects.count() == 1
    assert problems[0].events.filter(kind=EventKind.OVERDUE).count() == 1


def test_the_sweep_clears_the_mark_of_a_completed_item(personas, problems):
    from django.core.files.uploadedfile import SimpleUploadedFile

    owner = personas.qingshi_secretary
    deadline(problems[0], owner, D(2026, 3, 1))
    sweep("--date", "2026-03-02")
    problem_complete(
        problem=problems[0],
        text="已整改",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")],
        actor=owner,
    )
    problems[0].refresh_from_db()
    assert problems[0].status == ProblemStatus.COMPLETED and not problems[0].overdue
    deadline(problems[1], owner, D(2026, 3, 1))
    sweep("--date", "2026-03-02")
    deadline(problems[1], owner, D(2026, 4, 30))  # a moved deadline clears the mark
    assert sweep("--date", "2026-03-03") == "marked overdue: 0; cleared: 1; notices: 0"


def test_the_sweep_defaults_to_today(personas, problems):
    deadline(problems[0], personas.qingshi_secretary, D(2000, 1, 1))
    assert sweep().startswith("marked overdue: 1;")


def test_a_malformed_date_is_refused(problems):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        sweep("--date", "2026/03/02")
    assert not Notice.objects.exists()


def test_how_to_schedule_the_job_is_documented():
    doc = command_module.__doc__ or ""
    for text in ("rectification_sweep", "cron", "OnCalendar", "idempotent"):
        assert text in doc
    guide = DOCS.read_text(encoding="utf-8")
    for text in ("15 0 * * *", "OnCalendar=*-*-* 00:15:00", "idempotent", "--date"):
        assert text in guide
