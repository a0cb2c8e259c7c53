import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from debrief.lib import xlsx
from debrief.lib.tests.workbooks import rewrite_member, sheet_xml, xlsx_bytes
from debrief.lib.xlsx import (
    MemoryUploadHandler,
    SpreadsheetError,
    content_disposition,
    escape_cell,
    iter_sheet_rows,
    open_workbook_safely,
    unescape_cell,
    write_rows,
    xlsx_response,
)

MB = 1024 * 1024
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    b' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
)


@pytest.fixture
def openpyxl_must_not_run(monkeypatch):
    """The checks must refuse the file before openpyxl parses any of it."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open a file that should be refused")

    monkeypatch.setattr(xlsx, "load_workbook", refuse)


def rows_of(data: bytes, max_bytes: int = 10 * MB) -> list[tuple]:
    workbook = open_workbook_safely(io.BytesIO(data), max_bytes=max_bytes)
    try:
        return list(iter_sheet_rows(workbook.worksheets[0]))
    finally:
        workbook.close()


def zip_with(members: dict[str, bytes | int]) -> bytes:
    """A zip; an int member is that many zero bytes, written in chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, int):
                with archive.open(name, "w", force_zip64=True) as stream:
                    chunk = b"\0" * MB
                    for _ in range(content // MB):
                        stream.write(chunk)
            else:
                archive.writestr(name, content)
    return out.getvalue()


def test_it_opens_an_ordinary_workbook_read_only_with_values():
    data = xlsx_bytes([["代码", "名称"], ["C001", "示范县委"], [None, "=1+1"]])
    assert rows_of(data) == [("代码", "名称"), ("C001", "示范县委"), (None, None)]


def test_it_rejects_a_file_over_the_size_limit(openpyxl_must_not_run):
    data = xlsx_bytes([["代码"]])
    with pytest.raises(SpreadsheetError, match="larger than"):
        rows_of(data, max_bytes=len(data) - 1)


def test_it_rejects_an_upload_by_its_declared_size_before_reading_it(openpyxl_must_not_run):
    upload = SimpleUploadedFile("big.xlsx", b"PK\x03\x04")
    upload.size = 11 * MB
    with pytest.raises(SpreadsheetError, match="larger than 10 MB"):
        open_workbook_safely(upload, max_bytes=10 * MB)


def test_it_rejects_an_empty_file(openpyxl_must_not_run):
    with pytest.raises(SpreadsheetError, match="empty"):
        open_workbook_safely(io.BytesIO(b""), max_bytes=MB)


def test_it_rejects_a_file_that_is_not_a_zip(openpyxl_must_not_run):
    with pytest.raises(SpreadsheetError, match=r"not an Excel workbook \(\.xlsx\)"):
        open_workbook_safely(io.BytesIO("代码,名称\nC001,示范县委\n".encode()), max_bytes=MB)


def test_it_tells_an_old_xls_file_apart(openpyxl_must_not_run):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    with pytest.raises(SpreadsheetError, match=r"old Excel file \(\.xls\)"):
        open_workbook_safely(io.BytesIO(data), max_bytes=MB)


def test_it_rejects_a_damaged_zip(openpyxl_must_not_run):
    data = xlsx_bytes([["代码"]])
    with pytest.raises(SpreadsheetError, match="damaged"):
        open_workbook_safely(io.BytesIO(data[: len(data) // 2]), max_bytes=MB)


def test_it_rejects_a_zip_that_is_not_a_workbook():
    with pytest.raises(SpreadsheetError, match="not an Excel workbook"):
        open_workbook_safely(io.BytesIO(zip_with({"notes.txt": b"hello"})), max_bytes=MB)


def test_it_rejects_a_zip_bomb_that_would_unpack_to_more_than_the_total_limit(
    openpyxl_must_not_run,
):
    data = zip_with({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": 120 * MB})
    assert len(data) < MB  # small on disk, passes the size limit
    with pytest.raises(SpreadsheetError, match="unpack to more than 100 MB"):
        open_workbook_safely(io.BytesIO(data), max_bytes=10 * MB)


def test_it_rejects_a_member_compressed_beyond_the_ratio_limit(openpyxl_must_not_run):
    data = zip_with({"xl/sharedStrings.xml": 20 * MB})
    with pytest.raises(SpreadsheetError, match="zip bomb"):
        open_workbook_safely(io.BytesIO(data), max_bytes=10 * MB)


def test_it_rejects_a_zip_with_too_many_members(openpyxl_must_not_run):
    data = zip_with({f"xl/part{n}.xml": b"<a/>" for n in range(xlsx.MAX_MEMBERS + 1)})
    with pytest.raises(SpreadsheetError, match="too many parts"):
        open_workbook_safely(io.BytesIO(data), max_bytes=10 * MB)


def test_it_rejects_a_billion_laughs_doctype_in_a_sheet(openpyxl_must_not_run):
    data = rewrite_member(
        xlsx_bytes([["代码"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: BILLION_LAUGHS + xml.replace(b"<sheetData>", b"<sheetData>&lol3;"),
    )
    with pytest.raises(SpreadsheetError, match="document type declarations"):
        open_workbook_safely(io.BytesIO(data), max_bytes=MB)


def test_it_rejects_an_entity_declaration_in_the_shared_strings(openpyxl_must_not_run):
    data = zip_with(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/sharedStrings.xml": b'<?xml version="1.0"?><sst><!ENTITY x "y"></sst>',
        }
    )
    with pytest.raises(SpreadsheetError, match="document type declarations"):
        open_workbook_safely(io.BytesIO(data), max_bytes=MB)


def test_it_finds_a_doctype_written_in_utf16(openpyxl_must_not_run):
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY b "c">]><a/>'
    data = zip_with({"xl/worksheets/sheet1.xml": xml.encode("utf-16")})
    with pytest.raises(SpreadsheetError, match="document type declarations"):
        open_workbook_safely(io.BytesIO(data), max_bytes=MB)


def test_it_rejects_xml_in_an_unusual_encoding(openpyxl_must_not_run):
    data = zip_with({"xl/workbook.xml": b'<?xml version="1.0" encoding="cp037"?><a/>'})
    with pytest.raises(SpreadsheetError, match="unsupported character encoding"):
        open_workbook_safely(io.BytesIO(data), max_bytes=MB)


@pytest.mark.parametrize(
    "text", ["=1+1", '=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
)
def test_escape_cell_protects_text_a_spreadsheet_would_run_as_a_formula(text):
    assert escape_cell(text) == "'" + text
    assert unescape_cell(escape_cell(text)) == text


@pytest.mark.parametrize("value", ["示范县委", "C-001", "a=b", "", 12, 1.5, None])
def test_escape_cell_leaves_ordinary_values_alone(value):
    assert escape_cell(value) == value


@pytest.mark.parametrize("text", ["'hello", "'", "''=x", "'=x", "it's"])
def test_unescape_only_strips_an_apostrophe_that_protects_a_formula(text):
    assert unescape_cell(escape_cell(text)) == text
    assert unescape_cell("'hello") == "'hello"
    assert unescape_cell("'=x") == "=x"


def test_escape_cell_drops_characters_xml_cannot_hold():
    assert escape_cell("青石\x0b镇\x00") == "青石镇"


def test_write_rows_stores_dangerous_text_as_text_not_as_a_formula():
    workbook = Workbook()
    sheet = workbook.active
    write_rows(sheet, [["=1+1", "-2", 3, None, "plain"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())  # type: ignore[union-attr]
    assert [cell.value for cell in cells] == ["'=1+1", "'-2", 3, None, "plain"]
    assert [cell.data_type for cell in cells[:2]] == ["s", "s"]
    assert "<f>" not in sheet_xml(buffer.getvalue())


def test_write_rows_works_on_a_write_only_sheet():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("组织")
    assert write_rows(sheet, [["=cmd"], ["ok"]]) == 2
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert rows_of(buffer.getvalue()) == [("'=cmd",), ("ok",)]


def test_xlsx_response_sends_a_chinese_file_name_safely():
    response = xlsx_response(Workbook(), "组织架构-20250101.xlsx")
    assert response["Content-Type"] == xlsx.XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="-20250101.xlsx"; ')
    assert "filename*=UTF-8''%E7%BB%84%E7%BB%87%E6%9E%B6%E6%9E%84-20250101.xlsx" in disposition
    assert disposition.isascii()
    assert response.content.startswith(b"PK")


def test_content_disposition_cannot_be_used_to_inject_headers():
    value = content_disposition('a"\r\nSet-Cookie: x=1;.xlsx')
    assert "\r" not in value and "\n" not in value
    assert value.startswith('attachment; filename="aSet-Cookie_x_1.xlsx"')


def test_content_disposition_has_an_ascii_fallback_for_a_chinese_name():
    assert content_disposition("组织.xlsx").startswith('attachment; filename="download.xlsx"; ')


def test_the_upload_handler_keeps_files_in_memory_and_reports_the_real_size_of_big_ones():
    handler = MemoryUploadHandler(max_bytes=10)
    handler.new_file("file", "a.xlsx", xlsx.XLSX_CONTENT_TYPE, None)
    handler.receive_data_chunk(b"12345", 0)
    small = handler.file_complete(5)
    assert small.read() == b"12345"
    handler.new_file("file", "b.xlsx", xlsx.XLSX_CONTENT_TYPE, None)
    handler.receive_data_chunk(b"123456789", 0)
    big = handler.file_complete(9)
    assert big.size == 9 and big.read() == b""  # over the limit for the whole request
    with pytest.raises(SpreadsheetError, match="larger than"):
        open_workbook_safely(big, max_bytes=8)


def test_every_row_is_read_even_when_the_sheet_declares_a_smaller_size():
    data = rewrite_member(
        xlsx_bytes([["a"], ["b"], ["c"], ["d"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:A2"/>', xml),
    )
    assert b'ref="A1:A2"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert rows_of(data) == [("a",), ("b",), ("c",), ("d",)]
