"""The review meeting pages (述职评议会): scheduling, the meeting itself, the presenter
view for the projector, questions, the comments screen and the .docx documents.

Every page is for the host committee's administrators and staff: the meeting is reached
through its cycle with `get_cycle_for_user(..., manage=True)`, so anyone else gets 404.
Changes go through debrief.meetings.services; a broken rule comes back as a DomainError
and is shown as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from debrief.cycles.access import get_cycle_for_user
from debrief.cycles.models import Reporter
from debrief.lib.actions import perform
from debrief.lib.docx import docx_response
from debrief.lib.errors import DomainError
from debrief.meetings import documents
from debrief.meetings.forms import (
    PROBLEM_PREFIX,
    VENUE_PREFIX,
    AttendanceForm,
    CommentForm,
    MinutesForm,
    MoreProblemsFormSet,
    ProblemFormSet,
    QuestionForm,
    ScheduleForm,
    VenueFormSet,
)
from debrief.meetings.models import Comment, CommenterRole, Meeting, MeetingStatus
from debrief.meetings.services import (
    COMMENT_FIELDS,
    COMMENTING_STATUSES,
    SCHEDULING_STATUSES,
    ProblemInput,
    VenueInput,
    agenda,
    comment_delete,
    comment_record,
    comment_update,
    meeting_end,
    meeting_minutes_save,
    meeting_schedule,
    meeting_start,
    onsite_speakers,
    question_record,
    speaking_order,
    venue_attendance,
)
from debrief.rectification.models import Problem
from debrief.rectification.services import rectification_begun

FORM_METHODS = ["GET", "HEAD", "POST"]


def _meeting_for(request: HttpRequest, pk: int) -> Meeting:
    """The meeting `pk` if the user manages its cycle; 404 otherwise."""
    cycle_id = Meeting.objects.filter(pk=pk).values_list("cycle_id", flat=True).first()
    if cycle_id is None:
        raise Http404
    cycle = get_cycle_for_user(request, cycle_id, manage=True)
    meeting = get_object_or_404(Meeting, pk=pk, cycle=cycle)
    meeting.cycle = cycle
    return meeting


def _positive_int(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number >= 0 else default


# Scheduling -------------------------------------------------------------------------


@login_required
@require_http_methods(FORM_METHODS)
def schedule(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    """Create or edit the meeting of one session (?session=2; session 1 by default)."""
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    session = max(1, _positive_int(request.POST.get("session") or request.GET.get("session"), 1))
    meeting = cycle.meetings.filter(session=session).first()
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        venue_forms = VenueFormSet(request.POST, prefix=VENUE_PREFIX)
        if form.is_valid() and venue_forms.is_valid():
            data = form.cleaned_data
            # Rescheduling replaces the venues; the attendance counted so far is kept.
            present = {v.name: v.present for v in meeting.venues.all()} if meeting else {}
            venues = [
                VenueInput(
                    name=row["name"].strip(),
                    is_main=row["is_main"],
                    expected=row.get("expected") or 0,
                    present=present.get(row["name"].strip(), 0),
                )
                for row in venue_forms.cleaned_data
                if row and (row.get("name") or "").strip()
            ]
            try:
                meeting = meeting_schedule(
                    cycle=cycle,
                    session=data["session"],
                    title=data["title"],
                    date=data["date"],
                    start_time=data["start_time"],
                    presider=data["presider"],
                    presider_title=data["presider_title"],
                    guidance=data["guidance"],
                    speech_minutes=data["speech_minutes"],
                    venues=venues,
                    actor=request.user,
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The meeting is scheduled."))
                return redirect("meetings:detail", meeting.pk)
    elif meeting is not None:
        form = ScheduleForm(
            initial={
                "session": session,
                "title": meeting.title,
                "date": meeting.date,
                "start_time": meeting.start_time,
                "presider": meeting.presider,
                "presider_title": meeting.presider_title,
                "guidance": meeting.guidance,
                "speech_minutes": meeting.speech_minutes,
            }
        )
        venue_forms = VenueFormSet(
            prefix=VENUE_PREFIX,
            initial=[
                {"name": v.name, "is_main": v.is_main, "expected": v.expected}
                for v in meeting.venues.all()
            ]
            or [{"is_main": True}],
        )
    else:
        form = ScheduleForm(initial={"session": session, "speech_minutes": 8})
        venue_forms = VenueFormSet(prefix=VENUE_PREFIX, initial=[{"is_main": True}])
    locked_reason = ""
    if cycle.status not in SCHEDULING_STATUSES:
        locked_reason = _("The meeting can no longer be scheduled in this cycle.")
    elif meeting is not None and meeting.status != MeetingStatus.PLANNED:
        locked_reason = _("A meeting that has started cannot be rescheduled.")
    return render(
        request,
        "meetings/schedule.html",
        {
            "cycle": cycle,
            "meeting": meeting,
            "session": session,
            "form": form,
            "venue_forms": venue_forms,
            "locked_reason": locked_reason,
        },
    )


# The meeting ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    venues = list(meeting.venues.all())
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "cycle": meeting.cycle,
            "venues": venues,
            "expected_total": sum(v.expected for v in venues),
            "present_total": sum(v.present for v in venues),
            "agenda": agenda(meeting),
            "minutes_form": MinutesForm(initial={"minutes": meeting.minutes}),
            "question_count": meeting.questions.count(),
            "comment_count": meeting.comments.count(),
            "can_schedule": meeting.status == MeetingStatus.PLANNED
            and meeting.cycle.status in SCHEDULING_STATUSES,
        },
    )


@login_required
@require_POST
def attendance(request: HttpRequest, pk: int, venue_pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    venue = get_object_or_404(meeting.venues, pk=venue_pk)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Attendance is a whole number, zero or more."))
    else:
        perform(
            request,
            lambda: venue_attendance(
                venue=venue,
                expected=form.cleaned_data["expected"],
                present=form.cleaned_data["present"],
                actor=request.user,
            ),
            _("Attendance at %(venue)s is recorded.") % {"venue": venue.name},
        )
    return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#venues")


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    perform(
        request,
        lambda: meeting_start(meeting=meeting, actor=request.user),
        _("The meeting has started."),
    )
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    perform(
        request,
        lambda: meeting_end(meeting=meeting, actor=request.user),
        _("The meeting has ended."),
    )
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_POST
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The minutes could not be saved."))
    else:
        perform(
            request,
            lambda: meeting_minutes_save(
                meeting=meeting, minutes=form.cleaned_data["minutes"], actor=request.user
            ),
            _("The minutes are saved."),
        )
    return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#minutes")


# Presenter view ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def present(request: HttpRequest, pk: int) -> HttpResponse:
    """The projector page: one on-site speaker at a time (?i=0 is the first) with the
    speech countdown. The index is in the URL so that a reload keeps the place."""
    meeting = _meeting_for(request, pk)
    speakers = onsite_speakers(meeting)
    total = len(speakers)
    index = min(_positive_int(request.GET.get("i"), 0), max(total - 1, 0))
    here = reverse("meetings:present", args=[meeting.pk])
    return render(
        request,
        "meetings/present.html",
        {
            "meeting": meeting,
            "total": total,
            "index": index,
            "position": index + 1,
            "current": speakers[index] if speakers else None,
            "following": speakers[index + 1] if index + 1 < total else None,
            "previous_url": f"{here}?i={index - 1}" if index > 0 else "",
            "next_url": f"{here}?i={index + 1}" if index + 1 < total else "",
            "seconds": meeting.speech_minutes * 60,
            "countdown": f"{meeting.speech_minutes:02d}:00",
        },
    )


# Questions --------------------------------------------------------------------------


@login_required
@require_http_methods(FORM_METHODS)
def questions(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    if request.method == "POST":
        form = QuestionForm(request.POST, meeting=meeting)
        if form.is_valid():
            try:
                question_record(
                    meeting=meeting,
                    reporter=form.cleaned_data["reporter"],
                    asked_by=form.cleaned_data["asked_by"],
                    question=form.cleaned_data["question"],
                    answer=form.cleaned_data["answer"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The question is recorded."))
                return redirect("meetings:questions", meeting.pk)
    else:
        selected = _positive_int(request.GET.get("reporter"), 0)
        form = QuestionForm(meeting=meeting, initial={"reporter": selected or None})
    by_reporter: dict[int, list[Any]] = {}
    for question in meeting.questions.all():
        by_reporter.setdefault(question.reporter_id, []).append(question)
    groups = [
        (reporter, by_reporter[reporter.pk])
        for reporter in speaking_order(meeting)
        if reporter.pk in by_reporter
    ]
    return render(
        request,
        "meetings/questions.html",
        {
            "meeting": meeting,
            "cycle": meeting.cycle,
            "form": form,
            "groups": groups,
            "not_started": meeting.status == MeetingStatus.PLANNED,
        },
    )


# Comments ---------------------------------------------------------------------------


def _next_reporter(order: list[Reporter], commented: set[int], current: Reporter) -> Reporter:
    """The next reporter after `current` still without a comment (wrapping round), or
    simply the next one once everyone has been commented on."""
    position = next(i for i, r in enumerate(order) if r.pk == current.pk)
    rotated = order[position + 1 :] + order[:position]
    for reporter in rotated:
        if reporter.pk not in commented:
            return reporter
    return order[position + 1] if position + 1 < len(order) else current


def _comment_order(meeting: Meeting) -> tuple[list[Reporter], set[int]]:
    """The meeting's reporters in agenda order, and those already commented on."""
    order = speaking_order(meeting)
    commented = set(
        Comment.objects.filter(reporter__in=[r.pk for r in order]).values_list(
            "reporter_id", flat=True
        )
    )
    return order, commented


def _comment_for(meeting: Meeting, comment_pk: int) -> Comment:
    """A comment on a reporter of this meeting's session; 404 otherwise."""
    return get_object_or_404(
        Comment.objects.select_related("reporter__person"),
        pk=comment_pk,
        reporter__cycle=meeting.cycle,
        reporter__session=meeting.session,
    )


def _problem_inputs(problem_forms: Any) -> list[ProblemInput]:
    return [
        ProblemInput(
            category=row["category"],
            description=row["description"],
            severity=row["severity"],
        )
        for row in problem_forms.cleaned_data
        if row and (row.get("description") or "").strip()
    ]


def _comments_url(meeting: Meeting, reporter: Reporter | None = None) -> str:
    url = reverse("meetings:comments", args=[meeting.pk])
    return f"{url}?reporter={reporter.pk}" if reporter is not None else url


def _render_comments(
    request: HttpRequest,
    meeting: Meeting,
    *,
    order: list[Reporter],
    commented: set[int],
    selected: Reporter | None,
    form: CommentForm,
    problem_forms: Any,
    editing: Comment | None = None,
) -> HttpResponse:
    existing = (
        Comment.objects.filter(reporter=selected).prefetch_related("problems")
        if selected is not None
        else Comment.objects.none()
    )
    # Comments whose problems have entered rectification can be corrected, not deleted.
    kept = set(
        rectification_begun(Problem.objects.filter(comment__in=existing)).values_list(
            "comment_id", flat=True
        )
    )
    return render(
        request,
        "meetings/comments.html",
        {
            "meeting": meeting,
            "cycle": meeting.cycle,
            "order": order,
            "commented": commented,
            "selected": selected,
            "form": form,
            "problem_forms": problem_forms,
            "existing": existing,
            "kept": kept,
            "editing": editing,
            "editing_problems": list(editing.problems.order_by("pk")) if editing else [],
            "url": _comments_url(meeting),
            "stage_open": meeting.cycle.status in COMMENTING_STATUSES,
        },
    )


@login_required
@require_http_methods(FORM_METHODS)
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    """One screen for entering the comments during the meeting: the reporters on the
    left, the comment on the selected one on the right; saving moves on to the next."""
    meeting = _meeting_for(request, pk)
    order, commented = _comment_order(meeting)
    wanted = request.POST.get("reporter") if request.method == "POST" else None
    wanted = wanted or request.GET.get("reporter")
    selected: Reporter | None
    if wanted:
        selected = next((r for r in order if str(r.pk) == wanted), None)
        if selected is None:
            raise Http404
    else:
        selected = next((r for r in order if r.pk not in commented), order[0] if order else None)
    if request.method == "POST":
        if selected is None:
            raise Http404
        form = CommentForm(request.POST)
        problem_forms = ProblemFormSet(request.POST, prefix=PROBLEM_PREFIX)
        if form.is_valid() and problem_forms.is_valid():
            data = form.cleaned_data
            try:
                comment_record(
                    reporter=selected,
                    meeting=meeting,
                    commenter=data["commenter"],
                    commenter_role=data["commenter_role"],
                    portfolio=data["portfolio"],
                    affirmations=data["affirmations"],
                    requirements=data["requirements"],
                    problems=_problem_inputs(problem_forms),
                    actor=request.user,
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("The comment on %(name)s is saved.") % {"name": selected.person.name},
                )
                following = _next_reporter(order, commented | {selected.pk}, selected)
                return redirect(_comments_url(meeting, following))
    else:
        form = CommentForm(
            initial={"commenter": meeting.presider, "commenter_role": CommenterRole.PRESIDER}
        )
        problem_forms = ProblemFormSet(prefix=PROBLEM_PREFIX)
    return _render_comments(
        request,
        meeting,
        order=order,
        commented=commented,
        selected=selected,
        form=form,
        problem_forms=problem_forms,
    )


@login_required
@require_http_methods(FORM_METHODS)
def comment_edit(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    """The comments screen with the form filled in with one recorded comment, to
    correct it or add problems; saving returns to its reporter."""
    meeting = _meeting_for(request, pk)
    comment = _comment_for(meeting, comment_pk)
    order, commented = _comment_order(meeting)
    if request.method == "POST":
        form = CommentForm(request.POST)
        problem_forms = MoreProblemsFormSet(request.POST, prefix=PROBLEM_PREFIX)
        if form.is_valid() and problem_forms.is_valid():
            data = form.cleaned_data
            try:
                comment_update(
                    comment=comment,
                    commenter=data["commenter"],
                    commenter_role=data["commenter_role"],
                    portfolio=data["portfolio"],
                    affirmations=data["affirmations"],
                    requirements=data["requirements"],
                    problems=_problem_inputs(problem_forms),
                    actor=request.user,
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("The comment on %(name)s is corrected.")
                    % {"name": comment.reporter.person.name},
                )
                return redirect(_comments_url(meeting, comment.reporter))
    else:
        form = CommentForm(initial={field: getattr(comment, field) for field in COMMENT_FIELDS})
        problem_forms = MoreProblemsFormSet(prefix=PROBLEM_PREFIX)
    return _render_comments(
        request,
        meeting,
        order=order,
        commented=commented,
        selected=comment.reporter,
        form=form,
        problem_forms=problem_forms,
        editing=comment,
    )


@login_required
@require_POST
def comment_delete_view(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    comment = _comment_for(meeting, comment_pk)
    perform(
        request,
        lambda: comment_delete(comment=comment, actor=request.user),
        _("The comment by %(commenter)s on %(name)s is deleted.")
        % {"commenter": comment.commenter, "name": comment.reporter.person.name},
    )
    return redirect(_comments_url(meeting, comment.reporter))


# Documents --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def agenda_docx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    document, filename = documents.agenda_document(meeting)
    return docx_response(document, filename)


@login_required
@require_http_methods(["GET", "HEAD"])
def reports_docx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    document, filename = documents.reports_document(meeting)
    return docx_response(document, filename)


@login_required
@require_http_methods(["GET", "HEAD"])
def comments_docx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    document, filename = documents.comments_document(meeting)
    return docx_response(document, filename)
