"""The ballot page in a real browser (Debian's chromium through Playwright), on a
360 px wide phone screen: rating, the client-side rules, submitting, the receipt,
and the retry of the same ballot after a lost answer."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test.testcases import LiveServerThread

from debrief.ballots.models import Ballot, Participation, Receipt
from debrief.ballots.tests.conftest import make_ready
from debrief.ballots.tests.web import fresh_cache_fixture, web_settings_fixture  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def server(settings: Any) -> Iterator[str]:
    """The application over plain HTTP on a free port, static files from the apps'
    folders (the HTTPS redirect is off: the test server has no certificate)."""
    settings.SECURE_SSL_REDIRECT = False
    shared = {
        c.alias: c
        for c in connections.all()
        if c.vendor == "sqlite" and getattr(c, "is_in_memory_db", lambda: False)()
    }
    for connection in shared.values():
        connection.inc_thread_sharing()
    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override=shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (make chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; the ORM calls of the test itself
    # are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield instance
        instance.close()
        # Inside sync_playwright the test runs in another context, where Django
        # opened a database connection of its own: close it, or the test database
        # could not be dropped (PostgreSQL).
        connections.close_all()


def open_phone(browser: Any, url: str, *, without_random_uuid: bool = False) -> tuple[Any, list]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console", lambda message: problems.append(message.text) if message.type == "error" else 0
    )
    if without_random_uuid:
        # An older WebView: no crypto.randomUUID, only crypto.getRandomValues.
        page.add_init_script("delete Crypto.prototype.randomUUID;")
    page.goto(url)
    return page, problems


def test_a_voter_rates_everyone_submits_and_sees_the_receipt_again_after_reload(
    county, personas, server, browser
):
    ready = make_ready(county, reason_required_for_poor=True)
    first, second = ready.reporter_ids
    token = ready.tokens["县委常委"][0]
    page, problems = open_phone(browser, f"{server}/v/{token}", without_random_uuid=True)
    count = page.get_by_test_id("rated-count")
    submit = page.get_by_test_id("submit-ballot")
    assert count.inner_text() == "0 / 2" and submit.is_disabled()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_test_id(f"grade-{first}-poor").click()
    assert page.get_by_test_id(f"grade-{first}-poor").get_attribute("aria-pressed") == "true"
    assert page.get_by_test_id(f"reason-{first}").is_visible()
    page.get_by_test_id(f"grade-{second}-good").click()
    assert count.inner_text() == "2 / 2"
    assert submit.is_disabled()  # poor needs a reason
    page.get_by_test_id(f"reason-{first}").fill("推进不力")
    assert submit.is_enabled()

    submit.click()
    receipt = page.get_by_test_id("receipt")
    receipt.wait_for(state="visible")
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", receipt.inner_text())
    stored = json.loads(page.evaluate(f"localStorage.getItem('debrief.ballot.{token}')"))
    assert uuid.UUID(stored["id"]).version == 4
    assert "payload" not in stored and "draft" not in stored  # ratings are not kept
    ballot = Ballot.objects.get()
    code = Receipt.objects.get().code
    assert code == receipt.inner_text()
    assert ballot.ratings[str(first)] == {"grade": "poor", "reason": "推进不力"}

    page.reload()
    page.get_by_test_id("receipt").wait_for(state="visible")
    assert page.get_by_test_id("receipt").inner_text() == code
    assert page.get_by_test_id("state-voted").count() == 1
    assert not problems, problems


def test_too_many_good_ratings_keep_the_submit_button_blocked(county, personas, server, browser):
    from decimal import Decimal

    ready = make_ready(county, max_good_share=Decimal("0.5"))
    first, second = ready.reporter_ids
    page, problems = open_phone(browser, f"{server}/v/{ready.tokens['县委常委'][0]}")
    page.get_by_test_id(f"grade-{first}-good").click()
    page.get_by_test_id(f"grade-{second}-good").click()
    assert page.get_by_test_id("submit-ballot").is_disabled()
    assert "1" in page.get_by_test_id("ballot-hint").inner_text()
    page.get_by_test_id(f"grade-{second}-fairly_good").click()
    assert page.get_by_test_id("submit-ballot").is_enabled()
    assert not problems, problems


def test_a_lost_answer_is_retried_with_the_same_ballot_id_until_it_arrives(
    county, personas, server, browser
):
    ready = make_ready(county)
    token = ready.tokens["县委常委"][1]
    page, problems = open_phone(browser, f"{server}/v/{token}")
    sent: list[str] = []
    answers = iter(["503", "network", "pass"])

    def flaky(route: Any) -> None:
        sent.append(json.loads(route.request.post_data)["ballot_id"])
        outcome = next(answers, "pass")
        if outcome == "503":
            route.fulfill(status=503, body="busy")
        elif outcome == "network":
            route.abort("failed")
        else:
            route.continue_()

    page.route("**/api/v1/ballot/*", flaky)
    for reporter in ready.reporter_ids:
        page.get_by_test_id(f"grade-{reporter}-average").click()
    page.get_by_test_id("submit-ballot").click()
    page.get_by_test_id("receipt").wait_for(state="visible", timeout=20000)
    assert len(sent) == 3 and len(set(sent)) == 1
    assert Ballot.objects.count() == 1 and Participation.objects.count() == 1
    assert page.get_by_test_id("receipt").inner_text() == Receipt.objects.get().code
    assert not [p for p in problems if "503" not in p and "Failed to load" not in p]


def test_a_phone_reopened_after_a_lost_answer_gets_the_receipt_of_its_recorded_ballot(
    county, personas, server, browser
):
    ready = make_ready(county)
    token = ready.tokens["县委常委"][2]
    page, problems = open_phone(browser, f"{server}/v/{token}")
    answers = {"lost": 0}

    def recorded_but_lost(route: Any) -> None:
        if answers["lost"] == 0:
            route.fetch()  # the server records the ballot ...
        if answers["lost"] >= 0:
            answers["lost"] += 1
            route.abort("failed")  # ... and its answer never reaches the phone
        else:
            route.continue_()

    page.route("**/api/v1/ballot/*", recorded_but_lost)
    for reporter in ready.reporter_ids:
        page.get_by_test_id(f"grade-{reporter}-good").click()
    page.get_by_test_id("submit-ballot").click()
    sending = page.get_by_test_id("sending")
    first_text = page.locator("#texts").get_attribute("data-sending")
    for _ in range(100):
        if sending.is_visible() and page.locator("#sending-text").inner_text() != first_text:
            break  # the phone is waiting to retry
        page.wait_for_timeout(100)
    assert Ballot.objects.count() == 1
    answers["lost"] = -1  # from now on the network works
    page.reload()  # the server says the code is used; the phone still holds its ballot
    assert page.get_by_test_id("state-voted").count() == 1
    page.get_by_test_id("receipt").wait_for(state="visible")
    assert page.get_by_test_id("receipt").inner_text() == Receipt.objects.get().code
    assert Ballot.objects.count() == 1 and Participation.objects.count() == 1
    assert not [p for p in problems if "Failed to load" not in p and "ERR_FAILED" not in p]
