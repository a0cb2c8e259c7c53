"""The meeting pages: scheduling, attendance, start and end, questions, the comments
screen, the presenter view, and who may open them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from debrief.cycles.models import Mode
from debrief.cycles.services import onsite_apply, order_draw, reporter_arrange
from debrief.meetings.models import Comment, Meeting, MeetingStatus, Question, Venue
from debrief.meetings.services import ProblemInput, comment_record, meeting_schedule, meeting_start
from debrief.rectification.models import Problem

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def in_english(client):
    """Ask for the English pages: for a test that matches the English text of a page
    (pages speak Chinese by default; see debrief/front/tests/test_translations.py)."""
    client.cookies["django_language"] = "en"
    return client


def _schedule_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "session": "1",
        "title": "",
        "date": "2026-01-15",
        "start_time": "09:00",
        "presider": "张书记",
        "presider_title": "县委书记",
        "guidance": "市委组织部",
        "speech_minutes": "8",
        "venue-TOTAL_FORMS": "3",
        "venue-INITIAL_FORMS": "1",
        "venue-MIN_NUM_FORMS": "0",
        "venue-MAX_NUM_FORMS": "30",
        "venue-0-name": "县委一号会议室",
        "venue-0-is_main": "on",
        "venue-0-expected": "80",
        "venue-1-name": "青石镇分会场",
        "venue-1-expected": "30",
        "venue-2-name": "",
        "venue-2-expected": "",
    }
    data.update(overrides)
    return data


def _comment_data(reporter_pk: int, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "reporter": str(reporter_pk),
        "commenter": "张书记",
        "commenter_role": "presider",
        "portfolio": "",
        "affirmations": "村集体经济增长明显",
        "requirements": "抓好问题整改",
        "problem-TOTAL_FORMS": "3",
        "problem-INITIAL_FORMS": "0",
        "problem-MIN_NUM_FORMS": "0",
        "problem-MAX_NUM_FORMS": "30",
        "problem-0-category": "team",
        "problem-0-severity": "major",
        "problem-0-description": "后备干部储备不足",
        "problem-1-category": "members",
        "problem-1-severity": "general",
        "problem-1-description": "党员教育形式单一",
        "problem-2-category": "",
        "problem-2-severity": "general",
        "problem-2-description": "",
    }
    data.update(overrides)
    return data


# Scheduling -------------------------------------------------------------------------


def test_the_schedule_page_offers_the_first_venue_row_as_the_main_venue(open_cycle, host_client):
    response = host_client.get(reverse("meetings:schedule", args=[open_cycle.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="meeting-save"' in html
    assert re.search(r'<input[^>]*name="venue-0-is_main"[^>]*checked', html)
    assert not re.search(r'<input[^>]*name="venue-1-is_main"[^>]*checked', html)
    assert re.search(r'name="speech_minutes" value="8"', html)


def test_scheduling_with_two_venues_creates_the_meeting_with_a_main_and_a_branch_venue(
    open_cycle, host_client
):
    response = host_client.post(
        reverse("meetings:schedule", args=[open_cycle.pk]), _schedule_data()
    )
    meeting = Meeting.objects.get(cycle=open_cycle, session=1)
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert [(v.name, v.is_main, v.expected) for v in meeting.venues.all()] == [
        ("县委一号会议室", True, 80),
        ("青石镇分会场", False, 30),
    ]
    assert meeting.is_video
    assert (meeting.presider, meeting.presider_title, meeting.start_time) == (
        "张书记",
        "县委书记",
        datetime.time(9, 0),
    )
    assert meeting.title.endswith("述职评议会")


def test_the_session_parameter_schedules_a_meeting_for_another_session(open_cycle, host_client):
    url = reverse("meetings:schedule", args=[open_cycle.pk]) + "?session=2"
    assert 'value="2"' in host_client.get(url).content.decode()
    host_client.post(url, _schedule_data(session="2"))
    assert list(open_cycle.meetings.values_list("session", flat=True)) == [2]


def test_editing_the_schedule_shows_the_saved_venues_and_keeps_the_attendance(
    arranged_meeting, host_client
):
    Venue.objects.filter(meeting=arranged_meeting, is_main=True).update(present=75)
    url = reverse("meetings:schedule", args=[arranged_meeting.cycle_id])
    html = host_client.get(url).content.decode()
    assert 'value="县委一号会议室"' in html and 'value="青石镇分会场"' in html
    # The cycle is at the meeting stage, and scheduling is still allowed until it starts.
    host_client.post(url, _schedule_data(speech_minutes="10"))
    arranged_meeting.refresh_from_db()
    assert arranged_meeting.speech_minutes == 10
    assert arranged_meeting.venues.get(is_main=True).present == 75


def test_two_main_venues_show_the_rule_and_save_nothing(open_cycle, host_client):
    in_english(host_client)
    response = host_client.post(
        reverse("meetings:schedule", args=[open_cycle.pk]),
        _schedule_data(**{"venue-1-is_main": "on"}),
    )
    assert response.status_code == 200
    assert "Exactly one venue must be the main venue." in _messages(response)
    assert not Meeting.objects.filter(cycle=open_cycle).exists()


def test_a_started_meeting_cannot_be_rescheduled_from_the_page(arranged_meeting, host_client):
    in_english(host_client)
    meeting_start(meeting=arranged_meeting)
    url = reverse("meetings:schedule", args=[arranged_meeting.cycle_id])
    assert 'data-testid="schedule-locked"' in host_client.get(url).content.decode()
    response = host_client.post(url, _schedule_data(presider="别人"))
    assert "A meeting that has started cannot be rescheduled." in _messages(response)
    arranged_meeting.refresh_from_db()
    assert arranged_meeting.presider == "张书记"


# The meeting page -------------------------------------------------------------------


def test_the_meeting_page_shows_the_facts_venues_agenda_and_documents(
    arranged_meeting, host_client
):
    html = host_client.get(reverse("meetings:detail", args=[arranged_meeting.pk])).content.decode()
    for text in ("张书记", "市委组织部", "县委一号会议室", "青石镇分会场", "林晓青", "周立川"):
        assert text in html
    onsite = html[html.index('data-testid="agenda-onsite"') :]
    assert onsite.index("林晓青") < onsite.index("</ol>")
    written = html[html.index('data-testid="agenda-written"') :]
    assert written.index("周立川") < written.index("</ul>")
    for testid in ("meeting-start", "agenda-docx", "reports-docx", "comments-docx"):
        assert f'data-testid="{testid}"' in html
    assert 'data-testid="expected-total">110<' in html


def test_attendance_at_a_venue_is_updated_from_the_meeting_page(arranged_meeting, host_client):
    venue = arranged_meeting.venues.get(name="青石镇分会场")
    response = host_client.post(
        reverse("meetings:attendance", args=[arranged_meeting.pk, venue.pk]),
        {"expected": "32", "present": "29"},
    )
    assert response.status_code == 302
    venue.refresh_from_db()
    assert (venue.expected, venue.present) == (32, 29)
    html = host_client.get(reverse("meetings:detail", args=[arranged_meeting.pk])).content.decode()
    assert 'data-testid="present-total">29<' in html


def test_negative_attendance_is_refused_and_changes_nothing(arranged_meeting, host_client):
    in_english(host_client)
    venue = arranged_meeting.venues.get(name="青石镇分会场")
    response = host_client.post(
        reverse("meetings:attendance", args=[arranged_meeting.pk, venue.pk]),
        {"expected": "30", "present": "-3"},
    )
    assert "Attendance is a whole number, zero or more." in _messages(response)
    venue.refresh_from_db()
    assert (venue.expected, venue.present) == (30, 0)


def test_the_meeting_starts_and_ends_from_its_page(arranged_meeting, host_client):
    in_english(host_client)
    start = host_client.post(reverse("meetings:start", args=[arranged_meeting.pk]))
    arranged_meeting.refresh_from_db()
    assert arranged_meeting.status == MeetingStatus.IN_PROGRESS
    assert "The meeting has started." in _messages(start)
    html = host_client.get(reverse("meetings:detail", args=[arranged_meeting.pk])).content.decode()
    assert 'data-testid="meeting-end"' in html and 'data-testid="meeting-start"' not in html
    host_client.post(reverse("meetings:end", args=[arranged_meeting.pk]))
    arranged_meeting.refresh_from_db()
    assert arranged_meeting.status == MeetingStatus.ENDED


def test_starting_before_the_meeting_stage_shows_the_error_and_changes_nothing(
    open_cycle, host_client
):
    in_english(host_client)
    meeting = meeting_schedule(cycle=open_cycle, date=datetime.date(2026, 1, 15), presider="张")
    response = host_client.post(reverse("meetings:start", args=[meeting.pk]), follow=True)
    assert "Move the cycle to the review-meeting stage before starting the meeting." in (
        response.content.decode()
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_ending_a_meeting_that_has_not_started_shows_the_error_and_changes_nothing(
    arranged_meeting, host_client
):
    in_english(host_client)
    response = host_client.post(reverse("meetings:end", args=[arranged_meeting.pk]))
    assert "The meeting is Planned." in _messages(response)
    arranged_meeting.refresh_from_db()
    assert arranged_meeting.status == MeetingStatus.PLANNED


def test_the_minutes_are_saved_from_the_meeting_page(arranged_meeting, host_client):
    host_client.post(
        reverse("meetings:minutes", args=[arranged_meeting.pk]), {"minutes": "  会议记录：略  "}
    )
    arranged_meeting.refresh_from_db()
    assert arranged_meeting.minutes == "会议记录：略"


# Questions --------------------------------------------------------------------------


def test_a_question_is_recorded_and_listed_under_its_reporter(arranged_meeting, host_client):
    meeting_start(meeting=arranged_meeting)
    reporter = arranged_meeting.reporters().get(person__name="林晓青")
    url = reverse("meetings:questions", args=[arranged_meeting.pk])
    response = host_client.post(
        url,
        {
            "reporter": reporter.pk,
            "asked_by": "党代表王某",
            "question": "集体经济收入如何持续增长？",
            "answer": "发展特色产业。",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(meeting=arranged_meeting)
    assert (question.reporter_id, question.asked_by) == (reporter.pk, "党代表王某")
    html = host_client.get(url).content.decode()
    listed = html[html.index('data-testid="question-list"') :]
    assert listed.index("林晓青") < listed.index("集体经济收入如何持续增长？")


def test_a_question_before_the_meeting_starts_shows_the_rule_and_records_nothing(
    arranged_meeting, host_client
):
    in_english(host_client)
    reporter = arranged_meeting.reporters().first()
    response = host_client.post(
        reverse("meetings:questions", args=[arranged_meeting.pk]),
        {"reporter": reporter.pk, "asked_by": "代表", "question": "问题？"},
    )
    assert "Questions are recorded once the meeting has started." in _messages(response)
    assert not Question.objects.exists()


def test_the_question_form_offers_only_this_meetings_reporters(arranged_meeting, host_client):
    meeting_start(meeting=arranged_meeting)
    other = arranged_meeting.reporters().get(person__name="周立川")
    reporter_arrange(reporter=other, mode=Mode.WRITTEN, session=2, order=None)
    url = reverse("meetings:questions", args=[arranged_meeting.pk])
    html = host_client.get(url).content.decode()
    select = html[html.index('name="reporter"') : html.index("</select>")]
    assert "林晓青" in select and "周立川" not in select
    response = host_client.post(url, {"reporter": other.pk, "asked_by": "代表", "question": "问"})
    assert response.status_code == 200
    assert not Question.objects.exists()


# Comments ---------------------------------------------------------------------------


def test_the_comments_screen_opens_on_the_first_reporter_with_the_presider_prefilled(
    arranged_meeting, host_client
):
    html = host_client.get(reverse("meetings:comments", args=[arranged_meeting.pk])).content
    html = html.decode()
    selected = html[html.index('data-testid="comment-selected"') :]
    assert selected.index("林晓青") < selected.index("</h2>")
    assert re.search(r'name="commenter" value="张书记"', html)
    assert re.search(r'<option value="presider" selected>', html)
    affirmations = re.search(r'<textarea[^>]*data-testid="comment-affirmations"[^>]*>', html)
    assert affirmations and " autofocus" in affirmations.group(0)
    for index in range(3):
        assert f'data-testid="problem-{index}-description"' in html
    assert 'data-testid="problem-3-description"' not in html


def test_the_comments_screen_records_a_comment_with_two_problems_and_moves_to_the_next(
    arranged_meeting, host_client
):
    qingshi = arranged_meeting.reporters().get(person__name="林晓青")
    liuxi = arranged_meeting.reporters().get(person__name="周立川")
    url = reverse("meetings:comments", args=[arranged_meeting.pk])
    response = host_client.post(f"{url}?reporter={qingshi.pk}", _comment_data(qingshi.pk))
    assert response.status_code == 302
    assert response["Location"] == f"{url}?reporter={liuxi.pk}"
    comment = Comment.objects.get(reporter=qingshi)
    assert comment.meeting_id == arranged_meeting.pk
    problems = Problem.objects.filter(comment=comment).order_by("pk")
    assert [(p.category, p.severity, p.description) for p in problems] == [
        ("team", "major", "后备干部储备不足"),
        ("members", "general", "党员教育形式单一"),
    ]
    # The list marks 青石镇 as commented; its comment is listed on its own screen.
    html = host_client.get(response["Location"]).content.decode()
    assert re.search(rf'<a [^>]*class="[^"]*\bdone\b[^"]*"[^>]*data-reporter="{qingshi.pk}"', html)
    html = host_client.get(f"{url}?reporter={qingshi.pk}").content.decode()
    assert html.count('data-testid="existing-problem"') == 2


def test_after_the_last_reporter_the_screen_returns_to_one_still_without_a_comment(
    arranged_meeting, host_client
):
    qingshi = arranged_meeting.reporters().get(person__name="林晓青")
    liuxi = arranged_meeting.reporters().get(person__name="周立川")
    url = reverse("meetings:comments", args=[arranged_meeting.pk])
    response = host_client.post(f"{url}?reporter={liuxi.pk}", _comment_data(liuxi.pk))
    assert response["Location"] == f"{url}?reporter={qingshi.pk}"


def test_a_problem_without_a_category_is_refused_and_nothing_is_recorded(
    arranged_meeting, host_client
):
    in_english(host_client)
    qingshi = arranged_meeting.reporters().get(person__name="林晓青")
    response = host_client.post(
        reverse("meetings:comments", args=[arranged_meeting.pk]),
        _comment_data(qingshi.pk, **{"problem-1-category": ""}),
    )
    assert response.status_code == 200
    assert "Choose the category of this problem." in response.content.decode()
    assert not Comment.objects.exists() and not Problem.objects.exists()


def test_comments_before_the_meeting_stage_show_the_error_and_record_nothing(
    open_cycle, host_client
):
    in_english(host_client)
    meeting = meeting_schedule(cycle=open_cycle, date=datetime.date(2026, 1, 15), presider="张")
    reporter = open_cycle.reporters.first()
    response = host_client.post(
        reverse("meetings:comments", args=[meeting.pk]), _comment_data(reporter.pk)
    )
    assert response.status_code == 200
    assert any(
        m.startswith("Comments are recorded during the review meeting stage")
        for m in _messages(response)
    )
    assert not Comment.objects.exists() and not Problem.objects.exists()


def test_a_reporter_of_another_session_is_not_found_on_the_comments_screen(
    arranged_meeting, host_client
):
    other = arranged_meeting.reporters().get(person__name="周立川")
    reporter_arrange(reporter=other, mode=Mode.WRITTEN, session=2, order=None)
    url = reverse("meetings:comments", args=[arranged_meeting.pk])
    assert host_client.get(f"{url}?reporter={other.pk}").status_code == 404
    assert host_client.post(url, _comment_data(other.pk)).status_code == 404
    assert not Comment.objects.exists()


def test_existing_comments_are_listed_with_their_problems(arranged_meeting, host_client):
    qingshi = arranged_meeting.reporters().get(person__name="林晓青")
    comment_record(
        reporter=qingshi,
        commenter="李部长",
        commenter_role="leader",
        portfolio="组织工作",
        affirmations="成效明显",
        problems=[ProblemInput("team", "班子结构需优化")],
    )
    url = reverse("meetings:comments", args=[arranged_meeting.pk])
    html = host_client.get(f"{url}?reporter={qingshi.pk}").content.decode()
    card = html[html.index('data-testid="existing-comment"') :]
    assert "李部长" in card and "组织工作" in card and "班子结构需优化" in card


# Presenter view ---------------------------------------------------------------------


@pytest.fixture
def two_speakers(open_cycle):
    onsite_apply(
        cycle=open_cycle, reporter_ids=list(open_cycle.reporters.values_list("pk", flat=True))
    )
    draw = order_draw(cycle=open_cycle, session=1, seed="s")
    meeting = meeting_schedule(
        cycle=open_cycle, date=datetime.date(2026, 1, 15), presider="张书记", speech_minutes=9
    )
    names = [open_cycle.reporters.get(pk=row["reporter"]).person.name for row in draw.result]
    return meeting, names


def test_the_presenter_view_shows_the_current_speaker_the_next_and_the_countdown(
    two_speakers, host_client
):
    meeting, (first, second) = two_speakers
    url = reverse("meetings:present", args=[meeting.pk])
    html = host_client.get(url).content.decode()
    current = html[html.index('data-testid="current-reporter"') :]
    assert current.index(first) < current.index("</section>")
    assert ">1 / 2<" in html
    following = html[html.index('data-testid="next-reporter"') :]
    assert following.index(second) < following.index("</footer>")
    assert 'data-seconds="540"' in html and ">09:00<" in html
    assert f'data-next-url="{url}?i=1"' in html and 'data-previous-url=""' in html
    assert "meetings/presenter.js" in html


def test_the_presenter_view_keeps_its_place_from_the_url_and_stops_at_the_last_speaker(
    two_speakers, host_client
):
    meeting, (_first, second) = two_speakers
    url = reverse("meetings:present", args=[meeting.pk])
    html = host_client.get(f"{url}?i=1").content.decode()
    current = html[html.index('data-testid="current-reporter"') :]
    assert current.index(second) < current.index("</section>")
    assert ">2 / 2<" in html and f'data-previous-url="{url}?i=0"' in html
    assert 'data-next-url=""' in html
    assert ">2 / 2<" in host_client.get(f"{url}?i=99").content.decode()
    assert ">1 / 2<" in host_client.get(f"{url}?i=nonsense").content.decode()


# Security ---------------------------------------------------------------------------


def _pages(meeting: Meeting) -> list[str]:
    pk = meeting.pk
    return [
        reverse("meetings:schedule", args=[meeting.cycle_id]),
        reverse("meetings:detail", args=[pk]),
        reverse("meetings:present", args=[pk]),
        reverse("meetings:questions", args=[pk]),
        reverse("meetings:comments", args=[pk]),
        reverse("meetings:agenda_docx", args=[pk]),
        reverse("meetings:reports_docx", args=[pk]),
        reverse("meetings:comments_docx", args=[pk]),
    ]


def _actions(meeting: Meeting) -> list[tuple[str, dict[str, object]]]:
    pk = meeting.pk
    venue = meeting.venues.first()
    reporter = meeting.reporters().first()
    assert venue is not None and reporter is not None
    return [
        (reverse("meetings:schedule", args=[meeting.cycle_id]), _schedule_data(presider="别人")),
        (reverse("meetings:start", args=[pk]), {}),
        (reverse("meetings:end", args=[pk]), {}),
        (reverse("meetings:minutes", args=[pk]), {"minutes": "改动"}),
        (reverse("meetings:attendance", args=[pk, venue.pk]), {"expected": 1, "present": 1}),
        (
            reverse("meetings:questions", args=[pk]),
            {"reporter": reporter.pk, "asked_by": "x", "question": "y"},
        ),
        (reverse("meetings:comments", args=[pk]), _comment_data(reporter.pk)),
    ]


@pytest.mark.parametrize(
    "persona", ["qingshi_secretary", "liuxi_secretary", "county_viewer", "outsider"]
)
def test_only_the_hosts_managers_find_the_meeting_pages_and_documents(
    arranged_meeting, client_for, persona
):
    """The township secretaries (one of them on the roster) and the sibling township,
    a read-only viewer and an account without roles: every page and document is 404,
    and no action changes anything."""
    client = client_for(persona)
    for url in _pages(arranged_meeting):
        assert client.get(url).status_code == 404, url
    for url, data in _actions(arranged_meeting):
        assert client.post(url, data).status_code == 404, url
    arranged_meeting.refresh_from_db()
    assert arranged_meeting.status == MeetingStatus.PLANNED
    assert arranged_meeting.presider == "张书记" and arranged_meeting.minutes == ""
    assert not arranged_meeting.venues.filter(present__gt=0).exists()
    assert not Question.objects.exists() and not Comment.objects.exists()


def test_the_hosts_staff_open_every_meeting_page_and_document(arranged_meeting, client_for):
    client = client_for("county_staff")
    for url in _pages(arranged_meeting):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_log_in(arranged_meeting, pages):
    from debrief.meetings.tests.conftest import HttpsClient

    client = HttpsClient()
    for url in _pages(arranged_meeting):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_a_missing_meeting_is_not_found(host_client):
    assert host_client.get(reverse("meetings:detail", args=[999999])).status_code == 404


def test_the_pages_carry_no_inline_script_or_style(arranged_meeting, host_client):
    """The Content-Security-Policy forbids inline scripts and style attributes."""
    for url in _pages(arranged_meeting)[:5]:
        html = host_client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url
