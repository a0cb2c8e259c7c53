"""The county administrator logs in, browses the tree, finds an organization by
search and imports a workbook through the UI (first with one bad row, then fixed)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from debrief.orgs.models import Organization
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def workbook(rows: list[list[str]], path) -> str:  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    sheet.title = "组织"
    sheet.append(["代码", "名称", "简称", "上级代码", "层级", "领域"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_the_county_administrator_browses_searches_and_imports(page, county, personas, tmp_path):
    from conftest import PASSWORD

    login(page, "county_admin", PASSWORD)
    page.goto("/orgs/")
    tree = page.locator("[data-testid=org-tree]")
    expect(tree.get_by_role("link", name="示范县委", exact=True)).to_be_visible()
    # The county's node is open; opening a township loads its villages.
    summary = tree.locator("summary", has=page.get_by_role("link", name="青石镇党委", exact=True))
    summary.click()
    township = summary.locator("xpath=..")
    expect(township.get_by_role("link", name="青石镇东岗村党支部")).to_be_visible()

    page.fill("[data-testid=org-search]", "西坪")
    page.keyboard.press("Enter")
    results = page.locator("[data-testid=search-results]")
    results.get_by_role("link", name="青石镇西坪村党支部").click()
    expect(page.locator("h1")).to_contain_text("青石镇西坪村党支部")
    expect(page.locator("[data-testid=current-secretary]")).to_be_visible()

    page.goto("/orgs/import/")
    bad = workbook(
        [
            ["V901", "青石镇新建村党支部", "", "T001", "村", "农村"],
            ["V902", "错位村党支部", "", "C001", "村", "农村"],
        ],
        tmp_path / "bad.xlsx",
    )
    page.set_input_files("[data-testid=import-form] input[type=file]", bad)
    page.click("[data-testid=import-submit]")
    errors = page.locator("[data-testid=import-errors]")
    expect(errors).to_contain_text("3")  # the bad row is named by its Excel row number
    assert not Organization.objects.filter(code__in=["V901", "V902"]).exists()

    good = workbook(
        [
            ["V901", "青石镇新建村党支部", "新建村", "T001", "村", "农村"],
            ["V902", "柳溪镇新桥村党支部", "新桥村", "T002", "村", "农村"],
        ],
        tmp_path / "good.xlsx",
    )
    page.set_input_files("[data-testid=import-form] input[type=file]", good)
    page.click("[data-testid=import-submit]")
    expect(page.locator("[data-testid=import-summary]")).to_have_attribute(
        "data-outcome", "imported"
    )
    expect(page.locator("[data-testid=count-created]")).to_contain_text("2")
    new = Organization.objects.get(code="V901")
    assert new.parent == county.qingshi and new.path.startswith(county.qingshi.path)
