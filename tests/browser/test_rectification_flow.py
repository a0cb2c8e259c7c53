"""The rectification loop (整改闭环), clicked through in Chromium:

a problem pointed out in a comment becomes a tracked item; the township secretary sets
its measures, records progress with evidence and marks it completed; the county
administrator verifies and closes it. A second item passes its deadline, the daily
sweep marks it overdue and the county's dashboard shows it. The next year's report of
the township opens with both items and their status."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from debrief.cycles.models import CycleStatus, Reporter
from debrief.cycles.services import cycle_create, cycle_transition, roster_generate
from debrief.orgs.models import Level
from debrief.rectification.models import Problem, ProblemStatus

pytestmark = pytest.mark.django_db(transaction=True)

RESERVES = "后备干部储备不足"
EDUCATION = "党员教育形式单一"
# The status words of the pre-filled report, in Chinese once the catalogue has them.
CLOSED_WORD = re.compile(r"销号|Verified and closed")
IN_PROGRESS_WORD = re.compile(r"整改中|In progress")


def pdf(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4\n% evidence of the rectification\n%%EOF\n")
    return path


def open_problem(page: Any, description: str) -> None:
    page.goto("/rectification/problems/")
    page.locator("[data-testid=problem-row]", has_text=description).get_by_test_id(
        "problem-link"
    ).click()
    expect(page.get_by_test_id("problem-description")).to_have_text(description)


def set_plan(page: Any, *, measures: str, person: str, deadline: datetime.date) -> None:
    page.get_by_test_id("plan-measures").fill(measures)
    page.get_by_test_id("plan-person").fill(person)
    page.get_by_test_id("plan-leader").fill("镇党委副书记")
    page.get_by_test_id("plan-deadline").fill(deadline.isoformat())
    page.get_by_test_id("plan-save").click()
    expect(page.get_by_test_id("problem-measures")).to_contain_text(measures)
    expect(page.get_by_test_id("problem-person")).to_have_text(person)


def test_a_problem_from_a_comment_is_rectified_closed_and_reported_next_year(
    as_user, county, personas, meeting_cycle, tmp_path
):
    cycle = meeting_cycle
    meeting = cycle.meetings.get()
    today = timezone.localdate()

    # The presider's comment names two problems; each becomes an item.
    admin = as_user("county_admin")
    admin.goto(f"/meetings/{meeting.pk}/comments/")
    admin.locator("[data-testid=comment-reporter]", has_text="林晓青").click()
    expect(admin.get_by_test_id("comment-selected")).to_contain_text("林晓青")
    admin.get_by_test_id("comment-affirmations").fill("基层组织建设扎实")
    admin.get_by_test_id("problem-0-category").select_option("team")
    admin.get_by_test_id("problem-0-description").fill(RESERVES)
    admin.get_by_test_id("problem-1-category").select_option("members")
    admin.get_by_test_id("problem-1-description").fill(EDUCATION)
    admin.get_by_test_id("comment-requirements").fill("逐条抓好整改")
    admin.get_by_test_id("comment-save").click()
    expect(admin.get_by_test_id("comment-selected")).not_to_contain_text("林晓青")
    problems = Problem.objects.filter(organization=county.qingshi, cycle=cycle)
    assert sorted(problems.values_list("description", flat=True)) == [EDUCATION, RESERVES]

    # The township secretary works on the first item: plan, progress, completion.
    secretary = as_user("qingshi_secretary")
    secretary.goto("/rectification/problems/")
    expect(secretary.get_by_test_id("problem-row")).to_have_count(2)
    open_problem(secretary, RESERVES)
    expect(secretary.get_by_test_id("problem-status")).to_have_attribute("data-status", "open")
    set_plan(
        secretary,
        measures="建立村级后备干部库，每村储备2名以上",
        person="林晓青",
        deadline=today + datetime.timedelta(days=60),
    )
    secretary.get_by_test_id("progress-text").fill("已摸排全镇后备人选，建立后备干部库")
    secretary.get_by_test_id("progress-percent").fill("60")
    secretary.get_by_test_id("progress-files").set_input_files(pdf(tmp_path, "后备干部库.pdf"))
    secretary.get_by_test_id("progress-save").click()
    expect(secretary.get_by_test_id("problem-status")).to_have_attribute(
        "data-status", "in_progress"
    )
    expect(secretary.get_by_test_id("problem-percent")).to_have_text("60%")
    expect(secretary.locator("[data-testid=event][data-kind=progress]")).to_contain_text(
        "建立后备干部库"
    )
    expect(secretary.get_by_test_id("evidence-link")).to_have_text("后备干部库.pdf")

    secretary.get_by_test_id("complete-text").fill("每村已储备后备干部2名，完成整改")
    secretary.get_by_test_id("complete-files").set_input_files(pdf(tmp_path, "整改验收材料.pdf"))
    secretary.get_by_test_id("complete-save").click()
    expect(secretary.get_by_test_id("problem-status")).to_have_attribute("data-status", "completed")
    expect(secretary.get_by_test_id("problem-percent")).to_have_text("100%")
    expect(secretary.get_by_test_id("evidence-link")).to_have_count(2)
    expect(secretary.get_by_test_id("complete-form")).to_have_count(0)

    # The county administrator reads the evidence, verifies and closes the item.
    open_problem(admin, RESERVES)
    with admin.expect_download() as download:
        admin.get_by_test_id("evidence-link").filter(has_text="整改验收材料.pdf").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    admin.get_by_test_id("verify-note").fill("经实地核查，整改到位，同意销号")
    admin.get_by_test_id("verify-save").click()
    expect(admin.get_by_test_id("problem-status")).to_have_attribute("data-status", "closed")
    expect(admin.get_by_test_id("problem-status")).to_have_text(CLOSED_WORD)
    expect(admin.locator("[data-testid=event][data-kind=closed]")).to_contain_text("同意销号")
    expect(admin.get_by_test_id("verify-form")).to_have_count(0)

    # The second item: some progress, and a deadline that has passed.
    open_problem(secretary, EDUCATION)
    set_plan(
        secretary,
        measures="开展“主题党日+”活动，丰富党员教育形式",
        person="镇组织委员",
        deadline=today - datetime.timedelta(days=10),
    )
    secretary.get_by_test_id("progress-text").fill("已制定全年党员教育计划")
    secretary.get_by_test_id("progress-percent").fill("30")
    secretary.get_by_test_id("progress-save").click()
    expect(secretary.get_by_test_id("problem-percent")).to_have_text("30%")
    expect(secretary.get_by_test_id("overdue-badge")).to_have_count(0)

    # The daily sweep marks it overdue; the dashboard and the item show it.
    call_command("rectification_sweep", "--date", today.isoformat(), stdout=io.StringIO())
    late = Problem.objects.get(description=EDUCATION)
    assert late.overdue and late.status == ProblemStatus.IN_PROGRESS
    admin.goto("/rectification/")
    expect(admin.get_by_test_id("dashboard-overall")).to_have_attribute("data-total", "2")
    expect(admin.locator("[data-testid=count-overdue] .rect-count-figure")).to_have_text("1")
    expect(admin.locator("[data-testid=count-closed] .rect-count-figure")).to_have_text("1")
    expect(admin.get_by_test_id("overdue-item")).to_have_count(1)
    expect(admin.get_by_test_id("overdue-item")).to_contain_text(EDUCATION)
    expect(admin.get_by_test_id("overdue-list")).not_to_contain_text(RESERVES)
    secretary.reload()
    expect(secretary.get_by_test_id("overdue-badge")).to_be_visible()
    expect(secretary.locator("[data-testid=event][data-kind=overdue]")).to_have_count(1)

    # Next year: the report of the township opens with both items and their status.
    next_cycle = cycle_create(host=county.county, year=2026, levels=[Level.TOWNSHIP, Level.UNIT])
    roster_generate(cycle=next_cycle)
    cycle_transition(cycle=next_cycle, to=CycleStatus.REPORTS_OPEN)
    reporter = Reporter.objects.get(cycle=next_cycle, organization=county.qingshi)
    secretary.goto("/reports/")
    mine = secretary.locator(f"[data-testid=my-cycle][data-reporter='{reporter.pk}']")
    expect(mine.get_by_test_id("earlier-problem")).to_contain_text([EDUCATION])
    mine.get_by_test_id("my-report-link").click()
    section = secretary.locator("[data-testid=section-rectification] .rt-area")
    expect(section).to_be_visible()
    items = section.locator("li")
    expect(items).to_have_count(2)
    expect(items.filter(has_text=RESERVES)).to_have_text(CLOSED_WORD)
    expect(items.filter(has_text=EDUCATION)).to_have_text(IN_PROGRESS_WORD)
    expect(items.filter(has_text=EDUCATION)).to_contain_text("30%")
    expect(section).to_contain_text("2025")
