"""Which audit records an administrator sees: those about organizations in their scope,
and organization-less ones only about accounts they fully manage."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import make_user
from debrief.accounts.models import Role
from debrief.accounts.services import grant_create
from debrief.audit.models import Result
from debrief.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _visible(client: Any, user: Any) -> set[str]:
    client.force_login(user)
    page = client.get(reverse("audit:list")).context["page"]
    return {record.target for record in page.object_list}


def test_granting_a_county_account_a_role_does_not_reveal_its_county_wide_actions(
    client: Any, county: Any, personas: Any
) -> None:
    """A township administrator can grant any existing account a role on one of its
    villages; that must not open the account's actions elsewhere to them."""
    qingshi_admin = make_user("qingshi_admin", grants=((county.qingshi, Role.ADMIN),))
    county_admin = personas.county_admin
    grant_create(
        user=county_admin,
        organization=county.qingshi_villages[0],
        role=Role.VIEWER,
        actor=qingshi_admin,
    )
    audit_record(
        action="t.elsewhere", actor=county_admin, target="柳溪镇", organization=county.liuxi
    )
    audit_record(
        action="t.village",
        actor=county_admin,
        target="青石镇的村",
        organization=county.qingshi_villages[1],
    )
    audit_record(action="login", actor=county_admin, target="county_admin login")
    audit_record(
        action="login",
        actor_name="county_admin",
        target="county_admin failed",
        result=Result.FAILED,
    )
    audit_record(action="account.deactivate", actor=county_admin, target="county_admin")
    # The township's own secretary is fully managed by the township administrator.
    audit_record(action="login", actor=personas.qingshi_secretary, target="qingshi login")
    audit_record(
        action="login",
        actor_name="qingshi_secretary",
        target="qingshi_secretary",
        result=Result.FAILED,
    )
    audit_record(action="account.create", actor=county_admin, target="qingshi_secretary")
    audit_record(action="login", actor=personas.liuxi_secretary, target="liuxi login")

    seen = _visible(client, qingshi_admin)
    assert "柳溪镇" not in seen
    assert "county_admin login" not in seen
    assert "county_admin failed" not in seen
    assert "county_admin" not in seen
    assert "liuxi login" not in seen
    assert {"青石镇的村", "qingshi login", "qingshi_secretary"} <= seen
    # The county administrator sees it all.
    assert {"柳溪镇", "county_admin login", "liuxi login", "青石镇的村"} <= _visible(
        client, county_admin
    )


def test_an_account_without_grants_is_nobodys_to_audit(
    client: Any, county: Any, personas: Any
) -> None:
    qingshi_admin = make_user("qingshi_admin", grants=((county.qingshi, Role.ADMIN),))
    audit_record(action="login", actor=personas.outsider, target="outsider login")
    assert "outsider login" not in _visible(client, qingshi_admin)
