"""Word (.docx) helpers shared by every official document the product writes.

The layout follows the national standard for official documents (GB/T 9704), as
offices print them:

- A4, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right;
- title in 方正小标宋简体 二号 (22 pt), centred, one blank line below;
- body in 仿宋_GB2312 三号 (16 pt), fixed 28 pt line spacing, first line indented two
  characters;
- first-level headings "一、" in 黑体, second-level "（一）" in 楷体_GB2312, same size;
- the page number in the footer as "— 1 —" (宋体 四号), a PAGE field;
- tables with full borders, the header row repeated on every page.

Chinese fonts must be named for East Asian text explicitly (`w:eastAsia` on the run's
`w:rFonts`): python-docx's `font.name` sets only the Latin slots, and Word would then
render Chinese in the theme font. Machines without a font fall back to Word's own
substitute; the names are the ones offices install.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.http import HttpResponse
from docx import Document as new_docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from debrief.lib.xlsx import ILLEGAL_CHARACTERS_RE, content_disposition

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(14)  # 四号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
LINE_SPACING = Pt(28)
TITLE_LINE_SPACING = Pt(35)
# Two characters of the body size; Word uses firstLineChars (hundredths of a character)
# when present, the length is for programs that do not.
INDENT_CHARS = 200
INDENT = Pt(32)

_DIGITS = "零一二三四五六七八九"


# Chinese numbering --------------------------------------------------------------------


def cn_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五; Arabic beyond 999."""
    if number < 1:
        raise ValueError("Chinese numbering starts at 1.")
    if number >= 1000:
        return str(number)
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return "十" + (_DIGITS[number % 10] if number % 10 else "")
    if number < 100:
        return _DIGITS[number // 10] + "十" + (_DIGITS[number % 10] if number % 10 else "")
    hundreds, rest = divmod(number, 100)
    text = _DIGITS[hundreds] + "百"
    if rest == 0:
        return text
    if rest < 10:
        return text + "零" + _DIGITS[rest]
    return text + _DIGITS[rest // 10] + "十" + (_DIGITS[rest % 10] if rest % 10 else "")


def cn_item(number: int) -> str:
    """The first-level number: 一、 二、 三、"""
    return f"{cn_numeral(number)}、"


def cn_paren(number: int) -> str:
    """The second-level number: （一） （二） （三）"""
    return f"（{cn_numeral(number)}）"


def cn_date(value: object) -> str:
    """2026年1月15日 (the date form of official documents)."""
    return f"{value.year}年{value.month}月{value.day}日"  # type: ignore[attr-defined]


# Text -----------------------------------------------------------------------------


def clean_text(text: object) -> str:
    """`text` without the characters XML cannot hold (the control characters other than
    tab, line feed and carriage return): python-docx raises ValueError on them, so one
    such character typed into a comment would break the document for good. The same
    set as debrief.lib.xlsx.escape_cell drops."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if text is None else str(text))


def add_run(paragraph: Paragraph, text: object = "") -> Run:
    """`paragraph.add_run(text)` with the XML-illegal characters removed."""
    return paragraph.add_run(clean_text(text))


# Fonts and paragraphs ---------------------------------------------------------------


def set_run_font(run: Run, name: str, size: Pt | None = None, *, bold: bool = False) -> Run:
    """Name `name` for Latin and East Asian text alike, with the size and weight."""
    run.font.name = name
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = size
    run.font.bold = bold or None
    return run


def _style_fonts(document: Document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = BODY_SIZE
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing = LINE_SPACING
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = INDENT
    fmt.widow_control = False
    normal.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), str(INDENT_CHARS))


def _indent_chars(paragraph: Paragraph, chars: int) -> None:
    """Set the first-line indent in characters (w:firstLineChars), and as a length."""
    paragraph.paragraph_format.first_line_indent = Pt(BODY_SIZE.pt * chars / 100)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars))


def _outline_level(paragraph: Paragraph, level: int) -> None:
    """Show the paragraph in Word's navigation pane, at `level` (0 = top)."""
    paragraph._p.get_or_add_pPr().get_or_add_outlineLvl().set(qn("w:val"), str(level))


def new_document(*, title: str = "", author: str = "") -> Document:
    """An empty A4 document with the official page, fonts and page numbers."""
    document = new_docx()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(25)
    _style_fonts(document)
    _page_number_footer(document)
    properties = document.core_properties
    properties.title = clean_text(title)
    properties.author = clean_text(author)
    properties.last_modified_by = clean_text(author)
    properties.comments = ""
    return document


def add_title(document: Document, text: str) -> Paragraph:
    """The document title: centred, 方正小标宋简体 二号, one blank line below."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _indent_chars(paragraph, 0)
    paragraph.paragraph_format.line_spacing = TITLE_LINE_SPACING
    paragraph.paragraph_format.space_after = LINE_SPACING
    paragraph.paragraph_format.keep_with_next = True
    set_run_font(add_run(paragraph, text), TITLE_FONT, TITLE_SIZE)
    return paragraph


def add_subtitle(document: Document, text: str) -> Paragraph:
    """A centred line under the title (a name, a meeting), in 楷体_GB2312."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _indent_chars(paragraph, 0)
    paragraph.paragraph_format.space_after = LINE_SPACING
    set_run_font(add_run(paragraph, text), HEADING2_FONT, BODY_SIZE)
    return paragraph


def add_heading1(document: Document, number: int | None, text: str) -> Paragraph:
    """A first-level heading "一、text" in 黑体 (no number when `number` is None)."""
    paragraph = document.add_paragraph()
    _indent_chars(paragraph, INDENT_CHARS)
    paragraph.paragraph_format.keep_with_next = True
    _outline_level(paragraph, 0)
    label = f"{cn_item(number)}{text}" if number is not None else text
    set_run_font(add_run(paragraph, label), HEADING1_FONT, BODY_SIZE)
    return paragraph


def add_heading2(document: Document, number: int | None, text: str) -> Paragraph:
    """A second-level heading "（一）text" in 楷体_GB2312."""
    paragraph = document.add_paragraph()
    _indent_chars(paragraph, INDENT_CHARS)
    paragraph.paragraph_format.keep_with_next = True
    _outline_level(paragraph, 1)
    label = f"{cn_paren(number)}{text}" if number is not None else text
    set_run_font(add_run(paragraph, label), HEADING2_FONT, BODY_SIZE)
    return paragraph


def add_paragraph(
    document: Document,
    text: str,
    *,
    indent: bool = True,
    align: WD_ALIGN_PARAGRAPH | None = None,
    bold: bool = False,
    font: str = BODY_FONT,
) -> Paragraph:
    """A body paragraph: 仿宋_GB2312 三号, indented two characters unless told not to."""
    paragraph = document.add_paragraph()
    _indent_chars(paragraph, INDENT_CHARS if indent else 0)
    if align is not None:
        paragraph.alignment = align
    set_run_font(add_run(paragraph, text), font, BODY_SIZE, bold=bold)
    return paragraph


def add_page_break(document: Document) -> None:
    paragraph = document.add_paragraph()
    _indent_chars(paragraph, 0)
    paragraph.add_run().add_break(WD_BREAK.PAGE)


# Page numbers -----------------------------------------------------------------------


def _field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (PAGE, NUMPAGES) with the text shown until Word updates it."""

    def run_with(element_name: str, **attributes: str) -> None:
        run = set_run_font(paragraph.add_run(), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        element = OxmlElement(element_name)
        for key, value in attributes.items():
            element.set(qn(key), value)
        run._r.append(element)

    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    instruction_run = set_run_font(paragraph.add_run(), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    instruction_run._r.append(instr)
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    set_run_font(add_run(paragraph, placeholder), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    run_with("w:fldChar", **{"w:fldCharType": "end"})


def _page_number_footer(document: Document) -> None:
    footer = document.sections[0].footer
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _indent_chars(paragraph, 0)
    paragraph.paragraph_format.line_spacing = 1.0
    set_run_font(paragraph.add_run("— "), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    _field(paragraph, "PAGE", "1")
    set_run_font(paragraph.add_run(" —"), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


# Tables -----------------------------------------------------------------------------


def _borders(table: Table) -> None:
    """Single 0.5 pt borders around and inside every cell, whatever the style."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "4")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    # Schema order: tblBorders comes before shading, layout, margins and look.
    tbl_pr.insert_element_before(
        borders,
        "w:shd",
        "w:tblLayout",
        "w:tblCellMar",
        "w:tblLook",
        "w:tblCaption",
        "w:tblDescription",
        "w:tblPrChange",
    )


def _cell_text(cell: object, text: str, *, header: bool, align: WD_ALIGN_PARAGRAPH) -> None:
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    _indent_chars(paragraph, 0)
    paragraph.alignment = align
    paragraph.paragraph_format.line_spacing = 1.15
    set_run_font(
        add_run(paragraph, text),
        HEADING1_FONT if header else BODY_FONT,
        TABLE_SIZE,
    )
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER  # type: ignore[attr-defined]


def add_table(
    document: Document,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    widths: Sequence[Mm] | None = None,
    centred: Sequence[int] = (0,),
) -> Table:
    """A bordered table: a 黑体 header row repeated on each page, 仿宋 四号 cells.
    Columns whose index is in `centred` are centred (the number column by default)."""
    table = document.add_table(rows=1, cols=len(headers))
    _borders(table)
    header_row = table.rows[0]
    tr_pr = header_row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, text in zip(header_row.cells, headers, strict=True):
        _cell_text(cell, str(text), header=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.CENTER if index in centred else WD_ALIGN_PARAGRAPH.LEFT
            _cell_text(cell, "" if value is None else str(value), header=False, align=align)
    if widths:
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = width
    return table


# Response ---------------------------------------------------------------------------


def docx_bytes(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_response(document: Document, filename: str) -> HttpResponse:
    """An attachment download of `document`; a Chinese file name is kept exactly
    (RFC 5987 `filename*`), with an ASCII fallback for old clients."""
    response = HttpResponse(docx_bytes(document), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response
