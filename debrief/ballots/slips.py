"""Ballot slips (测评码): the printed form of freshly issued tokens.

The plain tokens exist only in what this module writes (they are stored hashed), so
the download is the one chance to print them:

- `ballot-slips.docx`: A4 pages of 2 × 4 slips in a bordered table, cut apart along
  the borders; each slip has the meeting title, the voter group, a QR code (about
  3 cm) of the ballot address and the token printed for typing (XXXX-XXXX-XXXX-XX);
- `ballot-tokens.csv`: token, group and address per line, for a mail merge or another
  printer; cells are escaped against formula injection.

Slip text is document text, in Chinese, as the office prints it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence

import segno
from django.conf import settings
from django.http import HttpRequest
from docx import Document as new_docx
from docx.document import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from debrief.ballots.codes import format_token
from debrief.lib.docx import set_run_font
from debrief.lib.xlsx import escape_cell

COLUMNS = 2
ROWS_PER_PAGE = 4
SLIP_HEIGHT = Mm(66)
SLIP_WIDTH = Mm(93)
QR_SIZE = Mm(30)
SLIP_FONT = "宋体"
CODE_FONT = "Consolas"
# The web page issues at most this many at once: drawing a QR code takes a few
# milliseconds, and the download must finish well within a server's request timeout.
MAX_SLIPS_PER_DOWNLOAD = 500


def public_base_url(request: HttpRequest | None = None) -> str:
    """The address voters' phones reach: DEBRIEF_PUBLIC_URL, else this request's."""
    base = settings.DEBRIEF_PUBLIC_URL or (request.build_absolute_uri("/") if request else "")
    return base.rstrip("/")


def ballot_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/v/{token}"


def _qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return buffer


def _centred(cell: object, text: str, *, size: float, bold: bool = False, font: str = SLIP_FONT):
    paragraph = cell.add_paragraph()  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(1)
    fmt.line_spacing = 1.0
    set_run_font(paragraph.add_run(text), font, Pt(size), bold=bold)
    return paragraph


def _dashed_borders(table: object) -> None:
    """Dashed cutting lines around and between the slips."""
    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "dashed")
        element.set(qn("w:sz"), "6")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    # Schema order: tblBorders comes before shading, layout, margins and look.
    tbl_pr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"
    )


def slips_document(*, meeting_title: str, group_name: str, tokens: Sequence[str], base: str):
    """The slips as a Word document: one table, four rows of two slips per page."""
    document: Document = new_docx()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(12)
    section.left_margin = section.right_margin = Mm(12)
    section.header_distance = section.footer_distance = Mm(6)
    properties = document.core_properties
    properties.title = f"{meeting_title} 民主测评码"
    properties.author = ""
    properties.comments = ""
    rows = (len(tokens) + COLUMNS - 1) // COLUMNS
    table = document.add_table(rows=rows, cols=COLUMNS)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _dashed_borders(table)
    for column in table.columns:
        column.width = SLIP_WIDTH
    for row in table.rows:
        # cantSplit precedes trHeight in the schema; python-docx inserts trHeight
        # in its place.
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        row.height = SLIP_HEIGHT
        row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
        for cell in row.cells:
            cell.width = SLIP_WIDTH
    for index, token in enumerate(tokens):
        cell = table.cell(index // COLUMNS, index % COLUMNS)
        url = ballot_url(base, token)
        # The cell's first, empty paragraph becomes a small top gap.
        cell.paragraphs[0].paragraph_format.space_after = Pt(0)
        _centred(cell, meeting_title, size=9.5, bold=True)
        _centred(cell, f"民主测评　测评主体：{group_name}", size=9.5)
        picture = _centred(cell, "", size=9.5)
        picture.add_run().add_picture(_qr_png(url), width=QR_SIZE, height=QR_SIZE)
        _centred(cell, format_token(token), size=15, bold=True, font=CODE_FONT)
        _centred(cell, "请用手机扫码测评；无法扫码时在浏览器输入", size=8)
        _centred(cell, f"{base}/v/ 后接上方测评码。每码限用一次。", size=8)
    return document


def slips_docx_bytes(**kwargs: object) -> bytes:
    buffer = io.BytesIO()
    slips_document(**kwargs).save(buffer)  # type: ignore[arg-type]
    return buffer.getvalue()


def tokens_csv_bytes(*, group_name: str, tokens: Sequence[str], base: str) -> bytes:
    """token, group, url per line; UTF-8 with a byte-order mark so that Excel reads
    the Chinese; every cell escaped against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["token", "group", "url"])
    for token in tokens:
        writer.writerow(
            [
                escape_cell(value)
                for value in (format_token(token), group_name, ballot_url(base, token))
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def slips_zip_bytes(
    *, meeting_title: str, group_name: str, tokens: Sequence[str], base: str
) -> bytes:
    """The download: ballot-slips.docx and ballot-tokens.csv in one zip."""
    docx = slips_docx_bytes(
        meeting_title=meeting_title, group_name=group_name, tokens=tokens, base=base
    )
    csv_bytes = tokens_csv_bytes(group_name=group_name, tokens=tokens, base=base)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ballot-slips.docx", docx)
        archive.writestr("ballot-tokens.csv", csv_bytes)
    return buffer.getvalue()
