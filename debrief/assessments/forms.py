"""Forms of the assessment pages. They only shape input; the rules are in services.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from debrief.assessments.models import Grade, Scheme
from debrief.lib.xlsx import XLSX_CONTENT_TYPE
from debrief.orgs.models import Field

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
HUNDRED = Decimal(100)


def _testids(form: forms.BaseForm, **ids: str) -> None:
    for name, testid in ids.items():
        form.fields[name].widget.attrs["data-testid"] = testid


def _number(label: Any, help_text: Any = "", *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=required,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
    )


class SchemeForm(forms.Form):
    """The scheme as people think of it: shares as percentages. Whether the weights add
    up and the bands fall is the service's call (scheme_set), shown as its message."""

    weight_daily = _number(_("Daily assessment (%)"))
    weight_evaluation = _number(_("Democratic evaluation (%)"))
    weight_debrief = _number(_("Debriefing and comments (%)"))
    band_good = _number(_("Lowest total for good"))
    band_fairly_good = _number(_("Lowest total for fairly good"))
    band_average = _number(_("Lowest total for average"))
    poor_share_cap = forms.DecimalField(
        label=_("Poor share above which good is not possible (%)"),
        help_text=_("Empty: no cap. For example 33.33 for one third of the valid ratings."),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
    )
    poor_share_cap_grade = forms.ChoiceField(
        label=_("Grade at most, when capped"), choices=Grade.choices
    )
    good_quota = forms.DecimalField(
        label=_("Largest share of reporters graded good (%)"),
        help_text=_("Empty: no quota."),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
    )
    veto_grade = forms.ChoiceField(label=_("Grade forced by a veto"), choices=Grade.choices)
    veto_items = forms.CharField(
        label=_("One-vote veto items"),
        help_text=_("One item per line. Removing a line removes the item and its vetoes."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _testids(
            self,
            weight_daily="scheme-weight-daily",
            weight_evaluation="scheme-weight-evaluation",
            weight_debrief="scheme-weight-debrief",
            band_good="scheme-band-good",
            band_fairly_good="scheme-band-fairly-good",
            band_average="scheme-band-average",
            poor_share_cap="scheme-poor-share-cap",
            poor_share_cap_grade="scheme-poor-share-cap-grade",
            good_quota="scheme-good-quota",
            veto_grade="scheme-veto-grade",
            veto_items="scheme-veto-items",
        )

    @staticmethod
    def initial_for(scheme: Scheme) -> dict[str, Any]:
        def percent(value: Decimal | None) -> Decimal | None:
            return None if value is None else (value * HUNDRED).quantize(Decimal("0.01"))

        return {
            "weight_daily": scheme.weight_daily,
            "weight_evaluation": scheme.weight_evaluation,
            "weight_debrief": scheme.weight_debrief,
            "band_good": scheme.band_good,
            "band_fairly_good": scheme.band_fairly_good,
            "band_average": scheme.band_average,
            "poor_share_cap": percent(scheme.poor_share_cap),
            "poor_share_cap_grade": scheme.poor_share_cap_grade,
            "good_quota": percent(scheme.good_quota),
            "veto_grade": scheme.veto_grade,
            "veto_items": "\n".join(scheme.veto_items.order_by("pk").values_list("name", flat=True))
            if scheme.pk
            else "",
        }

    def values(self) -> dict[str, Any]:
        """The cleaned data as scheme_set's `values` (shares back to 0–1)."""
        data = self.cleaned_data
        values = {
            key: data[key]
            for key in (
                "weight_daily",
                "weight_evaluation",
                "weight_debrief",
                "band_good",
                "band_fairly_good",
                "band_average",
                "poor_share_cap_grade",
                "veto_grade",
            )
        }
        for key in ("poor_share_cap", "good_quota"):
            value = data[key]
            values[key] = None if value is None else value / HUNDRED
        return values

    def veto_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["veto_items"].splitlines()]


class ApproveForm(forms.Form):
    approved_on = forms.DateField(label=_("Approved on"), widget=DATE_WIDGET)
    approval_document = forms.CharField(
        label=_("Document number"),
        max_length=100,
        required=False,
        help_text=_("For example 县委常委会〔2026〕2号."),
    )
    approved_by = forms.CharField(label=_("Approved by"), max_length=100, required=False)
    rectify_by = forms.DateField(
        label=_("Rectify by"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_(
            "The deadline the circular and the letters give; empty: three months after "
            "the approval."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["approved_on"].initial = timezone.localdate()
        _testids(
            self,
            approved_on="approve-date",
            approval_document="approve-document",
            approved_by="approve-by",
            rectify_by="approve-rectify-by",
        )


class GradeChangeForm(forms.Form):
    """A manual adjustment (draft) or a correction (published). The reason is checked
    by the service, which says why it is needed."""

    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class IndicatorForm(forms.Form):
    category = forms.CharField(
        label=_("Category"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"list": "assess-categories"}),
    )
    code = forms.CharField(label=_("Code"), max_length=20, required=False)
    name = forms.CharField(label=_("Item"), max_length=200, required=False)
    max_points = forms.CharField(
        label=_("Maximum points"),
        max_length=20,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
    criteria = forms.CharField(
        label=_("Scoring criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    applies_to = forms.MultipleChoiceField(
        label=_("Fields it applies to"),
        help_text=_("None ticked: every field."),
        choices=Field.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _testids(
            self,
            category="indicator-category",
            code="indicator-code",
            name="indicator-name",
            max_points="indicator-max",
            criteria="indicator-criteria",
        )


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.FileInput(
            attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}", "data-testid": "catalogue-file"}
        ),
    )


def max_upload_bytes() -> int:
    return int(settings.DEBRIEF_MAX_UPLOAD_MB) * 1024 * 1024
