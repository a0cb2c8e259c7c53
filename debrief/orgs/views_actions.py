"""Changes made from an organization's page: posts and terms, dissolving, merging.

Every change is one service call (debrief/orgs/services.py, debrief/people/services.py),
which checks the rules and writes the audit record."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from debrief.accounts.access import Capability, get_org_for_user, scope_for
from debrief.lib.actions import perform
from debrief.orgs.models import Organization
from debrief.orgs.services import org_dissolve, org_merge
from debrief.people.models import Gender, Post, Title
from debrief.people.services import person_take_post, post_end


class PostAssignForm(forms.Form):
    title = forms.ChoiceField(label=gettext_lazy("Post"), choices=Title.choices)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    gender = forms.ChoiceField(label=gettext_lazy("Gender"), choices=Gender.choices)
    ethnicity = forms.CharField(label=gettext_lazy("Ethnicity"), max_length=20, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)
    start_date = forms.DateField(
        label=gettext_lazy("Term start"), widget=forms.DateInput(attrs={"type": "date"})
    )


class DateForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class MergeForm(DateForm):
    into = forms.CharField(label=gettext_lazy("Merge into (code)"), max_length=32)


def _back(org: Organization) -> HttpResponse:
    return redirect("orgs:detail", org.pk)


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


@login_required
@require_POST
def post_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record someone taking up a post (for example a new secretary filling a vacancy)."""
    org = get_org_for_user(request, pk, Capability.EDIT)
    form = PostAssignForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(org)
    data = form.cleaned_data
    perform(
        request,
        lambda: person_take_post(
            name=data["name"],
            gender=data["gender"],
            ethnicity=data["ethnicity"],
            phone=data["phone"],
            organization=org,
            title=data["title"],
            start_date=data["start_date"],
            actor=request.user,
            request=request,
        ),
        _("%(person)s recorded as %(post)s.")
        % {"person": data["name"].strip(), "post": Title(data["title"]).label},
    )
    return _back(org)


@login_required
@require_POST
def post_close(request: HttpRequest, pk: int) -> HttpResponse:
    """End a term of office."""
    post = get_object_or_404(Post.objects.select_related("organization", "person"), pk=pk)
    org = get_org_for_user(request, post.organization_id, Capability.EDIT)
    form = DateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(org)
    perform(
        request,
        lambda: post_end(
            post=post, end_date=form.cleaned_data["date"], actor=request.user, request=request
        ),
        _("The term has ended."),
    )
    return _back(org)


@login_required
@require_POST
def dissolve(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request, pk, Capability.EDIT)
    form = DateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(org)
    perform(
        request,
        lambda: org_dissolve(
            org=org, on=form.cleaned_data["date"], actor=request.user, request=request
        ),
        _("%(name)s is dissolved; its history is kept.") % {"name": org.name},
    )
    return _back(org)


@login_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request, pk, Capability.EDIT)
    form = MergeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(org)
    into = Organization.objects.filter(code=form.cleaned_data["into"].strip()).first()
    if into is None or not scope_for(request.user).allows(into, Capability.EDIT):
        messages.error(request, _("No organization you can change has that code."))
        return _back(org)
    perform(
        request,
        lambda: org_merge(
            org=org, into=into, on=form.cleaned_data["date"], actor=request.user, request=request
        ),
        _("%(name)s is merged into %(into)s.") % {"name": org.name, "into": into.name},
    )
    return _back(org)
