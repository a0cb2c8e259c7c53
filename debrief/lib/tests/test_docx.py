"""The shared .docx layout: official page, fonts, numbering, tables and the download."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from debrief.lib.docx import (
    BODY_FONT,
    DOCX_CONTENT_TYPE,
    HEADING1_FONT,
    HEADING2_FONT,
    TITLE_FONT,
    add_heading1,
    add_heading2,
    add_paragraph,
    add_table,
    add_title,
    cn_date,
    cn_item,
    cn_numeral,
    cn_paren,
    docx_bytes,
    docx_response,
    new_document,
)


def _reread(document):
    return Document(BytesIO(docx_bytes(document)))


def _east_asia(run) -> str | None:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (999, "九百九十九"),
        (1000, "1000"),
    ],
)
def test_chinese_numerals_read_as_written_in_documents(number, text):
    assert cn_numeral(number) == text


def test_the_two_heading_numberings_and_the_date():
    import datetime

    assert [cn_item(n) for n in (1, 2, 12)] == ["一、", "二、", "十二、"]
    assert [cn_paren(n) for n in (1, 3, 10)] == ["（一）", "（三）", "（十）"]
    assert cn_date(datetime.date(2026, 1, 5)) == "2026年1月5日"


def test_numbering_starts_at_one():
    with pytest.raises(ValueError):
        cn_numeral(0)


def test_a_new_document_is_a4_with_the_official_margins_and_body_style():
    document = _reread(new_document(title="会议议程", author="示范县委"))
    section = document.sections[0]
    assert [round(x.mm) for x in (section.page_width, section.page_height)] == [210, 297]
    assert [
        round(x.mm)
        for x in (
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ] == [37, 35, 28, 26]
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT
    assert normal.paragraph_format.line_spacing == Pt(28)
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert document.core_properties.author == "示范县委"
    assert document.core_properties.title == "会议议程"


def test_the_footer_numbers_pages_as_dash_number_dash_with_a_page_field():
    footer = _reread(new_document()).sections[0].footer
    paragraph = footer.paragraphs[0]
    assert paragraph.text == "— 1 —"
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    instructions = [e.text for e in paragraph._p.iter(qn("w:instrText"))]
    assert instructions == [" PAGE "]
    kinds = [e.get(qn("w:fldCharType")) for e in paragraph._p.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]


def test_title_headings_and_body_name_their_east_asian_fonts():
    document = new_document()
    add_title(document, "点评意见汇总")
    add_heading1(document, 1, "肯定成绩")
    add_heading2(document, 2, "存在问题")
    add_paragraph(document, "正文内容")
    paragraphs = _reread(document).paragraphs
    title, heading1, heading2, body = paragraphs
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert (title.runs[0].font.size, _east_asia(title.runs[0])) == (Pt(22), TITLE_FONT)
    assert (heading1.text, _east_asia(heading1.runs[0])) == ("一、肯定成绩", HEADING1_FONT)
    assert (heading2.text, _east_asia(heading2.runs[0])) == ("（二）存在问题", HEADING2_FONT)
    assert (body.runs[0].font.size, _east_asia(body.runs[0])) == (Pt(16), BODY_FONT)
    assert body.runs[0].font.name == BODY_FONT
    # Body and headings are indented two characters; the title is not.
    ind = body._p.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert body.paragraph_format.first_line_indent == Pt(32)
    assert title._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "0"


def test_tables_have_borders_and_repeat_their_header_row():
    document = new_document()
    add_table(document, ["序号", "指标"], [[1, "两个覆盖率"], [2, None]])
    table = _reread(document).tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["序号", "指标"],
        ["1", "两个覆盖率"],
        ["2", ""],
    ]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {child.tag.split("}")[1] for child in borders} == {
        "top",
        "left",
        "bottom",
        "right",
        "insideH",
        "insideV",
    }
    assert all(child.get(qn("w:val")) == "single" for child in borders)
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    header_run = table.rows[0].cells[0].paragraphs[0].runs[0]
    assert _east_asia(header_run) == HEADING1_FONT


def test_the_response_is_a_docx_download_with_the_chinese_file_name():
    document = new_document()
    add_paragraph(document, "内容")
    response = docx_response(document, "会议议程.docx")
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('会议议程.docx')}" in disposition
    assert response["Cache-Control"] == "no-store"
    assert Document(BytesIO(response.content)).paragraphs[0].text == "内容"


def test_text_with_xml_illegal_characters_is_written_without_them():
    """python-docx raises ValueError on control characters XML cannot hold; every
    text-writing helper drops them (tab and line feed stay)."""
    document = new_document(title="标题\x0b", author="作者\x1f")
    add_title(document, "标\x0b题")
    add_heading1(document, 1, "一级\x1f标题")
    add_heading2(document, 1, "二级\x00标题")
    add_paragraph(document, "正\x1f文\x0c内容\t制表")
    add_table(document, ["序\x0b号", "内容"], [[1, "单元\x1f格"], [2, None]])
    reread = _reread(document)
    texts = [p.text for p in reread.paragraphs]
    assert texts == ["标题", "一、一级标题", "（一）二级标题", "正文内容\t制表"]
    cells = [cell.text for row in reread.tables[0].rows for cell in row.cells]
    assert cells == ["序号", "内容", "1", "单元格", "2", ""]
    assert reread.core_properties.title == "标题"
    assert reread.core_properties.author == "作者"
