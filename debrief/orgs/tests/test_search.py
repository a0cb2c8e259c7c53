"""Searching the tree by name, short name or code.

On PostgreSQL a term of one or two characters goes through the gram index (migration
orgs/0003); these tests hold it to the rows the plain `icontains` / `iexact` query
finds, and check that the planner can serve it from the index.
"""

import datetime

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from debrief.orgs.models import Field, Level, Organization, Status, encode_segment
from debrief.orgs.services import org_create, org_dissolve, org_update
from debrief.orgs.views import search_condition

pytestmark = pytest.mark.django_db

# Names that a gram lookup could get wrong: Chinese, Latin in mixed case, a short name
# that the name does not contain, LIKE's wildcard characters, a letter whose upper case
# is two letters under some locales (ß), accented letters.
NAMES = [
    ("S01", "石桥村党支部", "石桥村"),
    ("S02", "大石桥社区党委", ""),
    ("S03", "桥头镇党委", "桥头"),
    ("S04", "Abc Software Co. 党支部", "ABC"),
    ("S05", "aBc物流公司党支部", "abc物流"),
    ("S06", "东岗村党支部", "石岗"),
    ("S07", "100% 合作社党支部", "50_50"),
    ("S08", "Straße 党支部", "STRASSE"),
    ("S09", "Élan 党支部", "élan"),
    ("S10", "X", ""),
    ("Q7", "七星村党支部", ""),
]
TERMS = [
    "石", "桥", "石桥", "桥石", "村", "岗", "石岗", "党", "党支", "a", "A", "ab", "AB", "Bc",
    "bC", "c ", "%", "0%", "_", "0_", "ß", "SS", "ss", "é", "É", "Él", "él", "x", "X", "S0",
    "s0", "q7", "Q7", "无", "的",
]  # fmt: skip


@pytest.fixture
def named(county):
    made = [
        org_create(
            code=code,
            name=name,
            short_name=short,
            level=Level.VILLAGE,
            field=Field.RURAL,
            parent=county.qingshi,
        )
        for code, name, short in NAMES
    ]
    org_dissolve(org=made[1], on=datetime.date(2025, 12, 31))  # 大石桥社区党委
    return made


def plain(query: str) -> Q:
    return Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code__iexact=query)


def codes(condition: Q, *, active_only: bool = False) -> list[str]:
    rows = Organization.objects.filter(condition)
    if active_only:
        rows = rows.filter(status=Status.ACTIVE)
    return list(rows.order_by("path").values_list("code", flat=True))


@pytest.mark.postgres
@pytest.mark.parametrize("active_only", [True, False])
def test_short_terms_find_exactly_what_icontains_finds(named, active_only):
    for term in TERMS:
        expected = codes(plain(term), active_only=active_only)
        assert codes(search_condition(term), active_only=active_only) == expected, term
    # The cases above are not vacuous: they cover hits through the name, the short
    # name only, the code, a dissolved organization, and no hit at all.
    assert codes(plain("石桥")) == ["S01", "S02"]
    assert codes(plain("石岗")) == ["S06"]
    assert codes(plain("q7")) == ["Q7"]
    assert codes(plain("ab")) == ["S04", "S05"]
    assert codes(plain("无")) == []


@pytest.mark.postgres
def test_the_search_page_lists_what_icontains_finds(client, named, personas):
    client.force_login(personas.county_admin)
    for params, expected in (
        ({"q": "石桥"}, ["石桥村党支部"]),
        ({"q": "石桥", "inactive": "1"}, ["石桥村党支部", "大石桥社区党委"]),
        ({"q": "aB"}, ["Abc Software Co. 党支部", "aBc物流公司党支部"]),
        ({"q": "岗"}, ["青石镇东岗村党支部", "东岗村党支部"]),
    ):
        response = client.get(reverse("orgs:tree"), params)
        assert [org.name for org in response.context["page"].object_list] == expected, params


@pytest.mark.postgres
def test_the_grams_follow_every_kind_of_write(named):
    village = named[0]
    org_update(
        org=village, name="柳湾村党支部", short_name="", level=village.level, field=village.field
    )
    assert codes(search_condition("石桥")) == ["S02"]
    assert codes(search_condition("柳湾")) == ["S01"]
    Organization.objects.filter(code="S03").update(short_name="Zq")  # a bulk UPDATE
    assert codes(search_condition("zQ")) == ["S03"]
    assert codes(search_condition("桥头")) == ["S03"]  # still in the name


@pytest.mark.postgres
def test_the_gram_function_column_and_index_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT p.provolatile FROM pg_proc p WHERE p.proname = 'debrief_org_grams'")
        assert cursor.fetchall() == [("i",)]  # immutable, as a generated column needs
        cursor.execute(
            "SELECT data_type, is_generated FROM information_schema.columns "
            "WHERE table_name = 'orgs_organization' AND column_name = 'search_grams'"
        )
        assert cursor.fetchone() == ("ARRAY", "ALWAYS")
        cursor.execute(
            "SELECT indexdef FROM pg_indexes "
            "WHERE tablename = 'orgs_organization' AND indexname = 'org_search_grams'"
        )
        assert "USING gin (search_grams)" in cursor.fetchone()[0]
        # One- and two-character grams of the upper-cased texts, each once.
        cursor.execute("SELECT debrief_org_grams('aB', 'ab', '')")
        grams = cursor.fetchone()[0]
    a, b = ord("A"), ord("B")
    assert sorted(grams) == sorted([a, b, a * 0x110000 + b])


@pytest.mark.postgres
def test_the_planner_answers_a_two_character_search_from_the_gram_index(county, personas):
    """In a county of 3,000 branches whose names share their characters, the count the
    paginator runs and the page ordered by path both read org_search_grams."""
    from debrief.accounts.access import orgs_for_user

    township = county.qingshi
    Organization.objects.bulk_create(
        Organization(
            code=f"B{n:04d}",
            name=f"青石镇东{'南西北'[n % 3]}第{n}党支部",
            level=Level.UNIT,
            field=Field.GENERAL,
            parent=township,
            path=township.path + encode_segment(100 + n),
            depth=township.depth + 1,
        )
        for n in range(3000)
    )
    org_create(
        code="S01", name="石桥村党支部", level=Level.VILLAGE, field=Field.RURAL, parent=township
    )
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk insert: index entries out of GIN's pending
        # list, statistics.
        cursor.execute("SELECT gin_clean_pending_list('org_search_grams')")
        cursor.execute("ANALYZE orgs_organization")
    results = (
        orgs_for_user(personas.county_admin)
        .filter(search_condition("石桥"))
        .filter(status=Status.ACTIVE)
        .order_by("path")
    )
    with CaptureQueriesContext(connection) as captured:
        assert results.count() == 1
        assert [org.code for org in results[:50]] == ["S01"]
    assert len(captured.captured_queries) == 2
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Bitmap Index Scan on org_search_grams" in plan, plan


def test_three_characters_and_more_use_the_plain_condition(named):
    condition = search_condition("石桥村")
    assert str(condition) == str(plain("石桥村"))
    assert codes(condition) == ["S01"]
