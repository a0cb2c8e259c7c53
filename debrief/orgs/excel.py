"""The organization workbook (组织架构表): import, export and the blank template.

One sheet, one organization per row, header in row 1:

    代码 | 名称 | 简称 | 上级代码 | 层级 | 领域 | 状态

English headers (code, name, short_name, parent_code, level, field, status) are
accepted too. Import reads the sheet named 组织 if there is one, else the first sheet.

Import is an upsert by code, all or nothing:

1. the whole file is read and validated against the *final* tree (file rows override
   the database), and every problem is collected with its Excel row number;
2. if there is none, the rows are written in topological order (parents first) through
   the organization services, inside one transaction; a service that still refuses a
   row (an intermediate state the final-state checks could not foresee, a concurrent
   change) rolls everything back and is reported against that row;
3. a dry run ("check only") runs step 2 as well and then rolls it back.

Import never changes an organization's status: dissolving and merging are done one
organization at a time on purpose. The 状态 column, when present, must repeat the
current status (正常 for new rows).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from django.db import DatabaseError, models, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font

from debrief.accounts.access import Capability, Scope, scope_for
from debrief.audit.models import Result
from debrief.audit.services import audit_record
from debrief.lib.errors import DomainError
from debrief.lib.xlsx import (
    SpreadsheetError,
    iter_sheet_rows,
    open_workbook_safely,
    unescape_cell,
    write_rows,
)
from debrief.orgs.models import (
    ALLOWED_FIELDS,
    ALLOWED_PARENT_LEVELS,
    MAX_DEPTH,
    SEGMENT_LENGTH,
    Field,
    Level,
    Organization,
    Status,
)
from debrief.orgs.services import (
    BatchError,
    NewOrganization,
    org_move,
    org_update,
    orgs_create,
    placement_error,
)

logger = logging.getLogger(__name__)

SHEET_NAME = "组织"
EXAMPLE_SHEET_NAME = "示例"
INSTRUCTIONS_SHEET_NAME = "说明"
MAX_ROWS = 50_000
MAX_COLUMNS = 50
AUDIT_ACTION = "orgs.import"
_QUERY_CHUNK = 500


# Columns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # written on export; the office format is Chinese
    english: str
    header_required: bool  # the column must be present (its cells may still be empty)


COLUMNS: tuple[Column, ...] = (
    Column("code", "代码", "code", True),
    Column("name", "名称", "name", True),
    Column("short_name", "简称", "short_name", False),
    Column("parent_code", "上级代码", "parent_code", True),
    Column("level", "层级", "level", True),
    Column("field", "领域", "field", True),
    Column("status", "状态", "status", False),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
EXPORT_HEADERS = [column.header for column in COLUMNS]


def _max_length(key: str) -> int:
    model_field = Organization._meta.get_field("code" if key == "parent_code" else key)
    assert isinstance(model_field, models.CharField) and model_field.max_length is not None
    return model_field.max_length


# Values --------------------------------------------------------------------------

# The labels written on export (and shown in the template's instructions).
LEVEL_LABELS: dict[str, str] = {
    Level.PROVINCE: "省",
    Level.CITY: "市",
    Level.COUNTY: "县（市、区）",
    Level.TOWNSHIP: "乡镇（街道）",
    Level.VILLAGE: "村（社区）",
    Level.UNIT: "直属单位",
}
FIELD_LABELS: dict[str, str] = {
    Field.GENERAL: "综合",
    Field.RURAL: "农村",
    Field.URBAN: "城市社区",
    Field.ORGAN: "机关",
    Field.SOE: "国有企业",
    Field.PUBLIC_INSTITUTION: "事业单位",
    Field.TWO_NEW: "两新组织",
}
STATUS_LABELS: dict[str, str] = {
    Status.ACTIVE: "正常",
    Status.DISSOLVED: "已撤销",
    Status.MERGED: "已合并",
}

# Everything accepted on import besides the labels above and the English codes.
LEVEL_SYNONYMS: dict[str, str] = {
    "省级": Level.PROVINCE,
    "市级": Level.CITY,
    "县": Level.COUNTY,
    "县级": Level.COUNTY,
    "乡镇": Level.TOWNSHIP,
    "街道": Level.TOWNSHIP,
    "村": Level.VILLAGE,
    "社区": Level.VILLAGE,
}
FIELD_SYNONYMS: dict[str, str] = {
    "城市": Field.URBAN,
    "国企": Field.SOE,
    "两新": Field.TWO_NEW,
}
STATUS_SYNONYMS: dict[str, str] = {
    "撤销": Status.DISSOLVED,
    "合并": Status.MERGED,
}


def _normalize(text: str) -> str:
    """Key for looking up labels: no spaces, ASCII brackets, lower case."""
    return "".join(text.split()).replace("（", "(").replace("）", ")").lower()


def _lookup(labels: dict[str, str], synonyms: dict[str, str]) -> dict[str, str]:
    table = {_normalize(code): code for code in labels}
    table.update({_normalize(label): code for code, label in labels.items()})
    table.update({_normalize(label): code for label, code in synonyms.items()})
    return table


LEVEL_LOOKUP = _lookup(LEVEL_LABELS, LEVEL_SYNONYMS)
FIELD_LOOKUP = _lookup(FIELD_LABELS, FIELD_SYNONYMS)
STATUS_LOOKUP = _lookup(STATUS_LABELS, STATUS_SYNONYMS)
HEADER_LOOKUP: dict[str, str] = {
    **{_normalize(column.header): column.key for column in COLUMNS},
    **{_normalize(column.english): column.key for column in COLUMNS},
}


# Results -------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem. `row` is the Excel row number (1 = header), None for the file."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if not self.column:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return _("Row %(row)d [%(column)s]: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0
    dry_run: bool = False
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.moved)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "moved": self.moved,
            "unchanged": self.unchanged,
        }


@dataclass
class OrgRow:
    """One data row as read from the sheet. None means "column absent or unreadable"."""

    number: int
    code: str
    name: str
    short_name: str | None
    parent_code: str
    level: str | None
    field: str | None
    status: str | None
    valid: bool = True  # False: the row has errors of its own; it is only used as a parent


@dataclass
class ParsedSheet:
    rows: list[OrgRow]
    errors: list[RowError]
    headers: dict[str, str]  # column key -> header text as written in the file

    def column(self, key: str) -> str:
        return self.headers.get(key) or COLUMNS_BY_KEY[key].header


# Reading -------------------------------------------------------------------------


def choose_sheet(workbook: Any) -> Any:
    """The sheet named 组织 if there is one, else the first sheet."""
    if SHEET_NAME in workbook.sheetnames:
        return workbook[SHEET_NAME]
    return workbook.worksheets[0]


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


def _is_mangled_number(value: Any) -> bool:
    """A code that Excel has turned into a number and may have rounded."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return (isinstance(value, float) and not value.is_integer()) or abs(value) >= 10**15


def parse_sheet(worksheet: Any) -> ParsedSheet:
    """Read and check every row of `worksheet` that can be checked without the database."""
    rows_iter = iter_sheet_rows(worksheet, max_col=MAX_COLUMNS + 1)
    header_cells = next(rows_iter, None)
    rows_iter.close()
    if header_cells is None or not any(_cell_text(value) for value in header_cells):
        return ParsedSheet(
            rows=[],
            errors=[RowError(1, "", _("The first row must hold the column headers."))],
            headers={},
        )
    positions, headers, errors = _read_headers(header_cells)
    if errors:
        return ParsedSheet(rows=[], errors=errors, headers=headers)
    parsed = ParsedSheet(rows=[], errors=errors, headers=headers)
    count = 0
    # Read past the last header, so that values in columns without a header show up.
    data_rows = iter_sheet_rows(worksheet, min_row=2, max_col=MAX_COLUMNS)
    for number, cells in enumerate(data_rows, start=2):
        if not any(_cell_text(value) for value in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            return ParsedSheet(
                rows=[],
                errors=[
                    RowError(
                        None,
                        "",
                        _("The file has more than %(n)s organizations; split it into parts.")
                        % {"n": f"{MAX_ROWS:,}"},
                    )
                ],
                headers=headers,
            )
        row = _read_row(number, cells, positions, parsed)
        if row is not None:
            parsed.rows.append(row)
    return parsed


def _read_headers(
    header_cells: tuple[Any, ...],
) -> tuple[dict[int, str], dict[str, str], list[RowError]]:
    errors: list[RowError] = []
    positions: dict[int, str] = {}  # 0-based column index -> key, or "" (no header)
    headers: dict[str, str] = {}
    texts = [_cell_text(value) for value in header_cells]
    while texts and not texts[-1]:
        texts.pop()
    if len(texts) > MAX_COLUMNS:
        errors.append(
            RowError(1, "", _("The sheet has more than %(n)d columns.") % {"n": MAX_COLUMNS})
        )
        return positions, headers, errors
    allowed = "、".join(EXPORT_HEADERS)
    for index, text in enumerate(texts):
        if not text:
            positions[index] = ""
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
        elif key in headers:
            errors.append(
                RowError(
                    1,
                    text,
                    _("The column “%(header)s” appears more than once.") % {"header": text},
                )
            )
        else:
            headers[key] = text
            positions[index] = key
    for column in COLUMNS:
        if column.header_required and column.key not in headers:
            errors.append(
                RowError(
                    1,
                    column.header,
                    _("The column “%(header)s” is missing.") % {"header": column.header},
                )
            )
    return positions, headers, errors


def _read_row(
    number: int, cells: tuple[Any, ...], positions: dict[int, str], parsed: ParsedSheet
) -> OrgRow | None:
    """One data row, or None if it has no usable code. Errors go to `parsed.errors`."""
    errors_before = len(parsed.errors)

    def error(key: str, message: str) -> None:
        parsed.errors.append(RowError(number, parsed.column(key), message))

    values: dict[str, str] = {key: "" for key in positions.values() if key}
    stray = False
    for index, raw in enumerate(cells):
        key = positions.get(index, "")
        if not key:
            stray = stray or bool(_cell_text(raw))
        elif key in ("code", "parent_code") and _is_mangled_number(raw):
            del values[key]
            error(
                key,
                _(
                    "Excel has turned the code “%(value)s” into a number. Format the column "
                    "as text and enter the code again."
                )
                % {"value": raw},
            )
        else:
            values[key] = _cell_text(raw)

    if stray:
        parsed.errors.append(
            RowError(number, "", _("There is a value in a column without a header."))
        )
    for key, label in (("code", _("The code is required.")), ("name", _("The name is required."))):
        if key in values and not values[key]:
            error(key, label)
    for key in ("code", "name", "short_name", "parent_code"):
        length, limit = len(values.get(key, "")), _max_length(key)
        if length > limit:
            error(
                key,
                _("At most %(limit)d characters are allowed (this has %(length)d).")
                % {"limit": limit, "length": length},
            )
    level = _choice(values.get("level", ""), "level", LEVEL_LOOKUP, LEVEL_LABELS, error)
    org_field = _choice(values.get("field", ""), "field", FIELD_LOOKUP, FIELD_LABELS, error)
    if level and org_field:
        combination = placement_error(level=level, field=org_field, parent_level=None)
        if combination:
            error("field", combination)
    status = None
    if values.get("status"):
        status = _choice(values["status"], "status", STATUS_LOOKUP, STATUS_LABELS, error)

    code = values.get("code", "")
    if not code or len(code) > _max_length("code"):
        return None
    return OrgRow(
        number=number,
        code=code,
        name=values.get("name", ""),
        short_name=values.get("short_name") if "short_name" in parsed.headers else None,
        parent_code=values.get("parent_code", ""),
        level=level,
        field=org_field,
        status=status,
        valid=len(parsed.errors) == errors_before,
    )


def _choice(
    text: str,
    key: str,
    lookup: dict[str, str],
    labels: dict[str, str],
    error: Any,
) -> str | None:
    allowed = "、".join(labels.values())
    if not text:
        error(key, _("This value is required. Allowed: %(allowed)s.") % {"allowed": allowed})
        return None
    value = lookup.get(_normalize(text))
    if value is None:
        error(
            key,
            _("Unknown value “%(value)s”. Allowed: %(allowed)s.")
            % {"value": text, "allowed": allowed},
        )
    return value


# Validating and writing ----------------------------------------------------------

_UNRESOLVED = "\x00unresolved"  # final parent of a row whose parent code is unusable


class _Failed(Exception):
    """Raised inside the transaction to roll it back."""


@dataclass
class _Plan:
    row: OrgRow
    existing: Organization | None
    changes: list[str] = dataclasses.field(default_factory=list)  # descriptive fields that change
    moves: bool = False

    @property
    def unchanged(self) -> bool:
        return self.existing is not None and not self.changes and not self.moves


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == _QUERY_CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


class _Importer:
    """Checks parsed rows against the database, then writes them. One use only.

    `user` None is the system (management command): full rights, including new
    top-level organizations."""

    def __init__(self, parsed: ParsedSheet, user: Any) -> None:
        self.parsed = parsed
        self.scope: Scope | None = None if user is None else scope_for(user)
        self.superuser = user is None or bool(getattr(user, "is_superuser", False))
        self.errors: list[RowError] = list(parsed.errors)
        self.rows: dict[str, OrgRow] = {}  # first row of each code
        self.by_code: dict[str, Organization] = {}
        self.by_path: dict[str, Organization] = {}
        self.usable: set[str] = set()  # codes of rows that every check may look at
        self.resolved: set[str] = set()  # codes of rows whose parent code is usable
        self.depth: dict[str, int | None] = {}
        self.plans: list[_Plan] = []

    # helpers

    def error(self, row: OrgRow, key: str, message: str) -> None:
        column = self.parsed.column(key) if key else ""
        self.errors.append(RowError(row.number, column, message))

    def can_view(self, org: Organization) -> bool:
        return self.scope is None or self.scope.allows(org, Capability.VIEW)

    def can_edit(self, org: Organization) -> bool:
        return self.scope is None or self.scope.allows(org, Capability.EDIT)

    def db_parent_code(self, org: Organization) -> str:
        if org.depth <= 1:
            return ""
        return self.by_path[org.path[:-SEGMENT_LENGTH]].code

    def final_parent(self, code: str) -> str | None:
        """The parent code after the import; None for a root, _UNRESOLVED if unknown."""
        row = self.rows.get(code)
        if row is not None:
            if code not in self.resolved:
                return _UNRESOLVED
            return row.parent_code or None
        return self.db_parent_code(self.by_code[code]) or None

    def final_level(self, code: str) -> str | None:
        row = self.rows.get(code)
        if row is not None:
            return row.level if row.valid else None
        return self.by_code[code].level

    # validation

    def validate(self) -> None:
        self._index_rows()
        self._load()
        for row in self.rows.values():
            self._check_identity(row)
        for row in self.rows.values():
            if self._resolve_parent(row):
                self.resolved.add(row.code)
        self._walk()
        for code, row in self.rows.items():
            if code in self.usable:
                self._plan(row)
        self._check_children_of_level_changes()
        self.errors.sort(key=lambda error: error.row or 0)

    def _index_rows(self) -> None:
        numbers: dict[str, list[int]] = {}
        for row in self.parsed.rows:
            numbers.setdefault(row.code, []).append(row.number)
            self.rows.setdefault(row.code, row)
        for row in self.parsed.rows:
            if len(numbers[row.code]) > 1:
                self.error(
                    row,
                    "code",
                    _("The code “%(code)s” appears more than once (rows %(rows)s).")
                    % {"code": row.code, "rows": ", ".join(map(str, numbers[row.code]))},
                )
        self.usable = {
            code for code, row in self.rows.items() if row.valid and len(numbers[code]) == 1
        }

    def _load(self) -> None:
        codes = set(self.rows) | {row.parent_code for row in self.rows.values() if row.parent_code}
        for batch in _chunks(sorted(codes)):
            for org in Organization.objects.filter(code__in=batch):
                self.by_code[org.code] = org
                self.by_path[org.path] = org
        # Every ancestor too, so that the final tree can be walked up to its roots.
        missing = {path for org in self.by_code.values() for path in org.ancestor_paths()} - set(
            self.by_path
        )
        for batch in _chunks(sorted(missing)):
            for org in Organization.objects.filter(path__in=batch):
                self.by_code[org.code] = org
                self.by_path[org.path] = org

    def _check_identity(self, row: OrgRow) -> None:
        existing = self.by_code.get(row.code)
        if existing is not None and not self.can_view(existing):
            # Codes are unique across the installation; say no more than that.
            self.error(
                row,
                "code",
                _("The code “%(code)s” is already used by another organization.")
                % {"code": row.code},
            )
            self.usable.discard(row.code)

    def _resolve_parent(self, row: OrgRow) -> bool:
        parent_code = row.parent_code
        if not parent_code:
            return True
        if parent_code == row.code:
            self.error(row, "parent_code", _("An organization cannot be its own parent."))
            return False
        if parent_code in self.rows:
            return True
        parent = self.by_code.get(parent_code)
        existing = self.by_code.get(row.code)
        if parent is not None and (
            self.can_view(parent)
            or (existing is not None and self.db_parent_code(existing) == parent_code)
        ):
            return True
        self.error(
            row,
            "parent_code",
            _("The parent code “%(code)s” is neither in this file nor an existing organization.")
            % {"code": parent_code},
        )
        return False

    def _walk(self) -> None:
        """Final depth of every row; report loops in the final parent chain."""
        depth = self.depth
        for start in self.rows:
            chain: list[str] = []
            position: dict[str, int] = {}
            code: str | None = start
            base: int | None
            while True:
                assert code is not None
                if code in depth:
                    base = depth[code]
                    break
                if code in position:
                    loop = chain[position[code] :]
                    self._report_loop(loop)
                    for member in loop:
                        depth[member] = None
                    chain = chain[: position[code]]
                    base = None
                    break
                position[code] = len(chain)
                chain.append(code)
                parent = self.final_parent(code)
                if parent is None or parent == _UNRESOLVED:
                    chain.pop()
                    base = 1 if parent is None else None
                    depth[code] = base
                    break
                code = parent
            for member in reversed(chain):
                base = None if base is None else base + 1
                depth[member] = base

    def _report_loop(self, loop: list[str]) -> None:
        in_file = [code for code in loop if code in self.rows]
        if len(in_file) == 1 and len(loop) > 1:
            row = self.rows[in_file[0]]
            self.error(
                row,
                "parent_code",
                _("“%(name)s” cannot be moved under “%(parent)s”, which is inside its own subtree.")
                % {"name": row.name or row.code, "parent": row.parent_code},
            )
        else:
            chain = " → ".join([*loop, loop[0]])
            numbers = ", ".join(str(n) for n in sorted(self.rows[code].number for code in in_file))
            for code in in_file:
                self.error(
                    self.rows[code],
                    "parent_code",
                    _("The parent codes form a loop: %(chain)s (rows %(rows)s).")
                    % {"chain": chain, "rows": numbers},
                )
        for code in in_file:
            self.usable.discard(code)

    def _plan(self, row: OrgRow) -> None:
        existing = self.by_code.get(row.code)
        plan = _Plan(row=row, existing=existing)
        assert row.level is not None and row.field is not None
        if row.code not in self.resolved:
            return  # the parent code is unusable, already reported
        if existing is not None:
            for attribute, value in (
                ("name", row.name),
                ("short_name", row.short_name),
                ("level", row.level),
                ("field", row.field),
            ):
                if value is not None and getattr(existing, attribute) != value:
                    plan.changes.append(attribute)
            plan.moves = row.parent_code != self.db_parent_code(existing)
        errors_before = len(self.errors)
        self._check_status(row, existing, plan)
        if existing is not None and not plan.unchanged and not self.can_edit(existing):
            self.error(
                row,
                "code",
                _("You may not change “%(name)s”: it is outside the organizations you manage.")
                % {"name": existing.name},
            )
        if existing is None or plan.moves:
            self._check_new_place(row)
        self._check_placement(row)
        self._check_depth(row, existing, plan)
        if len(self.errors) == errors_before:
            self.plans.append(plan)

    def _check_status(self, row: OrgRow, existing: Organization | None, plan: _Plan) -> None:
        current = existing.status if existing is not None else Status.ACTIVE
        if row.status is not None and row.status != current:
            self.error(
                row,
                "status",
                _(
                    "Import does not change the status of organizations: it must stay "
                    "“%(status)s”. Dissolve or merge organizations on their own page."
                )
                % {"status": STATUS_LABELS[current]},
            )
        elif existing is not None and not existing.is_active and not plan.unchanged:
            self.error(
                row,
                "code",
                _("“%(name)s” is %(status)s; it cannot be changed.")
                % {"name": existing.name, "status": STATUS_LABELS[existing.status]},
            )

    def _check_new_place(self, row: OrgRow) -> None:
        """Rules for a row that is created, or moved, under its (new) parent."""
        if not row.parent_code:
            if not self.superuser:
                self.error(
                    row,
                    "parent_code",
                    _(
                        "Only a system administrator can add a top-level organization; "
                        "fill in the parent code."
                    ),
                )
            return
        parent = self.by_code.get(row.parent_code)
        if parent is None:
            return  # new in this file: its own row is checked
        if not self.can_edit(parent):
            self.error(
                row,
                "parent_code",
                _(
                    "You may not place organizations under “%(name)s”: it is outside the "
                    "organizations you manage."
                )
                % {"name": parent.name},
            )
        elif not parent.is_active:
            self.error(
                row,
                "parent_code",
                _("“%(name)s” is %(status)s; nothing can be placed under it.")
                % {"name": parent.name, "status": STATUS_LABELS[parent.status]},
            )

    def _check_placement(self, row: OrgRow) -> None:
        assert row.level is not None and row.field is not None
        parent_level = None
        if row.parent_code:
            parent_level = self.final_level(row.parent_code)
            if parent_level is None:
                return  # the parent's own row has errors
        # The level and field fit each other (checked when the row was read).
        message = placement_error(level=row.level, field=row.field, parent_level=parent_level)
        if message:
            self.error(row, "level", message)

    def _check_depth(self, row: OrgRow, existing: Organization | None, plan: _Plan) -> None:
        depth = self.depth.get(row.code)
        if depth is None:
            return
        below = 0
        if existing is not None and plan.moves and depth > existing.depth:
            deepest = existing.subtree().aggregate(deepest=Max("depth"))["deepest"]
            below = (deepest or existing.depth) - existing.depth
        if depth + below > MAX_DEPTH:
            self.error(
                row,
                "parent_code",
                _("The organization tree is at most %(n)d levels deep.") % {"n": MAX_DEPTH},
            )

    def _check_children_of_level_changes(self) -> None:
        """Organizations not in the file stay under a parent whose level changes."""
        changing = {
            plan.existing.pk: plan.row
            for plan in self.plans
            if plan.existing is not None and "level" in plan.changes
        }
        if not changing:
            return
        reported: set[int] = set()
        children = Organization.objects.filter(parent_id__in=list(changing)).order_by("path")
        for child in children:
            assert child.parent_id is not None
            row = changing[child.parent_id]
            if child.code in self.rows or child.parent_id in reported:
                continue
            assert row.level is not None
            message = placement_error(level=child.level, field=child.field, parent_level=row.level)
            if message:
                reported.add(child.parent_id)
                self.error(
                    row,
                    "level",
                    _("Its subordinate “%(name)s” (%(code)s) could not stay under it: %(error)s")
                    % {"name": child.name, "code": child.code, "error": message},
                )
        self.errors.sort(key=lambda error: error.row or 0)

    # writing

    def write(self, result: ImportResult) -> list[str]:
        """Apply the plans, parents first. New organizations go in batches
        (`orgs_create`); each update or move first writes the new ones before it, so
        the steps happen in the same order as the rows. Returns the codes that
        changed."""
        cache: dict[str, Organization] = {}

        def get(code: str) -> Organization:
            if code not in cache:
                cache[code] = Organization.objects.get(code=code)
            return cache[code]

        touched: list[str] = []
        pending: list[_Plan] = []

        def create_pending() -> None:
            if not pending:
                return
            items = [
                NewOrganization(
                    code=plan.row.code,
                    name=plan.row.name,
                    short_name=plan.row.short_name or "",
                    level=plan.row.level or "",
                    field=plan.row.field or "",
                    parent_code=plan.row.parent_code or None,
                )
                for plan in pending
            ]
            try:
                for org in orgs_create(items=items):
                    cache[org.code] = org
            except BatchError as exc:
                self.error(pending[exc.index].row, "", exc.message)
                raise _Failed from exc
            except DatabaseError as exc:
                self._refused(pending[0].row, exc)
            result.created += len(pending)
            touched.extend(plan.row.code for plan in pending)
            pending.clear()

        order = sorted(self.plans, key=lambda plan: (self.depth[plan.row.code], plan.row.number))
        for plan in order:
            row = plan.row
            if plan.unchanged:
                result.unchanged += 1
                continue
            assert row.level is not None and row.field is not None
            if plan.existing is None:
                pending.append(plan)
                continue
            create_pending()
            try:
                parent = get(row.parent_code) if row.parent_code else None
                moved = self._update_and_move(get(row.code), row, plan, parent)
                if moved:
                    cache.clear()  # paths below the moved organization changed
                result.updated += bool(plan.changes)
                result.moved += plan.moves
            except DomainError as exc:
                self.error(row, "", exc.message)
                raise _Failed from exc
            except DatabaseError as exc:
                self._refused(row, exc)
            touched.append(row.code)
        create_pending()
        return touched

    def _refused(self, row: OrgRow, exc: DatabaseError) -> NoReturn:
        logger.exception("Organization import failed at row %s", row.number)
        self.error(
            row,
            "",
            _(
                "The database refused this row; someone may have changed the same "
                "organizations at the same time. Try again."
            ),
        )
        raise _Failed from exc

    @staticmethod
    def _update_and_move(
        org: Organization, row: OrgRow, plan: _Plan, parent: Organization | None
    ) -> bool:
        level, org_field = row.level, row.field
        assert level is not None and org_field is not None
        short_name = org.short_name if row.short_name is None else row.short_name

        def update() -> None:
            org_update(org=org, name=row.name, short_name=short_name, level=level, field=org_field)

        if not plan.moves:
            update()
            return False
        # The services check each step against the tree as it stands, so do first the
        # step that is allowed where the organization is now.
        current_parent_level = org.parent.level if org.parent is not None else None
        update_first = bool(plan.changes) and (
            placement_error(level=level, field=org_field, parent_level=current_parent_level) is None
        )
        if update_first:
            update()
        org_move(org=org, new_parent=parent)
        if plan.changes and not update_first:
            update()
        return True


def _common_root(codes: list[str]) -> Organization | None:
    """The lowest organization above (or equal to) all of `codes`, if they share one."""
    prefix: str | None = None
    for batch in _chunks(codes):
        for path in Organization.objects.filter(code__in=batch).values_list("path", flat=True):
            if prefix is None:
                prefix = path
                continue
            length = 0
            while (
                length < min(len(prefix), len(path))
                and prefix[length : length + SEGMENT_LENGTH]
                == path[length : length + SEGMENT_LENGTH]
            ):
                length += SEGMENT_LENGTH
            prefix = prefix[:length]
    if not prefix:
        return None
    return Organization.objects.filter(path=prefix).first()


def import_rows(
    parsed: ParsedSheet,
    *,
    user: Any,
    dry_run: bool = False,
    filename: str = "",
    request: HttpRequest | None = None,
) -> ImportResult:
    """Validate `parsed` as a whole and, if there is no error, write it in one
    transaction (rolled back again when `dry_run`). `user` None is the system."""
    result = ImportResult(rows=len(parsed.rows), dry_run=dry_run)
    importer = _Importer(parsed, user)
    importer.validate()
    if not importer.errors:
        try:
            with transaction.atomic():
                touched = importer.write(result)
                if dry_run:
                    transaction.set_rollback(True)
                elif touched:
                    audit_record(
                        action=AUDIT_ACTION,
                        actor=user,
                        actor_name="" if user is not None else "system",
                        target=filename,
                        organization=_common_root(touched),
                        detail=result.counts(),
                        request=request,
                    )
        except _Failed:
            pass
    if importer.errors:
        result = ImportResult(rows=len(parsed.rows), dry_run=dry_run, errors=importer.errors)
    return result


def import_organizations(
    file_obj: Any,
    *,
    user: Any,
    max_bytes: int,
    dry_run: bool = False,
    filename: str = "",
    request: HttpRequest | None = None,
    audit_failure: bool = False,
) -> ImportResult:
    """Import an organization workbook from a binary file object.

    `user` None runs as the system. With `audit_failure`, a failed (not dry-run)
    import is recorded in the audit log, outside the rolled-back transaction."""
    try:
        workbook = open_workbook_safely(file_obj, max_bytes=max_bytes)
        try:
            if not workbook.worksheets:
                raise SpreadsheetError(_("The workbook has no worksheet."))
            parsed = parse_sheet(choose_sheet(workbook))
        finally:
            workbook.close()
    except SpreadsheetError as exc:
        result = ImportResult(dry_run=dry_run, errors=[RowError(None, "", exc.message)])
    else:
        result = import_rows(parsed, user=user, dry_run=dry_run, filename=filename, request=request)
    if result.errors and audit_failure and not dry_run:
        audit_record(
            action=AUDIT_ACTION,
            actor=user,
            actor_name="" if user is not None else "system",
            target=filename,
            result=Result.FAILED,
            detail={"rows": result.rows, "errors": len(result.errors)},
            request=request,
        )
    return result


# Export and template -------------------------------------------------------------


def export_rows(orgs: Any) -> Iterator[list[str | None]]:
    """One row per organization in path order (parents before children)."""
    queryset = orgs.order_by("path").values_list(
        "code", "name", "short_name", "parent__code", "level", "field", "status"
    )
    for code, name, short_name, parent_code, level, org_field, status in queryset.iterator(
        chunk_size=2000
    ):
        yield [
            code,
            name,
            short_name or None,
            parent_code or None,
            LEVEL_LABELS.get(level, level),
            FIELD_LABELS.get(org_field, org_field),
            STATUS_LABELS.get(status, status),
        ]


_WIDTHS = {"A": 14, "B": 36, "C": 18, "D": 14, "E": 16, "F": 14, "G": 10}


def export_workbook(orgs: Any) -> Workbook:
    """The organizations of `orgs` as a workbook that imports back unchanged."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    for letter, width in _WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    write_rows(sheet, [EXPORT_HEADERS], font=Font(bold=True))
    write_rows(sheet, export_rows(orgs))
    return workbook


TEMPLATE_HEADERS = [column.header for column in COLUMNS if column.key != "status"]
TEMPLATE_EXAMPLE: list[list[str | None]] = [
    ["C001", "示范县委", "示范县", None, "县（市、区）", "综合"],
    ["T001", "青石镇党委", "青石镇", "C001", "乡镇（街道）", "农村"],
    ["V001", "青石镇东岗村党支部", None, "T001", "村（社区）", "农村"],
    ["U001", "示范县直机关工委", None, "C001", "直属单位", "机关"],
]


def template_workbook() -> Workbook:
    """A blank workbook to fill in: the 组织 sheet (headers only, imports as zero rows),
    an example sheet and an instructions sheet with the allowed values and rules."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_NAME
    bold = Font(bold=True)
    write_rows(sheet, [TEMPLATE_HEADERS], font=bold)
    for letter, width in _WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    for letter in ("A", "D"):  # codes: keep leading zeros
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    header_comment = _("Fill in one organization per row. See the %(sheet)s sheet.") % {
        "sheet": INSTRUCTIONS_SHEET_NAME
    }
    sheet["A1"].comment = Comment(header_comment, _("Debrief"))

    example = workbook.create_sheet(EXAMPLE_SHEET_NAME)
    write_rows(example, [TEMPLATE_HEADERS], font=bold)
    write_rows(example, TEMPLATE_EXAMPLE)
    for letter, width in _WIDTHS.items():
        example.column_dimensions[letter].width = width

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET_NAME)
    for letter, width in {"A": 16, "B": 30, "C": 40, "D": 60}.items():
        notes.column_dimensions[letter].width = width
    for row in _instructions():
        style = {"font": bold} if row and row[0] in _instruction_titles() else {}
        write_rows(notes, [row], **style)
    return workbook


def _instruction_titles() -> set[str]:
    return {
        _("How to fill in the organization workbook"),
        _("Columns"),
        _("Levels"),
        _("Fields"),
        _("Rules"),
    }


def _instructions() -> list[list[str]]:
    level_synonyms: dict[str, list[str]] = {}
    for label, code in LEVEL_SYNONYMS.items():
        level_synonyms.setdefault(code, []).append(label)
    field_synonyms: dict[str, list[str]] = {}
    for label, code in FIELD_SYNONYMS.items():
        field_synonyms.setdefault(code, []).append(label)
    rows: list[list[str]] = [
        [_("How to fill in the organization workbook")],
        [],
        [_("Columns"), _("Required"), _("What to enter")],
        [
            "代码",
            _("yes"),
            _(
                "A unique code, at most %(n)d characters. Keep the column formatted as text "
                "so that leading zeros stay. An existing code updates that organization; a "
                "new code adds one."
            )
            % {"n": _max_length("code")},
        ],
        [
            "名称",
            _("yes"),
            _("The full name, at most %(n)d characters.") % {"n": _max_length("name")},
        ],
        [
            "简称",
            _("no"),
            _(
                "The short name, at most %(n)d characters. Without this column, short names "
                "stay as they are."
            )
            % {"n": _max_length("short_name")},
        ],
        [
            "上级代码",
            _("yes"),
            _(
                "The code of the organization directly above, in this file or already in "
                "the system. Leave it empty only for a top-level organization (system "
                "administrators only). Changing it moves the organization together with "
                "everything below it."
            ),
        ],
        ["层级", _("yes"), _("One of the levels listed below.")],
        ["领域", _("yes"), _("One of the fields allowed for the level, listed below.")],
        [
            "状态",
            _("no"),
            _(
                "Written on export. Import never dissolves or merges organizations: keep "
                "the exported value, or %(active)s for a new organization."
            )
            % {"active": STATUS_LABELS[Status.ACTIVE]},
        ],
        [],
        [_("Levels"), _("Also accepted"), _("Allowed fields"), _("May stand directly under")],
    ]
    for level in Level:
        rows.append(
            [
                LEVEL_LABELS[level],
                "、".join([*level_synonyms.get(level, []), level.value]),
                "、".join(FIELD_LABELS[f] for f in Field if f in ALLOWED_FIELDS[level]),
                "、".join(LEVEL_LABELS[p] for p in Level if p in ALLOWED_PARENT_LEVELS[level])
                or _("nothing (top level only)"),
            ]
        )
    rows += [[], [_("Fields"), _("Also accepted")]]
    for org_field in Field:
        rows.append(
            [
                FIELD_LABELS[org_field],
                "、".join([*field_synonyms.get(org_field, []), org_field.value]),
            ]
        )
    rows += [
        [],
        [_("Rules")],
        [
            _(
                "Rows are read from the sheet named %(sheet)s, or from the first sheet if "
                "there is none. Row 1 holds the column headers; English headers (code, "
                "name, short_name, parent_code, level, field, status) are accepted too. "
                "Empty rows are skipped."
            )
            % {"sheet": SHEET_NAME}
        ],
        [
            _(
                "The whole file is checked first. If any row has a problem, nothing is "
                "imported and every problem is listed with its row number."
            )
        ],
        [
            _(
                "The tree is at most %(depth)d levels deep. One file holds at most "
                "%(rows)s organizations."
            )
            % {"depth": MAX_DEPTH, "rows": f"{MAX_ROWS:,}"}
        ],
        [
            _(
                "You can only add or change organizations within the organizations you "
                "manage. Dissolved and merged organizations cannot be changed, and nothing "
                "can be placed under them."
            )
        ],
    ]
    return rows
