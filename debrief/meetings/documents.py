"""The meeting's official documents (.docx): the agenda (会议议程), the compilation of
reports (述职报告汇编) and the summary of comments (点评意见汇总).

The documents are written in Chinese, in the form the office prints and files; only
names and data come from the database. The page layout is debrief.lib.docx's.
"""

from __future__ import annotations

import datetime

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from debrief.cycles.models import Reporter
from debrief.lib.docx import (
    HEADING2_FONT,
    add_heading1,
    add_heading2,
    add_page_break,
    add_paragraph,
    add_subtitle,
    add_table,
    add_title,
    cn_date,
    cn_item,
    new_document,
)
from debrief.lib.richtext import paragraphs
from debrief.meetings.models import Comment, Meeting
from debrief.meetings.services import AgendaKey, agenda, speaking_order
from debrief.reports.models import SECTION_KEYS, Report, ReportStatus

# Document text, keyed by the stored values. test_documents.py checks that every
# choice of the models has its Chinese text here.
SECTION_TITLES: dict[str, str] = {
    "rectification": "上年度问题整改情况",
    "achievements": "主要工作及成效",
    "key_tasks": "重点任务和承诺事项完成情况",
    "problems": "存在的问题和不足",
    "causes": "原因分析",
    "measures": "下一步工作措施",
}
REPORT_STATUS_TEXT: dict[str, str] = {
    ReportStatus.DRAFT: "尚未提交",
    ReportStatus.SUBMITTED: "已提交，尚未审核通过",
    ReportStatus.RETURNED: "已退回修改，尚未审核通过",
    ReportStatus.ACCEPTED: "已审核通过",
}
CATEGORY_TEXT: dict[str, str] = {
    "political": "政治建设",
    "responsibility": "党建责任落实",
    "organization_system": "组织体系建设",
    "team": "班子队伍建设",
    "members": "党员教育管理",
    "serving_masses": "服务群众",
    "governance": "基层治理",
    "other": "其他",
}
SEVERITY_TEXT: dict[str, str] = {"serious": "严重", "major": "较重", "general": "一般"}
ROLE_TEXT: dict[str, str] = {
    "presider": "主持人",
    "leader": "分管领导",
    "guidance": "上级组织部门",
}


def _who(reporter: Reporter) -> str:
    return f"{reporter.post_title} {reporter.person.name}"


def _time(value: datetime.time | None) -> str:
    return f"{value.hour}:{value.minute:02d}" if value else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _new(meeting: Meeting, title: str) -> Document:
    return new_document(title=title, author=meeting.cycle.host.name)


# 会议议程 ---------------------------------------------------------------------------


def agenda_document(meeting: Meeting) -> tuple[Document, str]:
    title = f"{meeting.title}议程"
    document = _new(meeting, title)
    add_title(document, title)
    when = cn_date(meeting.date)
    if meeting.start_time:
        when += f" {_time(meeting.start_time)}"
    add_paragraph(document, f"时间：{when}")
    venues = list(meeting.venues.all())
    main = [v.name for v in venues if v.is_main]
    branches = [v.name for v in venues if not v.is_main]
    if main:
        place = f"主会场设在{main[0]}" if branches else main[0]
        if branches:
            place += f"，分会场设在{'、'.join(branches)}"
        add_paragraph(document, f"地点：{place}")
    add_paragraph(document, f"主持人：{meeting.presider_title}{meeting.presider}")
    if meeting.guidance:
        add_paragraph(document, f"列席指导：{meeting.guidance}")
    add_paragraph(document, "会议议程：")
    for item in agenda(meeting):
        if item.key == AgendaKey.ONSITE:
            add_heading1(document, item.number, "现场述职")
            add_paragraph(
                document, f"按以下顺序进行现场述职，每人述职时间不超过{item.minutes}分钟。"
            )
            for position, reporter in enumerate(item.reporters, start=1):
                add_paragraph(document, f"{position}.{_who(reporter)}（{item.minutes}分钟）")
        elif item.key == AgendaKey.WRITTEN:
            add_heading1(document, item.number, "书面述职")
            add_paragraph(document, "以下同志书面述职，述职报告印发与会同志：")
            for position, reporter in enumerate(item.reporters, start=1):
                add_paragraph(document, f"{position}.{_who(reporter)}")
        elif item.key == AgendaKey.COMMENTS:
            add_heading1(document, item.number, "对述职情况逐一点评")
        elif item.key == AgendaKey.EVALUATION:
            add_heading1(document, item.number, "民主测评")
        elif item.key == AgendaKey.CONCLUSION:
            add_heading1(document, item.number, "主持人作总结讲话")
    return document, f"{title}.docx"


# 述职报告汇编 -------------------------------------------------------------------------


def _reports_in_order(meeting: Meeting) -> list[tuple[Reporter, Report | None]]:
    """Every reporter of the meeting with their report: accepted reports first, each
    group in agenda order."""
    order = speaking_order(meeting)
    reports = {
        report.reporter_id: report
        for report in Report.objects.filter(reporter__in=[r.pk for r in order])
    }
    entries = [(reporter, reports.get(reporter.pk)) for reporter in order]
    entries.sort(key=lambda entry: not (entry[1] and entry[1].status == ReportStatus.ACCEPTED))
    return entries


def reports_document(meeting: Meeting) -> tuple[Document, str]:
    title = f"{meeting.title}述职报告汇编"
    document = _new(meeting, title)
    entries = _reports_in_order(meeting)

    # Cover
    for _blank in range(4):
        add_paragraph(document, "", indent=False)
    add_title(document, "述职报告汇编")
    add_subtitle(document, meeting.title)
    for _blank in range(6):
        add_paragraph(document, "", indent=False)
    add_paragraph(document, meeting.cycle.host.name, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    add_paragraph(document, cn_date(meeting.date), indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    add_page_break(document)

    # Contents
    add_title(document, "目　录")
    for number, (reporter, report) in enumerate(entries, start=1):
        note = _status_note(report, short=True)
        add_paragraph(document, f"{cn_item(number)}{_who(reporter)}述职报告{note}")

    for reporter, report in entries:
        add_page_break(document)
        _report_pages(document, reporter, report)
    return document, f"{title}.docx"


def _status_note(report: Report | None, *, short: bool = False) -> str:
    if report is not None and report.status == ReportStatus.ACCEPTED:
        return ""
    if short:
        return "（未提交）" if report is None else "（未审核通过）"
    if report is None:
        return "（说明：该同志未提交述职报告。）"
    return f"（说明：该述职报告{REPORT_STATUS_TEXT[report.status]}，以下为最新版本。）"


def _report_pages(document: Document, reporter: Reporter, report: Report | None) -> None:
    add_title(document, "抓基层党建工作述职报告")
    add_subtitle(document, _who(reporter))
    version = report.latest_version() if report is not None else None
    note = _status_note(report)
    if note or version is None:
        add_paragraph(document, note or "（说明：述职报告尚无内容。）", font=HEADING2_FONT)
    if version is None:
        return
    number = 0
    for number, key in enumerate(SECTION_KEYS, start=1):
        add_heading1(document, number, SECTION_TITLES[key])
        lines = paragraphs(getattr(version, key))
        for line in lines or ["（无）"]:
            add_paragraph(document, line)
    if version.indicators:
        add_heading1(document, number + 1, "重点指标完成情况")
        add_table(
            document,
            ["序号", "指标", "目标", "完成", "单位"],
            [
                [position, *(row.get(key, "") for key in ("name", "target", "actual", "unit"))]
                for position, row in enumerate(version.indicators, start=1)
            ],
            widths=[Mm(15), Mm(70), Mm(27), Mm(27), Mm(17)],
            centred=(0, 2, 3, 4),
        )


# 点评意见汇总 -------------------------------------------------------------------------


def comments_document(meeting: Meeting) -> tuple[Document, str]:
    title = f"{meeting.title}点评意见汇总"
    document = _new(meeting, title)
    add_title(document, "点评意见汇总")
    add_subtitle(document, meeting.title)
    order = speaking_order(meeting)
    by_reporter: dict[int, list[Comment]] = {}
    for comment in Comment.objects.filter(reporter__in=[r.pk for r in order]).prefetch_related(
        "problems"
    ):
        by_reporter.setdefault(comment.reporter_id, []).append(comment)
    for number, reporter in enumerate(order, start=1):
        add_heading1(document, number, _who(reporter))
        reporter_comments = by_reporter.get(reporter.pk, [])
        if not reporter_comments:
            add_paragraph(document, "未作点评。")
        for comment in reporter_comments:
            _comment_block(document, comment)
    return document, f"{title}.docx"


def _comment_block(document: Document, comment: Comment) -> None:
    role = ROLE_TEXT.get(comment.commenter_role, "")
    if comment.portfolio:
        role = f"{role}：{comment.portfolio}" if role else comment.portfolio
    add_paragraph(
        document,
        f"点评人：{comment.commenter}（{role}）" if role else f"点评人：{comment.commenter}",
    )
    part = 0
    if comment.affirmations:
        part += 1
        add_heading2(document, part, "肯定成绩")
        for line in _lines(comment.affirmations):
            add_paragraph(document, line)
    problems = list(comment.problems.all())
    if problems:
        part += 1
        add_heading2(document, part, "存在问题")
        for position, problem in enumerate(sorted(problems, key=lambda p: p.pk), start=1):
            category = CATEGORY_TEXT.get(problem.category, problem.category)
            severity = SEVERITY_TEXT.get(problem.severity, problem.severity)
            add_paragraph(
                document,
                f"{position}.{problem.description}（类别：{category}；程度：{severity}）",
            )
    if comment.requirements:
        part += 1
        add_heading2(document, part, "工作要求")
        for line in _lines(comment.requirements):
            add_paragraph(document, line)
