"""Spreadsheet helpers shared by every Excel import and export.

Reading: `open_workbook_safely` is the only way an uploaded workbook is opened. It
checks the file before openpyxl sees it: size, that it is a zip at all, the zip's own
directory (member count, total uncompressed size, compression ratio: zip bombs), and
that no XML part declares a DOCTYPE or ENTITY (billion laughs; defusedxml is not
installed, and openpyxl parses worksheets with the standard library's expat).

Python's zipfile never returns more than a member's declared uncompressed size (it
stops and fails the CRC check), so checking the declared sizes in the directory is
enough to bound what openpyxl can decompress.

Writing: `write_rows` escapes text cells against formula injection (CSV/DDE injection:
a cell starting with =, +, -, @, tab or CR is prefixed with an apostrophe and typed as
text), and `xlsx_response` sends a workbook with a Chinese-safe file name.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Generator, Iterable
from typing import Any
from urllib.parse import quote

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

from debrief.lib.errors import DomainError

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Limits of the zip container. An ordinary office workbook of 50,000 rows is a few MB
# uncompressed and compresses 5-20:1.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_MEMBERS = 1000
# Members smaller than this are not held to the ratio limit: a tiny, very repetitive
# part (an empty style sheet) can compress well beyond 100:1 and is harmless.
RATIO_CHECK_MIN_BYTES = 1024 * 1024

# A text value starting with one of these is run as a formula by spreadsheet programs
# (after editing the cell, or once the sheet is saved as CSV and opened again).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_FORBIDDEN_MARKUP = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_SAFE_XML_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii"}
_XML_DECLARED_ENCODING = re.compile(r"""^<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_SCAN_CHUNK = 1024 * 1024


class SpreadsheetError(DomainError):
    """A file that cannot be accepted as a workbook. The message is translated."""


# Reading -------------------------------------------------------------------------


def open_workbook_safely(file_obj: Any, *, max_bytes: int) -> Workbook:
    """Check `file_obj` (a binary file object or an upload) and open it read-only.

    Raises SpreadsheetError for anything that is not a plain, reasonably sized .xlsx
    workbook. The caller closes the returned workbook (`workbook.close()`)."""
    data = _read_limited(file_obj, max_bytes)
    if data.startswith(_OLE2_MAGIC):
        raise SpreadsheetError(
            _(
                "This is an old Excel file (.xls) or a password-protected workbook. "
                "Save it as an Excel workbook (.xlsx) without a password and try again."
            )
        )
    if not data.startswith(_ZIP_MAGIC):
        raise SpreadsheetError(_not_a_workbook())
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_zip_directory(archive)
            _check_xml_members(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise SpreadsheetError(_not_a_workbook()) from exc
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encryption
        raise SpreadsheetError(_not_a_workbook()) from exc
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types on malformed input
        raise SpreadsheetError(_not_a_workbook()) from exc


def iter_sheet_rows(
    worksheet: Any, *, min_row: int = 1, max_col: int | None = None
) -> Generator[tuple[Any, ...], None, None]:
    """The cell values of `worksheet` row by row, from `min_row` (no gaps: a missing row
    comes back as empty). Errors from malformed sheet XML become SpreadsheetError.

    The size the sheet declares for itself is ignored: in read-only mode openpyxl would
    otherwise silently stop at a wrong (too small) declared dimension."""
    try:
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()
        yield from worksheet.iter_rows(min_row=min_row, max_col=max_col, values_only=True)
    except SpreadsheetError:
        raise
    except Exception as exc:  # the sheet XML is parsed lazily, while iterating
        raise SpreadsheetError(_not_a_workbook()) from exc


def unescape_cell(text: str) -> str:
    """Undo `escape_cell` on a text value read back from a workbook.

    The leading apostrophe is removed only when what follows would need protection,
    so an ordinary value that happens to start with an apostrophe is kept as is."""
    if text.startswith(QUOTE) and _needs_protection(text):
        return text[1:]
    return text


def _not_a_workbook() -> str:
    return _("The file is not an Excel workbook (.xlsx), or it is damaged.")


def _read_limited(file_obj: Any, max_bytes: int) -> bytes:
    too_large = SpreadsheetError(
        _("The file is larger than %(mb)s MB.") % {"mb": _megabytes(max_bytes)}
    )
    declared_size = getattr(file_obj, "size", None)
    if isinstance(declared_size, int) and declared_size > max_bytes:
        raise too_large
    if hasattr(file_obj, "seek"):
        file_obj.seek(0)
    data = file_obj.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    return bytes(data)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _check_zip_directory(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise SpreadsheetError(
            _("The workbook has too many parts (more than %(n)d).") % {"n": MAX_MEMBERS}
        )
    total = 0
    for member in members:
        total += member.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise SpreadsheetError(
                _("The workbook would unpack to more than %(mb)s MB.")
                % {"mb": _megabytes(MAX_UNCOMPRESSED_BYTES)}
            )
        if member.file_size >= RATIO_CHECK_MIN_BYTES and (
            member.compress_size == 0
            or member.file_size / member.compress_size > MAX_COMPRESSION_RATIO
        ):
            raise SpreadsheetError(
                _("The workbook is compressed suspiciously well; it looks like a zip bomb.")
            )


def _check_xml_members(archive: zipfile.ZipFile) -> None:
    """Refuse any part that declares a DOCTYPE or ENTITY, or an unusual encoding."""
    for member in archive.infolist():
        if member.is_dir():
            continue
        with archive.open(member) as stream:
            head = stream.read(_SCAN_CHUNK)
            _check_declared_encoding(head)
            tail = b""
            chunk = head
            while chunk:
                window = tail + chunk
                if any(marker in window for marker in _FORBIDDEN_MARKUP):
                    raise SpreadsheetError(
                        _(
                            "The workbook contains XML document type declarations, "
                            "which are not allowed."
                        )
                    )
                tail = window[-32:]
                chunk = stream.read(_SCAN_CHUNK)


def _check_declared_encoding(head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        encoding = "utf-16-be" if head.startswith((b"\xfe\xff", b"\x00<")) else "utf-16-le"
        text = head[:400].decode(encoding, errors="replace").lstrip("\ufeff")
    else:
        text = head[:400].decode("utf-8", errors="replace").lstrip("\ufeff")
    match = _XML_DECLARED_ENCODING.match(text)
    if match and match.group(1).strip().lower() not in _SAFE_XML_ENCODINGS:
        raise SpreadsheetError(
            _("The workbook uses an unsupported character encoding (%(encoding)s).")
            % {"encoding": match.group(1)[:20]}
        )


# Writing -------------------------------------------------------------------------


def _needs_protection(text: str) -> bool:
    return text.lstrip(QUOTE).startswith(FORMULA_TRIGGERS)


def escape_cell(value: Any) -> Any:
    """The value to write for an exported cell: text that a spreadsheet program would
    run as a formula gets a leading apostrophe. Non-text values pass through.

    Characters that XML cannot hold (control characters) are dropped."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if _needs_protection(text):
        return QUOTE + text
    return text


def text_cell(worksheet: Any, value: Any, **style: Any) -> Cell:
    """One cell for `worksheet`, escaped; text is typed as text, never as a formula."""
    cell = WriteOnlyCell(worksheet, value=escape_cell(value))
    if isinstance(value, str):
        cell.data_type = "s"
    for attribute, setting in style.items():
        setattr(cell, attribute, setting)
    return cell


def write_rows(worksheet: Any, rows: Iterable[Iterable[Any]], **style: Any) -> int:
    """Append `rows` to `worksheet` (normal or write-only) with every text cell escaped.
    Returns the number of rows written."""
    count = 0
    for row in rows:
        worksheet.append([text_cell(worksheet, value, **style) for value in row])
        count += 1
    return count


def xlsx_response(workbook: Workbook, filename: str) -> HttpResponse:
    """An attachment download of `workbook`. Chinese file names are sent as RFC 5987
    `filename*`, with an ASCII `filename` fallback for old clients."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response


def content_disposition(filename: str) -> str:
    """`attachment` with both an ASCII `filename` and the exact UTF-8 `filename*`."""
    cleaned = re.sub(r"[\x00-\x1f\x7f/\\\"]", "", filename).strip() or "download"
    stem, dot, extension = cleaned.rpartition(".")
    if not dot:
        stem, extension = cleaned, ""
    ascii_stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "download"
    ascii_extension = re.sub(r"[^A-Za-z0-9]+", "", extension)
    fallback = f"{ascii_stem}.{ascii_extension}" if ascii_extension else ascii_stem
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


# Uploads -------------------------------------------------------------------------


class MemoryUploadHandler(FileUploadHandler):
    """Keeps uploaded files in memory, up to `max_bytes` for the whole request.

    Nothing is written to disk. Beyond the limit the content is dropped, but the file
    still arrives with its real `size`, so `open_workbook_safely` reports it as too
    large instead of the form reporting a missing file.

    Django parses the upload when request.POST is first read, and the CSRF middleware
    reads it; a view installs this handler from a csrf_exempt wrapper and then checks
    CSRF itself with csrf_protect (see Django's "Modifying upload handlers on the fly").
    """

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received <= self.max_bytes:
            self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        content = self.buffer if self.received <= self.max_bytes else io.BytesIO()
        content.seek(0)
        return InMemoryUploadedFile(
            file=content,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
