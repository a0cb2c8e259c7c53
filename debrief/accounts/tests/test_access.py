import pytest
from django.test import RequestFactory

from debrief.accounts.access import Capability, can, get_org_for_user, orgs_for_user, scope_for
from debrief.accounts.models import Grant, Role

pytestmark = pytest.mark.django_db


def test_a_grant_covers_the_whole_subtree(county, personas):
    visible = set(orgs_for_user(personas.qingshi_secretary).values_list("code", flat=True))
    assert visible == {"T001", "V001", "V002", "V003"}


def test_a_township_secretary_sees_nothing_of_a_sibling_township(county, personas):
    visible = orgs_for_user(personas.liuxi_secretary)
    assert not visible.filter(path__startswith=county.qingshi.path).exists()


def test_the_county_administrator_sees_the_whole_county(county, personas):
    assert orgs_for_user(personas.county_admin).count() == county.county.subtree().count()


def test_an_account_without_grants_sees_nothing(county, personas):
    assert orgs_for_user(personas.outsider).count() == 0


def test_get_org_for_user_hides_organizations_outside_the_scope(county, personas):
    from django.http import Http404

    request = RequestFactory().get("/")
    request.user = personas.liuxi_secretary
    with pytest.raises(Http404):
        get_org_for_user(request, county.qingshi.pk)
    assert get_org_for_user(request, county.liuxi.pk) == county.liuxi


def test_only_administrators_manage_accounts_and_staff_edit(county, personas):
    assert can(personas.county_admin, Capability.MANAGE_ACCOUNTS, county.qingshi)
    assert not can(personas.county_staff, Capability.MANAGE_ACCOUNTS, county.qingshi)
    assert can(personas.county_staff, Capability.EDIT, county.qingshi)
    assert not can(personas.qingshi_secretary, Capability.EDIT, county.qingshi)
    assert not can(personas.county_viewer, Capability.EDIT)


def test_overlapping_grants_collapse_to_the_widest_subtree(county, personas):
    Grant.objects.create(user=personas.county_viewer, organization=county.qingshi, role=Role.VIEWER)
    user = type(personas.county_viewer).objects.get(pk=personas.county_viewer.pk)
    assert scope_for(user).paths() == [county.county.path]
