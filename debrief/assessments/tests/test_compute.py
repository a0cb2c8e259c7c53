"""Hand-worked examples for every rule (the same ones as docs/assessment-rules.md)."""

from decimal import Decimal as D

import pytest

from debrief.assessments.compute import Inputs, Outcome, Rules, compute


def one(rules: Rules, **values) -> Outcome:
    values.setdefault("key", "A")
    values.setdefault("order", "0001")
    for name in ("daily", "evaluation", "debrief"):
        values[name] = D(values[name]) if values.get(name) is not None else None
    return compute(rules, [Inputs(**values)])[0]


def test_example_1_weights_and_band():
    """(40×92.50 + 40×88.40 + 20×95.00) / 100 = (3700 + 3536 + 1900) / 100 = 91.36 → 好."""
    result = one(Rules(), daily="92.5", evaluation="88.4", debrief="95")
    assert result.total == D("91.36") and result.grade == "good"
    assert result.reasons == [
        {"rule": "band", "total": "91.36", "grade": "good", "threshold": "90.00"}
    ]


def test_example_2_components_are_rounded_half_up_before_weighting():
    """D 85.555 → 85.56, E 77.775 → 77.78, R 90.00;
    (40×85.56 + 40×77.78 + 20×90) / 100 = (3422.4 + 3111.2 + 1800) / 100 = 83.336 → 83.34 → 较好."""
    result = one(Rules(), daily="85.555", evaluation="77.775", debrief="90")
    assert (result.daily, result.evaluation) == (D("85.56"), D("77.78"))
    assert result.total == D("83.34") and result.grade == "fairly_good"


def test_example_3_a_total_below_every_band_is_poor():
    result = one(Rules(), daily="50", evaluation="60", debrief="55")
    assert result.total == D("55.00") and result.grade == "poor"
    assert result.reasons[0] == {"rule": "band", "total": "55.00", "grade": "poor", "threshold": ""}


def test_example_4_a_missing_component_counts_as_zero():
    """No daily score: (40×0 + 40×90 + 20×90) / 100 = 54.00 → 差, with the reason."""
    result = one(Rules(), daily=None, evaluation="90", debrief="90")
    assert result.total == D("54.00") and result.grade == "poor"
    assert {"rule": "missing", "component": "daily"} in result.reasons


def test_example_5_poor_share_cap():
    """Total 91.36 is in band 好, but 差 is 36% of valid ratings > 33.33%: capped at 较好."""
    rules = Rules(poor_share_cap=D("0.3333"))
    result = one(rules, daily="92.5", evaluation="88.4", debrief="95", poor_share=D("0.36"))
    assert result.grade == "fairly_good"
    assert result.reasons[-1] == {
        "rule": "poor_share_cap",
        "poor_share": "0.36",
        "threshold": "0.3333",
        "from": "good",
        "to": "fairly_good",
    }
    at_threshold = one(rules, daily="92.5", evaluation="88.4", debrief="95", poor_share=D("0.3333"))
    assert at_threshold.grade == "good"  # the rule says "exceeds"


def test_example_6_the_cap_never_raises_a_grade():
    rules = Rules(poor_share_cap=D("0.3333"))
    result = one(rules, daily="70", evaluation="70", debrief="70", poor_share=D("0.5"))
    assert result.grade == "average" and len(result.reasons) == 1


def test_example_7_a_veto_forces_its_grade():
    result = one(Rules(), daily="95", evaluation="95", debrief="95", vetoes=("换届风气问题",))
    assert result.total == D("95.00") and result.grade == "poor"
    assert result.reasons[-1] == {
        "rule": "veto",
        "items": "换届风气问题",
        "from": "good",
        "to": "poor",
    }


def test_example_8_quota_for_good():
    """Five reporters, quota 30%: floor(0.3 × 5) = 1 may be 好.
    A 95.00, B 93.00 (E 91), C 93.00 (E 89), D 91.00 are all in band 好; E 85.00 is 较好.
    Ordered A, B, C, D: only A keeps 好; B, C, D become 较好 (positions 2–4)."""
    rows = {
        "A": ("95", "95", "95"),
        "B": ("95", "91", "93"),
        "C": ("95", "89", "97"),
        "D": ("90", "91", "93"),
        "E": ("85", "85", "85"),
    }
    inputs = [
        Inputs(key=k, order=k, daily=D(d), evaluation=D(e), debrief=D(r))
        for k, (d, e, r) in rows.items()
    ]
    results = {o.key: o for o in compute(Rules(good_quota=D("0.3")), inputs)}
    assert [results[k].total for k in "ABCDE"] == [
        D("95.00"),
        D("93.00"),
        D("93.00"),
        D("91.00"),
        D("85.00"),
    ]
    assert [results[k].grade for k in "ABCDE"] == ["good"] + ["fairly_good"] * 4
    assert results["B"].reasons[-1] == {
        "rule": "quota",
        "limit": "1",
        "position": "2",
        "from": "good",
        "to": "fairly_good",
    }
    assert results["C"].reasons[-1]["position"] == "3"


def test_example_9_a_vetoed_reporter_takes_no_quota_place():
    inputs = [
        Inputs(key="A", order="1", daily=D(99), evaluation=D(99), debrief=D(99), vetoes=("x",)),
        Inputs(key="B", order="2", daily=D(95), evaluation=D(95), debrief=D(95)),
    ]
    results = {o.key: o.grade for o in compute(Rules(good_quota=D("0.5")), inputs)}
    assert results == {"A": "poor", "B": "good"}


def test_example_10_equal_totals_share_a_rank():
    totals = {"A": "95", "B": "93", "C": "93", "D": "80"}
    inputs = [
        Inputs(key=k, order=k, daily=D(t), evaluation=D(t), debrief=D(t)) for k, t in totals.items()
    ]
    assert [o.rank for o in compute(Rules(), inputs)] == [1, 2, 2, 4]


def test_the_computation_is_deterministic_whatever_the_input_order():
    inputs = [
        Inputs(key=str(n), order=f"{n:04d}", daily=D(90 + n % 3), evaluation=D(91), debrief=D(92))
        for n in range(10)
    ]
    forward = {o.key: (o.grade, o.rank) for o in compute(Rules(good_quota=D("0.2")), inputs)}
    backward = {o.key: (o.grade, o.rank) for o in compute(Rules(good_quota=D("0.2")), inputs[::-1])}
    assert forward == backward


@pytest.mark.parametrize(
    "rules",
    [
        Rules(weight_daily=D(50)),
        Rules(band_good=D(70)),
        Rules(good_quota=D("1.5")),
        Rules(veto_grade="excellent"),
    ],
)
def test_unusable_rules_are_refused(rules):
    with pytest.raises(ValueError):
        compute(rules, [])


def test_example_11_a_veto_never_raises_a_grade():
    """Veto grade 一般, band 差 (total 55.00): the grade stays 差, the veto is recorded."""
    result = one(
        Rules(veto_grade="average"), daily="50", evaluation="60", debrief="55", vetoes=("x",)
    )
    assert result.grade == "poor"
    assert result.reasons[-1] == {"rule": "veto", "items": "x", "from": "poor", "to": "poor"}
