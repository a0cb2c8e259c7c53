"""Forms of the rectification pages. They only shape input; the rules are in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from debrief.cycles.models import Cycle
from debrief.lib.xlsx import XLSX_CONTENT_TYPE
from debrief.orgs.models import Organization
from debrief.orgs.models import Status as OrgStatus
from debrief.rectification.models import (
    Category,
    PlanStatus,
    ProblemStatus,
    Severity,
    Source,
)
from debrief.reports.services import ATTACHMENT_TYPES

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_FILES = 10
# Sources a problem entered by hand may have; comments and evaluations have their own.
MANUAL_SOURCES = [
    (Source.INSPECTION.value, Source.INSPECTION.label),
    (Source.SELF_CHECK.value, Source.SELF_CHECK.label),
    (Source.MANUAL.value, Source.MANUAL.label),
]


ALL = _("All")


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", ALL), *[(str(value), text) for value, text in choices]]


def _testids(form: forms.BaseForm, **ids: str) -> None:
    for name, testid in ids.items():
        form.fields[name].widget.attrs["data-testid"] = testid


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the service checks each one's type and size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ",".join(sorted(ATTACHMENT_TYPES))})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("At most %(n)d files at a time.") % {"n": MAX_FILES}, code="too_many"
            )
        return files


EVIDENCE_HELP = _("PDF, Word (.docx), Excel (.xlsx), JPEG or PNG; several files may be chosen.")


class ProblemFilterForm(forms.Form):
    """The filters of the problem list (GET). Invalid values are ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    cycle = forms.TypedChoiceField(label=_("Cycle"), required=False, coerce=int, empty_value=None)
    org = forms.IntegerField(required=False, widget=forms.HiddenInput)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    due_soon = forms.BooleanField(label=_("Due within 14 days"), required=False)

    def __init__(self, *args: Any, cycles: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["status"].choices = _blank(ProblemStatus.choices)  # type: ignore[attr-defined]
        fields["category"].choices = _blank(Category.choices)  # type: ignore[attr-defined]
        fields["severity"].choices = _blank(Severity.choices)  # type: ignore[attr-defined]
        fields["source"].choices = _blank(Source.choices)  # type: ignore[attr-defined]
        fields["cycle"].choices = _blank(  # type: ignore[attr-defined]
            [(cycle.pk, cycle.title) for cycle in cycles]
        )
        _testids(
            self,
            q="filter-q",
            status="filter-status",
            category="filter-category",
            severity="filter-severity",
            source="filter-source",
            cycle="filter-cycle",
            overdue="filter-overdue",
            due_soon="filter-due-soon",
        )
        fields["q"].widget.attrs["type"] = "search"


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200, required=False)
    due = forms.DateField(label=_("Due"), required=False, widget=DATE_WIDGET)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("title", "").strip() and not data.get("due"):
            self.add_error("due", _("Give the milestone a date."))
        return data


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=2, max_num=20, absolute_max=40)


class PlanFieldsForm(forms.Form):
    """The item's line in the rectification and responsibility lists."""

    measures = forms.CharField(
        label=_("Measures"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    responsible_org = forms.ModelChoiceField(
        label=_("Responsible organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=None,
    )
    responsible_person = forms.CharField(label=_("Person responsible"), max_length=50)
    responsible_leader = forms.CharField(label=_("Leader in charge"), max_length=50, required=False)
    deadline = forms.DateField(label=_("Deadline"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responsible_org"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organization.subtree().filter(status=OrgStatus.ACTIVE).order_by("path")
        _testids(
            self,
            measures="plan-measures",
            responsible_org="plan-responsible-org",
            responsible_person="plan-person",
            responsible_leader="plan-leader",
            deadline="plan-deadline",
        )


class ProgressForm(forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("rectification", "Progress"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    percent = forms.IntegerField(label=_("Percent complete"), min_value=0, max_value=100)
    evidence = MultipleFileField(label=_("Evidence"), help_text=EVIDENCE_HELP)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _testids(self, text="progress-text", percent="progress-percent", evidence="progress-files")


class CompleteForm(forms.Form):
    text = forms.CharField(
        label=_("How the problem was rectified"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = MultipleFileField(
        label=_("Evidence"),
        help_text=_("Evidence is required: attach it here unless a progress entry has some."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _testids(self, text="complete-text", evidence="complete-files")


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("Verification note"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "verify-note"}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "reopen-reason"}),
        help_text=_("The responsible organization sees this reason."),
    )


class KeyTaskForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=_("Task title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the problem's description."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _testids(self, year="keytask-year", title="keytask-title")


class PlanApproveForm(forms.Form):
    approved_on = forms.DateField(label=_("Approved on"), widget=DATE_WIDGET)
    approved_by_body = forms.CharField(
        label=_("Approved by"),
        max_length=100,
        required=False,
        help_text=_("For example: the township party committee meeting."),
    )
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _testids(
            self,
            approved_on="plan-approved-on",
            approved_by_body="plan-approved-by",
            document_number="plan-document-number",
        )


class PlanReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for return"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "plan-return-reason"}),
        help_text=_("The organization sees this reason, revises the plan and files it again."),
    )


class PlanFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _blank(PlanStatus.choices)  # type: ignore[attr-defined]
        _testids(self, status="plan-filter-status")


class ProblemNewForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none()
    )
    source = forms.ChoiceField(label=_("Source"), choices=MANUAL_SOURCES)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.GENERAL
    )
    description = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=Cycle.objects.none(), required=False)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, organizations: Any, cycles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["cycle"].queryset = cycles  # type: ignore[attr-defined]
        _testids(
            self,
            organization="new-organization",
            source="new-source",
            category="new-category",
            severity="new-severity",
            description="new-description",
            cycle="new-cycle",
            deadline="new-deadline",
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.FileInput(
            attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}", "data-testid": "import-file"}
        ),
    )
    check_only = forms.BooleanField(
        label=_("Check only: report what would change, change nothing"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-testid": "import-check-only"}),
    )


class ProblemsImportForm(ImportForm):
    cycle = forms.ModelChoiceField(
        label=_("Cycle"),
        queryset=Cycle.objects.none(),
        required=False,
        help_text=_("Optional: the cycle the problems belong to."),
    )

    def __init__(self, *args: Any, cycles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = cycles  # type: ignore[attr-defined]
        _testids(self, cycle="import-cycle")
