"""`orgs_create`: many organizations at once, with the paths and the checks of
`org_create`, and nothing written when one of them is refused."""

import datetime

import pytest

from debrief.orgs.models import Field, Level, Organization, decode_segment
from debrief.orgs.services import BatchError, NewOrganization, org_create, org_dissolve, orgs_create

pytestmark = pytest.mark.django_db


def village(code: str, parent: str) -> NewOrganization:
    return NewOrganization(
        code=code,
        name=f"{code}村党支部",
        level=Level.VILLAGE,
        field=Field.RURAL,
        parent_code=parent,
    )


def test_new_children_follow_the_existing_ones_under_their_parent(county):
    last = max(v.path for v in county.qingshi_villages)
    created = orgs_create(items=[village("V901", "T001"), village("V902", "T001")])
    paths = [org.path for org in created]
    assert [decode_segment(p[-4:]) for p in paths] == [
        decode_segment(last[-4:]) + 1,
        decode_segment(last[-4:]) + 2,
    ]
    stored = Organization.objects.get(code="V902")
    assert (stored.parent, stored.path, stored.depth) == (county.qingshi, paths[1], 3)
    # An organization created afterwards, one at a time, comes after them.
    after = org_create(
        code="V903", name="V903村党支部", level=Level.VILLAGE, field=Field.RURAL,
        parent=county.qingshi,
    )  # fmt: skip
    assert decode_segment(after.path[-4:]) == decode_segment(paths[1][-4:]) + 1


def test_a_new_parent_and_its_children_in_one_call(county):
    township = NewOrganization(
        code="T901", name="新镇党委", level=Level.TOWNSHIP, field=Field.RURAL, parent_code="C001"
    )
    orgs_create(items=[township, village("V911", "T901"), village("V912", "T901")])
    new = Organization.objects.get(code="T901")
    assert new.parent == county.county
    assert set(new.subtree().values_list("code", flat=True)) == {"T901", "V911", "V912"}
    assert {org.depth for org in new.descendants()} == {3}


def test_a_new_root(county):
    root = NewOrganization(code="C900", name="另一县委", level=Level.COUNTY, field=Field.GENERAL)
    (created,) = orgs_create(items=[root])
    assert created.parent is None and created.depth == 1
    assert created.path > county.county.path


def test_paths_are_those_org_create_would_give(county):
    """The same organizations created one by one and in one call, under twin parents."""
    for code in ("T801", "T802"):
        org_create(code=code, name=f"{code}镇党委", level=Level.TOWNSHIP, field=Field.RURAL,
                   parent=county.county)  # fmt: skip
    for n in range(5):
        org_create(code=f"V80{n}", name=f"V80{n}村党支部", level=Level.VILLAGE,
                   field=Field.RURAL, parent=Organization.objects.get(code="T801"))  # fmt: skip
    orgs_create(items=[village(f"V81{n}", "T802") for n in range(5)])
    one_by_one = [o.path[-4:] for o in Organization.objects.get(code="T801").descendants()]
    batched = [o.path[-4:] for o in Organization.objects.get(code="T802").descendants()]
    assert sorted(one_by_one) == sorted(batched)


@pytest.mark.parametrize("case", ["placement", "unknown parent", "dissolved parent", "order"])
def test_a_refused_item_is_named_and_nothing_is_written(county, case):
    if case == "dissolved parent":
        gone = org_create(
            code="T777", name="撤并镇党委", level=Level.TOWNSHIP, field=Field.RURAL,
            parent=county.county,
        )  # fmt: skip
        org_dissolve(org=gone, on=datetime.date(2025, 6, 30))
    bad = {
        "placement": NewOrganization(
            code="V999", name="错位村", level=Level.VILLAGE, field=Field.RURAL, parent_code="C001"
        ),
        "unknown parent": village("V999", "T999"),
        "dissolved parent": village("V999", "T777"),
        "order": village("V999", "T901"),  # its parent comes later
    }[case]
    township = NewOrganization(
        code="T901", name="新镇党委", level=Level.TOWNSHIP, field=Field.RURAL, parent_code="C001"
    )
    items = [village("V901", "T001"), bad, township]
    before = Organization.objects.count()
    with pytest.raises(BatchError) as error:
        orgs_create(items=items)
    assert error.value.index == 1
    if case == "dissolved parent":
        assert "no longer active" in error.value.message
    assert Organization.objects.count() == before
