"""Building test workbooks in memory (used by the spreadsheet tests of every app)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from openpyxl import Workbook


def xlsx_bytes(
    rows: Iterable[Iterable[Any]],
    *,
    title: str | None = None,
    sheets: dict[str, Iterable[Iterable[Any]]] | None = None,
) -> bytes:
    """A workbook whose first sheet holds `rows`; `sheets` adds further named sheets."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for name, sheet_rows in (sheets or {}).items():
        extra = workbook.create_sheet(name)
        for row in sheet_rows:
            extra.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """`data` (a zip) with the member `name` replaced by change(old content)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == name:
                content = change(content)
            target.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def sheet_xml(data: bytes, name: str = "xl/worksheets/sheet1.xml") -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode("utf-8")
