"""The accounts and roles page, and the services behind it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from debrief.accounts import services
from debrief.accounts.models import Grant, Role, User
from debrief.audit.models import AuditRecord, Result
from debrief.lib.errors import DomainError
from debrief.orgs.models import Field, Level
from debrief.orgs.services import org_create, org_dissolve

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Spring-river-lantern-42"
GRANTS = reverse("accounts:grants")


def _message_levels(response: Any) -> list[int]:
    return [message.level for message in get_messages(response.wsgi_request)]


def _listed(response: Any) -> set[tuple[str, str, str]]:
    return {
        (grant.user.username, grant.organization.code, grant.role)
        for grant in response.context["page"].object_list
    }


@pytest.fixture
def township_admin(county: Any) -> User:
    """An administrator of 青石镇 only."""
    user = User.objects.create_user(username="qingshi_admin", password=PASSWORD)
    Grant.objects.create(user=user, organization=county.qingshi, role=Role.ADMIN)
    return user


@pytest.fixture
def admin_client(client: Client, personas: Any) -> Client:
    client.force_login(personas.county_admin)
    return client


# --- The list -------------------------------------------------------------------------


def test_the_county_administrator_sees_every_role_in_the_county(
    admin_client: Client, county: Any, personas: Any
) -> None:
    response = admin_client.get(GRANTS)
    assert response.status_code == 200
    assert _listed(response) == {
        ("county_admin", "C001", Role.ADMIN),
        ("county_staff", "C001", Role.STAFF),
        ("county_viewer", "C001", Role.VIEWER),
        ("qingshi_secretary", "T001", Role.SECRETARY),
        ("liuxi_secretary", "T002", Role.SECRETARY),
    }
    content = response.content.decode()
    for testid in ("grants", "grant-search", "grant-create-form", "account-create-form"):
        assert f'data-testid="{testid}"' in content


def test_a_township_administrator_sees_only_roles_in_the_township(
    client: Client, county: Any, personas: Any, township_admin: User
) -> None:
    client.force_login(township_admin)
    response = client.get(GRANTS)
    assert _listed(response) == {
        ("qingshi_admin", "T001", Role.ADMIN),
        ("qingshi_secretary", "T001", Role.SECRETARY),
    }
    assert "柳溪" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "liuxi"}, {("liuxi_secretary", "T002", Role.SECRETARY)}),
        ({"q": "T001"}, {("qingshi_secretary", "T001", Role.SECRETARY)}),
        ({"q": "柳溪"}, {("liuxi_secretary", "T002", Role.SECRETARY)}),
        ({"role": Role.VIEWER}, {("county_viewer", "C001", Role.VIEWER)}),
        ({"q": "county", "role": Role.STAFF}, {("county_staff", "C001", Role.STAFF)}),
        ({"q": "nobody-by-this-name"}, set()),
    ],
)
def test_the_list_can_be_searched_by_user_organization_and_role(
    admin_client: Client, personas: Any, params: dict[str, str], expected: set[Any]
) -> None:
    assert _listed(admin_client.get(GRANTS, params)) == expected


def _many_grants(county: Any, count: int) -> None:
    villages = [*county.qingshi_villages, *county.liuxi_villages]
    granter = User.objects.get(username="county_admin")
    for n in range(count):
        user = User.objects.create_user(username=f"user{n:03d}", full_name=f"用户{n}")
        Grant.objects.create(
            user=user,
            organization=villages[n % len(villages)],
            role=Role.VIEWER,
            granted_by=granter,
        )


def test_the_list_is_paginated(admin_client: Client, county: Any, personas: Any) -> None:
    _many_grants(county, 60)
    first = admin_client.get(GRANTS)
    second = admin_client.get(GRANTS, {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 65 - 50
    assert not _listed(first) & _listed(second)


def test_the_list_takes_the_same_few_queries_whatever_its_length(
    admin_client: Client,
    county: Any,
    personas: Any,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        admin_client.get(GRANTS)
    _many_grants(county, 45)
    # 10: the page's own queries (the roles, the accounts without one) plus the
    # unread-notices count of the top bar.
    with django_assert_max_num_queries(10):
        response = admin_client.get(GRANTS)
    assert len(response.context["page"].object_list) == 50
    with django_assert_num_queries(len(few.captured_queries)):
        admin_client.get(GRANTS)


@pytest.mark.parametrize("persona", ["county_staff", "qingshi_secretary", "county_viewer"])
def test_the_page_and_its_actions_do_not_exist_for_non_administrators(
    client: Client, county: Any, personas: Any, persona: str
) -> None:
    client.force_login(getattr(personas, persona))
    grant = Grant.objects.get(user=personas.liuxi_secretary)
    posts = [
        (GRANTS, {"action": "create_account", "account-username": "x"}),
        (reverse("accounts:grant_revoke", args=[grant.pk]), {}),
        (reverse("accounts:user_deactivate", args=[personas.liuxi_secretary.pk]), {}),
    ]
    assert client.get(GRANTS).status_code == 404
    assert [client.post(url, data).status_code for url, data in posts] == [404, 404, 404]
    assert Grant.objects.filter(pk=grant.pk).exists()
    assert User.objects.get(pk=personas.liuxi_secretary.pk).is_active


# --- Creating accounts ---------------------------------------------------------------


def _create_account(client: Client, **fields: str) -> Any:
    data = {
        "action": "create_account",
        "account-username": "wangfang",
        "account-full_name": "王芳",
        "account-password1": GOOD_PASSWORD,
        "account-password2": GOOD_PASSWORD,
    }
    data.update({f"account-{key}": value for key, value in fields.items()})
    return client.post(GRANTS, data)


def test_an_administrator_creates_an_account_and_it_is_audited(
    admin_client: Client, personas: Any
) -> None:
    response = _create_account(admin_client)
    assert response.status_code == 302
    user = User.objects.get(username="wangfang")
    assert user.full_name == "王芳"
    assert user.check_password(GOOD_PASSWORD)
    assert not user.grants.exists()
    record = AuditRecord.objects.get(action="account.create")
    assert (record.actor, record.target, record.result) == (personas.county_admin, "wangfang", "ok")


@pytest.mark.parametrize(
    "fields",
    [
        {"password1": "short-9", "password2": "short-9"},
        {"password1": "password123", "password2": "password123"},
        {"password2": "Another-river-lantern-42"},
        {"username": "county_ADMIN"},
        {"username": "has space"},
    ],
    ids=["too short", "common", "confirmation differs", "name taken", "bad user name"],
)
def test_a_refused_account_is_reported_on_the_page_and_not_created(
    admin_client: Client, personas: Any, fields: dict[str, str]
) -> None:
    before = User.objects.count()
    response = _create_account(admin_client, **fields)
    assert response.status_code == 200
    assert User.objects.count() == before
    form = response.context["user_form"]
    assert form.errors or message_levels.ERROR in _message_levels(response)
    assert not AuditRecord.objects.filter(action="account.create").exists()


# --- Accounts without a role --------------------------------------------------------


def _roleless(response: Any) -> set[str]:
    return {account.username for account in response.context["without_role"]}


def test_a_new_account_belongs_to_the_administrators_organization_by_default(
    admin_client: Client, county: Any, personas: Any
) -> None:
    _create_account(admin_client)
    user = User.objects.get(username="wangfang")
    assert user.organization == county.county
    record = AuditRecord.objects.get(action="account.create")
    assert record.organization == county.county


def test_a_new_account_can_belong_to_an_organization_below(
    admin_client: Client, county: Any, personas: Any
) -> None:
    _create_account(admin_client, organization="T001")
    assert User.objects.get(username="wangfang").organization == county.qingshi


def test_an_account_cannot_belong_to_an_organization_outside_the_scope(
    client: Client, county: Any, personas: Any, township_admin: User
) -> None:
    client.force_login(township_admin)
    response = _create_account(client, organization="T002")
    assert response.status_code == 200
    assert message_levels.ERROR in _message_levels(response)
    assert not User.objects.filter(username="wangfang").exists()
    with pytest.raises(DomainError):
        services.user_create(
            username="wangfang",
            full_name="王芳",
            password=GOOD_PASSWORD,
            organization=county.liuxi,
            actor=township_admin,
        )
    assert not User.objects.filter(username="wangfang").exists()


def _client_of(user: User) -> Client:
    from debrief.lib.testing import HttpsClient

    client = HttpsClient()
    client.force_login(user)
    return client


def test_an_account_without_a_role_is_listed_where_it_belongs_and_nowhere_else(
    admin_client: Client, county: Any, personas: Any, township_admin: User
) -> None:
    _create_account(admin_client, organization="T002")
    assert _roleless(admin_client.get(GRANTS)) == {"wangfang"}
    township = _client_of(township_admin)
    assert _roleless(township.get(GRANTS)) == set()
    assert "wangfang" not in township.get(GRANTS).content.decode()


def test_granting_a_role_takes_the_account_off_the_list_and_revoking_puts_it_back(
    admin_client: Client, county: Any, personas: Any
) -> None:
    _create_account(admin_client, organization="T001")
    _grant(admin_client, "wangfang", "V001")
    assert _roleless(admin_client.get(GRANTS)) == set()
    grant = Grant.objects.get(user__username="wangfang")
    admin_client.post(reverse("accounts:grant_revoke", args=[grant.pk]))
    assert _roleless(admin_client.get(GRANTS)) == {"wangfang"}


def test_an_account_without_a_role_can_be_deactivated_by_its_administrator_only(
    admin_client: Client, county: Any, personas: Any, township_admin: User
) -> None:
    _create_account(admin_client)  # belongs to the county
    user = User.objects.get(username="wangfang")
    township = _client_of(township_admin)
    response = township.post(reverse("accounts:user_deactivate", args=[user.pk]))
    assert response.status_code == 404
    assert User.objects.get(pk=user.pk).is_active
    response = admin_client.post(reverse("accounts:user_deactivate", args=[user.pk]))
    assert response.status_code == 302
    assert not User.objects.get(pk=user.pk).is_active
    page = admin_client.get(GRANTS).content.decode()
    assert "wangfang" in page and reverse("accounts:user_reactivate", args=[user.pk]) in page


def test_an_account_created_by_the_system_belongs_where_it_first_gets_a_role(
    county: Any, personas: Any
) -> None:
    user = services.user_create(
        username="wangfang", full_name="王芳", password=GOOD_PASSWORD, actor=None
    )
    assert user.organization is None
    services.grant_create(user=user, organization=county.qingshi, role=Role.VIEWER, actor=None)
    services.grant_create(user=user, organization=county.county, role=Role.VIEWER, actor=None)
    user.refresh_from_db()
    assert user.organization == county.qingshi


def test_existing_accounts_get_the_highest_organization_they_hold_a_role_on(
    county: Any, personas: Any
) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("debrief.accounts.migrations.0002_account_organization")
    user = personas.qingshi_secretary
    Grant.objects.create(user=user, organization=county.county, role=Role.VIEWER)
    User.objects.filter(pk=user.pk).update(organization=None)
    migration.home_from_grants(apps, None)
    user.refresh_from_db()
    assert user.organization == county.county


# --- Granting roles ------------------------------------------------------------------


def _grant(client: Client, username: str, organization: str, role: str = Role.VIEWER) -> Any:
    return client.post(
        GRANTS,
        {
            "action": "grant",
            "grant-username": username,
            "grant-organization": organization,
            "grant-role": role,
        },
    )


@pytest.mark.parametrize("typed", ["V101", "v101", "柳溪镇上湾村党支部"])
def test_an_administrator_grants_a_role_by_organization_code_or_name(
    admin_client: Client, county: Any, personas: Any, typed: str
) -> None:
    response = _grant(admin_client, "outsider", typed, Role.SECRETARY)
    assert response.status_code == 302
    grant = Grant.objects.get(user=personas.outsider)
    assert (grant.organization, grant.role) == (county.liuxi_villages[0], Role.SECRETARY)
    assert grant.granted_by == personas.county_admin


def test_the_role_must_be_chosen_explicitly(admin_client: Client, personas: Any) -> None:
    page = admin_client.get(GRANTS)
    assert page.context["grant_form"]["role"].value() in (None, "")
    response = _grant(admin_client, "outsider", "T001", role="")
    assert response.status_code == 200
    assert "role" in response.context["grant_form"].errors
    assert not Grant.objects.filter(user=personas.outsider).exists()


def test_a_short_name_finds_the_organization(
    admin_client: Client, county: Any, personas: Any
) -> None:
    _grant(admin_client, "outsider", "柳溪镇")
    assert Grant.objects.get(user=personas.outsider).organization == county.liuxi


@pytest.mark.parametrize(
    ("username", "organization"),
    [
        ("outsider", "T002"),  # outside 青石镇
        ("outsider", "柳溪镇"),
        ("outsider", "C001"),  # above 青石镇
        ("outsider", "NO-SUCH-CODE"),
        ("nobody", "T001"),
    ],
)
def test_a_refused_grant_is_shown_as_a_message_not_an_error_page(
    client: Client,
    county: Any,
    personas: Any,
    township_admin: User,
    username: str,
    organization: str,
) -> None:
    client.force_login(township_admin)
    before = Grant.objects.count()
    response = _grant(client, username, organization)
    assert response.status_code == 200
    assert _message_levels(response) == [message_levels.ERROR]
    assert Grant.objects.count() == before


def test_an_out_of_scope_organization_is_reported_exactly_like_a_missing_one(
    county: Any, personas: Any, township_admin: User
) -> None:
    with pytest.raises(DomainError) as existing:
        services.org_for_grant(actor=township_admin, text="T002")
    with pytest.raises(DomainError) as missing:
        services.org_for_grant(actor=township_admin, text="T999")
    assert existing.value.message.replace("T002", "T999") == missing.value.message


def test_a_name_shared_by_two_organizations_asks_for_the_code(county: Any, personas: Any) -> None:
    org_create(
        code="V201",
        name="同名村党支部",
        level=Level.VILLAGE,
        field=Field.RURAL,
        parent=county.qingshi,
    )
    org_create(
        code="V202",
        name="同名村党支部",
        level=Level.VILLAGE,
        field=Field.RURAL,
        parent=county.liuxi,
    )
    with pytest.raises(DomainError):
        services.org_for_grant(actor=personas.county_admin, text="同名村党支部")
    assert services.org_for_grant(actor=personas.county_admin, text="V202").code == "V202"


def test_granting_the_same_role_twice_is_refused(county: Any, personas: Any) -> None:
    with pytest.raises(DomainError):
        services.grant_create(
            user=personas.qingshi_secretary,
            organization=county.qingshi,
            role=Role.SECRETARY,
            actor=personas.county_admin,
        )
    assert Grant.objects.filter(user=personas.qingshi_secretary).count() == 1


def test_roles_cannot_be_granted_on_a_dissolved_organization(county: Any, personas: Any) -> None:
    import datetime

    village = county.qingshi_villages[2]
    org_dissolve(org=village, on=datetime.date(2024, 1, 1))
    village.refresh_from_db()
    with pytest.raises(DomainError):
        services.grant_create(
            user=personas.outsider, organization=village, role=Role.VIEWER, actor=None
        )


# --- Revoking roles ------------------------------------------------------------------


def test_an_administrator_revokes_a_role_with_a_post(
    admin_client: Client, county: Any, personas: Any
) -> None:
    grant = Grant.objects.get(user=personas.liuxi_secretary)
    url = reverse("accounts:grant_revoke", args=[grant.pk])
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url, {"next": f"{GRANTS}?q=liuxi"})
    assert response.status_code == 302
    assert response["Location"] == f"{GRANTS}?q=liuxi"
    assert not Grant.objects.filter(pk=grant.pk).exists()
    assert AuditRecord.objects.filter(action="grant.revoke", organization=county.liuxi).exists()


def test_the_revoke_button_asks_for_confirmation(admin_client: Client, personas: Any) -> None:
    content = admin_client.get(GRANTS, {"q": "liuxi"}).content.decode()
    button = content[content.index('data-testid="revoke"') :].split(">", 1)[0]
    assert "data-confirm=" in button


def test_the_revoke_redirect_never_leaves_the_site(admin_client: Client, personas: Any) -> None:
    grant = Grant.objects.get(user=personas.liuxi_secretary)
    url = reverse("accounts:grant_revoke", args=[grant.pk])
    response = admin_client.post(url, {"next": "https://evil.example.com/"})
    assert response["Location"] == GRANTS


def test_a_role_outside_the_administrators_scope_cannot_be_revoked(
    client: Client, county: Any, personas: Any, township_admin: User
) -> None:
    client.force_login(township_admin)
    grant = Grant.objects.get(user=personas.liuxi_secretary)
    response = client.post(reverse("accounts:grant_revoke", args=[grant.pk]))
    assert response.status_code == 404
    assert Grant.objects.filter(pk=grant.pk).exists()


# --- Deactivating accounts -----------------------------------------------------------


def test_an_administrator_deactivates_an_account_in_scope_and_it_is_audited(
    admin_client: Client, county: Any, personas: Any
) -> None:
    user = personas.qingshi_secretary
    response = admin_client.post(reverse("accounts:user_deactivate", args=[user.pk]))
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    record = AuditRecord.objects.get(action="account.deactivate")
    assert (record.actor, record.target) == (personas.county_admin, "qingshi_secretary")
    assert user.grants.exists()  # the roles are kept for a reactivation
    page = admin_client.get(GRANTS, {"q": "qingshi_secretary"}).content.decode()
    assert 'data-testid="reactivate"' in page
    admin_client.post(reverse("accounts:user_reactivate", args=[user.pk]))
    user.refresh_from_db()
    assert user.is_active
    assert AuditRecord.objects.filter(action="account.reactivate").exists()


def test_a_deactivated_account_loses_its_open_session(admin_client: Client, personas: Any) -> None:
    from debrief.lib.testing import HttpsClient

    secretary = HttpsClient()
    secretary.force_login(personas.qingshi_secretary)
    assert secretary.get(reverse("front:home")).status_code == 200
    admin_client.post(reverse("accounts:user_deactivate", args=[personas.qingshi_secretary.pk]))
    response = secretary.get(reverse("front:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_township_administrator_cannot_deactivate_a_county_account(
    client: Client, county: Any, personas: Any, township_admin: User
) -> None:
    client.force_login(township_admin)
    response = client.post(reverse("accounts:user_deactivate", args=[personas.county_admin.pk]))
    assert response.status_code == 404
    assert User.objects.get(pk=personas.county_admin.pk).is_active


def test_an_account_with_a_role_outside_the_scope_cannot_be_deactivated(
    client: Client, county: Any, personas: Any, township_admin: User
) -> None:
    Grant.objects.create(user=personas.qingshi_secretary, organization=county.liuxi, role="viewer")
    client.force_login(township_admin)
    response = client.post(
        reverse("accounts:user_deactivate", args=[personas.qingshi_secretary.pk]), follow=True
    )
    assert _message_levels(response) == [message_levels.ERROR]
    assert User.objects.get(pk=personas.qingshi_secretary.pk).is_active
    assert not AuditRecord.objects.filter(action="account.deactivate").exists()


def test_the_administrators_own_row_offers_no_deactivation(
    admin_client: Client, personas: Any
) -> None:
    own = admin_client.get(GRANTS, {"q": "county_admin"}).content.decode()
    other = admin_client.get(GRANTS, {"q": "county_staff"}).content.decode()
    assert 'data-testid="deactivate"' not in own
    assert 'data-testid="deactivate"' in other


def test_an_administrator_cannot_deactivate_their_own_account(
    admin_client: Client, personas: Any
) -> None:
    response = admin_client.post(
        reverse("accounts:user_deactivate", args=[personas.county_admin.pk]), follow=True
    )
    assert response.status_code == 200
    assert _message_levels(response) == [message_levels.ERROR]
    assert User.objects.get(pk=personas.county_admin.pk).is_active


# --- Services: scope and audit -------------------------------------------------------


def test_granting_outside_the_administrators_scope_is_refused(
    county: Any, personas: Any, township_admin: User
) -> None:
    for organization in (county.liuxi, county.liuxi_villages[0], county.county):
        with pytest.raises(DomainError):
            services.grant_create(
                user=personas.outsider,
                organization=organization,
                role=Role.VIEWER,
                actor=township_admin,
            )
    assert not Grant.objects.filter(user=personas.outsider).exists()
    assert not AuditRecord.objects.filter(action="grant.create").exists()


def test_staff_cannot_grant_roles_even_inside_their_scope(county: Any, personas: Any) -> None:
    with pytest.raises(DomainError):
        services.grant_create(
            user=personas.outsider,
            organization=county.qingshi,
            role=Role.VIEWER,
            actor=personas.county_staff,
        )
    with pytest.raises(DomainError):
        services.user_create(
            username="new", full_name="", password=GOOD_PASSWORD, actor=personas.county_staff
        )


def test_a_grant_and_its_revocation_are_audited(county: Any, personas: Any) -> None:
    grant = services.grant_create(
        user=personas.outsider,
        organization=county.qingshi,
        role=Role.VIEWER,
        actor=personas.county_admin,
    )
    services.grant_revoke(grant=grant, actor=personas.county_admin)
    records = list(
        AuditRecord.objects.filter(action__startswith="grant.")
        .order_by("pk")
        .values_list("action", "actor_id", "organization_id", "target", "result")
    )
    assert records == [
        ("grant.create", personas.county_admin.pk, county.qingshi.pk, "outsider viewer", Result.OK),
        ("grant.revoke", personas.county_admin.pk, county.qingshi.pk, "outsider viewer", Result.OK),
    ]
    assert not Grant.objects.filter(pk=grant.pk).exists()


def test_revoking_outside_the_administrators_scope_is_refused(
    county: Any, personas: Any, township_admin: User
) -> None:
    grant = Grant.objects.get(user=personas.liuxi_secretary)
    with pytest.raises(DomainError):
        services.grant_revoke(grant=grant, actor=township_admin)
    assert Grant.objects.filter(pk=grant.pk).exists()
    assert not AuditRecord.objects.filter(action="grant.revoke").exists()


# --- Changing one's own password -----------------------------------------------------


def test_every_user_changes_their_own_password_and_stays_logged_in(
    client: Client, personas: Any
) -> None:
    client.force_login(personas.qingshi_secretary)
    url = reverse("accounts:password_change")
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="password-change-form"' in page.content.decode()
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": GOOD_PASSWORD,
            "new_password2": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(pk=personas.qingshi_secretary.pk)
    assert user.check_password(GOOD_PASSWORD)
    assert client.get(reverse("front:home")).status_code == 200
    assert AuditRecord.objects.filter(action="password.change", actor=user).exists()


@pytest.mark.parametrize(
    ("old", "new"),
    [("wrong-old-password-1", GOOD_PASSWORD), (PASSWORD, "12345678901")],
    ids=["wrong old password", "numeric new password"],
)
def test_a_refused_password_change_keeps_the_old_password(
    client: Client, personas: Any, old: str, new: str
) -> None:
    client.force_login(personas.qingshi_secretary)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert User.objects.get(pk=personas.qingshi_secretary.pk).check_password(PASSWORD)
    assert not AuditRecord.objects.filter(action="password.change").exists()
