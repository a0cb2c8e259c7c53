"""Browser tests: Playwright drives Debian's chromium (/usr/bin/chromium) against
pytest-django's live server. Playwright's own browser download is not used: the
machines have no internet.

The live server speaks plain HTTP, so these tests switch off the HTTPS redirect and
secure cookies that the production settings turn on.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("DEBRIEF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls the
    # tests make to set up data are synchronous and safe here. Set only while the
    # browser runs, so that no other test (or subprocess) inherits it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


PLAIN_HTTP = {
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "SECURE_HSTS_SECONDS": 0,
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
}


@pytest.fixture(scope="session")
def server(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """A live server over plain HTTP. Settings are changed before it starts because
    middleware reads them once, when the server builds its handler. Browser tests run
    after all others (see testpaths), and the settings are restored at the end."""
    from django.conf import settings
    from pytest_django.live_server_helper import LiveServer

    saved = {name: getattr(settings, name) for name in PLAIN_HTTP}
    for name, value in PLAIN_HTTP.items():
        setattr(settings, name, value)
    live = LiveServer("localhost:0")
    yield live
    live.stop()
    for name, value in saved.items():
        setattr(settings, name, value)


@pytest.fixture
def live(server: Any, transactional_db: None, settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return server


@pytest.fixture
def page(browser: Any, live: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live.url, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture
def phone(browser: Any, live: Any) -> Iterator[Any]:
    """A small phone: 360×640, touch, a WeChat-like user agent."""
    context = browser.new_context(
        base_url=live.url,
        locale="zh-CN",
        viewport={"width": 360, "height": 640},
        is_mobile=True,
        has_touch=True,
        user_agent=(
            "Mozilla/5.0 (Linux; Android 12) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.40"
        ),
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def as_user(browser: Any, live: Any) -> Iterator[Callable[[str], Any]]:
    """as_user("county_admin"): a page logged in as that persona, in a browser context
    of its own (as a separate person at a separate desk). Confirmation dialogs are
    accepted. The contexts close at the end of the test, while the server still runs."""
    from conftest import PASSWORD

    contexts: list[Any] = []

    def open_as(username: str) -> Any:
        context = browser.new_context(base_url=live.url, locale="zh-CN")
        contexts.append(context)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        login(page, username, PASSWORD)
        return page

    yield open_as
    for context in contexts:
        context.close()


def login(page: Any, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
