"""The demo's cycles: last year's, run from planning to closed (graded, published, its
problems in rectification), and this year's, at the review-meeting stage.

Everything goes through the same services the product uses, so the demo shows
exactly what a real run leaves behind. Dates follow today's date: the cycle "of this
year" is the one for the current year once the year's second half has begun.
"""

from __future__ import annotations

import datetime
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from debrief.accounts.models import User
from debrief.assessments.models import Indicator, IndicatorCategory
from debrief.assessments.services import (
    adjustment_add,
    daily_score_set,
    debrief_score_set,
    results_approve,
    results_compute,
    results_publish,
    scheme_set,
)
from debrief.ballots.models import Evaluation
from debrief.ballots.services import (
    ballot_submit,
    evaluation_close,
    evaluation_open,
    evaluation_setup,
    tokens_issue,
)
from debrief.cycles.models import Cycle, CycleStatus, Reporter
from debrief.cycles.services import (
    cycle_create,
    cycle_transition,
    onsite_apply,
    onsite_suggestions,
    order_draw,
    roster_generate,
)
from debrief.meetings.models import CommenterRole, Meeting
from debrief.meetings.services import (
    ProblemInput,
    VenueInput,
    comment_record,
    meeting_end,
    meeting_schedule,
    meeting_start,
    question_record,
)
from debrief.orgs.models import Field, Level, Organization
from debrief.rectification.models import Problem
from debrief.rectification.services import (
    plan_accept,
    plan_approve,
    plan_file,
    plan_for,
    plan_return,
    problem_complete,
    problem_plan_set,
    problem_reopen,
    problem_verify,
    progress_add,
    rectification_sweep,
)
from debrief.reports.services import (
    report_accept,
    report_for,
    report_return,
    report_save,
    report_submit,
)

GRADES = ["good", "fairly_good", "average", "poor"]
UNIT_FIELDS = [Field.ORGAN, Field.PUBLIC_INSTITUTION, Field.SOE, Field.TWO_NEW, Field.GENERAL]
ONSITE_SPEAKERS = 5
PRESIDER = "县委书记"

ACHIEVEMENTS = [
    "坚持书记抓、抓书记，全年召开党委会专题研究党建工作{n}次，建立“书记项目”{m}项。",
    "村级集体经济收入全部达到10万元以上，其中{n}个村超过30万元。",
    "新发展党员{n}名，其中35岁以下{m}名，党员队伍结构持续优化。",
    "建成党群服务中心{n}个，推行“网格+党建”模式，化解矛盾纠纷{m}件。",
]
PROBLEMS = [
    ("team", "后备干部储备不足，部分村“两委”班子年龄偏大。"),
    ("members", "党员教育形式单一，流动党员管理存在薄弱环节。"),
    ("organization_system", "部分非公企业党组织覆盖不到位，“两个覆盖”质量不高。"),
    ("governance", "网格党组织作用发挥不充分，基层治理合力不强。"),
    ("responsibility", "党建工作与中心工作结合不够紧密，压力传导存在层层递减。"),
    ("serving_masses", "为民服务事项办理时限偏长，群众满意度有待提升。"),
    ("political", "理论学习中心组学习计划执行不够严格。"),
]
MEASURES = [
    "建立村级后备干部库，每村储备不少于2名35岁以下后备力量。",
    "推行“线上+线下”党员教育，建立流动党员联系台账。",
    "开展非公企业党建“百日攻坚”，成立联合党支部。",
    "完善网格党组织运行机制，每季度开展一次评估。",
]


def cycle_years(today: datetime.date) -> tuple[int, int]:
    """(last year's cycle, this year's cycle): a year's cycle starts in its second half."""
    current = today.year if today.month >= 7 else today.year - 1
    return current - 1, current


@dataclass
class DemoCycles:
    last: Cycle
    current: Cycle
    current_meeting: Meeting
    current_evaluation: Evaluation


def _sections(rng: random.Random, org: Organization, year: int) -> dict[str, str]:
    achievements = "".join(
        f"<p>{text.format(n=rng.randint(3, 12), m=rng.randint(2, 6))}</p>"
        for text in rng.sample(ACHIEVEMENTS, 2)
    )
    _category, problem = rng.choice(PROBLEMS)
    return {
        "rectification": f"<p>{year - 1}年度述职评议指出的问题已逐项制定整改措施，"
        "整改工作有序推进。</p>",
        "achievements": achievements,
        "key_tasks": f"<p>{org.display_name}全年承诺事项{rng.randint(5, 9)}项，已全部兑现。</p>",
        "problems": f"<p>{problem}</p>",
        "causes": "<p>主要是抓党建的责任意识还需强化，工作举措不够精准。</p>",
        "measures": f"<p>{rng.choice(MEASURES)}</p>",
    }


def _indicators(rng: random.Random) -> list[dict[str, str]]:
    return [
        {
            "name": "村级集体经济收入30万元以上村占比",
            "target": "60%",
            "actual": f"{rng.randint(50, 80)}%",
            "unit": "%",
        },
        {"name": "新发展党员", "target": "20", "actual": str(rng.randint(15, 30)), "unit": "名"},
    ]


def _roster(cycle: Cycle, rng: random.Random, actor: User) -> list[Reporter]:
    roster_generate(cycle=cycle, actor=actor)
    speakers = [s.reporter.pk for s in onsite_suggestions(cycle) if s.eligible][:ONSITE_SPEAKERS]
    onsite_apply(cycle=cycle, reporter_ids=speakers, actor=actor)
    order_draw(cycle=cycle, session=1, actor=actor, seed=f"demo-{cycle.year}")
    return list(
        cycle.reporters.select_related("organization", "person").order_by("organization__path")
    )


def _meeting(cycle: Cycle, day: datetime.date, actor: User) -> Meeting:
    return meeting_schedule(
        cycle=cycle,
        date=day,
        presider=PRESIDER,
        presider_title="县委书记",
        guidance="市委组织部",
        speech_minutes=8,
        venues=[
            VenueInput("县委一号会议室", is_main=True, expected=120, present=116),
            VenueInput("县融媒体中心分会场", expected=60, present=57),
        ],
        actor=actor,
    )


def _comment(rng: random.Random, reporter: Reporter, count: int, actor: User) -> None:
    chosen = rng.sample(PROBLEMS, count)
    comment_record(
        reporter=reporter,
        commenter=PRESIDER,
        commenter_role=CommenterRole.PRESIDER,
        affirmations=f"{reporter.organization.display_name}抓党建责任落实到位，"
        f"{rng.choice(['集体经济发展势头良好', '基层治理创新有亮点', '党员队伍建设扎实'])}。",
        requirements="要对照问题清单抓好整改，确保按期销号。",
        problems=[
            ProblemInput(category, text, rng.choice(["serious", "major", "general", "general"]))
            for category, text in chosen
        ],
        actor=actor,
    )


def _vote(
    evaluation: Evaluation, tokens: list[str], rng: random.Random, leaning: dict[int, int]
) -> None:
    reporters = [int(pk) for pk in evaluation.reporter_ids]
    for token in tokens:
        ratings = []
        for pk in reporters:
            # Most reporters are rated well; each has a leaning so that results differ.
            grade = GRADES[min(3, max(0, int(rng.gauss(leaning[pk], 0.8))))]
            rating: dict[str, Any] = {"reporter": pk, "grade": grade}
            if grade == "poor":
                rating["reason"] = rng.choice(["工作推进不力", "群众反映问题较多", "整改不到位"])
            ratings.append(rating)
        ballot_submit(token=token, ballot_id=str(uuid.uuid4()), ratings=ratings)


def _evaluation(
    meeting: Meeting, actor: User, tokens_per_group: int
) -> tuple[Evaluation, list[str]]:
    evaluation = evaluation_setup(meeting=meeting, reason_required_for_poor=True, actor=actor)
    tokens: list[str] = []
    for group in evaluation.groups.all():
        tokens += tokens_issue(
            evaluation=evaluation, group=group, count=tokens_per_group, actor=actor
        )
    return evaluation, tokens


def _catalogue(cycle: Cycle) -> list[Indicator]:
    items = [
        ("基础工作", "1.1", "落实党建工作责任制", 20, []),
        ("基础工作", "1.2", "组织生活制度执行", 20, []),
        ("重点任务", "2.1", "发展壮大村级集体经济", 20, [Field.RURAL]),
        ("重点任务", "2.2", "党建引领基层治理", 20, [Field.URBAN]),
        (
            "重点任务",
            "2.3",
            "机关党建与业务融合",
            20,
            [Field.ORGAN, Field.PUBLIC_INSTITUTION, Field.SOE, Field.TWO_NEW, Field.GENERAL],
        ),
        ("队伍建设", "3.1", "党员发展和教育管理", 20, []),
        ("队伍建设", "3.2", "带头人队伍建设", 20, []),
    ]
    indicators = []
    categories: dict[str, IndicatorCategory] = {}
    for order, (category, code, name, maximum, fields) in enumerate(items):
        if category not in categories:
            categories[category] = IndicatorCategory.objects.create(
                cycle=cycle, name=category, order=len(categories)
            )
        indicators.append(
            Indicator.objects.create(
                category=categories[category],
                code=code,
                name=name,
                max_points=Decimal(maximum),
                fields=list(fields),
                order=order,
                criteria="按台账检查、实地查看情况评分。",
            )
        )
    return indicators


def _evidence(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% demo evidence\n", content_type="application/pdf")


def build_last_year(rng: random.Random, county: Organization, admin: User, year: int) -> Cycle:
    """Last year's cycle, run to the end: closed, graded and published."""
    cycle = cycle_create(
        host=county,
        year=year,
        levels=[Level.TOWNSHIP, Level.UNIT],
        report_deadline=datetime.date(year + 1, 1, 5),
        key_content="党建引领乡村振兴；抓党建促基层治理能力提升",
        actor=admin,
    )
    reporters = _roster(cycle, rng, admin)
    cycle_transition(cycle=cycle, to=CycleStatus.REPORTS_OPEN, actor=admin)
    for reporter in reporters:
        report = report_for(reporter)
        report_save(
            report=report,
            sections=_sections(rng, reporter.organization, year),
            indicators=_indicators(rng),
        )
        report_submit(report=report)
        report_accept(report=report, actor=admin)
    meeting = _meeting(cycle, datetime.date(year + 1, 1, 16), admin)
    evaluation, tokens = _evaluation(meeting, admin, tokens_per_group=15)
    cycle_transition(cycle=cycle, to=CycleStatus.MEETING, actor=admin)
    meeting_start(meeting=meeting, actor=admin)
    speaker = next(r for r in reporters if r.mode == "onsite")
    question_record(
        meeting=meeting,
        reporter=speaker,
        asked_by="县人大代表",
        question="村级集体经济增收的长效机制是什么？",
        answer="发展光伏和土地托管项目，收益按比例分配。",
    )
    for reporter in reporters:
        _comment(rng, reporter, rng.choice([1, 2, 2, 3]), admin)
    evaluation_open(evaluation=evaluation, actor=admin)
    leaning = {r.pk: rng.choice([0, 0, 1, 1, 1, 2]) for r in reporters}
    _vote(evaluation, tokens[: len(tokens) - 3], rng, leaning)
    evaluation_close(evaluation=evaluation, actor=admin)
    meeting_end(meeting=meeting, actor=admin)
    cycle_transition(cycle=cycle, to=CycleStatus.ASSESSMENT, actor=admin)

    scheme_set(
        cycle=cycle,
        values={"poor_share_cap": "0.3333", "good_quota": "0.3"},
        veto_items=["发生严重违反换届纪律问题", "发生重大安全责任事故"],
        actor=admin,
    )
    indicators = _catalogue(cycle)
    for reporter in reporters:
        for indicator in indicators:
            if indicator.applies_to(reporter.organization.field):
                low = int(indicator.max_points * Decimal("0.7"))
                daily_score_set(
                    reporter=reporter,
                    indicator=indicator,
                    points=rng.randint(low, int(indicator.max_points)),
                    evidence="台账齐全",
                    actor=admin,
                )
        debrief_score_set(reporter=reporter, points=rng.randint(75, 96), actor=admin)
    for reporter in rng.sample(reporters, 3):
        adjustment_add(
            reporter=reporter, kind="bonus", points=2, reason="工作经验被省级刊物推广", actor=admin
        )
    adjustment_add(
        reporter=reporters[-1], kind="penalty", points=3, reason="材料报送严重滞后", actor=admin
    )
    result_set = results_compute(cycle=cycle, actor=admin)
    results_approve(
        result_set=result_set,
        approved_on=datetime.date(year + 1, 2, 20),
        approval_document=f"县委常委会会议纪要〔{year + 1}〕4号",
        actor=admin,
    )
    results_publish(result_set=result_set, actor=admin)
    cycle_transition(cycle=cycle, to=CycleStatus.CLOSED, actor=admin)
    return cycle


def build_rectification(
    rng: random.Random, cycle: Cycle, admin: User, today: datetime.date
) -> None:
    """Last year's problems in every status; some past their deadline."""
    problems = list(
        Problem.objects.filter(cycle=cycle)
        .select_related("organization")
        .order_by("organization__path", "pk")
    )
    organizations = sorted({p.organization for p in problems}, key=lambda o: o.path)
    returned = organizations[1] if len(organizations) > 1 else None
    filed = organizations[2] if len(organizations) > 2 else None
    for org in organizations:
        plan = plan_for(organization=org, cycle=cycle)
        for problem in plan.problems.all():
            deadline = today + datetime.timedelta(days=rng.choice([-45, -20, 10, 40, 90, 120]))
            problem_plan_set(
                problem=problem,
                measures=rng.choice(MEASURES),
                responsible_person=problem.reporter.person.name if problem.reporter else "",
                responsible_leader="分管副书记",
                deadline=deadline,
                milestones=[
                    ("制定方案", deadline - datetime.timedelta(days=60)),
                    ("全面落实", deadline),
                ],
            )
        plan_approve(
            plan=plan,
            approved_on=datetime.date(cycle.year + 1, 3, 1),
            document_number=f"{org.display_name}党委会〔{cycle.year + 1}〕1号",
        )
        plan_file(plan=plan)
        if org == returned:
            plan_return(plan=plan, reason="整改措施不够具体，完成时限过于宽松。", actor=admin)
        elif org != filed:
            plan_accept(plan=plan, actor=admin)

    statuses = ["closed", "closed", "completed", "in_progress", "in_progress", "open", "reopened"]
    for n, problem in enumerate(problems):
        wanted = statuses[n % len(statuses)]
        if wanted == "open":
            continue
        progress_add(
            problem=problem,
            text="已召开专题会议部署整改，完成问题摸底。",
            percent=rng.choice([30, 40, 50, 60]),
            files=[_evidence("整改推进会议记录.pdf")],
        )
        if wanted == "in_progress":
            continue
        problem_complete(
            problem=problem,
            text="整改措施全部落实，相关制度已建立。",
            files=[_evidence("整改完成情况报告.pdf")],
        )
        if wanted == "completed":
            continue
        problem_verify(problem=problem, note="经实地核验，整改到位，同意销号。", actor=admin)
        if wanted == "reopened":
            problem_reopen(
                problem=problem, reason="抽查发现部分村仍未落实，重新整改。", actor=admin
            )
    rectification_sweep(today=today)


def build_current(
    rng: random.Random, county: Organization, admin: User, year: int, today: datetime.date
) -> tuple[Cycle, Meeting, Evaluation]:
    """This year's cycle at the review-meeting stage: reports in every state, a meeting
    in progress with the first comments, and an evaluation ready to open."""
    cycle = cycle_create(
        host=county,
        year=year,
        levels=[Level.TOWNSHIP, Level.UNIT],
        report_deadline=today + datetime.timedelta(days=20),
        meeting_deadline=today + datetime.timedelta(days=50),
        key_content="深化党建引领基层治理；“两个覆盖”提质增效",
        actor=admin,
    )
    reporters = _roster(cycle, rng, admin)
    cycle_transition(cycle=cycle, to=CycleStatus.REPORTS_OPEN, actor=admin)
    states = ["accepted"] * 6 + ["submitted", "returned", "draft", "untouched"]
    for n, reporter in enumerate(reporters):
        state = states[n % len(states)] if n else "accepted"
        if state == "untouched":
            continue
        report = report_for(reporter)
        report_save(
            report=report,
            sections=_sections(rng, reporter.organization, year),
            indicators=_indicators(rng),
        )
        if state == "draft":
            continue
        report_submit(report=report)
        if state == "returned":
            report_return(
                report=report, reason="成绩部分缺少具体数据，请补充后重新提交。", actor=admin
            )
        elif state == "accepted":
            report_accept(report=report, actor=admin)
    meeting = _meeting(cycle, today + datetime.timedelta(days=30), admin)
    evaluation, tokens = _evaluation(meeting, admin, tokens_per_group=30)
    from debrief.demo.slips import write_demo_slips

    per_group = 30
    groups = [group.name for group in evaluation.groups.all()]
    write_demo_slips(
        meeting_title=meeting.title,
        tokens_by_group={
            name: tokens[n * per_group : (n + 1) * per_group] for n, name in enumerate(groups)
        },
    )
    cycle_transition(cycle=cycle, to=CycleStatus.MEETING, actor=admin)
    for reporter in [r for r in reporters if r.mode == "onsite"][:2]:
        _comment(rng, reporter, 2, admin)
    return cycle, meeting, evaluation


def build_cycles(rng: random.Random, county: Organization, admin: User) -> DemoCycles:
    today = timezone.localdate()
    last_year, this_year = cycle_years(today)
    last = build_last_year(rng, county, admin, last_year)
    build_rectification(rng, last, admin, today)
    current, meeting, evaluation = build_current(rng, county, admin, this_year, today)
    return DemoCycles(
        last=last, current=current, current_meeting=meeting, current_evaluation=evaluation
    )
