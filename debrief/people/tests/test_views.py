import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_full_phone_number_is_shown_only_to_those_who_maintain_the_organization(
    client, personas
):
    person = personas.qingshi_secretary.person
    url = reverse("people:detail", args=[person.pk])
    client.force_login(personas.county_staff)
    assert "13800001234" in client.get(url).content.decode()
    for viewer in (personas.county_viewer, personas.qingshi_secretary):
        client.force_login(viewer)
        page = client.get(url).content.decode()
        assert "13800001234" not in page and "138****1234" in page


def test_search_results_do_not_name_a_parent_outside_the_scope(client, county, personas):
    client.force_login(personas.qingshi_secretary)
    page = client.get(reverse("orgs:tree"), {"q": "青石镇"}).content.decode()
    assert "青石镇党委" in page
    assert "示范县委" not in page
