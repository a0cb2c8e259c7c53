"""The staff pages of the democratic evaluation (民主测评) of a meeting: the form and
voter groups, ballot tokens and slips, opening and closing, the live turnout for the
projector, and the results with their exports.

Every page is for the host committee's administrators and staff: the meeting is
reached through its cycle with `get_cycle_for_user(..., manage=True)`, so anyone else
gets 404. Changes go through debrief.ballots.services; a broken rule comes back as a
DomainError and is shown as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from debrief.ballots import exports
from debrief.ballots.forms import (
    GROUP_PREFIX,
    GroupFormSet,
    SetupForm,
    TokenIssueForm,
)
from debrief.ballots.models import Evaluation, EvaluationStatus, Participation
from debrief.ballots.payloads import percent, scale, turnout
from debrief.ballots.services import (
    evaluation_close,
    evaluation_open,
    evaluation_setup,
    groups_set,
    tokens_issue,
)
from debrief.ballots.slips import MAX_SLIPS_PER_DOWNLOAD, public_base_url, slips_zip_bytes
from debrief.ballots.tally import GRADES, tally
from debrief.cycles.access import get_cycle_for_user
from debrief.cycles.models import CycleStatus
from debrief.lib.actions import perform
from debrief.lib.docx import docx_response
from debrief.lib.errors import DomainError
from debrief.lib.xlsx import content_disposition, xlsx_response
from debrief.meetings.models import Meeting

READ_METHODS = ["GET", "HEAD"]


def _meeting_for(request: HttpRequest, meeting_pk: int) -> Meeting:
    """The meeting if the user manages its cycle; 404 otherwise."""
    cycle_id = Meeting.objects.filter(pk=meeting_pk).values_list("cycle_id", flat=True).first()
    if cycle_id is None:
        raise Http404
    cycle = get_cycle_for_user(request, cycle_id, manage=True)
    meeting = get_object_or_404(Meeting, pk=meeting_pk, cycle=cycle)
    meeting.cycle = cycle
    return meeting


def _evaluation_of(meeting: Meeting) -> Evaluation | None:
    evaluation = Evaluation.objects.filter(meeting=meeting).first()
    if evaluation is not None:
        evaluation.meeting = meeting
    return evaluation


def _evaluation_for(request: HttpRequest, meeting_pk: int) -> Evaluation:
    evaluation = _evaluation_of(_meeting_for(request, meeting_pk))
    if evaluation is None:
        raise Http404
    return evaluation


def _back(meeting: Meeting, anchor: str = "") -> HttpResponse:
    return redirect(reverse("ballots:evaluation", args=[meeting.pk]) + anchor)


# The evaluation page --------------------------------------------------------------------


def _render_evaluation(
    request: HttpRequest,
    meeting: Meeting,
    *,
    setup_form: SetupForm | None = None,
    group_forms: Any = None,
    token_form: TokenIssueForm | None = None,
    status: int = 200,
) -> HttpResponse:
    evaluation = _evaluation_of(meeting)
    draft = evaluation is None or evaluation.status == EvaluationStatus.DRAFT
    context: dict[str, Any] = {
        "meeting": meeting,
        "cycle": meeting.cycle,
        "evaluation": evaluation,
        "draft": draft,
        "setup_form": setup_form or SetupForm(initial=SetupForm.initial_for(evaluation)),
        "cycle_at_meeting": meeting.cycle.status == CycleStatus.MEETING,
        "max_slips": MAX_SLIPS_PER_DOWNLOAD,
        "example_url": public_base_url(request) + "/v/XXXXXXXXXXXXXX",
    }
    if evaluation is not None:
        counts = turnout(evaluation)
        context.update(
            turnout=counts,
            scale=scale(evaluation),
            items=list(evaluation.items.all()),
            ballots_so_far=Participation.objects.filter(evaluation=evaluation).count(),
            small_groups=[
                row["name"]
                for row in counts["groups"]
                if 0 < row["issued"] < evaluation.min_group_size
            ],
            group_forms=group_forms
            or GroupFormSet(
                prefix=GROUP_PREFIX,
                initial=[
                    {"name": g.name, "share": g.share}
                    for g in evaluation.groups.order_by("order", "pk")
                ],
            ),
            token_form=token_form or TokenIssueForm(evaluation=evaluation),
            max_good_percent=None
            if evaluation.max_good_share is None
            else percent(evaluation.max_good_share),
        )
    return render(request, "ballots/evaluation.html", context, status=status)


@login_required
@require_http_methods(READ_METHODS)
def evaluation_page(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    return _render_evaluation(request, _meeting_for(request, meeting_pk))


@login_required
@require_POST
def setup(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    meeting = _meeting_for(request, meeting_pk)
    form = SetupForm(request.POST)
    if not form.is_valid():
        return _render_evaluation(request, meeting, setup_form=form, status=400)
    try:
        evaluation_setup(meeting=meeting, actor=request.user, **form.setup_arguments())
    except DomainError as error:
        messages.error(request, error.message)
        return _render_evaluation(request, meeting, setup_form=form, status=400)
    messages.success(request, _("The evaluation form is saved."))
    return _back(meeting)


@login_required
@require_POST
def groups(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    evaluation = _evaluation_for(request, meeting_pk)
    meeting = evaluation.meeting
    formset = GroupFormSet(request.POST, prefix=GROUP_PREFIX)
    if not formset.is_valid():
        return _render_evaluation(request, meeting, group_forms=formset, status=400)
    rows = [
        (row["name"], row["share"])
        for row in formset.cleaned_data
        if row and (row.get("name") or "").strip()
    ]
    try:
        groups_set(evaluation=evaluation, groups=rows, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _render_evaluation(request, meeting, group_forms=formset, status=400)
    messages.success(request, _("The voter groups are saved."))
    return _back(meeting, "#groups")


@login_required
@require_POST
def tokens(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    """Issue tokens for a group and download their slips at once (a zip holding
    ballot-slips.docx and ballot-tokens.csv). The plain tokens exist only there."""
    evaluation = _evaluation_for(request, meeting_pk)
    meeting = evaluation.meeting
    form = TokenIssueForm(request.POST, evaluation=evaluation)
    if not form.is_valid():
        return _render_evaluation(request, meeting, token_form=form, status=400)
    group = form.cleaned_data["group"]
    try:
        plain = tokens_issue(
            evaluation=evaluation,
            group=group,
            count=form.cleaned_data["count"],
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _back(meeting, "#tokens")
    content = slips_zip_bytes(
        meeting_title=meeting.title,
        group_name=group.name,
        tokens=plain,
        base=public_base_url(request),
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = content_disposition(f"测评码-{group.name}-{len(plain)}张.zip")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def open_evaluation(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    evaluation = _evaluation_for(request, meeting_pk)
    perform(
        request,
        lambda: evaluation_open(evaluation=evaluation, actor=request.user),
        _("The evaluation is open: voters can now submit ballots."),
    )
    return _back(evaluation.meeting)


@login_required
@require_POST
def close_evaluation(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    evaluation = _evaluation_for(request, meeting_pk)
    try:
        count = evaluation_close(evaluation=evaluation, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _back(evaluation.meeting)
    messages.success(
        request,
        _("The evaluation is closed with %(n)d ballots. The results are below.") % {"n": count},
    )
    return redirect("ballots:tally", evaluation.meeting.pk)


# Turnout ------------------------------------------------------------------------------


def _turnout_data(evaluation: Evaluation) -> dict[str, Any]:
    data = turnout(evaluation)
    closed = evaluation.status == EvaluationStatus.CLOSED
    data.update(
        status=evaluation.status,
        status_label=str(EvaluationStatus(evaluation.status).label),
        closed=closed,
        tally_url=reverse("ballots:tally", args=[evaluation.meeting_id]) if closed else None,
    )
    return data


@login_required
@require_http_methods(READ_METHODS)
def turnout_page(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    """The live turnout for the projector: issued and voted per group, no results."""
    evaluation = _evaluation_for(request, meeting_pk)
    return render(
        request,
        "ballots/turnout.html",
        {
            "meeting": evaluation.meeting,
            "evaluation": evaluation,
            "data": _turnout_data(evaluation),
            "json_url": reverse("ballots:turnout_json", args=[evaluation.meeting.pk]),
        },
    )


@login_required
@require_http_methods(READ_METHODS)
def turnout_json(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    evaluation = _evaluation_for(request, meeting_pk)
    response = JsonResponse(_turnout_data(evaluation), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


# Results ------------------------------------------------------------------------------


def _closed_tally(request: HttpRequest, meeting_pk: int) -> tuple[Evaluation, Any]:
    evaluation = _evaluation_for(request, meeting_pk)
    if evaluation.status != EvaluationStatus.CLOSED:
        raise Http404
    return evaluation, tally(evaluation)


@login_required
@require_http_methods(READ_METHODS)
def tally_page(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    evaluation = _evaluation_for(request, meeting_pk)
    context: dict[str, Any] = {
        "meeting": evaluation.meeting,
        "cycle": evaluation.meeting.cycle,
        "evaluation": evaluation,
        "scale": scale(evaluation),
        # The detail row spans all columns but the rank; a withheld group's row
        # spans the grade columns and the mean.
        "detail_span": len(GRADES) + 5,
        "withheld_span": len(GRADES) + 1,
    }
    if evaluation.status == EvaluationStatus.CLOSED:
        result = tally(evaluation)
        context.update(
            result=result,
            rows=[
                {
                    "row": row,
                    "counts": [row.counts[g] for g in GRADES],
                    "satisfaction": percent(row.satisfaction_rate),
                    "poor": percent(row.poor_rate),
                    "groups": [
                        {
                            "group": group,
                            "counts": None
                            if group.counts is None
                            else [group.counts[g] for g in GRADES],
                        }
                        for group in row.groups
                    ],
                }
                for row in result.results
            ],
        )
    return render(request, "ballots/tally.html", context)


@login_required
@require_http_methods(READ_METHODS)
def tally_xlsx(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    evaluation, result = _closed_tally(request, meeting_pk)
    return xlsx_response(
        exports.tally_workbook(evaluation, result), f"{exports.title_of(evaluation)}.xlsx"
    )


@login_required
@require_http_methods(READ_METHODS)
def tally_docx(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    evaluation, result = _closed_tally(request, meeting_pk)
    return docx_response(
        exports.tally_document(evaluation, result), f"{exports.title_of(evaluation)}.docx"
    )
