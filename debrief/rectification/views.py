"""The pages of the rectification closed loop (整改闭环): dashboard, problem list, one
problem with its timeline and actions, evidence, plans (三张清单), new problems (by
hand and from the democratic evaluation) and the user's notices.

Every rule lives in debrief.rectification.services; these views find objects only
through debrief.rectification.access and debrief.accounts.access, call the services,
and show a broken rule (DomainError) as a message. Every change is a POST. Objects
outside the user's scope are "not found".
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from debrief.accounts.access import (
    Capability,
    get_org_for_user,
    orgs_for_user,
    require_capability,
    scope_for,
)
from debrief.ballots.models import Evaluation, EvaluationStatus
from debrief.ballots.tally import tally
from debrief.cycles.access import cycles_for_user, get_cycle_for_user
from debrief.cycles.models import Cycle, Reporter
from debrief.lib.actions import perform
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.lib.http import parse_pk
from debrief.orgs.models import Organization
from debrief.orgs.models import Status as OrgStatus
from debrief.rectification.access import (
    get_plan_for_user,
    get_problem_for_user,
    is_level_above,
    is_owner,
    problems_for_user,
)
from debrief.rectification.forms import (
    CompleteForm,
    KeyTaskForm,
    MilestoneFormSet,
    PlanApproveForm,
    PlanFieldsForm,
    PlanFilterForm,
    PlanReturnForm,
    ProblemFilterForm,
    ProblemNewForm,
    ProgressForm,
    ReopenForm,
    VerifyForm,
)
from debrief.rectification.models import (
    Category,
    EventKind,
    Evidence,
    KeyTask,
    Notice,
    PlanStatus,
    Problem,
    ProblemEvent,
    ProblemStatus,
    RectificationPlan,
    Severity,
    Source,
)
from debrief.rectification.services import (
    ACTIVE_STATUSES,
    DUE_SOON_DAYS,
    Counts,
    dashboard,
    notice_mark_read,
    notices_mark_all_read,
    plan_accept,
    plan_approve,
    plan_file,
    plan_for,
    plan_return,
    problem_complete,
    problem_create,
    problem_plan_set,
    problem_reopen,
    problem_to_key_task,
    problem_verify,
    progress_add,
)

PAGE_SIZE = 50
LIST_LIMIT = 50  # overdue and due-soon items shown on the dashboard

STATUS_KEYS = [
    ProblemStatus.OPEN,
    ProblemStatus.IN_PROGRESS,
    ProblemStatus.COMPLETED,
    ProblemStatus.CLOSED,
    ProblemStatus.REOPENED,
]


def _form_errors(form: forms.BaseForm | forms.BaseFormSet) -> str:
    """All of a form's errors as one line for a message."""
    if isinstance(form, forms.BaseFormSet):
        parts = [_form_errors(f) for f in form.forms if f.errors]
        parts += [str(e) for e in form.non_form_errors()]
        return " ".join(parts)
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label}: " if field is not None and field.label else ""
        parts.append(label + " ".join(str(e) for e in errors))
    return " ".join(parts)


def _refused(error: DomainError) -> int:
    """The status of a refused verification or reopening: the wrong moment (409) or
    the wrong person (403)."""
    return 409 if isinstance(error, IllegalTransition) else 403


def _rate(counts: Counts) -> str:
    return f"{counts.closed_rate * 100:.1f}%"


# --- Dashboard ------------------------------------------------------------------------


def _node(request: HttpRequest) -> Organization:
    """The organization `?org=` (404 outside the scope), else the user's first root."""
    pk = parse_pk(request.GET.get("org", ""))
    if pk is not None:
        return get_org_for_user(request, pk)
    roots = scope_for(request.user).root_ids
    if not roots:
        raise Http404
    return get_org_for_user(request, roots[0])


@login_required
@require_safe
def dashboard_view(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.VIEW)
    node = _node(request)
    scope = scope_for(request.user)
    problems = problems_for_user(request.user)
    data = dashboard(node=node, problems=problems)
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    subtree = problems.filter(organization__path__startswith=node.path).select_related(
        "organization"
    )
    overdue = list(
        subtree.filter(overdue=True, status__in=ACTIVE_STATUSES).order_by("deadline", "pk")[
            :LIST_LIMIT
        ]
    )
    due_soon = list(
        subtree.filter(
            status__in=ACTIVE_STATUSES, deadline__gte=today, deadline__lte=soon
        ).order_by("deadline", "pk")[:LIST_LIMIT]
    )
    overall: Counts = data["overall"]
    labels = dict(ProblemStatus.choices)
    return render(
        request,
        "rectification/dashboard.html",
        {
            "node": node,
            "ancestors": [a for a in node.ancestors() if scope.allows(a)],
            "overall": overall,
            "overall_rate": _rate(overall),
            "statuses": [
                (str(key), labels[key], getattr(overall, str(key))) for key in STATUS_KEYS
            ],
            "own": data["own"],
            "own_rate": _rate(data["own"]),
            "branches": [
                {"org": org, "counts": counts, "rate": _rate(counts)}
                for org, counts in data["branches"]
            ],
            "by_category": data["by_category"],
            "overdue": overdue,
            "due_soon": due_soon,
            "due_soon_days": DUE_SOON_DAYS,
            "list_limit": LIST_LIMIT,
        },
    )


# --- Problem list ---------------------------------------------------------------------


def filtered_problems(request: HttpRequest) -> tuple[QuerySet[Problem], ProblemFilterForm, Any]:
    """The user's problems narrowed by the list's GET filters (shared with the ledger).
    Returns the queryset, the bound form and the organization filtered on (or None)."""
    problems = problems_for_user(request.user)
    cycles = Cycle.objects.filter(pk__in=problems.values("cycle_id")).order_by("-year", "pk")
    form = ProblemFilterForm(request.GET or None, cycles=cycles)
    org = None
    if not form.is_bound:
        return problems, form, org
    form.is_valid()  # a filter with an invalid value is left out; the others apply
    data = form.cleaned_data
    if data.get("org"):
        org = get_org_for_user(request, data["org"])
        problems = problems.filter(organization__path__startswith=org.path)
    for key in ("status", "category", "severity", "source"):
        if data.get(key):
            problems = problems.filter(**{key: data[key]})
    if data.get("cycle"):
        problems = problems.filter(cycle_id=data["cycle"])
    if data.get("overdue"):
        problems = problems.filter(overdue=True)
    if data.get("due_soon"):
        today = timezone.localdate()
        problems = problems.filter(
            status__in=ACTIVE_STATUSES,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
        )
    query = (data.get("q") or "").strip()
    if query:
        condition = (
            Q(description__icontains=query)
            | Q(measures__icontains=query)
            | Q(responsible_person__icontains=query)
            | Q(organization__name__icontains=query)
        )
        number = parse_pk(query)
        if number is not None:
            condition |= Q(pk=number)
        problems = problems.filter(condition)
    return problems, form, org


@login_required
@require_safe
def problem_list(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.VIEW)
    problems, form, org = filtered_problems(request)
    page = Paginator(
        problems.select_related("organization", "cycle").order_by(
            "organization__path", "created_at", "pk"
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "rectification/problems.html",
        {
            "page": page,
            "form": form,
            "org": org,
            "query": query.urlencode(),
            "may_write": bool(scope_for(request.user).paths(Capability.REPORT_WRITE)),
        },
    )


# --- One problem ----------------------------------------------------------------------


def _source_links(problem: Problem) -> list[tuple[str, str]]:
    """(label, url) of where the problem came from."""
    links: list[tuple[str, str]] = []
    reporter_id = problem.reporter_id
    if problem.comment_id:
        comment = problem.comment
        assert comment is not None
        reporter_id = comment.reporter_id
        links.append(
            (
                _("Comment by %(who)s") % {"who": comment.commenter},
                reverse("reports:reporter", args=[comment.reporter_id]),
            )
        )
    elif reporter_id:
        links.append(
            (_("The reporter's debriefing"), reverse("reports:reporter", args=[reporter_id]))
        )
    if problem.cycle_id:
        assert problem.cycle is not None
        links.append((problem.cycle.title, reverse("cycles:detail", args=[problem.cycle_id])))
    return links


def _default_key_task_year(problem: Problem) -> int:
    if problem.cycle is not None:
        return problem.cycle.year + 1
    return timezone.localdate().year


def _render_problem(
    request: HttpRequest, problem: Problem, status: int = 200, **forms_given: Any
) -> HttpResponse:
    user = request.user
    owner = is_owner(user, problem.organization)
    above = is_level_above(user, problem.organization)
    plan = (
        RectificationPlan.objects.select_related("organization", "cycle").get(pk=problem.plan_id)
        if problem.plan_id
        else None
    )
    active = problem.status in ACTIVE_STATUSES
    key_task = KeyTask.objects.filter(source_problem=problem).first()
    events = list(
        ProblemEvent.objects.filter(problem=problem)
        .select_related("actor")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
        .order_by("at", "pk")
    )
    reopened = [event for event in events if event.kind == EventKind.REOPENED]
    milestones = list(problem.milestones.all())
    may = {
        "plan": owner
        and problem.status != ProblemStatus.CLOSED
        and (plan is None or plan.editable),
        "progress": owner and active,
        "complete": owner and active,
        "verify": above and problem.status == ProblemStatus.COMPLETED,
        "reopen": above and problem.status in (ProblemStatus.COMPLETED, ProblemStatus.CLOSED),
        "key_task": (owner or above) and problem.status != ProblemStatus.CLOSED and not key_task,
        "open_plan": (owner or above) and plan is None,
    }
    plan_form = forms_given.get("plan_form") or PlanFieldsForm(
        organization=problem.organization,
        initial={
            "measures": problem.measures,
            "responsible_org": problem.responsible_org_id or problem.organization_id,
            "responsible_person": problem.responsible_person,
            "responsible_leader": problem.responsible_leader,
            "deadline": problem.deadline,
        },
    )
    milestone_formset = forms_given.get("milestone_formset") or MilestoneFormSet(
        prefix="milestone",
        initial=[{"title": m.title, "due": m.due} for m in milestones],
    )
    return render(
        request,
        "rectification/problem.html",
        {
            "problem": problem,
            "plan": plan,
            "events": events,
            "reopen_reason": reopened[-1] if reopened else None,
            "milestones": milestones,
            "key_task": key_task,
            "source_links": _source_links(problem),
            "is_owner": owner,
            "is_above": above,
            "may": may,
            "plan_form": plan_form,
            "milestone_formset": milestone_formset,
            "progress_form": forms_given.get("progress_form")
            or ProgressForm(initial={"percent": problem.progress}),
            "complete_form": forms_given.get("complete_form") or CompleteForm(),
            "verify_form": forms_given.get("verify_form") or VerifyForm(),
            "reopen_form": forms_given.get("reopen_form") or ReopenForm(),
            "key_task_form": forms_given.get("key_task_form")
            or KeyTaskForm(initial={"year": _default_key_task_year(problem)}),
        },
        status=status,
    )


def _to_problem(problem: Problem, anchor: str = "") -> HttpResponse:
    url = reverse("rectification:problem", args=[problem.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


@login_required
@require_safe
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_problem(request, get_problem_for_user(request, pk))


@login_required
@require_POST
def problem_plan(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_problem_for_user(request, pk)
    form = PlanFieldsForm(request.POST, organization=problem.organization)
    formset = MilestoneFormSet(request.POST, prefix="milestone")
    if not form.is_valid() or not formset.is_valid():
        invalid = form if not form.is_valid() else formset
        messages.error(request, _form_errors(invalid))
        return _render_problem(request, problem, plan_form=form, milestone_formset=formset)
    data = form.cleaned_data
    milestones = [
        (row["title"], row["due"])
        for row in formset.cleaned_data
        if row and (row.get("title") or "").strip()
    ]
    try:
        problem_plan_set(
            problem=problem,
            measures=data["measures"],
            responsible_person=data["responsible_person"],
            responsible_leader=data["responsible_leader"],
            responsible_org=data["responsible_org"],
            deadline=data["deadline"],
            milestones=milestones,
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _render_problem(request, problem, plan_form=form, milestone_formset=formset)
    messages.success(request, _("The measures and responsibilities have been saved."))
    return _to_problem(problem)


@login_required
@require_POST
def problem_progress(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_problem_for_user(request, pk)
    form = ProgressForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _render_problem(request, problem, progress_form=form)
    try:
        progress_add(
            problem=problem,
            text=form.cleaned_data["text"],
            percent=form.cleaned_data["percent"],
            files=form.cleaned_data["evidence"],
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _render_problem(request, problem, progress_form=form)
    messages.success(request, _("The progress has been recorded."))
    return _to_problem(problem, "timeline")


@login_required
@require_POST
def problem_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_problem_for_user(request, pk)
    form = CompleteForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _render_problem(request, problem, complete_form=form)
    try:
        problem_complete(
            problem=problem,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["evidence"],
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _render_problem(request, problem, complete_form=form)
    messages.success(
        request, _("The item is marked completed and awaits verification by the level above.")
    )
    return _to_problem(problem)


@login_required
@require_POST
def problem_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_problem_for_user(request, pk)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _render_problem(request, problem, verify_form=form)
    try:
        problem_verify(problem=problem, note=form.cleaned_data["note"], actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _render_problem(request, problem, status=_refused(error), verify_form=form)
    messages.success(request, _("The item has been verified and closed."))
    return _to_problem(problem)


@login_required
@require_POST
def problem_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_problem_for_user(request, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the item is reopened."))
        return _render_problem(request, problem, reopen_form=form)
    try:
        problem_reopen(problem=problem, reason=form.cleaned_data["reason"], actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _render_problem(request, problem, status=_refused(error), reopen_form=form)
    messages.success(request, _("The item has been reopened."))
    return _to_problem(problem)


@login_required
@require_POST
def problem_key_task(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_problem_for_user(request, pk)
    if not (
        is_owner(request.user, problem.organization)
        or is_level_above(request.user, problem.organization)
    ):
        messages.error(
            request, _("Only the responsible organization or the level above can do this.")
        )
        return _render_problem(request, problem, status=403)
    form = KeyTaskForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _render_problem(request, problem, key_task_form=form)
    try:
        task = problem_to_key_task(
            problem=problem,
            year=form.cleaned_data["year"],
            title=form.cleaned_data["title"],
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _render_problem(request, problem, key_task_form=form)
    messages.success(request, _("Carried over as a key task of %(year)d.") % {"year": task.year})
    return _to_problem(problem)


@login_required
@require_safe
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file under its original name, for anyone who may see the problem."""
    evidence = get_object_or_404(Evidence.objects.select_related("event"), pk=pk)
    get_problem_for_user(request, evidence.event.problem_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Plans ----------------------------------------------------------------------------


@login_required
@require_POST
def plan_open(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan of the problem's organization and cycle, created on first use."""
    problem = get_problem_for_user(request, pk)
    if not (
        is_owner(request.user, problem.organization)
        or is_level_above(request.user, problem.organization)
    ):
        messages.error(
            request, _("Only the responsible organization or the level above can do this.")
        )
        return _render_problem(request, problem, status=403)
    if problem.plan_id:
        return redirect("rectification:plan", problem.plan_id)
    plan = plan_for(organization=problem.organization, cycle=problem.cycle)
    return redirect("rectification:plan", plan.pk)


@login_required
@require_safe
def plan_list(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.VIEW)
    plans = (
        RectificationPlan.objects.filter(organization__in=orgs_for_user(request.user))
        .select_related("organization", "cycle")
        .annotate(problem_count=Count("problems"))
        .order_by("organization__path", F("cycle__year").desc(nulls_last=True), "pk")
    )
    form = PlanFilterForm(request.GET or None)
    if form.is_bound and form.is_valid() and form.cleaned_data.get("status"):
        plans = plans.filter(status=form.cleaned_data["status"])
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "rectification/plans.html", {"page": page, "form": form})


def _render_plan(
    request: HttpRequest, plan: RectificationPlan, status: int = 200, **forms_given: Any
) -> HttpResponse:
    owner = is_owner(request.user, plan.organization)
    above = is_level_above(request.user, plan.organization)
    problems = (
        plan.problems.select_related("organization", "responsible_org")
        .prefetch_related("milestones")
        .order_by("organization__path", "created_at", "pk")
    )
    return render(
        request,
        "rectification/plan.html",
        {
            "plan": plan,
            "problems": problems,
            "is_owner": owner,
            "is_above": above,
            "may_approve": owner and plan.editable,
            "may_file": owner and plan.status == PlanStatus.APPROVED,
            "may_decide": above and plan.status == PlanStatus.FILED,
            "approve_form": forms_given.get("approve_form")
            or PlanApproveForm(
                initial={
                    "approved_on": timezone.localdate(),
                    "approved_by_body": plan.approved_by_body,
                    "document_number": plan.document_number,
                }
            ),
            "return_form": forms_given.get("return_form") or PlanReturnForm(),
        },
        status=status,
    )


@login_required
@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_plan(request, get_plan_for_user(request, pk))


@login_required
@require_POST
def plan_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request, pk)
    form = PlanApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _render_plan(request, plan, approve_form=form)
    try:
        plan_approve(
            plan=plan,
            approved_on=form.cleaned_data["approved_on"],
            approved_by_body=form.cleaned_data["approved_by_body"],
            document_number=form.cleaned_data["document_number"],
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _render_plan(request, plan, approve_form=form)
    messages.success(request, _("The plan's approval has been recorded."))
    return redirect("rectification:plan", plan.pk)


@login_required
@require_POST
def plan_file_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request, pk)
    perform(
        request,
        lambda: plan_file(plan=plan, actor=request.user),
        _("The plan has been filed with the level above."),
    )
    return redirect("rectification:plan", plan.pk)


@login_required
@require_POST
def plan_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request, pk)
    perform(
        request,
        lambda: plan_accept(plan=plan, actor=request.user),
        _("The plan has been accepted."),
    )
    return redirect("rectification:plan", plan.pk)


@login_required
@require_POST
def plan_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request, pk)
    form = PlanReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the plan is returned."))
        return _render_plan(request, plan, return_form=form)
    try:
        plan_return(plan=plan, reason=form.cleaned_data["reason"], actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _render_plan(request, plan, return_form=form)
    messages.success(request, _("The plan has been returned with the reason."))
    return redirect("rectification:plan", plan.pk)


# --- New problems ---------------------------------------------------------------------


def _writable_orgs(request: HttpRequest) -> QuerySet[Organization]:
    return (
        orgs_for_user(request.user, Capability.REPORT_WRITE)
        .filter(status=OrgStatus.ACTIVE)
        .order_by("path")
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_new(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.REPORT_WRITE)
    organizations = _writable_orgs(request)
    cycles = cycles_for_user(request.user).order_by("-year", "pk")
    if request.method == "POST":
        form = ProblemNewForm(request.POST, organizations=organizations, cycles=cycles)
        if form.is_valid():
            data = form.cleaned_data
            try:
                problem = problem_create(
                    organization=data["organization"],
                    source=data["source"],
                    category=data["category"],
                    severity=data["severity"],
                    description=data["description"],
                    cycle=data["cycle"],
                    deadline=data["deadline"],
                    actor=request.user,
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The problem has been recorded."))
                return _to_problem(problem)
    else:
        initial: dict[str, Any] = {}
        org_pk = parse_pk(request.GET.get("org", ""))
        if org_pk is not None:
            initial["organization"] = get_org_for_user(request, org_pk, Capability.REPORT_WRITE).pk
        form = ProblemNewForm(initial=initial, organizations=organizations, cycles=cycles)
    managed = (
        Cycle.objects.filter(host__in=orgs_for_user(request.user, Capability.EDIT))
        .select_related("host")
        .order_by("-year", "pk")[:20]
    )
    return render(
        request, "rectification/problem_new.html", {"form": form, "managed_cycles": managed}
    )


def _evaluation_rows(cycle: Cycle) -> list[dict[str, Any]]:
    """One row per distinct reason given for a reporter in a closed evaluation of the
    cycle, keyed "<evaluation>-<reporter>-<n>" (stable: a closed tally does not change)."""
    existing = set(
        Problem.objects.filter(cycle=cycle, source=Source.EVALUATION).values_list(
            "reporter_id", "description"
        )
    )
    evaluations = (
        Evaluation.objects.filter(meeting__cycle=cycle, status=EvaluationStatus.CLOSED)
        .select_related("meeting")
        .order_by("meeting__session", "pk")
    )
    rows: list[dict[str, Any]] = []
    for evaluation in evaluations:
        result = tally(evaluation)
        for reporter_result in result.results:
            reasons = Counter(
                reason.strip() for reason in reporter_result.reasons if reason.strip()
            )
            ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
            for index, (reason, count) in enumerate(ordered):
                rows.append(
                    {
                        "key": f"{evaluation.pk}-{reporter_result.reporter_id}-{index}",
                        "meeting": evaluation.meeting,
                        "reporter_id": reporter_result.reporter_id,
                        "organization": reporter_result.organization,
                        "name": reporter_result.name,
                        "post": reporter_result.post,
                        "poor": reporter_result.counts.get("poor", 0),
                        "reason": reason,
                        "count": count,
                        "exists": (reporter_result.reporter_id, reason) in existing,
                    }
                )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def from_evaluation(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    """The host's staff turn reasons given for 差 into problems of the reporters."""
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    rows = _evaluation_rows(cycle)
    if request.method == "POST":
        by_key = {row["key"]: row for row in rows}
        picked = [by_key[key] for key in request.POST.getlist("pick") if key in by_key]
        picked = [row for row in picked if not row["exists"]]
        if not picked:
            messages.error(request, _("Tick the reasons that become problems."))
        else:
            reporters = {
                r.pk: r
                for r in Reporter.objects.filter(
                    cycle=cycle, pk__in=[row["reporter_id"] for row in picked]
                ).select_related("organization")
            }
            try:
                with transaction.atomic():
                    for row in picked:
                        reporter = reporters[row["reporter_id"]]
                        problem_create(
                            organization=reporter.organization,
                            category=request.POST.get(f"category-{row['key']}", ""),
                            severity=request.POST.get(f"severity-{row['key']}", Severity.GENERAL),
                            description=row["reason"],
                            source=Source.EVALUATION,
                            cycle=cycle,
                            reporter=reporter,
                            actor=request.user,
                        )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("%(n)d problems have been recorded.") % {"n": len(picked)},
                )
                url = reverse("rectification:problems")
                return redirect(f"{url}?cycle={cycle.pk}&source={Source.EVALUATION}")
    return render(
        request,
        "rectification/from_evaluation.html",
        {
            "cycle": cycle,
            "rows": rows,
            "categories": Category.choices,
            "severities": Severity.choices,
            "default_severity": Severity.GENERAL,
        },
    )


# --- Notices --------------------------------------------------------------------------


@login_required
@require_safe
def notice_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # signed in (login_required)
    notices = Notice.objects.filter(user=user).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-pk"
    )
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = Notice.objects.filter(user=user, read_at__isnull=True).count()
    return render(request, "rectification/notices.html", {"page": page, "unread": unread})


@login_required
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    notice = get_object_or_404(Notice, pk=pk, user=user)
    notice_mark_read(notice=notice, user=request.user)
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notice.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notice.url)
    return redirect("rectification:notices")


@login_required
@require_POST
def notice_read_all(request: HttpRequest) -> HttpResponse:
    count = notices_mark_all_read(user=request.user)
    messages.success(request, _("%(n)d notices marked read.") % {"n": count})
    return redirect("rectification:notices")
