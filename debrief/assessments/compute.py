"""The grading rules, as a pure function of plain inputs (no database), so that the
same code grades a live cycle and re-grades an imported archive.

Documented with hand-worked examples in docs/assessment-rules.md:

1. Components, each 0–100 and rounded to 2 places (half up): daily assessment D,
   democratic evaluation E, debriefing and comments R. A missing component counts 0.
2. Total T = (wD·D + wE·E + wR·R) / 100, rounded to 2 places (half up).
3. Band: T ≥ good band → good; ≥ fairly-good band → fairly good; ≥ average band →
   average; otherwise poor.
4. Poor-share cap (optional): if the share of 差 among the reporter's valid ratings
   exceeds the threshold, the grade is lowered to the cap grade (default 较好) when
   it is better than that.
5. Veto (optional): a reporter with any veto item gets at most the veto grade
   (default 差); a grade already below it stays.
6. Quota (optional): at most floor(quota × number of reporters) reporters are graded
   good; the good reporters are ordered by T (then E, both descending, then roster
   order) and those past the limit become fairly good.
7. Rank by T, highest first; equal totals share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

GOOD, FAIRLY_GOOD, AVERAGE, POOR = "good", "fairly_good", "average", "poor"
GRADES = [GOOD, FAIRLY_GOOD, AVERAGE, POOR]
TWO = Decimal("0.01")


def q2(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def better(a: str, b: str) -> bool:
    """True if grade `a` is better than grade `b`."""
    return GRADES.index(a) < GRADES.index(b)


@dataclass(frozen=True)
class Rules:
    weight_daily: Decimal = Decimal(40)
    weight_evaluation: Decimal = Decimal(40)
    weight_debrief: Decimal = Decimal(20)
    band_good: Decimal = Decimal(90)
    band_fairly_good: Decimal = Decimal(80)
    band_average: Decimal = Decimal(60)
    poor_share_cap: Decimal | None = None
    poor_share_cap_grade: str = FAIRLY_GOOD
    good_quota: Decimal | None = None
    veto_grade: str = POOR

    def problems(self) -> list[str]:
        """What is wrong with these rules (empty when they are usable)."""
        found = []
        weights = (self.weight_daily, self.weight_evaluation, self.weight_debrief)
        if any(w < 0 for w in weights) or sum(weights) != Decimal(100):
            found.append("weights")
        if not Decimal(100) >= self.band_good >= self.band_fairly_good >= self.band_average >= 0:
            found.append("bands")
        if self.poor_share_cap is not None and not Decimal(0) <= self.poor_share_cap <= 1:
            found.append("poor_share_cap")
        if self.good_quota is not None and not Decimal(0) <= self.good_quota <= 1:
            found.append("good_quota")
        if self.poor_share_cap_grade not in GRADES or self.veto_grade not in GRADES:
            found.append("grades")
        return found


@dataclass(frozen=True)
class Inputs:
    key: str  # identifies the reporter (roster id or archive key)
    order: str  # roster order, the last tie-break
    daily: Decimal | None
    evaluation: Decimal | None
    debrief: Decimal | None
    poor_share: Decimal | None = None
    vetoes: tuple[str, ...] = ()


@dataclass
class Outcome:
    key: str
    daily: Decimal | None
    evaluation: Decimal | None
    debrief: Decimal | None
    total: Decimal
    grade: str
    rank: int = 0
    reasons: list[dict[str, str]] = field(default_factory=list)


def band_of(total: Decimal, rules: Rules) -> tuple[str, Decimal | None]:
    if total >= rules.band_good:
        return GOOD, rules.band_good
    if total >= rules.band_fairly_good:
        return FAIRLY_GOOD, rules.band_fairly_good
    if total >= rules.band_average:
        return AVERAGE, rules.band_average
    return POOR, None


def compute(rules: Rules, inputs: list[Inputs]) -> list[Outcome]:
    problems = rules.problems()
    if problems:
        raise ValueError(f"unusable rules: {', '.join(problems)}")
    outcomes: list[Outcome] = []
    for item in inputs:
        d, e, r = (
            q2(v) if v is not None else None for v in (item.daily, item.evaluation, item.debrief)
        )
        total = q2(
            (
                rules.weight_daily * (d or 0)
                + rules.weight_evaluation * (e or 0)
                + rules.weight_debrief * (r or 0)
            )
            / Decimal(100)
        )
        grade, floor = band_of(total, rules)
        reasons = [
            {
                "rule": "band",
                "total": str(total),
                "grade": grade,
                "threshold": str(q2(floor)) if floor is not None else "",
            }
        ]
        for name, value in (("daily", d), ("evaluation", e), ("debrief", r)):
            if value is None:
                reasons.append({"rule": "missing", "component": name})
        if (
            rules.poor_share_cap is not None
            and item.poor_share is not None
            and item.poor_share > rules.poor_share_cap
            and better(grade, rules.poor_share_cap_grade)
        ):
            reasons.append(
                {
                    "rule": "poor_share_cap",
                    "poor_share": str(item.poor_share),
                    "threshold": str(rules.poor_share_cap),
                    "from": grade,
                    "to": rules.poor_share_cap_grade,
                }
            )
            grade = rules.poor_share_cap_grade
        if item.vetoes:
            # A veto only ever lowers: the grade becomes the veto grade or stays, if it
            # is already worse.
            lowered = rules.veto_grade if better(grade, rules.veto_grade) else grade
            reasons.append(
                {
                    "rule": "veto",
                    "items": "；".join(sorted(item.vetoes)),
                    "from": grade,
                    "to": lowered,
                }
            )
            grade = lowered
        outcomes.append(
            Outcome(
                key=item.key,
                daily=d,
                evaluation=e,
                debrief=r,
                total=total,
                grade=grade,
                reasons=reasons,
            )
        )

    by_key = {item.key: item for item in inputs}
    if rules.good_quota is not None:
        limit = int((rules.good_quota * len(outcomes)).to_integral_value(rounding=ROUND_DOWN))
        good = sorted(
            (o for o in outcomes if o.grade == GOOD),
            key=lambda o: (-o.total, -(o.evaluation or Decimal(0)), by_key[o.key].order),
        )
        for position, outcome in enumerate(good, start=1):
            if position > limit:
                outcome.reasons.append(
                    {
                        "rule": "quota",
                        "limit": str(limit),
                        "position": str(position),
                        "from": GOOD,
                        "to": FAIRLY_GOOD,
                    }
                )
                outcome.grade = FAIRLY_GOOD

    ranked = sorted(outcomes, key=lambda o: -o.total)
    for position, outcome in enumerate(ranked, start=1):
        previous = ranked[position - 2] if position > 1 else None
        outcome.rank = previous.rank if previous and previous.total == outcome.total else position
    return outcomes
