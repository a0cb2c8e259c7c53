"""Log in, change one's password, and (for administrators) manage accounts and roles.

Every change goes through debrief.accounts.services; a broken rule comes back as a
DomainError and is shown as a message on the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from debrief.accounts import services
from debrief.accounts.access import Capability, require_capability
from debrief.accounts.forms import GrantCreateForm, GrantSearchForm, LoginForm, UserCreateForm
from debrief.accounts.models import Role, User
from debrief.lib.actions import perform
from debrief.lib.errors import DomainError

PAGE_SIZE = 50
ROLELESS_SHOWN = 200  # accounts without a role listed under the roles
ACCOUNT_PREFIX = "account"
GRANT_PREFIX = "grant"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Any logged-in user changes their own password (Django's view and form)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("front:home")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            services.password_changed(user=form.user, request=self.request)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def grant_list(request: HttpRequest) -> HttpResponse:
    """Roles on the organizations this administrator manages; creating accounts and
    granting roles post back here."""
    require_capability(request, Capability.MANAGE_ACCOUNTS)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create_account":
            return _create_account(request)
        if action == "grant":
            return _grant(request)
        messages.error(request, _("Unknown action."))
        return redirect("accounts:grants")
    return _render_page(request)


def _create_account(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST, prefix=ACCOUNT_PREFIX)
    if form.is_valid():
        try:
            text = form.cleaned_data["organization"].strip()
            user = services.user_create(
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                organization=services.org_for_grant(actor=request.user, text=text)
                if text
                else None,
                actor=request.user,
                request=request,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Account %(name)s created. Grant it a role so that it can see data.")
                % {"name": user.username},
            )
            return redirect("accounts:grants")
    return _render_page(request, user_form=form)


def _grant(request: HttpRequest) -> HttpResponse:
    form = GrantCreateForm(request.POST, prefix=GRANT_PREFIX)
    if form.is_valid():
        try:
            user = services.user_by_username(form.cleaned_data["username"])
            organization = services.org_for_grant(
                actor=request.user, text=form.cleaned_data["organization"]
            )
            services.grant_create(
                user=user,
                organization=organization,
                role=form.cleaned_data["role"],
                actor=request.user,
                request=request,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(user)s is now %(role)s of %(organization)s.")
                % {
                    "user": user.username,
                    "role": Role(form.cleaned_data["role"]).label,
                    "organization": organization.name,
                },
            )
            return redirect("accounts:grants")
    return _render_page(request, grant_form=form)


def _render_page(
    request: HttpRequest,
    *,
    user_form: UserCreateForm | None = None,
    grant_form: GrantCreateForm | None = None,
) -> HttpResponse:
    search = GrantSearchForm(request.GET)
    grants = services.grants_managed_by(request.user)
    query = role = ""
    if search.is_valid():
        query = search.cleaned_data["q"].strip()
        role = search.cleaned_data["role"]
    if query:
        grants = grants.filter(
            Q(user__username__icontains=query)
            | Q(user__full_name__icontains=query)
            | Q(organization__name__icontains=query)
            | Q(organization__short_name__icontains=query)
            | Q(organization__code__iexact=query)
        )
    if role:
        grants = grants.filter(role=role)
    grants = grants.order_by("organization__path", "role", "user__username", "pk")
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/grants.html",
        {
            "page": page,
            "search": search,
            "query": query,
            "without_role": services.accounts_without_role(request.user)[:ROLELESS_SHOWN],
            "user_form": user_form or UserCreateForm(prefix=ACCOUNT_PREFIX),
            "grant_form": grant_form or GrantCreateForm(prefix=GRANT_PREFIX),
        },
    )


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to the list the button was on (search and page kept), if that is local."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("accounts:grants"))


@login_required
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request, Capability.MANAGE_ACCOUNTS)
    # Grants outside the administrator's organizations do not exist for them.
    grant = get_object_or_404(services.grants_managed_by(request.user), pk=pk)
    perform(
        request,
        lambda: services.grant_revoke(grant=grant, actor=request.user, request=request),
        _("Revoked: %(user)s, %(role)s of %(organization)s.")
        % {
            "user": grant.user.username,
            "role": grant.get_role_display(),
            "organization": grant.organization.name,
        },
    )
    return _back(request)


def _managed_user(request: HttpRequest, pk: int) -> User:
    """An account holding a role somewhere this administrator manages, or holding none
    and belonging there; 404 otherwise."""
    require_capability(request, Capability.MANAGE_ACCOUNTS)
    user_ids = services.grants_managed_by(request.user).values("user_id")
    roleless = services.accounts_without_role(request.user).values("pk")
    return get_object_or_404(User.objects.filter(Q(pk__in=user_ids) | Q(pk__in=roleless)), pk=pk)


@login_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    perform(
        request,
        lambda: services.user_set_active(
            user=user, active=False, actor=request.user, request=request
        ),
        _("Account %(name)s deactivated.") % {"name": user.username},
    )
    return _back(request)


@login_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user(request, pk)
    perform(
        request,
        lambda: services.user_set_active(
            user=user, active=True, actor=request.user, request=request
        ),
        _("Account %(name)s reactivated.") % {"name": user.username},
    )
    return _back(request)
