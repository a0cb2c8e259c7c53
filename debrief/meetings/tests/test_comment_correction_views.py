"""Correcting and deleting comments on the comments screen, and who may do it."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from docx import Document

from debrief.cycles.models import Cycle, CycleStatus, Mode
from debrief.cycles.services import reporter_arrange
from debrief.lib.testing import HttpsClient
from debrief.meetings.models import Comment
from debrief.meetings.services import ProblemInput, comment_record
from debrief.rectification.models import Problem
from debrief.rectification.services import problem_plan_set

pytestmark = pytest.mark.django_db

ORIGIN = {"Origin": "https://testserver"}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def in_english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def qingshi(arranged_meeting):
    return arranged_meeting.reporters().get(person__name="林晓青")


@pytest.fixture
def comment(qingshi, arranged_meeting):
    return comment_record(
        reporter=qingshi,
        meeting=arranged_meeting,
        commenter="张书记",
        affirmations="村集体经济增长明显",
        requirements="抓好问题整改",
        problems=[ProblemInput("team", "后备干部储备不足", "major")],
    )


def _screen(meeting, reporter) -> str:
    return reverse("meetings:comments", args=[meeting.pk]) + f"?reporter={reporter.pk}"


def _edit_url(meeting, comment) -> str:
    return reverse("meetings:comment_edit", args=[meeting.pk, comment.pk])


def _delete_url(meeting, comment) -> str:
    return reverse("meetings:comment_delete", args=[meeting.pk, comment.pk])


def _edit_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "commenter": "张书记",
        "commenter_role": "presider",
        "portfolio": "",
        "affirmations": "村集体经济增长明显",
        "requirements": "抓好问题整改",
        "problem-TOTAL_FORMS": "1",
        "problem-INITIAL_FORMS": "0",
        "problem-MIN_NUM_FORMS": "0",
        "problem-MAX_NUM_FORMS": "30",
        "problem-0-category": "",
        "problem-0-severity": "general",
        "problem-0-description": "",
    }
    data.update(overrides)
    return data


def _comments_docx(client, meeting) -> str:
    response = client.get(reverse("meetings:comments_docx", args=[meeting.pk]))
    assert response.status_code == 200
    return "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)


# The screen -------------------------------------------------------------------------


def test_each_recorded_comment_offers_edit_and_a_confirmed_delete(
    arranged_meeting, qingshi, comment, host_client
):
    html = host_client.get(_screen(arranged_meeting, qingshi)).content.decode()
    card = html[html.index('data-testid="existing-comment"') :]
    assert f'href="{_edit_url(arranged_meeting, comment)}"' in card
    delete = re.search(
        rf'<form method="post" action="{re.escape(_delete_url(arranged_meeting, comment))}">'
        r'<input type="hidden" name="csrfmiddlewaretoken"[^>]*>'
        r'<button type="submit"[^>]*data-confirm="[^"]+"',
        card,
    )
    assert delete, card[:2000]


def test_a_comment_whose_problem_has_entered_rectification_offers_no_delete(
    arranged_meeting, qingshi, comment, host_client
):
    in_english(host_client)
    problem_plan_set(
        problem=comment.problems.get(),
        measures="建立后备干部库",
        responsible_person="林晓青",
        deadline=arranged_meeting.date,
    )
    html = host_client.get(_screen(arranged_meeting, qingshi)).content.decode()
    assert 'data-testid="comment-edit"' in html
    assert 'data-testid="comment-delete"' not in html
    assert 'data-testid="comment-delete-kept"' in html
    assert "no longer deleted" in html


def test_after_the_commenting_stages_the_screen_offers_no_edit_or_delete(
    arranged_meeting, qingshi, comment, host_client
):
    Cycle.objects.filter(pk=arranged_meeting.cycle_id).update(status=CycleStatus.PUBLISHED)
    html = host_client.get(_screen(arranged_meeting, qingshi)).content.decode()
    assert 'data-testid="existing-comment"' in html
    assert 'data-testid="comment-edit"' not in html
    assert 'data-testid="comment-delete"' not in html


def test_a_screen_listing_comments_takes_the_same_queries_for_one_or_four(
    arranged_meeting, qingshi, comment, host_client, django_assert_max_num_queries
):
    """The delete check is one query for all the comments listed, not one each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = _screen(arranged_meeting, qingshi)
    with CaptureQueriesContext(connection) as one:
        host_client.get(url)
    for name in ("李部长", "王部长", "赵部长"):
        comment_record(
            reporter=qingshi,
            commenter=name,
            affirmations="成效明显",
            problems=[ProblemInput("team", f"{name}指出的问题")],
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        host_client.get(url)


# Editing ----------------------------------------------------------------------------


def test_edit_opens_the_comments_form_filled_in_with_the_comment(
    arranged_meeting, qingshi, comment, host_client
):
    html = host_client.get(_edit_url(arranged_meeting, comment)).content.decode()
    form = html[html.index('data-testid="comment-form"') - 200 :]
    assert f'action="{_edit_url(arranged_meeting, comment)}"' in form
    assert re.search(r'name="commenter" value="张书记"', form)
    assert re.search(
        r'<textarea[^>]*name="affirmations"[^>]*>\s*村集体经济增长明显</textarea>', form
    )
    assert re.search(r'<textarea[^>]*name="requirements"[^>]*>\s*抓好问题整改</textarea>', form)
    recorded = html[html.index('data-testid="editing-problems"') :]
    assert recorded.index("后备干部储备不足") < recorded.index("</ol>")
    assert 'data-testid="problem-0-description"' in html
    assert 'data-testid="problem-1-description"' not in html
    assert 'data-testid="comment-edit-save"' in html
    selected = html[html.index('data-testid="comment-selected"') :]
    assert selected.index("林晓青") < selected.index("</h2>")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)


def test_saving_a_correction_returns_to_the_reporter_with_the_change(
    arranged_meeting, qingshi, comment, host_client
):
    in_english(host_client)
    response = host_client.post(
        _edit_url(arranged_meeting, comment),
        _edit_data(affirmations="村集体经济收入全部超过10万元", portfolio="组织工作"),
    )
    assert response.status_code == 302
    assert response["Location"] == _screen(arranged_meeting, qingshi)
    assert "The comment on 林晓青 is corrected." in _messages(response)
    comment.refresh_from_db()
    assert (comment.affirmations, comment.portfolio) == ("村集体经济收入全部超过10万元", "组织工作")
    html = host_client.get(response["Location"]).content.decode()
    assert "村集体经济收入全部超过10万元" in html and "村集体经济增长明显" not in html


def test_a_correction_can_point_out_a_further_problem(
    arranged_meeting, qingshi, comment, host_client
):
    host_client.post(
        _edit_url(arranged_meeting, comment),
        _edit_data(
            **{
                "problem-0-category": "members",
                "problem-0-severity": "serious",
                "problem-0-description": "党员教育形式单一",
            }
        ),
    )
    assert list(comment.problems.order_by("pk").values_list("description", "severity")) == [
        ("后备干部储备不足", "major"),
        ("党员教育形式单一", "serious"),
    ]


def test_a_correction_that_breaks_a_rule_shows_it_and_changes_nothing(
    arranged_meeting, qingshi, host_client
):
    in_english(host_client)
    comment = comment_record(reporter=qingshi, commenter="张书记", affirmations="成效明显")
    url = _edit_url(arranged_meeting, comment)
    response = host_client.post(url, _edit_data(affirmations="", requirements=""))
    assert response.status_code == 200
    assert "The comment is empty." in _messages(response)
    response = host_client.post(url, _edit_data(commenter=""))
    assert response.status_code == 200
    response = host_client.post(url, _edit_data(**{"problem-0-description": "没有类别的问题"}))
    assert "Choose the category of this problem." in response.content.decode()
    comment.refresh_from_db()
    assert (comment.commenter, comment.affirmations) == ("张书记", "成效明显")
    assert not Problem.objects.exists()


def test_the_summary_of_comments_carries_the_correction(
    arranged_meeting, qingshi, comment, host_client
):
    assert "村集体经济增长明显" in _comments_docx(host_client, arranged_meeting)
    host_client.post(
        _edit_url(arranged_meeting, comment),
        _edit_data(commenter="李部长", commenter_role="leader", affirmations="党建引领成效明显"),
    )
    text = _comments_docx(host_client, arranged_meeting)
    assert "党建引领成效明显" in text and "村集体经济增长明显" not in text
    assert "点评人：李部长" in text and "点评人：张书记" not in text


# Deleting ---------------------------------------------------------------------------


def test_delete_removes_the_comment_and_its_problems_and_returns_to_the_reporter(
    arranged_meeting, qingshi, comment, host_client
):
    in_english(host_client)
    response = host_client.post(_delete_url(arranged_meeting, comment))
    assert response.status_code == 302
    assert response["Location"] == _screen(arranged_meeting, qingshi)
    assert "The comment by 张书记 on 林晓青 is deleted." in _messages(response)
    assert not Comment.objects.exists() and not Problem.objects.exists()
    assert "后备干部储备不足" not in _comments_docx(host_client, arranged_meeting)


def test_a_refused_delete_shows_why_and_keeps_everything(
    arranged_meeting, qingshi, comment, host_client
):
    in_english(host_client)
    problem_plan_set(
        problem=comment.problems.get(),
        measures="建立后备干部库",
        responsible_person="林晓青",
        deadline=arranged_meeting.date,
    )
    response = host_client.post(_delete_url(arranged_meeting, comment))
    assert response.status_code == 302
    [message] = _messages(response)
    assert "后备干部储备不足" in message and "has entered rectification" in message
    assert Comment.objects.filter(pk=comment.pk).exists() and Problem.objects.count() == 1


def test_the_refusal_reads_in_chinese_on_the_chinese_pages(
    arranged_meeting, qingshi, comment, host_client
):
    problem_plan_set(
        problem=comment.problems.get(),
        measures="建立后备干部库",
        responsible_person="林晓青",
        deadline=arranged_meeting.date,
    )
    response = host_client.post(_delete_url(arranged_meeting, comment), follow=True)
    html = response.content.decode()
    assert "已进入整改" in html and "不能删除" in html


def test_delete_answers_only_a_post(arranged_meeting, comment, host_client):
    assert host_client.get(_delete_url(arranged_meeting, comment)).status_code == 405
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_a_delete_without_the_csrf_token_is_refused(arranged_meeting, qingshi, comment, personas):
    client = HttpsClient(enforce_csrf_checks=True)
    client.force_login(personas.county_admin)
    url = _delete_url(arranged_meeting, comment)
    assert client.post(url, headers=ORIGIN).status_code == 403
    assert (
        client.post(
            _edit_url(arranged_meeting, comment), _edit_data(commenter="别人"), headers=ORIGIN
        ).status_code
        == 403
    )
    assert Comment.objects.get(pk=comment.pk).commenter == "张书记"
    # With the token of the page's own delete form it goes through.
    html = client.get(_screen(arranged_meeting, qingshi)).content.decode()
    form = html[html.index(f'action="{url}"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token
    response = client.post(url, {"csrfmiddlewaretoken": token.group(1)}, headers=ORIGIN)
    assert response.status_code == 302
    assert not Comment.objects.exists()


# Who may --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["qingshi_secretary", "liuxi_secretary", "county_viewer", "outsider"]
)
def test_only_the_hosts_managers_may_correct_or_delete_a_comment(
    arranged_meeting, comment, client_for, persona
):
    """The township secretary commented on, a sibling township, a read-only viewer and
    an account without roles: not found, and nothing changes."""
    client = client_for(persona)
    edit, delete = _edit_url(arranged_meeting, comment), _delete_url(arranged_meeting, comment)
    assert client.get(edit).status_code == 404
    assert client.post(edit, _edit_data(affirmations="改了")).status_code == 404
    assert client.post(delete).status_code == 404
    comment.refresh_from_db()
    assert comment.affirmations == "村集体经济增长明显"
    assert comment.problems.count() == 1


def test_the_hosts_staff_correct_and_delete_comments(arranged_meeting, comment, client_for):
    client = client_for("county_staff")
    assert client.get(_edit_url(arranged_meeting, comment)).status_code == 200
    client.post(_edit_url(arranged_meeting, comment), _edit_data(requirements="限期整改"))
    comment.refresh_from_db()
    assert comment.requirements == "限期整改"
    client.post(_delete_url(arranged_meeting, comment))
    assert not Comment.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(arranged_meeting, comment, pages):
    client = HttpsClient()
    for response in (
        client.get(_edit_url(arranged_meeting, comment)),
        client.post(_delete_url(arranged_meeting, comment)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_a_comment_of_another_session_is_not_found_through_this_meeting(
    arranged_meeting, host_client
):
    other = arranged_meeting.reporters().get(person__name="周立川")
    comment = comment_record(reporter=other, commenter="张书记", affirmations="成效明显")
    reporter_arrange(reporter=other, mode=Mode.WRITTEN, session=2, order=None)
    assert host_client.get(_edit_url(arranged_meeting, comment)).status_code == 404
    assert host_client.post(_delete_url(arranged_meeting, comment)).status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()
