"""The documents of the results, downloaded as the office would and read back: the
results table (.xlsx), the circular (.docx), the feedback letters (.docx, and all of
them in one zip)."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from debrief.assessments.documents import GRADE_TEXT, RESULT_HEADERS, reason_text
from debrief.assessments.models import Grade, Result
from debrief.assessments.services import result_adjust, results_compute
from debrief.assessments.tests.conftest import APPROVAL_DOCUMENT, approve
from debrief.lib.docx import DOCX_CONTENT_TYPE
from debrief.lib.xlsx import XLSX_CONTENT_TYPE
from debrief.meetings.services import ProblemInput, comment_record

pytestmark = pytest.mark.django_db


def _url(name: str, *args: object) -> str:
    return reverse(f"assessments:{name}", args=args)


def _lines(content: bytes) -> list[str]:
    document = Document(io.BytesIO(content))
    return [p.text for p in document.paragraphs]


def _docx(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    return _lines(response.content)


def _between(lines: list[str], start: str, end: str | None) -> list[str]:
    begin = next(i for i, line in enumerate(lines) if line.startswith(start))
    stop = next(
        (i for i, line in enumerate(lines) if end and line.startswith(end) and i > begin),
        len(lines),
    )
    return lines[begin + 1 : stop]


@pytest.fixture
def criticized(graded):
    """The graded cycle with 柳溪镇 adjusted to 差 and a comment with two problems on it,
    computed and approved."""
    cycle, q, lx, _ = graded
    comment_record(
        reporter=lx,
        commenter="县委书记",
        affirmations="村集体经济增长明显",
        requirements="压实书记第一责任人责任\n抓好软弱涣散党组织整顿",
        problems=[
            ProblemInput(category="responsibility", description="责任落实不到位"),
            ProblemInput(category="members", description="党员教育管理不规范", severity="major"),
        ],
    )
    result_adjust(
        result=results_compute(cycle=cycle).results.get(reporter=lx),
        grade="poor",
        reason="常委会研究决定",
    )
    approve(cycle)
    return cycle, q, lx


def test_the_circular_commends_the_good_under_one_and_criticizes_the_poor_under_four(
    criticized, host_client
):
    cycle, _q, _lx = criticized
    response = host_client.get(_url("circular_docx", cycle.pk))
    title = "中共示范县委关于2025年度抓基层党建工作述职评议考核结果的通报"
    assert f"filename*=UTF-8''{quote(title + '.docx')}" in response["Content-Disposition"]
    lines = _lines(response.content)
    assert lines[0] == title
    assert lines[1] == "各乡镇（街道）党（工）委："
    opening = lines[2]
    for part in ("日常考核占40%", "民主测评占40%", "述职评议及点评占20%", "2026年2月1日",
                 "县委常委会", APPROVAL_DOCUMENT, "2名"):  # fmt: skip
        assert part in opening, part
    good = _between(lines, "一、", "二、")
    assert lines[lines.index(good[0]) - 1] == "一、评定为“好”等次的（1名）"
    assert "通报表扬" in good[0] and "青石镇党委书记 林晓青" in good
    assert _between(lines, "二、", "三、") == ["无。"]
    assert _between(lines, "三、", "四、") == ["无。"]
    poor = _between(lines, "四、", None)
    assert lines[lines.index(poor[0]) - 1] == "四、评定为“差”等次的（1名）"
    assert "通报批评" in poor[0] and "2026年5月1日前完成整改" in poor[0]
    assert poor[1] == "柳溪镇党委书记 周立川"
    assert "林晓青" not in " ".join(poor) and "周立川" not in " ".join(good)
    assert lines[-2:] == ["中共示范县委", "2026年2月1日"]


def test_the_circular_and_the_letters_do_not_exist_before_the_approval(graded, host_client):
    cycle, q, _lx, _ = graded
    results_compute(cycle=cycle)
    assert host_client.get(_url("circular_docx", cycle.pk)).status_code == 404
    assert host_client.get(_url("letters_zip", cycle.pk)).status_code == 404
    assert host_client.get(_url("letter_docx", q.pk)).status_code == 404
    assert host_client.get(_url("results_xlsx", cycle.pk)).status_code == 200


def test_a_letter_gives_the_grade_the_evaluation_the_comments_and_the_numbered_problems(
    criticized, host_client
):
    _cycle, _q, lx = criticized
    lines = _docx(host_client, _url("letter_docx", lx.pk))
    text = "\n".join(lines)
    assert lines[0] == "2025年度抓基层党建工作述职评议考核反馈意见"
    assert lines[1] == "柳溪镇党委书记 周立川同志："
    result = _between(lines, "一、考核结果", "二、")
    assert "综合得分为62.00分" in result[0] and "在2名述职人中排第2名" in result[0]
    assert "评定等次为“差”" in result[0] and "日常考核得分60.00分" in result[0]
    assert "经研究由“一般”调整为“差”：常委会研究决定" in result[1]
    evaluation = _between(lines, "二、民主测评情况", "三、")[0]
    assert "有效评价3份" in evaluation and "“一般”的3份" in evaluation
    assert "好评率（“好”和“较好”所占比例）为0.00%" in evaluation
    assert "村集体经济增长明显" in _between(lines, "（一）肯定的成绩", "（二）")
    assert _between(lines, "（二）提出的要求", "四、") == [
        "压实书记第一责任人责任",
        "抓好软弱涣散党组织整顿",
    ]
    assert _between(lines, "四、存在的主要问题", "五、") == [
        "1.责任落实不到位（类别：党建责任落实）",
        "2.党员教育管理不规范（类别：党员教育管理）",
    ]
    assert "于2026年5月1日前完成整改" in text
    assert lines[-2:] == ["中共示范县委组织部", "2026年2月1日"]


def test_a_letter_without_comments_or_problems_says_so(criticized, host_client):
    _cycle, q, _lx = criticized
    lines = _docx(host_client, _url("letter_docx", q.pk))
    assert "评定等次为“好”" in _between(lines, "一、", "二、")[0]
    assert _between(lines, "四、存在的主要问题", "五、") == ["述职评议中未指出问题。"]
    assert "有效评价3份，其中评价为“好”的3份" in _between(lines, "二、", "三、")[0]


def test_the_zip_holds_one_letter_per_reporter_named_by_number_organization_and_name(
    criticized, host_client
):
    cycle, _q, _lx = criticized
    response = host_client.get(_url("letters_zip", cycle.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert names == ["01-青石镇党委-林晓青.docx", "02-柳溪镇党委-周立川.docx"]
        for name in names:
            lines = _lines(archive.read(name))
            assert lines[1].startswith(name.split("-")[1])
            assert name.split("-")[2].removesuffix(".docx") in lines[1]


def test_the_results_table_lists_every_result_and_escapes_a_name_that_looks_like_a_formula(
    graded, host_client
):
    cycle, q, _lx, _ = graded
    q.person.name = '=HYPERLINK("http://example.com","x")'
    q.person.save()
    results_compute(cycle=cycle)
    response = host_client.get(_url("results_xlsx", cycle.pk))
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == RESULT_HEADERS
    first = rows[1]
    assert first[:4] == [
        1,
        "青石镇党委",
        '\'=HYPERLINK("http://example.com","x")',
        "青石镇党委书记",
    ]
    assert sheet.cell(row=2, column=3).data_type == "s"
    assert [float(str(v)) for v in first[4:8]] == [92.0, 100.0, 90.0, 94.8]
    assert first[8:10] == ["好", 1]
    assert first[10] == "综合得分94.80分，达到“好”等次分数线（90.00分）"
    assert rows[2][1:3] == ["柳溪镇党委", "周立川"] and rows[2][8] == "一般"
    assert len(rows) == 3


@pytest.mark.parametrize(
    "reason",
    [
        {"rule": "band", "total": "50.00", "grade": "poor", "threshold": ""},
        {"rule": "missing", "component": "evaluation"},
        {"rule": "poor_share_cap", "poor_share": "0.4", "threshold": "0.3333", "from": "good",
         "to": "fairly_good"},
        {"rule": "veto", "items": "重大安全事故", "from": "good", "to": "poor"},
        {"rule": "quota", "limit": "1", "position": "2", "from": "good", "to": "fairly_good"},
        {"rule": "manual", "from": "good", "to": "average", "why": "研究决定"},
    ],
)  # fmt: skip
def test_every_reason_has_its_own_document_wording(reason):
    text = reason_text(reason)
    assert "rule" not in text and "{" not in text
    if "to" in reason:
        assert f"“{GRADE_TEXT[reason['to']]}”" in text


def test_every_grade_has_its_document_wording():
    assert set(GRADE_TEXT) == set(Grade.values)


def test_a_correction_after_publication_appears_in_the_letter(criticized, host_client):
    from debrief.assessments.models import ResultSet
    from debrief.assessments.services import result_correct, results_publish

    cycle, _q, lx = criticized
    results_publish(result_set=ResultSet.objects.get(cycle=cycle))
    result_correct(result=Result.objects.get(reporter=lx), grade="average", reason="复核")
    lines = _docx(host_client, _url("letter_docx", lx.pk))
    assert "评定等次为“一般”" in _between(lines, "一、", "二、")[0]
    assert any("等次由“差”更正为“一般”：复核" in line for line in lines)


def test_a_deadline_set_at_the_approval_is_the_one_the_circular_and_the_letters_give(
    criticized, host_client
):
    import datetime

    from debrief.assessments.models import ResultSet
    from debrief.assessments.services import results_approve, results_reopen

    cycle, _q, lx = criticized
    result_set = ResultSet.objects.get(cycle=cycle)
    results_reopen(result_set=result_set)
    results_approve(
        result_set=result_set,
        approved_on=datetime.date(2026, 2, 1),
        approval_document=APPROVAL_DOCUMENT,
        rectify_by=datetime.date(2026, 6, 30),
    )
    circular = "\n".join(_docx(host_client, _url("circular_docx", cycle.pk)))
    letter = "\n".join(_docx(host_client, _url("letter_docx", lx.pk)))
    for text in (circular, letter):
        assert "2026年6月30日前完成整改" in text and "2026年5月1日" not in text
