"""The score entry grid: reporters down, catalogue items across.

`build_grid` reads a page of reporters with everything the grid shows in a fixed
number of queries. `save_grid` compares what was posted with what is stored and sends
only the differences through the services, all in one transaction: the first refusal
rolls everything back and comes back as a GridError naming the reporter and the item.

Input names: p-<reporter>-<item> points, e-… evidence, s-… self-assessed points,
d-<reporter> debriefing score, dn-… its note, v-<reporter> veto item ids (checkboxes),
ak-/ap-/ar-<reporter> a new bonus or penalty (kind, points, reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from debrief.assessments.models import (
    AdjustmentKind,
    DailyScore,
    Indicator,
    ScoreAdjustment,
    VetoItem,
)
from debrief.assessments.services import (
    adjustment_add,
    daily_score_clear,
    daily_score_set,
    debrief_score_clear,
    debrief_score_set,
    veto_set,
)
from debrief.cycles.models import Cycle, Reporter
from debrief.lib.errors import DomainError

# Django refuses a request with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000 by
# default); a page of the grid stays below this.
MAX_FIELDS_PER_PAGE = 900
MAX_ROWS_PER_PAGE = 50


def plain(value: Decimal | None) -> str:
    """27.00 → "27", 18.50 → "18.5"; None → ""."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


@dataclass
class Cell:
    reporter_id: int
    indicator: Indicator
    applies: bool
    points: str = ""
    evidence: str = ""
    self_points: str = ""
    error: bool = False

    @property
    def key(self) -> str:
        return f"{self.reporter_id}-{self.indicator.pk}"


@dataclass
class VetoCell:
    item: VetoItem
    checked: bool


@dataclass
class Row:
    reporter: Reporter
    cells: list[Cell]
    debrief: str
    debrief_note: str
    vetoes: list[VetoCell]
    adjustments: list[ScoreAdjustment]
    new_kind: str = AdjustmentKind.BONUS
    new_points: str = ""
    new_reason: str = ""
    error_key: str = ""

    @property
    def debrief_error(self) -> bool:
        return self.error_key == f"d-{self.reporter.pk}"

    @property
    def veto_error(self) -> bool:
        return self.error_key == f"v-{self.reporter.pk}"

    @property
    def adjustment_error(self) -> bool:
        return self.error_key == f"ap-{self.reporter.pk}"


class GridError(DomainError):
    """A refusal inside the grid, with the reporter and the input it concerns."""

    def __init__(self, message: str, *, reporter_id: int, key: str) -> None:
        super().__init__(message)
        self.reporter_id = reporter_id
        self.key = key


def fields_per_reporter(indicators: list[Indicator], veto_items: int, with_self: bool) -> int:
    return len(indicators) * (3 if with_self else 2) + veto_items + 6


def rows_per_page(indicators: list[Indicator], veto_items: int, with_self: bool) -> int:
    per = fields_per_reporter(indicators, veto_items, with_self)
    return max(1, min(MAX_ROWS_PER_PAGE, MAX_FIELDS_PER_PAGE // per))


def reporters_for_grid(cycle: Cycle) -> Any:
    return (
        cycle.reporters.select_related("organization", "person", "debrief_score")
        .prefetch_related("daily_scores", "adjustments", "vetoes")
        .order_by("organization__path", "pk")
    )


def build_grid(
    cycle: Cycle,
    reporters: list[Any],
    indicators: list[Indicator],
    veto_items: list[VetoItem],
    *,
    data: QueryDict | None = None,
    error: GridError | None = None,
) -> list[Row]:
    """Rows of the grid from the database, or from `data` (what was posted) when a save
    was refused, so that nothing typed is lost."""
    rows = []
    for reporter in reporters:
        reporter.cycle = cycle
        field_of = reporter.organization.field
        scores = {s.indicator_id: s for s in reporter.daily_scores.all()}
        cells = []
        for indicator in indicators:
            cell = Cell(reporter.pk, indicator, indicator.applies_to(field_of))
            if cell.applies:
                if data is not None:
                    cell.points = data.get(f"p-{cell.key}", "").strip()
                    cell.evidence = data.get(f"e-{cell.key}", "").strip()
                    cell.self_points = data.get(f"s-{cell.key}", "").strip()
                elif indicator.pk in scores:
                    score = scores[indicator.pk]
                    cell.points = plain(score.points)
                    cell.evidence = score.evidence
                    cell.self_points = plain(score.self_points)
            cells.append(cell)
        vetoed = {v.item_id for v in reporter.vetoes.all()}
        debrief_score = getattr(reporter, "debrief_score", None)
        row = Row(
            reporter=reporter,
            cells=cells,
            debrief=plain(debrief_score.points) if debrief_score else "",
            debrief_note=debrief_score.note if debrief_score else "",
            vetoes=[VetoCell(item, item.pk in vetoed) for item in veto_items],
            adjustments=sorted(reporter.adjustments.all(), key=lambda a: a.pk),
        )
        if data is not None:
            row.debrief = data.get(f"d-{reporter.pk}", "").strip()
            row.debrief_note = data.get(f"dn-{reporter.pk}", "").strip()
            checked = set(data.getlist(f"v-{reporter.pk}"))
            row.vetoes = [VetoCell(item, str(item.pk) in checked) for item in veto_items]
            row.new_kind = data.get(f"ak-{reporter.pk}", AdjustmentKind.BONUS)
            row.new_points = data.get(f"ap-{reporter.pk}", "").strip()
            row.new_reason = data.get(f"ar-{reporter.pk}", "").strip()
        if error is not None and error.reporter_id == reporter.pk:
            row.error_key = error.key
            for cell in cells:
                cell.error = error.key in (f"p-{cell.key}", f"s-{cell.key}", f"e-{cell.key}")
        rows.append(row)
    return rows


@dataclass
class SaveCount:
    changed: int = 0
    reporters: set[int] = field(default_factory=set)


def save_grid(
    cycle: Cycle,
    reporters: list[Any],
    indicators: list[Indicator],
    veto_items: list[VetoItem],
    data: QueryDict,
    *,
    with_self: bool,
    actor: Any,
) -> SaveCount:
    """Apply what changed on this page of the grid, in one transaction."""
    count = SaveCount()

    def fail(reporter: Reporter, key: str, what: str, exc: DomainError) -> GridError:
        message = _("%(reporter)s, %(what)s: %(message)s") % {
            "reporter": f"{reporter.organization.name} {reporter.person.name}",
            "what": what,
            "message": exc.message,
        }
        return GridError(message, reporter_id=reporter.pk, key=key)

    posted = set(data.getlist("r"))
    with transaction.atomic():
        for reporter in reporters:
            if str(reporter.pk) not in posted:
                continue  # not on the page that was posted (the roster changed since)
            reporter.cycle = cycle
            scores: dict[int, DailyScore] = {s.indicator_id: s for s in reporter.daily_scores.all()}
            field_of = reporter.organization.field
            for indicator in indicators:
                if not indicator.applies_to(field_of):
                    continue
                key = f"{reporter.pk}-{indicator.pk}"
                if f"p-{key}" not in data:
                    continue  # not shown when the page was loaded
                what = f"{indicator.code} {indicator.name}"
                points = data.get(f"p-{key}", "").strip()
                evidence = data.get(f"e-{key}", "").strip()
                existing = scores.get(indicator.pk)
                own: Any = data.get(f"s-{key}", "").strip() if with_self else None
                if not with_self and existing is not None:
                    own = existing.self_points
                try:
                    if not points:
                        if own not in (None, ""):
                            raise DomainError(_("Enter the points before the self-assessment."))
                        if existing is not None:
                            daily_score_clear(reporter=reporter, indicator=indicator, actor=actor)
                            count.changed += 1
                        continue
                    if existing is not None and _same_score(existing, points, evidence, own):
                        continue
                    daily_score_set(
                        reporter=reporter,
                        indicator=indicator,
                        points=points,
                        evidence=evidence,
                        self_points=own,
                        actor=actor,
                    )
                    count.changed += 1
                except DomainError as exc:
                    value = _number(points)
                    points_ok = value is not None and 0 <= value <= indicator.max_points
                    wrong = f"s-{key}" if points_ok and own not in (None, "") else f"p-{key}"
                    raise fail(reporter, wrong, what, exc) from exc
                count.reporters.add(reporter.pk)
            _save_debrief(reporter, data, count, fail, actor)
            _save_vetoes(reporter, veto_items, data, count, fail, actor)
            _save_adjustment(reporter, data, count, fail, actor)
    return count


def _same_score(existing: DailyScore, points: str, evidence: str, own: Any) -> bool:
    value = _number(points)
    if value is None or value != existing.points or evidence != existing.evidence:
        return False
    if own in (None, ""):
        return existing.self_points is None
    if isinstance(own, Decimal):
        return own == existing.self_points
    own_value = _number(str(own))
    return own_value is not None and own_value == existing.self_points


def _save_debrief(
    reporter: Reporter, data: QueryDict, count: SaveCount, fail: Any, actor: Any
) -> None:
    if f"d-{reporter.pk}" not in data:
        return
    points = data.get(f"d-{reporter.pk}", "").strip()
    note = data.get(f"dn-{reporter.pk}", "").strip()
    existing = getattr(reporter, "debrief_score", None)
    what = _("debriefing score")
    try:
        if not points:
            if existing is not None:
                debrief_score_clear(reporter=reporter, actor=actor)
                count.changed += 1
            return
        value = _number(points)
        if existing is not None and value == existing.points and note == existing.note:
            return
        debrief_score_set(reporter=reporter, points=points, note=note, actor=actor)
        count.changed += 1
    except DomainError as exc:
        raise fail(reporter, f"d-{reporter.pk}", what, exc) from exc


def _save_vetoes(
    reporter: Any,
    veto_items: list[VetoItem],
    data: QueryDict,
    count: SaveCount,
    fail: Any,
    actor: Any,
) -> None:
    checked = set(data.getlist(f"v-{reporter.pk}"))
    vetoed = {v.item_id for v in reporter.vetoes.all()}
    for item in veto_items:
        applies = str(item.pk) in checked
        if applies == (item.pk in vetoed):
            continue
        try:
            veto_set(reporter=reporter, item=item, applies=applies, actor=actor)
        except DomainError as exc:
            raise fail(reporter, f"v-{reporter.pk}", item.name, exc) from exc
        count.changed += 1


def _save_adjustment(
    reporter: Reporter, data: QueryDict, count: SaveCount, fail: Any, actor: Any
) -> None:
    points = data.get(f"ap-{reporter.pk}", "").strip()
    reason = data.get(f"ar-{reporter.pk}", "").strip()
    if not points and not reason:
        return
    try:
        adjustment_add(
            reporter=reporter,
            kind=data.get(f"ak-{reporter.pk}", ""),
            points=points,
            reason=reason,
            actor=actor,
        )
    except DomainError as exc:
        raise fail(reporter, f"ap-{reporter.pk}", _("bonus or penalty"), exc) from exc
    count.changed += 1
