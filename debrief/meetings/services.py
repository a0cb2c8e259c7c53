"""Scheduling and running the review meeting, and recording comments."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from debrief.audit.services import audit_record
from debrief.cycles.models import Cycle, CycleStatus, Mode, Reporter
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.meetings.models import Comment, CommenterRole, Meeting, MeetingStatus, Question, Venue
from debrief.rectification.models import KeyTask, Problem, ProblemStatus, Source
from debrief.rectification.services import problem_create, rectification_begun

SCHEDULING_STATUSES = (CycleStatus.DRAFT, CycleStatus.REPORTS_OPEN, CycleStatus.MEETING)
COMMENTING_STATUSES = (CycleStatus.MEETING, CycleStatus.ASSESSMENT)


@dataclass
class VenueInput:
    name: str
    is_main: bool = False
    expected: int = 0
    present: int = 0


def meeting_schedule(
    *,
    cycle: Cycle,
    date: datetime.date,
    presider: str,
    session: int = 1,
    title: str = "",
    start_time: datetime.time | None = None,
    presider_title: str = "",
    guidance: str = "",
    speech_minutes: int = 8,
    is_video: bool = False,
    venues: list[VenueInput] | None = None,
    actor: Any = None,
) -> Meeting:
    """Create the meeting of one session, or update it while it has not started."""
    if not presider.strip():
        raise DomainError(_("Name the presider."))
    if not 1 <= speech_minutes <= 60:
        raise DomainError(_("A speech lasts between 1 and 60 minutes."))
    venues = venues or []
    if venues and sum(1 for v in venues if v.is_main) != 1:
        raise DomainError(_("Exactly one venue must be the main venue."))
    if len({v.name.strip() for v in venues}) != len(venues) or any(
        not v.name.strip() for v in venues
    ):
        raise DomainError(_("Every venue needs a name of its own."))
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status not in SCHEDULING_STATUSES:
            raise IllegalTransition(_("The meeting can no longer be scheduled in this cycle."))
        meeting = Meeting.objects.filter(cycle=cycle, session=session).first()
        if meeting is not None and meeting.status != MeetingStatus.PLANNED:
            raise IllegalTransition(_("A meeting that has started cannot be rescheduled."))
        values = {
            # Titles are document text, in the form the office uses.
            "title": title.strip()
            or f"{cycle.host.display_name}{cycle.year}年度抓基层党建工作述职评议会",
            "date": date,
            "start_time": start_time,
            "presider": presider.strip(),
            "presider_title": presider_title.strip(),
            "guidance": guidance.strip(),
            "speech_minutes": speech_minutes,
            "is_video": is_video or len(venues) > 1,
        }
        if meeting is None:
            meeting = Meeting.objects.create(cycle=cycle, session=session, **values)
        else:
            for key, value in values.items():
                setattr(meeting, key, value)
            meeting.save()
        if venues:
            meeting.venues.all().delete()
            Venue.objects.bulk_create(
                Venue(
                    meeting=meeting,
                    name=v.name.strip(),
                    is_main=v.is_main,
                    expected=v.expected,
                    present=v.present,
                )
                for v in venues
            )
        audit_record(
            action="meeting.schedule",
            actor=actor,
            target=meeting.title,
            organization=cycle.host,
            detail={"date": date.isoformat(), "session": session},
        )
    return meeting


def venue_attendance(*, venue: Venue, expected: int, present: int, actor: Any = None) -> Venue:
    if expected < 0 or present < 0:
        raise DomainError(_("Attendance cannot be negative."))
    venue.expected, venue.present = expected, present
    venue.save(update_fields=["expected", "present"])
    return venue


def meeting_minutes_save(*, meeting: Meeting, minutes: str, actor: Any = None) -> Meeting:
    """Record the minutes of the meeting (text), until the cycle is closed."""
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update().select_related("cycle__host").get(pk=meeting.pk)
        )
        if locked.cycle.status == CycleStatus.CLOSED:
            raise IllegalTransition(_("The cycle is closed; the minutes can no longer change."))
        locked.minutes = minutes.strip()
        locked.save(update_fields=["minutes"])
        audit_record(
            action="meeting.minutes",
            actor=actor,
            target=locked.title,
            organization=locked.cycle.host,
        )
    meeting.minutes = locked.minutes
    return locked


def _set_meeting_status(meeting: Meeting, *, frm: str, to: str, actor: Any) -> Meeting:
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update().select_related("cycle__host").get(pk=meeting.pk)
        )
        if locked.status != frm:
            raise IllegalTransition(
                _("The meeting is %(status)s.") % {"status": locked.get_status_display()}
            )
        if locked.cycle.status != CycleStatus.MEETING:
            raise IllegalTransition(
                _("Move the cycle to the review-meeting stage before starting the meeting.")
            )
        locked.status = to
        locked.save(update_fields=["status"])
        audit_record(
            action=f"meeting.{to}", actor=actor, target=locked.title, organization=locked.cycle.host
        )
    meeting.status = to
    return locked


def meeting_start(*, meeting: Meeting, actor: Any = None) -> Meeting:
    return _set_meeting_status(
        meeting, frm=MeetingStatus.PLANNED, to=MeetingStatus.IN_PROGRESS, actor=actor
    )


def meeting_end(*, meeting: Meeting, actor: Any = None) -> Meeting:
    return _set_meeting_status(
        meeting, frm=MeetingStatus.IN_PROGRESS, to=MeetingStatus.ENDED, actor=actor
    )


def question_record(
    *, meeting: Meeting, reporter: Reporter, asked_by: str, question: str, answer: str = ""
) -> Question:
    if reporter.cycle_id != meeting.cycle_id or reporter.session != meeting.session:
        raise DomainError(_("This reporter does not speak at this meeting."))
    if not question.strip() or not asked_by.strip():
        raise DomainError(_("Record who asked and what was asked."))
    if meeting.status == MeetingStatus.PLANNED:
        raise IllegalTransition(_("Questions are recorded once the meeting has started."))
    return Question.objects.create(
        meeting=meeting,
        reporter=reporter,
        asked_by=asked_by.strip(),
        question=question.strip(),
        answer=answer.strip(),
    )


@dataclass
class ProblemInput:
    category: str
    description: str
    severity: str = "general"


def comment_record(
    *,
    reporter: Reporter,
    commenter: str,
    affirmations: str = "",
    requirements: str = "",
    problems: list[ProblemInput] | None = None,
    commenter_role: str = CommenterRole.PRESIDER,
    portfolio: str = "",
    meeting: Meeting | None = None,
    actor: Any = None,
) -> Comment:
    """Record one comment on `reporter`; each problem becomes a tracked Problem."""
    problems = [p for p in (problems or []) if p.description.strip()]
    if not commenter.strip():
        raise DomainError(_("Name who made the comment."))
    if commenter_role not in CommenterRole.values:
        raise DomainError(_("Unknown commenter role."))
    if not (affirmations.strip() or requirements.strip() or problems):
        raise DomainError(_("The comment is empty."))
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=reporter.cycle_id)
        _require_commenting(cycle)
        if meeting is None:
            meeting = Meeting.objects.filter(cycle=cycle, session=reporter.session).first()
        comment = Comment.objects.create(
            reporter=reporter,
            meeting=meeting,
            commenter=commenter.strip(),
            commenter_role=commenter_role,
            portfolio=portfolio.strip(),
            affirmations=affirmations.strip(),
            requirements=requirements.strip(),
            created_by=actor,
        )
        for item in problems:
            problem_create(
                organization=reporter.organization,
                category=item.category,
                severity=item.severity,
                description=item.description,
                source=Source.COMMENT,
                cycle=cycle,
                reporter=reporter,
                comment=comment,
                actor=actor,
            )
        audit_record(
            action="comment.record",
            actor=actor,
            target=str(reporter),
            organization=reporter.organization,
            detail={"problems": len(problems)},
        )
    return comment


# What a correction may change; the reporter and the meeting stay as recorded.
COMMENT_FIELDS = ("commenter", "commenter_role", "portfolio", "affirmations", "requirements")


def _require_commenting(cycle: Cycle) -> None:
    if cycle.status not in COMMENTING_STATUSES:
        raise IllegalTransition(
            _("Comments are recorded during the review meeting stage (cycle status: %(s)s).")
            % {"s": cycle.get_status_display()}
        )


def _lock_comment(comment: Comment) -> tuple[Cycle, Comment]:
    """Lock the comment's cycle (as recording does), then the comment, and check that
    comments may still change."""
    cycle_id = Reporter.objects.filter(pk=comment.reporter_id).values_list("cycle_id", flat=True)
    cycle = Cycle.objects.select_for_update().filter(pk__in=cycle_id).first()
    if cycle is None:
        raise DomainError(_("This comment has been deleted."))
    _require_commenting(cycle)
    locked = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("reporter__organization", "reporter__person")
        .filter(pk=comment.pk)
        .first()
    )
    if locked is None:
        raise DomainError(_("This comment has been deleted."))
    return cycle, locked


def comment_update(
    *,
    comment: Comment,
    commenter: str,
    commenter_role: str,
    portfolio: str,
    affirmations: str,
    requirements: str,
    problems: list[ProblemInput] | None = None,
    actor: Any = None,
) -> Comment:
    """Correct a recorded comment: its commenter, role, portfolio and texts, which are
    all given (an omitted text would otherwise be wiped). `problems` are further
    problems pointed out, each a new tracked Problem; the problems already recorded
    are left to rectification. Allowed in the same stages as recording. Locks the
    cycle, then the comment; audited with the names of the fields that changed."""
    problems = [p for p in (problems or []) if p.description.strip()]
    if not commenter.strip():
        raise DomainError(_("Name who made the comment."))
    if commenter_role not in CommenterRole.values:
        raise DomainError(_("Unknown commenter role."))
    values = {
        "commenter": commenter.strip(),
        "commenter_role": commenter_role,
        "portfolio": portfolio.strip(),
        "affirmations": affirmations.strip(),
        "requirements": requirements.strip(),
    }
    with transaction.atomic():
        cycle, locked = _lock_comment(comment)
        if not (
            values["affirmations"] or values["requirements"] or problems or locked.problems.exists()
        ):
            raise DomainError(_("The comment is empty."))
        changed = [key for key in COMMENT_FIELDS if getattr(locked, key) != values[key]]
        if not changed and not problems:
            return locked
        for key in changed:
            setattr(locked, key, values[key])
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
        reporter = locked.reporter
        for item in problems:
            problem_create(
                organization=reporter.organization,
                category=item.category,
                severity=item.severity,
                description=item.description,
                source=Source.COMMENT,
                cycle=cycle,
                reporter=reporter,
                comment=locked,
                actor=actor,
            )
        audit_record(
            action="comment.update",
            actor=actor,
            target=str(reporter),
            organization=reporter.organization,
            detail={"comment": locked.pk, "changed": changed, "problems_added": len(problems)},
        )
    for key in changed:
        setattr(comment, key, values[key])
    return locked


def _why_rectification_begun(problem: Problem) -> str:
    if problem.status != ProblemStatus.OPEN:
        return _("it is %(status)s") % {"status": problem.get_status_display()}
    if KeyTask.objects.filter(source_problem=problem).exists():
        return _("it is carried over as a key task")
    if problem.plan_id is not None:
        return _("it is in a rectification plan")
    if problem.events.exists() or problem.progress:
        return _("progress is recorded")
    return _("its measures or the people responsible are set")


def comment_delete(*, comment: Comment, actor: Any = None) -> int:
    """Delete a comment recorded by mistake, with the problems it pointed out, while
    the cycle is in the commenting stages and rectification has begun on none of
    those problems (see debrief.rectification.services.rectification_begun): once it
    has, the problem belongs to the reporter's rectification and the comment stays.
    Locks the cycle, the comment and its problems; returns how many problems went."""
    with transaction.atomic():
        _cycle, locked = _lock_comment(comment)
        problems = list(Problem.objects.select_for_update().filter(comment=locked).order_by("pk"))
        begun = rectification_begun(Problem.objects.filter(pk__in=[p.pk for p in problems]))
        first = begun.order_by("pk").first()
        if first is not None:
            raise IllegalTransition(
                _(
                    "The problem “%(problem)s” has entered rectification (%(why)s); "
                    "the comment can no longer be deleted."
                )
                % {"problem": first.description[:60], "why": _why_rectification_begun(first)}
            )
        reporter = locked.reporter
        audit_record(
            action="comment.delete",
            actor=actor,
            target=str(reporter),
            organization=reporter.organization,
            detail={
                "comment": locked.pk,
                "commenter": locked.commenter,
                "problems": len(problems),
                "problem_ids": [p.pk for p in problems],
            },
        )
        Problem.objects.filter(pk__in=[p.pk for p in problems]).delete()
        locked.delete()
    return len(problems)


def comment_problems(comment: Comment) -> list[Problem]:
    return list(comment.problems.order_by("pk"))


class AgendaKey:
    """What an agenda item is, independent of its (translated) title."""

    ONSITE = "onsite"
    WRITTEN = "written"
    COMMENTS = "comments"
    EVALUATION = "evaluation"
    CONCLUSION = "conclusion"


@dataclass
class AgendaItem:
    number: int
    title: str
    reporters: list[Reporter]
    minutes: int | None = None
    key: str = ""


def agenda(meeting: Meeting) -> list[AgendaItem]:
    """The meeting's agenda, built from the roster: on-site reporters in speaking order,
    written reporters listed."""
    reporters = list(meeting.reporters().select_related("person", "organization"))
    onsite = sorted(
        (r for r in reporters if r.mode == Mode.ONSITE),
        key=lambda r: (r.order is None, r.order or 0, r.organization.path),
    )
    written = sorted(
        (r for r in reporters if r.mode == Mode.WRITTEN), key=lambda r: r.organization.path
    )
    items = [
        AgendaItem(
            0, _("On-site debriefing"), onsite, meeting.speech_minutes, key=AgendaKey.ONSITE
        ),
        AgendaItem(
            0, _("Written debriefing (reports distributed)"), written, key=AgendaKey.WRITTEN
        ),
        AgendaItem(0, _("Comments on each reporter"), [], key=AgendaKey.COMMENTS),
        AgendaItem(0, _("Democratic evaluation"), [], key=AgendaKey.EVALUATION),
        AgendaItem(0, _("Concluding speech by the presider"), [], key=AgendaKey.CONCLUSION),
    ]
    numbered = [item for item in items if item.reporters or item.minutes is None]
    for number, item in enumerate(numbered, start=1):
        item.number = number
    return numbered


def speaking_order(meeting: Meeting) -> list[Reporter]:
    """Every reporter of the meeting in agenda order: on-site speakers in speaking order,
    then the written reporters."""
    return [reporter for item in agenda(meeting) for reporter in item.reporters]


def onsite_speakers(meeting: Meeting) -> list[Reporter]:
    """The on-site speakers in speaking order (the presenter view steps through these)."""
    for item in agenda(meeting):
        if item.key == AgendaKey.ONSITE:
            return item.reporters
    return []
