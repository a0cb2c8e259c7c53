import datetime

import pytest

from debrief.cycles.models import Mode
from debrief.cycles.services import onsite_apply, order_draw
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.meetings.models import MeetingStatus
from debrief.meetings.services import (
    ProblemInput,
    VenueInput,
    agenda,
    comment_record,
    meeting_end,
    meeting_schedule,
    meeting_start,
    question_record,
)
from debrief.rectification.models import Problem, ProblemStatus, Source

pytestmark = pytest.mark.django_db


def test_a_meeting_needs_exactly_one_main_venue(open_cycle):
    with pytest.raises(DomainError, match="main venue"):
        meeting_schedule(
            cycle=open_cycle,
            date=datetime.date(2026, 1, 15),
            presider="县委书记",
            venues=[VenueInput("一号会议室"), VenueInput("青石镇分会场")],
        )


def test_branch_venues_make_it_a_video_conference(open_cycle):
    meeting = meeting_schedule(
        cycle=open_cycle,
        date=datetime.date(2026, 1, 15),
        presider="县委书记",
        venues=[
            VenueInput("县委一号会议室", is_main=True, expected=80),
            VenueInput("青石镇分会场", expected=30),
        ],
    )
    assert meeting.is_video
    assert [v.name for v in meeting.venues.all()] == ["县委一号会议室", "青石镇分会场"]


def test_the_agenda_lists_speakers_in_drawn_order_then_written_reporters(open_cycle):
    meeting = meeting_schedule(
        cycle=open_cycle, date=datetime.date(2026, 1, 15), presider="县委书记"
    )
    ids = list(open_cycle.reporters.order_by("pk").values_list("pk", flat=True))
    onsite_apply(cycle=open_cycle, reporter_ids=ids[:1])
    items = agenda(meeting)
    assert [len(i.reporters) for i in items[:2]] == [1, 1]
    assert items[0].reporters[0].mode == Mode.ONSITE and items[0].minutes == 8
    assert [i.number for i in items] == [1, 2, 3, 4, 5]
    onsite_apply(cycle=open_cycle, reporter_ids=ids)
    draw = order_draw(cycle=open_cycle, session=1, seed="s")
    assert [r.pk for r in agenda(meeting)[0].reporters] == [row["reporter"] for row in draw.result]


def test_a_comment_with_two_problems_creates_two_tracked_problems(meeting_cycle):
    reporter = meeting_cycle.reporters.get(organization__code="T001")
    comment = comment_record(
        reporter=reporter,
        commenter="县委书记",
        affirmations="村集体经济增长明显",
        requirements="抓好整改",
        problems=[
            ProblemInput("team", "后备干部储备不足", "major"),
            ProblemInput("members", "党员教育形式单一"),
            ProblemInput("other", "   "),
        ],
    )
    problems = Problem.objects.filter(comment=comment).order_by("pk")
    assert [p.description for p in problems] == ["后备干部储备不足", "党员教育形式单一"]
    assert all(
        p.organization_id == reporter.organization_id
        and p.cycle_id == meeting_cycle.pk
        and p.source == Source.COMMENT
        and p.status == ProblemStatus.OPEN
        for p in problems
    )
    assert problems[0].severity == "major"


def test_an_empty_comment_is_refused(meeting_cycle):
    with pytest.raises(DomainError):
        comment_record(reporter=meeting_cycle.reporters.first(), commenter="县委书记")


def test_comments_wait_for_the_meeting_stage(open_cycle):
    with pytest.raises(IllegalTransition):
        comment_record(
            reporter=open_cycle.reporters.first(), commenter="县委书记", affirmations="好"
        )


def test_a_meeting_starts_and_ends_once(meeting_cycle):
    meeting = meeting_cycle.meetings.get()
    with pytest.raises(IllegalTransition):
        question_record(
            meeting=meeting,
            reporter=meeting_cycle.reporters.first(),
            asked_by="代表",
            question="问",
        )
    meeting_start(meeting=meeting)
    question = question_record(
        meeting=meeting,
        reporter=meeting_cycle.reporters.first(),
        asked_by="党代表",
        question="集体经济收入如何增长？",
    )
    assert question.pk
    meeting_end(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.ENDED
    with pytest.raises(IllegalTransition):
        meeting_start(meeting=meeting)
    with pytest.raises(IllegalTransition):
        meeting_schedule(cycle=meeting_cycle, date=datetime.date(2026, 1, 16), presider="x")
