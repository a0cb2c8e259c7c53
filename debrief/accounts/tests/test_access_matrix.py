"""The access matrix: every page, opened by every persona of conftest.py.

Read each row as "this page, opened by each persona in turn, answers with...".
LOGIN: the anonymous visitor is sent to the log-in page. 200: the page is shown.
404: the page does not exist for this persona (out of scope or missing capability;
the application never says "forbidden", so nobody learns what exists elsewhere).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from debrief.accounts.access import orgs_for_user
from debrief.lib.testing import HttpsClient
from debrief.orgs.models import Organization
from debrief.people.models import Person

pytestmark = pytest.mark.django_db

County = Any  # conftest.County
Personas = Any  # conftest.Personas

LOGIN = "login"
OK = 200
NO = 404

COLUMNS = (
    "anonymous",
    "county_admin",
    "county_staff",
    "qingshi_secretary",
    "liuxi_secretary",
    "county_viewer",
    "outsider",
)

QINGSHI_PERSON = "林晓青"  # secretary of 青石镇
LIUXI_PERSON = "周立川"  # secretary of 柳溪镇

# fmt: off
PAGES: list[tuple[str, Any, Any, Any, Any, Any, Any, Any]] = [
    # page                          anonymous admin staff qingshi liuxi viewer outsider
    ("front:home",                  LOGIN,    OK,   OK,   OK,     OK,   OK,    OK),
    ("orgs:tree",                   LOGIN,    OK,   OK,   OK,     OK,   OK,    OK),
    ("orgs:tree?q=镇",              LOGIN,    OK,   OK,   OK,     OK,   OK,    OK),
    ("people:list",                 LOGIN,    OK,   OK,   OK,     OK,   OK,    OK),
    ("people:list?q=周",            LOGIN,    OK,   OK,   OK,     OK,   OK,    OK),
    ("people:detail " + QINGSHI_PERSON, LOGIN, OK,  OK,   OK,     NO,   OK,    NO),
    ("people:detail " + LIUXI_PERSON,   LOGIN, OK,  OK,   NO,     OK,   OK,    NO),
    ("audit:list",                  LOGIN,    OK,   NO,   NO,     NO,   NO,    NO),
    ("accounts:grants",             LOGIN,    OK,   NO,   NO,     NO,   NO,    NO),
    ("accounts:password_change",    LOGIN,    OK,   OK,   OK,     OK,   OK,    OK),
    ("orgs:import",                 LOGIN,    OK,   OK,   NO,     NO,   NO,    NO),
    ("orgs:import_template",        LOGIN,    OK,   OK,   NO,     NO,   NO,    NO),
    ("orgs:export",                 LOGIN,    OK,   OK,   OK,     OK,   OK,    NO),
]

# orgs:detail and orgs:children of every organization of the county fixture.
ORGANIZATIONS: list[tuple[str, Any, Any, Any, Any, Any, Any, Any]] = [
    # organization                  anonymous admin staff qingshi liuxi viewer outsider
    ("county",                      LOGIN,    OK,   OK,   NO,     NO,   OK,    NO),
    ("qingshi",                     LOGIN,    OK,   OK,   OK,     NO,   OK,    NO),
    ("qingshi_villages 0",          LOGIN,    OK,   OK,   OK,     NO,   OK,    NO),
    ("qingshi_villages 1",          LOGIN,    OK,   OK,   OK,     NO,   OK,    NO),
    ("qingshi_villages 2",          LOGIN,    OK,   OK,   OK,     NO,   OK,    NO),
    ("liuxi",                       LOGIN,    OK,   OK,   NO,     OK,   OK,    NO),
    ("liuxi_villages 0",            LOGIN,    OK,   OK,   NO,     OK,   OK,    NO),
    ("liuxi_villages 1",            LOGIN,    OK,   OK,   NO,     OK,   OK,    NO),
    ("organs_committee",            LOGIN,    OK,   OK,   NO,     NO,   OK,    NO),
]
# fmt: on


def _cells(table: list[tuple[Any, ...]]) -> list[Any]:
    return [
        pytest.param(row[0], persona, expected, id=f"{row[0]} | {persona}")
        for row in table
        for persona, expected in zip(COLUMNS, row[1:], strict=True)
    ]


def _org(county: County, key: str) -> Organization:
    attribute, _space, index = key.partition(" ")
    value = getattr(county, attribute)
    return value[int(index)] if index else value


def _page_url(page: str, county: County) -> str:
    name, _space, argument = page.partition(" ")
    name, _mark, query = name.partition("?")
    if name == "people:detail":
        url = reverse(name, args=[Person.objects.get(name=argument).pk])
    else:
        url = reverse(name)
    return f"{url}?{query}" if query else url


def _client_for(persona: str, personas: Personas) -> Client:
    client = HttpsClient()
    if persona != "anonymous":
        client.force_login(getattr(personas, persona))
    return client


def _content(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _workbook_values(response: Any) -> set[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(_content(response)), read_only=True)
    return {
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    }


def _between(content: str, start: str, end: str) -> str:
    """The part of `content` from `start` to the next `end` (the marker must be there)."""
    begin = content.index(start)
    return content[begin : content.index(end, begin)]


def _assert_status(response: Any, expected: Any, url: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login") + "?next="), url
    else:
        assert response.status_code == expected, url


@pytest.mark.parametrize(("page", "persona", "expected"), _cells(PAGES))
def test_each_page_answers_each_persona_as_the_matrix_says(
    page: str, persona: str, expected: Any, county: County, personas: Personas
) -> None:
    url = _page_url(page, county)
    response = _client_for(persona, personas).get(url)
    _assert_status(response, expected, url)


@pytest.mark.parametrize(("org_key", "persona", "expected"), _cells(ORGANIZATIONS))
@pytest.mark.parametrize("view", ["orgs:detail", "orgs:children"])
def test_each_organization_page_answers_each_persona_as_the_matrix_says(
    view: str, org_key: str, persona: str, expected: Any, county: County, personas: Personas
) -> None:
    url = reverse(view, args=[_org(county, org_key).pk])
    response = _client_for(persona, personas).get(url)
    _assert_status(response, expected, url)


def test_the_matrix_covers_every_organization_of_the_county(county: County) -> None:
    listed = {_org(county, row[0]).pk for row in ORGANIZATIONS}
    assert listed == set(Organization.objects.values_list("pk", flat=True))


# --- The sibling township stays invisible to a township secretary ---------------------


def test_a_township_secretary_sees_nothing_of_the_sibling_township(
    client: Client, county: County, personas: Personas
) -> None:
    client.force_login(personas.qingshi_secretary)
    liuxi_person = Person.objects.get(name=LIUXI_PERSON)
    hidden = [
        reverse("orgs:detail", args=[county.liuxi.pk]),
        reverse("orgs:children", args=[county.liuxi.pk]),
        *(reverse("orgs:detail", args=[village.pk]) for village in county.liuxi_villages),
        *(reverse("orgs:children", args=[village.pk]) for village in county.liuxi_villages),
        reverse("people:detail", args=[liuxi_person.pk]),
    ]
    assert [client.get(url).status_code for url in hidden] == [404] * len(hidden)
    for url in (reverse("front:home"), reverse("orgs:tree"), reverse("people:list")):
        content = client.get(url).content.decode()
        assert "柳溪" not in content, url
        assert LIUXI_PERSON not in content, url


@pytest.mark.parametrize("query", ["柳溪", "柳溪镇党委", "T002", "V101", "上湾", "下湾"])
def test_searching_for_the_sibling_township_finds_nothing(
    client: Client, county: County, personas: Personas, query: str
) -> None:
    client.force_login(personas.qingshi_secretary)
    response = client.get(reverse("orgs:tree"), {"q": query, "inactive": "1"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    results = _between(response.content.decode(), 'data-testid="search-results"', "</table>")
    assert "柳溪" not in results
    assert "<a " not in results


@pytest.mark.parametrize(
    "persona",
    [
        "county_admin",
        "county_staff",
        "qingshi_secretary",
        "liuxi_secretary",
        "county_viewer",
        "outsider",
    ],
)
@pytest.mark.parametrize("query", ["镇", "党", "村", "示范", "委", "T001", "V102", "U001"])
def test_search_results_never_include_an_organization_outside_the_scope(
    client: Client, county: County, personas: Personas, persona: str, query: str
) -> None:
    user = getattr(personas, persona)
    client.force_login(user)
    response = client.get(reverse("orgs:tree"), {"q": query, "inactive": "1"})
    found = {org.pk for org in response.context["page"].object_list}
    visible = set(orgs_for_user(user).values_list("pk", flat=True))
    assert found <= visible
    hidden_names = Organization.objects.exclude(pk__in=visible).values_list("name", flat=True)
    content = response.content.decode()
    # A parent's name may be shown next to a result; any other hidden name may not.
    parent_names = {getattr(org, "parent_name", "") for org in response.context["page"]}
    assert [name for name in hidden_names if name in content and name not in parent_names] == []


def test_a_township_search_finds_exactly_its_own_organizations(
    client: Client, county: County, personas: Personas
) -> None:
    client.force_login(personas.qingshi_secretary)
    response = client.get(reverse("orgs:tree"), {"q": "镇"})
    codes = {org.code for org in response.context["page"].object_list}
    assert codes == {"T001", "V001", "V002", "V003"}


def test_a_township_secretary_cannot_find_the_sibling_secretary_among_people(
    client: Client, county: County, personas: Personas
) -> None:
    client.force_login(personas.qingshi_secretary)
    response = client.get(reverse("people:list"), {"q": "周"})
    assert list(response.context["page"].object_list) == []
    response = client.get(reverse("people:list"))
    assert [person.name for person in response.context["page"].object_list] == [QINGSHI_PERSON]


# --- Personal data -------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["people:list"])
def test_people_lists_show_phone_numbers_masked(
    client: Client, county: County, personas: Personas, url_name: str
) -> None:
    client.force_login(personas.county_admin)
    for params in ({}, {"q": "林"}, {"q": "周"}):
        content = client.get(reverse(url_name), params).content.decode()
        assert "13800001234" not in content
        assert "13900005678" not in content
    content = client.get(reverse(url_name)).content.decode()
    assert "138****1234" in content
    assert "139****5678" in content


# --- Import and export ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["qingshi_secretary", "county_viewer", "outsider"])
def test_posting_to_the_import_without_the_edit_capability_is_not_found(
    client: Client, county: County, personas: Personas, persona: str
) -> None:
    client.force_login(getattr(personas, persona))
    before = Organization.objects.count()
    response = client.post(reverse("orgs:import"), {})
    assert response.status_code == 404
    assert Organization.objects.count() == before


def test_the_export_contains_only_the_users_subtree(
    client: Client, county: County, personas: Personas
) -> None:
    client.force_login(personas.qingshi_secretary)
    response = client.get(reverse("orgs:export"))
    assert response.status_code == 200
    values = _workbook_values(response)
    assert {"T001", "V001", "V002", "V003"} <= values
    assert not {"T002", "V101", "V102", "U001"} & values
    assert not any("柳溪" in value for value in values)


def test_the_export_of_one_subtree_stays_inside_the_scope(
    client: Client, county: Any, personas: Any
) -> None:
    client.force_login(personas.qingshi_secretary)
    url = reverse("orgs:export")
    assert client.get(url, {"root": county.liuxi.pk}).status_code == 404
    assert client.get(url, {"root": county.county.pk}).status_code == 404
    village = county.qingshi_villages[0]
    values = _workbook_values(client.get(url, {"root": village.pk}))
    assert village.code in values
    assert not {"V002", "V003", "T002", "V101"} & values


def test_the_county_export_contains_the_whole_county(
    client: Client, county: County, personas: Personas
) -> None:
    client.force_login(personas.county_viewer)
    values = _workbook_values(client.get(reverse("orgs:export")))
    assert set(Organization.objects.values_list("code", flat=True)) <= values


# --- Home page and navigation ----------------------------------------------------------

# The modules of this matrix; other modules add their own entries to the navigation.
MODULES = ["front:home", "orgs:tree", "people:list", "orgs:import", "accounts:grants", "audit:list"]
NAVIGATION: dict[str, list[str]] = {
    "county_admin": MODULES,
    "county_staff": ["front:home", "orgs:tree", "people:list", "orgs:import"],
    "qingshi_secretary": ["front:home", "orgs:tree", "people:list"],
    "liuxi_secretary": ["front:home", "orgs:tree", "people:list"],
    "county_viewer": ["front:home", "orgs:tree", "people:list"],
    "outsider": [],
}


@pytest.mark.parametrize(("persona", "modules"), NAVIGATION.items())
def test_the_home_page_works_for_every_persona_and_offers_only_their_modules(
    client: Client, county: County, personas: Personas, persona: str, modules: list[str]
) -> None:
    user = getattr(personas, persona)
    client.force_login(user)
    response = client.get(reverse("front:home"))
    assert response.status_code == 200
    known = {reverse(name) for name in MODULES}
    offered = [item["url"] for item in response.context["nav_modules"] if item["url"] in known]
    assert offered == [reverse(name) for name in modules]
    if not modules:
        assert response.context["nav_modules"] == []
    content = response.content.decode()
    assert 'data-testid="password-change-link"' in content
    assert f'href="{reverse("accounts:password_change")}"' in content
    assert user.username in content


ROOT_CARDS: dict[str, Callable[[County], list[tuple[str, int]]]] = {
    "county_admin": lambda c: [(c.county.name, 9)],
    "qingshi_secretary": lambda c: [(c.qingshi.name, 4)],
    "liuxi_secretary": lambda c: [(c.liuxi.name, 3)],
    "outsider": lambda c: [],
}


@pytest.mark.parametrize("persona", ROOT_CARDS)
def test_the_home_page_counts_only_the_personas_own_subtree(
    client: Client, county: County, personas: Personas, persona: str
) -> None:
    client.force_login(getattr(personas, persona))
    roots = client.get(reverse("front:home")).context["roots"]
    assert [(org.name, org.subtree_count) for org in roots] == ROOT_CARDS[persona](county)
