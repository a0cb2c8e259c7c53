import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_login_page_is_chinese_by_default_and_switches_to_english(page, personas):
    from conftest import PASSWORD

    login(page, "county_admin", PASSWORD)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("[data-testid=lang-en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
