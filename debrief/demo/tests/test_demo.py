"""The demo county as built: its tree, its people and posts, its logins.

The county is built once for this module (in a transaction rolled back at the end)
because building it takes a few seconds; every test only reads it. The command's own
behaviour (idempotency, refusal, atomicity) is tested in test_demo_command.py on an
empty database.
"""

import datetime
import re
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from debrief.accounts.access import orgs_for_user
from debrief.accounts.models import Role, User
from debrief.demo.builder import DEMO_PASSWORD, DEMO_URL, MERGED_ON, build_demo, demo_logins_text
from debrief.orgs.models import SEGMENT_LENGTH, Field, Level, Organization, Status
from debrief.orgs.services import placement_error
from debrief.people.models import Gender, Person, Post, Title

pytestmark = pytest.mark.django_db

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# What each demo login must be able to do, written out independently of the builder.
INTENDED_GRANTS = {
    "county_admin": ("SF0001", Role.ADMIN),
    "county_staff": ("SF0001", Role.STAFF),
    "township_secretary": ("SF0101", Role.SECRETARY),
    "other_secretary": ("SF0102", Role.SECRETARY),
    "county_viewer": ("SF0001", Role.VIEWER),
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        yield build_demo()
        transaction.set_rollback(True)


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def test_the_root_is_the_county_committee_of_the_demo_county(demo):
    county = org("SF0001")
    assert county.parent is None
    assert (county.name, county.short_name) == ("中共示范县委员会", "示范县委")
    assert (county.level, county.field) == (Level.COUNTY, Field.GENERAL)
    assert Organization.objects.filter(depth=1).count() == 1


def test_there_are_about_twenty_townships_mostly_towns_with_a_few_xiang_and_streets(demo):
    townships = list(Organization.objects.filter(level=Level.TOWNSHIP))
    assert 18 <= len(townships) <= 22
    assert all(t.parent_id == demo.tree.county.pk for t in townships)
    towns = [t for t in townships if t.name.endswith("镇党委")]
    xiang = [t for t in townships if t.name.endswith("乡党委")]
    streets = [t for t in townships if t.name.endswith("街道党工委")]
    assert len(towns) + len(xiang) + len(streets) == len(townships)
    assert len(towns) > len(townships) / 2
    assert 2 <= len(xiang) <= 4
    assert 3 <= len(streets) <= 4
    assert {t.field for t in towns + xiang} == {Field.RURAL}
    assert {t.field for t in streets} == {Field.URBAN}
    assert (org("SF0101").name, org("SF0101").short_name) == ("青石镇党委", "青石镇")
    assert (org("SF0102").name, org("SF0102").short_name) == ("柳溪镇党委", "柳溪镇")


def test_there_are_about_250_villages_and_communities_8_to_18_per_township(demo):
    villages = Organization.objects.active().filter(level=Level.VILLAGE)
    assert 240 <= villages.count() <= 260
    for township in Organization.objects.filter(level=Level.TOWNSHIP):
        children = list(township.children.filter(status=Status.ACTIVE))
        assert 8 <= len(children) <= 18, township.name
        assert {child.level for child in children} == {Level.VILLAGE}
        if township.field == Field.URBAN:
            assert {child.field for child in children} == {Field.URBAN}
            assert all(child.short_name.endswith("社区") for child in children)
        else:
            assert {child.field for child in children} == {Field.RURAL}
            assert all(child.short_name.endswith("村") for child in children)


def test_the_working_committees_and_the_hospital_are_directly_under_the_county(demo):
    expected = {
        "县直机关工委": Field.ORGAN,
        "县委教育工委": Field.PUBLIC_INSTITUTION,
        "县国资委党委": Field.SOE,
        "县委两新工委": Field.TWO_NEW,
        "开发区党工委": Field.GENERAL,
        "县人民医院": Field.PUBLIC_INSTITUTION,
    }
    for short_name, field in expected.items():
        unit = Organization.objects.get(short_name=short_name)
        assert (unit.level, unit.field) == (Level.UNIT, field), short_name
        assert unit.parent_id == demo.tree.county.pk, short_name


def test_each_working_committee_has_units_of_its_own_field_below_it(demo):
    def children(short_name: str) -> list[Organization]:
        return list(Organization.objects.get(short_name=short_name).children.all())

    organs = children("县直机关工委")
    schools = children("县委教育工委")
    soes = children("县国资委党委")
    two_new = children("县委两新工委")
    zone = children("开发区党工委")
    assert len(organs) >= 3 and {(u.level, u.field) for u in organs} == {(Level.UNIT, Field.ORGAN)}
    assert len(schools) >= 2
    assert {(u.level, u.field) for u in schools} == {(Level.UNIT, Field.PUBLIC_INSTITUTION)}
    assert len(soes) == 2 and {(u.level, u.field) for u in soes} == {(Level.UNIT, Field.SOE)}
    assert len(two_new) >= 3
    assert {(u.level, u.field) for u in two_new} == {(Level.UNIT, Field.TWO_NEW)}
    assert any("协会" in u.name for u in two_new) and any("公司" in u.name for u in two_new)
    assert len(zone) == 2 and {(c.level, c.field) for c in zone} == {(Level.VILLAGE, Field.URBAN)}


def test_every_active_organization_has_exactly_one_current_secretary(demo):
    current = dict(
        Post.objects.current()
        .filter(title=Title.SECRETARY)
        .values_list("organization")
        .annotate(n=Count("id"))
    )
    active = list(Organization.objects.active().values_list("pk", flat=True))
    assert len(active) > 280
    assert {pk: current.get(pk, 0) for pk in active} == dict.fromkeys(active, 1)
    assert set(current) == set(active)  # nothing inactive has a current secretary


def test_a_third_of_the_townships_and_some_villages_changed_secretary_in_2023_or_2024(demo):
    ended = list(
        Post.objects.filter(
            title=Title.SECRETARY, end_date__isnull=False, organization__status=Status.ACTIVE
        ).select_related("organization")
    )
    townships = {p.organization.code for p in ended if p.organization.level == Level.TOWNSHIP}
    villages = {p.organization.code for p in ended if p.organization.level == Level.VILLAGE}
    assert 5 <= len(townships) <= 9
    assert "SF0101" in townships  # the township secretary's demo login sees history
    assert 20 <= len(villages) <= 80
    for post in ended:
        assert post.end_date is not None and post.end_date.year in (2023, 2024)
        successor = Post.objects.get(
            organization=post.organization, title=Title.SECRETARY, end_date__isnull=True
        )
        assert successor.start_date == post.end_date + datetime.timedelta(days=1)
        assert successor.person_id != post.person_id


def test_every_township_has_one_or_two_deputy_secretaries(demo):
    for township in Organization.objects.filter(level=Level.TOWNSHIP):
        deputies = Post.objects.current().filter(
            organization=township, title=Title.DEPUTY_SECRETARY
        )
        secretary = Post.objects.current().get(organization=township, title=Title.SECRETARY)
        assert 1 <= deputies.count() <= 2, township.name
        assert secretary.person_id not in {d.person_id for d in deputies}


def test_one_village_was_merged_into_its_neighbour_and_keeps_its_history(demo):
    gone = list(Organization.objects.exclude(status=Status.ACTIVE))
    assert len(gone) == 1
    merged = gone[0]
    assert merged.status == Status.MERGED
    assert merged.level == Level.VILLAGE
    assert merged.dissolved_on == MERGED_ON
    assert merged.merged_into is not None
    assert merged.merged_into.parent_id == merged.parent_id
    assert merged.merged_into.is_active
    posts = list(Post.objects.filter(organization=merged))
    assert len(posts) == 1
    assert posts[0].title == Title.SECRETARY
    assert posts[0].end_date is not None and posts[0].end_date < MERGED_ON


def test_every_child_sits_under_its_parents_path_where_the_placement_rules_allow(demo):
    by_pk = {o.pk: o for o in Organization.objects.all()}
    assert len(by_pk) > 280
    for child in by_pk.values():
        assert len(child.path) == child.depth * SEGMENT_LENGTH
        if child.parent_id is None:
            assert child.depth == 1
            assert placement_error(level=child.level, field=child.field, parent_level=None) is None
            continue
        parent = by_pk[child.parent_id]
        assert child.path.startswith(parent.path), child.name
        assert child.depth == parent.depth + 1, child.name
        error = placement_error(level=child.level, field=child.field, parent_level=parent.level)
        assert error is None, f"{child.name}: {error}"


def test_no_organization_name_repeats_within_a_parent(demo):
    rows = list(Organization.objects.values_list("parent_id", "name", "short_name"))
    names = Counter((parent, name) for parent, name, _short in rows)
    short_names = Counter((parent, short) for parent, _name, short in rows)
    assert max(names.values()) == 1
    assert max(short_names.values()) == 1


def test_organization_codes_follow_the_scheme(demo):
    patterns: dict[str, str] = {
        Level.COUNTY: r"SF0001",
        Level.TOWNSHIP: r"SF01\d\d",
        Level.VILLAGE: r"SF0[12]\d\dV\d\d",
        Level.UNIT: r"SF02\d\d(U\d\d)?",
    }
    for code, level, parent_code in Organization.objects.values_list(
        "code", "level", "parent__code"
    ):
        assert re.fullmatch(patterns[level], code), code
        if parent_code and level in (Level.VILLAGE, Level.UNIT) and len(code) > 6:
            assert code[:6] == parent_code, code


def test_people_have_a_gender_an_obviously_fake_phone_and_mostly_han_ethnicity(demo):
    people = list(Person.objects.all())
    assert len(people) > 300
    assert len({p.name for p in people}) == len(people)
    assert all(2 <= len(p.name) <= 3 for p in people)
    assert {p.gender for p in people} == {Gender.MALE, Gender.FEMALE}
    assert all(re.fullmatch(r"1990000\d{4}", p.phone) for p in people)
    assert len({p.phone for p in people}) == len(people)
    ethnicities = Counter(p.ethnicity for p in people)
    assert set(ethnicities) <= {"汉族", "回族", "满族", "蒙古族", ""}
    assert ethnicities["汉族"] > 0.7 * len(people)
    assert ethnicities[""] > 0
    assert ethnicities["回族"] + ethnicities["满族"] + ethnicities["蒙古族"] > 0


def test_each_demo_login_has_the_demo_password_and_exactly_its_intended_grant(demo):
    for username, (code, role) in INTENDED_GRANTS.items():
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD), username
        assert not user.check_password(DEMO_PASSWORD + "x"), username
        assert user.is_active
        assert user.full_name.endswith("演示）"), username
        grants = list(user.grants.values_list("organization__code", "role"))
        assert grants == [(code, role)], username


def test_the_demo_has_no_other_account_and_no_superuser(demo):
    assert set(User.objects.values_list("username", flat=True)) == set(INTENDED_GRANTS)
    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.filter(is_staff=True).exists()


def test_the_secretary_logins_are_their_townships_current_secretaries(demo):
    for username, code in (("township_secretary", "SF0101"), ("other_secretary", "SF0102")):
        user = User.objects.get(username=username)
        current = Post.objects.current().get(organization__code=code, title=Title.SECRETARY)
        assert user.person_id == current.person_id, username
        assert user.full_name.startswith(current.person.name)
    others = ["county_admin", "county_staff", "county_viewer"]
    assert not User.objects.filter(username__in=others, person__isnull=False).exists()


def test_the_township_secretary_sees_only_their_own_township(demo):
    qingshi, liuxi = org("SF0101"), org("SF0102")
    for username, own, other in (
        ("township_secretary", qingshi, liuxi),
        ("other_secretary", liuxi, qingshi),
    ):
        visible = orgs_for_user(User.objects.get(username=username))
        assert set(visible) == set(own.subtree()), username
        assert not visible.filter(path__startswith=other.path).exists(), username
        assert not visible.filter(pk=demo.tree.county.pk).exists(), username


def test_the_county_logins_see_the_whole_county(demo):
    everything = Organization.objects.count()
    for username in ("county_admin", "county_staff", "county_viewer"):
        assert orgs_for_user(User.objects.get(username=username)).count() == everything


def test_the_logins_text_names_each_login_role_organization_password_and_url(demo):
    text = demo_logins_text()
    for username in INTENDED_GRANTS:
        assert f"  {username}  —  " in text
    for words in ("组织部管理员", "经办人", "书记", "只读查看", "中共示范县委员会", "青石镇党委"):
        assert words in text
    assert "柳溪镇党委" in text
    assert DEMO_PASSWORD in text
    assert DEMO_URL in text
    assert "missing" not in text


def test_last_years_cycle_is_closed_graded_published_and_in_rectification(demo):
    from debrief.assessments.models import ResultSet, ResultStatus
    from debrief.cycles.models import Cycle, CycleStatus
    from debrief.rectification.models import Problem, ProblemStatus

    last, current = Cycle.objects.order_by("year")
    assert last.status == CycleStatus.CLOSED
    result_set = ResultSet.objects.get(cycle=last)
    assert result_set.status == ResultStatus.PUBLISHED
    assert result_set.results.count() == last.reporters.count()
    statuses = set(Problem.objects.filter(cycle=last).values_list("status", flat=True))
    assert statuses == set(ProblemStatus.values)
    assert Problem.objects.filter(cycle=last, overdue=True).exists()
    assert current.status == CycleStatus.MEETING and current.year == last.year + 1


def test_this_years_reports_are_in_every_state_and_the_meeting_has_comments(demo):
    from debrief.cycles.models import Cycle
    from debrief.meetings.models import Comment
    from debrief.reports.models import Report

    current = Cycle.objects.order_by("-year").first()
    assert current is not None
    states = set(Report.objects.filter(reporter__cycle=current).values_list("status", flat=True))
    assert states == {"draft", "submitted", "returned", "accepted"}
    assert current.reporters.filter(report__isnull=True).exists()  # not started
    assert Comment.objects.filter(reporter__cycle=current).exists()


def test_the_printed_ballot_links_open_the_evaluation_that_is_ready_to_open(demo):
    from debrief.ballots.models import EvaluationStatus
    from debrief.ballots.services import ballot_form
    from debrief.demo.slips import demo_slips_text, slips_dir

    links = (slips_dir() / "links.txt").read_text(encoding="utf-8").splitlines()
    assert len(links) == 120
    token = links[0].split("\t")[1].rsplit("/", 1)[1]
    form = ballot_form(token=token)
    assert form.evaluation.status == EvaluationStatus.DRAFT and not form.voted
    assert len(list(slips_dir().glob("*.docx"))) == 4
    assert token in demo_slips_text()
