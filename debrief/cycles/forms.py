"""Forms of the cycle pages. They only shape input; the rules are in services.py."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from debrief.accounts.access import Capability, orgs_for_user
from debrief.cycles.models import Mode
from debrief.orgs.models import Field, Level, Organization, Status

# How many organizations the host select offers; higher levels come first.
HOST_CHOICES_CAP = 500
HOST_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP)
# A province is never a reporter: it hosts.
REPORTER_LEVELS = [(value, label) for value, label in Level.choices if value != Level.PROVINCE]
DEFAULT_LEVELS = [Level.TOWNSHIP, Level.UNIT]


def default_year(today: datetime.date | None = None) -> int:
    """The year reported on: cycles run from November to March for the year just ended."""
    today = today or timezone.localdate()
    return today.year if today.month >= 10 else today.year - 1


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CyclePlanForm(forms.Form):
    """The descriptive fields common to creating and editing a cycle."""

    levels = forms.MultipleChoiceField(
        label=_("Levels in scope"),
        choices=REPORTER_LEVELS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The roster takes the organizations of these levels directly under the host."),
    )
    # Not `fields`: that name is the form's own dictionary of fields.
    work_fields = forms.MultipleChoiceField(
        label=_("Fields in scope"),
        choices=Field.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    reference_date = forms.DateField(
        label=_("Reference date"),
        widget=_date_widget(),
        help_text=_("The roster lists the secretary in post on this date."),
    )
    report_deadline = forms.DateField(
        label=_("Report deadline"), required=False, widget=_date_widget()
    )
    meeting_deadline = forms.DateField(
        label=_("Meeting to be held by"), required=False, widget=_date_widget()
    )
    key_content = forms.CharField(
        label=_("This year's key content"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CycleCreateForm(CyclePlanForm):
    host = forms.ModelChoiceField(
        label=_("Host committee"), queryset=Organization.objects.none(), empty_label=None
    )
    year = forms.IntegerField(label=_("Year reported on"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Leave empty for the standard title of the host and year."),
    )
    field_order = [
        "host",
        "year",
        "title",
        "levels",
        "work_fields",
        "reference_date",
        "report_deadline",
        "meeting_deadline",
        "key_content",
    ]

    def __init__(self, *args: Any, user: Any, initial_host: int | None = None, **kwargs: Any):
        kwargs.setdefault(
            "initial",
            {"year": default_year(), "work_fields": Field.values},
        )
        super().__init__(*args, **kwargs)
        # Left empty, the scope is the level below the host plus its directly-under
        # units (a county hears its townships, a township its villages).
        self.fields["levels"].required = False
        self.fields["levels"].help_text = _(
            "Leave empty for the level directly below the host and its directly-under units."
        )
        # Validation accepts any organization the user may edit at a hosting level; the
        # select offers the first HOST_CHOICES_CAP of them, higher levels first.
        hosts = orgs_for_user(user, Capability.EDIT).filter(
            level__in=HOST_LEVELS, status=Status.ACTIVE
        )
        offered = list(hosts.order_by("depth", "path")[:HOST_CHOICES_CAP])
        if initial_host is not None and initial_host not in {o.pk for o in offered}:
            extra = hosts.filter(pk=initial_host).first()
            if extra is not None:
                offered.insert(0, extra)
        if initial_host is not None:
            self.initial["host"] = initial_host
        field = self.fields["host"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = hosts
        field.choices = [(o.pk, f"{o.name} · {o.get_level_display()}") for o in offered]
        self.cap = HOST_CHOICES_CAP
        self.capped = len(offered) >= HOST_CHOICES_CAP
        self.fields["reference_date"].required = False
        self.fields["reference_date"].help_text = _(
            "The roster lists the secretary in post on this date. Leave empty for "
            "31 December of the year."
        )


class CycleEditForm(CyclePlanForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    rotation_cycles = forms.IntegerField(
        label=_("Rotation window (cycles)"),
        min_value=0,
        max_value=20,
        help_text=_(
            "On-site speakers are suggested among those who have not reported on-site "
            "in this many previous cycles."
        ),
    )
    field_order = [
        "title",
        "levels",
        "work_fields",
        "reference_date",
        "report_deadline",
        "meeting_deadline",
        "key_content",
        "rotation_cycles",
    ]


class ReporterAddForm(forms.Form):
    code = forms.CharField(
        label=_("Organization code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "roster-candidates"}),
    )


class ArrangeForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)
    session = forms.IntegerField(label=_("Session"), min_value=1, max_value=99)
    order = forms.IntegerField(
        label=_("Speaking order"), min_value=1, max_value=999, required=False
    )


class OnsiteApplyForm(forms.Form):
    """Either the top `count` eligible suggestions, or exactly the ticked reporters."""

    TOP = "top"
    TICKED = "ticked"

    how = forms.ChoiceField(choices=[(TOP, TOP), (TICKED, TICKED)])
    count = forms.IntegerField(
        label=_("How many speak on-site"), min_value=0, max_value=999, required=False
    )
    reporters = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=[])

    def __init__(self, *args: Any, reporter_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reporters"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(pk, pk) for pk in reporter_ids]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("how") == self.TOP and cleaned.get("count") is None:
            self.add_error("count", _("Say how many speak on-site."))
        return cleaned


class DrawForm(forms.Form):
    session = forms.IntegerField(min_value=1, max_value=99)
