"""State changes of a cycle and its roster. Views, commands and tests call these only."""

from __future__ import annotations

import datetime
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from debrief.audit.services import audit_record
from debrief.cycles.models import CYCLE_TRANSITIONS, Cycle, CycleStatus, Draw, Mode, Reporter
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.orgs.models import Field, Level, Organization, Status
from debrief.people.models import Person, secretaries_on, secretary_on


def _locked(cycle: Cycle) -> Cycle:
    """Re-read `cycle` with a row lock; callers are inside transaction.atomic()."""
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


# Who reports to whom: a province hears its cities, a city its counties, a county its
# townships, a township its villages; committees also hear their directly-under units.
_REPORTING_LEVEL: dict[str, str] = {
    Level.PROVINCE: Level.CITY,
    Level.CITY: Level.COUNTY,
    Level.COUNTY: Level.TOWNSHIP,
    Level.TOWNSHIP: Level.VILLAGE,
}


def default_levels(host: Organization) -> list[str]:
    """The levels one step below `host`, plus its directly-under units."""
    below = _REPORTING_LEVEL.get(host.level)
    return [below, Level.UNIT] if below else [Level.UNIT]


def cycle_create(
    *,
    host: Organization,
    year: int,
    title: str = "",
    levels: list[str] | None = None,
    fields: list[str] | None = None,
    reference_date: datetime.date | None = None,
    report_deadline: datetime.date | None = None,
    meeting_deadline: datetime.date | None = None,
    key_content: str = "",
    actor: Any = None,
) -> Cycle:
    levels = levels or default_levels(host)
    fields = fields or list(Field.values)
    unknown = [v for v in levels if v not in Level.values] + [
        v for v in fields if v not in Field.values
    ]
    if unknown:
        raise DomainError(_("Unknown level or field: %(v)s") % {"v": ", ".join(unknown)})
    if not host.is_active:
        raise DomainError(_("%(name)s is no longer active.") % {"name": host.name})
    taken = _("%(host)s already has a cycle for %(year)d.") % {"host": host.name, "year": year}
    if Cycle.objects.filter(host=host, year=year).exists():
        raise DomainError(taken)
    try:
        cycle = _cycle_insert(
            host=host,
            year=year,
            title=title,
            levels=levels,
            fields=fields,
            reference_date=reference_date,
            report_deadline=report_deadline,
            meeting_deadline=meeting_deadline,
            key_content=key_content,
            actor=actor,
        )
    except IntegrityError as error:
        # Created by a concurrent request between the check and the insert.
        if Cycle.objects.filter(host=host, year=year).exists():
            raise DomainError(taken) from error
        raise
    return cycle


def _cycle_insert(
    *,
    host: Organization,
    year: int,
    title: str,
    levels: list[str],
    fields: list[str],
    reference_date: datetime.date | None,
    report_deadline: datetime.date | None,
    meeting_deadline: datetime.date | None,
    key_content: str,
    actor: Any,
) -> Cycle:
    with transaction.atomic():
        cycle = Cycle.objects.create(
            host=host,
            year=year,
            # The title is document text, in the form the office uses.
            title=title.strip() or f"{host.display_name}{year}年度抓基层党建工作述职评议考核",
            levels=levels,
            fields=fields,
            reference_date=reference_date or datetime.date(year, 12, 31),
            report_deadline=report_deadline,
            meeting_deadline=meeting_deadline,
            key_content=key_content,
            created_by=actor,
        )
        audit_record(action="cycle.create", actor=actor, target=cycle.title, organization=host)
    return cycle


# The plan's descriptive fields, which cycle_update may change (host and year may not).
PLAN_FIELDS = (
    "title",
    "levels",
    "fields",
    "reference_date",
    "report_deadline",
    "meeting_deadline",
    "key_content",
    "rotation_cycles",
)
PLAN_EDITABLE_STATUSES = (CycleStatus.DRAFT, CycleStatus.REPORTS_OPEN)


def cycle_update(*, cycle: Cycle, actor: Any = None, **changes: Any) -> list[str]:
    """Change the plan's descriptive fields (any of PLAN_FIELDS) while the cycle is a
    draft or reports are open. Returns the names of the fields that actually changed."""
    unexpected = set(changes) - set(PLAN_FIELDS)
    if unexpected:
        raise TypeError(f"cycle_update() cannot change {', '.join(sorted(unexpected))}")
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
        if not changes["title"]:
            raise DomainError(_("A cycle needs a title."))
    for key, known in (("levels", Level.values), ("fields", Field.values)):
        if key in changes:
            values = list(changes[key] or [])
            if not values:
                raise DomainError(_("Choose at least one level and one field."))
            unknown = [v for v in values if v not in known]
            if unknown:
                raise DomainError(_("Unknown level or field: %(v)s") % {"v": ", ".join(unknown)})
            changes[key] = values
    if "reference_date" in changes and changes["reference_date"] is None:
        raise DomainError(_("A cycle needs a reference date."))
    if "rotation_cycles" in changes and (
        changes["rotation_cycles"] is None or changes["rotation_cycles"] < 0
    ):
        raise DomainError(_("The rotation window cannot be negative."))
    with transaction.atomic():
        locked = _locked(cycle)
        if locked.status not in PLAN_EDITABLE_STATUSES:
            raise IllegalTransition(
                _("The plan can no longer be changed (cycle status: %(status)s).")
                % {"status": locked.get_status_display()}
            )
        changed = [
            key for key in PLAN_FIELDS if key in changes and getattr(locked, key) != changes[key]
        ]
        if not changed:
            return []
        for key in changed:
            setattr(locked, key, changes[key])
        locked.save(update_fields=[*changed, "updated_at"])
        audit_record(
            action="cycle.update",
            actor=actor,
            target=locked.title,
            organization=locked.host,
            detail={"changed": changed},
        )
    for key in changed:
        setattr(cycle, key, changes[key])
    return changed


def _transition_guard(cycle: Cycle, to: str) -> None:
    if to == CycleStatus.PUBLISHED:
        from debrief.assessments.models import ResultSet, ResultStatus

        if not ResultSet.objects.filter(cycle=cycle, status=ResultStatus.PUBLISHED).exists():
            raise DomainError(
                _("Publish the approved results on the assessment page; the cycle follows.")
            )
    if to == CycleStatus.REPORTS_OPEN and not cycle.reporters.exists():
        raise DomainError(_("The roster is empty: generate or add reporters first."))
    if cycle.status == CycleStatus.MEETING and to != CycleStatus.MEETING:
        from debrief.ballots.models import Evaluation, EvaluationStatus

        if Evaluation.objects.filter(meeting__cycle=cycle, status=EvaluationStatus.OPEN).exists():
            raise DomainError(_("Close the democratic evaluation first."))
    if to == CycleStatus.MEETING and cycle.status == CycleStatus.REPORTS_OPEN:
        from debrief.meetings.models import Meeting

        if not Meeting.objects.filter(cycle=cycle).exists():
            raise DomainError(_("Schedule the review meeting first."))


def cycle_transition(*, cycle: Cycle, to: str, actor: Any = None) -> Cycle:
    """Move `cycle` to status `to`. Raises IllegalTransition for a step the workflow
    does not allow (for example from draft straight to published)."""
    with transaction.atomic():
        locked = _locked(cycle)
        if to not in CYCLE_TRANSITIONS[locked.status]:
            raise IllegalTransition(
                _("A cycle cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "from": CycleStatus(locked.status).label,
                    "to": CycleStatus(to).label if to in CycleStatus.values else to,
                }
            )
        _transition_guard(locked, to)
        previous = locked.status
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            action="cycle.transition",
            actor=actor,
            target=locked.title,
            organization=locked.host,
            detail={"from": previous, "to": to},
        )
    cycle.status = to
    return locked


def _require_roster_editable(cycle: Cycle) -> None:
    if not cycle.roster_editable:
        raise IllegalTransition(
            _("The roster can no longer be changed (cycle status: %(status)s).")
            % {"status": cycle.get_status_display()}
        )


def post_title_for(org: Organization) -> str:
    return f"{org.name}书记"


@dataclass
class RosterResult:
    added: list[Reporter] = field(default_factory=list)
    vacant: list[Organization] = field(default_factory=list)
    already: int = 0


def roster_candidates(cycle: Cycle) -> list[Organization]:
    """Organizations one level below the host that are in the cycle's scope."""
    return list(
        Organization.objects.filter(
            parent=cycle.host,
            status=Status.ACTIVE,
            level__in=cycle.levels,
            field__in=cycle.fields,
        ).order_by("path")
    )


def roster_generate(*, cycle: Cycle, actor: Any = None) -> RosterResult:
    """Add every in-scope organization's secretary on the reference date. Organizations
    already on the roster are left as they are; vacant posts are reported."""
    with transaction.atomic():
        cycle = _locked(cycle)
        _require_roster_editable(cycle)
        candidates = roster_candidates(cycle)
        present = set(cycle.reporters.values_list("organization_id", flat=True))
        secretaries = secretaries_on([o.pk for o in candidates], cycle.reference_date)
        result = RosterResult()
        for org in candidates:
            if org.pk in present:
                result.already += 1
                continue
            person = secretaries.get(org.pk)
            if person is None:
                result.vacant.append(org)
                continue
            result.added.append(
                Reporter.objects.create(
                    cycle=cycle, organization=org, person=person, post_title=post_title_for(org)
                )
            )
        audit_record(
            action="cycle.roster_generate",
            actor=actor,
            target=cycle.title,
            organization=cycle.host,
            detail={"added": len(result.added), "vacant": [o.code for o in result.vacant]},
        )
    return result


def reporter_add(
    *,
    cycle: Cycle,
    organization: Organization,
    person: Person | None = None,
    post_title: str = "",
    actor: Any = None,
) -> Reporter:
    if not organization.is_within(cycle.host) or organization.pk == cycle.host_id:
        raise DomainError(_("Only organizations under the host committee can report."))
    with transaction.atomic():
        cycle = _locked(cycle)
        _require_roster_editable(cycle)
        if cycle.reporters.filter(organization=organization).exists():
            raise DomainError(_("%(org)s is already on the roster.") % {"org": organization.name})
        person = person or secretary_on(organization, cycle.reference_date)
        if person is None:
            raise DomainError(
                _("%(org)s had no secretary on %(date)s; choose the reporter by hand.")
                % {"org": organization.name, "date": cycle.reference_date}
            )
        reporter = Reporter.objects.create(
            cycle=cycle,
            organization=organization,
            person=person,
            post_title=post_title or post_title_for(organization),
        )
        audit_record(
            action="cycle.reporter_add",
            actor=actor,
            target=f"{cycle.title}: {reporter.display}",
            organization=cycle.host,
        )
    return reporter


def reporter_remove(*, reporter: Reporter, actor: Any = None) -> None:
    with transaction.atomic():
        cycle = _locked(reporter.cycle)
        _require_roster_editable(cycle)
        from debrief.reports.models import Report, ReportStatus

        if Report.objects.filter(reporter=reporter).exclude(status=ReportStatus.DRAFT).exists():
            raise DomainError(_("A reporter whose report was submitted cannot be removed."))
        audit_record(
            action="cycle.reporter_remove",
            actor=actor,
            target=f"{cycle.title}: {reporter.display}",
            organization=cycle.host,
        )
        reporter.delete()


def reporter_arrange(
    *, reporter: Reporter, mode: str, session: int, order: int | None, actor: Any = None
) -> Reporter:
    """Set a reporter's mode, session and speaking order by hand."""
    if mode not in Mode.values:
        raise DomainError(_("Unknown mode."))
    if session < 1 or (order is not None and order < 1):
        raise DomainError(_("Session and order start at 1."))
    with transaction.atomic():
        cycle = _locked(reporter.cycle)
        if cycle.status not in (CycleStatus.DRAFT, CycleStatus.REPORTS_OPEN, CycleStatus.MEETING):
            raise IllegalTransition(_("The arrangement can no longer be changed."))
        clash = (
            Reporter.objects.filter(cycle=cycle, session=session, order=order)
            .exclude(pk=reporter.pk)
            .first()
            if order is not None
            else None
        )
        if clash is not None:
            raise DomainError(
                _("Order %(order)d of session %(session)d is already taken by %(name)s.")
                % {"order": order, "session": session, "name": clash.person.name}
            )
        before = {"mode": reporter.mode, "session": reporter.session, "order": reporter.order}
        reporter.mode, reporter.session, reporter.order = mode, session, order
        reporter.save(update_fields=["mode", "session", "order"])
        audit_record(
            action="cycle.reporter_arrange",
            actor=actor,
            target=str(reporter),
            organization=reporter.organization,
            detail={
                "cycle": cycle.pk,
                "before": before,
                "mode": mode,
                "session": session,
                "order": order,
            },
        )
    return reporter


@dataclass
class Suggestion:
    reporter: Reporter
    last_onsite_year: int | None
    eligible: bool


def onsite_suggestions(cycle: Cycle) -> list[Suggestion]:
    """Reporters ordered for on-site speaking by rotation: organizations that have not
    reported on-site within the rotation window come first, longest-waiting first."""
    reporters = list(cycle.reporters.select_related("person", "organization"))
    last = dict(
        Reporter.objects.filter(
            cycle__host=cycle.host,
            cycle__year__lt=cycle.year,
            organization_id__in=[r.organization_id for r in reporters],
            mode=Mode.ONSITE,
        )
        .values("organization_id")
        .annotate(last=Max("cycle__year"))
        .values_list("organization_id", "last")
    )
    window_start = cycle.year - cycle.rotation_cycles
    suggestions = [
        Suggestion(
            reporter=r,
            last_onsite_year=last.get(r.organization_id),
            eligible=last.get(r.organization_id) is None or last[r.organization_id] < window_start,
        )
        for r in reporters
    ]
    suggestions.sort(
        key=lambda s: (
            not s.eligible,
            s.last_onsite_year or 0,
            s.reporter.organization.path,
        )
    )
    return suggestions


def onsite_apply(*, cycle: Cycle, reporter_ids: list[int], actor: Any = None) -> None:
    """Make exactly `reporter_ids` speak on-site; everyone else reports in writing."""
    with transaction.atomic():
        cycle = _locked(cycle)
        _require_roster_editable(cycle)
        reporters = cycle.reporters.all()
        unknown = set(reporter_ids) - set(reporters.values_list("pk", flat=True))
        if unknown:
            raise DomainError(_("Some chosen reporters are not on this roster."))
        reporters.filter(pk__in=reporter_ids).update(mode=Mode.ONSITE)
        reporters.exclude(pk__in=reporter_ids).update(mode=Mode.WRITTEN, order=None)
        audit_record(
            action="cycle.onsite_apply",
            actor=actor,
            target=cycle.title,
            organization=cycle.host,
            detail={"onsite": sorted(reporter_ids)},
        )


def order_draw(*, cycle: Cycle, session: int, actor: Any = None, seed: str | None = None) -> Draw:
    """Draw the speaking order of the on-site reporters of one session by lot. The seed
    is recorded, so anyone can replay the draw and check the result."""
    with transaction.atomic():
        cycle = _locked(cycle)
        if cycle.status not in (CycleStatus.DRAFT, CycleStatus.REPORTS_OPEN, CycleStatus.MEETING):
            raise IllegalTransition(_("The speaking order can no longer be drawn."))
        speakers = list(
            cycle.reporters.filter(session=session, mode=Mode.ONSITE)
            .select_related("person")
            .order_by("organization__path")
        )
        if not speakers:
            raise DomainError(_("Session %(s)d has no on-site reporters to draw.") % {"s": session})
        seed = seed or secrets.token_hex(16)
        drawn = list(speakers)
        random.Random(seed).shuffle(drawn)
        cycle.reporters.filter(session=session).update(order=None)
        for position, reporter in enumerate(drawn, start=1):
            Reporter.objects.filter(pk=reporter.pk).update(order=position)
        draw = Draw.objects.create(
            cycle=cycle,
            session=session,
            seed=seed,
            drawn_by=actor,
            result=[
                {"reporter": r.pk, "name": r.person.name, "post": r.post_title, "order": n}
                for n, r in enumerate(drawn, start=1)
            ],
        )
        audit_record(
            action="cycle.order_draw",
            actor=actor,
            target=cycle.title,
            organization=cycle.host,
            detail={"session": session, "seed": seed},
        )
    return draw
