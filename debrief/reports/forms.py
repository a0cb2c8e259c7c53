"""Forms of the report pages. They only shape input; the rules are in services.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from debrief.reports.models import SECTIONS
from debrief.reports.services import ATTACHMENT_TYPES

# A report has a handful of key indicators; more rows than this are ignored.
MAX_INDICATOR_ROWS = 100
INDICATOR_FIELDS = ("name", "target", "actual", "unit")
EMPTY_INDICATOR_ROWS = 3

_INDICATOR_KEY = re.compile(r"^indicator-(\d{1,4})-(name|target|actual|unit)$")
_LOOKS_LIKE_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


def editor_html(value: str) -> str:
    """The editor posts HTML; without JavaScript the textarea may hold plain text.

    Plain text (nothing that looks like a tag) becomes one paragraph per line, so
    that the line breaks the secretary typed survive. The result is sanitised by the
    service, like everything else.
    """
    value = (value or "").replace("\r\n", "\n")
    if _LOOKS_LIKE_HTML.search(value):
        return value
    return "".join(f"<p>{escape(line.strip())}</p>" for line in value.split("\n") if line.strip())


class ReportForm(forms.Form):
    """One textarea per section, in SECTIONS order; the editor script enhances each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label, _required in SECTIONS:
            self.fields[key] = forms.CharField(
                label=str(label),
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 8, "class": "rt-source"}),
            )

    def sections(self) -> dict[str, str]:
        """The posted sections as HTML; a section missing from the post is left as saved."""
        return {
            key: editor_html(self.cleaned_data.get(key, ""))
            for key, *_rest in SECTIONS
            if key in self.data
        }


def parse_indicators(data: Mapping[str, Any]) -> list[dict[str, str]] | None:
    """The key-indicator rows posted as indicator-N-name, -target, -actual, -unit.

    Rows come back in the order of N; empty rows are dropped by the service. None when
    the post has no indicator fields at all (the saved table is then kept).
    """
    rows: dict[int, dict[str, str]] = {}
    for key in data:
        match = _INDICATOR_KEY.match(key)
        if match is None:
            continue
        index, field = int(match.group(1)), match.group(2)
        rows.setdefault(index, dict.fromkeys(INDICATOR_FIELDS, ""))[field] = str(data.get(key, ""))
    if not rows:
        return None
    return [rows[index] for index in sorted(rows)[:MAX_INDICATOR_ROWS]]


def indicator_rows(indicators: list[dict[str, Any]], empty: int = EMPTY_INDICATOR_ROWS) -> list:
    """The rows the editor shows: the saved ones and a few empty ones to fill in."""
    rows = [{field: str(row.get(field, "")) for field in INDICATOR_FIELDS} for row in indicators]
    rows += [dict.fromkeys(INDICATOR_FIELDS, "") for _i in range(empty)]
    return [{"index": index, **row} for index, row in enumerate(rows)]


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for return"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "return-reason"}),
        help_text=_("The secretary sees this reason and revises the report."),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Attachment"),
        widget=forms.FileInput(
            attrs={
                "accept": ",".join(sorted(ATTACHMENT_TYPES)),
                "data-testid": "attachment-input",
            }
        ),
        help_text=_("PDF, Word (.docx), Excel (.xlsx), JPEG or PNG."),
    )


class CompareForm(forms.Form):
    a = forms.IntegerField(label=_("Version"), min_value=1)
    b = forms.IntegerField(label=_("with version"), min_value=1)
