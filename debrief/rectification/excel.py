"""The rectification ledger (整改台账) and the two Excel imports of the closed loop.

Ledger: one row per problem in the office layout, a title row "XX整改台账", headers in
row 3, frozen, printed on every page. The last column 编号 is the problem's number, so
the ledger itself can be filled in and imported back as progress.

Progress import (columns 编号, 进展说明, 完成进度, found by header anywhere in the first
rows; every other column is ignored, so the ledger and the prefilled template both
work), all or nothing:

1. the whole sheet is read and checked, every problem collected with its row number:
   headers, numbers, percent (whole number 0..100), duplicates, then against the
   database: unknown numbers (or outside what the user sees), numbers the user is not
   responsible for, empty progress text, items that no longer take progress;
2. a row that says nothing new is skipped: no text and the current percent, or the
   same text and percent as the item's latest progress (so the ledger, or the same
   file, can be imported again without adding duplicate entries);
3. if nothing is wrong, every remaining row goes through `progress_add` inside one
   transaction; a row the service still refuses rolls everything back and is reported.
   A dry run does all of this and rolls back.

Problems import (单位代码, 问题来源, 问题类别, 严重程度, 问题描述, 整改时限 optional):
the same way, through `problem_create`.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from debrief.accounts.access import Capability, orgs_for_user
from debrief.audit.models import Result
from debrief.audit.services import audit_record
from debrief.lib.errors import DomainError
from debrief.lib.xlsx import (
    SpreadsheetError,
    escape_cell,
    iter_sheet_rows,
    open_workbook_safely,
    text_cell,
    unescape_cell,
    write_rows,
)
from debrief.orgs.excel import RowError
from debrief.orgs.models import Organization
from debrief.orgs.models import Status as OrgStatus
from debrief.rectification.access import is_owner, problems_for_user
from debrief.rectification.models import (
    Category,
    EventKind,
    Problem,
    ProblemEvent,
    ProblemStatus,
    Severity,
    Source,
)
from debrief.rectification.services import ACTIVE_STATUSES, problem_create, progress_add

MAX_ROWS = 5000
MAX_COLUMNS = 60
HEADER_SEARCH_ROWS = 10
MAX_TEXT = 2000
_QUERY_CHUNK = 500

# Office wording of the choices (the spreadsheets speak Chinese whatever the UI language).
STATUS_TEXT: dict[str, str] = {
    ProblemStatus.OPEN: "待整改",
    ProblemStatus.IN_PROGRESS: "整改中",
    ProblemStatus.COMPLETED: "已完成（待核验）",
    ProblemStatus.CLOSED: "已销号",
    ProblemStatus.REOPENED: "重新整改",
}
SOURCE_TEXT: dict[str, str] = {
    Source.COMMENT: "会议点评",
    Source.EVALUATION: "民主测评",
    Source.INSPECTION: "督促检查",
    Source.SELF_CHECK: "自查",
    Source.MANUAL: "手工录入",
    Source.IMPORT: "导入",
}
CATEGORY_TEXT: dict[str, str] = {
    Category.POLITICAL: "政治建设",
    Category.RESPONSIBILITY: "党建责任落实",
    Category.ORGANIZATION_SYSTEM: "组织体系建设",
    Category.TEAM: "班子队伍建设",
    Category.MEMBERS: "党员教育管理",
    Category.SERVING_MASSES: "服务群众",
    Category.GOVERNANCE: "基层治理",
    Category.OTHER: "其他",
}
SEVERITY_TEXT: dict[str, str] = {
    Severity.SERIOUS: "严重",
    Severity.MAJOR: "较重",
    Severity.GENERAL: "一般",
}

# Sources a file may give; problems from comments and evaluations are recorded there.
IMPORTABLE_SOURCES = (Source.INSPECTION, Source.SELF_CHECK, Source.MANUAL, Source.IMPORT)
SOURCE_SYNONYMS: dict[str, str] = {
    "督查": Source.INSPECTION,
    "督查检查": Source.INSPECTION,  # the ledger's word before it took the pages' wording
    "检查": Source.INSPECTION,
    "巡察": Source.INSPECTION,
    "手工": Source.MANUAL,
    "其他": Source.MANUAL,
    "点评": Source.COMMENT,
    "测评": Source.EVALUATION,
}
CATEGORY_SYNONYMS: dict[str, str] = {
    "党建责任": Category.RESPONSIBILITY,
    "责任落实": Category.RESPONSIBILITY,
    "组织体系": Category.ORGANIZATION_SYSTEM,
    "队伍建设": Category.TEAM,
    "班子建设": Category.TEAM,
    "党员教育": Category.MEMBERS,
    "党员管理": Category.MEMBERS,
    "治理": Category.GOVERNANCE,
}
SEVERITY_SYNONYMS: dict[str, str] = {"较严重": Severity.MAJOR, "重大": Severity.SERIOUS}


def _normalize(text: str) -> str:
    """Key for comparing headers and labels: no spaces, ASCII brackets, lower case."""
    return "".join(text.split()).replace("（", "(").replace("）", ")").replace("％", "%").lower()


def _lookup(labels: dict[str, str], synonyms: dict[str, str]) -> dict[str, str]:
    table = {_normalize(str(value)): str(value) for value in labels}
    table.update({_normalize(label): str(value) for value, label in labels.items()})
    table.update({_normalize(label): str(value) for label, value in synonyms.items()})
    return table


SOURCE_LOOKUP = _lookup(SOURCE_TEXT, SOURCE_SYNONYMS)
CATEGORY_LOOKUP = _lookup(CATEGORY_TEXT, CATEGORY_SYNONYMS)
SEVERITY_LOOKUP = _lookup(SEVERITY_TEXT, SEVERITY_SYNONYMS)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return unescape_cell(str(value).strip())


# The ledger ----------------------------------------------------------------------

LEDGER_SHEET = "整改台账"
LEDGER_HEADERS = [
    "序号",
    "单位",
    "问题来源",
    "问题类别",
    "问题描述",
    "严重程度",
    "整改措施",
    "责任单位",
    "责任人",
    "责任领导",
    "整改时限",
    "整改进展（最新）",
    "完成进度",
    "状态",
    "是否逾期",
    "销号时间",
    "编号",
]
LEDGER_WIDTHS = [6, 20, 11, 13, 40, 9, 36, 18, 10, 10, 12, 36, 9, 13, 9, 12, 8]
LEDGER_HEADER_ROW = 3
PERCENT_FORMAT = '0"%"'
DATE_FORMAT = "yyyy-mm-dd"


def latest_progress_subquery() -> Subquery:
    """The text of an item's latest progress or completion entry."""
    return Subquery(
        ProblemEvent.objects.filter(
            problem=OuterRef("pk"), kind__in=[EventKind.PROGRESS, EventKind.COMPLETED]
        )
        .order_by("-at", "-pk")
        .values("text")[:1]
    )


def ledger_rows(problems: QuerySet[Problem]) -> Iterator[list[Any]]:
    """One ledger row per problem, in organization order. One query."""
    queryset = (
        problems.select_related("organization", "responsible_org")
        .annotate(latest_progress=latest_progress_subquery())
        .order_by("organization__path", "created_at", "pk")
    )
    for number, problem in enumerate(queryset.iterator(chunk_size=2000), start=1):
        responsible = problem.responsible_org or problem.organization
        closed = timezone.localtime(problem.closed_at).date() if problem.closed_at else None
        yield [
            number,
            problem.organization.name,
            SOURCE_TEXT.get(problem.source, problem.source),
            CATEGORY_TEXT.get(problem.category, problem.category),
            problem.description,
            SEVERITY_TEXT.get(problem.severity, problem.severity),
            problem.measures,
            responsible.name,
            problem.responsible_person,
            problem.responsible_leader,
            problem.deadline,
            problem.latest_progress or "",
            problem.progress,
            STATUS_TEXT.get(problem.status, problem.status),
            "是" if problem.overdue else "否",
            closed,
            problem.pk,
        ]


def ledger_workbook(problems: QuerySet[Problem], *, title: str) -> Workbook:
    """The ledger of `problems` as a printable workbook, every text cell escaped."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = LEDGER_SHEET
    last_column = len(LEDGER_HEADERS)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    sheet.merge_cells(start_row=1, end_row=1, start_column=1, end_column=last_column)
    title_cell = sheet.cell(row=1, column=1, value=escape_cell(title))
    title_cell.font = Font(bold=True, size=16)
    title_cell.alignment = center
    sheet.row_dimensions[1].height = 30
    sheet.merge_cells(start_row=2, end_row=2, start_column=1, end_column=last_column)
    stamp = sheet.cell(row=2, column=1, value=f"导出日期：{timezone.localdate().isoformat()}")
    stamp.alignment = Alignment(horizontal="right")

    header_fill = PatternFill("solid", fgColor="F0F2F4")
    sheet.append(
        [
            text_cell(
                sheet,
                header,
                font=Font(bold=True),
                alignment=center,
                border=border,
                fill=header_fill,
            )
            for header in LEDGER_HEADERS
        ]
    )
    count = 0
    for values in ledger_rows(problems):
        count += 1
        cells = []
        for index, value in enumerate(values):
            cell = text_cell(sheet, value, alignment=wrap, border=border)
            header = LEDGER_HEADERS[index]
            if header == "完成进度":
                cell.number_format = PERCENT_FORMAT
            elif isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
            cells.append(cell)
        sheet.append(cells)

    for index, width in enumerate(LEDGER_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last_letter = get_column_letter(last_column)
    sheet.freeze_panes = f"C{LEDGER_HEADER_ROW + 1}"
    sheet.print_title_rows = f"{LEDGER_HEADER_ROW}:{LEDGER_HEADER_ROW}"
    sheet.auto_filter.ref = f"A{LEDGER_HEADER_ROW}:{last_letter}{LEDGER_HEADER_ROW + count}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    if sheet.sheet_properties.pageSetUpPr is not None:
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    if sheet.oddFooter is not None and sheet.oddFooter.center is not None:
        sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    return workbook


# Reading imports -----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool


@dataclass
class _Sheet:
    """The data rows of a sheet: (Excel row number, {key: raw value})."""

    header_row: int
    headers: dict[str, str]  # key -> header as written
    rows: list[tuple[int, dict[str, Any]]]


class _Failed(Exception):
    """The write was refused part-way; everything is rolled back."""


def _header_lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in columns:
        for name in (column.header, column.key, *column.aliases):
            table[_normalize(name)] = column.key
    return table


def _read_sheet(
    worksheet: Any,
    columns: tuple[Column, ...],
    errors: list[RowError],
    *,
    unknown_headers_allowed: bool,
) -> _Sheet | None:
    """Find the header row (the first of the first rows that names the first column),
    map the columns, and read the data rows below it. None if the headers are wrong."""
    lookup = _header_lookup(columns)
    anchor = columns[0]
    anchor_names = {_normalize(n) for n in (anchor.header, anchor.key, *anchor.aliases)}
    header_row = 0
    header_cells: tuple[Any, ...] = ()
    rows_iter = iter_sheet_rows(worksheet, max_col=MAX_COLUMNS)
    for number, cells in enumerate(rows_iter, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        if anchor_names & {_normalize(_cell_text(value)) for value in cells}:
            header_row, header_cells = number, cells
            break
    rows_iter.close()
    names = "、".join(column.header for column in columns)
    if not header_row:
        errors.append(
            RowError(
                1,
                "",
                _(
                    "No header row found: one of the first %(n)d rows must hold the "
                    "column headers %(names)s."
                )
                % {"n": HEADER_SEARCH_ROWS, "names": names},
            )
        )
        return None
    positions: dict[int, str] = {}
    headers: dict[str, str] = {}
    before = len(errors)
    for index, value in enumerate(header_cells):
        text = _cell_text(value)
        if not text:
            continue
        key = lookup.get(_normalize(text))
        if key is None:
            if not unknown_headers_allowed:
                errors.append(
                    RowError(
                        header_row,
                        text,
                        _("Unknown column “%(header)s”. The columns are: %(names)s.")
                        % {"header": text, "names": names},
                    )
                )
            continue
        if key in headers:
            errors.append(
                RowError(
                    header_row,
                    text,
                    _("The column “%(header)s” appears more than once.") % {"header": text},
                )
            )
            continue
        headers[key] = text
        positions[index] = key
    for column in columns:
        if column.required and column.key not in headers:
            errors.append(
                RowError(
                    header_row,
                    column.header,
                    _("The column “%(header)s” is missing.") % {"header": column.header},
                )
            )
    if len(errors) > before:
        return None
    sheet = _Sheet(header_row=header_row, headers=headers, rows=[])
    for number, cells in enumerate(
        iter_sheet_rows(worksheet, min_row=header_row + 1, max_col=MAX_COLUMNS),
        start=header_row + 1,
    ):
        values = {key: cells[index] for index, key in positions.items() if index < len(cells)}
        if not any(_cell_text(value) for value in values.values()):
            continue
        if len(sheet.rows) >= MAX_ROWS:
            errors.append(
                RowError(
                    None,
                    "",
                    _("The file has more than %(n)s rows; split it into parts.")
                    % {"n": f"{MAX_ROWS:,}"},
                )
            )
            return None
        sheet.rows.append((number, values))
    return sheet


def _whole_number(value: Any) -> int | None:
    """An integer written as a number or as digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = unescape_cell(value.strip())
        if re.fullmatch(r"[0-9]{1,12}", text):
            return int(text)
    return None


def _percent(value: Any) -> int | None:
    """A whole number 0..100, as a number, as digits, or as digits followed by %."""
    if isinstance(value, str):
        value = value.strip().rstrip("%％").strip()
    number = _whole_number(value)
    if number is None or not 0 <= number <= 100:
        return None
    return number


def _open_first_sheet(file_obj: Any, max_bytes: int, preferred: str) -> tuple[Workbook, Any]:
    workbook = open_workbook_safely(file_obj, max_bytes=max_bytes)
    if not workbook.worksheets:
        workbook.close()
        raise SpreadsheetError(_("The workbook has no worksheet."))
    if preferred in workbook.sheetnames:
        return workbook, workbook[preferred]
    return workbook, workbook.worksheets[0]


@dataclass
class ImportResult:
    rows: int = 0
    applied: int = 0
    skipped: int = 0
    dry_run: bool = False
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "applied": self.applied, "skipped": self.skipped}


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _QUERY_CHUNK):
        yield items[start : start + _QUERY_CHUNK]


def _failed_result(result: ImportResult, errors: list[RowError]) -> ImportResult:
    errors.sort(key=lambda error: error.row or 0)
    return ImportResult(rows=result.rows, dry_run=result.dry_run, errors=errors)


def _audit_failure(action: str, user: Any, filename: str, result: ImportResult, request: Any):
    audit_record(
        action=action,
        actor=user,
        target=filename,
        result=Result.FAILED,
        detail={"rows": result.rows, "errors": len(result.errors)},
        request=request,
    )


# Progress import -----------------------------------------------------------------

PROGRESS_SHEET = "整改进展"
PROGRESS_AUDIT_ACTION = "rectification.progress_import"
PROGRESS_COLUMNS: tuple[Column, ...] = (
    Column("id", "编号", ("问题编号", "id"), True),
    Column("text", "进展说明", ("整改进展（最新）", "整改进展", "最新进展", "progress"), True),
    Column("percent", "完成进度", ("完成进度（%）", "完成进度(%)", "完成比例", "percent"), True),
)


@dataclass
class _ProgressRow:
    number: int
    problem_id: int
    text: str
    percent: int | None


def _parse_progress(sheet: _Sheet, errors: list[RowError]) -> list[_ProgressRow]:
    headers = sheet.headers
    rows: list[_ProgressRow] = []
    first_seen: dict[int, int] = {}
    for number, values in sheet.rows:
        raw_id = values.get("id")
        problem_id = _whole_number(raw_id)
        ok = True
        if problem_id is None:
            errors.append(
                RowError(
                    number,
                    headers["id"],
                    _("“%(value)s” is not a problem number.") % {"value": _cell_text(raw_id)}
                    if _cell_text(raw_id)
                    else _("The problem number is required."),
                )
            )
            ok = False
        elif problem_id in first_seen:
            errors.append(
                RowError(
                    number,
                    headers["id"],
                    _("Problem %(id)d appears more than once (first in row %(row)d).")
                    % {"id": problem_id, "row": first_seen[problem_id]},
                )
            )
            ok = False
        else:
            first_seen[problem_id] = number
        raw_percent = values.get("percent")
        percent = None
        if _cell_text(raw_percent):
            percent = _percent(raw_percent)
            if percent is None:
                errors.append(
                    RowError(
                        number,
                        headers["percent"],
                        _("“%(value)s” is not a whole number between 0 and 100.")
                        % {"value": _cell_text(raw_percent)},
                    )
                )
                ok = False
        text = _cell_text(values.get("text"))
        if len(text) > MAX_TEXT:
            errors.append(
                RowError(
                    number,
                    headers["text"],
                    _("At most %(limit)d characters are allowed (this has %(length)d).")
                    % {"limit": MAX_TEXT, "length": len(text)},
                )
            )
            ok = False
        if ok and problem_id is not None:
            rows.append(_ProgressRow(number, problem_id, text, percent))
    return rows


def _check_progress(
    rows: list[_ProgressRow], headers: dict[str, str], user: Any, errors: list[RowError]
) -> tuple[list[tuple[_ProgressRow, Problem]], int]:
    """The rows to apply with their problems, and how many rows were skipped."""
    found: dict[int, Problem] = {}
    visible = problems_for_user(user).select_related("organization")
    for batch in _chunks([row.problem_id for row in rows]):
        for problem in visible.filter(pk__in=batch).annotate(
            latest_progress=latest_progress_subquery()
        ):
            found[problem.pk] = problem
    apply: list[tuple[_ProgressRow, Problem]] = []
    skipped = 0
    for row in rows:
        problem = found.get(row.problem_id)

        def error(key: str, message: str, row: _ProgressRow = row) -> None:
            errors.append(RowError(row.number, headers[key], message))

        if problem is None:
            error("id", _("There is no problem %(id)d in your scope.") % {"id": row.problem_id})
            continue
        if not is_owner(user, problem.organization):
            error(
                "id",
                _(
                    "Problem %(id)d belongs to %(org)s; only the responsible organization "
                    "records its progress."
                )
                % {"id": problem.pk, "org": problem.organization.name},
            )
            continue
        latest = problem.latest_progress or ""  # type: ignore[attr-defined]
        same_percent = row.percent is None or row.percent == problem.progress
        if (not row.text and same_percent) or (
            row.text == latest and row.percent == problem.progress
        ):
            skipped += 1
            continue
        if not row.text:
            error("text", _("Describe the progress, or leave the percent as it was."))
            continue
        if row.percent is None:
            error("percent", _("Give the percent complete (a whole number 0 to 100)."))
            continue
        if problem.status not in ACTIVE_STATUSES:
            error(
                "id",
                _("Problem %(id)d is %(status)s: progress can no longer be added.")
                % {"id": problem.pk, "status": problem.get_status_display()},
            )
            continue
        apply.append((row, problem))
    return apply, skipped


def import_progress(
    file_obj: Any,
    *,
    user: Any,
    max_bytes: int,
    dry_run: bool = False,
    filename: str = "",
    request: HttpRequest | None = None,
    audit_failure: bool = False,
) -> ImportResult:
    """Import progress entries from a workbook, all or nothing (see the module text)."""
    result = ImportResult(dry_run=dry_run)
    errors: list[RowError] = []
    try:
        workbook, worksheet = _open_first_sheet(file_obj, max_bytes, LEDGER_SHEET)
        try:
            sheet = _read_sheet(worksheet, PROGRESS_COLUMNS, errors, unknown_headers_allowed=True)
        finally:
            workbook.close()
    except SpreadsheetError as exc:
        return ImportResult(dry_run=dry_run, errors=[RowError(None, "", exc.message)])
    if sheet is not None:
        result.rows = len(sheet.rows)
        rows = _parse_progress(sheet, errors)
        apply, result.skipped = _check_progress(rows, sheet.headers, user, errors)
        if not errors:
            try:
                with transaction.atomic():
                    for row, problem in apply:
                        try:
                            progress_add(
                                problem=problem,
                                text=row.text,
                                percent=row.percent or 0,
                                actor=user,
                                audit=False,
                            )
                        except DomainError as exc:
                            errors.append(RowError(row.number, "", exc.message))
                            raise _Failed from exc
                        result.applied += 1
                    if dry_run:
                        transaction.set_rollback(True)
                    elif apply:
                        audit_record(
                            action=PROGRESS_AUDIT_ACTION,
                            actor=user,
                            target=filename,
                            detail=result.counts(),
                            request=request,
                        )
            except _Failed:
                pass
    if errors:
        result = _failed_result(result, errors)
        if audit_failure and not dry_run:
            _audit_failure(PROGRESS_AUDIT_ACTION, user, filename, result, request)
    return result


# Problems import -----------------------------------------------------------------

PROBLEMS_SHEET = "问题清单"
PROBLEMS_AUDIT_ACTION = "rectification.problems_import"
PROBLEM_COLUMNS: tuple[Column, ...] = (
    Column("code", "单位代码", ("组织代码", "代码", "code"), True),
    Column("source", "问题来源", ("来源", "source"), True),
    Column("category", "问题类别", ("类别", "category"), True),
    Column("severity", "严重程度", ("severity",), True),
    Column("description", "问题描述", ("问题", "description"), True),
    Column("deadline", "整改时限", ("时限", "deadline"), False),
)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass
class _ProblemRow:
    number: int
    code: str
    source: str
    category: str
    severity: str
    description: str
    deadline: datetime.date | None


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in _DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    return None


def _choice(
    text: str,
    lookup: dict[str, str],
    labels: dict[str, str],
    allowed: tuple[str, ...] | None = None,
) -> tuple[str | None, str]:
    """(value, error message)"""
    shown = "、".join(labels[value] for value in (allowed or tuple(labels)))
    value = lookup.get(_normalize(text))
    if value is None or (allowed is not None and value not in allowed):
        return None, _("Unknown value “%(value)s”. Allowed: %(allowed)s.") % {
            "value": text,
            "allowed": shown,
        }
    return value, ""


def _parse_problems(sheet: _Sheet, errors: list[RowError]) -> list[_ProblemRow]:
    headers = sheet.headers
    rows: list[_ProblemRow] = []
    first_seen: dict[tuple[str, str], int] = {}
    for number, values in sheet.rows:
        before = len(errors)

        def error(key: str, message: str, number: int = number) -> None:
            errors.append(RowError(number, headers.get(key, key), message))

        code = _cell_text(values.get("code"))
        if not code:
            error("code", _("The organization code is required."))
        source_text = _cell_text(values.get("source"))
        source: str | None = Source.IMPORT
        if source_text:
            source, message = _choice(source_text, SOURCE_LOOKUP, SOURCE_TEXT, IMPORTABLE_SOURCES)
            if message:
                error("source", message)
        category_text = _cell_text(values.get("category"))
        category: str | None = None
        if not category_text:
            error(
                "category",
                _("The category is required. Allowed: %(allowed)s.")
                % {"allowed": "、".join(CATEGORY_TEXT.values())},
            )
        else:
            category, message = _choice(category_text, CATEGORY_LOOKUP, CATEGORY_TEXT)
            if message:
                error("category", message)
        severity_text = _cell_text(values.get("severity"))
        severity: str | None = Severity.GENERAL
        if severity_text:
            severity, message = _choice(severity_text, SEVERITY_LOOKUP, SEVERITY_TEXT)
            if message:
                error("severity", message)
        description = _cell_text(values.get("description"))
        if not description:
            error("description", _("Describe the problem."))
        elif len(description) > MAX_TEXT:
            error(
                "description",
                _("At most %(limit)d characters are allowed (this has %(length)d).")
                % {"limit": MAX_TEXT, "length": len(description)},
            )
        raw_deadline = values.get("deadline")
        deadline = None
        if _cell_text(raw_deadline):
            deadline = _date(raw_deadline)
            if deadline is None:
                error(
                    "deadline",
                    _("“%(value)s” is not a date; write it as 2026-06-30.")
                    % {"value": _cell_text(raw_deadline)},
                )
        key = (code, description)
        if code and description:
            if key in first_seen:
                error(
                    "description",
                    _("The same problem of the same organization is already in row %(row)d.")
                    % {"row": first_seen[key]},
                )
            else:
                first_seen[key] = number
        if len(errors) == before:
            assert source is not None and category is not None and severity is not None
            rows.append(
                _ProblemRow(number, code, source, category, severity, description, deadline)
            )
    return rows


def _check_problem_orgs(
    rows: list[_ProblemRow], headers: dict[str, str], user: Any, errors: list[RowError]
) -> dict[str, Organization]:
    allowed = orgs_for_user(user, Capability.REPORT_WRITE)
    found: dict[str, Organization] = {}
    for batch in _chunks(sorted({row.code for row in rows})):
        for org in allowed.filter(code__in=batch):
            found[org.code] = org
    for row in rows:
        match = found.get(row.code)
        if match is None:
            errors.append(
                RowError(
                    row.number,
                    headers["code"],
                    _("Unknown organization code “%(code)s”, or not one you record problems for.")
                    % {"code": row.code},
                )
            )
        elif match.status != OrgStatus.ACTIVE:
            errors.append(
                RowError(
                    row.number,
                    headers["code"],
                    _("%(org)s is %(status)s.")
                    % {"org": match.name, "status": match.get_status_display()},
                )
            )
    return found


def import_problems(
    file_obj: Any,
    *,
    user: Any,
    max_bytes: int,
    cycle: Any = None,
    dry_run: bool = False,
    filename: str = "",
    request: HttpRequest | None = None,
    audit_failure: bool = False,
) -> ImportResult:
    """Import problems from a workbook, all or nothing."""
    result = ImportResult(dry_run=dry_run)
    errors: list[RowError] = []
    try:
        workbook, worksheet = _open_first_sheet(file_obj, max_bytes, PROBLEMS_SHEET)
        try:
            sheet = _read_sheet(worksheet, PROBLEM_COLUMNS, errors, unknown_headers_allowed=False)
        finally:
            workbook.close()
    except SpreadsheetError as exc:
        return ImportResult(dry_run=dry_run, errors=[RowError(None, "", exc.message)])
    if sheet is not None:
        result.rows = len(sheet.rows)
        rows = _parse_problems(sheet, errors)
        orgs = _check_problem_orgs(rows, sheet.headers, user, errors)
        if not errors:
            try:
                with transaction.atomic():
                    for row in rows:
                        try:
                            problem_create(
                                organization=orgs[row.code],
                                category=row.category,
                                severity=row.severity,
                                description=row.description,
                                source=row.source,
                                cycle=cycle,
                                deadline=row.deadline,
                                actor=user,
                                audit=False,
                            )
                        except DomainError as exc:
                            errors.append(RowError(row.number, "", exc.message))
                            raise _Failed from exc
                        result.applied += 1
                    if dry_run:
                        transaction.set_rollback(True)
                    elif rows:
                        audit_record(
                            action=PROBLEMS_AUDIT_ACTION,
                            actor=user,
                            target=filename,
                            detail=result.counts(),
                            request=request,
                        )
            except _Failed:
                pass
    if errors:
        result = _failed_result(result, errors)
        if audit_failure and not dry_run:
            _audit_failure(PROBLEMS_AUDIT_ACTION, user, filename, result, request)
    return result


# Templates -----------------------------------------------------------------------

INSTRUCTIONS_SHEET = "说明"


def _instructions(workbook: Workbook, rows: list[list[str]]) -> None:
    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        write_rows(notes, [row], **({"font": bold} if index == 0 else {}))


def progress_template_workbook(problems: QuerySet[Problem]) -> Workbook:
    """The progress workbook, prefilled with `problems` (the user's active items): number,
    organization and description for reference, the current percent, and an empty
    progress column to fill in."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = PROGRESS_SHEET
    bold = Font(bold=True)
    write_rows(sheet, [["编号", "单位", "问题描述", "进展说明", "完成进度"]], font=bold)
    wrap = Alignment(wrap_text=True, vertical="top")
    queryset = problems.select_related("organization").order_by(
        "organization__path", "created_at", "pk"
    )
    for problem in queryset.iterator(chunk_size=2000):
        write_rows(
            sheet,
            [[problem.pk, problem.organization.name, problem.description, "", problem.progress]],
            alignment=wrap,
        )
    for letter, width in {"A": 8, "B": 20, "C": 44, "D": 50, "E": 10}.items():
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    _instructions(
        workbook,
        [
            [_("How to fill in the progress workbook")],
            ["编号", _("The problem's number, as in the ledger. Do not change it.")],
            ["进展说明", _("What has been done since the last entry. Required for a new entry.")],
            ["完成进度", _("Percent complete: a whole number from 0 to 100.")],
            [
                _("Rules"),
                _(
                    "Other columns (单位, 问题描述) are for reference and are not read. The "
                    "ledger (整改台账) can be imported as well. Rows with no progress text "
                    "and an unchanged percent, or exactly the latest progress, are skipped. "
                    "The whole file is checked first; if any row has a problem, nothing is "
                    "imported and every problem is listed with its row number. Completion "
                    "with evidence is recorded on the problem's page."
                ),
            ],
        ],
    )
    return workbook


PROBLEMS_TEMPLATE_HEADERS = [column.header for column in PROBLEM_COLUMNS]
PROBLEMS_TEMPLATE_EXAMPLE: list[list[Any]] = [
    ["T001", "督促检查", "组织体系建设", "较重", "部分村党支部“三会一课”记录不全", "2026-06-30"],
    ["V001", "自查", "党员教育管理", "一般", "流动党员联系不经常", None],
]


def problems_template_workbook() -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = PROBLEMS_SHEET
    bold = Font(bold=True)
    write_rows(sheet, [PROBLEMS_TEMPLATE_HEADERS], font=bold)
    widths = {"A": 12, "B": 12, "C": 16, "D": 10, "E": 50, "F": 14}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    sheet.column_dimensions["A"].number_format = "@"
    sheet.freeze_panes = "A2"
    example = workbook.create_sheet("示例")
    write_rows(example, [PROBLEMS_TEMPLATE_HEADERS], font=bold)
    write_rows(example, PROBLEMS_TEMPLATE_EXAMPLE)
    for letter, width in widths.items():
        example.column_dimensions[letter].width = width
    _instructions(
        workbook,
        [
            [_("How to fill in the problems workbook")],
            ["单位代码", _("The code of the organization the problem belongs to.")],
            [
                "问题来源",
                "、".join(SOURCE_TEXT[s] for s in IMPORTABLE_SOURCES)
                + " "
                + _("(empty: %(value)s)") % {"value": SOURCE_TEXT[Source.IMPORT]},
            ],
            ["问题类别", "、".join(CATEGORY_TEXT.values())],
            [
                "严重程度",
                "、".join(SEVERITY_TEXT.values())
                + " "
                + _("(empty: %(value)s)") % {"value": SEVERITY_TEXT[Severity.GENERAL]},
            ],
            ["问题描述", _("Required.")],
            ["整改时限", _("Optional: a date such as 2026-06-30.")],
            [
                _("Rules"),
                _(
                    "One problem per row, headers in the first row. The whole file is "
                    "checked first; if any row has a problem, nothing is imported and "
                    "every problem is listed with its row number."
                ),
            ],
        ],
    )
    return workbook
