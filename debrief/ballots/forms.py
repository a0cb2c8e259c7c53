"""Forms of the staff pages. They only parse input; the rules are the services'."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from debrief.ballots.models import DEFAULT_POINTS, Evaluation, Grade, VoterGroup
from debrief.ballots.slips import MAX_SLIPS_PER_DOWNLOAD


class SetupForm(forms.Form):
    points_good = forms.IntegerField(label=_("Good"), min_value=0, max_value=1000)
    points_fairly_good = forms.IntegerField(label=_("Fairly good"), min_value=0, max_value=1000)
    points_average = forms.IntegerField(label=_("Average"), min_value=0, max_value=1000)
    points_poor = forms.IntegerField(label=_("Poor"), min_value=0, max_value=1000)
    require_all = forms.BooleanField(label=_("Every reporter must be rated"), required=False)
    max_good_percent = forms.DecimalField(
        label=_("Largest share of reporters one ballot may rate good (%)"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal(100),
        decimal_places=1,
        help_text=_(
            # xgettext:no-python-format
            "For example 60: a ballot rating more than 60% good is invalid. Empty: no limit."
        ),
    )
    reason_required_for_poor = forms.BooleanField(
        label=_("A reason is required for poor"), required=False
    )
    min_group_size = forms.IntegerField(
        label=_("Smallest group shown separately"),
        min_value=1,
        max_value=1000,
        help_text=_("Group breakdowns are withheld where a group cast fewer ballots than this."),
    )
    items = forms.CharField(
        label=_("Items rated besides the overall grade (optional, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def initial_for(cls, evaluation: Evaluation | None) -> dict[str, Any]:
        if evaluation is None:
            return {
                **{f"points_{g}": p for g, p in DEFAULT_POINTS.items()},
                "require_all": True,
                "min_group_size": 3,
            }
        share = evaluation.max_good_share
        return {
            **{f"points_{g}": evaluation.points_for(g) for g in Grade.values},
            "require_all": evaluation.require_all,
            "max_good_percent": None if share is None else (share * 100).quantize(Decimal("0.1")),
            "reason_required_for_poor": evaluation.reason_required_for_poor,
            "min_group_size": evaluation.min_group_size,
            "items": "\n".join(evaluation.items.values_list("name", flat=True)),
        }

    def setup_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        percent = data.get("max_good_percent")
        return {
            "points": {g: data[f"points_{g}"] for g in Grade.values},
            "require_all": data["require_all"],
            "max_good_share": (
                None if percent is None else (percent / 100).quantize(Decimal("0.001"))
            ),
            "reason_required_for_poor": data["reason_required_for_poor"],
            "min_group_size": data["min_group_size"],
            "items": [line.strip() for line in data["items"].splitlines() if line.strip()],
        }


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Voter group"), max_length=100, required=False)
    share = forms.DecimalField(
        label=_("Weight share (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("name") or "").strip() and data.get("share") is None:
            self.add_error("share", _("Give the share of this group."))
        return data


GroupFormSet = forms.formset_factory(GroupForm, extra=2, max_num=30, absolute_max=40)
GROUP_PREFIX = "groups"


class TokenIssueForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Voter group"), queryset=VoterGroup.objects.none())
    count = forms.IntegerField(
        label=_("Number of tokens"), min_value=1, max_value=MAX_SLIPS_PER_DOWNLOAD
    )

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = VoterGroup.objects.filter(evaluation=evaluation).order_by("order", "pk")
