"""Changes to the tree and its people, clicked through in Chromium: the county
administrator records a new secretary for 青石镇 (the predecessor's term ends the day
before and stays in the history), ends a deputy's term, and merges one village into
its neighbour, which keeps its history and leaves the tree."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from debrief.orgs.models import Organization, Status
from debrief.people.models import Post, Title

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_secretary_an_ended_term_and_a_merger(as_user, county, personas):
    admin = as_user("county_admin")
    admin.goto(f"/orgs/{county.qingshi.pk}/")
    expect(admin.locator("[data-testid=current-secretary]")).to_have_text("林晓青")

    admin.click("[data-testid=org-changes] summary")
    form = admin.locator("[data-testid=post-new]")
    form.locator("select[name=title]").select_option("secretary")
    form.locator("[data-testid=post-new-name]").fill("孙明远")
    form.locator("[data-testid=post-new-start]").fill("2026-03-01")
    form.locator("[data-testid=post-new-save]").click()
    expect(admin.locator("[data-testid=current-secretary]")).to_have_text("孙明远")
    posts = admin.locator("[data-testid=posts]")
    expect(posts.locator("tr", has_text="林晓青")).to_contain_text("2026年2月28日")
    previous = Post.objects.get(organization=county.qingshi, person__name="林晓青")
    assert previous.end_date == datetime.date(2026, 2, 28)

    admin.click("[data-testid=org-changes] summary")
    form.locator("select[name=title]").select_option("deputy_secretary")
    form.locator("[data-testid=post-new-name]").fill("钱晓燕")
    form.locator("[data-testid=post-new-start]").fill("2026-03-01")
    form.locator("[data-testid=post-new-save]").click()
    deputy = posts.locator("tr", has_text="钱晓燕")
    deputy.locator("[data-testid=post-end-date]").fill("2026-09-30")
    deputy.locator("[data-testid=post-end]").click()
    expect(posts.locator("tr", has_text="钱晓燕")).to_contain_text("2026年9月30日")
    assert Post.objects.get(person__name="钱晓燕", title=Title.DEPUTY_SECRETARY).end_date == (
        datetime.date(2026, 9, 30)
    )

    village, neighbour = county.qingshi_villages[2], county.qingshi_villages[1]
    admin.goto(f"/orgs/{village.pk}/")
    admin.click("[data-testid=org-changes] summary")
    admin.locator("[data-testid=org-merge-into]").fill(neighbour.code)
    admin.locator("[data-testid=org-merge]").locator("xpath=..").locator("input[name=date]").fill(
        "2026-06-30"
    )
    admin.click("[data-testid=org-merge]")
    expect(admin.locator("h1 .badge")).to_have_text("已合并")
    expect(admin.get_by_role("link", name=neighbour.name)).to_be_visible()
    merged = Organization.objects.get(pk=village.pk)
    assert merged.status == Status.MERGED and merged.merged_into == neighbour
    admin.goto(f"/orgs/{county.qingshi.pk}/")
    children = admin.locator("[data-testid=children]")
    expect(children.get_by_role("link", name=neighbour.name)).to_be_visible()
    expect(children.get_by_role("link", name=village.name)).to_have_count(0)
