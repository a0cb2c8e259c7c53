"""The cycle archive: export, import, recomputation and comparison (docs/archive.md)."""

from __future__ import annotations

import copy
import datetime
import io
import json
import re
import uuid
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from debrief.assessments.archive import (
    FORMAT,
    ArchiveError,
    ImportReport,
    export_cycle,
    import_cycle,
    read_archive,
)
from debrief.assessments.models import Indicator, IndicatorCategory, Result, ResultSet
from debrief.assessments.services import (
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
from debrief.audit.models import AuditRecord
from debrief.ballots.models import Ballot, BallotToken, Evaluation, Participation, Receipt
from debrief.ballots.services import ballot_submit, evaluation_close
from debrief.ballots.tally import receipts
from debrief.ballots.tests.conftest import make_ready
from debrief.cycles.models import Cycle, CycleStatus, Reporter
from debrief.cycles.services import cycle_transition
from debrief.meetings.services import ProblemInput, comment_record
from debrief.orgs.models import Field, Level, Organization
from debrief.orgs.services import org_create
from debrief.people.models import Person
from debrief.rectification.models import Problem

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[3] / "docs"


# -- a real cycle to export -------------------------------------------------------------


def _vote(ready, group: str, index: int, ratings: list[dict[str, Any]]) -> None:
    ballot_submit(token=ready.tokens[group][index], ballot_id=str(uuid.uuid4()), ratings=ratings)


@pytest.fixture
def archived(county, personas) -> Cycle:
    """A cycle carried through the assessment like `graded` in test_assessment_services,
    with a reason on a poor rating, a veto item, a comment with a problem and a manual
    adjustment: 青石镇 94.80 好; 柳溪镇 computed 差 (a poor rating among 4), adjusted."""
    ready = make_ready(county, tokens_per_group=3)
    qingshi, liuxi = sorted(ready.reporter_ids)
    for index in range(3):
        _vote(
            ready,
            "县委常委",
            index,
            [{"reporter": qingshi, "grade": "good"}, {"reporter": liuxi, "grade": "average"}],
        )
    _vote(
        ready,
        "党建工作领导小组成员",
        0,
        [
            {"reporter": qingshi, "grade": "good"},
            {"reporter": liuxi, "grade": "poor", "reason": "推进不力"},
        ],
    )
    evaluation_close(evaluation=ready.evaluation)
    cycle = ready.evaluation.meeting.cycle
    cycle_transition(cycle=cycle, to=CycleStatus.ASSESSMENT)
    category = IndicatorCategory.objects.create(cycle=cycle, name="基础工作")
    rural = Indicator.objects.create(
        category=category, code="1.1", name="组织生活", max_points=D(30), fields=[Field.RURAL]
    )
    general = Indicator.objects.create(
        category=category, code="1.2", name="党建责任", max_points=D(20), criteria="查台账"
    )
    reporters = {r.organization.code: r for r in cycle.reporters.select_related("organization")}
    q, lx = reporters["T001"], reporters["T002"]
    daily_score_set(reporter=q, indicator=rural, points="27", self_points="28", evidence="台账")
    daily_score_set(reporter=q, indicator=general, points="18")
    adjustment_add(reporter=q, kind="bonus", points="2", reason="获评省级示范")
    adjustment_add(reporter=q, kind="penalty", points="1", reason="材料迟报")
    daily_score_set(reporter=lx, indicator=rural, points="18.5")
    daily_score_set(reporter=lx, indicator=general, points="12")
    debrief_score_set(reporter=q, points="90", note="现场述职")
    debrief_score_set(reporter=lx, points="70")
    scheme = scheme_set(
        cycle=cycle,
        values={"poor_share_cap": "0.2", "good_quota": "0.5"},
        veto_items=["换届风气问题", "重大安全事故"],
    )
    veto_set(reporter=lx, item=scheme.veto_items.get(name="重大安全事故"), applies=True, note="x")
    comment_record(
        reporter=lx,
        commenter="县委书记",
        affirmations="基础工作扎实",
        requirements="压实责任",
        problems=[
            ProblemInput(category="responsibility", description="责任落实不到位", severity="major")
        ],
    )
    result_set = results_compute(cycle=cycle)
    result_adjust(
        result=result_set.results.get(reporter=lx), grade="average", reason="常委会研究决定"
    )
    return cycle


def _renamed(document: dict[str, Any], prefix: str = "N") -> dict[str, Any]:
    """The same archive with every organization code changed, as if the installation
    importing it had none of these organizations."""
    data = copy.deepcopy(document)
    for org in data["organizations"]:
        org["code"] = prefix + org["code"]
        if org["parent_code"]:
            org["parent_code"] = prefix + org["parent_code"]
    data["organizations"][0]["parent_code"] = None
    data["cycle"]["host"]["code"] = prefix + data["cycle"]["host"]["code"]
    for reporter in data["roster"]:
        reporter["organization"] = prefix + reporter["organization"]
    return data


def cycle_of(report: ImportReport) -> Cycle:
    assert report.cycle_id is not None
    return Cycle.objects.get(pk=report.cycle_id)


def _results(cycle: Cycle) -> dict[str, tuple[Any, ...]]:
    return {
        r.reporter.organization.code[-4:]: (
            r.daily,
            r.evaluation,
            r.debrief,
            r.total,
            r.computed_grade,
            r.grade,
            r.rank,
            r.reasons,
            r.adjusted_reason,
        )
        for r in Result.objects.filter(result_set__cycle=cycle).select_related(
            "reporter__organization"
        )
    }


# -- round trips ----------------------------------------------------------------------


def test_an_exported_cycle_imports_into_an_installation_without_its_organizations(archived):
    document = json.loads(json.dumps(export_cycle(archived)))  # through real JSON
    organizations_before = Organization.objects.count()

    report = import_cycle(_renamed(document))

    assert report.compared and report.differences == []
    assert report.counts["organizations_created"] == 3  # the county and two townships
    assert Organization.objects.count() == organizations_before + 3
    cycle = cycle_of(report)
    assert cycle.host.code == "NC001" and cycle.host.parent is None
    assert _results(cycle) == _results(archived)
    adjusted = Result.objects.get(reporter__cycle=cycle, reporter__organization__code="NT002")
    assert (adjusted.computed_grade, adjusted.grade) == ("poor", "average")
    assert (cycle.status, report.results_status) == (CycleStatus.ASSESSMENT, "draft")


def test_an_export_imported_for_another_year_reuses_the_organizations(archived):
    document = export_cycle(archived)
    document["cycle"]["year"] = 2026
    organizations_before = Organization.objects.count()

    report = import_cycle(document)

    assert report.differences == [] and report.counts["organizations_reused"] == 3
    assert Organization.objects.count() == organizations_before
    cycle = cycle_of(report)
    assert cycle.host_id == archived.host_id and cycle.year == 2026
    assert _results(cycle) == _results(archived)
    problem = Problem.objects.select_related("comment").get(cycle=cycle)
    assert problem.comment is not None
    assert (problem.description, problem.severity, problem.comment.commenter) == (
        "责任落实不到位",
        "major",
        "县委书记",
    )


def _comparable(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The archive without its export time, ballots in a fixed order and the `prefix`
    taken off every organization code and roster key."""
    text = json.dumps(document, ensure_ascii=False)
    if prefix:
        text = re.sub(rf'"{prefix}([CTVU]\d{{3}})"', r'"\1"', text)
    data = json.loads(text)
    data.pop("exported_at")
    data["evaluation"]["ballots"].sort(key=lambda b: json.dumps(b, sort_keys=True))
    return data


def test_everything_entered_survives_the_round_trip(archived):
    first = export_cycle(archived)
    report = import_cycle(_renamed(first))
    second = export_cycle(cycle_of(report))
    assert second["roster"][0]["key"] == "NT001"
    assert _comparable(second, prefix="N") == _comparable(first)


def test_ballots_round_trip_anonymously_with_fresh_receipts(archived):
    source = Evaluation.objects.get(meeting__cycle=archived)
    document = export_cycle(archived)
    text = json.dumps(document, ensure_ascii=False)
    assert "token" not in text and "receipt" not in text

    report = import_cycle(_renamed(document))

    imported = Evaluation.objects.get(meeting__cycle=cycle_of(report))
    assert imported.status == "closed" and imported.closed_count == 4 == report.counts["ballots"]
    assert not BallotToken.objects.filter(evaluation=imported).exists()
    assert not Participation.objects.filter(evaluation=imported).exists()
    old = set(Receipt.objects.filter(evaluation=source).values_list("code", flat=True))
    new = list(Receipt.objects.filter(evaluation=imported).values_list("code", flat=True))
    assert len(old) == 4 and len(set(new)) == 4 and not old & set(new)
    assert Ballot.objects.filter(evaluation=imported).count() == 4
    assert receipts(imported) == sorted(new)

    def by_org(evaluation):
        code = {
            r.pk: r.organization.code[-4:]
            for r in Reporter.objects.filter(pk__in=evaluation.reporter_ids).select_related(
                "organization"
            )
        }
        return sorted(
            (
                b.group.name,
                sorted(
                    (code[int(k)], v["grade"], v.get("reason", "")) for k, v in b.ratings.items()
                ),
            )
            for b in Ballot.objects.filter(evaluation=evaluation).select_related("group")
        )

    assert by_org(imported) == by_org(source)


def test_an_approved_published_and_corrected_cycle_is_replayed(archived):
    result_set = ResultSet.objects.get(cycle=archived)
    results_approve(
        result_set=result_set,
        approved_on=datetime.date(2026, 2, 1),
        approval_document="县委常委会〔2026〕2号",
        rectify_by=datetime.date(2026, 6, 30),
    )
    results_publish(result_set=result_set)
    result_set.refresh_from_db()
    result_correct(
        result=result_set.results.get(reporter__organization__code="T001"),
        grade="fairly_good",
        reason="复核发现加分依据不足",
    )
    document = export_cycle(archived)
    assert document["approval"]["document"] == "县委常委会〔2026〕2号"
    assert document["approval"]["rectify_by"] == "2026-06-30"

    report = import_cycle(_renamed(document))

    assert report.differences == [] and report.warnings == []
    cycle = cycle_of(report)
    assert cycle.status == CycleStatus.PUBLISHED
    imported_set = ResultSet.objects.get(cycle=cycle)
    assert (imported_set.status, imported_set.approved_on, imported_set.approval_document) == (
        "published",
        datetime.date(2026, 2, 1),
        "县委常委会〔2026〕2号",
    )
    assert imported_set.rectify_by == datetime.date(2026, 6, 30)
    assert result_set.published_at is not None
    assert imported_set.published_at == result_set.published_at.replace(microsecond=0)
    corrected = imported_set.results.get(reporter__organization__code="NT001")
    assert (corrected.computed_grade, corrected.grade) == ("good", "fairly_good")
    assert corrected.corrections.get().reason == "复核发现加分依据不足"


# -- an archive written by hand -------------------------------------------------------


def hand_written() -> dict[str, Any]:
    """Three reporters, written as an outsider would from docs/archive.md.

    Scheme: weights 40/40/20, bands 90/80/60, poor-share cap 0.2 (to 较好), quota 0.5,
    veto item 换届风气问题 (to 差). Groups 常委 50 and 代表 50, four ballots.

    Daily (out of the items that apply: 1.1 max 60 for all, 1.2 max 40 rural, 1.3
    max 40 organ, so 100 for everyone):
      A 东山镇: 60 + 38 + bonus 5 = 103, kept at most 100     → D 100.00
      B 西河镇: 54 + 38 − penalty 2 = 90                      → D  90.00
      C 机关工委: 57 + 38 (1.2 does not apply to organs) = 95   → D  95.00
    Evaluation (group means, then (50 × 常委 + 50 × 代表) / 100):
      A 常委 good, good → 100; 代表 good, poor → 50          → E  75.00, 差 1 of 4 = 0.25
      B good from all four                                   → E 100.00
      C 常委 100; 代表 good, fairly good → 90                 → E  95.00
    Totals (40 D + 40 E + 20 R) / 100, with R = 100, 90, 90:
      A (4000 + 3000 + 2000) / 100 = 90.00 → 好 (at least 90.00); 差 share 0.25
        exceeds 0.2 → 较好; veto 换届风气问题 → 差
      B (3600 + 4000 + 1800) / 100 = 94.00 → 好
      C (3800 + 3800 + 1800) / 100 = 94.00 → 好
    Quota: floor(0.5 × 3) = 1 place. A, vetoed, takes none. B and C tie on 94.00;
      B's evaluation 100.00 beats C's 95.00, so B keeps 好 and C, number 2, → 较好.
    Ranks by total: B 1, C 1 (equal totals share), A 3.
    """
    return {
        "format": "debrief.cycle-archive",
        "version": 1,
        "cycle": {
            "host": {"code": "HP00"},
            "year": 2025,
            "reference_date": "2025-12-31",
            "status": "assessment",
        },
        "organizations": [
            {"code": "HP00", "name": "和平县委", "level": "county", "field": "general"},
            {
                "code": "HP01",
                "name": "东山镇党委",
                "level": "township",
                "field": "rural",
                "parent_code": "HP00",
            },
            {
                "code": "HP02",
                "name": "西河镇党委",
                "level": "township",
                "field": "rural",
                "parent_code": "HP00",
            },
            {
                "code": "HP03",
                "name": "和平县直机关工委",
                "level": "unit",
                "field": "organ",
                "parent_code": "HP00",
            },
        ],
        "roster": [
            {"key": "A", "organization": "HP01", "person": {"name": "赵东", "gender": "male"}},
            {"key": "B", "organization": "HP02", "person": {"name": "钱西", "gender": "female"}},
            {"key": "C", "organization": "HP03", "person": {"name": "孙机", "gender": "male"}},
        ],
        "scheme": {
            "weights": {"daily": "40", "evaluation": "40", "debrief": "20"},
            "bands": {"good": "90", "fairly_good": "80", "average": "60"},
            "poor_share_cap": "0.2",
            "good_quota": "0.5",
            "veto_items": ["换届风气问题"],
        },
        "indicators": [
            {"category": "基础工作", "code": "1.1", "name": "组织建设", "max_points": "60"},
            {
                "category": "重点任务",
                "code": "1.2",
                "name": "乡村振兴",
                "max_points": "40",
                "fields": ["rural"],
            },
            {
                "category": "重点任务",
                "code": "1.3",
                "name": "机关党建",
                "max_points": "40",
                "fields": ["organ"],
            },
        ],
        "daily_scores": [
            {"reporter": "A", "indicator": "1.1", "points": "60"},
            {"reporter": "A", "indicator": "1.2", "points": "38"},
            {"reporter": "B", "indicator": "1.1", "points": "54"},
            {"reporter": "B", "indicator": "1.2", "points": "38"},
            {"reporter": "C", "indicator": "1.1", "points": "57"},
            {"reporter": "C", "indicator": "1.3", "points": "38"},
        ],
        "adjustments": [
            {"reporter": "A", "kind": "bonus", "points": "5", "reason": "获评省级示范"},
            {"reporter": "B", "kind": "penalty", "points": "2", "reason": "材料迟报"},
        ],
        "debrief_scores": [
            {"reporter": "A", "points": "100"},
            {"reporter": "B", "points": "90"},
            {"reporter": "C", "points": "90"},
        ],
        "vetoes": [{"reporter": "A", "item": "换届风气问题"}],
        "evaluation": {
            "groups": [{"name": "常委", "share": "50"}, {"name": "代表", "share": "50"}],
            "ballots": [
                {"group": "常委", "ratings": {"A": "good", "B": "good", "C": "good"}},
                {"group": "常委", "ratings": {"A": "good", "B": "good", "C": "good"}},
                {"group": "代表", "ratings": {"A": "good", "B": "good", "C": "good"}},
                {
                    "group": "代表",
                    "ratings": {
                        "A": {"grade": "poor", "reason": "换届纪律问题"},
                        "B": "good",
                        "C": "fairly_good",
                    },
                },
            ],
        },
        "results": [
            {
                "reporter": "B",
                "daily": "90.00",
                "evaluation": "100.00",
                "debrief": "90.00",
                "total": "94.00",
                "grade": "good",
                "rank": 1,
                "reasons": [
                    {"rule": "band", "total": "94.00", "grade": "good", "threshold": "90.00"}
                ],
            },
            {
                "reporter": "C",
                "daily": "95.00",
                "evaluation": "95.00",
                "debrief": "90.00",
                "total": "94.00",
                "grade": "fairly_good",
                "rank": 1,
                "reasons": [
                    {"rule": "band", "total": "94.00", "grade": "good", "threshold": "90.00"},
                    {
                        "rule": "quota",
                        "limit": "1",
                        "position": "2",
                        "from": "good",
                        "to": "fairly_good",
                    },
                ],
            },
            {
                "reporter": "A",
                "daily": "100.00",
                "evaluation": "75.00",
                "debrief": "100.00",
                "total": "90.00",
                "grade": "poor",
                "rank": 3,
                "reasons": [
                    {"rule": "band", "total": "90.00", "grade": "good", "threshold": "90.00"},
                    {
                        "rule": "poor_share_cap",
                        "poor_share": "0.25",
                        "threshold": "0.2",
                        "from": "good",
                        "to": "fairly_good",
                    },
                    {"rule": "veto", "items": "换届风气问题", "from": "fairly_good", "to": "poor"},
                ],
            },
        ],
    }


def test_a_hand_written_archive_with_cap_veto_and_quota_matches_its_hand_computation():
    report = import_cycle(hand_written())

    assert report.differences == []
    results = {
        r.reporter.organization.code: r
        for r in Result.objects.filter(reporter__cycle=cycle_of(report)).select_related(
            "reporter__organization"
        )
    }
    a, b, c = results["HP01"], results["HP02"], results["HP03"]
    assert (a.daily, a.evaluation, a.debrief, a.total) == (D(100), D(75), D(100), D(90))
    assert (b.total, c.total, c.evaluation) == (D(94), D(94), D(95))
    assert [(r.grade, r.rank) for r in (a, b, c)] == [("poor", 3), ("good", 1), ("fairly_good", 1)]
    assert [reason["rule"] for reason in a.reasons] == ["band", "poor_share_cap", "veto"]
    assert a.reasons[1]["poor_share"] == "0.2500"  # compared as numbers with "0.25"


def test_a_wrong_archived_total_is_a_difference_and_the_command_exits_3(tmp_path):
    document = hand_written()
    document["results"][0]["total"] = "94.01"
    document["results"][0]["reasons"][0]["total"] = "94.01"
    report = import_cycle(document, dry_run=True)
    assert [(d.reporter, d.field, d.archived, d.recomputed) for d in report.differences] == [
        ("B", "total", "94.01", "94.00"),
        (
            "B",
            "reasons",
            json.dumps(document["results"][0]["reasons"], ensure_ascii=False, sort_keys=True),
            json.dumps(
                [{"grade": "good", "rule": "band", "threshold": "90.00", "total": "94.00"}],
                ensure_ascii=False,
                sort_keys=True,
            ),
        ),
    ]
    path = tmp_path / "archive.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_cycle", str(path), stdout=out)

    assert raised.value.returncode == 3
    printed = out.getvalue()
    assert re.search(r"B\s+total\s+94\.01\s+94\.00", printed)
    assert re.search(r"B\s+reasons\s+", printed)
    assert "match" not in printed
    cycle = Cycle.objects.get(host__code="HP00")  # imported all the same, results a draft
    assert ResultSet.objects.get(cycle=cycle).status == "draft"


def test_the_import_command_says_when_the_results_match(tmp_path):
    path = tmp_path / "archive.json"
    path.write_text(json.dumps(hand_written(), ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("import_cycle", str(path), stdout=out)
    printed = out.getvalue()
    cycle = Cycle.objects.get(host__code="HP00")
    assert f"Imported as cycle {cycle.pk}" in printed
    assert "The recomputed results match the archive." in printed
    assert "reporters 3" in printed and "ballots 4" in printed


def test_a_changed_computed_grade_and_rank_are_differences():
    document = hand_written()
    document["results"][1]["grade"] = "good"  # C: archived as good, the quota says 较好
    document["results"][2]["rank"] = 2
    report = import_cycle(document, dry_run=True)
    assert {(d.reporter, d.field) for d in report.differences} == {
        ("C", "grade"),
        ("A", "rank"),
    }


def test_an_archived_manual_adjustment_is_applied_after_computing():
    document = hand_written()
    document["results"][1].update(
        grade="good", computed_grade="fairly_good", adjusted_reason="常委会研究决定"
    )
    document["results"][1]["reasons"].append(
        {"rule": "manual", "from": "fairly_good", "to": "good", "why": "常委会研究决定"}
    )
    report = import_cycle(document)
    assert report.differences == []
    c = Result.objects.get(reporter__cycle=cycle_of(report), reporter__organization__code="HP03")
    assert (c.computed_grade, c.grade, c.adjusted_reason) == (
        "fairly_good",
        "good",
        "常委会研究决定",
    )


def test_an_inputs_only_archive_imports_without_comparing():
    document = hand_written()
    del document["results"]
    report = import_cycle(document)
    assert not report.compared and report.differences == []
    assert report.counts["results"] == 3


def test_an_approval_is_not_replayed_over_differing_results():
    document = hand_written()
    document["approval"] = {"approved_on": "2026-02-01", "document": "和委〔2026〕1号"}
    document["cycle"]["status"] = "published"
    document["results"][0]["total"] = "94.01"
    report = import_cycle(document)
    assert report.differences and report.results_status == "draft"
    assert report.cycle_status == CycleStatus.ASSESSMENT
    assert any("not replayed" in warning for warning in report.warnings)


def test_a_closed_archive_with_matching_results_ends_closed():
    document = hand_written()
    document["approval"] = {"approved_on": "2026-02-01", "document": "和委〔2026〕1号"}
    document["cycle"]["status"] = "closed"
    report = import_cycle(document)
    assert (report.cycle_status, report.results_status) == ("closed", "published")


def test_evaluations_of_two_sessions_round_trip():
    document = hand_written()
    document["roster"][2]["session"] = 2
    ballots = document["evaluation"]["ballots"]
    first = {"groups": document["evaluation"]["groups"], "ballots": [], "session": 1}
    second = {"groups": document["evaluation"]["groups"], "ballots": [], "session": 2}
    for ballot in ballots:
        ratings = dict(ballot["ratings"])
        c = ratings.pop("C")
        first["ballots"].append({"group": ballot["group"], "ratings": ratings})
        second["ballots"].append({"group": ballot["group"], "ratings": {"C": c}})
    document["evaluation"] = [first, second]

    report = import_cycle(document)

    assert report.differences == [] and report.counts["evaluations"] == 2
    exported = export_cycle(cycle_of(report))
    assert [e["session"] for e in exported["evaluation"]] == [1, 2]
    assert [len(e["ballots"]) for e in exported["evaluation"]] == [4, 4]
    assert "reporters" not in exported["evaluation"][0]
    assert schema_problems(exported, schema(), schema()) == []


def test_item_ratings_and_reasons_on_ballots_round_trip():
    document = hand_written()
    document["evaluation"]["items"] = ["政治建设", "作风建设"]
    document["evaluation"]["ballots"][3]["ratings"]["A"]["items"] = {
        "政治建设": "average",
        "作风建设": "poor",
    }
    report = import_cycle(document)
    assert report.differences == []
    exported = export_cycle(cycle_of(report))
    assert exported["evaluation"]["items"] == ["政治建设", "作风建设"]
    rated = [b["ratings"]["HP01"] for b in exported["evaluation"]["ballots"]]
    assert {
        "grade": "poor",
        "reason": "换届纪律问题",
        "items": {"政治建设": "average", "作风建设": "poor"},
    } in rated
    assert rated.count("good") == 3


def test_the_host_goes_under_its_parent_when_the_installation_has_it():
    city = org_create(code="CITY1", name="和平市委", level=Level.CITY, field=Field.GENERAL)
    document = hand_written()
    document["organizations"][0]["parent_code"] = "CITY1"
    report = import_cycle(document)
    assert report.warnings == [] and report.counts["organizations_created"] == 4
    assert cycle_of(report).host.parent == city


def test_a_host_whose_parent_is_missing_becomes_a_top_level_organization_with_a_warning():
    document = hand_written()
    document["organizations"][0]["parent_code"] = "CITY1"
    report = import_cycle(document)
    assert cycle_of(report).host.parent is None
    assert any("CITY1 is not here" in warning for warning in report.warnings)


# -- validation -------------------------------------------------------------------------


def _break(change):
    document = hand_written()
    change(document)
    return document


BROKEN = {
    "unknown reporter key": (
        lambda d: d["daily_scores"][3].update(reporter="Z"),
        "daily_scores[3].reporter",
        "“Z” is not a key in “roster”",
    ),
    "points above the maximum": (
        lambda d: d["daily_scores"][1].update(points="40.5"),
        "daily_scores[1].points",
        "must be at most 40",
    ),
    "shares not adding up to 100": (
        lambda d: d["evaluation"]["groups"][1].update(share="40"),
        "evaluation.groups",
        "the shares add up to 90, not 100",
    ),
    "a bad grade on a ballot": (
        lambda d: d["evaluation"]["ballots"][2]["ratings"].update(B="excellent"),
        "evaluation.ballots[2].ratings.B",
        "“excellent” is not a grade",
    ),
    "a bad grade in the results": (
        lambda d: d["results"][0].update(grade="excellent"),
        "results[0].grade",
        "must be one of good, fairly_good, average, poor",
    ),
    "a missing required key": (
        lambda d: d["roster"][1].pop("person"),
        "roster[1].person",
        "is required",
    ),
    "a wrong version": (lambda d: d.update(version=2), "version", "version 2 is not supported"),
    "an unknown key": (
        lambda d: d.update(daily_score=[]),
        "daily_score",
        "unknown key",
    ),
    "a decimal that is not a number": (
        lambda d: d["debrief_scores"][0].update(points="九十"),
        "debrief_scores[0].points",
        "“九十” is not a number",
    ),
    "an unknown indicator": (
        lambda d: d["daily_scores"][0].update(indicator="9.9"),
        "daily_scores[0].indicator",
        "“9.9” is not a code in “indicators”",
    ),
    "an indicator of another field": (
        lambda d: d["daily_scores"][5].update(indicator="1.2"),
        "daily_scores[5].indicator",
        "1.2 does not apply to the field “organ” of HP03",
    ),
    "a veto item not in the scheme": (
        lambda d: d["vetoes"][0].update(item="别的"),
        "vetoes[0].item",
        "“别的” is not in “scheme.veto_items”",
    ),
    "weights not adding up to 100": (
        lambda d: d["scheme"]["weights"].update(daily="50"),
        "scheme.weights",
        "add up to 100",
    ),
    "a reporter outside the host": (
        lambda d: d["organizations"][1].update(parent_code=None),
        "roster[0].organization",
        "does not lie under the host",
    ),
    "a child listed before its parent": (
        lambda d: d["organizations"].reverse(),
        "organizations[0].parent_code",
        "must be listed before its children",
    ),
    "a rating for a reporter not on the form": (
        lambda d: (
            d["evaluation"].update(reporters=["A", "B"]),
            d["evaluation"]["ballots"][0]["ratings"].update(C="good"),
        ),
        "evaluation.ballots[0].ratings.C",
        "is not on this evaluation's form",
    ),
    "an adjusted grade without a reason": (
        lambda d: d["results"][1].update(grade="good", computed_grade="fairly_good"),
        "results[1].adjusted_reason",
        "give the reason",
    ),
    "a bad date": (
        lambda d: d["cycle"].update(reference_date="2025/12/31"),
        "cycle.reference_date",
        "must be a date written as YYYY-MM-DD",
    ),
    "too many decimal places": (
        lambda d: d["daily_scores"][0].update(points="59.999"),
        "daily_scores[0].points",
        "more than 2 decimal places",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_each_problem_is_reported_with_its_path_and_nothing_is_written(case):
    change, path, message = BROKEN[case]
    counts = (Organization.objects.count(), Cycle.objects.count(), Person.objects.count())

    with pytest.raises(ArchiveError) as raised:
        import_cycle(_break(change))

    found = [(p.path, p.message) for p in raised.value.problems]
    assert any(p == path and message in m for p, m in found), found
    assert (Organization.objects.count(), Cycle.objects.count(), Person.objects.count()) == counts


def test_every_problem_is_listed_at_once_and_the_command_fails(tmp_path):
    document = hand_written()
    document["daily_scores"][0]["points"] = "61"
    document["adjustments"][0]["kind"] = "gift"
    document["results"][2]["rank"] = 0
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_cycle", str(path), stderr=err)
    assert raised.value.returncode == 1
    assert "3 problem(s)" in str(raised.value)
    for where in ("daily_scores[0].points", "adjustments[0].kind", "results[2].rank"):
        assert where in err.getvalue()
    assert not Cycle.objects.exists()


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "archive.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not UTF-8 JSON"):
        call_command("import_cycle", str(path))


def test_an_existing_organization_of_another_level_is_refused():
    org_create(code="HP03", name="和平县某镇", level=Level.TOWNSHIP, field=Field.RURAL)
    with pytest.raises(ArchiveError) as raised:
        import_cycle(hand_written())
    assert [p.path for p in raised.value.problems] == ["organizations[3].level"]
    assert Organization.objects.count() == 1


def test_a_host_that_already_has_a_cycle_for_the_year_is_refused(archived):
    with pytest.raises(ArchiveError) as raised:
        import_cycle(export_cycle(archived))
    assert [p.path for p in raised.value.problems] == ["cycle.year"]
    assert "already has a cycle for 2025" in raised.value.problems[0].message
    assert Cycle.objects.count() == 1


def test_a_dry_run_compares_and_then_writes_nothing():
    audit_before = AuditRecord.objects.count()
    report = import_cycle(hand_written(), dry_run=True)
    assert report.dry_run and report.cycle_id is None
    assert report.compared and report.differences == [] and report.counts["ballots"] == 4
    assert not Organization.objects.exists() and not Person.objects.exists()
    assert not Ballot.objects.exists() and not Cycle.objects.exists()
    assert AuditRecord.objects.count() == audit_before


def test_the_dry_run_option_of_the_command_writes_nothing(tmp_path):
    path = tmp_path / "archive.json"
    path.write_text(json.dumps(hand_written(), ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("import_cycle", str(path), "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and "match the archive" in out.getvalue()
    assert not Cycle.objects.exists()


def test_the_export_command_writes_readable_utf8_json(archived, tmp_path):
    path = tmp_path / "out.json"
    call_command("export_cycle", str(archived.pk), str(path), stdout=io.StringIO())
    text = path.read_text(encoding="utf-8")
    assert "青石镇党委" in text and '\n  "format"' in text
    assert json.loads(text)["format"] == FORMAT
    with pytest.raises(CommandError, match="There is no cycle"):
        call_command("export_cycle", "999999", str(path))


# -- the documents --------------------------------------------------------------------


def doc_example() -> dict[str, Any]:
    text = (DOCS / "archive.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)\n```", text, flags=re.DOTALL)
    assert len(blocks) == 1, "docs/archive.md holds exactly one ```json block: the example"
    return json.loads(blocks[0])


def test_the_example_in_the_documentation_imports_with_no_differences():
    report = import_cycle(doc_example())
    assert report.compared and report.differences == [] and report.warnings == []
    assert report.counts["reporters"] == 3


def schema() -> dict[str, Any]:
    return json.loads((DOCS / "archive-schema.json").read_text(encoding="utf-8"))


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        assert node["$ref"].startswith("#/$defs/"), node["$ref"]
        node = root["$defs"][node["$ref"].removeprefix("#/$defs/")]
    return node


TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def _type_ok(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False
    return isinstance(value, TYPES[name])


def schema_problems(
    value: Any, node: dict[str, Any], root: dict[str, Any], path: str = "$"
) -> list[str]:
    """The part of JSON Schema the archive schema uses: enough to check documents
    against it without the jsonschema package."""
    node = _resolve(node, root)
    problems: list[str] = []
    if "oneOf" in node:
        passing = [n for n in node["oneOf"] if not schema_problems(value, n, root, path)]
        if len(passing) != 1:
            problems.append(f"{path}: matches {len(passing)} of oneOf")
    if "type" in node:
        names = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not any(_type_ok(value, n) for n in names):
            return [*problems, f"{path}: not {names}"]
    if "const" in node and value != node["const"]:
        problems.append(f"{path}: not {node['const']!r}")
    if "enum" in node and value not in node["enum"]:
        problems.append(f"{path}: {value!r} not in enum")
    if isinstance(value, str):
        if "pattern" in node and not re.search(node["pattern"], value):
            problems.append(f"{path}: {value!r} does not match {node['pattern']}")
        if len(value) < node.get("minLength", 0) or len(value) > node.get("maxLength", 10**9):
            problems.append(f"{path}: length")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not node.get("minimum", -(10**9)) <= value <= node.get("maximum", 10**9):
        problems.append(f"{path}: out of range")
    if isinstance(value, list):
        if len(value) < node.get("minItems", 0):
            problems.append(f"{path}: too few items")
        for n, item in enumerate(value):
            if "items" in node:
                problems += schema_problems(item, node["items"], root, f"{path}[{n}]")
    if isinstance(value, dict):
        properties = node.get("properties", {})
        for key in node.get("required", []):
            if key not in value:
                problems.append(f"{path}.{key}: required")
        for key, item in value.items():
            if key in properties:
                problems += schema_problems(item, properties[key], root, f"{path}.{key}")
            elif node.get("additionalProperties") is False:
                problems.append(f"{path}.{key}: not in the schema")
            elif isinstance(node.get("additionalProperties"), dict):
                problems += schema_problems(
                    item, node["additionalProperties"], root, f"{path}.{key}"
                )
    return problems


def test_the_schema_is_json_schema_2020_12_with_an_id():
    document = schema()
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"] and document["type"] == "object"
    assert document["additionalProperties"] is False
    assert document["properties"]["version"]["const"] == 1
    assert document["properties"]["format"]["const"] == FORMAT


def test_the_schema_describes_every_key_the_exporter_writes(archived):
    result_set = ResultSet.objects.get(cycle=archived)
    results_approve(
        result_set=result_set, approved_on=datetime.date(2026, 2, 1), approval_document="x"
    )
    results_publish(result_set=result_set)
    result_correct(
        result=result_set.results.get(reporter__organization__code="T001"),
        grade="fairly_good",
        reason="复核",
    )
    document = json.loads(json.dumps(export_cycle(archived)))
    assert schema_problems(document, schema(), schema()) == []


def test_the_schema_accepts_the_examples_and_refuses_a_misspelt_key():
    root = schema()
    assert schema_problems(doc_example(), root, root) == []
    assert schema_problems(hand_written(), root, root) == []
    misspelt = hand_written()
    misspelt["roster"][0]["post"] = "书记"
    assert schema_problems(misspelt, root, root) == ["$.roster[0].post: not in the schema"]


def test_the_schema_and_the_importer_agree_on_what_is_required():
    root = schema()
    document = hand_written()
    for key in root["required"]:
        broken = {k: v for k, v in document.items() if k != key}
        assert schema_problems(broken, root, root), key
        with pytest.raises(ArchiveError):
            read_archive(broken)
    minimal = {k: v for k, v in document.items() if k in root["required"]}
    assert schema_problems(minimal, root, root) == []
    read_archive(minimal)  # no error: everything else is optional
