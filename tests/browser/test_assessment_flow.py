"""From a closed evaluation to the published circular, clicked through in Chromium:

the ballots are in (cast in Python: the phone flow has its own tests); the county
administrator closes the evaluation and sees the tally, moves the cycle to the
assessment stage, sets the scheme, adds a catalogue item, enters the scores, computes
the results, adjusts one grade by hand, records the approval with its document number,
publishes, and downloads the circular, which python-docx reads back. The township
secretary then opens their own result and downloads their own feedback letter."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import expect

from debrief.assessments.models import ResultSet
from debrief.ballots.services import ballot_submit
from debrief.ballots.tests.conftest import make_ready
from debrief.cycles.models import CycleStatus, Reporter

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENT_NUMBER = "县委常委会〔2026〕3号"
ADJUST_REASON = "述职材料扎实，群众反映较好"
# Scheme set in the browser: daily 30%, evaluation 50%, debriefing 20%.
# 青石镇: daily 45/50 = 90, every ballot 好 (100), debriefing 90 → 27 + 50 + 18 = 95.00 → 好
# 柳溪镇: daily 30/50 = 60, every ballot 一般 (60), debriefing 70 → 18 + 30 + 14 = 62.00 → 一般
VOTING_GROUPS = ("县委常委", "基层党员干部群众代表")
DECIMAL = r"(\.0+)?"


def docx_paragraphs(page: Any, locator: Any) -> list[str]:
    with page.expect_download() as download:
        locator.click()
    document = Document(str(download.value.path()))
    return [paragraph.text for paragraph in document.paragraphs]


def index_of(paragraphs: list[str], needle: str) -> int:
    return next(i for i, text in enumerate(paragraphs) if needle in text)


def test_from_a_closed_evaluation_to_the_published_circular(as_user, county, personas):
    ready = make_ready(county, tokens_per_group=3)
    evaluation = ready.evaluation
    meeting = evaluation.meeting
    cycle = meeting.cycle
    qingshi = Reporter.objects.get(cycle=cycle, organization=county.qingshi)
    liuxi = Reporter.objects.get(cycle=cycle, organization=county.liuxi)
    for group in VOTING_GROUPS:
        for token in ready.tokens[group]:
            ballot_submit(
                token=token,
                ballot_id=str(uuid.uuid4()),
                ratings=[
                    {"reporter": qingshi.pk, "grade": "good"},
                    {"reporter": liuxi.pk, "grade": "average"},
                ],
            )

    # The evaluation is closed on its page; the tally follows.
    admin = as_user("county_admin")
    admin.goto(f"/evaluation/meeting/{meeting.pk}/")
    expect(admin.get_by_test_id("evaluation-status")).to_have_class(re.compile(r"\bopen\b"))
    expect(admin.get_by_test_id("used-total")).to_have_text("6")
    admin.get_by_test_id("evaluation-close").click()
    expect(admin.get_by_test_id("tally-heading")).to_be_visible()
    expect(admin.get_by_test_id("tally-ballots")).to_contain_text("6")
    expect(admin.get_by_test_id("tally-row")).to_have_count(2)
    expect(admin.locator(f"#reporter-{qingshi.pk}")).to_contain_text("林晓青")
    expect(admin.locator(f"#reporter-{liuxi.pk}")).to_contain_text("周立川")

    # The cycle moves on to the assessment stage.
    admin.goto(f"/cycles/{cycle.pk}/")
    admin.get_by_test_id("transition-assessment").click()
    expect(admin.locator("[data-testid=cycle-status] .badge")).to_have_class(
        re.compile(r"\bassessment\b")
    )
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.ASSESSMENT

    # The scheme: the weights.
    admin.get_by_test_id("link-assessment").click()
    expect(admin.get_by_test_id("results-status").first).to_have_attribute("data-status", "none")
    admin.get_by_test_id("nav-scheme").click()
    admin.get_by_test_id("scheme-weight-daily").fill("30")
    admin.get_by_test_id("scheme-weight-evaluation").fill("50")
    admin.get_by_test_id("scheme-weight-debrief").fill("20")
    admin.get_by_test_id("scheme-save").click()
    expect(admin.get_by_test_id("scheme-weight-evaluation")).to_have_value(
        re.compile(rf"^50{DECIMAL}$")
    )
    expect(admin.get_by_test_id("scheme-weight-daily")).to_have_value(re.compile(rf"^30{DECIMAL}$"))

    # The catalogue: one item, for every field.
    admin.get_by_test_id("nav-catalogue").click()
    admin.get_by_test_id("indicator-category").fill("基础工作")
    admin.get_by_test_id("indicator-code").fill("1.1")
    admin.get_by_test_id("indicator-name").fill("组织生活制度落实")
    admin.get_by_test_id("indicator-max").fill("50")
    admin.get_by_test_id("indicator-criteria").fill("“三会一课”按期召开得满分")
    admin.get_by_test_id("indicator-save").click()
    item = admin.locator("[data-testid=indicator-row][data-code='1.1']")
    expect(item).to_contain_text("组织生活制度落实")
    expect(item).to_contain_text("50")

    # The score grid: the daily points and the debriefing score of each reporter.
    admin.get_by_test_id("nav-scores").click()
    expect(admin.get_by_test_id("score-grid")).to_be_visible()
    for reporter, daily, debrief in ((qingshi, "45", "90"), (liuxi, "30", "70")):
        row = admin.locator(f"[data-testid=score-row][data-reporter='{reporter.pk}']")
        row.get_by_test_id("score-input").fill(daily)
        row.get_by_test_id("debrief-input").fill(debrief)
    admin.get_by_test_id("score-save").click()
    saved = admin.locator(f"[data-testid=score-row][data-reporter='{liuxi.pk}']")
    expect(saved.get_by_test_id("score-input")).to_have_value(re.compile(rf"^30{DECIMAL}$"))
    expect(saved.get_by_test_id("debrief-input")).to_have_value(re.compile(rf"^70{DECIMAL}$"))

    # Compute: each row shows its grade and the reasons for it.
    admin.get_by_test_id("nav-overview").click()
    expect(admin.get_by_test_id("scheme-summary")).to_contain_text("50")
    admin.get_by_test_id("compute-results").click()
    rows = admin.get_by_test_id("result-row")
    expect(rows).to_have_count(2)
    q_row = admin.locator(f"[data-testid=result-row][data-reporter='{qingshi.pk}']")
    lx_row = admin.locator(f"[data-testid=result-row][data-reporter='{liuxi.pk}']")
    expect(q_row).to_have_attribute("data-grade", "good")
    expect(q_row.get_by_test_id("result-total")).to_have_text("95.00")
    expect(q_row.get_by_test_id("result-reasons")).to_contain_text("95.00")
    expect(q_row.get_by_test_id("result-rank")).to_have_text("1")
    expect(lx_row).to_have_attribute("data-grade", "average")
    expect(lx_row.get_by_test_id("result-total")).to_have_text("62.00")
    expect(lx_row.get_by_test_id("result-reasons")).to_contain_text("62.00")

    # A grade adjusted by hand, with its reason; the computed grade stays beside it.
    lx_row.get_by_test_id("adjust-grade").select_option("fairly_good")
    lx_row.get_by_test_id("adjust-reason").fill(ADJUST_REASON)
    lx_row.get_by_test_id("adjust-save").click()
    expect(lx_row).to_have_attribute("data-grade", "fairly_good")
    expect(lx_row.get_by_test_id("result-grade")).to_have_attribute("data-grade", "fairly_good")
    expect(lx_row.get_by_test_id("result-computed-grade")).to_have_attribute(
        "data-grade", "average"
    )
    expect(lx_row.get_by_test_id("result-adjusted")).to_contain_text(ADJUST_REASON)
    expect(lx_row.get_by_test_id("result-reasons")).to_contain_text(ADJUST_REASON)
    expect(q_row).to_have_attribute("data-grade", "good")

    # The standing committee's approval, with its document number; then publication.
    admin.get_by_test_id("nav-overview").click()
    admin.get_by_test_id("approve-document").fill(DOCUMENT_NUMBER)
    admin.get_by_test_id("approve-results").click()
    expect(admin.get_by_test_id("results-status").first).to_have_attribute(
        "data-status", "approved"
    )
    expect(admin.get_by_test_id("approval")).to_contain_text(DOCUMENT_NUMBER)
    expect(admin.get_by_test_id("count-good")).to_have_attribute("data-count", "1")
    expect(admin.get_by_test_id("count-fairly_good")).to_have_attribute("data-count", "1")
    admin.get_by_test_id("publish-results").click()
    expect(admin.get_by_test_id("results-status").first).to_have_attribute(
        "data-status", "published"
    )
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.PUBLISHED
    result_set = ResultSet.objects.get(cycle=cycle)
    assert result_set.approval_document == DOCUMENT_NUMBER

    # The circular names each reporter under the heading of their grade.
    circular = docx_paragraphs(admin, admin.get_by_test_id("circular-docx"))
    text = "\n".join(circular)
    assert DOCUMENT_NUMBER in text
    good = index_of(circular, "评定为“好”等次的（1名）")
    fairly_good = index_of(circular, "评定为“较好”等次的（1名）")
    average = index_of(circular, "评定为“一般”等次的（0名）")
    poor = index_of(circular, "评定为“差”等次的（0名）")
    assert good < fairly_good < average < poor
    assert good < index_of(circular, "林晓青") < fairly_good
    assert fairly_good < index_of(circular, "周立川") < average
    assert "青石镇党委书记 林晓青" in circular[good:fairly_good]

    # The township secretary sees their own result and downloads their own letter.
    secretary = as_user("qingshi_secretary")
    secretary.goto(f"/cycles/{cycle.pk}/")
    secretary.get_by_test_id("link-own-result").click()
    mine = secretary.get_by_test_id("my-result")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("林晓青")
    expect(mine).to_contain_text("95.00")
    expect(mine.get_by_test_id("result-grade")).to_have_text(re.compile(r"^\s*(好|Good)\s*$"))
    expect(mine.get_by_test_id("result-reasons")).to_contain_text("95.00")
    expect(secretary.locator("body")).not_to_contain_text("周立川")
    letter = "\n".join(docx_paragraphs(secretary, mine.get_by_test_id("my-letter")))
    assert "林晓青同志" in letter
    assert "评定等次为“好”" in letter
    assert "周立川" not in letter
