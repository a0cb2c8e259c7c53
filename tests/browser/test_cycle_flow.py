"""A whole debriefing, clicked through in Chromium:

the county administrator sets up the cycle and the meeting; the township secretary
writes and submits the report; the administrator returns it once, then accepts it;
the presider enters comments with two problems during the meeting; the meeting's
documents download and python-docx reads them back."""

from __future__ import annotations

from typing import Any

import pytest
from docx import Document
from playwright.sync_api import expect

from debrief.cycles.models import Cycle
from debrief.rectification.models import Problem

pytestmark = pytest.mark.django_db(transaction=True)


def write_section(page: Any, key: str, text: str) -> None:
    area = page.locator(f"[data-testid=section-{key}] .rt-area")
    area.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def docx_text(page: Any, testid: str) -> str:
    with page.expect_download() as download:
        page.click(f"[data-testid={testid}]")
    document = Document(str(download.value.path()))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def test_a_debriefing_from_planning_to_comments_and_documents(as_user, county, personas):
    admin = as_user("county_admin")
    admin.goto("/cycles/")
    admin.click("[data-testid=cycle-new]")
    admin.select_option("#id_host", str(county.county.pk))
    admin.fill("#id_year", "2025")
    admin.click("[data-testid=cycle-create-submit]")
    expect(admin.locator("[data-testid=cycle-status]")).to_be_visible()
    cycle = Cycle.objects.get(host=county.county, year=2025)

    admin.click("[data-testid=link-roster]")
    admin.click("[data-testid=roster-generate]")
    expect(admin.locator("[data-testid=roster-row]")).to_have_count(2)
    admin.goto(f"/cycles/{cycle.pk}/")
    admin.click("[data-testid=transition-reports_open]")
    expect(admin.locator("[data-testid=transition-meeting]")).to_be_visible()
    cycle.refresh_from_db()
    assert cycle.status == "reports_open"

    admin.click("[data-testid=link-meeting-schedule]")
    admin.fill("[data-testid=meeting-date]", "2026-01-15")
    admin.fill("[data-testid=meeting-presider]", "王书记")
    admin.click("[data-testid=meeting-save]")
    meeting = cycle.meetings.get()

    secretary = as_user("qingshi_secretary")
    secretary.goto("/reports/")
    secretary.click("[data-testid=my-report-link]")
    for key, text in [
        ("rectification", "去年问题已全部整改"),
        ("achievements", "集体经济收入增长两成"),
        ("key_tasks", "承诺事项全部完成"),
        ("problems", "后备干部不足"),
        ("causes", "培养机制不健全"),
        ("measures", "建立后备干部库"),
    ]:
        write_section(secretary, key, text)
    secretary.click("[data-testid=submit-report]")
    expect(secretary.locator("[data-testid=report-status]")).to_have_attribute(
        "data-status", "submitted"
    )

    admin.goto(f"/reports/cycle/{cycle.pk}/")
    admin.locator("[data-testid=report-row][data-status=submitted]").get_by_role(
        "link"
    ).first.click()
    admin.fill("[data-testid=return-reason]", "成绩部分请补充具体数据")
    admin.click("[data-testid=return-report]")
    expect(admin.locator("[data-testid=report-status]")).to_have_attribute(
        "data-status", "returned"
    )

    secretary.reload()
    expect(secretary.locator("[data-testid=return-reason-shown]")).to_contain_text("补充具体数据")
    write_section(secretary, "achievements", "集体经济收入增长20%，新增3个30万元村")
    secretary.click("[data-testid=submit-report]")
    expect(secretary.locator("[data-testid=report-status]")).to_have_attribute(
        "data-status", "submitted"
    )

    admin.reload()
    admin.click("[data-testid=accept-report]")
    expect(admin.locator("[data-testid=report-status]")).to_have_attribute(
        "data-status", "accepted"
    )

    admin.goto(f"/cycles/{cycle.pk}/")
    admin.click("[data-testid=transition-meeting]")
    admin.goto(f"/meetings/{meeting.pk}/comments/")
    admin.locator("[data-testid=comment-reporter]", has_text="林晓青").click()
    admin.fill("[data-testid=comment-affirmations]", "集体经济发展势头好")
    admin.fill("[data-testid=comment-requirements]", "抓好整改")
    admin.select_option("[data-testid=problem-0-category]", "team")
    admin.fill("[data-testid=problem-0-description]", "后备干部储备不足")
    admin.select_option("[data-testid=problem-1-category]", "members")
    admin.fill("[data-testid=problem-1-description]", "党员教育形式单一")
    admin.click("[data-testid=comment-save]")
    expect(admin.locator("[data-testid=comment-selected]")).not_to_contain_text("林晓青")
    problems = Problem.objects.filter(organization=county.qingshi, cycle=cycle)
    assert sorted(problems.values_list("description", flat=True)) == [
        "党员教育形式单一",
        "后备干部储备不足",
    ]

    admin.goto(f"/meetings/{meeting.pk}/")
    assert "林晓青" in docx_text(admin, "agenda-docx")
    assert "集体经济收入增长20%" in docx_text(admin, "reports-docx")
    assert "后备干部储备不足" in docx_text(admin, "comments-docx")
