"""Rich text from the browser editor, sanitised before it is stored or shown."""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4",
    "table", "thead", "tbody", "tr", "th", "td", "blockquote",
}  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def sanitize(value: str) -> str:
    """Keep the formatting a report needs; drop scripts, styles, links and events."""
    return nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags={"script", "style"},
        url_schemes=set(),
    ).strip()


_BLOCK_END = re.compile(r"</(p|li|h3|h4|tr|blockquote)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def to_text(value: str) -> str:
    """Plain text of sanitised HTML, one line per paragraph (for diffs and .docx)."""
    text = _BLOCK_END.sub("\n", value or "")
    text = _TAG.sub("", text)
    lines = [html.unescape(line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def paragraphs(value: str) -> list[str]:
    return [line for line in to_text(value).split("\n") if line]
