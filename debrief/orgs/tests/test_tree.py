import datetime

import pytest

from debrief.lib.errors import DomainError
from debrief.orgs.models import Field, Level, Organization, Status, decode_segment, encode_segment
from debrief.orgs.services import org_create, org_dissolve, org_merge, org_move, org_update

pytestmark = pytest.mark.django_db


def test_segments_round_trip_and_sort_in_child_order():
    segments = [encode_segment(n) for n in (0, 1, 35, 36, 1295, 1296, 36**4 - 1)]
    assert [decode_segment(s) for s in segments] == [0, 1, 35, 36, 1295, 1296, 36**4 - 1]
    assert segments == sorted(segments)
    with pytest.raises(ValueError):
        encode_segment(36**4)


def test_children_get_paths_under_their_parent(county):
    villages = county.qingshi_villages
    assert all(v.path.startswith(county.qingshi.path) for v in villages)
    assert [v.depth for v in villages] == [3, 3, 3]
    assert len({v.path for v in villages}) == 3


def test_subtree_contains_the_organization_and_all_below_it(county):
    names = set(county.qingshi.subtree().values_list("code", flat=True))
    assert names == {"T001", "V001", "V002", "V003"}
    assert county.county.subtree().count() == 9


def test_ancestors_are_listed_root_first(county):
    village = county.qingshi_villages[0]
    assert [a.code for a in village.ancestors()] == ["C001", "T001"]


def test_a_village_cannot_be_placed_under_a_county(county):
    with pytest.raises(DomainError, match="cannot be placed under"):
        org_create(
            code="X1", name="错位村", level=Level.VILLAGE, field=Field.RURAL, parent=county.county
        )


def test_a_township_cannot_have_the_organs_field(county):
    with pytest.raises(DomainError):
        org_create(
            code="X2",
            name="错领域镇",
            level=Level.TOWNSHIP,
            field=Field.ORGAN,
            parent=county.county,
        )


def test_moving_an_organization_moves_its_whole_subtree(county):
    village = county.qingshi_villages[0]
    org_move(org=village, new_parent=county.liuxi)
    village.refresh_from_db()
    assert village.parent == county.liuxi
    assert village.path.startswith(county.liuxi.path)
    assert county.liuxi.subtree().count() == 4
    assert county.qingshi.subtree().count() == 3


def test_moving_a_township_renumbers_its_villages(county):
    other_county = org_create(code="C002", name="邻县委", level=Level.COUNTY, field=Field.GENERAL)
    org_move(org=county.qingshi, new_parent=other_county)
    for village in county.qingshi_villages:
        village.refresh_from_db()
        assert village.path.startswith(other_county.path)
        assert village.depth == 3
    assert other_county.subtree().count() == 5


def test_an_organization_cannot_move_into_its_own_subtree(county):
    with pytest.raises(DomainError):
        org_move(org=county.qingshi, new_parent=county.qingshi_villages[0])


def test_dissolving_keeps_the_row_and_its_place(county):
    village = county.qingshi_villages[2]
    org_dissolve(org=village, on=datetime.date(2025, 12, 31))
    village.refresh_from_db()
    assert village.status == Status.DISSOLVED
    assert village.dissolved_on == datetime.date(2025, 12, 31)
    assert Organization.objects.filter(pk=village.pk).exists()
    assert county.qingshi.subtree().active().count() == 3


def test_an_organization_with_active_children_cannot_be_dissolved(county):
    with pytest.raises(DomainError, match="still has active"):
        org_dissolve(org=county.qingshi, on=datetime.date(2025, 12, 31))


def test_merging_moves_children_and_records_the_successor(county):
    moved = org_merge(org=county.liuxi, into=county.qingshi, on=datetime.date(2025, 1, 1))
    county.liuxi.refresh_from_db()
    assert moved == 2
    assert county.liuxi.status == Status.MERGED
    assert county.liuxi.merged_into == county.qingshi
    assert county.qingshi.children.filter(status=Status.ACTIVE).count() == 5


def test_update_reports_only_the_fields_that_changed(county):
    changed = org_update(
        org=county.qingshi,
        name="青石镇党委",
        short_name="青石",
        level=Level.TOWNSHIP,
        field=Field.RURAL,
    )
    assert changed == ["short_name"]


@pytest.mark.postgres
def test_on_postgresql_the_path_sorts_bytewise_and_names_have_trigram_indexes():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'orgs_organization' AND column_name = 'path'"
        )
        assert cursor.fetchone()[0] == "C"
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'orgs_organization'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"org_name_upper_trgm", "org_short_name_upper_trgm", "org_code_upper"} <= indexes
