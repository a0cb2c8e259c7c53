"""The rectification closed loop (整改闭环).

Problem status: open → in progress → completed (by the owner) → verified and closed
(by the level above only); completed or closed items can be reopened with a reason.
Plans: draft → approved (own committee) → filed → accepted, or returned → draft again.
When an actor is given, the rules about who may do what are checked here; management
commands act as the system (actor None).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from debrief.audit.services import audit_record
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.orgs.models import SEGMENT_LENGTH, Organization
from debrief.rectification.access import is_level_above, is_owner
from debrief.rectification.models import (
    Category,
    EventKind,
    Evidence,
    KeyTask,
    Milestone,
    Notice,
    PlanStatus,
    Problem,
    ProblemEvent,
    ProblemStatus,
    RectificationPlan,
    Severity,
    Source,
)

ACTIVE_STATUSES = (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS, ProblemStatus.REOPENED)
DUE_SOON_DAYS = 14


def problem_create(
    *,
    organization: Organization,
    category: str,
    description: str,
    source: str,
    severity: str = Severity.GENERAL,
    cycle: Any = None,
    reporter: Any = None,
    comment: Any = None,
    deadline: datetime.date | None = None,
    actor: Any = None,
    audit: bool = True,
) -> Problem:
    """Record a problem. `audit=False` for a bulk import that audits the import as a
    whole."""
    description = description.strip()
    if not description:
        raise DomainError(_("Describe the problem."))
    if category not in Category.values:
        raise DomainError(_("Unknown problem category."))
    if severity not in Severity.values:
        raise DomainError(_("Unknown severity."))
    if source not in Source.values:
        raise DomainError(_("Unknown problem source."))
    with transaction.atomic():
        problem = Problem.objects.create(
            organization=organization,
            responsible_org=organization,
            category=category,
            severity=severity,
            description=description,
            source=source,
            cycle=cycle,
            reporter=reporter,
            comment=comment,
            deadline=deadline,
            created_by=actor,
        )
        if audit:
            audit_record(
                action="problem.create",
                actor=actor,
                target=description[:100],
                organization=organization,
                detail={
                    "problem": problem.pk,
                    "category": category,
                    "severity": severity,
                    "source": source,
                },
            )
    return problem


def rectification_begun(problems: QuerySet[Problem]) -> QuerySet[Problem]:
    """Those of `problems` on which rectification has begun: no longer open, gathered
    into a rectification plan, given measures, a person responsible, a deadline or
    milestones, with any entry on their timeline (progress, evidence, completion,
    verification, overdue) or carried over as a key task. A problem outside this set
    is still exactly as it was recorded."""
    begun = (
        ~Q(status=ProblemStatus.OPEN)
        | Q(plan__isnull=False)
        | Q(progress__gt=0)
        | ~Q(measures="")
        | ~Q(responsible_person="")
        | ~Q(responsible_leader="")
        | Q(deadline__isnull=False)
        | Q(overdue=True)
        | Q(closed_at__isnull=False)
        | Q(pk__in=ProblemEvent.objects.values("problem_id"))
        | Q(pk__in=Milestone.objects.values("problem_id"))
        | Q(pk__in=KeyTask.objects.filter(source_problem__isnull=False).values("source_problem_id"))
    )
    return problems.filter(begun)


def _locked(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().select_related("organization").get(pk=problem.pk)


def _require_owner(actor: Any, problem: Problem) -> None:
    if actor is not None and not is_owner(actor, problem.organization):
        raise DomainError(_("Only the responsible organization can do this."))


def _require_level_above(actor: Any, organization: Organization) -> None:
    if actor is not None and not is_level_above(actor, organization):
        raise DomainError(_("Only the level above can do this."))


def _event(
    problem: Problem, kind: str, *, text: str = "", percent: int | None = None, actor: Any = None
) -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem, kind=kind, text=text, percent=percent, actor=actor
    )


# -- the plan (rectification and responsibility lists) -------------------------------


def plan_for(*, organization: Organization, cycle: Any) -> RectificationPlan:
    """The organization's plan for a cycle; its problems of that cycle belong to it."""
    with transaction.atomic():
        plan, _created = RectificationPlan.objects.get_or_create(
            organization=organization, cycle=cycle
        )
        Problem.objects.filter(organization=organization, cycle=cycle, plan__isnull=True).update(
            plan=plan
        )
    return plan


def problem_plan_set(
    *,
    problem: Problem,
    measures: str,
    responsible_person: str,
    deadline: datetime.date,
    responsible_leader: str = "",
    responsible_org: Organization | None = None,
    milestones: list[tuple[str, datetime.date]] | None = None,
    actor: Any = None,
) -> Problem:
    """Set the item's measures, who is responsible and by when."""
    if not measures.strip() or not responsible_person.strip():
        raise DomainError(_("Give the measures and the person responsible."))
    responsible_org = responsible_org or problem.organization
    if not responsible_org.is_within(problem.organization):
        raise DomainError(_("The responsible organization must be the organization or below it."))
    with transaction.atomic():
        problem = _locked(problem)
        _require_owner(actor, problem)
        if (
            problem.plan_id
            and not RectificationPlan.objects.select_for_update().get(pk=problem.plan_id).editable
        ):
            raise IllegalTransition(_("The plan has been approved; return it to change items."))
        if problem.status == ProblemStatus.CLOSED:
            raise IllegalTransition(_("A closed item cannot be changed."))
        problem.measures = measures.strip()
        problem.responsible_person = responsible_person.strip()
        problem.responsible_leader = responsible_leader.strip()
        problem.responsible_org = responsible_org
        problem.deadline = deadline
        problem.save()
        if milestones is not None:
            problem.milestones.all().delete()
            Milestone.objects.bulk_create(
                Milestone(problem=problem, title=title.strip(), due=due)
                for title, due in milestones
                if title.strip()
            )
        audit_record(
            action="problem.plan",
            actor=actor,
            target=problem.description[:100],
            organization=problem.organization,
            detail={
                "problem": problem.pk,
                "responsible_person": problem.responsible_person,
                "responsible_org": responsible_org.pk,
                "deadline": deadline.isoformat(),
            },
        )
    return problem


def _plan_locked(plan: RectificationPlan) -> RectificationPlan:
    return (
        RectificationPlan.objects.select_for_update().select_related("organization").get(pk=plan.pk)
    )


def plan_approve(
    *,
    plan: RectificationPlan,
    approved_on: datetime.date,
    document_number: str = "",
    approved_by_body: str = "",
    actor: Any = None,
) -> RectificationPlan:
    """Record the reporting committee's own approval of its plan."""
    with transaction.atomic():
        plan = _plan_locked(plan)
        if actor is not None and not is_owner(actor, plan.organization):
            raise DomainError(_("Only the responsible organization can do this."))
        if not plan.editable:
            raise IllegalTransition(_("The plan is %(s)s.") % {"s": plan.get_status_display()})
        problems = list(plan.problems.all())
        if not problems:
            raise DomainError(_("The plan has no problems."))
        incomplete = [
            p for p in problems if not (p.measures and p.responsible_person and p.deadline)
        ]
        if incomplete:
            raise DomainError(
                _("%(n)d items still lack measures, a person responsible or a deadline.")
                % {"n": len(incomplete)}
            )
        plan.status = PlanStatus.APPROVED
        plan.approved_on = approved_on
        plan.document_number = document_number.strip()
        plan.approved_by_body = approved_by_body.strip() or _("Party committee meeting")
        plan.return_reason = ""
        plan.save()
        audit_record(
            action="plan.approve", actor=actor, target=str(plan), organization=plan.organization
        )
    return plan


def plan_file(*, plan: RectificationPlan, actor: Any = None) -> RectificationPlan:
    """File the approved plan with the organization department above."""
    with transaction.atomic():
        plan = _plan_locked(plan)
        if actor is not None and not is_owner(actor, plan.organization):
            raise DomainError(_("Only the responsible organization can do this."))
        if plan.status != PlanStatus.APPROVED:
            raise IllegalTransition(_("Only an approved plan can be filed."))
        plan.status = PlanStatus.FILED
        plan.filed_at = timezone.now()
        plan.save(update_fields=["status", "filed_at"])
        audit_record(
            action="plan.file", actor=actor, target=str(plan), organization=plan.organization
        )
    return plan


def _plan_decide(
    plan: RectificationPlan, *, accept: bool, reason: str, actor: Any
) -> RectificationPlan:
    with transaction.atomic():
        plan = _plan_locked(plan)
        _require_level_above(actor, plan.organization)
        if plan.status != PlanStatus.FILED:
            raise IllegalTransition(_("Only a filed plan can be accepted or returned."))
        plan.status = PlanStatus.ACCEPTED if accept else PlanStatus.RETURNED
        plan.return_reason = "" if accept else reason
        plan.decided_at = timezone.now()
        plan.decided_by = actor
        plan.save()
        audit_record(
            action="plan.accept" if accept else "plan.return",
            actor=actor,
            target=str(plan),
            organization=plan.organization,
            detail={} if accept else {"reason": reason},
        )
    return plan


def plan_accept(*, plan: RectificationPlan, actor: Any = None) -> RectificationPlan:
    return _plan_decide(plan, accept=True, reason="", actor=actor)


def plan_return(*, plan: RectificationPlan, reason: str, actor: Any = None) -> RectificationPlan:
    if not reason.strip():
        raise DomainError(_("Say why the plan is returned."))
    return _plan_decide(plan, accept=False, reason=reason.strip(), actor=actor)


# -- progress, completion, verification ----------------------------------------------


def _attach(event: ProblemEvent, files: list[Any]) -> None:
    """Save `files` as the event's evidence. Every file is checked before any is saved,
    so that a bad file does not leave the ones before it stored without their event
    (the transaction rolls back the rows, not the files)."""
    from pathlib import PurePath

    from debrief.reports.services import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES

    checked: list[tuple[Any, str, str]] = []
    for upload in files:
        name = PurePath(upload.name or "").name[:200]
        suffix = PurePath(name).suffix.lower()
        if suffix not in ATTACHMENT_TYPES:
            raise DomainError(
                _("Only these file types can be attached: %(types)s")
                % {"types": " ".join(sorted(ATTACHMENT_TYPES))}
            )
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise DomainError(
                _("An attachment may be at most %(mb)d MB.") % {"mb": ATTACHMENT_MAX_BYTES // 2**20}
            )
        magic, content_type = ATTACHMENT_TYPES[suffix]
        head = upload.read(len(magic))
        upload.seek(0)
        if head != magic:
            raise DomainError(
                _("The file's content does not match its type %(t)s.") % {"t": suffix}
            )
        checked.append((upload, name, content_type))
    for upload, name, content_type in checked:
        evidence = Evidence(
            event=event, original_name=name, content_type=content_type, size=upload.size
        )
        evidence.file.save(name, upload, save=False)
        evidence.save()


def progress_add(
    *,
    problem: Problem,
    text: str,
    percent: int,
    files: list[Any] | None = None,
    actor: Any = None,
    audit: bool = True,
) -> ProblemEvent:
    """Add a progress entry (text, percent complete, evidence) to the item's timeline.
    `audit=False` for a bulk import that audits the import as a whole."""
    if not text.strip():
        raise DomainError(_("Describe the progress."))
    if not 0 <= percent <= 100:
        raise DomainError(_("Percent complete lies between 0 and 100."))
    with transaction.atomic():
        problem = _locked(problem)
        _require_owner(actor, problem)
        if problem.status not in ACTIVE_STATUSES:
            raise IllegalTransition(
                _("Progress cannot be added to an item that is %(s)s.")
                % {"s": problem.get_status_display()}
            )
        event = _event(problem, EventKind.PROGRESS, text=text.strip(), percent=percent, actor=actor)
        _attach(event, files or [])
        problem.progress = percent
        if problem.status == ProblemStatus.OPEN:
            problem.status = ProblemStatus.IN_PROGRESS
        problem.save(update_fields=["progress", "status", "updated_at"])
        if audit:
            audit_record(
                action="problem.progress",
                actor=actor,
                target=problem.description[:100],
                organization=problem.organization,
                detail={
                    "problem": problem.pk,
                    "percent": percent,
                    "files": len(files or []),
                },
            )
    return event


def problem_complete(
    *, problem: Problem, text: str, files: list[Any] | None = None, actor: Any = None
) -> Problem:
    """The owner reports the item rectified; it awaits verification by the level above."""
    if not text.strip():
        raise DomainError(_("Say how the problem was rectified."))
    with transaction.atomic():
        problem = _locked(problem)
        _require_owner(actor, problem)
        if problem.status not in ACTIVE_STATUSES:
            raise IllegalTransition(
                _("An item that is %(s)s cannot be marked completed.")
                % {"s": problem.get_status_display()}
            )
        event = _event(problem, EventKind.COMPLETED, text=text.strip(), percent=100, actor=actor)
        _attach(event, files or [])
        has_evidence = Evidence.objects.filter(event__problem=problem).exists()
        if not has_evidence:
            raise DomainError(
                _("Attach evidence of the rectification before marking it completed.")
            )
        problem.status = ProblemStatus.COMPLETED
        problem.progress = 100
        problem.overdue = False
        problem.save(update_fields=["status", "progress", "overdue", "updated_at"])
        audit_record(
            action="problem.complete",
            actor=actor,
            target=str(problem),
            organization=problem.organization,
        )
    return problem


def problem_verify(*, problem: Problem, note: str = "", actor: Any = None) -> Problem:
    """The level above verifies a completed item and closes it (销号)."""
    with transaction.atomic():
        problem = _locked(problem)
        _require_level_above(actor, problem.organization)
        if problem.status != ProblemStatus.COMPLETED:
            raise IllegalTransition(_("Only a completed item can be verified and closed."))
        _event(problem, EventKind.CLOSED, text=note.strip(), actor=actor)
        problem.status = ProblemStatus.CLOSED
        problem.closed_at = timezone.now()
        problem.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(
            action="problem.verify",
            actor=actor,
            target=str(problem),
            organization=problem.organization,
        )
    return problem


def problem_reopen(*, problem: Problem, reason: str, actor: Any = None) -> Problem:
    """The level above sends a completed or closed item back, with the reason."""
    if not reason.strip():
        raise DomainError(_("Say why the item is reopened."))
    with transaction.atomic():
        problem = _locked(problem)
        _require_level_above(actor, problem.organization)
        if problem.status not in (ProblemStatus.COMPLETED, ProblemStatus.CLOSED):
            raise IllegalTransition(_("Only a completed or closed item can be reopened."))
        _event(problem, EventKind.REOPENED, text=reason.strip(), actor=actor)
        problem.status = ProblemStatus.REOPENED
        problem.closed_at = None
        problem.save(update_fields=["status", "closed_at", "updated_at"])
        audit_record(
            action="problem.reopen",
            actor=actor,
            target=str(problem),
            organization=problem.organization,
            detail={"reason": reason.strip()},
        )
    return problem


def problem_to_key_task(
    *, problem: Problem, year: int, title: str = "", actor: Any = None
) -> KeyTask:
    """Carry an unresolved item into a year's key tasks (重点任务)."""
    if problem.status == ProblemStatus.CLOSED:
        raise DomainError(_("A closed item needs no carrying over."))
    already = _("This item is already a key task.")
    if KeyTask.objects.filter(source_problem=problem).exists():
        raise DomainError(already)
    try:
        with transaction.atomic():
            task = KeyTask.objects.create(
                organization=problem.organization,
                year=year,
                title=(title.strip() or problem.description)[:200],
                description=problem.measures,
                source_problem=problem,
                created_by=actor,
            )
            audit_record(
                action="problem.key_task",
                actor=actor,
                target=task.title,
                organization=problem.organization,
                detail={"problem": problem.pk, "year": year},
            )
    except IntegrityError as error:
        # Carried over by a concurrent request between the check and the insert.
        raise DomainError(already) from error
    return task


# -- warnings ------------------------------------------------------------------------


@dataclass
class SweepResult:
    marked_overdue: int
    cleared: int
    notices: int


def owners_of(organization: Organization) -> list[Any]:
    """The accounts to notify about an item: those granted on the organization itself
    with a role that writes its report (secretary, staff, administrator)."""
    from debrief.accounts.models import Grant, Role

    return [
        grant.user
        for grant in Grant.objects.filter(
            organization=organization,
            role__in=[Role.SECRETARY, Role.STAFF, Role.ADMIN],
            user__is_active=True,
        ).select_related("user")
    ]


def rectification_sweep(*, today: datetime.date | None = None) -> SweepResult:
    """Mark items past their deadline overdue and notify their owners in the app; clear
    the mark where an item is done or its deadline moved. Safe to run repeatedly:
    each item is marked and announced once per time it becomes overdue."""
    today = today or timezone.localdate()
    notices = 0
    with transaction.atomic():
        # Lock the problem rows only: PostgreSQL cannot lock the nullable side of the
        # outer join that select_related("responsible_org") makes.
        due = (
            Problem.objects.select_for_update(of=("self",))
            .filter(status__in=ACTIVE_STATUSES, deadline__lt=today, overdue=False)
            .select_related("organization", "responsible_org")
        )
        marked = 0
        for problem in due:
            problem.overdue = True
            problem.save(update_fields=["overdue", "updated_at"])
            _event(problem, EventKind.OVERDUE, text=str(problem.deadline))
            marked += 1
            owner_org = problem.responsible_org or problem.organization
            for user in owners_of(owner_org):
                _notice, created = Notice.objects.get_or_create(
                    user=user,
                    key=f"overdue:{problem.pk}:{problem.deadline}",
                    defaults={
                        "text": _("Overdue since %(date)s: %(problem)s")
                        % {"date": problem.deadline, "problem": problem.description[:120]},
                        "url": f"/rectification/problems/{problem.pk}/",
                    },
                )
                notices += int(created)
        cleared = (
            Problem.objects.filter(overdue=True)
            .filter(
                ~Q(status__in=ACTIVE_STATUSES) | Q(deadline__gte=today) | Q(deadline__isnull=True)
            )
            .update(overdue=False)
        )
    return SweepResult(marked_overdue=marked, cleared=cleared, notices=notices)


@dataclass
class Counts:
    total: int = 0
    open: int = 0
    in_progress: int = 0
    completed: int = 0
    closed: int = 0
    reopened: int = 0
    overdue: int = 0
    due_soon: int = 0

    @property
    def closed_rate(self) -> float:
        return self.closed / self.total if self.total else 0.0


def _add(counts: Counts, status: str, overdue: bool, due_soon: bool, n: int) -> None:
    counts.total += n
    setattr(counts, status, getattr(counts, status) + n)
    if overdue:
        counts.overdue += n
    if due_soon:
        counts.due_soon += n


def dashboard(
    *, node: Organization, problems: Any, today: datetime.date | None = None
) -> dict[str, Any]:
    """Counts for the subtree of `node`: overall, per child branch (to drill down) and
    per category. `problems` is the queryset the user may see. Three queries."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    scoped = problems.filter(organization__path__startswith=node.path)
    due_soon_q = Q(status__in=ACTIVE_STATUSES, deadline__gte=today, deadline__lte=soon)
    branch_length = len(node.path) + SEGMENT_LENGTH
    rows = (
        scoped.annotate(branch=Substr("organization__path", 1, branch_length))
        .values("branch", "status", "overdue")
        .annotate(n=Count("pk"), soon=Count("pk", filter=due_soon_q))
    )
    overall = Counts()
    own = Counts()
    branches: dict[str, Counts] = {}
    for row in rows:
        for counts in (
            overall,
            own if row["branch"] == node.path else branches.setdefault(row["branch"], Counts()),
        ):
            _add(counts, row["status"], row["overdue"], False, row["n"])
            counts.due_soon += row["soon"]
    children = {
        org.path: org
        for org in Organization.objects.filter(path__in=list(branches)).order_by("path")
    }
    by_category = {
        row["category"]: row["n"]
        for row in scoped.values("category").annotate(n=Count("pk")).order_by()
    }
    return {
        "overall": overall,
        "own": own,
        "branches": [
            (children[path], counts)
            for path, counts in sorted(branches.items())
            if path in children
        ],
        "by_category": [
            (str(label), by_category.get(value, 0)) for value, label in Category.choices
        ],
    }


# -- notices -------------------------------------------------------------------------


def notice_mark_read(*, notice: Notice, user: Any) -> Notice:
    """Mark one of the user's own notices read (again: nothing changes)."""
    if notice.user_id != user.pk:
        raise DomainError(_("This notice is not yours."))
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def notices_mark_all_read(*, user: Any) -> int:
    """Mark every unread notice of the user read; returns how many were unread."""
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
