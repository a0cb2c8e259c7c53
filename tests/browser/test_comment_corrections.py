"""Correcting and deleting a comment, clicked through in Chromium:

the presider's comment on 林晓青 is saved with a typo and a problem; the county
administrator opens it again, corrects the text and sees the correction on the
reporter's screen; then deletes the comment, first changing their mind at the
confirmation, then confirming, and the comment and its problem are gone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from debrief.meetings.models import Comment
from debrief.rectification.models import Problem
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

TYPO = "集体经济发展势头良号"
CORRECTED = "集体经济发展势头良好"
PROBLEM = "后备干部储备不足"


def test_a_comment_is_recorded_corrected_and_deleted(page, personas, meeting_cycle):
    from conftest import PASSWORD

    meeting = meeting_cycle.meetings.get()
    login(page, "county_admin", PASSWORD)
    page.goto(f"/meetings/{meeting.pk}/comments/")
    page.locator("[data-testid=comment-reporter]", has_text="林晓青").click()
    expect(page.get_by_test_id("comment-selected")).to_contain_text("林晓青")
    page.get_by_test_id("comment-affirmations").fill(TYPO)
    page.get_by_test_id("problem-0-category").select_option("team")
    page.get_by_test_id("problem-0-description").fill(PROBLEM)
    page.get_by_test_id("comment-save").click()
    expect(page.get_by_test_id("comment-selected")).not_to_contain_text("林晓青")

    # Back on 林晓青: the comment as saved, with its typo.
    page.locator("[data-testid=comment-reporter]", has_text="林晓青").click()
    card = page.get_by_test_id("existing-comment")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(TYPO)
    expect(card).to_contain_text(PROBLEM)

    # Edit: the form opens filled in with the comment; the problem is listed as recorded.
    card.get_by_test_id("comment-edit").click()
    expect(page.get_by_test_id("comment-editing")).to_contain_text("县委书记")
    expect(page.get_by_test_id("comment-affirmations")).to_have_value(TYPO)
    expect(page.get_by_test_id("comment-commenter")).to_have_value("县委书记")
    expect(page.get_by_test_id("editing-problems")).to_contain_text(PROBLEM)
    page.get_by_test_id("comment-affirmations").fill(CORRECTED)
    page.get_by_test_id("comment-edit-save").click()

    # Saved, back on the reporter, with the correction.
    expect(page.get_by_test_id("comment-selected")).to_contain_text("林晓青")
    expect(page.get_by_test_id("comment-editing")).to_have_count(0)
    card = page.get_by_test_id("existing-comment")
    expect(card).to_contain_text(CORRECTED)
    expect(card).not_to_contain_text(TYPO)
    expect(card).to_contain_text(PROBLEM)
    comment = Comment.objects.get()
    assert comment.affirmations == CORRECTED

    # Delete, but change one's mind at the confirmation: nothing happens.
    asked: list[str] = []

    def answer(accept: bool) -> Any:
        def handle(dialog: Any) -> None:
            asked.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        return handle

    page.once("dialog", answer(False))
    card.get_by_test_id("comment-delete").click()
    expect(card).to_contain_text(CORRECTED)
    assert len(asked) == 1 and "删除" in asked[0]
    assert Comment.objects.filter(pk=comment.pk).exists()

    # Confirmed: the comment and its problem are gone.
    page.once("dialog", answer(True))
    page.get_by_test_id("comment-delete").click()
    expect(page.get_by_test_id("existing-comment")).to_have_count(0)
    expect(page.locator(".message").first).to_contain_text("已删除")
    expect(page.get_by_test_id("comment-selected")).to_contain_text("林晓青")
    assert len(asked) == 2
    assert not Comment.objects.exists()
    assert not Problem.objects.filter(description=PROBLEM).exists()
    reporter = page.locator("[data-testid=comment-reporter]", has_text="林晓青")
    expect(reporter).not_to_have_class(re.compile(r"\bdone\b"))
