"""The pages of the closed loop: who sees which action, what each POST changes, and
that nothing of one township is reachable from its sibling."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from debrief.meetings.models import Comment
from debrief.orgs.models import Field, Level
from debrief.orgs.services import org_create
from debrief.rectification.models import (
    Category,
    EventKind,
    Evidence,
    KeyTask,
    Notice,
    PlanStatus,
    Problem,
    ProblemStatus,
    RectificationPlan,
    Severity,
    Source,
)
from debrief.rectification.services import (
    plan_approve,
    plan_file,
    plan_for,
    problem_complete,
    problem_create,
    problem_plan_set,
    problem_verify,
    progress_add,
    rectification_sweep,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def url(name: str, *args: Any) -> str:
    return reverse(f"rectification:{name}", args=args)


def html(response: Any) -> str:
    return response.content.decode()


def pdf(name: str = "整改台账.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def text_of(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)<', page, re.S)
    assert match, f"no element with data-testid={testid}"
    return match.group(1).strip()


def figure(page: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}"[^>]*><span class="rect-count-figure">(\d+)<', page)
    assert match, f"no count {testid}"
    return int(match.group(1))


JUNE_30 = D(2026, 6, 30)


def set_plan(problem: Problem, owner: Any, deadline: datetime.date = JUNE_30) -> None:
    problem_plan_set(
        problem=problem,
        measures="建立后备干部库",
        responsible_person="林晓青",
        deadline=deadline,
        actor=owner,
    )


def completed(problem: Problem, owner: Any) -> Problem:
    problem_complete(problem=problem, text="每村储备2名", files=[pdf()], actor=owner)
    problem.refresh_from_db()
    return problem


# --- Progress, completion, verification, reopening ----------------------------------


def test_the_township_secretary_adds_progress_with_evidence_and_marks_the_item_completed(
    client, personas, problems
):
    login(client, personas.qingshi_secretary)
    problem = problems[0]
    page = html(client.get(url("problem", problem.pk)))
    for testid in ("progress-text", "progress-percent", "progress-files", "progress-save"):
        assert f'data-testid="{testid}"' in page
    assert re.search(r'<input[^>]*type="file"[^>]*name="evidence"[^>]*multiple', page)

    response = client.post(
        url("progress", problem.pk),
        {"text": "完成摸底排查", "percent": "40", "evidence": [pdf("摸底表.pdf"), pdf("名册.pdf")]},
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.progress) == (ProblemStatus.IN_PROGRESS, 40)
    assert sorted(Evidence.objects.values_list("original_name", flat=True)) == [
        "名册.pdf",
        "摸底表.pdf",
    ]
    page = html(client.get(url("problem", problem.pk)))
    assert "完成摸底排查" in page and page.count('data-testid="evidence-link"') == 2

    response = client.post(
        url("complete", problem.pk), {"text": "每村储备2名后备干部", "evidence": [pdf("验收.pdf")]}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.progress) == (ProblemStatus.COMPLETED, 100)
    page = html(client.get(url("problem", problem.pk)))
    assert 'data-status="completed"' in page
    assert 'data-testid="progress-save"' not in page and 'data-testid="complete-save"' not in page


def test_progress_with_a_percent_over_100_is_refused_and_the_text_is_kept(
    client, personas, problems
):
    login(client, personas.qingshi_secretary)
    response = client.post(url("progress", problems[0].pk), {"text": "推进中", "percent": "120"})
    assert response.status_code == 200
    assert "推进中" in html(response)
    assert not problems[0].events.exists()


def test_an_unsupported_evidence_file_is_refused_with_the_reason(client, personas, problems):
    login(client, personas.qingshi_secretary)
    script = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")
    response = client.post(
        url("progress", problems[0].pk), {"text": "推进", "percent": "10", "evidence": [script]}
    )
    assert "Only these file types can be attached" in html(response)
    assert not problems[0].events.exists()


def test_the_county_admin_verifies_and_closes_a_completed_item(client, personas, problems):
    problem = completed(problems[0], personas.qingshi_secretary)
    login(client, personas.county_admin)
    page = html(client.get(url("problem", problem.pk)))
    assert 'data-testid="verify-note"' in page and 'data-testid="verify-save"' in page
    response = client.post(url("verify", problem.pk), {"note": "核验属实"})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED and problem.closed_at
    page = html(client.get(url("problem", problem.pk)))
    assert 'data-status="closed"' in page and 'data-testid="verify-save"' not in page
    assert "核验属实" in page


def test_the_township_secretary_cannot_verify_its_own_item(client, personas, problems):
    problem = completed(problems[0], personas.qingshi_secretary)
    login(client, personas.qingshi_secretary)
    page = html(client.get(url("problem", problem.pk)))
    assert 'data-testid="verify-save"' not in page
    assert 'data-testid="reopen-save"' not in page
    response = client.post(url("verify", problem.pk), {"note": "自己核验"})
    assert response.status_code == 403
    assert "Only the level above can do this." in html(response)
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.COMPLETED and problem.closed_at is None
    assert not problem.events.filter(kind=EventKind.CLOSED).exists()


def test_the_level_above_reopens_with_a_reason_that_the_owner_then_reads(
    client, personas, problems
):
    problem = completed(problems[0], personas.qingshi_secretary)
    problem_verify(problem=problem, actor=personas.county_admin)
    login(client, personas.county_admin)
    response = client.post(url("reopen", problem.pk), {"reason": "   "})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED
    assert 'data-testid="reopen-reason"' in html(response)

    response = client.post(url("reopen", problem.pk), {"reason": "抽查发现仍有2村未落实"})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.REOPENED and problem.closed_at is None

    login(client, personas.qingshi_secretary)
    page = html(client.get(url("problem", problem.pk)))
    assert 'data-testid="reopen-notice"' in page and "抽查发现仍有2村未落实" in page
    assert 'data-testid="progress-save"' in page


def test_the_secretary_cannot_reopen_and_nothing_changes(client, personas, problems):
    problem = completed(problems[0], personas.qingshi_secretary)
    login(client, personas.qingshi_secretary)
    response = client.post(url("reopen", problem.pk), {"reason": "想再改改"})
    assert response.status_code == 403
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.COMPLETED


def test_verifying_an_item_that_is_not_completed_is_refused(client, personas, problems):
    login(client, personas.county_admin)
    response = client.post(url("verify", problems[0].pk), {"note": ""})
    assert response.status_code == 409
    problems[0].refresh_from_db()
    assert problems[0].status == ProblemStatus.OPEN


def test_changes_need_a_post(client, personas, problems):
    login(client, personas.county_admin)
    for name in ("progress", "complete", "verify", "reopen", "problem_plan", "key_task"):
        assert client.get(url(name, problems[0].pk)).status_code == 405


def test_the_owner_sets_measures_responsibilities_and_milestones(
    client, personas, problems, county
):
    login(client, personas.qingshi_secretary)
    village = county.qingshi_villages[0]
    response = client.post(
        url("problem_plan", problems[0].pk),
        {
            "measures": "建立村级后备干部库",
            "responsible_org": village.pk,
            "responsible_person": "张三",
            "responsible_leader": "李四",
            "deadline": "2026-06-30",
            "milestone-TOTAL_FORMS": "2",
            "milestone-INITIAL_FORMS": "0",
            "milestone-0-title": "摸底",
            "milestone-0-due": "2026-03-31",
            "milestone-1-title": "",
            "milestone-1-due": "",
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get(pk=problems[0].pk)
    assert (problem.measures, problem.responsible_person, problem.responsible_org) == (
        "建立村级后备干部库",
        "张三",
        village,
    )
    assert list(problem.milestones.values_list("title", "due")) == [("摸底", D(2026, 3, 31))]
    page = html(client.get(url("problem", problem.pk)))
    assert "建立村级后备干部库" in page and "摸底" in page


def test_the_responsible_organization_cannot_lie_outside_the_problems_organization(
    client, personas, problems, county
):
    login(client, personas.county_admin)
    response = client.post(
        url("problem_plan", problems[0].pk),
        {
            "measures": "措施",
            "responsible_org": county.liuxi.pk,
            "responsible_person": "张三",
            "deadline": "2026-06-30",
            "milestone-TOTAL_FORMS": "0",
            "milestone-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    problems[0].refresh_from_db()
    assert problems[0].measures == ""


def test_an_open_item_is_carried_over_as_a_key_task_of_next_year(client, personas, problems, cycle):
    problem = problems[0]
    Problem.objects.filter(pk=problem.pk).update(cycle=cycle)
    login(client, personas.qingshi_secretary)
    page = html(client.get(url("problem", problem.pk)))
    assert re.search(r'name="year"[^>]*value="2026"', page)
    assert client.post(url("key_task", problem.pk), {"year": "2026"}).status_code == 302
    task = KeyTask.objects.get(source_problem=problem)
    assert (task.year, task.title) == (2026, "后备干部储备不足")
    page = html(client.get(url("problem", problem.pk)))
    assert 'data-testid="key-task"' in page and 'data-testid="keytask-save"' not in page


def test_a_viewer_sees_the_item_but_no_action(client, personas, problems):
    login(client, personas.county_viewer)
    page = html(client.get(url("problem", problems[0].pk)))
    assert "后备干部储备不足" in page
    for testid in ("plan-save", "progress-save", "complete-save", "verify-save", "open-plan"):
        assert f'data-testid="{testid}"' not in page
    client.post(url("progress", problems[0].pk), {"text": "越权", "percent": "10"})
    assert not problems[0].events.exists()


# --- Source -----------------------------------------------------------------------------


def test_a_problem_from_a_comment_links_to_the_reporters_page_and_the_cycle(
    client, personas, county, cycle
):
    reporter = cycle.reporters.get(organization=county.qingshi)
    comment = Comment.objects.create(reporter=reporter, commenter="县委书记")
    problem = problem_create(
        organization=county.qingshi,
        category=Category.TEAM,
        description="班子分工不明确",
        source=Source.COMMENT,
        cycle=cycle,
        reporter=reporter,
        comment=comment,
    )
    login(client, personas.qingshi_secretary)
    page = html(client.get(url("problem", problem.pk)))
    assert reverse("reports:reporter", args=[reporter.pk]) in page
    assert reverse("cycles:detail", args=[cycle.pk]) in page


# --- Evidence ---------------------------------------------------------------------------


def test_evidence_downloads_under_its_original_name_and_is_not_sniffed(client, personas, problems):
    progress_add(
        problem=problems[0],
        text="摸底",
        percent=20,
        files=[pdf("摸底表.pdf")],
        actor=personas.qingshi_secretary,
    )
    evidence = Evidence.objects.get()
    login(client, personas.county_viewer)
    response = client.get(url("evidence", evidence.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "%E6%91%B8%E5%BA%95%E8%A1%A8.pdf" in response["Content-Disposition"]


# --- Plans ------------------------------------------------------------------------------


def test_a_returned_plan_shows_its_reason_and_can_be_approved_and_filed_again(
    client, personas, problems
):
    owner, above = personas.qingshi_secretary, personas.county_admin
    login(client, owner)
    response = client.post(url("plan_open", problems[0].pk))
    plan = RectificationPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == url("plan", plan.pk)
    assert plan.problems.count() == 2
    page = html(client.get(url("plan", plan.pk)))
    assert 'data-testid="plan-approve"' in page and 'data-testid="plan-accept"' not in page

    # An incomplete plan cannot be approved.
    client.post(url("plan_approve", plan.pk), {"approved_on": "2026-02-01"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT

    for problem in problems[:2]:
        set_plan(problem, owner)
    client.post(
        url("plan_approve", plan.pk),
        {
            "approved_on": "2026-02-01",
            "approved_by_body": "镇党委会议",
            "document_number": "青党〔2026〕3号",
        },
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.document_number == "青党〔2026〕3号"
    assert 'data-testid="plan-file"' in html(client.get(url("plan", plan.pk)))
    client.post(url("plan_file", plan.pk))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FILED

    # The owner cannot decide on its own plan.
    client.post(url("plan_accept", plan.pk))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FILED

    login(client, above)
    page = html(client.get(url("plan", plan.pk)))
    assert 'data-testid="plan-accept"' in page and 'data-testid="plan-return-reason"' in page
    client.post(url("plan_return", plan.pk), {"reason": "措施不够具体，请细化到村"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RETURNED

    login(client, owner)
    page = html(client.get(url("plan", plan.pk)))
    assert 'data-testid="plan-return-notice"' in page
    assert "措施不够具体，请细化到村" in text_of(page, "plan-return-reason-shown")
    assert 'data-testid="plan-approve"' in page
    problem_page = html(client.get(url("problem", problems[0].pk)))
    assert 'data-testid="plan-save"' in problem_page  # items can be changed again
    client.post(url("plan_approve", plan.pk), {"approved_on": "2026-02-10"})
    client.post(url("plan_file", plan.pk))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FILED and plan.return_reason == ""

    login(client, above)
    client.post(url("plan_accept", plan.pk))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACCEPTED


def test_returning_a_plan_needs_a_reason(client, personas, problems):
    owner = personas.qingshi_secretary
    plan = plan_for(organization=problems[0].organization, cycle=None)
    for problem in problems[:2]:
        set_plan(problem, owner)
    plan_approve(plan=plan, approved_on=D(2026, 2, 1), actor=owner)
    plan_file(plan=plan, actor=owner)
    login(client, personas.county_admin)
    response = client.post(url("plan_return", plan.pk), {"reason": ""})
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FILED


def test_the_plan_shows_the_three_lists(client, personas, problems):
    owner = personas.qingshi_secretary
    plan = plan_for(organization=problems[0].organization, cycle=None)
    set_plan(problems[0], owner)
    login(client, owner)
    page = html(client.get(url("plan", plan.pk)))
    for testid in ("plan-problem-list", "plan-rectification-list", "plan-responsibility-list"):
        assert f'data-testid="{testid}"' in page
    assert page.count('data-testid="plan-problem-row"') == 2
    assert "建立后备干部库" in page and "林晓青" in page


def test_the_plan_list_filters_by_status(client, personas, problems, county):
    plan_for(organization=county.qingshi, cycle=None)
    plan_for(organization=county.liuxi, cycle=None)
    login(client, personas.county_admin)
    assert html(client.get(url("plans"))).count('data-testid="plan-row"') == 2
    assert html(client.get(url("plans") + "?status=filed")).count('data-testid="plan-row"') == 0
    login(client, personas.liuxi_secretary)
    page = html(client.get(url("plans")))
    assert page.count('data-testid="plan-row"') == 1 and "青石镇" not in page


# --- Dashboard and list -------------------------------------------------------------------


def test_an_overdue_item_shows_on_the_dashboard_and_in_the_overdue_list(
    client, personas, problems, county
):
    set_plan(problems[1], personas.qingshi_secretary, deadline=D(2024, 3, 1))
    rectification_sweep(today=D(2024, 3, 2))
    login(client, personas.county_admin)
    page = html(client.get(url("dashboard")))
    assert figure(page, "count-overdue") == 1
    assert figure(page, "count-total") == 3
    overdue_list = page.split('data-testid="overdue-list"')[1].split("</ul>")[0]
    assert "党员教育形式单一" in overdue_list and "后备干部储备不足" not in overdue_list

    page = html(client.get(url("problems") + "?overdue=on"))
    assert page.count('data-testid="problem-row"') == 1
    assert "党员教育形式单一" in page and 'data-testid="overdue-badge"' in page
    detail = html(client.get(url("problem", problems[1].pk)))
    assert 'data-kind="overdue"' in detail


def test_the_dashboard_counts_each_branch_and_drills_down(client, personas, problems, county):
    owner = personas.qingshi_secretary
    progress_add(problem=problems[0], text="推进", percent=50, actor=owner)
    village_problem = problem_create(
        organization=county.qingshi_villages[0],
        category=Category.MEMBERS,
        description="三会一课记录不全",
        source=Source.INSPECTION,
    )
    login(client, personas.county_admin)
    page = html(client.get(url("dashboard")))
    assert 'data-testid="dashboard-overall" data-total="4"' in page
    assert figure(page, "count-in_progress") == 1 and figure(page, "count-open") == 3
    rows = re.findall(r'data-testid="branch-row" data-org="(\d+)"', page)
    assert rows == [str(county.qingshi.pk), str(county.liuxi.pk)]

    page = html(client.get(url("dashboard") + f"?org={county.qingshi.pk}"))
    assert 'data-total="3"' in page
    assert re.findall(r'data-testid="branch-row" data-org="(\d+)"', page) == [
        str(village_problem.organization_id)
    ]
    assert 'data-testid="own-row"' in page


def test_the_dashboard_starts_at_the_users_own_organization(client, personas, problems, county):
    login(client, personas.qingshi_secretary)
    page = html(client.get(url("dashboard")))
    assert 'data-total="2"' in page and "柳溪镇" not in page


def test_the_dashboard_needs_a_constant_number_of_queries(client, personas, problems, county):
    login(client, personas.county_admin)
    client.get(url("dashboard"))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("dashboard")).status_code == 200
    for n in range(12):
        org = org_create(
            code=f"T9{n:02d}",
            name=f"第{n}镇党委",
            level=Level.TOWNSHIP,
            field=Field.RURAL,
            parent=county.county,
        )
        for k in range(3):
            problem = problem_create(
                organization=org,
                category=Category.OTHER,
                description=f"问题{n}-{k}",
                source=Source.MANUAL,
            )
            set_plan(problem, personas.county_admin, deadline=D(2024, 1, 1 + k))
    rectification_sweep(today=D(2024, 2, 1))
    with CaptureQueriesContext(connection) as large:
        page = html(client.get(url("dashboard")))
    assert page.count('data-testid="branch-row"') == 14
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    # session, user, grants, the node, three for the counts, two lists, saving the
    # session (three), and the top bar's unread count once settings register it.
    assert len(large) <= 13, [q["sql"] for q in large.captured_queries]


def test_the_problem_list_filters_by_every_field(client, personas, problems, county, cycle):
    Problem.objects.filter(pk=problems[2].pk).update(
        cycle=cycle, severity=Severity.SERIOUS, category=Category.GOVERNANCE
    )
    problem_create(
        organization=county.qingshi_villages[0],
        category=Category.MEMBERS,
        description="流动党员联系不经常",
        source=Source.SELF_CHECK,
    )
    login(client, personas.county_admin)

    def rows(query: str) -> int:
        return html(client.get(url("problems") + query)).count('data-testid="problem-row"')

    assert rows("") == 4
    assert rows("?severity=serious") == 1
    assert rows("?category=governance") == 1
    assert rows(f"?cycle={cycle.pk}") == 1
    assert rows("?source=self_check") == 1
    assert rows("?status=open") == 4 and rows("?status=closed") == 0
    assert rows(f"?org={county.qingshi.pk}") == 3
    assert rows(f"?org={county.qingshi_villages[0].pk}") == 1
    assert rows("?q=后备") == 1
    assert rows("?q=东岗") == 1  # by organization name
    assert rows(f"?status=bogus&org={county.qingshi.pk}") == 3  # a bad value is left out


def test_the_problem_list_is_paginated(client, personas, county):
    for n in range(55):
        problem_create(
            organization=county.qingshi,
            category=Category.OTHER,
            description=f"问题{n}",
            source=Source.MANUAL,
        )
    login(client, personas.county_admin)
    assert html(client.get(url("problems"))).count('data-testid="problem-row"') == 50
    assert html(client.get(url("problems") + "?page=2")).count('data-testid="problem-row"') == 5


# --- The sibling township ------------------------------------------------------------------


def test_the_sibling_township_secretary_gets_404_on_everything_of_qingshi(
    client, personas, problems, county
):
    owner = personas.qingshi_secretary
    problem = problems[0]
    progress_add(problem=problem, text="摸底", percent=20, files=[pdf()], actor=owner)
    evidence = Evidence.objects.get()
    plan = plan_for(organization=county.qingshi, cycle=None)
    login(client, personas.liuxi_secretary)

    gets = [
        url("problem", problem.pk),
        url("evidence", evidence.pk),
        url("plan", plan.pk),
        url("dashboard") + f"?org={county.qingshi.pk}",
        url("problems") + f"?org={county.qingshi.pk}",
        url("ledger_xlsx") + f"?org={county.qingshi.pk}",
        url("problem_new") + f"?org={county.qingshi.pk}",
    ]
    for address in gets:
        assert client.get(address).status_code == 404, address
    posts = [
        (url("progress", problem.pk), {"text": "x", "percent": "10"}),
        (url("complete", problem.pk), {"text": "x"}),
        (url("verify", problem.pk), {}),
        (url("reopen", problem.pk), {"reason": "x"}),
        (url("problem_plan", problem.pk), {"measures": "x"}),
        (url("key_task", problem.pk), {"year": "2026"}),
        (url("plan_open", problem.pk), {}),
        (url("plan_approve", plan.pk), {"approved_on": "2026-02-01"}),
        (url("plan_file", plan.pk), {}),
        (url("plan_accept", plan.pk), {}),
        (url("plan_return", plan.pk), {"reason": "x"}),
    ]
    for address, data in posts:
        assert client.post(address, data).status_code == 404, address
    problem.refresh_from_db()
    assert (problem.status, problem.progress) == (ProblemStatus.IN_PROGRESS, 20)
    assert problem.events.count() == 1 and KeyTask.objects.count() == 0

    page = html(client.get(url("problems")))
    assert page.count('data-testid="problem-row"') == 1 and "后备干部" not in page
    page = html(client.get(url("dashboard")))
    assert 'data-total="1"' in page and "青石镇" not in page


def test_an_account_without_any_grant_sees_no_rectification_page(client, personas, problems):
    login(client, personas.outsider)
    for address in (url("dashboard"), url("problems"), url("plans"), url("problem_new")):
        assert client.get(address).status_code == 404, address


# --- New problems --------------------------------------------------------------------------


def test_the_secretary_records_an_inspection_problem_by_hand(client, personas, county):
    login(client, personas.qingshi_secretary)
    page = html(client.get(url("problem_new")))
    assert "柳溪镇" not in page and "青石镇东岗村党支部" in page
    response = client.post(
        url("problem_new"),
        {
            "organization": county.qingshi_villages[0].pk,
            "source": Source.INSPECTION,
            "category": Category.MEMBERS,
            "severity": Severity.MAJOR,
            "description": "督查发现党员活动室闲置",
            "deadline": "2026-05-31",
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == url("problem", problem.pk)
    assert (problem.organization, problem.source, problem.severity, problem.deadline) == (
        county.qingshi_villages[0],
        Source.INSPECTION,
        Severity.MAJOR,
        D(2026, 5, 31),
    )
    assert problem.created_by == personas.qingshi_secretary


def test_a_problem_cannot_be_entered_for_an_organization_outside_the_scope(
    client, personas, county
):
    login(client, personas.qingshi_secretary)
    response = client.post(
        url("problem_new"),
        {
            "organization": county.liuxi.pk,
            "source": Source.SELF_CHECK,
            "category": Category.OTHER,
            "severity": Severity.GENERAL,
            "description": "越权录入",
        },
    )
    assert response.status_code == 200
    assert not Problem.objects.exists()


def test_a_viewer_cannot_enter_problems(client, personas):
    login(client, personas.county_viewer)
    assert client.get(url("problem_new")).status_code == 404


def _closed_evaluation_with_reasons(county):
    from debrief.ballots.services import ballot_submit, evaluation_close
    from debrief.ballots.tests.conftest import make_ready

    ready = make_ready(county, tokens_per_group=3)
    reasons = ["推进不力", "推进不力", "基层党建抓得不实"]
    for index, reason in enumerate(reasons):
        ballot_submit(
            token=ready.tokens["县委常委"][index],
            ballot_id=str(uuid.uuid4()),
            ratings=[
                {"reporter": ready.reporter_ids[0], "grade": "poor", "reason": reason},
                *[{"reporter": pk, "grade": "good"} for pk in ready.reporter_ids[1:]],
            ],
        )
    evaluation_close(evaluation=ready.evaluation)
    return ready


def test_the_hosts_staff_turn_reasons_for_poor_into_problems(client, personas, county):
    ready = _closed_evaluation_with_reasons(county)
    cycle = ready.evaluation.meeting.cycle
    login(client, personas.county_staff)
    page = html(client.get(url("from_evaluation", cycle.pk)))
    assert page.count('data-testid="reason-row"') == 2  # the same reason twice is one row
    keys = re.findall(r'data-testid="reason-row" data-key="([^"]+)"', page)
    assert "推进不力" in page and "基层党建抓得不实" in page

    response = client.post(
        url("from_evaluation", cycle.pk),
        {
            "pick": [keys[0]],
            f"category-{keys[0]}": Category.RESPONSIBILITY,
            f"severity-{keys[0]}": Severity.MAJOR,
            f"category-{keys[1]}": Category.OTHER,
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get()
    reporter = cycle.reporters.get(pk=ready.reporter_ids[0])
    assert (problem.description, problem.source, problem.category, problem.severity) == (
        "推进不力",
        Source.EVALUATION,
        Category.RESPONSIBILITY,
        Severity.MAJOR,
    )
    assert (problem.reporter, problem.organization, problem.cycle) == (
        reporter,
        reporter.organization,
        cycle,
    )
    page = html(client.get(url("from_evaluation", cycle.pk)))
    assert page.count('data-testid="reason-pick"') == 1  # the recorded one is marked

    client.post(url("from_evaluation", cycle.pk), {"pick": [keys[0]]})
    assert Problem.objects.count() == 1  # not recorded twice


def test_only_the_hosts_staff_see_the_evaluation_reasons(client, personas, county):
    ready = _closed_evaluation_with_reasons(county)
    cycle = ready.evaluation.meeting.cycle
    for user in (personas.qingshi_secretary, personas.county_viewer, personas.liuxi_secretary):
        login(client, user)
        assert client.get(url("from_evaluation", cycle.pk)).status_code == 404


# --- Notices ---------------------------------------------------------------------------------


def _notices(user: Any) -> list[Notice]:
    return [
        Notice.objects.create(
            user=user, key=f"k{n}", text=f"通知{n}", url=f"/rectification/problems/{n}/"
        )
        for n in range(3)
    ]


def test_the_notices_page_lists_unread_first_and_marks_one_and_all_read(client, personas):
    owner = personas.qingshi_secretary
    first, second, third = _notices(owner)
    Notice.objects.create(user=personas.liuxi_secretary, key="other", text="别人的通知")
    Notice.objects.filter(pk=third.pk).update(
        read_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    login(client, owner)
    page = html(client.get(url("notices")))
    assert re.findall(r'data-testid="notice-row" data-read="(\d)"', page) == ["0", "0", "1"]
    assert "别人的通知" not in page

    assert client.post(url("notice_read", first.pk)).status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    response = client.post(url("notice_read", second.pk), {"open": "1"})
    assert response["Location"] == second.url

    Notice.objects.create(user=owner, key="k9", text="通知9")
    client.post(url("notices_read_all"))
    assert not Notice.objects.filter(user=owner, read_at__isnull=True).exists()
    assert Notice.objects.filter(user=personas.liuxi_secretary, read_at__isnull=True).exists()


def test_a_notice_of_another_user_cannot_be_marked(client, personas):
    notice = Notice.objects.create(user=personas.liuxi_secretary, key="x", text="通知")
    login(client, personas.qingshi_secretary)
    assert client.post(url("notice_read", notice.pk)).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_top_bar_shows_the_unread_count_with_one_query(client, personas, notices_in_context):
    owner = personas.qingshi_secretary
    login(client, owner)
    assert 'data-testid="unread-notices"' not in html(client.get(url("notices")))
    _notices(owner)
    page = html(client.get(url("dashboard")))
    assert text_of(page, "unread-notices") == "3"
    with CaptureQueriesContext(connection) as queries:
        client.get(url("dashboard"))
    counts = [q["sql"] for q in queries.captured_queries if "rectification_notice" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()
    client.post(url("notices_read_all"))
    assert 'data-testid="unread-notices"' not in html(client.get(url("dashboard")))


def test_the_overdue_notice_from_the_sweep_opens_the_problem_page(client, personas, problems):
    owner = personas.qingshi_secretary
    set_plan(problems[0], owner, deadline=D(2024, 3, 1))
    rectification_sweep(today=D(2024, 3, 2))
    notice = Notice.objects.get(user=owner)
    login(client, owner)
    response = client.post(url("notice_read", notice.pk), {"open": "1"})
    assert response["Location"] == url("problem", problems[0].pk)
    assert client.get(response["Location"]).status_code == 200


def test_the_navigation_offers_rectification_and_notices(client, personas):
    login(client, personas.county_viewer)
    page = html(client.get(url("dashboard")))
    assert f'href="{url("dashboard")}"' in page and f'href="{url("notices")}"' in page
