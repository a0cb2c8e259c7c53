"""Correcting and deleting a recorded comment (点评): comment_update and comment_delete."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from debrief.audit.models import AuditRecord
from debrief.cycles.models import Cycle, CycleStatus
from debrief.cycles.services import cycle_transition
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.meetings.models import Comment, CommenterRole
from debrief.meetings.services import (
    ProblemInput,
    comment_delete,
    comment_record,
    comment_update,
)
from debrief.rectification.models import KeyTask, Problem, ProblemStatus, Source
from debrief.rectification.services import (
    plan_for,
    problem_complete,
    problem_plan_set,
    problem_to_key_task,
    problem_verify,
    progress_add,
    rectification_begun,
)

pytestmark = pytest.mark.django_db

TEXTS: dict[str, Any] = {
    "commenter": "张书记",
    "commenter_role": CommenterRole.PRESIDER,
    "portfolio": "",
    "affirmations": "村集体经济增长明显",
    "requirements": "抓好整改",
}


@pytest.fixture
def reporter(meeting_cycle):
    return meeting_cycle.reporters.get(organization__code="T001")


@pytest.fixture
def comment(reporter, personas):
    return comment_record(
        reporter=reporter,
        problems=[
            ProblemInput("team", "后备干部储备不足", "major"),
            ProblemInput("members", "党员教育形式单一"),
        ],
        actor=personas.county_admin,
        **TEXTS,
    )


def _snapshot(comment: Comment) -> tuple[object, ...]:
    comment = Comment.objects.get(pk=comment.pk)
    return (
        *(getattr(comment, key) for key in TEXTS),
        sorted(comment.problems.values_list("description", flat=True)),
    )


def _audits(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("pk"))


# Correcting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("commenter", "李部长"),
        ("commenter_role", CommenterRole.LEADER),
        ("portfolio", "组织工作"),
        ("affirmations", "村集体经济收入全部超过10万元"),
        ("requirements", "限期三个月整改到位"),
    ],
)
def test_each_field_of_a_comment_can_be_corrected_and_the_audit_names_it(
    comment, personas, field, value
):
    comment_update(comment=comment, actor=personas.county_admin, **{**TEXTS, field: value})
    comment.refresh_from_db()
    assert getattr(comment, field) == value
    for other in set(TEXTS) - {field}:
        assert getattr(comment, other) == TEXTS[other]
    [audit] = _audits("comment.update")
    assert audit.actor == personas.county_admin
    assert audit.detail == {"comment": comment.pk, "changed": [field], "problems_added": 0}
    # The audit names the fields, not the texts.
    assert value not in str(audit.detail) and value not in audit.target


def test_a_correction_is_stripped_like_a_recording(comment):
    comment_update(
        comment=comment, **{**TEXTS, "commenter": "  李部长 ", "affirmations": "  成效明显\n"}
    )
    comment.refresh_from_db()
    assert (comment.commenter, comment.affirmations) == ("李部长", "成效明显")


def test_a_correction_that_changes_nothing_is_not_audited(comment):
    comment_update(comment=comment, **{**TEXTS, "affirmations": " 村集体经济增长明显 "})
    assert _audits("comment.update") == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"commenter": "  "}, "Name who made the comment."),
        ({"commenter_role": "chairman"}, "Unknown commenter role."),
    ],
)
def test_a_correction_that_breaks_a_rule_changes_nothing(comment, changes, message):
    before = _snapshot(comment)
    with pytest.raises(DomainError, match=message):
        comment_update(comment=comment, **{**TEXTS, "affirmations": "改了", **changes})
    assert _snapshot(comment) == before
    assert _audits("comment.update") == []


def test_emptying_a_comment_without_problems_is_refused(reporter):
    comment = comment_record(reporter=reporter, **TEXTS)
    before = _snapshot(comment)
    with pytest.raises(DomainError, match=r"The comment is empty\."):
        comment_update(comment=comment, **{**TEXTS, "affirmations": " ", "requirements": ""})
    assert _snapshot(comment) == before


def test_a_comment_with_problems_may_lose_its_texts(comment):
    comment_update(comment=comment, **{**TEXTS, "affirmations": "", "requirements": ""})
    comment.refresh_from_db()
    assert (comment.affirmations, comment.requirements) == ("", "")
    assert comment.problems.count() == 2


def test_an_emptied_comment_is_saved_with_a_further_problem(reporter, meeting_cycle, personas):
    comment = comment_record(reporter=reporter, **TEXTS)
    comment_update(
        comment=comment,
        actor=personas.county_admin,
        problems=[ProblemInput("governance", "网格化治理不到位", "serious"), ProblemInput("x", "")],
        **{**TEXTS, "affirmations": "", "requirements": ""},
    )
    [problem] = Problem.objects.filter(comment=comment)
    assert (problem.description, problem.category, problem.severity) == (
        "网格化治理不到位",
        "governance",
        "serious",
    )
    assert problem.source == Source.COMMENT and problem.status == ProblemStatus.OPEN
    assert (problem.organization_id, problem.cycle_id, problem.reporter_id) == (
        reporter.organization_id,
        meeting_cycle.pk,
        reporter.pk,
    )
    [audit] = _audits("comment.update")
    assert audit.detail["changed"] == ["affirmations", "requirements"]
    assert audit.detail["problems_added"] == 1
    assert [a.detail["problem"] for a in _audits("problem.create")] == [problem.pk]


def test_a_further_problem_with_an_unknown_category_adds_nothing(comment):
    before = _snapshot(comment)
    with pytest.raises(DomainError, match=r"Unknown problem category\."):
        comment_update(
            comment=comment,
            problems=[ProblemInput("team", "班子结构需优化"), ProblemInput("nonsense", "别的")],
            **{**TEXTS, "affirmations": "改了"},
        )
    assert _snapshot(comment) == before
    assert _audits("comment.update") == []


def test_comments_can_still_be_corrected_at_the_assessment_stage(comment, meeting_cycle):
    cycle_transition(cycle=meeting_cycle, to=CycleStatus.ASSESSMENT)
    comment_update(comment=comment, **{**TEXTS, "requirements": "补记的要求"})
    comment.refresh_from_db()
    assert comment.requirements == "补记的要求"


@pytest.mark.parametrize("status", [CycleStatus.REPORTS_OPEN, CycleStatus.PUBLISHED])
def test_outside_the_commenting_stages_a_comment_can_be_neither_corrected_nor_deleted(
    comment, meeting_cycle, status
):
    Cycle.objects.filter(pk=meeting_cycle.pk).update(status=status)
    before = _snapshot(comment)
    with pytest.raises(IllegalTransition, match="review meeting stage"):
        comment_update(comment=comment, **{**TEXTS, "affirmations": "改了"})
    with pytest.raises(IllegalTransition, match="review meeting stage"):
        comment_delete(comment=comment)
    assert _snapshot(comment) == before
    assert _audits("comment.update") == [] and _audits("comment.delete") == []


def test_a_comment_deleted_meanwhile_cannot_be_corrected(comment):
    stale = Comment.objects.get(pk=comment.pk)
    comment_delete(comment=comment)
    with pytest.raises(DomainError, match="has been deleted"):
        comment_update(comment=stale, **TEXTS)


# Deleting ---------------------------------------------------------------------------


def test_a_comment_whose_problems_are_untouched_is_deleted_with_them(comment, personas):
    problem_ids = sorted(comment.problems.values_list("pk", flat=True))
    assert comment_delete(comment=comment, actor=personas.county_admin) == 2
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert not Problem.objects.filter(pk__in=problem_ids).exists()
    [audit] = _audits("comment.delete")
    assert audit.actor == personas.county_admin
    assert audit.organization_id == comment.reporter.organization_id
    assert audit.detail == {
        "comment": comment.pk,
        "commenter": "张书记",
        "problems": 2,
        "problem_ids": problem_ids,
    }


def test_a_comment_without_problems_is_deleted(reporter):
    comment = comment_record(reporter=reporter, **TEXTS)
    assert comment_delete(comment=comment) == 0
    assert not Comment.objects.exists()
    assert _audits("comment.delete")[0].detail["problems"] == 0


def test_deleting_one_comment_leaves_the_others_and_their_problems(reporter, comment):
    other = comment_record(
        reporter=reporter,
        commenter="李部长",
        commenter_role=CommenterRole.LEADER,
        affirmations="成效明显",
        problems=[ProblemInput("team", "班子结构需优化")],
    )
    comment_delete(comment=comment)
    assert list(Comment.objects.all()) == [other]
    assert list(Problem.objects.values_list("description", flat=True)) == ["班子结构需优化"]


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("整改台账.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")


def _set_plan(problem: Problem) -> None:
    problem_plan_set(
        problem=problem,
        measures="建立后备干部库",
        responsible_person="林晓青",
        deadline=datetime.date(2026, 6, 30),
    )


def _close(problem: Problem) -> None:
    progress_add(problem=problem, text="已摸底", percent=50)
    problem_complete(problem=problem, text="已建库", files=[pdf()])
    problem_verify(problem=problem)


def _gathered_into_a_plan(problem: Problem) -> None:
    plan_for(organization=problem.organization, cycle=problem.cycle)


def _carried_over(problem: Problem) -> None:
    problem_to_key_task(problem=problem, year=2026)


@pytest.mark.parametrize(
    ("touch", "why"),
    [
        (_set_plan, "its measures or the people responsible are set"),
        (_gathered_into_a_plan, "it is in a rectification plan"),
        (
            lambda p: progress_add(problem=p, text="已摸底", percent=30, files=[pdf()]),
            "it is In progress",
        ),
        (_close, "it is Verified and closed"),
        (_carried_over, "it is carried over as a key task"),
    ],
    ids=["measures", "plan", "progress", "closed", "key-task"],
)
def test_a_comment_whose_problem_has_entered_rectification_is_not_deleted(
    comment, settings, tmp_path, touch, why
):
    settings.MEDIA_ROOT = tmp_path
    problems = list(comment.problems.order_by("pk"))
    touch(problems[1])
    before = _snapshot(comment)
    events = Problem.objects.get(pk=problems[1].pk).events.count()
    with pytest.raises(IllegalTransition) as refused:
        comment_delete(comment=comment)
    # Named: the first problem of the comment that rectification has begun on (a plan
    # gathers every problem of the organization and cycle, the others touch just one).
    named = rectification_begun(comment.problems.all()).order_by("pk").first()
    assert named is not None and named.description in refused.value.message
    assert "has entered rectification" in refused.value.message
    assert why in refused.value.message
    assert _snapshot(comment) == before
    assert Problem.objects.get(pk=problems[1].pk).events.count() == events
    assert _audits("comment.delete") == []
    # It can still be corrected.
    comment_update(comment=comment, **{**TEXTS, "affirmations": "改了"})
    comment.refresh_from_db()
    assert comment.affirmations == "改了"


def test_rectification_has_begun_on_no_problem_fresh_from_a_comment(comment):
    assert not rectification_begun(Problem.objects.all()).exists()
    problem = comment.problems.order_by("pk").first()
    _carried_over(problem)
    assert list(rectification_begun(Problem.objects.all())) == [problem]
    assert KeyTask.objects.get().source_problem == problem
