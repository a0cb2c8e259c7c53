"""The results of a closed evaluation as Excel (.xlsx) and Word (.docx).

Both carry the same figures as the results page, and both withhold the breakdown of
a voter group that cast fewer ballots than the evaluation's minimum (the tally gives
None for it). Text cells of the workbook are escaped against formula injection
(debrief.lib.xlsx.write_rows). Document text is Chinese, as the office files it.
"""

from __future__ import annotations

from decimal import Decimal

from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Mm
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from debrief.ballots.models import Evaluation
from debrief.ballots.payloads import GRADE_ZH
from debrief.ballots.tally import GRADES, Tally
from debrief.lib.docx import (
    add_heading1,
    add_paragraph,
    add_subtitle,
    add_table,
    add_title,
    cn_date,
    new_document,
)
from debrief.lib.xlsx import write_rows

RESULT_HEADERS = [
    "排名",
    "姓名",
    "职务",
    "单位",
    *(GRADE_ZH[g] for g in GRADES),
    "有效票",
    "好评率",
    "差评率",
    "测评得分",
]
GROUP_HEADERS = [
    "姓名",
    "测评主体",
    "权重（%）",
    "票数",
    *(GRADE_ZH[g] for g in GRADES),
    "平均分",
]


def withheld_text(evaluation: Evaluation, ballots: int) -> str:
    """What stands in place of a group's figures that are not shown."""
    if not ballots:
        return "无测评票"
    if ballots < evaluation.min_group_size:
        return f"不足{evaluation.min_group_size}票，不单独列示"
    return "为防止推算人数较少的测评主体，不单独列示"


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.01'))}%"


def title_of(evaluation: Evaluation) -> str:
    return f"{evaluation.meeting.title}民主测评结果"


# Excel --------------------------------------------------------------------------------


def tally_workbook(evaluation: Evaluation, result: Tally) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "测评结果"
    write_rows(sheet, [RESULT_HEADERS])
    write_rows(
        sheet,
        (
            [
                row.rank,
                row.name,
                row.post,
                row.organization,
                *(row.counts[g] for g in GRADES),
                row.valid,
                float(row.satisfaction_rate),
                float(row.poor_rate),
                float(row.score),
            ]
            for row in result.results
        ),
    )
    for cells in sheet.iter_rows(min_row=2, min_col=10, max_col=11):
        for cell in cells:
            cell.number_format = "0.00%"
    for cells in sheet.iter_rows(min_row=2, min_col=12, max_col=12):
        for cell in cells:
            cell.number_format = "0.00"
    _header_style(sheet, [6, 10, 22, 22, 6, 6, 6, 6, 8, 9, 9, 10])

    groups = workbook.create_sheet("分组情况")
    write_rows(groups, [GROUP_HEADERS])
    for row in result.results:
        for group in row.groups:
            if group.counts is None:
                values: list[object] = [
                    row.name,
                    group.name,
                    float(group.share),
                    group.ballots,
                    withheld_text(evaluation, group.ballots),
                    None,
                    None,
                    None,
                    None,
                ]
            else:
                values = [
                    row.name,
                    group.name,
                    float(group.share),
                    group.ballots,
                    *(group.counts[g] for g in GRADES),
                    None if group.mean_points is None else float(group.mean_points),
                ]
            write_rows(groups, [values])
    _header_style(groups, [10, 24, 10, 6, 22, 6, 6, 6, 8])

    reasons = workbook.create_sheet("评差理由")
    write_rows(reasons, [["姓名", "职务", "理由"]])
    write_rows(
        reasons, ([row.name, row.post, reason] for row in result.results for reason in row.reasons)
    )
    _header_style(reasons, [10, 22, 60])

    summary = workbook.create_sheet("说明")
    write_rows(
        summary,
        [
            ["会议", evaluation.meeting.title],
            ["有效测评票", result.ballots],
            [
                "计分",
                "；".join(f"{GRADE_ZH[g]}{evaluation.points_for(g)}分" for g in GRADES),
            ],
            ["好评率", "（好＋较好）÷ 有效票"],
            ["差评率", "差 ÷ 有效票"],
            ["测评得分", "Σ（各测评主体权重 × 该主体平均分）÷ 有票主体的权重之和"],
            ["分组列示", f"某测评主体投票少于{evaluation.min_group_size}票时不单独列示"],
        ],
    )
    _header_style(summary, [14, 70], header=False)
    return workbook


def _header_style(sheet: object, widths: list[int], *, header: bool = True) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width  # type: ignore[attr-defined]
    if header:
        for cell in sheet[1]:  # type: ignore[index]
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.freeze_panes = "A2"  # type: ignore[attr-defined]


# Word ---------------------------------------------------------------------------------


def tally_document(evaluation: Evaluation, result: Tally) -> Document:
    meeting = evaluation.meeting
    title = title_of(evaluation)
    document = new_document(title=title)
    section = document.sections[0]
    # Landscape: the results table has twelve columns.
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(28), Mm(26)
    section.left_margin, section.right_margin = Mm(37), Mm(35)
    add_title(document, title)
    add_subtitle(document, f"（{cn_date(meeting.date)}　有效测评票{result.ballots}张）")

    add_heading1(document, 1, "测评结果")
    add_table(
        document,
        RESULT_HEADERS,
        [
            [
                row.rank,
                row.name,
                row.post,
                row.organization,
                *(row.counts[g] for g in GRADES),
                row.valid,
                _percent(row.satisfaction_rate),
                _percent(row.poor_rate),
                row.score,
            ]
            for row in result.results
        ],
        widths=[
            Mm(12),
            Mm(18),
            Mm(30),
            Mm(30),
            Mm(13),
            Mm(13),
            Mm(13),
            Mm(13),
            Mm(15),
            Mm(21),
            Mm(21),
            Mm(20),
        ],
        centred=(0, 4, 5, 6, 7, 8, 9, 10, 11),
    )

    add_heading1(document, 2, "分组测评情况")
    group_rows: list[list[object]] = []
    withheld_rows: set[int] = set()
    for row in result.results:
        for group in row.groups:
            if group.counts is None:
                withheld_rows.add(len(group_rows) + 1)
                group_rows.append(
                    [
                        row.name,
                        group.name,
                        group.share,
                        group.ballots,
                        withheld_text(evaluation, group.ballots),
                        "",
                        "",
                        "",
                        "",
                    ]
                )
            else:
                group_rows.append(
                    [
                        row.name,
                        group.name,
                        group.share,
                        group.ballots,
                        *(group.counts[g] for g in GRADES),
                        group.mean_points if group.mean_points is not None else "—",
                    ]
                )
    table = add_table(
        document,
        GROUP_HEADERS,
        group_rows,
        widths=[Mm(20), Mm(50), Mm(22), Mm(14), Mm(16), Mm(16), Mm(16), Mm(16), Mm(25)],
        centred=(2, 3, 4, 5, 6, 7, 8),
    )
    # A withheld group's row: one cell across the grades and the mean says so.
    for index in sorted(withheld_rows):
        cells = table.rows[index].cells
        merged = cells[4].merge(cells[8])
        for extra in merged.paragraphs[1:]:
            extra._p.getparent().remove(extra._p)

    add_heading1(document, 3, "评为“差”的理由")
    with_reasons = [row for row in result.results if row.reasons]
    if not with_reasons:
        add_paragraph(document, "无。")
    for row in with_reasons:
        add_paragraph(document, f"{row.name}（{row.post}）：", bold=True)
        for reason in row.reasons:
            add_paragraph(document, f"—— {reason}")

    add_heading1(document, 4, "计分说明")
    add_paragraph(
        document,
        "计分："
        + "；".join(f"{GRADE_ZH[g]}{evaluation.points_for(g)}分" for g in GRADES)
        + "。好评率＝（好＋较好）÷有效票；差评率＝差÷有效票；"
        "测评得分＝Σ（各测评主体权重×该主体平均分）÷有票主体的权重之和。"
        f"某测评主体投票少于{evaluation.min_group_size}票时，不单独列示该主体的测评情况。",
    )
    return document
