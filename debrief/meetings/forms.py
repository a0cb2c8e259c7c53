"""Forms of the meeting pages. They only shape input; the rules are in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from debrief.cycles.models import Reporter
from debrief.meetings.models import CommenterRole, Meeting
from debrief.rectification.models import Category, Severity

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _testids(form: forms.BaseForm, **ids: str) -> None:
    for name, testid in ids.items():
        form.fields[name].widget.attrs["data-testid"] = testid


class ScheduleForm(forms.Form):
    session = forms.IntegerField(min_value=1, max_value=99, widget=forms.HiddenInput)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for the standard title."),
    )
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    start_time = forms.TimeField(label=_("Start time"), required=False, widget=TIME_WIDGET)
    presider = forms.CharField(label=_("Presider"), max_length=100)
    presider_title = forms.CharField(
        label=_("Presider's post"),
        max_length=100,
        required=False,
        help_text=_("For example: secretary of the county party committee."),
    )
    guidance = forms.CharField(
        label=_("Attending for guidance"),
        max_length=200,
        required=False,
        help_text=_("For example the higher-level organization department."),
    )
    speech_minutes = forms.IntegerField(
        label=_("Minutes per speech"), min_value=1, max_value=60, initial=8
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _testids(
            self,
            title="meeting-title",
            date="meeting-date",
            start_time="meeting-start-time",
            presider="meeting-presider",
            presider_title="meeting-presider-title",
            guidance="meeting-guidance",
            speech_minutes="meeting-speech-minutes",
        )


class VenueForm(forms.Form):
    """One venue row. A row without a name is ignored (that is how a venue is removed)."""

    name = forms.CharField(label=_("Venue"), max_length=100, required=False)
    is_main = forms.BooleanField(label=_("Main venue"), required=False)
    expected = forms.IntegerField(
        label=_("Expected attendance"), min_value=0, max_value=100000, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _testids(
            self,
            name=f"{self.prefix}-name",
            is_main=f"{self.prefix}-is-main",
            expected=f"{self.prefix}-expected",
        )


VenueFormSet = forms.formset_factory(VenueForm, extra=2, max_num=30, validate_max=True)


class AttendanceForm(forms.Form):
    expected = forms.IntegerField(label=_("Expected"), min_value=0, max_value=100000)
    present = forms.IntegerField(label=_("Present"), min_value=0, max_value=100000)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes of the meeting"),
        required=False,
        max_length=100000,
        widget=forms.Textarea(attrs={"rows": 8, "data-testid": "meeting-minutes"}),
    )


class ReporterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display


class QuestionForm(forms.Form):
    reporter = ReporterChoiceField(label=_("Reporter"), queryset=Reporter.objects.none())
    asked_by = forms.CharField(
        label=_("Asked by"),
        max_length=100,
        help_text=_("For example: party congress delegate Wang."),
    )
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}))
    answer = forms.CharField(
        label=_("Answer"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reporter"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = meeting.reporters().select_related("person")
        _testids(
            self,
            reporter="question-reporter",
            asked_by="question-asked-by",
            question="question-text",
            answer="question-answer",
        )


class CommentForm(forms.Form):
    commenter = forms.CharField(label=_("Commented by"), max_length=100)
    commenter_role = forms.ChoiceField(label=_("Role"), choices=CommenterRole.choices)
    portfolio = forms.CharField(
        label=_("Portfolio"),
        max_length=100,
        required=False,
        help_text=_("For a leader commenting on their portfolio."),
    )
    affirmations = forms.CharField(
        label=_("Achievements affirmed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    requirements = forms.CharField(
        label=_("Requirements"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _testids(
            self,
            commenter="comment-commenter",
            commenter_role="comment-role",
            portfolio="comment-portfolio",
            affirmations="comment-affirmations",
            requirements="comment-requirements",
        )
        # The commenter is pre-filled with the presider: typing starts at the
        # affirmations.
        self.fields["affirmations"].widget.attrs["autofocus"] = True


class ProblemForm(forms.Form):
    """One problem pointed out. A row without a description is ignored."""

    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", "—"), *Category.choices]
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.GENERAL
    )
    description = forms.CharField(
        label=_("Problem"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _testids(
            self,
            category=f"{self.prefix}-category",
            severity=f"{self.prefix}-severity",
            description=f"{self.prefix}-description",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("description") or "").strip() and not cleaned.get("category"):
            self.add_error("category", _("Choose the category of this problem."))
        return cleaned


ProblemFormSet = forms.formset_factory(ProblemForm, extra=3, max_num=30, validate_max=True)
# Correcting a comment: one empty row for a further problem, more with "Add a row".
MoreProblemsFormSet = forms.formset_factory(ProblemForm, extra=1, max_num=30, validate_max=True)
PROBLEM_PREFIX = "problem"
VENUE_PREFIX = "venue"
