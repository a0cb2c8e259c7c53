"""Scores in, grades out: the state changes of the comprehensive assessment.

Results move draft → approved → published. While draft they can be recomputed and
adjusted by hand (with a reason; the computed grade stays beside the adjusted one).
Published results are frozen: a change after that is a recorded Correction.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from debrief.assessments.compute import Inputs, Rules, compute
from debrief.assessments.models import (
    AdjustmentKind,
    Correction,
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
from debrief.audit.services import audit_record
from debrief.cycles.models import Cycle, CycleStatus, Reporter
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.orgs.models import Field

HUNDRED = Decimal(100)


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("%(what)s is not a number.") % {"what": what}) from None
    if not number.is_finite():
        raise DomainError(_("%(what)s is not a number.") % {"what": what})
    return number


def scheme_for(cycle: Cycle) -> Scheme:
    scheme, _created = Scheme.objects.get_or_create(cycle=cycle)
    return scheme


def rules_of(scheme: Scheme) -> Rules:
    return Rules(
        weight_daily=scheme.weight_daily,
        weight_evaluation=scheme.weight_evaluation,
        weight_debrief=scheme.weight_debrief,
        band_good=scheme.band_good,
        band_fairly_good=scheme.band_fairly_good,
        band_average=scheme.band_average,
        poor_share_cap=scheme.poor_share_cap,
        poor_share_cap_grade=scheme.poor_share_cap_grade,
        good_quota=scheme.good_quota,
        veto_grade=scheme.veto_grade,
    )


# Lazy: built once at import, translated when shown.
RULE_MESSAGES = {
    "weights": gettext_lazy("The component weights must be non-negative and add up to 100."),
    "bands": gettext_lazy("Grade bands must fall from good to average, between 0 and 100."),
    "poor_share_cap": gettext_lazy("The poor-share threshold lies between 0 and 1."),
    "good_quota": gettext_lazy("The quota for good lies between 0 and 1."),
    "grades": gettext_lazy("Unknown grade."),
}


def _require_unpublished(cycle: Cycle) -> None:
    """Refuse a change of the inputs once the results are approved. Call it inside the
    transaction of the change: it locks the cycle's result set (or, before there is one,
    the cycle, under whose lock results_compute creates it), so that an approval cannot
    slip in between this check and the change."""
    result_set = ResultSet.objects.select_for_update().filter(cycle=cycle).first()
    if result_set is None:
        Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
        # Created meanwhile by a computation that held the cycle lock.
        result_set = ResultSet.objects.select_for_update().filter(cycle=cycle).first()
    if result_set is not None and result_set.status != ResultStatus.DRAFT:
        raise IllegalTransition(_("The results are approved; the inputs can no longer change."))


def scheme_set(
    *, cycle: Cycle, values: dict[str, Any], veto_items: list[str] | None = None, actor: Any = None
) -> Scheme:
    """Change the scheme; `values` holds Scheme field names. Validated as a whole."""
    allowed = {
        "weight_daily", "weight_evaluation", "weight_debrief", "band_good", "band_fairly_good",
        "band_average", "poor_share_cap", "poor_share_cap_grade", "good_quota", "veto_grade",
    }  # fmt: skip
    unknown = set(values) - allowed
    if unknown:
        raise DomainError(_("Unknown scheme setting: %(s)s") % {"s": ", ".join(sorted(unknown))})
    with transaction.atomic():
        scheme = Scheme.objects.select_for_update().get(pk=scheme_for(cycle).pk)
        _require_unpublished(cycle)
        for name, value in values.items():
            if name in ("poor_share_cap_grade", "veto_grade"):
                setattr(scheme, name, value)
            elif value in (None, "") and name in ("poor_share_cap", "good_quota"):
                setattr(scheme, name, None)
            else:
                setattr(scheme, name, _decimal(value, name))
        problems = rules_of(scheme).problems()
        if problems:
            raise DomainError(" ".join(str(RULE_MESSAGES[p]) for p in problems))
        scheme.save()
        if veto_items is not None:
            names = [n.strip() for n in veto_items if n.strip()]
            scheme.veto_items.exclude(name__in=names).delete()
            for name in names:
                VetoItem.objects.get_or_create(scheme=scheme, name=name)
        audit_record(
            action="assessment.scheme", actor=actor, target=cycle.title, organization=cycle.host
        )
    return scheme


def daily_score_set(
    *,
    reporter: Reporter,
    indicator: Indicator,
    points: Any,
    evidence: str = "",
    self_points: Any = None,
    actor: Any = None,
) -> DailyScore:
    value = _decimal(points, _("Points"))
    if indicator.category.cycle_id != reporter.cycle_id:
        raise DomainError(_("That indicator belongs to another cycle."))
    if not indicator.applies_to(reporter.organization.field):
        raise DomainError(_("That indicator does not apply to this organization's field."))
    if not Decimal(0) <= value <= indicator.max_points:
        raise DomainError(
            _("Points for %(item)s lie between 0 and %(max)s.")
            % {"item": indicator.name, "max": indicator.max_points}
        )
    own = (
        _decimal(self_points, _("Self-assessed points")) if self_points not in (None, "") else None
    )
    if own is not None and not Decimal(0) <= own <= indicator.max_points:
        raise DomainError(_("Self-assessed points lie between 0 and the maximum."))
    with transaction.atomic():
        _require_unpublished(reporter.cycle)
        score, _created = DailyScore.objects.update_or_create(
            reporter=reporter,
            indicator=indicator,
            defaults={
                "points": value,
                "evidence": evidence.strip(),
                "self_points": own,
                "assessor": actor,
            },
        )
        audit_record(
            action="assessment.daily_score",
            actor=actor,
            target=str(reporter),
            organization=reporter.organization,
            detail={
                "item": indicator.name,
                "points": str(value),
                "self_points": None if own is None else str(own),
            },
        )
    return score


def adjustment_add(
    *, reporter: Reporter, kind: str, points: Any, reason: str, actor: Any = None
) -> ScoreAdjustment:
    if kind not in AdjustmentKind.values:
        raise DomainError(_("Unknown kind of adjustment."))
    value = _decimal(points, _("Points"))
    if value <= 0:
        raise DomainError(_("Bonus and penalty points are positive numbers."))
    if not reason.strip():
        raise DomainError(_("Give the reason for the bonus or penalty."))
    with transaction.atomic():
        _require_unpublished(reporter.cycle)
        adjustment = ScoreAdjustment.objects.create(
            reporter=reporter, kind=kind, points=value, reason=reason.strip(), assessor=actor
        )
        audit_record(
            action="assessment.adjustment_add",
            actor=actor,
            target=str(reporter),
            organization=reporter.organization,
            detail={"kind": kind, "points": str(value), "reason": reason.strip()[:200]},
        )
    return adjustment


def debrief_score_set(
    *, reporter: Reporter, points: Any, note: str = "", actor: Any = None
) -> DebriefScore:
    value = _decimal(points, _("Points"))
    if not Decimal(0) <= value <= HUNDRED:
        raise DomainError(_("The debriefing score lies between 0 and 100."))
    with transaction.atomic():
        _require_unpublished(reporter.cycle)
        score, _created = DebriefScore.objects.update_or_create(
            reporter=reporter, defaults={"points": value, "note": note.strip()}
        )
        audit_record(
            action="assessment.debrief_score",
            actor=actor,
            target=str(reporter),
            organization=reporter.organization,
            detail={"points": str(value)},
        )
    return score


def veto_set(
    *, reporter: Reporter, item: VetoItem, applies: bool, note: str = "", actor: Any = None
) -> None:
    if item.scheme.cycle_id != reporter.cycle_id:
        raise DomainError(_("That veto item belongs to another cycle."))
    with transaction.atomic():
        _require_unpublished(reporter.cycle)
        if applies:
            Veto.objects.update_or_create(reporter=reporter, item=item, defaults={"note": note})
        else:
            Veto.objects.filter(reporter=reporter, item=item).delete()
        audit_record(
            action="assessment.veto",
            actor=actor,
            target=str(reporter),
            organization=reporter.organization,
            detail={"item": item.name, "applies": applies},
        )


def daily_component(reporter: Any, indicators: list[Indicator]) -> Decimal | None:
    """Daily assessment score out of 100: (item points + bonuses − penalties), kept
    between 0 and the maximum of the items that apply, divided by that maximum."""
    applicable = [i for i in indicators if i.applies_to(reporter.organization.field)]
    maximum = sum((i.max_points for i in applicable), Decimal(0))
    scores = [
        s for s in reporter.daily_scores.all() if s.indicator_id in {i.pk for i in applicable}
    ]
    if maximum == 0 or not scores:
        return None
    earned = sum((s.points for s in scores), Decimal(0))
    for adjustment in reporter.adjustments.all():
        earned += (
            adjustment.points if adjustment.kind == AdjustmentKind.BONUS else -adjustment.points
        )
    earned = min(max(earned, Decimal(0)), maximum)
    return earned * HUNDRED / maximum


def evaluation_components(cycle: Cycle) -> dict[int, tuple[Decimal, Decimal]]:
    """reporter id → (evaluation score out of 100, poor share) from closed evaluations."""
    from debrief.ballots.models import Evaluation, EvaluationStatus
    from debrief.ballots.tally import tally

    found: dict[int, tuple[Decimal, Decimal]] = {}
    for evaluation in Evaluation.objects.filter(
        meeting__cycle=cycle, status=EvaluationStatus.CLOSED
    ):
        full = Decimal(evaluation.points_for("good")) or HUNDRED
        for result in tally(evaluation, include_reasons=False).results:
            if result.valid:
                found[result.reporter_id] = (result.score * HUNDRED / full, result.poor_rate)
    return found


def inputs_for_cycle(cycle: Cycle) -> list[Inputs]:
    indicators = list(Indicator.objects.filter(category__cycle=cycle))
    evaluations = evaluation_components(cycle)
    reporters = (
        cycle.reporters.select_related("organization", "debrief_score")
        .prefetch_related("daily_scores", "adjustments", "vetoes__item")
        .order_by("organization__path")
    )
    inputs = []
    reporter: Any
    for reporter in reporters:
        score = getattr(reporter, "debrief_score", None)
        evaluation = evaluations.get(reporter.pk)
        inputs.append(
            Inputs(
                key=str(reporter.pk),
                order=reporter.organization.path,
                daily=daily_component(reporter, indicators),
                evaluation=evaluation[0] if evaluation else None,
                poor_share=evaluation[1] if evaluation else None,
                debrief=score.points if score else None,
                vetoes=tuple(v.item.name for v in reporter.vetoes.all()),
            )
        )
    return inputs


def results_compute(*, cycle: Cycle, actor: Any = None) -> ResultSet:
    """Compute (or recompute) the draft results of the cycle. Manual adjustments made
    earlier are kept when the computed grade they adjusted is unchanged."""
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != CycleStatus.ASSESSMENT:
            raise IllegalTransition(_("Results are computed at the assessment stage."))
        result_set, _created = ResultSet.objects.get_or_create(cycle=cycle)
        if result_set.status != ResultStatus.DRAFT:
            raise IllegalTransition(_("Approved results cannot be recomputed."))
        scheme = scheme_for(cycle)
        outcomes = compute(rules_of(scheme), inputs_for_cycle(cycle))
        previous = {r.reporter_id: r for r in result_set.results.all()}
        result_set.results.all().delete()
        for outcome in outcomes:
            reporter_id = int(outcome.key)
            before = previous.get(reporter_id)
            keep_adjustment = (
                before is not None
                and before.adjusted_reason
                and (before.computed_grade == outcome.grade)
            )
            reasons = list(outcome.reasons)
            grade = outcome.grade
            if keep_adjustment:
                assert before is not None
                grade = before.grade
                reasons.append(
                    {
                        "rule": "manual",
                        "from": outcome.grade,
                        "to": grade,
                        "why": before.adjusted_reason,
                    }
                )
            Result.objects.create(
                result_set=result_set,
                reporter_id=reporter_id,
                daily=outcome.daily,
                evaluation=outcome.evaluation,
                debrief=outcome.debrief,
                total=outcome.total,
                computed_grade=outcome.grade,
                grade=grade,
                rank=outcome.rank,
                reasons=reasons,
                adjusted_reason=before.adjusted_reason if keep_adjustment and before else "",
            )
        result_set.computed_at = timezone.now()
        result_set.save(update_fields=["computed_at"])
        audit_record(
            action="assessment.compute",
            actor=actor,
            target=cycle.title,
            organization=cycle.host,
            detail={"reporters": len(outcomes)},
        )
    return result_set


def _locked_result(result: Result) -> Result:
    return (
        Result.objects.select_for_update()
        .select_related("result_set__cycle__host")
        .get(pk=result.pk)
    )


def result_adjust(*, result: Result, grade: str, reason: str, actor: Any = None) -> Result:
    """Change a draft result's grade by hand. The computed grade stays recorded."""
    if grade not in Grade.values:
        raise DomainError(_("Unknown grade."))
    if not reason.strip():
        raise DomainError(_("A manual adjustment needs a reason."))
    with transaction.atomic():
        result = _locked_result(result)
        if result.result_set.status != ResultStatus.DRAFT:
            raise IllegalTransition(_("Approved results are changed by a correction."))
        reasons = [r for r in result.reasons if r.get("rule") != "manual"]
        if grade != result.computed_grade:
            reasons.append(
                {
                    "rule": "manual",
                    "from": result.computed_grade,
                    "to": grade,
                    "why": reason.strip(),
                }
            )
        old = result.grade
        result.grade = grade
        result.adjusted_reason = reason.strip() if grade != result.computed_grade else ""
        result.reasons = reasons
        result.save(update_fields=["grade", "adjusted_reason", "reasons"])
        audit_record(
            action="assessment.adjust",
            actor=actor,
            target=str(result.reporter),
            organization=result.result_set.cycle.host,
            detail={
                "from": old,
                "to": grade,
                "computed": result.computed_grade,
                "reason": reason.strip(),
            },
        )
    return result


def results_approve(
    *,
    result_set: ResultSet,
    approved_on: datetime.date,
    approval_document: str,
    approved_by: str = "",
    rectify_by: datetime.date | None = None,
    actor: Any = None,
) -> ResultSet:
    """Record the standing committee's approval (date and document number) and,
    optionally, the deadline for rectification it sets."""
    if not approval_document.strip():
        raise DomainError(_("Give the approval's document number."))
    if rectify_by is not None and rectify_by <= approved_on:
        raise DomainError(_("The rectification deadline must come after the approval."))
    with transaction.atomic():
        result_set = (
            ResultSet.objects.select_for_update()
            .select_related("cycle__host")
            .get(pk=result_set.pk)
        )
        if result_set.status != ResultStatus.DRAFT:
            raise IllegalTransition(_("Only draft results can be approved."))
        if not result_set.results.exists():
            raise DomainError(_("Compute the results first."))
        result_set.status = ResultStatus.APPROVED
        result_set.approved_on = approved_on
        result_set.approval_document = approval_document.strip()
        result_set.approved_by = approved_by.strip() or _("Standing committee")
        result_set.rectify_by = rectify_by
        result_set.save()
        audit_record(
            action="assessment.approve",
            actor=actor,
            target=result_set.cycle.title,
            organization=result_set.cycle.host,
            detail={
                "document": result_set.approval_document,
                "rectify_by": rectify_by.isoformat() if rectify_by else None,
            },
        )
    return result_set


def results_reopen(*, result_set: ResultSet, actor: Any = None) -> ResultSet:
    """Take approved (not yet published) results back to draft."""
    with transaction.atomic():
        result_set = (
            ResultSet.objects.select_for_update()
            .select_related("cycle__host")
            .get(pk=result_set.pk)
        )
        if result_set.status != ResultStatus.APPROVED:
            raise IllegalTransition(_("Only approved, unpublished results can go back to draft."))
        result_set.status = ResultStatus.DRAFT
        result_set.save(update_fields=["status"])
        audit_record(
            action="assessment.reopen",
            actor=actor,
            target=result_set.cycle.title,
            organization=result_set.cycle.host,
        )
    return result_set


def results_publish(*, result_set: ResultSet, actor: Any = None) -> ResultSet:
    """Publish approved results; the cycle moves to "results published"."""
    from debrief.cycles.services import cycle_transition

    with transaction.atomic():
        result_set = (
            ResultSet.objects.select_for_update()
            .select_related("cycle__host")
            .get(pk=result_set.pk)
        )
        if result_set.status != ResultStatus.APPROVED:
            raise IllegalTransition(_("Only approved results can be published."))
        result_set.status = ResultStatus.PUBLISHED
        result_set.published_at = timezone.now()
        result_set.save(update_fields=["status", "published_at"])
        cycle_transition(cycle=result_set.cycle, to=CycleStatus.PUBLISHED, actor=actor)
        audit_record(
            action="assessment.publish",
            actor=actor,
            target=result_set.cycle.title,
            organization=result_set.cycle.host,
        )
    return result_set


def result_correct(*, result: Result, grade: str, reason: str, actor: Any = None) -> Correction:
    """Change a published grade: recorded as a correction with its reason."""
    if grade not in Grade.values:
        raise DomainError(_("Unknown grade."))
    if not reason.strip():
        raise DomainError(_("A correction needs a reason."))
    with transaction.atomic():
        result = _locked_result(result)
        if result.result_set.status != ResultStatus.PUBLISHED:
            raise IllegalTransition(
                _("Only published results are corrected; adjust a draft instead.")
            )
        if grade == result.grade:
            raise DomainError(_("The grade is already %(g)s.") % {"g": Grade(grade).label})
        correction = Correction.objects.create(
            result=result,
            field="grade",
            old_value=result.grade,
            new_value=grade,
            reason=reason.strip(),
            actor=actor,
        )
        result.grade = grade
        result.save(update_fields=["grade"])
        audit_record(
            action="assessment.correct",
            actor=actor,
            target=str(result.reporter),
            organization=result.result_set.cycle.host,
            detail={"from": correction.old_value, "to": grade, "reason": reason.strip()},
        )
    return correction


# The indicator catalogue ------------------------------------------------------------

MAX_INDICATOR_POINTS = Decimal("9999.99")


def _text(value: Any, limit: int, missing: str, too_long: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise DomainError(missing)
    if len(text) > limit:
        raise DomainError(too_long % {"n": limit})
    return text


def _indicator_fields(fields: Any) -> list[str]:
    """The fields an item applies to, in the order of Field; empty means all."""
    chosen = list(dict.fromkeys(fields or []))
    unknown = [value for value in chosen if value not in Field.values]
    if unknown:
        raise DomainError(_("Unknown field: %(f)s") % {"f": ", ".join(map(str, unknown))})
    return [value for value in Field.values if value in chosen]


def indicator_save(
    *,
    cycle: Cycle,
    category: str,
    code: str,
    name: str,
    max_points: Any,
    criteria: str = "",
    fields: list[str] | None = None,
    indicator: Indicator | None = None,
    order: int | None = None,
    actor: Any = None,
) -> Indicator:
    """Add an item to the cycle's catalogue (`indicator` None) or change one. The
    category is found by name and created when new; a category left empty goes."""
    category_name = _text(
        category,
        IndicatorCategory._meta.get_field("name").max_length or 100,
        _("Give the category."),
        _("The category is at most %(n)d characters long."),
    )
    code = _text(
        code,
        Indicator._meta.get_field("code").max_length or 20,
        _("Give the code."),
        _("The code is at most %(n)d characters long."),
    )
    name = _text(
        name,
        Indicator._meta.get_field("name").max_length or 200,
        _("Give the name of the item."),
        _("The name of the item is at most %(n)d characters long."),
    )
    points = _decimal(max_points, _("Maximum points"))
    if not Decimal(0) < points <= MAX_INDICATOR_POINTS or points != points.quantize(
        Decimal("0.01")
    ):
        raise DomainError(
            _("The maximum points are a positive number up to %(max)s, with at most two decimals.")
            % {"max": MAX_INDICATOR_POINTS}
        )
    applies = _indicator_fields(fields)
    with transaction.atomic():
        Cycle.objects.select_for_update().get(pk=cycle.pk)
        _require_unpublished(cycle)
        if indicator is not None:
            indicator = (
                Indicator.objects.select_for_update()
                .select_related("category")
                .get(pk=indicator.pk)
            )
            if indicator.category.cycle_id != cycle.pk:
                raise DomainError(_("That indicator belongs to another cycle."))
        same_code = Indicator.objects.filter(category__cycle=cycle, code=code)
        if indicator is not None:
            same_code = same_code.exclude(pk=indicator.pk)
        if same_code.exists():
            raise DomainError(
                _("The code %(code)s is already used in this catalogue.") % {"code": code}
            )
        if indicator is not None:
            scores = DailyScore.objects.filter(indicator=indicator)
            if scores.filter(Q(points__gt=points) | Q(self_points__gt=points)).exists():
                raise DomainError(
                    _(
                        "Scores entered for %(item)s are above %(max)s; change them before "
                        "lowering the maximum."
                    )
                    % {"item": indicator.name, "max": points}
                )
            if applies and scores.exclude(reporter__organization__field__in=applies).exists():
                raise DomainError(
                    _(
                        "Scores are entered for %(item)s in fields it would no longer apply "
                        "to; clear them first."
                    )
                    % {"item": indicator.name}
                )
        target = IndicatorCategory.objects.filter(cycle=cycle, name=category_name).first()
        if target is None:
            last = IndicatorCategory.objects.filter(cycle=cycle).aggregate(m=Max("order"))["m"]
            target = IndicatorCategory.objects.create(
                cycle=cycle, name=category_name, order=0 if last is None else last + 1
            )
        if order is None:
            if indicator is not None and indicator.category_id == target.pk:
                order = indicator.order
            else:
                last = target.indicators.aggregate(m=Max("order"))["m"]
                order = 0 if last is None else last + 1
        created = indicator is None
        if indicator is None:
            indicator = Indicator(category=target)
        indicator.category = target
        indicator.code = code
        indicator.name = name
        indicator.max_points = points
        indicator.criteria = (criteria or "").strip()
        indicator.fields = applies
        indicator.order = order
        indicator.save()
        IndicatorCategory.objects.filter(cycle=cycle, indicators__isnull=True).delete()
        audit_record(
            action="assessment.indicator",
            actor=actor,
            target=f"{code} {name}",
            organization=cycle.host,
            detail={"cycle": cycle.pk, "created": created},
        )
    return indicator


def indicator_delete(*, indicator: Indicator, actor: Any = None) -> int:
    """Remove an item with the scores entered for it; returns how many scores went."""
    with transaction.atomic():
        indicator = Indicator.objects.select_related("category__cycle__host").get(pk=indicator.pk)
        cycle = indicator.category.cycle
        Cycle.objects.select_for_update().get(pk=cycle.pk)
        _require_unpublished(cycle)
        scores = indicator.scores.count()
        indicator.delete()
        IndicatorCategory.objects.filter(cycle=cycle, indicators__isnull=True).delete()
        audit_record(
            action="assessment.indicator_delete",
            actor=actor,
            target=f"{indicator.code} {indicator.name}",
            organization=cycle.host,
            detail={"cycle": cycle.pk, "scores": scores},
        )
    return scores


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The latest earlier cycle of the same host committee."""
    return (
        Cycle.objects.filter(host_id=cycle.host_id, year__lt=cycle.year).order_by("-year").first()
    )


def catalogue_copy(*, cycle: Cycle, actor: Any = None) -> int:
    """Fill an empty catalogue with the previous cycle's (same host); returns the number
    of items copied."""
    source = previous_cycle(cycle)
    if source is None:
        raise DomainError(_("There is no earlier cycle of this committee to copy from."))
    with transaction.atomic():
        Cycle.objects.select_for_update().get(pk=cycle.pk)
        _require_unpublished(cycle)
        if Indicator.objects.filter(category__cycle=cycle).exists():
            raise DomainError(
                _("The catalogue already has items; copying fills an empty catalogue only.")
            )
        categories = list(
            IndicatorCategory.objects.filter(cycle=source).prefetch_related("indicators")
        )
        count = 0
        for category in categories:
            items = list(category.indicators.all())
            if not items:
                continue
            copy = IndicatorCategory.objects.create(
                cycle=cycle, name=category.name, order=category.order
            )
            Indicator.objects.bulk_create(
                Indicator(
                    category=copy,
                    code=item.code,
                    name=item.name,
                    max_points=item.max_points,
                    criteria=item.criteria,
                    fields=list(item.fields),
                    order=item.order,
                )
                for item in items
            )
            count += len(items)
        if not count:
            raise DomainError(
                _("The %(year)d cycle has no indicators to copy.") % {"year": source.year}
            )
        audit_record(
            action="assessment.catalogue_copy",
            actor=actor,
            target=cycle.title,
            organization=cycle.host,
            detail={"from": source.pk, "items": count},
        )
    return count


def daily_score_clear(*, reporter: Reporter, indicator: Indicator, actor: Any = None) -> bool:
    """Remove the score of one item; True if there was one."""
    with transaction.atomic():
        _require_unpublished(reporter.cycle)
        deleted, _details = DailyScore.objects.filter(
            reporter=reporter, indicator=indicator
        ).delete()
        if deleted:
            audit_record(
                action="assessment.daily_score_clear",
                actor=actor,
                target=str(reporter),
                organization=reporter.organization,
                detail={"item": indicator.name},
            )
    return bool(deleted)


def debrief_score_clear(*, reporter: Reporter, actor: Any = None) -> bool:
    with transaction.atomic():
        _require_unpublished(reporter.cycle)
        deleted, _details = DebriefScore.objects.filter(reporter=reporter).delete()
        if deleted:
            audit_record(
                action="assessment.debrief_score_clear",
                actor=actor,
                target=str(reporter),
                organization=reporter.organization,
            )
    return bool(deleted)


def adjustment_delete(*, adjustment: ScoreAdjustment, actor: Any = None) -> None:
    reporter = adjustment.reporter
    with transaction.atomic():
        _require_unpublished(reporter.cycle)
        adjustment.delete()
        audit_record(
            action="assessment.adjustment_delete",
            actor=actor,
            target=str(reporter),
            organization=reporter.organization,
            detail={"kind": adjustment.kind, "points": str(adjustment.points)},
        )
