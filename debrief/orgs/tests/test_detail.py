"""The detail page's count of subordinate organizations, per level."""

import datetime
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import translation

from debrief.orgs.models import Field, Level, Organization, Status
from debrief.orgs.services import org_create, org_dissolve, org_merge, org_move, org_update

pytestmark = pytest.mark.django_db


def fresh_counts(org: Organization) -> dict[str, int]:
    """Active organizations below `org`, counted one by one, by level label as the page
    names them (in Chinese)."""
    below = [
        other
        for other in Organization.objects.filter(status=Status.ACTIVE)
        if other.path.startswith(org.path) and other.pk != org.pk
    ]
    with translation.override("zh-hans"):
        return {str(Level(level).label): n for level, n in Counter(o.level for o in below).items()}


def shown_counts(client, org: Organization) -> tuple[int, dict[str, int]]:
    context = client.get(reverse("orgs:detail", args=[org.pk])).context
    return context["subtree_count"], dict(context["level_counts"])


def test_the_counts_match_a_fresh_count_after_each_kind_of_change(client, county, personas):
    client.force_login(personas.county_admin)
    watched = [county.county, county.qingshi, county.liuxi, county.organs_committee]

    def check() -> None:
        for org in watched:
            org.refresh_from_db()
            total, per_level = shown_counts(client, org)
            assert per_level == fresh_counts(org), org.name
            assert total == sum(per_level.values())

    check()
    assert shown_counts(client, county.county) == (
        8,
        {"乡镇（街道）": 2, "村（社区）": 5, "直属单位": 1},
    )
    org_create(
        code="U101", name="青石镇中学党支部", level=Level.UNIT, field=Field.GENERAL,
        parent=county.qingshi,
    )  # fmt: skip
    check()
    org_dissolve(org=county.qingshi_villages[0], on=datetime.date(2025, 12, 31))
    check()
    org_move(org=county.qingshi_villages[1], new_parent=county.liuxi)
    check()
    org_update(
        org=county.organs_committee, name="示范县直机关工委", short_name="", level=Level.UNIT,
        field=Field.ORGAN,
    )  # fmt: skip
    org_move(org=county.organs_committee, new_parent=county.qingshi)
    check()
    org_merge(org=county.liuxi, into=county.qingshi, on=datetime.date(2025, 12, 31))
    check()
    assert shown_counts(client, county.county) == (
        7,
        {"乡镇（街道）": 1, "村（社区）": 4, "直属单位": 2},
    )
