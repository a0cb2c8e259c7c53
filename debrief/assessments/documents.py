"""The documents of the results (结果运用): the results table (.xlsx), the circular
(通报) and the feedback letter to each reporter (反馈意见), alone or all in one zip.

The documents are written in Chinese, in the form the office prints and files; only
names and data come from the database. The page layout is debrief.lib.docx's; every
text cell of the workbook goes through debrief.lib.xlsx (escaped against formulas).
"""

from __future__ import annotations

import calendar
import datetime
import io
import re
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import Workbook
from openpyxl.styles import Font

from debrief.assessments.grid import plain
from debrief.assessments.models import Result, ResultSet, ResultStatus, Scheme
from debrief.assessments.services import scheme_for
from debrief.ballots.models import Evaluation, EvaluationStatus
from debrief.ballots.tally import ReporterResult, tally
from debrief.cycles.models import Cycle, Reporter
from debrief.lib.docx import (
    add_heading1,
    add_heading2,
    add_paragraph,
    add_title,
    cn_date,
    docx_bytes,
    new_document,
)
from debrief.lib.xlsx import write_rows
from debrief.meetings.documents import CATEGORY_TEXT
from debrief.meetings.models import Comment
from debrief.orgs.models import Level
from debrief.rectification.models import Problem

GRADE_TEXT: dict[str, str] = {
    "good": "好",
    "fairly_good": "较好",
    "average": "一般",
    "poor": "差",
}
GRADE_ORDER = ["good", "fairly_good", "average", "poor"]
COMPONENT_TEXT = {"daily": "日常考核", "evaluation": "民主测评", "debrief": "述职评议"}
# Months given to rectify, counted from the approval.
RECTIFY_MONTHS = 3

RESULT_HEADERS = [
    "序号",
    "单位",
    "述职人",
    "职务",
    "日常考核",
    "民主测评",
    "述职评议",
    "综合得分",
    "等次",
    "排名",
    "评定依据",
]


# Shared -------------------------------------------------------------------------------


def grade_text(value: str) -> str:
    return GRADE_TEXT.get(value, value)


def reason_text(reason: dict[str, str]) -> str:
    """One reason of a grade (compute.py's structured reasons), in document Chinese."""
    rule = reason.get("rule")
    if rule == "band":
        if reason.get("threshold"):
            return (
                f"综合得分{reason['total']}分，达到“{grade_text(reason['grade'])}”等次分数线"
                f"（{reason['threshold']}分）"
            )
        return (
            f"综合得分{reason['total']}分，低于各等次分数线，评定为“{grade_text(reason['grade'])}”"
        )
    if rule == "missing":
        return f"无{COMPONENT_TEXT.get(reason['component'], reason['component'])}得分，按0分计"
    if rule == "poor_share_cap":
        return (
            f"“差”评比例{_percent(reason['poor_share'])}超过{_percent(reason['threshold'])}，"
            f"等次最高为“{grade_text(reason['to'])}”"
        )
    if rule == "veto":
        return f"存在一票否决事项（{reason['items']}），评定为“{grade_text(reason['to'])}”"
    if rule == "quota":
        return (
            f"“好”等次名额为{reason['limit']}名，按得分排第{reason['position']}位，"
            f"调整为“{grade_text(reason['to'])}”"
        )
    if rule == "manual":
        return (
            f"经研究由“{grade_text(reason['from'])}”调整为“{grade_text(reason['to'])}”："
            f"{reason.get('why', '')}"
        )
    return str(reason)


def reasons_text(reasons: Iterable[dict[str, str]]) -> str:
    return "；".join(reason_text(reason) for reason in reasons)


def _percent(value: Any) -> str:
    return f"{Decimal(str(value)) * 100:.2f}%"


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def issued_on(result_set: ResultSet) -> datetime.date:
    """The date on the documents: publication, else approval, else today."""
    if result_set.published_at is not None:
        return timezone.localdate(result_set.published_at)
    return result_set.approved_on or timezone.localdate()


def rectify_by(result_set: ResultSet) -> datetime.date:
    """The deadline the approval set, else three months after the approval."""
    if result_set.rectify_by is not None:
        return result_set.rectify_by
    return add_months(result_set.approved_on or timezone.localdate(), RECTIFY_MONTHS)


def ordered_results(result_set: ResultSet) -> list[Result]:
    """The results in rank order (roster order within a rank)."""
    return list(
        result_set.results.select_related("reporter__organization", "reporter__person")
        .prefetch_related("corrections")
        .order_by("rank", "reporter__organization__path", "pk")
    )


def _score(value: Decimal | None) -> str:
    return f"{value:.2f}分" if value is not None else "无"


def _weights(scheme: Scheme) -> tuple[str, str, str]:
    return plain(scheme.weight_daily), plain(scheme.weight_evaluation), plain(scheme.weight_debrief)


def _who(reporter: Reporter) -> str:
    return f"{reporter.post_title} {reporter.person.name}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _signature(document: Document, name: str, day: datetime.date) -> None:
    add_paragraph(document, "", indent=False)
    add_paragraph(document, name, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    add_paragraph(document, cn_date(day), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)


def _committee(cycle: Cycle) -> str:
    """中共示范县委 (the issuing committee's full name)."""
    name = cycle.host.name
    return name if name.startswith("中共") else f"中共{name}"


# Results table -------------------------------------------------------------------------


def results_workbook(cycle: Cycle, result_set: ResultSet) -> tuple[Workbook, str]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("综合评定结果")
    for letter, width in {"A": 6, "B": 24, "C": 10, "D": 22, "H": 10, "I": 8, "K": 60}.items():
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    write_rows(sheet, [RESULT_HEADERS], font=Font(bold=True))
    write_rows(
        sheet,
        (
            [
                number,
                result.reporter.organization.name,
                result.reporter.person.name,
                result.reporter.post_title,
                result.daily,
                result.evaluation,
                result.debrief,
                result.total,
                grade_text(result.grade),
                result.rank,
                reasons_text(result.reasons),
            ]
            for number, result in enumerate(ordered_results(result_set), start=1)
        ),
    )
    suffix = "" if result_set.status != ResultStatus.DRAFT else "（草稿）"
    return workbook, f"{cycle.year}年度述职评议考核综合评定结果{suffix}.xlsx"


# The circular ------------------------------------------------------------------------

LEVEL_ADDRESSEE: dict[str, str] = {
    Level.CITY: "各市（州）委",
    Level.COUNTY: "各县（市、区）委",
    Level.TOWNSHIP: "各乡镇（街道）党（工）委",
    Level.VILLAGE: "各村（社区）党组织",
}
UNIT_PREFIX: dict[str, str] = {Level.PROVINCE: "省", Level.CITY: "市", Level.COUNTY: "县"}


def addressees(cycle: Cycle, results: list[Result]) -> str:
    """各乡镇（街道）党（工）委，县直各单位党组（党委）："""
    levels = [
        level for level in Level.values if level in {r.reporter.organization.level for r in results}
    ]
    parts = []
    for level in levels:
        if level == Level.UNIT:
            prefix = UNIT_PREFIX.get(cycle.host.level, "")
            parts.append(f"{prefix}直各单位党组（党委）" if prefix else "各直属单位党组织")
        elif level in LEVEL_ADDRESSEE:
            parts.append(LEVEL_ADDRESSEE[level])
    return "，".join(parts or ["各基层党组织"]) + "："


def circular_document(cycle: Cycle, result_set: ResultSet) -> tuple[Document, str]:
    results = ordered_results(result_set)
    scheme = scheme_for(cycle)
    daily, evaluation, debrief = _weights(scheme)
    title = f"{_committee(cycle)}关于{cycle.year}年度抓基层党建工作述职评议考核结果的通报"
    document = new_document(title=title, author=cycle.host.name)
    add_title(document, title)
    add_paragraph(document, addressees(cycle, results), indent=False)

    meeting = cycle.meetings.order_by("date", "session").first()
    held = f"于{cn_date(meeting.date)}召开述职评议会议，" if meeting is not None else ""
    approved = cn_date(result_set.approved_on) if result_set.approved_on else ""
    add_paragraph(
        document,
        f"根据{cycle.year}年度抓基层党建工作述职评议考核工作安排，{cycle.host.name}{held}"
        f"对{len(results)}名基层党组织书记抓基层党建工作情况进行了述职评议考核。"
        f"考核坚持平时与年终相结合，按照日常考核占{daily}%、民主测评占{evaluation}%、"
        f"述职评议及点评占{debrief}%的权重计算综合得分，综合评定等次。"
        f"{approved}，经{result_set.approved_by}研究审定（{result_set.approval_document}），"
        f"现将考核结果通报如下。",
    )

    by_grade: dict[str, list[Result]] = {grade: [] for grade in GRADE_ORDER}
    for result in results:
        by_grade.setdefault(result.grade, []).append(result)
    deadline = cn_date(rectify_by(result_set))
    intros = {
        "good": "以下同志抓基层党建工作成效明显，予以通报表扬：",
        "fairly_good": "以下同志抓基层党建工作成效较好：",
        "average": "以下同志抓基层党建工作成效一般，要认真查找差距、改进工作：",
        "poor": (
            f"以下同志抓基层党建工作成效差，予以通报批评，责令其于{deadline}前完成整改，"
            f"并将整改情况书面报告{cycle.host.name}组织部："
        ),
    }
    for number, grade in enumerate(GRADE_ORDER, start=1):
        group = by_grade[grade]
        add_heading1(document, number, f"评定为“{grade_text(grade)}”等次的（{len(group)}名）")
        if not group:
            add_paragraph(document, "无。")
            continue
        add_paragraph(document, intros[grade])
        for result in group:
            add_paragraph(document, _who(result.reporter))

    add_paragraph(
        document,
        "各级党组织书记要对照考核结果，认真查摆问题、深刻剖析原因，对述职评议中指出的问题"
        "逐条建立问题清单、整改清单和责任清单，明确整改措施、责任人和完成时限，切实抓好"
        f"整改落实。{cycle.host.name}组织部将加强跟踪督导，整改情况纳入下一年度述职评议"
        "考核内容，确保抓基层党建工作责任落到实处。",
    )
    _signature(document, _committee(cycle), issued_on(result_set))
    return document, f"{title}.docx"


# Feedback letters ----------------------------------------------------------------------


def evaluation_results(cycle: Cycle) -> dict[int, ReporterResult]:
    """reporter id → their tally in the cycle's closed democratic evaluations."""
    found: dict[int, ReporterResult] = {}
    for evaluation in Evaluation.objects.filter(
        meeting__cycle=cycle, status=EvaluationStatus.CLOSED
    ):
        for result in tally(evaluation, include_reasons=False).results:
            found[result.reporter_id] = result
    return found


class LetterData:
    """What the letters need besides the result, read once for one or all reporters."""

    def __init__(self, cycle: Cycle, result_set: ResultSet, reporter_ids: list[int]) -> None:
        self.cycle = cycle
        self.result_set = result_set
        self.scheme = scheme_for(cycle)
        self.count = result_set.results.count()
        self.evaluations = evaluation_results(cycle)
        self.comments: dict[int, list[Comment]] = {}
        for comment in Comment.objects.filter(reporter_id__in=reporter_ids).order_by(
            "created_at", "pk"
        ):
            self.comments.setdefault(comment.reporter_id, []).append(comment)
        self.problems: dict[int, list[Problem]] = {}
        for problem in Problem.objects.filter(reporter_id__in=reporter_ids).order_by("pk"):
            assert problem.reporter_id is not None
            self.problems.setdefault(problem.reporter_id, []).append(problem)


def letter_document(result: Result, data: LetterData) -> tuple[Document, str]:
    cycle, result_set = data.cycle, data.result_set
    reporter = result.reporter
    title = f"{cycle.year}年度抓基层党建工作述职评议考核反馈意见"
    document = new_document(title=title, author=cycle.host.name)
    add_title(document, title)
    add_paragraph(document, f"{reporter.post_title} {reporter.person.name}同志：", indent=False)
    add_paragraph(
        document,
        f"根据{cycle.year}年度抓基层党建工作述职评议考核工作安排，{cycle.host.name}对你"
        f"{cycle.year}年度抓基层党建工作情况进行了述职评议考核，经{result_set.approved_by}"
        "研究审定，现将有关情况反馈如下。",
    )

    daily, evaluation, debrief = _weights(data.scheme)
    add_heading1(document, 1, "考核结果")
    add_paragraph(
        document,
        f"你的综合得分为{result.total:.2f}分，在{data.count}名述职人中排第{result.rank}名，"
        f"评定等次为“{grade_text(result.grade)}”。其中，日常考核得分{_score(result.daily)}"
        f"（权重{daily}%），民主测评得分{_score(result.evaluation)}（权重{evaluation}%），"
        f"述职评议得分{_score(result.debrief)}（权重{debrief}%）。",
    )
    if result.reasons:
        add_paragraph(document, f"评定依据：{reasons_text(result.reasons)}。")
    corrections = sorted(result.corrections.all(), key=lambda c: (c.at, c.pk))
    for correction in corrections:
        add_paragraph(
            document,
            f"结果公布后，经复核，等次由“{grade_text(correction.old_value)}”更正为"
            f"“{grade_text(correction.new_value)}”：{correction.reason}",
        )

    add_heading1(document, 2, "民主测评情况")
    tallied = data.evaluations.get(reporter.pk)
    if tallied is None or not tallied.valid:
        add_paragraph(document, "本次述职评议未对你组织民主测评，或未收到有效评价。")
    else:
        counts = tallied.counts
        add_paragraph(
            document,
            f"参加民主测评的有效评价{tallied.valid}份，其中评价为“好”的{counts.get('good', 0)}份、"
            f"“较好”的{counts.get('fairly_good', 0)}份、“一般”的{counts.get('average', 0)}份、"
            f"“差”的{counts.get('poor', 0)}份，好评率（“好”和“较好”所占比例）为"
            f"{_percent(tallied.satisfaction_rate)}。",
        )

    add_heading1(document, 3, "点评意见")
    comments = data.comments.get(reporter.pk, [])
    affirmations = [line for c in comments for line in _lines(c.affirmations)]
    requirements = [line for c in comments for line in _lines(c.requirements)]
    add_heading2(document, 1, "肯定的成绩")
    for line in affirmations or ["无。"]:
        add_paragraph(document, line)
    add_heading2(document, 2, "提出的要求")
    for line in requirements or ["无。"]:
        add_paragraph(document, line)

    add_heading1(document, 4, "存在的主要问题")
    problems = data.problems.get(reporter.pk, [])
    if not problems:
        add_paragraph(document, "述职评议中未指出问题。")
    for number, problem in enumerate(problems, start=1):
        category = CATEGORY_TEXT.get(problem.category, problem.category)
        add_paragraph(document, f"{number}.{problem.description}（类别：{category}）")

    add_heading1(document, 5, "整改要求")
    add_paragraph(
        document,
        "请你针对上述问题，认真制定整改方案，建立问题清单、整改清单和责任清单，明确整改措施、"
        f"责任人和完成时限，于{cn_date(rectify_by(result_set))}前完成整改，并将整改情况"
        f"书面报告{cycle.host.name}组织部。整改情况将作为下一年度述职评议考核的重要内容。",
    )
    _signature(document, f"{_committee(cycle)}组织部", issued_on(result_set))
    return document, f"{reporter.organization.name}-{reporter.person.name}-反馈意见.docx"


def _safe(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", text).strip() or "_"


def letters_archive(cycle: Cycle, result_set: ResultSet) -> tuple[bytes, str]:
    """Every feedback letter in one zip, named 序号-单位-姓名.docx in rank order."""
    results = ordered_results(result_set)
    data = LetterData(cycle, result_set, [r.reporter_id for r in results])
    width = max(2, len(str(len(results))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, result in enumerate(results, start=1):
            document, _name = letter_document(result, data)
            reporter = result.reporter
            name = (
                f"{number:0{width}d}-{_safe(reporter.organization.name)}-"
                f"{_safe(reporter.person.name)}.docx"
            )
            archive.writestr(name, docx_bytes(document))
    return buffer.getvalue(), f"{cycle.year}年度述职评议考核反馈意见.zip"
