"""The meeting's .docx documents, downloaded as the office would and read back with
python-docx."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import quote

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from debrief.lib.docx import BODY_FONT, DOCX_CONTENT_TYPE, TITLE_FONT
from debrief.meetings import documents
from debrief.meetings.models import CommenterRole
from debrief.meetings.services import ProblemInput, comment_record
from debrief.rectification.models import Category, Severity
from debrief.reports.models import SECTION_KEYS, Report, ReportStatus

pytestmark = pytest.mark.django_db


def _download(client: Any, name: str, meeting: Any) -> tuple[Any, Any, list[str]]:
    """The response, the document read back, and its text line by line."""
    response = client.get(reverse(f"meetings:{name}", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    document = Document(BytesIO(response.content))
    return response, document, _texts(document)


def _texts(document) -> list[str]:
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return lines


def _index(lines: list[str], text: str) -> int:
    return next(i for i, line in enumerate(lines) if text in line)


def test_the_agenda_lists_time_place_presider_and_the_speakers_in_order(
    arranged_meeting, host_client
):
    response, _document, lines = _download(host_client, "agenda_docx", arranged_meeting)
    title = f"{arranged_meeting.title}议程"
    assert lines[0] == title
    assert f"filename*=UTF-8''{quote(title + '.docx')}" in response["Content-Disposition"]
    for line in (
        "时间：2026年1月15日 9:00",
        "地点：主会场设在县委一号会议室，分会场设在青石镇分会场",
        "主持人：县委书记张书记",
        "列席指导：市委组织部",
        "一、现场述职",
        "1.青石镇党委书记 林晓青（10分钟）",
        "二、书面述职",
        "1.柳溪镇党委书记 周立川",
        "三、对述职情况逐一点评",
        "四、民主测评",
        "五、主持人作总结讲话",
    ):
        assert line in lines
    assert _index(lines, "现场述职") < _index(lines, "林晓青") < _index(lines, "书面述职")
    assert _index(lines, "书面述职") < _index(lines, "周立川")


def test_the_reports_compilation_has_a_cover_contents_and_each_report_with_its_sections(
    arranged_meeting, host_client
):
    _response, _document, lines = _download(host_client, "reports_docx", arranged_meeting)
    assert "述职报告汇编" in lines and arranged_meeting.title in lines
    assert "目　录" in lines
    assert "一、青石镇党委书记 林晓青述职报告" in lines
    assert "二、柳溪镇党委书记 周立川述职报告（未审核通过）" in lines
    report = lines[_index(lines, "青石镇党委书记 林晓青") + 1 :]
    for heading in (
        "一、上年度问题整改情况",
        "二、主要工作及成效",
        "三、重点任务和承诺事项完成情况",
        "四、存在的问题和不足",
        "五、原因分析",
        "六、下一步工作措施",
        "七、重点指标完成情况",
    ):
        assert heading in report
    # Sanitised HTML becomes one paragraph per block, list items included.
    assert "村集体经济收入全部超过10万元。" in report and "新建党群服务中心2个。" in report
    assert "实施头雁工程。" in report and "加强党员教育。" in report
    assert not any("<" in line for line in lines)
    # The key indicator table.
    assert "集体经济收入超10万元村占比" in lines and "100%" in lines
    # The draft is included, with its status noted.
    assert "（说明：该述职报告尚未提交，以下为最新版本。）" in lines
    assert "柳溪镇草稿内容" in lines


def test_accepted_reports_come_first_and_the_others_follow_in_agenda_order(
    arranged_meeting, host_client
):
    """In agenda order 青石镇 (on-site) comes before 柳溪镇 (written); once only 柳溪镇's
    report is accepted, 柳溪镇 comes first."""
    Report.objects.filter(reporter__person__name="周立川").update(status=ReportStatus.ACCEPTED)
    Report.objects.filter(reporter__person__name="林晓青").update(status=ReportStatus.SUBMITTED)
    _response, _document, lines = _download(host_client, "reports_docx", arranged_meeting)
    assert "一、柳溪镇党委书记 周立川述职报告" in lines
    assert "二、青石镇党委书记 林晓青述职报告（未审核通过）" in lines
    assert _index(lines, "柳溪镇草稿内容") < _index(lines, "村集体经济收入全部超过10万元。")
    assert "（说明：该述职报告已提交，尚未审核通过，以下为最新版本。）" in lines


def test_the_comments_summary_gives_affirmations_numbered_problems_requirements_and_commenter(
    arranged_meeting, host_client
):
    qingshi = arranged_meeting.reporters().get(person__name="林晓青")
    comment_record(
        reporter=qingshi,
        meeting=arranged_meeting,
        commenter="张书记",
        affirmations="村集体经济增长明显",
        requirements="抓好问题整改\n按期销号",
        problems=[
            ProblemInput("team", "后备干部储备不足", "major"),
            ProblemInput("members", "党员教育形式单一"),
        ],
    )
    _response, _document, lines = _download(host_client, "comments_docx", arranged_meeting)
    assert lines[:2] == ["点评意见汇总", arranged_meeting.title]
    block = lines[_index(lines, "一、青石镇党委书记 林晓青") :]
    assert block[:10] == [
        "一、青石镇党委书记 林晓青",
        "点评人：张书记（主持人）",
        "（一）肯定成绩",
        "村集体经济增长明显",
        "（二）存在问题",
        "1.后备干部储备不足（类别：班子队伍建设；程度：较重）",
        "2.党员教育形式单一（类别：党员教育管理；程度：一般）",
        "（三）工作要求",
        "抓好问题整改",
        "按期销号",
    ]
    assert lines[-2:] == ["二、柳溪镇党委书记 周立川", "未作点评。"]


@pytest.mark.parametrize("name", ["agenda_docx", "reports_docx", "comments_docx"])
def test_each_document_uses_the_official_page_and_fonts(arranged_meeting, host_client, name):
    comment_record(
        reporter=arranged_meeting.reporters().first(), commenter="张书记", affirmations="好"
    )
    _response, document, _lines = _download(host_client, name, arranged_meeting)
    section = document.sections[0]
    # Word stores twentieths of a point: compare in whole millimetres.
    assert [round(length.mm) for length in (section.page_width, section.page_height)] == [210, 297]
    assert [
        round(length.mm)
        for length in (
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ] == [37, 35, 28, 26]
    footer = section.footer
    assert footer.paragraphs[0].text == "— 1 —"
    assert "PAGE" in footer._element.xml
    title = next(p for p in document.paragraphs if p.text)
    assert title.runs[0].font.size == Pt(22)
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT
    body_runs = [
        run
        for paragraph in document.paragraphs
        for run in paragraph.runs
        if run.text and run.font.size == Pt(16)
    ]
    assert body_runs
    assert all(run._element.rPr.rFonts.get(qn("w:eastAsia")) for run in body_runs)
    assert any(run._element.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT for run in body_runs)


def test_every_stored_value_has_its_chinese_document_text():
    assert set(documents.CATEGORY_TEXT) == set(Category.values)
    assert set(documents.SEVERITY_TEXT) == set(Severity.values)
    assert set(documents.ROLE_TEXT) == set(CommenterRole.values)
    assert set(documents.REPORT_STATUS_TEXT) == set(ReportStatus.values)
    assert list(documents.SECTION_TITLES) == SECTION_KEYS


def test_a_meeting_without_venues_or_speakers_still_gives_an_agenda(meeting_cycle, host_client):
    meeting = meeting_cycle.meetings.get()
    _response, _document, lines = _download(host_client, "agenda_docx", meeting)
    assert "主持人：县委书记" in lines
    assert not any(line.startswith("地点") for line in lines)
    assert "一、书面述职" in lines and "一、现场述职" not in lines


def test_a_leader_comment_names_the_portfolio_and_each_comment_gets_its_own_block(
    arranged_meeting, host_client
):
    qingshi = arranged_meeting.reporters().get(person__name="林晓青")
    comment_record(reporter=qingshi, commenter="张书记", requirements="持续用力")
    comment_record(
        reporter=qingshi,
        commenter="李部长",
        commenter_role=CommenterRole.LEADER,
        portfolio="组织工作",
        problems=[ProblemInput("political", "政治学习不够深入", "serious")],
    )
    _response, _document, lines = _download(host_client, "comments_docx", arranged_meeting)
    block = lines[_index(lines, "一、青石镇党委书记 林晓青") : _index(lines, "二、")]
    assert block[1:] == [
        "点评人：张书记（主持人）",
        "（一）工作要求",
        "持续用力",
        "点评人：李部长（分管领导：组织工作）",
        "（一）存在问题",
        "1.政治学习不够深入（类别：政治建设；程度：严重）",
    ]


def test_a_comment_with_a_control_character_does_not_break_the_comments_summary(
    arranged_meeting, host_client
):
    """A control character that XML cannot hold (pasted from another program) is dropped
    from the document instead of making the download fail."""
    qingshi = arranged_meeting.reporters().get(person__name="林晓青")
    comment_record(
        reporter=qingshi,
        commenter="张书记",
        affirmations="成绩\x1f明显",
        requirements="按期\x1f销号",
        problems=[ProblemInput("team", "后备干部\x1f储备不足")],
    )
    _response, _document, lines = _download(host_client, "comments_docx", arranged_meeting)
    assert "成绩明显" in lines
    assert "按期销号" in lines
    assert any("后备干部储备不足" in line for line in lines)
    assert not any("\x1f" in line or "\x0b" in line for line in lines)
