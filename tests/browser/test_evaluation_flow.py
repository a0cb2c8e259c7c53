"""The democratic evaluation from the organization department's side, clicked through
in Chromium: the county administrator creates the evaluation form, issues tokens and
downloads their slips, opens the evaluation and puts the turnout on the projector; a
voter's phone casts a ballot and the projector counts it within seconds; the
administrator closes the evaluation, the projector offers the results, the tally
lists every reporter and the published receipts list holds the voter's receipt."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from playwright.sync_api import expect

from debrief.ballots.models import Ballot, Evaluation, EvaluationStatus
from debrief.cycles.models import Reporter

pytestmark = pytest.mark.django_db(transaction=True)


def test_tokens_opening_turnout_a_ballot_closing_tally_and_receipts(
    as_user, browser, live, meeting_cycle
):
    meeting = meeting_cycle.meetings.get()
    reporters = list(Reporter.objects.filter(cycle=meeting_cycle).order_by("pk"))
    admin = as_user("county_admin")
    admin.goto(f"/evaluation/meeting/{meeting.pk}/")
    admin.click("[data-testid=setup-save]")
    expect(admin.locator("[data-testid=evaluation-status]")).to_have_text("未开始")

    form = admin.locator("[data-testid=tokens-form]")
    form.locator("select").select_option(label="县委常委")
    form.locator("input[name=count]").fill("3")
    with admin.expect_download() as download:
        admin.click("[data-testid=tokens-issue]")
    with zipfile.ZipFile(download.value.path()) as archive:
        assert {"ballot-slips.docx", "ballot-tokens.csv"} <= set(archive.namelist())
        rows = list(
            csv.DictReader(io.StringIO(archive.read("ballot-tokens.csv").decode("utf-8-sig")))
        )
    tokens = [row["token"] for row in rows]
    assert len(tokens) == 3 and {row["group"] for row in rows} == {"县委常委"}

    admin.reload()
    expect(admin.locator("[data-testid=issued-total]")).to_have_text("3")
    admin.click("[data-testid=evaluation-open]")
    expect(admin.locator("[data-testid=evaluation-status]")).to_have_text("进行中")

    projector = admin.context.new_page()
    projector.goto(f"/evaluation/meeting/{meeting.pk}/turnout/")
    total = projector.locator("[data-testid=turnout-total] [data-field=voted]")
    expect(total).to_have_text("0")

    phone_context = browser.new_context(
        base_url=live.url, locale="zh-CN", viewport={"width": 360, "height": 640}
    )
    phone = phone_context.new_page()
    phone.goto(f"/v/{tokens[0]}")
    for reporter in reporters:
        phone.click(f"[data-testid=grade-{reporter.pk}-fairly_good]")
    phone.click("[data-testid=submit-ballot]")
    receipt = phone.locator("[data-testid=receipt]")
    expect(receipt).to_be_visible()
    code = receipt.inner_text().strip()
    phone_context.close()

    # The projector polls every two seconds.
    expect(total).to_have_text("1", timeout=10_000)
    assert Ballot.objects.count() == 1
    admin.reload()
    admin.click("[data-testid=evaluation-close]")
    # Closing leads to the results.
    expect(admin.locator("[data-testid=tally-heading]")).to_be_visible()
    expect(admin.locator("[data-testid=tally-row]")).to_have_count(len(reporters))
    expect(admin.locator("[data-testid=tally-ballots]")).to_contain_text("1")
    assert Evaluation.objects.get(meeting=meeting).status == EvaluationStatus.CLOSED
    expect(projector.locator("[data-testid=turnout-tally-link]")).to_be_visible(timeout=10_000)

    admin.goto(f"/evaluation/meeting/{meeting.pk}/")
    expect(admin.locator("[data-testid=evaluation-status]")).to_have_text("已结束")
    expect(admin.locator("[data-testid=closed-count]")).to_contain_text("1")
    admin.click("[data-testid=receipts-link]")
    expect(admin.locator("[data-testid=receipts]")).to_contain_text(code.replace("-", ""))
