"""The cycle archive (归档): one cycle as a versioned JSON document, and back again.

Format "debrief.cycle-archive", version 1, is explained field by field in
docs/archive.md and described by the JSON Schema docs/archive-schema.json.

- `export_cycle(cycle)` writes the roster, scheme, indicator catalogue, daily scores,
  bonuses and penalties, debriefing scores, vetoes, the democratic evaluation (groups,
  shares and the anonymous ballots: no tokens, no receipts), comments with their
  problems, the results with their reasons, and the approval.
- `import_cycle(data)` checks the whole document first and names every problem by its
  JSON path (`daily_scores[3].points`); then, in one transaction, it creates what the
  installation lacks (organizations by code, people, the cycle), enters the scores
  through the services, rebuilds the closed evaluation with fresh receipts, recomputes
  the results and compares them with the archived ones. With `dry_run` everything is
  rolled back after the comparison.

An imported cycle ends at the assessment stage with draft results, unless the archive
carries an `approval` and the recomputed results match: then the approval (and the
publication, the corrections and the closing, as archived) are replayed.
"""

from __future__ import annotations

import datetime
import json
import random
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from debrief.assessments.compute import Rules
from debrief.assessments.models import (
    AdjustmentKind,
    DailyScore,
    DebriefScore,
    Grade,
    Indicator,
    IndicatorCategory,
    Result,
    ResultSet,
    ResultStatus,
    Scheme,
    ScoreAdjustment,
    Veto,
    VetoItem,
)
from debrief.assessments.services import (
    RULE_MESSAGES,
    adjustment_add,
    daily_score_set,
    debrief_score_set,
    result_adjust,
    result_correct,
    results_approve,
    results_compute,
    results_publish,
    scheme_set,
    veto_set,
)
from debrief.audit.services import audit_record
from debrief.ballots.codes import receipt_for
from debrief.ballots.models import (
    DEFAULT_POINTS,
    Ballot,
    Evaluation,
    EvaluationItem,
    EvaluationStatus,
    Receipt,
    VoterGroup,
)
from debrief.cycles.models import Cycle, CycleStatus, Mode, Reporter
from debrief.cycles.services import cycle_create, cycle_transition, post_title_for, reporter_add
from debrief.lib.errors import DomainError
from debrief.meetings.models import Comment, CommenterRole, Meeting, MeetingStatus
from debrief.orgs.models import Field, Level, Organization
from debrief.orgs.services import org_create, placement_error
from debrief.people.models import Gender, Person
from debrief.rectification.models import Category, Problem, ProblemStatus, Severity, Source
from debrief.rectification.services import problem_create

FORMAT = "debrief.cycle-archive"
VERSION = 1

GRADES = list(Grade.values)
HUNDRED = Decimal(100)
MAX_POINTS = Decimal("9999.99")  # DecimalField(max_digits=6, decimal_places=2)
MAX_REASON_LENGTH = 500  # as on a ballot


# -- the outcome of an import ---------------------------------------------------------


@dataclass(frozen=True)
class ArchiveProblem:
    """Something wrong with the document, at a JSON path such as `roster[2].organization`."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ArchiveError(DomainError):
    """The archive cannot be imported; `problems` lists every problem found."""

    def __init__(self, problems: list[ArchiveProblem]) -> None:
        super().__init__(
            _("The archive cannot be imported: %(n)d problem(s); nothing was changed.")
            % {"n": len(problems)}
        )
        self.problems = problems


@dataclass(frozen=True)
class Difference:
    """One recomputed value that differs from the archived one."""

    reporter: str  # the roster key
    field: str  # daily, evaluation, debrief, total, grade, rank, reasons or result
    archived: str
    recomputed: str


@dataclass
class ImportReport:
    cycle_id: int | None  # None after a dry run
    dry_run: bool
    counts: dict[str, int]
    compared: bool  # False when the archive carries no results
    differences: list[Difference]
    warnings: list[str]
    cycle_status: str
    results_status: str

    @property
    def matches(self) -> bool:
        return not self.differences


# -- export ---------------------------------------------------------------------------


def _d(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _date(value: datetime.date | None) -> str | None:
    return None if value is None else value.isoformat()


def export_cycle(cycle: Cycle) -> dict[str, Any]:
    """The whole cycle as an archive document (plain JSON types, decimals as strings)."""
    cycle = Cycle.objects.select_related("host").get(pk=cycle.pk)  # as stored now
    host = cycle.host
    reporters = list(
        cycle.reporters.select_related("organization", "person").order_by("organization__path")
    )
    key_of = {r.pk: r.organization.code for r in reporters}
    order_of = {r.pk: n for n, r in enumerate(reporters)}

    paths = {host.path}
    for reporter in reporters:
        org = reporter.organization
        paths.update(p for p in [*org.ancestor_paths(), org.path] if p.startswith(host.path))
    organizations = [
        {
            "code": org.code,
            "name": org.name,
            "short_name": org.short_name,
            "level": org.level,
            "field": org.field,
            "parent_code": org.parent.code if org.parent else None,
        }
        for org in Organization.objects.filter(path__in=paths)
        .select_related("parent")
        .order_by("path")
    ]

    roster = []
    for reporter in reporters:
        person: dict[str, Any] = {"name": reporter.person.name, "gender": reporter.person.gender}
        if reporter.person.ethnicity:
            person["ethnicity"] = reporter.person.ethnicity
        roster.append(
            {
                "key": key_of[reporter.pk],
                "organization": reporter.organization.code,
                "person": person,
                "post_title": reporter.post_title,
                "mode": reporter.mode,
                "session": reporter.session,
                "order": reporter.order,
            }
        )

    scheme = Scheme.objects.filter(cycle=cycle).first() or Scheme(cycle=cycle)
    veto_items = list(scheme.veto_items.order_by("pk")) if scheme.pk else []

    indicators = list(
        Indicator.objects.filter(category__cycle=cycle)
        .select_related("category")
        .order_by("category__order", "category__pk", "order", "pk")
    )
    codes = Counter(i.code for i in indicators)
    twice = sorted(code for code, n in codes.items() if n > 1)
    if twice:
        raise DomainError(
            _("Indicator codes must differ to archive the cycle; used twice: %(codes)s")
            % {"codes": ", ".join(twice)}
        )

    def by_roster(reporter_id: int) -> int:
        return order_of.get(reporter_id, len(order_of))

    daily_scores = []
    for score in sorted(
        DailyScore.objects.filter(reporter__cycle=cycle).select_related("indicator__category"),
        key=lambda s: (
            by_roster(s.reporter_id),
            s.indicator.category.order,
            s.indicator.category_id,
            s.indicator.order,
            s.indicator_id,
        ),
    ):
        entry: dict[str, Any] = {
            "reporter": key_of[score.reporter_id],
            "indicator": score.indicator.code,
            "points": _d(score.points),
        }
        if score.self_points is not None:
            entry["self_points"] = _d(score.self_points)
        if score.evidence:
            entry["evidence"] = score.evidence
        daily_scores.append(entry)

    adjustments = [
        {
            "reporter": key_of[a.reporter_id],
            "kind": a.kind,
            "points": _d(a.points),
            "reason": a.reason,
        }
        for a in sorted(
            ScoreAdjustment.objects.filter(reporter__cycle=cycle),
            key=lambda a: (by_roster(a.reporter_id), a.pk),
        )
    ]
    debrief_scores = []
    for debrief in sorted(
        DebriefScore.objects.filter(reporter__cycle=cycle), key=lambda s: by_roster(s.reporter_id)
    ):
        entry = {"reporter": key_of[debrief.reporter_id], "points": _d(debrief.points)}
        if debrief.note:
            entry["note"] = debrief.note
        debrief_scores.append(entry)
    vetoes = []
    for veto in sorted(
        Veto.objects.filter(reporter__cycle=cycle).select_related("item"),
        key=lambda v: (by_roster(v.reporter_id), v.item.name),
    ):
        entry = {"reporter": key_of[veto.reporter_id], "item": veto.item.name}
        if veto.note:
            entry["note"] = veto.note
        vetoes.append(entry)

    evaluations = list(
        Evaluation.objects.filter(meeting__cycle=cycle, status=EvaluationStatus.CLOSED)
        .select_related("meeting")
        .order_by("meeting__session", "pk")
    )
    exported_evaluations = [
        _export_evaluation(evaluation, reporters, key_of, single=len(evaluations) == 1)
        for evaluation in evaluations
    ]

    comments = []
    for comment in sorted(
        Comment.objects.filter(reporter__cycle=cycle).prefetch_related("problems"),
        key=lambda c: (by_roster(c.reporter_id), c.created_at, c.pk),
    ):
        problems = []
        for problem in sorted(comment.problems.all(), key=lambda p: p.pk):
            item: dict[str, Any] = {
                "category": problem.category,
                "severity": problem.severity,
                "description": problem.description,
                "status": problem.status,
            }
            if problem.deadline:
                item["deadline"] = problem.deadline.isoformat()
            problems.append(item)
        entry = {
            "reporter": key_of[comment.reporter_id],
            "commenter": comment.commenter,
            "commenter_role": comment.commenter_role,
            "affirmations": comment.affirmations,
            "requirements": comment.requirements,
            "problems": problems,
        }
        if comment.portfolio:
            entry["portfolio"] = comment.portfolio
        comments.append(entry)

    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.localtime().isoformat(timespec="seconds"),
        "cycle": {
            "host": {
                "code": host.code,
                "name": host.name,
                "level": host.level,
                "field": host.field,
            },
            "year": cycle.year,
            "title": cycle.title,
            "levels": list(cycle.levels),
            "fields": list(cycle.fields),
            "reference_date": cycle.reference_date.isoformat(),
            "report_deadline": _date(cycle.report_deadline),
            "meeting_deadline": _date(cycle.meeting_deadline),
            "key_content": cycle.key_content,
            "status": cycle.status,
        },
        "organizations": organizations,
        "roster": roster,
        "scheme": {
            "weights": {
                "daily": _d(scheme.weight_daily),
                "evaluation": _d(scheme.weight_evaluation),
                "debrief": _d(scheme.weight_debrief),
            },
            "bands": {
                "good": _d(scheme.band_good),
                "fairly_good": _d(scheme.band_fairly_good),
                "average": _d(scheme.band_average),
            },
            "poor_share_cap": _d(scheme.poor_share_cap),
            "poor_share_cap_grade": scheme.poor_share_cap_grade,
            "good_quota": _d(scheme.good_quota),
            "veto_grade": scheme.veto_grade,
            "veto_items": [item.name for item in veto_items],
        },
        "indicators": [
            {
                "category": i.category.name,
                "code": i.code,
                "name": i.name,
                "max_points": _d(i.max_points),
                "criteria": i.criteria,
                "fields": list(i.fields or []),
            }
            for i in indicators
        ],
        "daily_scores": daily_scores,
        "adjustments": adjustments,
        "debrief_scores": debrief_scores,
        "vetoes": vetoes,
        "evaluation": (
            None
            if not exported_evaluations
            else exported_evaluations[0]
            if len(exported_evaluations) == 1
            else exported_evaluations
        ),
        "comments": comments,
    }
    result_set = ResultSet.objects.filter(cycle=cycle).first()
    if result_set is not None and result_set.results.exists():
        document["results"] = _export_results(result_set, key_of, by_roster)
        if result_set.status in (ResultStatus.APPROVED, ResultStatus.PUBLISHED):
            document["approval"] = {
                "approved_on": _date(result_set.approved_on),
                "document": result_set.approval_document,
                "approved_by": result_set.approved_by,
                "rectify_by": _date(result_set.rectify_by),
                "published_at": result_set.published_at.isoformat(timespec="seconds")
                if result_set.published_at
                else None,
            }
    return document


def _export_evaluation(
    evaluation: Evaluation, reporters: list[Reporter], key_of: dict[int, str], *, single: bool
) -> dict[str, Any]:
    meeting = evaluation.meeting
    groups = list(evaluation.groups.order_by("order", "pk"))
    items = list(evaluation.items.order_by("order", "pk"))
    item_name = {str(i.pk): i.name for i in items}
    form = [int(pk) for pk in evaluation.reporter_ids if int(pk) in key_of]
    on_form = set(form)
    default_form = {r.pk for r in reporters if single or r.session == meeting.session}
    ballots = []
    rows = Ballot.objects.filter(evaluation=evaluation).order_by("group__order", "group_id", "id")
    group_name = {g.pk: g.name for g in groups}
    for ballot in rows:
        ratings: dict[str, Any] = {}
        stored = {int(k): v for k, v in (ballot.ratings or {}).items()}
        for reporter in reporters:  # roster order, for readability
            entry = stored.get(reporter.pk)
            if entry is None or reporter.pk not in on_form:
                continue
            extra = {}
            if entry.get("reason"):
                extra["reason"] = entry["reason"]
            if entry.get("items"):
                extra["items"] = {
                    item_name[str(k)]: v for k, v in entry["items"].items() if str(k) in item_name
                }
            ratings[key_of[reporter.pk]] = (
                {"grade": entry["grade"], **extra} if extra else entry["grade"]
            )
        ballots.append({"group": group_name[ballot.group_id], "ratings": ratings})
    exported: dict[str, Any] = {
        "session": meeting.session,
        "meeting_date": meeting.date.isoformat(),
        "presider": meeting.presider,
        "points": {grade: evaluation.points_for(grade) for grade in GRADES},
        "min_group_size": evaluation.min_group_size,
        "require_all": evaluation.require_all,
        "max_good_share": _d(evaluation.max_good_share),
        "reason_required_for_poor": evaluation.reason_required_for_poor,
        "items": [i.name for i in items],
        "groups": [{"name": g.name, "share": _d(g.share)} for g in groups],
    }
    if on_form != default_form:
        exported["reporters"] = [key_of[pk] for pk in form]
    exported["ballots"] = ballots
    return exported


def _export_results(
    result_set: ResultSet, key_of: dict[int, str], by_roster: Any
) -> list[dict[str, Any]]:
    results = sorted(
        result_set.results.prefetch_related("corrections"),
        key=lambda r: (r.rank, by_roster(r.reporter_id)),
    )
    exported = []
    for result in results:
        entry: dict[str, Any] = {
            "reporter": key_of[result.reporter_id],
            "daily": _d(result.daily),
            "evaluation": _d(result.evaluation),
            "debrief": _d(result.debrief),
            "total": _d(result.total),
            "grade": result.grade,
            "computed_grade": result.computed_grade,
            "rank": result.rank,
            "reasons": list(result.reasons),
            "adjusted_reason": result.adjusted_reason,
        }
        corrections = sorted(
            (c for c in result.corrections.all() if c.field == "grade"), key=lambda c: (c.at, c.pk)
        )
        if corrections:
            entry["corrections"] = [
                {"from": c.old_value, "to": c.new_value, "reason": c.reason} for c in corrections
            ]
        exported.append(entry)
    return exported


# -- reading and checking the document ------------------------------------------------


_SIMPLE_KEY = re.compile(r"^[\w-]+$")


def _key_path(path: str, key: str) -> str:
    if _SIMPLE_KEY.match(key):
        return f"{path}.{key}" if path else key
    quoted = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'{path}["{quoted}"]'


_MISSING: Any = object()


@dataclass
class _Org:
    path: str
    code: str
    name: str
    short_name: str
    level: str
    field: str
    parent_code: str | None


@dataclass
class _Reporter:
    path: str
    key: str
    organization: str
    name: str
    gender: str
    ethnicity: str
    post_title: str
    mode: str
    session: int
    order: int | None


@dataclass
class _Indicator:
    path: str
    category: str
    code: str
    name: str
    max_points: Decimal
    criteria: str
    fields: list[str]


@dataclass
class _Ballot:
    group: str
    ratings: dict[str, dict[str, Any]]  # reporter key -> {"grade", "reason"?, "items"?}


@dataclass
class _Evaluation:
    path: str
    session: int
    meeting_date: datetime.date | None
    presider: str
    points: dict[str, int]
    min_group_size: int
    require_all: bool
    max_good_share: Decimal | None
    reason_required_for_poor: bool
    items: list[str]
    groups: list[tuple[str, Decimal]]
    reporters: list[str]  # the form, in form order
    ballots: list[_Ballot]


@dataclass
class _Comment:
    path: str
    reporter: str
    commenter: str
    commenter_role: str
    portfolio: str
    affirmations: str
    requirements: str
    problems: list[dict[str, Any]]


@dataclass
class _Result:
    path: str
    reporter: str
    values: dict[str, Decimal | None]  # daily, evaluation, debrief when given; total
    grade: str
    computed_grade: str  # the computed one: `computed_grade` if given, else `grade`
    rank: int
    reasons: list[dict[str, Any]] | None
    adjusted_reason: str
    corrections: list[tuple[str, str, str]]  # (from, to, reason)

    @property
    def adjusted_grade(self) -> str:
        """The grade after a manual adjustment, before any correction."""
        return self.corrections[0][0] if self.corrections else self.grade


@dataclass
class _Archive:
    host: str
    year: int
    title: str
    levels: list[str] | None
    fields: list[str] | None
    reference_date: datetime.date
    report_deadline: datetime.date | None
    meeting_deadline: datetime.date | None
    key_content: str
    status: str
    organizations: list[_Org]
    roster: list[_Reporter]
    scheme: dict[str, Any]
    veto_items: list[str]
    indicators: list[_Indicator]
    daily_scores: list[dict[str, Any]]
    adjustments: list[dict[str, Any]]
    debrief_scores: list[dict[str, Any]]
    vetoes: list[dict[str, Any]]
    evaluations: list[_Evaluation]
    comments: list[_Comment]
    results: list[_Result] | None
    approval: dict[str, Any] | None


class _Reader:
    """Checks the document and turns it into typed values, collecting every problem."""

    def __init__(self) -> None:
        self.problems: list[ArchiveProblem] = []

    def error(self, path: str, message: str) -> None:
        self.problems.append(ArchiveProblem(path, message))

    # -- shapes --

    def obj(
        self,
        value: Any,
        path: str,
        *,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, _("must be an object"))
            return None
        for key in required:
            if key not in value:
                self.error(_key_path(path, key), _("is required"))
        for key in value:
            if key not in required and key not in optional:
                self.error(_key_path(path, str(key)), _("unknown key"))
        return value

    def array(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, _("must be an array"))
            return []
        return value

    def text(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        max_length: int,
        default: str | None = None,
        blank: bool = False,
    ) -> str:
        where = _key_path(path, key)
        value = data.get(key, _MISSING)
        if value is _MISSING or (value is None and default is not None):
            if default is None:
                return ""  # reported as missing by obj()
            return default
        if not isinstance(value, str):
            self.error(where, _("must be a string"))
            return ""
        value = value.strip()
        if not value and not blank:
            self.error(where, _("must not be empty"))
        elif len(value) > max_length:
            self.error(where, _("is longer than %(n)d characters") % {"n": max_length})
        return value

    def choice(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        choices: list[str],
        *,
        default: str | None = None,
    ) -> str:
        value = data.get(key, _MISSING)
        if value is _MISSING or (value is None and default is not None):
            return default or ""
        if value not in choices:
            self.error(
                _key_path(path, key),
                _("must be one of %(choices)s") % {"choices": ", ".join(choices)},
            )
            return default or (choices[0] if choices else "")
        return str(value)

    def integer(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        low: int,
        high: int,
        default: int | None = None,
        nullable: bool = False,
    ) -> int | None:
        value = data.get(key, _MISSING)
        if value is _MISSING:
            return default
        if value is None and nullable:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(_key_path(path, key), _("must be a whole number"))
            return default
        if not low <= value <= high:
            self.error(
                _key_path(path, key),
                _("must lie between %(low)d and %(high)d") % {"low": low, "high": high},
            )
        return value

    def boolean(self, data: dict[str, Any], key: str, path: str, *, default: bool) -> bool:
        value = data.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, bool):
            self.error(_key_path(path, key), _("must be true or false"))
            return default
        return value

    def number(self, value: Any, where: str) -> Decimal | None:
        """A decimal written as a string ("91.36") or a JSON number; None if invalid."""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(where, _('must be a decimal number written as a string, like "91.36"'))
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(where, _("“%(value)s” is not a number") % {"value": value})
            return None
        if not number.is_finite():
            self.error(where, _("“%(value)s” is not a number") % {"value": value})
            return None
        return number

    def decimal(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        places: int | None,
        low: Decimal | None = None,
        high: Decimal | None = None,
        low_open: bool = False,
        nullable: bool = False,
    ) -> Decimal | None:
        where = _key_path(path, key)
        value = data.get(key, _MISSING)
        if value is _MISSING:
            return None  # reported as missing by obj() where it is required
        if value is None:
            if not nullable:
                self.error(where, _("must not be null"))
            return None
        number = self.number(value, where)
        if number is None:
            return None
        if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
            self.error(where, _("has more than %(n)d decimal places") % {"n": places})
        if low is not None and (number <= low if low_open else number < low):
            self.error(
                where,
                (_("must be greater than %(low)s") if low_open else _("must be at least %(low)s"))
                % {"low": low},
            )
        if high is not None and number > high:
            self.error(where, _("must be at most %(high)s") % {"high": high})
        return number

    def date(
        self, data: dict[str, Any], key: str, path: str, *, nullable: bool = True
    ) -> datetime.date | None:
        value = data.get(key, _MISSING)
        if value is _MISSING or (value is None and nullable):
            return None
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(_key_path(path, key), _("must be a date written as YYYY-MM-DD"))
        return None

    def moment(self, data: dict[str, Any], key: str, path: str) -> datetime.datetime | None:
        value = data.get(key, _MISSING)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, str):
            try:
                moment = datetime.datetime.fromisoformat(value.strip())
            except ValueError:
                pass
            else:
                if timezone.is_naive(moment):
                    moment = timezone.make_aware(moment)
                return moment
        self.error(
            _key_path(path, key), _("must be a date and time such as 2026-02-01T10:00:00+08:00")
        )
        return None

    def string_list(
        self, data: dict[str, Any], key: str, path: str, *, choices: list[str] | None = None
    ) -> list[str]:
        where = _key_path(path, key)
        values = self.array(data.get(key), where)
        found = []
        for n, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                self.error(f"{where}[{n}]", _("must be a non-empty string"))
            elif choices is not None and value not in choices:
                self.error(
                    f"{where}[{n}]",
                    _("must be one of %(choices)s") % {"choices": ", ".join(choices)},
                )
            elif value.strip() in found:
                self.error(f"{where}[{n}]", _("“%(value)s” is listed twice") % {"value": value})
            else:
                found.append(value.strip())
        return found


TOP_REQUIRED = ("format", "version", "cycle", "organizations", "roster", "scheme")
TOP_OPTIONAL = (
    "exported_at",
    "indicators",
    "daily_scores",
    "adjustments",
    "debrief_scores",
    "vetoes",
    "evaluation",
    "comments",
    "results",
    "approval",
)


def read_archive(data: Any) -> _Archive:
    """The checked archive, or ArchiveError listing every problem with its path."""
    reader = _Reader()
    top = reader.obj(data, "", required=TOP_REQUIRED, optional=TOP_OPTIONAL)
    if top is None:
        raise ArchiveError(reader.problems)
    if top.get("format") != FORMAT:
        reader.error("format", _("must be “%(format)s”") % {"format": FORMAT})
    version = top.get("version")
    if type(version) is not int or version != VERSION:
        reader.error(
            "version",
            _("version %(found)s is not supported; this installation reads version %(v)d")
            % {"found": version, "v": VERSION},
        )
    if reader.problems:  # another format or version: the rest cannot be read as version 1
        raise ArchiveError(reader.problems)
    if "exported_at" in top and top["exported_at"] is not None:
        reader.moment(top, "exported_at", "")

    cycle = reader.obj(
        top.get("cycle"),
        "cycle",
        required=("host", "year", "reference_date"),
        optional=(
            "title", "levels", "fields", "status", "report_deadline", "meeting_deadline",
            "key_content",
        ),
    ) or {}  # fmt: skip
    host = (
        reader.obj(
            cycle["host"], "cycle.host", required=("code",), optional=("name", "level", "field")
        )
        if "host" in cycle
        else None
    ) or {}
    host_code = reader.text(host, "code", "cycle.host", max_length=32)
    year = reader.integer(cycle, "year", "cycle", low=1900, high=2999) or 0
    levels = (
        reader.string_list(cycle, "levels", "cycle", choices=list(Level.values))
        if cycle.get("levels") is not None
        else None
    )
    fields = (
        reader.string_list(cycle, "fields", "cycle", choices=list(Field.values))
        if cycle.get("fields") is not None
        else None
    )
    reference_date = reader.date(cycle, "reference_date", "cycle", nullable=False)
    status = reader.choice(
        cycle, "status", "cycle", list(CycleStatus.values), default=CycleStatus.ASSESSMENT
    )
    title = reader.text(cycle, "title", "cycle", max_length=200, default="", blank=True)
    report_deadline = reader.date(cycle, "report_deadline", "cycle")
    meeting_deadline = reader.date(cycle, "meeting_deadline", "cycle")
    key_content = reader.text(
        cycle, "key_content", "cycle", max_length=100_000, default="", blank=True
    )

    organizations = _read_organizations(reader, top.get("organizations"))
    orgs = {o.code: o for o in organizations}
    if host_code and host_code not in orgs:
        reader.error("cycle.host.code", _("the host must also be listed in “organizations”"))
    elif host_code:
        for key in ("name", "level", "field"):
            if key in host and host[key] != getattr(orgs[host_code], key):
                reader.error(
                    _key_path("cycle.host", key),
                    _("differs from the host's entry in “organizations”"),
                )

    roster = _read_roster(reader, top.get("roster"), orgs, host_code)
    keys = {r.key: r for r in roster}
    scheme, veto_items = _read_scheme(reader, top.get("scheme"))
    indicators = _read_indicators(reader, top.get("indicators"))
    by_code = {i.code: i for i in indicators}

    def reporter_ref(entry: dict[str, Any], path: str) -> str:
        key = entry.get("reporter")
        if not isinstance(key, str) or key not in keys:
            reader.error(
                _key_path(path, "reporter"),
                _("“%(key)s” is not a key in “roster”") % {"key": key},
            )
            return ""
        return key

    daily_scores = []
    seen_scores: set[tuple[str, str]] = set()
    for n, raw in enumerate(reader.array(top.get("daily_scores"), "daily_scores")):
        path = f"daily_scores[{n}]"
        entry = reader.obj(
            raw,
            path,
            required=("reporter", "indicator", "points"),
            optional=("self_points", "evidence"),
        )
        if entry is None:
            continue
        key = reporter_ref(entry, path)
        code = entry.get("indicator")
        indicator = by_code.get(code) if isinstance(code, str) else None
        if indicator is None:
            reader.error(
                _key_path(path, "indicator"),
                _("“%(code)s” is not a code in “indicators”") % {"code": code},
            )
        high = indicator.max_points if indicator else MAX_POINTS
        points = reader.decimal(entry, "points", path, places=2, low=Decimal(0), high=high)
        self_points = reader.decimal(
            entry, "self_points", path, places=2, low=Decimal(0), high=high, nullable=True
        )
        evidence = reader.text(entry, "evidence", path, max_length=100_000, default="", blank=True)
        if key and indicator:
            org = orgs.get(keys[key].organization)
            if org and indicator.fields and org.field not in indicator.fields:
                reader.error(
                    _key_path(path, "indicator"),
                    _("%(code)s does not apply to the field “%(field)s” of %(org)s")
                    % {"code": indicator.code, "field": org.field, "org": org.code},
                )
            if (key, indicator.code) in seen_scores:
                reader.error(path, _("this reporter already has points for this indicator"))
            seen_scores.add((key, indicator.code))
        daily_scores.append(
            {
                "path": path,
                "reporter": key,
                "indicator": code,
                "points": points,
                "self_points": self_points,
                "evidence": evidence,
            }
        )

    adjustments = []
    for n, raw in enumerate(reader.array(top.get("adjustments"), "adjustments")):
        path = f"adjustments[{n}]"
        entry = reader.obj(raw, path, required=("reporter", "kind", "points", "reason"))
        if entry is None:
            continue
        adjustments.append(
            {
                "path": path,
                "reporter": reporter_ref(entry, path),
                "kind": reader.choice(entry, "kind", path, list(AdjustmentKind.values)),
                "points": reader.decimal(
                    entry, "points", path, places=2, low=Decimal(0), low_open=True, high=MAX_POINTS
                ),
                "reason": reader.text(entry, "reason", path, max_length=300),
            }
        )

    debrief_scores = []
    seen: set[str] = set()
    for n, raw in enumerate(reader.array(top.get("debrief_scores"), "debrief_scores")):
        path = f"debrief_scores[{n}]"
        entry = reader.obj(raw, path, required=("reporter", "points"), optional=("note",))
        if entry is None:
            continue
        key = reporter_ref(entry, path)
        if key and key in seen:
            reader.error(path, _("this reporter already has a debriefing score"))
        seen.add(key)
        debrief_scores.append(
            {
                "path": path,
                "reporter": key,
                "points": reader.decimal(
                    entry, "points", path, places=2, low=Decimal(0), high=HUNDRED
                ),
                "note": reader.text(entry, "note", path, max_length=300, default="", blank=True),
            }
        )

    vetoes = []
    seen_vetoes: set[tuple[str, str]] = set()
    for n, raw in enumerate(reader.array(top.get("vetoes"), "vetoes")):
        path = f"vetoes[{n}]"
        entry = reader.obj(raw, path, required=("reporter", "item"), optional=("note",))
        if entry is None:
            continue
        key = reporter_ref(entry, path)
        item = entry.get("item")
        if not isinstance(item, str) or item.strip() not in veto_items:
            reader.error(
                _key_path(path, "item"),
                _("“%(item)s” is not in “scheme.veto_items”") % {"item": item},
            )
            item = ""
        else:
            item = item.strip()
            if (key, item) in seen_vetoes:
                reader.error(path, _("this veto is listed twice"))
            seen_vetoes.add((key, item))
        vetoes.append(
            {
                "path": path,
                "reporter": key,
                "item": item,
                "note": reader.text(entry, "note", path, max_length=300, default="", blank=True),
            }
        )

    evaluations = _read_evaluations(reader, top.get("evaluation"), roster)
    comments = _read_comments(reader, top.get("comments"), keys)
    results = (
        _read_results(reader, top.get("results"), keys) if top.get("results") is not None else None
    )
    approval = None
    if top.get("approval") is not None:
        raw_approval = reader.obj(
            top.get("approval"),
            "approval",
            required=("approved_on", "document"),
            optional=("approved_by", "rectify_by", "published_at"),
        )
        if raw_approval is not None:
            approval = {
                "approved_on": reader.date(raw_approval, "approved_on", "approval", nullable=False),
                "document": reader.text(raw_approval, "document", "approval", max_length=100),
                "approved_by": reader.text(
                    raw_approval, "approved_by", "approval", max_length=100, default="", blank=True
                ),
                "rectify_by": reader.date(raw_approval, "rectify_by", "approval"),
                "published_at": reader.moment(raw_approval, "published_at", "approval"),
            }
            if results is None:
                reader.error("approval", _("an approval needs the archived “results”"))

    if reader.problems:
        raise ArchiveError(reader.problems)
    assert reference_date is not None
    return _Archive(
        host=host_code,
        year=year,
        title=title,
        levels=levels,
        fields=fields,
        reference_date=reference_date,
        report_deadline=report_deadline,
        meeting_deadline=meeting_deadline,
        key_content=key_content,
        status=status,
        organizations=organizations,
        roster=roster,
        scheme=scheme,
        veto_items=veto_items,
        indicators=indicators,
        daily_scores=daily_scores,
        adjustments=adjustments,
        debrief_scores=debrief_scores,
        vetoes=vetoes,
        evaluations=evaluations,
        comments=comments,
        results=results,
        approval=approval,
    )


def _read_organizations(reader: _Reader, value: Any) -> list[_Org]:
    organizations: list[_Org] = []
    codes: dict[str, _Org] = {}
    for n, raw in enumerate(reader.array(value, "organizations")):
        path = f"organizations[{n}]"
        entry = reader.obj(
            raw,
            path,
            required=("code", "name", "level", "field"),
            optional=("short_name", "parent_code"),
        )
        if entry is None:
            continue
        org = _Org(
            path=path,
            code=reader.text(entry, "code", path, max_length=32),
            name=reader.text(entry, "name", path, max_length=100),
            short_name=reader.text(
                entry, "short_name", path, max_length=50, default="", blank=True
            ),
            level=reader.choice(entry, "level", path, list(Level.values)),
            field=reader.choice(entry, "field", path, list(Field.values)),
            parent_code=None,
        )
        parent_code = entry.get("parent_code")
        if parent_code is not None and (not isinstance(parent_code, str) or not parent_code):
            reader.error(_key_path(path, "parent_code"), _("must be a code or null"))
        elif parent_code is not None and parent_code == org.code:
            reader.error(_key_path(path, "parent_code"), _("cannot be the organization itself"))
        elif parent_code is not None:
            org.parent_code = parent_code
        if org.code in codes:
            reader.error(
                _key_path(path, "code"), _("“%(code)s” is listed twice") % {"code": org.code}
            )
            continue
        parent = codes.get(org.parent_code) if org.parent_code else None
        if (
            org.parent_code
            and parent is None
            and any(
                isinstance(later, dict) and later.get("code") == org.parent_code
                for later in (value[n + 1 :] if isinstance(value, list) else [])
            )
        ):
            reader.error(
                _key_path(path, "parent_code"),
                _("the parent %(code)s must be listed before its children")
                % {"code": org.parent_code},
            )
        if org.level in Level.values and org.field in Field.values:
            problem = placement_error(
                level=org.level, field=org.field, parent_level=parent.level if parent else None
            )
            if problem:
                reader.error(path, problem)
        if org.code:
            codes[org.code] = org
        organizations.append(org)
    if not organizations:
        reader.error("organizations", _("must list at least the host"))
    return organizations


def _inside(orgs: dict[str, _Org], code: str, host: str) -> bool:
    """Whether `code` lies strictly below `host` in the archive's tree."""
    seen = set()
    current = orgs.get(code)
    while current is not None and current.parent_code and current.code not in seen:
        seen.add(current.code)
        if current.parent_code == host:
            return True
        current = orgs.get(current.parent_code)
    return False


def _read_roster(reader: _Reader, value: Any, orgs: dict[str, _Org], host: str) -> list[_Reporter]:
    roster: list[_Reporter] = []
    keys: set[str] = set()
    used_orgs: set[str] = set()
    orders: set[tuple[int, int]] = set()
    for n, raw in enumerate(reader.array(value, "roster")):
        path = f"roster[{n}]"
        entry = reader.obj(
            raw,
            path,
            required=("key", "organization", "person"),
            optional=("post_title", "mode", "session", "order"),
        )
        if entry is None:
            continue
        key = entry.get("key")
        if not isinstance(key, str) or not key.strip():
            reader.error(_key_path(path, "key"), _("must be a non-empty string"))
            key = ""
        elif key in keys:
            reader.error(_key_path(path, "key"), _("“%(key)s” is listed twice") % {"key": key})
        keys.add(key)
        code = entry.get("organization")
        org = orgs.get(code) if isinstance(code, str) else None
        if org is None:
            reader.error(
                _key_path(path, "organization"),
                _("“%(code)s” is not a code in “organizations”") % {"code": code},
            )
        elif not _inside(orgs, org.code, host):
            reader.error(
                _key_path(path, "organization"),
                _("%(code)s does not lie under the host %(host)s")
                % {"code": org.code, "host": host},
            )
        elif org.code in used_orgs:
            reader.error(
                _key_path(path, "organization"),
                _("%(code)s already has a reporter on this roster") % {"code": org.code},
            )
        if org is not None:
            used_orgs.add(org.code)
        person = (
            reader.obj(
                entry["person"],
                _key_path(path, "person"),
                required=("name", "gender"),
                optional=("ethnicity",),
            )
            if "person" in entry
            else None
        ) or {}
        person_path = _key_path(path, "person")
        session = reader.integer(entry, "session", path, low=1, high=32767, default=1) or 1
        order = reader.integer(entry, "order", path, low=1, high=32767, nullable=True)
        if order is not None:
            if (session, order) in orders:
                reader.error(
                    _key_path(path, "order"),
                    _("order %(order)d of session %(session)d is taken twice")
                    % {"order": order, "session": session},
                )
            orders.add((session, order))
        roster.append(
            _Reporter(
                path=path,
                key=key,
                organization=org.code if org else "",
                name=reader.text(person, "name", person_path, max_length=50),
                gender=reader.choice(person, "gender", person_path, list(Gender.values)),
                ethnicity=reader.text(
                    person, "ethnicity", person_path, max_length=20, default="", blank=True
                ),
                post_title=reader.text(
                    entry,
                    "post_title",
                    path,
                    max_length=120,
                    default=f"{org.name}书记" if org else "",
                ),
                mode=reader.choice(entry, "mode", path, list(Mode.values), default=Mode.WRITTEN),
                session=session,
                order=order,
            )
        )
    if not roster:
        reader.error("roster", _("must list at least one reporter"))
    return roster


def _read_scheme(reader: _Reader, value: Any) -> tuple[dict[str, Any], list[str]]:
    scheme = reader.obj(
        value,
        "scheme",
        required=("weights", "bands"),
        optional=(
            "poor_share_cap", "poor_share_cap_grade", "good_quota", "veto_grade", "veto_items",
        ),
    ) or {}  # fmt: skip
    weights = (
        reader.obj(scheme["weights"], "scheme.weights", required=("daily", "evaluation", "debrief"))
        if "weights" in scheme
        else None
    ) or {}
    bands = (
        reader.obj(scheme["bands"], "scheme.bands", required=("good", "fairly_good", "average"))
        if "bands" in scheme
        else None
    ) or {}
    values: dict[str, Any] = {}
    for key in ("daily", "evaluation", "debrief"):
        values[f"weight_{key}"] = reader.decimal(
            weights, key, "scheme.weights", places=2, low=Decimal(0), high=HUNDRED
        )
    for key in ("good", "fairly_good", "average"):
        values[f"band_{key}"] = reader.decimal(
            bands, key, "scheme.bands", places=2, low=Decimal(0), high=HUNDRED
        )
    for key in ("poor_share_cap", "good_quota"):
        values[key] = reader.decimal(
            scheme, key, "scheme", places=4, low=Decimal(0), high=Decimal(1), nullable=True
        )
    values["poor_share_cap_grade"] = reader.choice(
        scheme, "poor_share_cap_grade", "scheme", GRADES, default=Grade.FAIRLY_GOOD
    )
    values["veto_grade"] = reader.choice(scheme, "veto_grade", "scheme", GRADES, default=Grade.POOR)
    veto_items = reader.string_list(scheme, "veto_items", "scheme")
    for n, item in enumerate(veto_items):
        if len(item) > 200:
            reader.error(
                f"scheme.veto_items[{n}]", _("is longer than %(n)d characters") % {"n": 200}
            )
    if all(values[k] is not None for k in values if k.startswith(("weight_", "band_"))):
        rules = Rules(**values)
        for problem in rules.problems():
            where = {"weights": "scheme.weights", "bands": "scheme.bands"}.get(problem, "scheme")
            reader.error(where, str(RULE_MESSAGES[problem]))
    return values, veto_items


def _read_indicators(reader: _Reader, value: Any) -> list[_Indicator]:
    indicators: list[_Indicator] = []
    codes: set[str] = set()
    for n, raw in enumerate(reader.array(value, "indicators")):
        path = f"indicators[{n}]"
        entry = reader.obj(
            raw,
            path,
            required=("category", "code", "name", "max_points"),
            optional=("criteria", "fields"),
        )
        if entry is None:
            continue
        code = reader.text(entry, "code", path, max_length=20)
        if code in codes:
            reader.error(_key_path(path, "code"), _("“%(code)s” is listed twice") % {"code": code})
        codes.add(code)
        indicators.append(
            _Indicator(
                path=path,
                category=reader.text(entry, "category", path, max_length=100),
                code=code,
                name=reader.text(entry, "name", path, max_length=200),
                max_points=reader.decimal(
                    entry,
                    "max_points",
                    path,
                    places=2,
                    low=Decimal(0),
                    low_open=True,
                    high=MAX_POINTS,
                )
                or Decimal(1),
                criteria=reader.text(
                    entry, "criteria", path, max_length=100_000, default="", blank=True
                ),
                fields=reader.string_list(entry, "fields", path, choices=list(Field.values)),
            )
        )
    return indicators


def _read_evaluations(reader: _Reader, value: Any, roster: list[_Reporter]) -> list[_Evaluation]:
    if value is None:
        return []
    if isinstance(value, dict):
        entries: list[tuple[str, Any]] = [("evaluation", value)]
    elif isinstance(value, list):
        entries = [(f"evaluation[{n}]", item) for n, item in enumerate(value)]
    else:
        reader.error("evaluation", _("must be null, an object or an array of objects"))
        return []
    keys = {r.key: r for r in roster}
    evaluations: list[_Evaluation] = []
    sessions: set[int] = set()
    rated_on: dict[str, str] = {}
    for path, raw in entries:
        entry = reader.obj(
            raw,
            path,
            required=("groups", "ballots"),
            optional=(
                "session", "meeting_date", "presider", "points", "min_group_size", "require_all",
                "max_good_share", "reason_required_for_poor", "items", "reporters",
            ),
        )  # fmt: skip
        if entry is None:
            continue
        session = reader.integer(entry, "session", path, low=1, high=32767, default=1) or 1
        if session in sessions:
            reader.error(
                _key_path(path, "session"),
                _("session %(s)d has two evaluations") % {"s": session},
            )
        sessions.add(session)

        points = dict(DEFAULT_POINTS)
        if entry.get("points") is not None:
            raw_points = reader.obj(entry["points"], f"{path}.points", optional=tuple(GRADES))
            for grade, given in (raw_points or {}).items():
                if grade not in GRADES:
                    continue
                if not isinstance(given, int) or isinstance(given, bool) or not 0 <= given <= 1000:
                    reader.error(f"{path}.points.{grade}", _("must be a whole number 0–1000"))
                else:
                    points[grade] = given
            if not points["good"] >= points["fairly_good"] >= points["average"] >= points["poor"]:
                reader.error(f"{path}.points", _("points must not rise from good to poor"))

        groups: list[tuple[str, Decimal]] = []
        group_values = reader.array(entry.get("groups"), f"{path}.groups")
        for n, raw_group in enumerate(group_values):
            group_path = f"{path}.groups[{n}]"
            group = reader.obj(raw_group, group_path, required=("name", "share"))
            if group is None:
                continue
            name = reader.text(group, "name", group_path, max_length=100)
            share = reader.decimal(
                group, "share", group_path, places=2, low=Decimal(0), high=HUNDRED
            )
            if name in {g for g, _s in groups}:
                reader.error(
                    _key_path(group_path, "name"),
                    _("“%(name)s” is listed twice") % {"name": name},
                )
            groups.append((name, share if share is not None else Decimal(0)))
        if not groups:
            reader.error(f"{path}.groups", _("must list at least one voter group"))
        elif sum(s for _n, s in groups) != HUNDRED:
            reader.error(
                f"{path}.groups",
                _("the shares add up to %(sum)s, not 100") % {"sum": sum(s for _n, s in groups)},
            )
        group_names = {g for g, _s in groups}

        items = reader.string_list(entry, "items", path)
        if "reporters" in entry and entry["reporters"] is not None:
            form = reader.string_list(entry, "reporters", path)
            for n, key in enumerate(form):
                if key not in keys:
                    reader.error(
                        f"{path}.reporters[{n}]",
                        _("“%(key)s” is not a key in “roster”") % {"key": key},
                    )
        elif len(entries) == 1:
            form = [r.key for r in roster]
        else:
            form = [r.key for r in roster if r.session == session]
        for key in form:
            if key in rated_on:
                reader.error(
                    f"{path}.reporters",
                    _("“%(key)s” is on the forms of two evaluations") % {"key": key},
                )
            rated_on[key] = path
        on_form = set(form)

        ballots: list[_Ballot] = []
        for n, raw_ballot in enumerate(reader.array(entry.get("ballots"), f"{path}.ballots")):
            ballot_path = f"{path}.ballots[{n}]"
            ballot = reader.obj(raw_ballot, ballot_path, required=("group", "ratings"))
            if ballot is None:
                continue
            group_name = ballot.get("group")
            if group_name not in group_names:
                reader.error(
                    f"{ballot_path}.group",
                    _("“%(name)s” is not a voter group of this evaluation") % {"name": group_name},
                )
            ratings: dict[str, dict[str, Any]] = {}
            raw_ratings = ballot.get("ratings")
            if not isinstance(raw_ratings, dict):
                reader.error(f"{ballot_path}.ratings", _("must be an object"))
                raw_ratings = {}
            for key, rating in raw_ratings.items():
                rating_path = _key_path(f"{ballot_path}.ratings", str(key))
                if key not in keys:
                    reader.error(
                        rating_path, _("“%(key)s” is not a key in “roster”") % {"key": key}
                    )
                    continue
                if key not in on_form:
                    reader.error(
                        rating_path, _("“%(key)s” is not on this evaluation's form") % {"key": key}
                    )
                    continue
                ratings[key] = _read_rating(reader, rating, rating_path, items)
            ballots.append(_Ballot(group=str(group_name), ratings=ratings))

        evaluations.append(
            _Evaluation(
                path=path,
                session=session,
                meeting_date=reader.date(entry, "meeting_date", path),
                presider=reader.text(
                    entry, "presider", path, max_length=100, default="", blank=True
                ),
                points=points,
                min_group_size=reader.integer(
                    entry, "min_group_size", path, low=1, high=32767, default=3
                )
                or 3,
                require_all=reader.boolean(entry, "require_all", path, default=True),
                max_good_share=reader.decimal(
                    entry,
                    "max_good_share",
                    path,
                    places=3,
                    low=Decimal(0),
                    low_open=True,
                    high=Decimal(1),
                    nullable=True,
                ),
                reason_required_for_poor=reader.boolean(
                    entry, "reason_required_for_poor", path, default=False
                ),
                items=items,
                groups=groups,
                reporters=form,
                ballots=ballots,
            )
        )
    return evaluations


def _read_rating(reader: _Reader, rating: Any, path: str, items: list[str]) -> dict[str, Any]:
    """A rating: "good", or {"grade": "good", "reason": "...", "items": {...}}."""
    short = isinstance(rating, str)
    entry = reader.obj(
        {"grade": rating} if short else rating,
        path,
        required=("grade",),
        optional=("reason", "items"),
    )
    if entry is None:
        return {"grade": Grade.GOOD}
    grade = entry.get("grade")
    if grade not in GRADES:
        where = path if short else f"{path}.grade"
        reader.error(
            where,
            _("“%(grade)s” is not a grade (%(grades)s)")
            % {"grade": grade, "grades": ", ".join(GRADES)},
        )
    stored: dict[str, Any] = {"grade": grade}
    reason = reader.text(
        entry, "reason", path, max_length=MAX_REASON_LENGTH, default="", blank=True
    )
    if reason:
        stored["reason"] = reason
    if entry.get("items"):
        item_ratings = reader.obj(entry["items"], f"{path}.items", optional=tuple(items))
        if item_ratings is not None:
            for name, value in item_ratings.items():
                if value not in GRADES:
                    reader.error(_key_path(f"{path}.items", str(name)), _("is not a grade"))
            stored["items"] = dict(item_ratings)
    return stored


def _read_comments(reader: _Reader, value: Any, keys: dict[str, _Reporter]) -> list[_Comment]:
    comments: list[_Comment] = []
    for n, raw in enumerate(reader.array(value, "comments")):
        path = f"comments[{n}]"
        entry = reader.obj(
            raw,
            path,
            required=("reporter", "commenter"),
            optional=("commenter_role", "portfolio", "affirmations", "requirements", "problems"),
        )
        if entry is None:
            continue
        key = entry.get("reporter")
        if not isinstance(key, str) or key not in keys:
            reader.error(f"{path}.reporter", _("“%(key)s” is not a key in “roster”") % {"key": key})
        problems = []
        for m, raw_problem in enumerate(reader.array(entry.get("problems"), f"{path}.problems")):
            problem_path = f"{path}.problems[{m}]"
            problem = reader.obj(
                raw_problem,
                problem_path,
                required=("category", "description"),
                optional=("severity", "status", "deadline"),
            )
            if problem is None:
                continue
            problems.append(
                {
                    "category": reader.choice(
                        problem, "category", problem_path, list(Category.values)
                    ),
                    "severity": reader.choice(
                        problem, "severity", problem_path, list(Severity.values),
                        default=Severity.GENERAL,
                    ),
                    "description": reader.text(
                        problem, "description", problem_path, max_length=100_000
                    ),
                    "status": reader.choice(
                        problem, "status", problem_path, list(ProblemStatus.values),
                        default=ProblemStatus.OPEN,
                    ),
                    "deadline": reader.date(problem, "deadline", problem_path),
                }
            )  # fmt: skip
        comment = _Comment(
            path=path,
            reporter=key if isinstance(key, str) else "",
            commenter=reader.text(entry, "commenter", path, max_length=100),
            commenter_role=reader.choice(
                entry, "commenter_role", path, list(CommenterRole.values),
                default=CommenterRole.PRESIDER,
            ),
            portfolio=reader.text(entry, "portfolio", path, max_length=100, default="", blank=True),
            affirmations=reader.text(
                entry, "affirmations", path, max_length=100_000, default="", blank=True
            ),
            requirements=reader.text(
                entry, "requirements", path, max_length=100_000, default="", blank=True
            ),
            problems=problems,
        )  # fmt: skip
        if not (comment.affirmations or comment.requirements or comment.problems):
            reader.error(path, _("the comment is empty"))
        comments.append(comment)
    return comments


def _read_results(reader: _Reader, value: Any, keys: dict[str, _Reporter]) -> list[_Result]:
    results: list[_Result] = []
    seen: set[str] = set()
    for n, raw in enumerate(reader.array(value, "results")):
        path = f"results[{n}]"
        entry = reader.obj(
            raw,
            path,
            required=("reporter", "total", "grade", "rank"),
            optional=(
                "daily", "evaluation", "debrief", "computed_grade", "reasons", "adjusted_reason",
                "corrections",
            ),
        )  # fmt: skip
        if entry is None:
            continue
        key = entry.get("reporter")
        if not isinstance(key, str) or key not in keys:
            reader.error(f"{path}.reporter", _("“%(key)s” is not a key in “roster”") % {"key": key})
            key = ""
        elif key in seen:
            reader.error(f"{path}.reporter", _("“%(key)s” has two results") % {"key": key})
        seen.add(key)
        values: dict[str, Decimal | None] = {}
        for name in ("daily", "evaluation", "debrief"):
            if name in entry:
                values[name] = reader.decimal(entry, name, path, places=None, nullable=True)
        values["total"] = reader.decimal(entry, "total", path, places=None)
        grade = reader.choice(entry, "grade", path, GRADES)
        computed = (
            reader.choice(entry, "computed_grade", path, GRADES)
            if entry.get("computed_grade") is not None
            else grade
        )
        rank = reader.integer(entry, "rank", path, low=1, high=32767) or 0
        reasons = None
        if entry.get("reasons") is not None:
            reasons = []
            for m, reason in enumerate(reader.array(entry["reasons"], f"{path}.reasons")):
                where = f"{path}.reasons[{m}]"
                if not isinstance(reason, dict) or not isinstance(reason.get("rule"), str):
                    reader.error(where, _("must be an object with a “rule”"))
                    continue
                if any(
                    isinstance(v, bool) or not isinstance(v, str | int | float)
                    for v in reason.values()
                ):
                    reader.error(where, _("values must be strings or numbers"))
                    continue
                reasons.append(reason)
        adjusted_reason = reader.text(
            entry, "adjusted_reason", path, max_length=100_000, default="", blank=True
        )
        corrections: list[tuple[str, str, str]] = []
        for m, raw_correction in enumerate(
            reader.array(entry.get("corrections"), f"{path}.corrections")
        ):
            where = f"{path}.corrections[{m}]"
            correction = reader.obj(raw_correction, where, required=("from", "to", "reason"))
            if correction is None:
                continue
            corrections.append(
                (
                    reader.choice(correction, "from", where, GRADES),
                    reader.choice(correction, "to", where, GRADES),
                    reader.text(correction, "reason", where, max_length=100_000),
                )
            )
        for m, (before, after, _why) in enumerate(corrections):
            if before == after:
                reader.error(f"{path}.corrections[{m}]", _("a correction changes the grade"))
            if m and corrections[m - 1][1] != before:
                reader.error(
                    f"{path}.corrections[{m}].from",
                    _("must be the grade the previous correction gave"),
                )
        if corrections and corrections[-1][1] != grade:
            reader.error(f"{path}.grade", _("must be the grade the last correction gave"))
        result = _Result(
            path=path,
            reporter=key,
            values=values,
            grade=grade,
            computed_grade=computed,
            rank=rank,
            reasons=reasons,
            adjusted_reason=adjusted_reason,
            corrections=corrections,
        )
        if result.adjusted_grade != computed and not adjusted_reason:
            reader.error(
                f"{path}.adjusted_reason",
                _("the grade differs from the computed grade: give the reason for the adjustment"),
            )
        results.append(result)
    return results


# -- import -----------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised to roll a dry run back; carries the report out."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report


@contextmanager
def _at(path: str) -> Iterator[None]:
    """Report a rule broken while writing as a problem at `path` (and roll back)."""
    try:
        yield
    except ArchiveError:
        raise
    except DomainError as exc:
        raise ArchiveError([ArchiveProblem(path, str(exc))]) from exc


def import_cycle(data: Any, *, dry_run: bool = False) -> ImportReport:
    """Import an archive document: check it whole, write it in one transaction,
    recompute the results and compare them with the archived ones."""
    archive = read_archive(data)
    try:
        with transaction.atomic():
            report = _write(archive)
            if dry_run:
                raise _DryRun(report)
    except _DryRun as rolled_back:
        report = rolled_back.report
        report.cycle_id = None
        report.dry_run = True
    return report


def _creation_order(archive: _Archive) -> list[_Org]:
    """Parents before children; siblings in the order of their first reporter on the
    roster, so that the organization tree order (the last tie-break of the quota)
    follows the roster order for the organizations the import creates."""
    orgs = {o.code: o for o in archive.organizations}
    first: dict[str, int] = {}
    for position, reporter in enumerate(archive.roster):
        code: str | None = reporter.organization
        while code in orgs and code not in first:
            first[code] = position
            code = orgs[code].parent_code
    index = {o.code: n for n, o in enumerate(archive.organizations)}
    children: dict[str | None, list[_Org]] = {}
    for org in archive.organizations:
        parent = org.parent_code if org.parent_code in orgs else None
        children.setdefault(parent, []).append(org)
    ordered: list[_Org] = []

    def visit(parent: str | None) -> None:
        for org in sorted(
            children.get(parent, []), key=lambda o: (first.get(o.code, 10**9), index[o.code])
        ):
            ordered.append(org)
            visit(org.code)

    visit(None)
    return ordered


def _preflight(archive: _Archive, existing: dict[str, Organization]) -> list[str]:
    """Checks against what the installation already holds; returns warnings."""
    problems: list[ArchiveProblem] = []
    warnings: list[str] = []
    orgs = {o.code: o for o in archive.organizations}
    misplaced: set[str] = set()
    for org in archive.organizations:
        found = existing.get(org.code)
        if found is None:
            continue
        if found.level != org.level:
            misplaced.add(org.code)
            problems.append(
                ArchiveProblem(
                    f"{org.path}.level",
                    _("%(code)s exists here as level “%(here)s”, not “%(there)s”")
                    % {"code": org.code, "here": found.level, "there": org.level},
                )
            )
        differs = [
            name
            for name, here, there in (
                ("name", found.name, org.name),
                ("field", found.field, org.field),
                ("parent_code", found.parent.code if found.parent else None, org.parent_code),
            )
            if here != there and not (name == "parent_code" and org.code == archive.host)
        ]
        if differs:
            warnings.append(
                _(
                    "%(path)s: %(code)s already exists and is reused as it is here "
                    "(%(fields)s differ)."
                )
                % {"path": org.path, "code": org.code, "fields": ", ".join(differs)}
            )
    host = existing.get(archive.host)
    if host is not None:
        if not host.is_active:
            problems.append(
                ArchiveProblem(
                    "cycle.host", _("%(name)s is no longer active.") % {"name": host.name}
                )
            )
        if Cycle.objects.filter(host=host, year=archive.year).exists():
            problems.append(
                ArchiveProblem(
                    "cycle.year",
                    _(
                        "%(host)s already has a cycle for %(year)d: this installation keeps "
                        "one cycle per host and year, so the archive is not imported."
                    )
                    % {"host": host.name, "year": archive.year},
                )
            )

    def under_host(code: str) -> bool:
        """Whether `code` will lie below the host once the archive is imported."""
        org = orgs[code]
        if org.code in existing:
            found = existing[org.code]
            return host is not None and found.pk != host.pk and found.is_within(host)
        if org.parent_code == archive.host:
            return True
        if org.parent_code in orgs:
            return under_host(org.parent_code)
        return False

    for reporter in archive.roster:
        if reporter.organization not in misplaced and not under_host(reporter.organization):
            problems.append(
                ArchiveProblem(
                    f"{reporter.path}.organization",
                    _("%(code)s exists here outside the host %(host)s")
                    % {"code": reporter.organization, "host": archive.host},
                )
            )
    if problems:
        raise ArchiveError(problems)
    return warnings


def _new_receipt(taken: set[str]) -> str:
    while True:
        receipt = receipt_for(uuid.uuid4())
        if receipt not in taken:
            taken.add(receipt)
            return receipt


def _write(archive: _Archive) -> ImportReport:
    counts: Counter[str] = Counter()
    existing = {
        o.code: o
        for o in Organization.objects.filter(
            code__in=[o.code for o in archive.organizations]
        ).select_related("parent")
    }
    warnings = _preflight(archive, existing)

    # organizations
    resolved: dict[str, Organization] = {}
    for org in _creation_order(archive):
        if org.code in existing:
            resolved[org.code] = existing[org.code]
            counts["organizations_reused"] += 1
            continue
        parent: Organization | None = None
        if org.parent_code:
            parent = resolved.get(org.parent_code) or (
                Organization.objects.filter(code=org.parent_code).first()
            )
            if parent is None:
                warnings.append(
                    _("%(path)s: the parent %(parent)s is not here; %(code)s becomes a top-level "
                      "organization.")
                    % {"path": org.path, "parent": org.parent_code, "code": org.code}
                )  # fmt: skip
        with _at(org.path):
            resolved[org.code] = org_create(
                code=org.code,
                name=org.name,
                short_name=org.short_name,
                level=org.level,
                field=org.field,
                parent=parent,
            )
        counts["organizations_created"] += 1
    host = resolved[archive.host]

    # the cycle and its roster
    with _at("cycle"):
        cycle = cycle_create(
            host=host,
            year=archive.year,
            title=archive.title,
            levels=archive.levels,
            fields=archive.fields,
            reference_date=archive.reference_date,
            report_deadline=archive.report_deadline,
            meeting_deadline=archive.meeting_deadline,
            key_content=archive.key_content,
        )
    reporters: dict[str, Reporter] = {}
    for entry in archive.roster:
        organization = resolved[entry.organization]
        person = Person.objects.create(
            name=entry.name, gender=entry.gender, ethnicity=entry.ethnicity
        )
        counts["people"] += 1
        with _at(entry.path):
            reporter = reporter_add(
                cycle=cycle,
                organization=organization,
                person=person,
                post_title=entry.post_title or post_title_for(organization),
            )
        reporter.mode, reporter.session, reporter.order = entry.mode, entry.session, entry.order
        reporter.save(update_fields=["mode", "session", "order"])
        reporters[entry.key] = reporter
        counts["reporters"] += 1
    tree_order = sorted(archive.roster, key=lambda r: resolved[r.organization].path)
    if [r.key for r in tree_order] != [r.key for r in archive.roster]:
        warnings.append(
            _("The organization tree orders the reporters differently from “roster”; the quota's "
              "last tie-break follows the tree: %(keys)s.")
            % {"keys": ", ".join(r.key for r in tree_order)}
        )  # fmt: skip

    # the scheme and the indicator catalogue
    with _at("scheme"):
        scheme = scheme_set(cycle=cycle, values=archive.scheme, veto_items=archive.veto_items)
    categories: dict[str, IndicatorCategory] = {}
    indicators: dict[str, Indicator] = {}
    for position, item in enumerate(archive.indicators):
        if item.category not in categories:
            categories[item.category] = IndicatorCategory.objects.create(
                cycle=cycle, name=item.category, order=len(categories)
            )
        indicators[item.code] = Indicator.objects.create(
            category=categories[item.category],
            code=item.code,
            name=item.name,
            max_points=item.max_points,
            criteria=item.criteria,
            fields=item.fields,
            order=position,
        )
        counts["indicators"] += 1

    # scores, through the services that check them
    for score in archive.daily_scores:
        with _at(score["path"]):
            daily_score_set(
                reporter=reporters[score["reporter"]],
                indicator=indicators[score["indicator"]],
                points=score["points"],
                self_points=score["self_points"],
                evidence=score["evidence"],
            )
        counts["daily_scores"] += 1
    for adjustment in archive.adjustments:
        with _at(adjustment["path"]):
            adjustment_add(
                reporter=reporters[adjustment["reporter"]],
                kind=adjustment["kind"],
                points=adjustment["points"],
                reason=adjustment["reason"],
            )
        counts["adjustments"] += 1
    for debrief in archive.debrief_scores:
        with _at(debrief["path"]):
            debrief_score_set(
                reporter=reporters[debrief["reporter"]],
                points=debrief["points"],
                note=debrief["note"],
            )
        counts["debrief_scores"] += 1
    veto_items = {item.name: item for item in VetoItem.objects.filter(scheme=scheme)}
    for veto in archive.vetoes:
        with _at(veto["path"]):
            veto_set(
                reporter=reporters[veto["reporter"]],
                item=veto_items[veto["item"]],
                applies=True,
                note=veto["note"],
            )
        counts["vetoes"] += 1

    # the democratic evaluation, closed, with its anonymous ballots
    meetings: dict[int, Meeting] = {}
    now = timezone.now()
    for evaluation_in in archive.evaluations:
        meeting = Meeting.objects.create(
            cycle=cycle,
            session=evaluation_in.session,
            title=f"{host.display_name}{cycle.year}年度抓基层党建工作述职评议会",
            date=evaluation_in.meeting_date or cycle.reference_date,
            presider=evaluation_in.presider,
            status=MeetingStatus.ENDED,
        )
        meetings[evaluation_in.session] = meeting
        evaluation = Evaluation.objects.create(
            meeting=meeting,
            status=EvaluationStatus.CLOSED,
            points=evaluation_in.points,
            require_all=evaluation_in.require_all,
            max_good_share=evaluation_in.max_good_share,
            reason_required_for_poor=evaluation_in.reason_required_for_poor,
            min_group_size=evaluation_in.min_group_size,
            reporter_ids=[reporters[key].pk for key in evaluation_in.reporters],
            opened_at=now,
            closed_at=now,
            closed_count=len(evaluation_in.ballots),
        )
        groups = {
            name: VoterGroup.objects.create(
                evaluation=evaluation, name=name, share=share, order=position
            )
            for position, (name, share) in enumerate(evaluation_in.groups)
        }
        item_ids = {
            name: EvaluationItem.objects.create(evaluation=evaluation, name=name, order=position).pk
            for position, name in enumerate(evaluation_in.items)
        }
        receipts: set[str] = set()
        rows = []
        for ballot in evaluation_in.ballots:
            ratings = {}
            for key, rating in ballot.ratings.items():
                stored = dict(rating)
                if "items" in stored:
                    stored["items"] = {str(item_ids[n]): g for n, g in stored["items"].items()}
                ratings[str(reporters[key].pk)] = stored
            rows.append(Ballot(evaluation=evaluation, group=groups[ballot.group], ratings=ratings))
        # Fresh receipts, in their own table and linked to no ballot, as at voting.
        codes = [Receipt(evaluation=evaluation, code=_new_receipt(receipts)) for _ in rows]
        # As at closing: stored in random order, so row order tells nothing.
        random.SystemRandom().shuffle(rows)
        Ballot.objects.bulk_create(rows, batch_size=1000)
        Receipt.objects.bulk_create(codes, batch_size=1000)
        counts["evaluations"] += 1
        counts["ballots"] += len(rows)

    # comments and the problems they point out
    for comment_in in archive.comments:
        reporter = reporters[comment_in.reporter]
        comment = Comment.objects.create(
            reporter=reporter,
            meeting=meetings.get(reporter.session),
            commenter=comment_in.commenter,
            commenter_role=comment_in.commenter_role,
            portfolio=comment_in.portfolio,
            affirmations=comment_in.affirmations,
            requirements=comment_in.requirements,
        )
        counts["comments"] += 1
        for m, found in enumerate(comment_in.problems):
            with _at(f"{comment_in.path}.problems[{m}]"):
                problem = problem_create(
                    organization=reporter.organization,
                    category=found["category"],
                    severity=found["severity"],
                    description=found["description"],
                    source=Source.COMMENT,
                    cycle=cycle,
                    reporter=reporter,
                    comment=comment,
                    deadline=found["deadline"],
                )
            if found["status"] != ProblemStatus.OPEN:
                done = found["status"] in (ProblemStatus.COMPLETED, ProblemStatus.CLOSED)
                Problem.objects.filter(pk=problem.pk).update(
                    status=found["status"],
                    progress=100 if done else 0,
                    closed_at=now if found["status"] == ProblemStatus.CLOSED else None,
                )
            counts["problems"] += 1

    # to the assessment stage, and compute
    Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.ASSESSMENT)
    cycle.status = CycleStatus.ASSESSMENT
    audit_record(
        action="cycle.import",
        target=cycle.title,
        organization=host,
        detail={"archived_status": archive.status, **counts},
    )
    with _at("results"):
        result_set = results_compute(cycle=cycle)
    by_reporter = {r.reporter_id: r for r in result_set.results.all()}
    counts["results"] = len(by_reporter)

    differences: list[Difference] = []
    if archive.results is not None:
        for archived in archive.results:
            if archived.adjusted_grade != archived.computed_grade:
                with _at(f"{archived.path}.adjusted_reason"):
                    result_adjust(
                        result=by_reporter[reporters[archived.reporter].pk],
                        grade=archived.adjusted_grade,
                        reason=archived.adjusted_reason,
                    )
        by_reporter = {r.reporter_id: r for r in result_set.results.all()}
        differences = _compare(archive, reporters, by_reporter)

    _replay_approval(archive, cycle, result_set, reporters, differences, warnings)
    cycle.refresh_from_db()
    result_set.refresh_from_db()
    return ImportReport(
        cycle_id=cycle.pk,
        dry_run=False,
        counts=dict(counts),
        compared=archive.results is not None,
        differences=differences,
        warnings=warnings,
        cycle_status=cycle.status,
        results_status=result_set.status,
    )


def _replay_approval(
    archive: _Archive,
    cycle: Cycle,
    result_set: ResultSet,
    reporters: dict[str, Reporter],
    differences: list[Difference],
    warnings: list[str],
) -> None:
    approval = archive.approval
    published = archive.status in (CycleStatus.PUBLISHED, CycleStatus.CLOSED)
    if approval is None:
        if published:
            warnings.append(
                _("The archived results were published, but the archive carries no approval: "
                  "the imported results stay a draft to be approved and published here.")
            )  # fmt: skip
        return
    if differences:
        warnings.append(
            _("The recomputed results differ from the archive, so the archived approval is not "
              "replayed: the imported results stay a draft.")
        )  # fmt: skip
        return
    with _at("approval"):
        results_approve(
            result_set=result_set,
            approved_on=approval["approved_on"],
            approval_document=approval["document"],
            approved_by=approval["approved_by"],
            rectify_by=approval["rectify_by"],
        )
        if not published:
            return
        results_publish(result_set=result_set)
        if approval["published_at"] is not None:
            ResultSet.objects.filter(pk=result_set.pk).update(published_at=approval["published_at"])
    assert archive.results is not None
    for archived in archive.results:
        for m, (_before, after, why) in enumerate(archived.corrections):
            with _at(f"{archived.path}.corrections[{m}]"):
                result_correct(
                    result=Result.objects.get(reporter=reporters[archived.reporter]),
                    grade=after,
                    reason=why,
                )
    if archive.status == CycleStatus.CLOSED:
        with _at("cycle.status"):
            cycle_transition(cycle=cycle, to=CycleStatus.CLOSED)


def _number_or_text(value: Any) -> Any:
    """Compare numbers as numbers ("0.25" equals "0.2500"), everything else as text."""
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return str(value)
        if number.is_finite():
            return number
    return str(value)


def _reason_key(reason: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((str(k), _number_or_text(v)) for k, v in reason.items()))


def _text(value: Any) -> str:
    if value is None:
        return "—"
    return str(value)


def _compare(
    archive: _Archive, reporters: dict[str, Reporter], results: dict[int, Result]
) -> list[Difference]:
    assert archive.results is not None
    differences: list[Difference] = []
    archived_by_key = {r.reporter: r for r in archive.results}
    for entry in archive.roster:
        result = results[reporters[entry.key].pk]
        archived = archived_by_key.get(entry.key)
        if archived is None:
            differences.append(
                Difference(entry.key, "result", "—", _("total %(t)s") % {"t": result.total})
            )
            continue
        for name, value in archived.values.items():
            recomputed = getattr(result, name)
            if value != recomputed:
                differences.append(Difference(entry.key, name, _text(value), _text(recomputed)))
        if archived.computed_grade != result.computed_grade:
            differences.append(
                Difference(entry.key, "grade", archived.computed_grade, result.computed_grade)
            )
        if archived.rank != result.rank:
            differences.append(Difference(entry.key, "rank", str(archived.rank), str(result.rank)))
        if archived.reasons is not None and Counter(
            _reason_key(r) for r in archived.reasons
        ) != Counter(_reason_key(r) for r in result.reasons):
            differences.append(
                Difference(
                    entry.key,
                    "reasons",
                    json.dumps(archived.reasons, ensure_ascii=False, sort_keys=True),
                    json.dumps(result.reasons, ensure_ascii=False, sort_keys=True),
                )
            )
    return differences


__all__ = [
    "FORMAT",
    "VERSION",
    "ArchiveError",
    "ArchiveProblem",
    "Difference",
    "ImportReport",
    "export_cycle",
    "import_cycle",
    "read_archive",
]
