import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from debrief.lib.errors import DomainError, IllegalTransition
from debrief.rectification.models import (
    EventKind,
    KeyTask,
    Notice,
    PlanStatus,
    ProblemStatus,
)
from debrief.rectification.services import (
    dashboard,
    plan_accept,
    plan_approve,
    plan_file,
    plan_for,
    plan_return,
    problem_complete,
    problem_plan_set,
    problem_reopen,
    problem_to_key_task,
    problem_verify,
    progress_add,
    rectification_sweep,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def pdf(name="整改台账.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def plan_everything(problems, actor):
    for problem in problems:
        problem_plan_set(
            problem=problem,
            measures="建立后备干部库",
            responsible_person="林晓青",
            deadline=D(2026, 6, 30),
            milestones=[("摸底", D(2026, 3, 31))],
            actor=actor,
        )


def test_a_plan_is_approved_filed_returned_and_accepted(county, personas, problems):
    owner, above = personas.qingshi_secretary, personas.county_admin
    plan = plan_for(organization=county.qingshi, cycle=None)
    assert plan.problems.count() == 2
    with pytest.raises(DomainError, match="lack measures"):
        plan_approve(plan=plan, approved_on=D(2026, 2, 1), actor=owner)
    plan_everything(problems[:2], owner)
    plan_approve(
        plan=plan, approved_on=D(2026, 2, 1), document_number="青党〔2026〕3号", actor=owner
    )
    plan_file(plan=plan, actor=owner)
    with pytest.raises(DomainError, match="level above"):
        plan_accept(plan=plan, actor=owner)
    plan_return(plan=plan, reason="措施不够具体", actor=above)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RETURNED and plan.return_reason == "措施不够具体"
    problem_plan_set(
        problem=problems[0],
        measures="每村储备2名后备干部",
        responsible_person="林晓青",
        deadline=D(2026, 6, 30),
        actor=owner,
    )
    plan_approve(plan=plan, approved_on=D(2026, 2, 10), actor=owner)
    plan_file(plan=plan, actor=owner)
    plan_accept(plan=plan, actor=above)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACCEPTED


def test_items_of_an_approved_plan_cannot_be_changed(county, personas, problems):
    owner = personas.qingshi_secretary
    plan = plan_for(organization=county.qingshi, cycle=None)
    plan_everything(problems[:2], owner)
    plan_approve(plan=plan, approved_on=D(2026, 2, 1), actor=owner)
    with pytest.raises(IllegalTransition):
        problem_plan_set(
            problem=problems[0],
            measures="x",
            responsible_person="y",
            deadline=D(2026, 1, 1),
            actor=owner,
        )


def test_the_whole_loop_from_progress_to_closing(county, personas, problems):
    owner, above = personas.qingshi_secretary, personas.county_admin
    problem = problems[0]
    progress_add(problem=problem, text="完成摸底", percent=40, files=[pdf()], actor=owner)
    problem.refresh_from_db()
    assert (problem.status, problem.progress) == (ProblemStatus.IN_PROGRESS, 40)
    problem_complete(problem=problem, text="每村储备2名", actor=owner)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.COMPLETED
    problem_verify(problem=problem, note="核验属实", actor=above)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED and problem.closed_at
    assert list(problem.events.values_list("kind", flat=True)) == [
        EventKind.PROGRESS,
        EventKind.COMPLETED,
        EventKind.CLOSED,
    ]


def test_completion_needs_evidence(personas, problems):
    with pytest.raises(DomainError, match="evidence"):
        problem_complete(problem=problems[0], text="已整改", actor=personas.qingshi_secretary)
    problems[0].refresh_from_db()
    assert problems[0].status == ProblemStatus.OPEN


def test_only_the_level_above_verifies_and_closes(personas, problems):
    owner = personas.qingshi_secretary
    problem_complete(problem=problems[0], text="已整改", files=[pdf()], actor=owner)
    with pytest.raises(DomainError, match="level above"):
        problem_verify(problem=problems[0], actor=owner)
    with pytest.raises(DomainError, match="responsible organization"):
        progress_add(problem=problems[2], text="越权", percent=10, actor=owner)


def test_a_closed_item_can_be_reopened_with_a_reason_and_worked_on_again(personas, problems):
    owner, above = personas.qingshi_secretary, personas.county_admin
    problem = problems[0]
    problem_complete(problem=problem, text="已整改", files=[pdf()], actor=owner)
    problem_verify(problem=problem, actor=above)
    with pytest.raises(DomainError):
        problem_reopen(problem=problem, reason=" ", actor=above)
    problem_reopen(problem=problem, reason="抽查发现仍有2村未落实", actor=above)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.REOPENED and problem.closed_at is None
    progress_add(problem=problem, text="补齐2村", percent=90, actor=owner)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.REOPENED


def test_illegal_transitions_raise(personas, problems):
    with pytest.raises(IllegalTransition):
        problem_verify(problem=problems[0], actor=personas.county_admin)
    with pytest.raises(IllegalTransition):
        problem_reopen(problem=problems[0], reason="x", actor=personas.county_admin)


def test_the_sweep_marks_overdue_items_once_and_notifies_their_owners(county, personas, problems):
    owner = personas.qingshi_secretary
    problem_plan_set(
        problem=problems[0],
        measures="m",
        responsible_person="p",
        deadline=D(2026, 3, 1),
        actor=owner,
    )
    problem_plan_set(
        problem=problems[1],
        measures="m",
        responsible_person="p",
        deadline=D(2026, 9, 1),
        actor=owner,
    )
    first = rectification_sweep(today=D(2026, 3, 2))
    again = rectification_sweep(today=D(2026, 3, 3))
    assert (first.marked_overdue, first.notices) == (1, 1)
    assert (again.marked_overdue, again.notices) == (0, 0)
    problems[0].refresh_from_db()
    assert problems[0].overdue
    assert Notice.objects.get(user=owner).url.endswith(f"/{problems[0].pk}/")
    assert not Notice.objects.filter(user=personas.liuxi_secretary).exists()
    problem_plan_set(
        problem=problems[0],
        measures="m",
        responsible_person="p",
        deadline=D(2026, 4, 1),
        actor=owner,
    )
    assert rectification_sweep(today=D(2026, 3, 3)).cleared == 1


def test_the_dashboard_counts_by_status_branch_and_category(county, personas, problems):
    owner = personas.qingshi_secretary
    progress_add(problem=problems[0], text="推进", percent=50, actor=owner)
    problem_plan_set(
        problem=problems[1],
        measures="m",
        responsible_person="p",
        deadline=D(2026, 1, 10),
        actor=owner,
    )
    rectification_sweep(today=D(2026, 2, 1))
    from debrief.rectification.models import Problem

    data = dashboard(node=county.county, problems=Problem.objects.all(), today=D(2026, 2, 1))
    assert data["overall"].total == 3 and data["overall"].overdue == 1
    branches = {org.code: counts for org, counts in data["branches"]}
    assert branches["T001"].in_progress == 1 and branches["T001"].open == 1
    assert branches["T002"].total == 1
    assert dict(data["by_category"])["Team building"] == 3


def test_an_unresolved_item_becomes_a_key_task_once(personas, problems):
    task = problem_to_key_task(problem=problems[0], year=2026, actor=personas.qingshi_secretary)
    assert task.title == "后备干部储备不足" and task.year == 2026
    with pytest.raises(DomainError):
        problem_to_key_task(problem=problems[0], year=2026)
    assert KeyTask.objects.count() == 1
