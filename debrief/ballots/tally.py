"""The tally of a closed evaluation, per reporter.

- satisfaction rate (好评率) = (good + fairly good) / valid ratings
- poor rate = poor / valid ratings
- weighted score = Σ over groups with at least one rating of (share × group mean
  points) / Σ of those groups' shares  (DOMAIN.md §2), where the withheld groups count
  as one group: their shares summed, their ratings pooled into one mean
- rank: by weighted score, highest first; equal scores share a rank ("1, 2, 2, 4").

Group breakdowns are withheld (None) where a group cast fewer ballots than the
evaluation's `min_group_size`, and, while those together still hold fewer ballots than
that, the smallest shown groups as well (see withheld_groups): a group of one or two
can be read off neither directly nor by subtracting the shown groups from the totals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from debrief.ballots.models import (
    Ballot,
    Evaluation,
    EvaluationStatus,
    Grade,
    Receipt,
    VoterGroup,
)
from debrief.cycles.models import Reporter
from debrief.lib.errors import IllegalTransition

GRADES = [Grade.GOOD.value, Grade.FAIRLY_GOOD.value, Grade.AVERAGE.value, Grade.POOR.value]
TWO_PLACES = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")


@dataclass
class GroupResult:
    group_id: int
    name: str
    share: Decimal
    ballots: int
    counts: dict[str, int] | None  # None when withheld
    mean_points: Decimal | None


@dataclass
class ReporterResult:
    reporter_id: int
    name: str
    post: str
    organization: str
    counts: dict[str, int]
    valid: int
    satisfaction_rate: Decimal
    poor_rate: Decimal
    score: Decimal
    rank: int = 0
    groups: list[GroupResult] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass
class Tally:
    evaluation_id: int
    ballots: int
    groups: list[dict[str, object]]
    results: list[ReporterResult]


def _quantize(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def withheld_groups(
    groups: list[VoterGroup], ballots_per_group: dict[int, int], minimum: int
) -> set[int]:
    """Groups whose breakdown is withheld: those with fewer ballots than `minimum`, and
    then, while the withheld groups together still hold fewer than `minimum` ballots,
    the smallest shown group too. Otherwise a small group's ratings could be worked out
    by subtracting the shown groups from the reporter's totals."""
    withheld = {g.pk for g in groups if ballots_per_group.get(g.pk, 0) < minimum}
    if not withheld:
        return withheld
    shown = sorted(
        (g for g in groups if g.pk not in withheld),
        key=lambda g: (ballots_per_group.get(g.pk, 0), g.order, g.pk),
    )
    while shown and sum(ballots_per_group.get(pk, 0) for pk in withheld) < minimum:
        withheld.add(shown.pop(0).pk)
    return withheld


def tally(evaluation: Evaluation, *, include_reasons: bool = True) -> Tally:
    if evaluation.status != EvaluationStatus.CLOSED:
        raise IllegalTransition("Results stay hidden until the evaluation is closed.")
    groups = list(VoterGroup.objects.filter(evaluation=evaluation).order_by("order", "pk"))
    reporters = {
        r.pk: r
        for r in Reporter.objects.filter(pk__in=evaluation.reporter_ids).select_related(
            "person", "organization"
        )
    }
    # counts[reporter][group][grade]
    counts: dict[int, dict[int, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(GRADES, 0))
    )
    reasons: dict[int, list[str]] = defaultdict(list)
    ballots_per_group: dict[int, int] = defaultdict(int)
    total = 0
    for group_id, ratings in Ballot.objects.filter(evaluation=evaluation).values_list(
        "group_id", "ratings"
    ):
        total += 1
        ballots_per_group[group_id] += 1
        for reporter_key, entry in ratings.items():
            reporter_id = int(reporter_key)
            counts[reporter_id][group_id][entry["grade"]] += 1
            # Reasons are the reasons for 差; any other grade's are not shown.
            if include_reasons and entry["grade"] == Grade.POOR and entry.get("reason"):
                reasons[reporter_id].append(entry["reason"])

    withheld = withheld_groups(groups, ballots_per_group, evaluation.min_group_size)
    results = []
    for reporter_id in evaluation.reporter_ids:
        reporter = reporters.get(int(reporter_id))
        if reporter is None:
            continue
        per_group = counts.get(reporter.pk, {})
        overall = dict.fromkeys(GRADES, 0)
        weighted_sum = Decimal(0)
        share_sum = Decimal(0)
        group_results = []
        # Withheld groups are scored as one pooled group (their shares summed, their
        # ratings pooled): the score then depends only on what is shown, and cannot
        # be solved for a small group's ratings.
        pooled_points = 0
        pooled_rated = 0
        pooled_share = Decimal(0)
        for group in groups:
            group_counts = per_group.get(group.pk, dict.fromkeys(GRADES, 0))
            rated = sum(group_counts.values())
            for grade in GRADES:
                overall[grade] += group_counts[grade]
            mean = None
            if rated:
                points = sum(evaluation.points_for(g) * n for g, n in group_counts.items())
                mean = Decimal(points) / Decimal(rated)
                if group.pk in withheld:
                    pooled_points += points
                    pooled_rated += rated
                    pooled_share += group.share
                else:
                    weighted_sum += group.share * mean
                    share_sum += group.share
            hidden = group.pk in withheld
            group_results.append(
                GroupResult(
                    group_id=group.pk,
                    name=group.name,
                    share=group.share,
                    ballots=ballots_per_group.get(group.pk, 0),
                    counts=None if hidden else dict(group_counts),
                    mean_points=None if hidden or mean is None else _quantize(mean, TWO_PLACES),
                )
            )
        if pooled_rated:
            weighted_sum += pooled_share * Decimal(pooled_points) / Decimal(pooled_rated)
            share_sum += pooled_share
        valid = sum(overall.values())
        satisfied = overall[Grade.GOOD] + overall[Grade.FAIRLY_GOOD]
        results.append(
            ReporterResult(
                reporter_id=reporter.pk,
                name=reporter.person.name,
                post=reporter.post_title,
                organization=reporter.organization.name,
                counts=overall,
                valid=valid,
                satisfaction_rate=_quantize(Decimal(satisfied) / valid, FOUR_PLACES)
                if valid
                else Decimal(0),
                poor_rate=_quantize(Decimal(overall[Grade.POOR]) / valid, FOUR_PLACES)
                if valid
                else Decimal(0),
                score=_quantize(weighted_sum / share_sum, TWO_PLACES) if share_sum else Decimal(0),
                groups=group_results,
                reasons=sorted(reasons.get(reporter.pk, [])),
            )
        )
    ordered = sorted(results, key=lambda r: -r.score)
    for position, result in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        result.rank = previous.rank if previous and previous.score == result.score else position
    return Tally(
        evaluation_id=evaluation.pk,
        ballots=total,
        groups=[
            {
                "id": g.pk,
                "name": g.name,
                "share": g.share,
                "ballots": ballots_per_group.get(g.pk, 0),
                "withheld": g.pk in withheld,
            }
            for g in groups
        ],
        results=results,
    )


def receipts(evaluation: Evaluation) -> list[str]:
    """Every counted receipt, sorted, so voters can check theirs was counted."""
    if evaluation.status != EvaluationStatus.CLOSED:
        raise IllegalTransition("Receipts are published once the evaluation is closed.")
    return sorted(Receipt.objects.filter(evaluation=evaluation).values_list("code", flat=True))
