"""The annual cycle pages: list, plan, workflow, roster.

Every object is reached through debrief.cycles.access (or debrief.accounts.access);
every change goes through debrief.cycles.services, and a broken rule comes back as a
DomainError whose message is shown on the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from debrief.accounts.access import Capability, can, require_capability, scope_for
from debrief.cycles import services
from debrief.cycles.access import (
    can_manage_cycle,
    can_see_whole_cycle,
    cycles_for_user,
    get_cycle_for_user,
    reporters_for_user,
)
from debrief.cycles.forms import (
    ArrangeForm,
    CycleCreateForm,
    CycleEditForm,
    DrawForm,
    OnsiteApplyForm,
    ReporterAddForm,
)
from debrief.cycles.models import Cycle, CycleStatus, Mode, Reporter
from debrief.lib.actions import perform
from debrief.lib.errors import DomainError
from debrief.orgs.models import Field, Level

PAGE_SIZE = 50
# Statuses in which the arrangement (mode, session, order) and the draw may change.
ARRANGEABLE = (CycleStatus.DRAFT, CycleStatus.REPORTS_OPEN, CycleStatus.MEETING)
STATUS_ORDER = list(CycleStatus.values)


# ---------------------------------------------------------------- list and plan


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = cycles_for_user(user).values("pk")
    cycles = (
        Cycle.objects.filter(pk__in=visible)
        .select_related("host")
        .annotate(roster_size=Count("reporters"))
        .order_by("-year", "-created_at", "-pk")
    )
    page = Paginator(cycles, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_for(user)
    for cycle in page.object_list:
        # The reporter's side sees a cycle only through its own reporters.
        cycle.whole = scope.allows(cycle.host)
    return render(
        request,
        "cycles/list.html",
        {"page": page, "can_create": can(user, Capability.EDIT)},
    )


def _initial_host(request: HttpRequest) -> int | None:
    try:
        return int(request.GET.get("host", ""))
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cycle_create(request: HttpRequest) -> HttpResponse:
    require_capability(request, Capability.EDIT)
    if request.method != "POST":
        form = CycleCreateForm(user=request.user, initial_host=_initial_host(request))
        return render(request, "cycles/create.html", {"form": form})
    form = CycleCreateForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.cycle_create(
                host=data["host"],
                year=data["year"],
                title=data["title"],
                levels=data["levels"] or None,
                fields=data["work_fields"],
                reference_date=data["reference_date"],
                report_deadline=data["report_deadline"],
                meeting_deadline=data["meeting_deadline"],
                key_content=data["key_content"],
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The cycle “%(title)s” was created. Next: generate its roster.")
                % {"title": cycle.title},
            )
            return redirect("cycles:detail", pk=cycle.pk)
    return render(request, "cycles/create.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, pk, manage=True)
    if cycle.status not in services.PLAN_EDITABLE_STATUSES:
        messages.error(
            request,
            _("The plan can no longer be changed (cycle status: %(status)s).")
            % {"status": cycle.get_status_display()},
        )
        return redirect("cycles:detail", pk=cycle.pk)
    if request.method != "POST":
        initial = {key: getattr(cycle, key) for key in services.PLAN_FIELDS}
        initial["work_fields"] = initial.pop("fields")
        form = CycleEditForm(initial=initial)
        return render(request, "cycles/edit.html", {"cycle": cycle, "form": form})
    form = CycleEditForm(request.POST)
    if form.is_valid():
        try:
            changes = dict(form.cleaned_data)
            changes["fields"] = changes.pop("work_fields")
            changed = services.cycle_update(cycle=cycle, actor=request.user, **changes)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if not changed:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(request, _("The plan was saved."))
                if "reference_date" in changed and cycle.reporters.exists():
                    messages.warning(
                        request,
                        _(
                            "The reference date changed after the roster was made: check "
                            "that the roster lists the secretaries in post on %(date)s."
                        )
                        % {"date": cycle.reference_date},
                    )
            return redirect("cycles:detail", pk=cycle.pk)
    return render(request, "cycles/edit.html", {"cycle": cycle, "form": form})


# ---------------------------------------------------------------- detail and workflow


def transition_label(current: str, to: str) -> str:
    """The button text for moving from `current` to `to`; moving back says so."""
    if STATUS_ORDER.index(to) < STATUS_ORDER.index(current):
        return _("Back to: %(status)s") % {"status": CycleStatus(to).label}
    return {
        CycleStatus.REPORTS_OPEN: _("Open reports"),
        CycleStatus.MEETING: _("Start the review meeting stage"),
        CycleStatus.ASSESSMENT: _("Start the assessment"),
        CycleStatus.PUBLISHED: _("Publish the results"),
        CycleStatus.CLOSED: _("Close the cycle"),
    }.get(CycleStatus(to), str(CycleStatus(to).label))


def transition_confirm(current: str, to: str) -> str:
    if STATUS_ORDER.index(to) < STATUS_ORDER.index(current):
        return _("Move the cycle back to “%(status)s”?") % {"status": CycleStatus(to).label}
    if to == CycleStatus.PUBLISHED:
        return _("Publish the results? A published cycle cannot be moved back.")
    if to == CycleStatus.CLOSED:
        return _("Close the cycle? Nothing can be changed afterwards.")
    return _("Move the cycle to “%(status)s”?") % {"status": CycleStatus(to).label}


def _steps(cycle: Cycle) -> list[dict[str, Any]]:
    current = STATUS_ORDER.index(cycle.status)
    return [
        {
            "value": value,
            "label": label,
            "state": "done" if n < current else "current" if n == current else "todo",
        }
        for n, (value, label) in enumerate(CycleStatus.choices)
    ]


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, pk)
    user = request.user
    whole = can_see_whole_cycle(user, cycle)
    manage = can_manage_cycle(user, cycle)
    context: dict[str, Any] = {
        "cycle": cycle,
        "whole": whole,
        "manage": manage,
        "steps": _steps(cycle),
        "level_labels": _labels(Level.choices, cycle.levels),
        "field_labels": _labels(Field.choices, cycle.fields),
    }
    if whole:
        counts = cycle.reporters.aggregate(
            total=Count("pk"), onsite=Count("pk", filter=Q(mode=Mode.ONSITE))
        )
        context["roster_total"] = counts["total"]
        context["roster_onsite"] = counts["onsite"]
        meetings = list(cycle.meetings.all())
        context["meetings"] = meetings
        # Each session the roster uses needs a meeting of its own.
        sessions = set(cycle.reporters.values_list("session", flat=True).distinct()) or {1}
        context["unscheduled_sessions"] = sorted(sessions - {m.session for m in meetings})
    else:
        context["own_reporters"] = list(
            reporters_for_user(user, cycle).select_related("person", "organization")
        )
    if manage:
        context["transitions"] = [
            {
                "to": to,
                "label": transition_label(cycle.status, to),
                "confirm": transition_confirm(cycle.status, to),
                "back": STATUS_ORDER.index(to) < STATUS_ORDER.index(cycle.status),
            }
            # Results are published from the assessment page, which publishes them
            # and moves the cycle in one step.
            for to in cycle.allowed_transitions()
            if to != CycleStatus.PUBLISHED
        ]
        context["plan_editable"] = cycle.status in services.PLAN_EDITABLE_STATUSES
    return render(request, "cycles/detail.html", context)


def _labels(choices: list[tuple[str, Any]], values: list[str]) -> list[str]:
    labels = dict(choices)
    return [str(labels.get(value, value)) for value in values]


@login_required
@require_POST
def cycle_transition(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, pk, manage=True)
    to = request.POST.get("to", "")
    perform(
        request,
        lambda: services.cycle_transition(cycle=cycle, to=to, actor=request.user),
        lambda: _("The cycle is now “%(status)s”.") % {"status": CycleStatus(to).label},
    )
    return redirect("cycles:detail", pk=cycle.pk)


# ---------------------------------------------------------------- roster


def _roster_url(cycle: Cycle, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("cycles:roster", kwargs={"pk": cycle.pk})
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


@login_required
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    from debrief.reports.models import ReportStatus

    cycle = get_cycle_for_user(request, pk, manage=True)
    report_labels = dict(ReportStatus.choices)
    reporters = list(
        cycle.reporters.select_related("person", "organization")
        .annotate(report_status=F("report__status"))
        .order_by("session", F("order").asc(nulls_last=True), "organization__path")
    )
    for reporter in reporters:
        status = reporter.report_status
        reporter.report_label = report_labels.get(status) if status else None  # type: ignore[attr-defined]
    suggestions = services.onsite_suggestions(cycle)
    on_roster = {r.organization_id for r in reporters}
    candidates = [o for o in services.roster_candidates(cycle) if o.pk not in on_roster]
    sessions = sorted({r.session for r in reporters if r.mode == Mode.ONSITE})
    return render(
        request,
        "cycles/roster.html",
        {
            "cycle": cycle,
            "reporters": reporters,
            "onsite_count": sum(1 for r in reporters if r.mode == Mode.ONSITE),
            "suggestions": suggestions,
            "eligible_count": sum(1 for s in suggestions if s.eligible),
            "candidates": candidates,
            "sessions": sessions,
            "draws": cycle.draws.select_related("drawn_by"),
            "mode_choices": Mode.choices,
            "add_form": ReporterAddForm(),
            "roster_editable": cycle.roster_editable,
            "arrangeable": cycle.status in ARRANGEABLE,
        },
    )


@login_required
@require_POST
def roster_generate(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, pk, manage=True)
    try:
        result = services.roster_generate(cycle=cycle, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _roster_url(cycle)
    added = ngettext("%(n)d reporter added.", "%(n)d reporters added.", len(result.added)) % {
        "n": len(result.added)
    }
    if result.already:
        added += " " + ngettext(
            "%(n)d was already on the roster.", "%(n)d were already on the roster.", result.already
        ) % {"n": result.already}
    messages.success(request, added)
    if result.vacant:
        messages.warning(
            request,
            _("No secretary on %(date)s, so not added: %(names)s. Add them by hand once filled.")
            % {
                "date": cycle.reference_date,
                "names": "、".join(org.name for org in result.vacant),
            },
        )
    return _roster_url(cycle)


@login_required
@require_POST
def reporter_add(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, pk, manage=True)
    form = ReporterAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter an organization code."))
        return _roster_url(cycle)
    code = form.cleaned_data["code"].strip()
    # Only the host's subtree is searched, so a code elsewhere is simply not found.
    organization = cycle.host.descendants().filter(code=code).first()
    if organization is None:
        messages.error(
            request,
            _("No organization under %(host)s has the code %(code)s.")
            % {"host": cycle.host.name, "code": code},
        )
        return _roster_url(cycle)
    try:
        reporter = services.reporter_add(cycle=cycle, organization=organization, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _roster_url(cycle)
    messages.success(request, _("%(name)s was added.") % {"name": reporter.display})
    return _roster_url(cycle, f"reporter-{reporter.pk}")


def _reporter_of(cycle: Cycle, reporter_pk: int) -> Reporter:
    return get_object_or_404(
        Reporter.objects.select_related("person", "cycle"), cycle=cycle, pk=reporter_pk
    )


@login_required
@require_POST
def reporter_remove(request: HttpRequest, pk: int, reporter_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, pk, manage=True)
    reporter = _reporter_of(cycle, reporter_pk)
    display = reporter.display
    perform(
        request,
        lambda: services.reporter_remove(reporter=reporter, actor=request.user),
        _("%(name)s was removed from the roster.") % {"name": display},
    )
    return _roster_url(cycle)


@login_required
@require_POST
def reporter_arrange(request: HttpRequest, pk: int, reporter_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, pk, manage=True)
    reporter = _reporter_of(cycle, reporter_pk)
    form = ArrangeForm(request.POST)
    anchor = f"reporter-{reporter.pk}"
    if not form.is_valid():
        messages.error(
            request,
            _("%(name)s: the mode, a session from 1 and an order from 1 (or empty) are needed.")
            % {"name": reporter.display},
        )
        return _roster_url(cycle, anchor)
    data = form.cleaned_data
    perform(
        request,
        lambda: services.reporter_arrange(
            reporter=reporter,
            mode=data["mode"],
            session=data["session"],
            order=data["order"],
            actor=request.user,
        ),
        _("%(name)s: saved.") % {"name": reporter.display},
    )
    return _roster_url(cycle, anchor)


@login_required
@require_POST
def onsite_apply(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, pk, manage=True)
    suggestions = services.onsite_suggestions(cycle)
    form = OnsiteApplyForm(request.POST, reporter_ids=[s.reporter.pk for s in suggestions])
    if not form.is_valid():
        messages.error(request, _("Say how many speak on-site, or tick the reporters."))
        return _roster_url(cycle, "suggestions")
    if form.cleaned_data["how"] == OnsiteApplyForm.TOP:
        count = form.cleaned_data["count"]
        eligible = [s.reporter.pk for s in suggestions if s.eligible]
        chosen = eligible[:count]
        if count > len(eligible):
            messages.warning(
                request,
                ngettext(
                    "Only %(eligible)d reporter is eligible under the rotation; tick the "
                    "others by hand if %(count)d must speak on-site.",
                    "Only %(eligible)d reporters are eligible under the rotation; tick the "
                    "others by hand if %(count)d must speak on-site.",
                    len(eligible),
                )
                % {"eligible": len(eligible), "count": count},
            )
    else:
        chosen = form.cleaned_data["reporters"]
    perform(
        request,
        lambda: services.onsite_apply(cycle=cycle, reporter_ids=chosen, actor=request.user),
        ngettext(
            "%(n)d reporter speaks on-site; the others report in writing.",
            "%(n)d reporters speak on-site; the others report in writing.",
            len(chosen),
        )
        % {"n": len(chosen)},
    )
    return _roster_url(cycle, "suggestions")


@login_required
@require_POST
def order_draw(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, pk, manage=True)
    form = DrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a session to draw."))
        return _roster_url(cycle, "draws")
    session = form.cleaned_data["session"]
    try:
        draw = services.order_draw(cycle=cycle, session=session, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The speaking order of session %(session)d was drawn (seed %(seed)s).")
            % {"session": session, "seed": draw.seed},
        )
    return _roster_url(cycle, "draws")
