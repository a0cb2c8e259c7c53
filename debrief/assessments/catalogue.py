"""The indicator catalogue workbook (考核指标表): import and the blank template.

One sheet (the one named 指标 if there is one, else the first), one item per row,
headers in row 1:

    类别 | 编码 | 指标名称 | 分值 | 评分标准 | 适用领域

English headers (category, code, name, max_points, criteria, fields) are accepted too.
适用领域 lists fields separated by commas or 、 (Chinese labels as in the organization
workbook, or the codes); empty means every field.

Import is an upsert by code, all or nothing: every row is read and checked first and
each problem is reported with its Excel row number; only a file without problems is
written, through `indicator_save`, in one transaction. A row the service still refuses
(for example a lower maximum than a score already entered) rolls the whole file back
and is reported against its row.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from debrief.assessments.models import Indicator, IndicatorCategory, ResultSet, ResultStatus
from debrief.assessments.services import MAX_INDICATOR_POINTS, indicator_save
from debrief.cycles.models import Cycle
from debrief.lib.errors import DomainError
from debrief.lib.xlsx import (
    SpreadsheetError,
    iter_sheet_rows,
    open_workbook_safely,
    unescape_cell,
    write_rows,
)
from debrief.orgs.excel import FIELD_LABELS, FIELD_LOOKUP

SHEET_NAME = "指标"
EXAMPLE_SHEET_NAME = "示例"
MAX_ROWS = 2000
MAX_COLUMNS = 30
FIELD_SEPARATORS = (",", "，", "、", ";", "；", "\n")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    english: str
    required: bool  # the column must be present


COLUMNS: tuple[Column, ...] = (
    Column("category", "类别", "category", True),
    Column("code", "编码", "code", True),
    Column("name", "指标名称", "name", True),
    Column("max_points", "分值", "max_points", True),
    Column("criteria", "评分标准", "criteria", False),
    Column("fields", "适用领域", "fields", False),
)
HEADERS = [column.header for column in COLUMNS]
LIMITS = {
    "category": IndicatorCategory._meta.get_field("name").max_length or 100,
    "code": Indicator._meta.get_field("code").max_length or 20,
    "name": Indicator._meta.get_field("name").max_length or 200,
}


def _normalize(text: str) -> str:
    return "".join(text.split()).replace("（", "(").replace("）", ")").lower()


HEADER_LOOKUP = {
    **{_normalize(column.header): column.key for column in COLUMNS},
    **{_normalize(column.english): column.key for column in COLUMNS},
    _normalize("指标"): "name",
    _normalize("名称"): "name",
    _normalize("代码"): "code",
    _normalize("领域"): "fields",
}
COLUMN_HEADER = {column.key: column.header for column in COLUMNS}


@dataclass(frozen=True)
class RowError:
    """One problem; `row` is the Excel row number (1 = the headers), None for the file."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return _("Row %(row)d [%(column)s]: %(message)s") % {
            "row": self.row,
            "column": self.column or "—",
            "message": self.message,
        }


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ItemRow:
    number: int
    category: str
    code: str
    name: str
    max_points: Decimal
    criteria: str
    fields: list[str]


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


def _points(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def parse_fields(text: str) -> tuple[list[str], list[str]]:
    """(field codes, unknown parts) of a 适用领域 cell."""
    for separator in FIELD_SEPARATORS[1:]:
        text = text.replace(separator, FIELD_SEPARATORS[0])
    found: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in text.split(FIELD_SEPARATORS[0])):
        if not part:
            continue
        value = FIELD_LOOKUP.get(_normalize(part))
        if value is None:
            unknown.append(part)
        elif value not in found:
            found.append(value)
    return found, unknown


def choose_sheet(workbook: Any) -> Any:
    if SHEET_NAME in workbook.sheetnames:
        return workbook[SHEET_NAME]
    return workbook.worksheets[0]


def parse_sheet(worksheet: Any) -> tuple[list[ItemRow], list[RowError]]:
    rows_iter = iter_sheet_rows(worksheet, max_col=MAX_COLUMNS + 1)
    header_cells = next(rows_iter, None)
    rows_iter.close()
    if header_cells is None or not any(_cell_text(v) for v in header_cells):
        return [], [RowError(1, "", _("The first row must hold the column headers."))]
    positions: dict[int, str] = {}
    errors: list[RowError] = []
    seen: set[str] = set()
    allowed = "、".join(HEADERS)
    for index, raw in enumerate(header_cells):
        text = _cell_text(raw)
        if not text:
            continue
        key = HEADER_LOOKUP.get(_normalize(text))
        if key is None:
            errors.append(
                RowError(
                    1,
                    text,
                    _("Unknown column “%(header)s”. The columns are: %(allowed)s.")
                    % {"header": text, "allowed": allowed},
                )
            )
        elif key in seen:
            errors.append(
                RowError(
                    1, text, _("The column “%(header)s” appears more than once.") % {"header": text}
                )
            )
        else:
            seen.add(key)
            positions[index] = key
    for column in COLUMNS:
        if column.required and column.key not in seen:
            errors.append(
                RowError(
                    1,
                    column.header,
                    _("The column “%(header)s” is missing.") % {"header": column.header},
                )
            )
    if errors:
        return [], errors

    items: list[ItemRow] = []
    count = 0
    for number, cells in enumerate(iter_sheet_rows(worksheet, min_row=2, max_col=MAX_COLUMNS), 2):
        if not any(_cell_text(value) for value in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            return [], [
                RowError(
                    None,
                    "",
                    _("The file has more than %(n)d items; a catalogue is never that long.")
                    % {"n": MAX_ROWS},
                )
            ]
        item = _read_row(number, cells, positions, errors)
        if item is not None:
            items.append(item)
    _check_duplicates(items, errors)
    errors.sort(key=lambda error: error.row or 0)
    return items, errors


def _read_row(
    number: int, cells: tuple[Any, ...], positions: dict[int, str], errors: list[RowError]
) -> ItemRow | None:
    before = len(errors)

    def error(key: str, message: str) -> None:
        errors.append(RowError(number, COLUMN_HEADER.get(key, ""), message))

    raw: dict[str, Any] = {}
    for index, value in enumerate(cells):
        key = positions.get(index)
        if key is None:
            if _cell_text(value):
                errors.append(
                    RowError(number, "", _("There is a value in a column without a header."))
                )
            continue
        raw[key] = value
    text = {key: _cell_text(raw.get(key)) for key in ("category", "code", "name", "criteria")}
    for key, message in (
        ("category", _("The category is required.")),
        ("code", _("The code is required.")),
        ("name", _("The name of the item is required.")),
    ):
        if not text[key]:
            error(key, message)
        elif len(text[key]) > LIMITS[key]:
            error(
                key,
                _("At most %(limit)d characters are allowed (this has %(length)d).")
                % {"limit": LIMITS[key], "length": len(text[key])},
            )
    points = _points(raw.get("max_points"))
    if _cell_text(raw.get("max_points")) == "":
        error("max_points", _("The points are required."))
    elif (
        points is None
        or not Decimal(0) < points <= MAX_INDICATOR_POINTS
        or points != points.quantize(Decimal("0.01"))
    ):
        error(
            "max_points",
            _("“%(value)s” is not a positive number up to %(max)s with at most two decimals.")
            % {"value": _cell_text(raw.get("max_points")), "max": MAX_INDICATOR_POINTS},
        )
    fields, unknown = parse_fields(_cell_text(raw.get("fields")))
    if unknown:
        error(
            "fields",
            _("Unknown field “%(value)s”. Allowed: %(allowed)s (empty: every field).")
            % {"value": "、".join(unknown), "allowed": "、".join(FIELD_LABELS.values())},
        )
    if len(errors) != before or points is None:
        return None
    return ItemRow(
        number=number,
        category=text["category"],
        code=text["code"],
        name=text["name"],
        max_points=points,
        criteria=text["criteria"],
        fields=fields,
    )


def _check_duplicates(items: list[ItemRow], errors: list[RowError]) -> None:
    numbers: dict[str, list[int]] = {}
    for item in items:
        numbers.setdefault(item.code, []).append(item.number)
    for item in items:
        if len(numbers[item.code]) > 1:
            errors.append(
                RowError(
                    item.number,
                    COLUMN_HEADER["code"],
                    _("The code “%(code)s” appears more than once (rows %(rows)s).")
                    % {"code": item.code, "rows": ", ".join(map(str, numbers[item.code]))},
                )
            )


class _Failed(Exception):
    """Raised inside the transaction to roll it back."""


def import_rows(items: list[ItemRow], *, cycle: Cycle, user: Any) -> ImportResult:
    """Write checked rows in one transaction; any refusal rolls everything back."""
    result = ImportResult(rows=len(items))
    result_set = ResultSet.objects.filter(cycle=cycle).first()
    if result_set is not None and result_set.status != ResultStatus.DRAFT:
        result.errors.append(
            RowError(None, "", _("The results are approved; the catalogue can no longer change."))
        )
        return result
    existing = {i.code: i for i in Indicator.objects.filter(category__cycle=cycle)}
    try:
        with transaction.atomic():
            for position, item in enumerate(items):
                indicator = existing.get(item.code)
                try:
                    indicator_save(
                        cycle=cycle,
                        category=item.category,
                        code=item.code,
                        name=item.name,
                        max_points=item.max_points,
                        criteria=item.criteria,
                        fields=item.fields,
                        indicator=indicator,
                        order=position,
                        actor=user,
                    )
                except DomainError as exc:
                    result.errors.append(RowError(item.number, "", exc.message))
                    raise _Failed from exc
                if indicator is None:
                    result.created += 1
                else:
                    result.updated += 1
    except _Failed:
        return ImportResult(rows=len(items), errors=result.errors)
    return result


def import_catalogue(file_obj: Any, *, cycle: Cycle, user: Any, max_bytes: int) -> ImportResult:
    """Import a catalogue workbook into `cycle`: all rows or none."""
    try:
        workbook = open_workbook_safely(file_obj, max_bytes=max_bytes)
        try:
            if not workbook.worksheets:
                raise SpreadsheetError(_("The workbook has no worksheet."))
            items, errors = parse_sheet(choose_sheet(workbook))
        finally:
            workbook.close()
    except SpreadsheetError as exc:
        return ImportResult(errors=[RowError(None, "", exc.message)])
    if errors:
        return ImportResult(rows=len(items), errors=errors)
    if not items:
        return ImportResult(errors=[RowError(None, "", _("The file contains no items."))])
    return import_rows(items, cycle=cycle, user=user)


TEMPLATE_EXAMPLE: list[list[Any]] = [
    ["基础工作", "1.1", "组织生活", 30, "“三会一课”按时召开，缺一次扣2分", "农村、城市社区"],
    ["基础工作", "1.2", "党建责任", 20, "书记履行第一责任人职责", ""],
    ["队伍建设", "2.1", "党员教育", 10, "年度培训全覆盖", "机关"],
]


def template_workbook() -> Workbook:
    """A workbook to fill in: the 指标 sheet (headers only) and an example sheet."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_NAME
    bold = Font(bold=True)
    widths = {"A": 16, "B": 10, "C": 30, "D": 8, "E": 50, "F": 24}
    for target, rows in (
        (sheet, []),
        (workbook.create_sheet(EXAMPLE_SHEET_NAME), TEMPLATE_EXAMPLE),
    ):
        write_rows(target, [HEADERS], font=bold)
        write_rows(target, rows)
        for letter, width in widths.items():
            target.column_dimensions[letter].width = width
        target.column_dimensions["B"].number_format = "@"  # codes such as 1.10 stay text
        target.freeze_panes = "A2"
    return workbook
