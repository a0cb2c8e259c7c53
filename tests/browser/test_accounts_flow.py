"""The county administrator creates an account for a township, finds it among the
accounts without a role, grants it a role, revokes it again and deactivates the
account; the new account logs in and sees only its township."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from debrief.accounts.models import User
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Spring-river-lantern-42"


def test_an_administrator_creates_grants_revokes_and_deactivates(
    as_user, browser, live, county, personas
):
    page = as_user("county_admin")
    page.goto("/accounts/grants/")
    create = page.locator("[data-testid=account-create-form]")
    create.locator("input[name=account-username]").fill("wangfang")
    create.locator("input[name=account-full_name]").fill("王芳")
    create.locator("input[name=account-organization]").fill("T001")
    create.locator("input[name=account-password1]").fill(NEW_PASSWORD)
    create.locator("input[name=account-password2]").fill(NEW_PASSWORD)
    create.locator("button[type=submit]").click()
    roleless = page.locator("[data-testid=accounts-without-role]")
    row = roleless.locator("[data-testid=roleless-row]", has_text="wangfang")
    expect(row).to_contain_text("青石镇党委")

    grant = page.locator("[data-testid=grant-create-form]")
    grant.locator("input[name=grant-username]").fill("wangfang")
    grant.locator("input[name=grant-organization]").fill("T001")
    grant.locator("select[name=grant-role]").select_option("viewer")
    grant.locator("button[type=submit]").click()
    granted = page.locator("[data-testid=grant-row]", has_text="wangfang")
    expect(granted).to_contain_text("青石镇党委")
    expect(page.locator("[data-testid=accounts-without-role]")).to_have_count(0)

    # The new account logs in and sees its township, not the neighbouring one.
    context = browser.new_context(base_url=live.url, locale="zh-CN")
    newcomer = context.new_page()
    login(newcomer, "wangfang", NEW_PASSWORD)
    newcomer.goto("/orgs/")
    tree = newcomer.locator("[data-testid=org-tree]")
    expect(tree.get_by_role("link", name="青石镇党委", exact=True)).to_be_visible()
    expect(tree.get_by_role("link", name="柳溪镇党委", exact=True)).to_have_count(0)
    context.close()

    granted.locator("[data-testid=revoke]").click()
    row = page.locator("[data-testid=roleless-row]", has_text="wangfang")
    expect(row).to_be_visible()
    row.locator("[data-testid=deactivate]").click()
    expect(page.locator("[data-testid=roleless-row]", has_text="wangfang")).to_contain_text("停用")
    assert not User.objects.get(username="wangfang").is_active
