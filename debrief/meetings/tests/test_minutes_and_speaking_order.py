"""The services added for the meeting pages: the minutes, and the reporters in agenda
order (the comments screen, the presenter view and the documents walk through them)."""

import datetime

import pytest

from debrief.audit.models import AuditRecord
from debrief.cycles.models import CycleStatus
from debrief.cycles.services import onsite_apply, order_draw
from debrief.lib.errors import IllegalTransition
from debrief.meetings.services import (
    AgendaKey,
    agenda,
    meeting_minutes_save,
    meeting_schedule,
    onsite_speakers,
    speaking_order,
)

pytestmark = pytest.mark.django_db


def test_the_minutes_are_saved_trimmed_and_audited(meeting_cycle):
    meeting = meeting_cycle.meetings.get()
    meeting_minutes_save(meeting=meeting, minutes="  会议听取了述职。  ")
    meeting.refresh_from_db()
    assert meeting.minutes == "会议听取了述职。"
    assert AuditRecord.objects.filter(action="meeting.minutes").count() == 1


def test_the_minutes_of_a_closed_cycle_cannot_change(meeting_cycle):
    meeting = meeting_cycle.meetings.get()
    # The workflow to "closed" passes through graded, published results; this test is
    # about the minutes of a closed cycle only.
    type(meeting_cycle).objects.filter(pk=meeting_cycle.pk).update(status=CycleStatus.CLOSED)
    with pytest.raises(IllegalTransition):
        meeting_minutes_save(meeting=meeting, minutes="改写")
    meeting.refresh_from_db()
    assert meeting.minutes == ""


def test_speaking_order_puts_the_drawn_speakers_first_then_the_written_reporters(open_cycle):
    reporters = list(open_cycle.reporters.order_by("organization__path"))
    onsite_apply(cycle=open_cycle, reporter_ids=[reporters[1].pk])
    order_draw(cycle=open_cycle, session=1, seed="s")
    meeting = meeting_schedule(
        cycle=open_cycle, date=datetime.date(2026, 1, 15), presider="县委书记"
    )
    assert [r.pk for r in speaking_order(meeting)] == [reporters[1].pk, reporters[0].pk]
    assert [r.pk for r in onsite_speakers(meeting)] == [reporters[1].pk]
    assert [item.key for item in agenda(meeting)] == [
        AgendaKey.ONSITE,
        AgendaKey.WRITTEN,
        AgendaKey.COMMENTS,
        AgendaKey.EVALUATION,
        AgendaKey.CONCLUSION,
    ]


def test_a_session_without_on_site_speakers_has_nobody_to_present(meeting_cycle):
    meeting = meeting_cycle.meetings.get()
    assert onsite_speakers(meeting) == []
    assert len(speaking_order(meeting)) == meeting_cycle.reporters.count() == 2
