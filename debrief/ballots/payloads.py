"""The data the API, the phone page, the exports and the command show: the ballot
form of a token, and a tally in JSON form. One place, so that every output agrees.

The services decide; this module only shapes their results.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from debrief.ballots.models import Evaluation, EvaluationStatus, Grade, VoterGroup
from debrief.ballots.services import MAX_REASON_LENGTH, BallotForm
from debrief.ballots.tally import GRADES, Tally
from debrief.cycles.models import Reporter

# The grade words voters see on paper, whatever the interface language.
GRADE_ZH: dict[str, str] = {
    Grade.GOOD.value: "好",
    Grade.FAIRLY_GOOD.value: "较好",
    Grade.AVERAGE.value: "一般",
    Grade.POOR.value: "差",
}


@dataclass(frozen=True)
class ScaleEntry:
    grade: str
    label: str
    label_zh: str
    points: int


def scale(evaluation: Evaluation) -> list[ScaleEntry]:
    """The rating scale, best grade first, in the active language and in Chinese."""
    labels = dict(Grade.choices)
    return [
        ScaleEntry(
            grade=grade,
            label=str(labels[grade]),
            label_zh=GRADE_ZH[grade],
            points=evaluation.points_for(grade),
        )
        for grade in GRADES
    ]


def form_reporters(evaluation: Evaluation) -> list[Reporter]:
    """The reporters on the form, in form order (frozen when the evaluation opened)."""
    ids = [int(pk) for pk in evaluation.reporter_ids]
    by_id = Reporter.objects.select_related("person", "organization").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def max_good_count(evaluation: Evaluation, reporters: int) -> int | None:
    """How many reporters one ballot may rate good, as the service counts it."""
    if evaluation.max_good_share is None:
        return None
    return int(evaluation.max_good_share * reporters)


def receipts_url(evaluation: Evaluation) -> str:
    return reverse("ballots_public:receipts", args=[evaluation.meeting_id])


def form_payload(form: BallotForm) -> dict[str, Any]:
    """The ballot form of one token (GET /api/v1/ballot/<token>)."""
    evaluation = form.evaluation
    meeting = evaluation.meeting
    reporters = form_reporters(evaluation)
    return {
        "status": evaluation.status,
        "status_label": str(EvaluationStatus(evaluation.status).label),
        "meeting": {"title": meeting.title, "date": meeting.date.isoformat()},
        "group": {"name": form.token.group.name},
        "scale": [asdict(entry) for entry in scale(evaluation)],
        "reporters": [
            {
                "id": reporter.pk,
                "name": reporter.person.name,
                "post": reporter.post_title,
                "organization": reporter.organization.name,
            }
            for reporter in reporters
        ],
        "items": [{"id": item.pk, "name": item.name} for item in evaluation.items.all()],
        "rules": {
            "require_all": evaluation.require_all,
            "max_good_share": _decimal(evaluation.max_good_share),
            # Known once the form is fixed (when the evaluation opens).
            "max_good_count": max_good_count(evaluation, len(reporters)) if reporters else None,
            "reason_required_for_poor": evaluation.reason_required_for_poor,
            "max_reason_length": MAX_REASON_LENGTH,
        },
        "voted": form.voted,
        "receipts_url": receipts_url(evaluation),
    }


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def tally_payload(result: Tally, evaluation: Evaluation) -> dict[str, Any]:
    """A closed evaluation's tally as JSON: Decimals as strings, the breakdown of a
    group that cast fewer ballots than the evaluation's minimum as null."""
    meeting = evaluation.meeting
    return {
        "evaluation": result.evaluation_id,
        "meeting": {"id": meeting.pk, "title": meeting.title, "date": meeting.date.isoformat()},
        "status": evaluation.status,
        "ballots": result.ballots,
        "min_group_size": evaluation.min_group_size,
        "points": {grade: evaluation.points_for(grade) for grade in GRADES},
        "groups": [
            {
                "id": group["id"],
                "name": group["name"],
                "share": str(group["share"]),
                "ballots": group["ballots"],
                "withheld": group["withheld"],
            }
            for group in result.groups
        ],
        "results": [
            {
                "reporter": row.reporter_id,
                "name": row.name,
                "post": row.post,
                "organization": row.organization,
                "counts": row.counts,
                "valid": row.valid,
                "satisfaction_rate": str(row.satisfaction_rate),
                "poor_rate": str(row.poor_rate),
                "score": str(row.score),
                "rank": row.rank,
                "groups": [
                    {
                        "id": group.group_id,
                        "name": group.name,
                        "share": str(group.share),
                        "ballots": group.ballots,
                        "counts": group.counts,
                        "mean_points": _decimal(group.mean_points),
                    }
                    for group in row.groups
                ],
                "reasons": row.reasons,
            }
            for row in result.results
        ],
    }


def percent(rate: Decimal) -> str:
    """0.7143 → "71.43%"."""
    return f"{(rate * 100).quantize(Decimal('0.01'))}%"


def turnout(evaluation: Evaluation) -> dict[str, Any]:
    """Tokens issued and used per voter group, and in total: one query, counting the
    participation rows joined to their token's group. Says nothing of any ballot."""
    rows = list(
        VoterGroup.objects.filter(evaluation=evaluation)
        .order_by("order", "pk")
        .annotate(
            issued=Count("tokens", filter=Q(tokens__voided=False)),
            voted=Count("tokens__participation"),
        )
        .values("pk", "name", "share", "issued", "voted")
    )
    groups = [
        {
            "id": row["pk"],
            "name": row["name"],
            "share": str(row["share"]),
            "issued": row["issued"],
            "voted": row["voted"],
            "percent": _share(row["voted"], row["issued"]),
        }
        for row in rows
    ]
    issued = sum(g["issued"] for g in groups)
    voted = sum(g["voted"] for g in groups)
    return {
        "groups": groups,
        "total": {"issued": issued, "voted": voted, "percent": _share(voted, issued)},
    }


def _share(part: int, whole: int) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0
