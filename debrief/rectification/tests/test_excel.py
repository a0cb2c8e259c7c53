"""The ledger (整改台账) and the two imports: good files apply whole, bad files are
refused whole with row numbers and change nothing, on the page and on the command."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from debrief.audit.models import AuditRecord, Result
from debrief.lib.tests.workbooks import xlsx_bytes
from debrief.lib.xlsx import XLSX_CONTENT_TYPE
from debrief.rectification.excel import (
    LEDGER_HEADERS,
    ImportResult,
    import_problems,
    import_progress,
    ledger_workbook,
)
from debrief.rectification.models import (
    Category,
    EventKind,
    Problem,
    ProblemEvent,
    ProblemStatus,
    Severity,
    Source,
)
from debrief.rectification.services import (
    problem_complete,
    problem_create,
    problem_plan_set,
    problem_verify,
    progress_add,
)

pytestmark = pytest.mark.django_db
MAX_BYTES = 10 * 1024 * 1024
PROGRESS_HEADERS = ["编号", "进展说明", "完成进度"]
PROBLEM_HEADERS = ["单位代码", "问题来源", "问题类别", "严重程度", "问题描述", "整改时限"]


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("证明.pdf", b"%PDF-1.4 x", content_type="application/pdf")


def snapshot() -> tuple[list[tuple], int, int]:
    return (
        list(Problem.objects.order_by("pk").values_list("pk", "status", "progress")),
        ProblemEvent.objects.count(),
        AuditRecord.objects.filter(result=Result.OK).count(),
    )


def progress(rows: list[list[Any]], user: Any, *, headers=PROGRESS_HEADERS, **kwargs) -> Any:
    data = xlsx_bytes([headers, *rows])
    return import_progress(io.BytesIO(data), user=user, max_bytes=MAX_BYTES, **kwargs)


def rows_with(result: ImportResult, row: int | None, pattern: str) -> bool:
    return any(error.row == row and re.search(pattern, error.message) for error in result.errors)


def ledger_sheet(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content))["整改台账"]


def en(client: Any, user: Any) -> Any:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- The ledger ---------------------------------------------------------------------------


def test_the_ledger_opens_with_its_title_headers_and_layout(client, personas, problems, county):
    owner = personas.qingshi_secretary
    problem_plan_set(
        problem=problems[0],
        measures="建立后备干部库",
        responsible_person="林晓青",
        responsible_leader="王副书记",
        deadline=datetime.date(2026, 6, 30),
        actor=owner,
    )
    progress_add(problem=problems[0], text="完成摸底", percent=40, actor=owner)
    en(client, personas.county_admin)
    response = client.get(reverse("rectification:ledger_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = ledger_sheet(response.content)
    assert sheet["A1"].value == "示范县委整改台账"
    assert [cell.value for cell in sheet[3]] == LEDGER_HEADERS
    assert sheet.freeze_panes == "C4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.column_dimensions["E"].width == 40
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert len(rows) == 3
    first = dict(zip(LEDGER_HEADERS, rows[0], strict=True))
    assert first["单位"] == "青石镇党委" and first["问题描述"] == "后备干部储备不足"
    assert first["整改措施"] == "建立后备干部库" and first["责任领导"] == "王副书记"
    assert first["整改进展（最新）"] == "完成摸底" and first["完成进度"] == 40
    assert first["状态"] == "整改中" and first["是否逾期"] == "否"
    assert first["编号"] == problems[0].pk and first["问题来源"] == "会议点评"
    assert sheet.cell(row=4, column=5).alignment.wrap_text
    assert sheet.cell(row=4, column=13).number_format == '0"%"'


def test_the_ledger_escapes_a_description_that_looks_like_a_formula(client, personas, county):
    problem_create(
        organization=county.qingshi,
        category=Category.OTHER,
        description='=HYPERLINK("http://evil.example","点此")',
        source=Source.MANUAL,
    )
    en(client, personas.qingshi_secretary)
    sheet = ledger_sheet(client.get(reverse("rectification:ledger_xlsx")).content)
    cell = sheet.cell(row=4, column=5)
    assert cell.value == '\'=HYPERLINK("http://evil.example","点此")'
    assert cell.data_type == "s"


def test_the_ledger_of_a_subtree_and_a_cycle(client, personas, problems, county, cycle):
    Problem.objects.filter(pk=problems[0].pk).update(cycle=cycle)
    en(client, personas.county_admin)
    address = reverse("rectification:ledger_xlsx")
    sheet = ledger_sheet(client.get(f"{address}?org={county.qingshi.pk}").content)
    assert sheet["A1"].value == "青石镇党委整改台账"
    assert sheet.max_row == 3 + 2
    sheet = ledger_sheet(client.get(f"{address}?cycle={cycle.pk}").content)
    assert sheet["A1"].value == "示范县委2025年度整改台账"
    assert sheet.max_row == 3 + 1


def test_a_secretarys_ledger_holds_only_its_own_items(client, personas, problems):
    en(client, personas.liuxi_secretary)
    sheet = ledger_sheet(client.get(reverse("rectification:ledger_xlsx")).content)
    assert [row[4].value for row in sheet.iter_rows(min_row=4)] == ["村级阵地建设滞后"]


# --- Progress import: good files -------------------------------------------------------------


def test_a_good_progress_file_applies_every_row(personas, problems):
    owner = personas.qingshi_secretary
    result = progress(
        [[problems[0].pk, "完成摸底排查", 40], [str(problems[1].pk), "开展专题培训", "60%"]], owner
    )
    assert result.ok, [str(e) for e in result.errors]
    assert (result.rows, result.applied, result.skipped) == (2, 2, 0)
    for problem, percent in ((problems[0], 40), (problems[1], 60)):
        problem.refresh_from_db()
        assert (problem.status, problem.progress) == (ProblemStatus.IN_PROGRESS, percent)
        event = problem.events.get()
        assert (event.kind, event.actor) == (EventKind.PROGRESS, owner)
    assert AuditRecord.objects.filter(action="rectification.progress_import").exists()


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(personas, problems):
    before = snapshot()
    result = progress(
        [[problems[0].pk, "完成摸底", 40], [problems[1].pk, "培训", 50]],
        personas.qingshi_secretary,
        dry_run=True,
    )
    assert result.ok and result.applied == 2 and result.dry_run
    assert snapshot() == before


def test_the_ledger_itself_is_accepted_and_unchanged_rows_are_skipped(personas, problems):
    owner = personas.qingshi_secretary
    progress_add(problem=problems[1], text="开展专题培训", percent=30, actor=owner)
    workbook = ledger_workbook(
        Problem.objects.filter(organization=problems[0].organization), title="青石镇整改台账"
    )
    sheet = workbook["整改台账"]
    column = {header: index + 1 for index, header in enumerate(LEDGER_HEADERS)}
    assert sheet.cell(row=4, column=column["编号"]).value == problems[0].pk
    sheet.cell(row=4, column=column["整改进展（最新）"]).value = "已建立后备干部库"
    sheet.cell(row=4, column=column["完成进度"]).value = 70
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = import_progress(buffer, user=owner, max_bytes=MAX_BYTES)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.rows, result.applied, result.skipped) == (2, 1, 1)
    problems[0].refresh_from_db()
    assert problems[0].progress == 70
    assert problems[1].events.count() == 1  # the unchanged row added nothing

    buffer.seek(0)
    again = import_progress(buffer, user=owner, max_bytes=MAX_BYTES)
    assert (again.applied, again.skipped) == (0, 2)  # importing twice adds nothing


# --- Progress import: bad files, each refused whole -------------------------------------------


def _close(problem: Problem, personas: Any) -> None:
    problem_complete(
        problem=problem, text="已整改", files=[pdf()], actor=personas.qingshi_secretary
    )
    problem_verify(problem=problem, actor=personas.county_admin)


BAD_PROGRESS: dict[str, tuple[Any, int, str]] = {
    "unknown number": (lambda p: [[999999, "推进", 10]], 2, r"no problem 999999"),
    "the sibling's number": (lambda p: [[p[2].pk, "推进", 10]], 2, r"no problem \d+ in your scope"),
    "a number that is not one": (lambda p: [["第一条", "推进", 10]], 2, r"not a problem number"),
    "percent over 100": (lambda p: [[p[0].pk, "推进", 101]], 2, r"whole number between 0 and 100"),
    "a negative percent": (lambda p: [[p[0].pk, "推进", -5]], 2, r"between 0 and 100"),
    "a fractional percent": (lambda p: [[p[0].pk, "推进", 40.5]], 2, r"whole number"),
    "a percent in words": (lambda p: [[p[0].pk, "推进", "过半"]], 2, r"whole number"),
    "empty text with a new percent": (
        lambda p: [[p[0].pk, None, 50]],
        2,
        r"Describe the progress",
    ),
    "text without a percent": (lambda p: [[p[0].pk, "推进", None]], 2, r"percent complete"),
    "a duplicate number": (
        lambda p: [[p[0].pk, "推进", 10], [p[1].pk, "推进", 10], [p[0].pk, "再推进", 20]],
        4,
        r"more than once \(first in row 2\)",
    ),
    "a bad row after good ones": (
        lambda p: [[p[0].pk, "推进", 10], [p[1].pk, "推进", 200]],
        3,
        r"between 0 and 100",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PROGRESS))
def test_a_bad_progress_file_is_refused_whole_with_the_row_number(
    case, personas, problems, tmp_path
):
    build, row, pattern = BAD_PROGRESS[case]
    before = snapshot()
    result = progress(build(problems), personas.qingshi_secretary)
    assert not result.ok and result.applied == 0
    assert rows_with(result, row, pattern), [str(e) for e in result.errors]
    assert snapshot() == before

    path = tmp_path / "进展.xlsx"
    path.write_bytes(xlsx_bytes([PROGRESS_HEADERS, *build(problems)]))
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_progress", str(path), user="qingshi_secretary")
    assert snapshot() == before


def test_progress_for_a_closed_item_is_refused(personas, problems):
    _close(problems[0], personas)
    before = snapshot()
    result = progress([[problems[0].pk, "继续巩固", 100]], personas.qingshi_secretary)
    assert rows_with(result, 2, r"Verified and closed: progress can no longer be added")
    assert snapshot() == before


def test_progress_for_an_item_the_user_only_views_is_refused(personas, problems):
    result = progress([[problems[0].pk, "代为填报", 30]], personas.county_viewer)
    assert rows_with(result, 2, r"only the responsible organization records its progress")
    assert not problems[0].events.exists()


@pytest.mark.parametrize(
    ("headers", "pattern"),
    [
        (["编号", "进展说明"], r"“完成进度” is missing"),
        (["编号", "进展说明", "完成进度", "完成进度"], r"appears more than once"),
        (["序号", "内容", "比例"], r"No header row found"),
    ],
)
def test_a_progress_file_with_wrong_headers_is_refused(headers, pattern, personas, problems):
    result = progress(
        [[problems[0].pk, "推进", 10, 10]], personas.qingshi_secretary, headers=headers
    )
    assert rows_with(result, 1, pattern), [str(e) for e in result.errors]
    assert not ProblemEvent.objects.exists()


def _ratio_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"\0" * (20 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old", r"old Excel file"),
        (b"just text", r"not an Excel workbook"),
        (_ratio_bomb(), r"zip bomb"),
    ],
)
def test_a_file_that_is_no_safe_workbook_is_refused(content, pattern, personas, problems):
    result = import_progress(
        io.BytesIO(content), user=personas.qingshi_secretary, max_bytes=MAX_BYTES
    )
    assert rows_with(result, None, pattern), [str(e) for e in result.errors]
    assert not ProblemEvent.objects.exists()


def test_an_oversized_file_is_refused(personas, problems):
    data = xlsx_bytes([PROGRESS_HEADERS, [problems[0].pk, "推进", 10]])
    result = import_progress(io.BytesIO(data), user=personas.qingshi_secretary, max_bytes=1000)
    assert rows_with(result, None, r"larger than")


# --- The command ----------------------------------------------------------------------------


def test_the_import_progress_command_applies_a_good_file(personas, problems, tmp_path):
    path = tmp_path / "进展.xlsx"
    path.write_bytes(xlsx_bytes([PROGRESS_HEADERS, [problems[0].pk, "完成摸底", 40]]))
    out = io.StringIO()
    call_command("import_progress", str(path), "--dry-run", user="qingshi_secretary", stdout=out)
    assert "nothing was changed" in out.getvalue()
    assert not ProblemEvent.objects.exists()
    out = io.StringIO()
    call_command("import_progress", str(path), user="qingshi_secretary", stdout=out)
    assert "1 progress entries" in out.getvalue()
    problems[0].refresh_from_db()
    assert problems[0].progress == 40


def test_the_import_progress_command_lists_every_bad_row(personas, problems, tmp_path):
    path = tmp_path / "进展.xlsx"
    path.write_bytes(
        xlsx_bytes([PROGRESS_HEADERS, [999999, "推进", 10], [problems[0].pk, "推进", 300]])
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_progress", str(path), user="qingshi_secretary", stderr=err)
    assert "Row 2" in err.getvalue() and "Row 3" in err.getvalue()


def test_the_import_progress_command_needs_a_known_account(personas, problems, tmp_path):
    path = tmp_path / "进展.xlsx"
    path.write_bytes(xlsx_bytes([PROGRESS_HEADERS, [problems[0].pk, "推进", 10]]))
    with pytest.raises(CommandError, match="No active account"):
        call_command("import_progress", str(path), user="nobody")
    with pytest.raises(CommandError):
        call_command("import_progress", str(path))


# --- The import pages -----------------------------------------------------------------------


def upload(content: bytes, name: str = "进展.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def test_the_progress_import_page_applies_a_file_and_lists_errors_by_row(
    client, personas, problems
):
    en(client, personas.qingshi_secretary)
    address = reverse("rectification:progress_import")
    assert client.get(address).status_code == 200
    bad = xlsx_bytes([PROGRESS_HEADERS, [problems[0].pk, "推进", 10], [problems[1].pk, "", 50]])
    page = client.post(address, {"file": upload(bad)}).content.decode()
    assert 'data-outcome="failed"' in page and 'data-row="3"' in page
    assert not ProblemEvent.objects.exists()

    good = xlsx_bytes([PROGRESS_HEADERS, [problems[0].pk, "推进", 10]])
    page = client.post(address, {"file": upload(good), "check_only": "on"}).content.decode()
    assert 'data-outcome="checked"' in page and not ProblemEvent.objects.exists()
    page = client.post(address, {"file": upload(good)}).content.decode()
    assert 'data-outcome="imported"' in page
    assert ProblemEvent.objects.count() == 1


def test_the_progress_template_is_prefilled_with_the_users_open_items(client, personas, problems):
    en(client, personas.qingshi_secretary)
    response = client.get(reverse("rectification:progress_template"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == ["编号", "单位", "问题描述", "进展说明", "完成进度"]
    assert sorted(int(str(row[0].value)) for row in sheet.iter_rows(min_row=2)) == sorted(
        p.pk for p in problems[:2]
    )
    # and it imports back as nothing to do
    result = import_progress(
        io.BytesIO(response.content), user=personas.qingshi_secretary, max_bytes=MAX_BYTES
    )
    assert result.ok and (result.applied, result.skipped) == (0, 2)


def test_import_pages_need_the_right_to_write(client, personas):
    en(client, personas.county_viewer)
    for name in ("progress_import", "problems_import", "progress_template", "problems_template"):
        assert client.get(reverse(f"rectification:{name}")).status_code == 404, name


# --- Problems import ------------------------------------------------------------------------


def problems_file(rows: list[list[Any]], headers=PROBLEM_HEADERS) -> io.BytesIO:
    return io.BytesIO(xlsx_bytes([headers, *rows]))


def test_a_good_problems_file_creates_every_problem(personas, county):
    result = import_problems(
        problems_file(
            [
                ["T001", "督查检查", "组织体系建设", "较重", "三会一课记录不全", "2026-06-30"],
                ["V001", "自查", "党员教育管理", "", "流动党员联系不经常", None],
                [
                    "V002",
                    "",
                    "队伍建设",
                    "严重",
                    "村干部坐班制度执行不严",
                    datetime.datetime(2026, 5, 1),
                ],
            ]
        ),
        user=personas.qingshi_secretary,
        max_bytes=MAX_BYTES,
    )
    assert result.ok, [str(e) for e in result.errors]
    assert result.applied == 3
    rows = list(
        Problem.objects.order_by("pk").values_list(
            "organization__code", "source", "category", "severity", "deadline"
        )
    )
    assert rows == [
        (
            "T001",
            Source.INSPECTION,
            Category.ORGANIZATION_SYSTEM,
            Severity.MAJOR,
            datetime.date(2026, 6, 30),
        ),
        ("V001", Source.SELF_CHECK, Category.MEMBERS, Severity.GENERAL, None),
        ("V002", Source.IMPORT, Category.TEAM, Severity.SERIOUS, datetime.date(2026, 5, 1)),
    ]
    assert set(Problem.objects.values_list("created_by", flat=True)) == {
        personas.qingshi_secretary.pk
    }


BAD_PROBLEMS: dict[str, tuple[list[Any], str, str]] = {
    "unknown code": (
        ["X999", "自查", "其他", "一般", "问题", None],
        "单位代码",
        r"Unknown organization code",
    ),
    "a code outside the scope": (
        ["T002", "自查", "其他", "一般", "问题", None],
        "单位代码",
        r"Unknown organization code",
    ),
    "an unknown category": (
        ["T001", "自查", "乱七八糟", "一般", "问题", None],
        "问题类别",
        r"Unknown value",
    ),
    "no category": (
        ["T001", "自查", None, "一般", "问题", None],
        "问题类别",
        r"category is required",
    ),
    "a comment as source": (
        ["T001", "会议点评", "其他", "一般", "问题", None],
        "问题来源",
        r"Unknown value",
    ),
    "an unknown severity": (
        ["T001", "自查", "其他", "特别严重", "问题", None],
        "严重程度",
        r"Unknown value",
    ),
    "no description": (
        ["T001", "自查", "其他", "一般", "  ", None],
        "问题描述",
        r"Describe the problem",
    ),
    "a date in words": (
        ["T001", "自查", "其他", "一般", "问题", "明年上半年"],
        "整改时限",
        r"not a date",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PROBLEMS))
def test_a_bad_problems_file_is_refused_whole_with_the_row_number(case, personas, county):
    bad_row, column, pattern = BAD_PROBLEMS[case]
    good_row = ["T001", "自查", "其他", "一般", "好的一行", None]
    result = import_problems(
        problems_file([good_row, bad_row]), user=personas.qingshi_secretary, max_bytes=MAX_BYTES
    )
    assert not result.ok
    assert any(
        e.row == 3 and e.column == column and re.search(pattern, e.message) for e in result.errors
    ), [str(e) for e in result.errors]
    assert not Problem.objects.exists()


def test_a_problems_file_with_a_duplicate_row_or_an_unknown_column_is_refused(personas, county):
    row = ["T001", "自查", "其他", "一般", "同一个问题", None]
    result = import_problems(
        problems_file([row, row]), user=personas.qingshi_secretary, max_bytes=MAX_BYTES
    )
    assert rows_with(result, 3, r"already in row 2")
    result = import_problems(
        problems_file([[*row, "x"]], headers=[*PROBLEM_HEADERS, "备注"]),
        user=personas.qingshi_secretary,
        max_bytes=MAX_BYTES,
    )
    assert rows_with(result, 1, r"Unknown column “备注”")
    assert not Problem.objects.exists()


def test_the_problems_import_page_with_a_cycle_and_its_template(client, personas, county, cycle):
    en(client, personas.county_staff)
    template = client.get(reverse("rectification:problems_template"))
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == PROBLEM_HEADERS
    example = load_workbook(io.BytesIO(template.content))["示例"]
    rows = [[cell.value for cell in row] for row in example.iter_rows()]
    content = xlsx_bytes(rows)  # the example imports as it is
    address = reverse("rectification:problems_import")
    page = client.post(
        address, {"file": upload(content, "问题.xlsx"), "cycle": cycle.pk}
    ).content.decode()
    assert 'data-outcome="imported"' in page, page
    assert Problem.objects.filter(cycle=cycle).count() == 2


def test_a_completed_item_in_the_ledger_is_skipped_when_unchanged(personas, problems):
    owner = personas.qingshi_secretary
    progress_add(problem=problems[0], text="推进", percent=50, files=[pdf()], actor=owner)
    problem_complete(problem=problems[0], text="已整改到位", actor=owner)
    workbook = ledger_workbook(Problem.objects.filter(pk=problems[0].pk), title="t")
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = import_progress(buffer, user=owner, max_bytes=MAX_BYTES)
    assert result.ok and (result.applied, result.skipped) == (0, 1)


@pytest.mark.parametrize("name", ["CATEGORY", "SOURCE", "SEVERITY", "STATUS"])
def test_the_ledger_words_are_the_words_of_the_chinese_pages(name):
    from django.utils import translation

    from debrief.rectification import excel
    from debrief.rectification.models import Category, ProblemStatus, Severity, Source

    choices = {
        "CATEGORY": Category,
        "SOURCE": Source,
        "SEVERITY": Severity,
        "STATUS": ProblemStatus,
    }[name]
    with translation.override("zh-hans"):
        pages = {value: str(label) for value, label in choices.choices}
    assert pages == getattr(excel, f"{name}_TEXT")
