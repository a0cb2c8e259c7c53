"""The demo county 示范县: an invented county with townships, villages, units, their
secretaries and one demo login per role.

`build_demo()` builds everything in one transaction, in stages that each take the
same seeded generator: the organization tree, the people and their posts, the demo
logins. Later stages (last year's closed cycle, this year's cycle) are appended at
the end of `build_demo()`; appending never changes what the earlier stages draw, so
the county stays the same from one version of the demo to the next.

Idempotency is by the root code: the demo is built only when `COUNTY_CODE` is absent
(see `demo_present()`), and because the build is one transaction an interrupted run
leaves nothing behind.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.db import transaction

from debrief.accounts.models import Role, User
from debrief.accounts.services import grant_create, user_create
from debrief.audit.services import audit_record
from debrief.demo import names
from debrief.orgs.models import Field, Level, Organization
from debrief.orgs.services import org_create, org_merge
from debrief.people.models import Gender, Person, Title
from debrief.people.services import post_assign

DEMO_SEED = 20261122
DEMO_PASSWORD = "Debrief-demo-2026"  # noqa: S105 - a published demo password
DEMO_URL = "http://127.0.0.1:8000/"

# Organization codes: SF0001 the county; SF01nn the townships; SF02nn the working
# committees and units directly under the county; below any of these, the parent's
# code + V + 2 digits for a village or community, + U + 2 digits for a unit.
COUNTY_CODE = "SF0001"
TOWNSHIP_CODE = "SF01{number:02d}"
COUNTY_UNIT_CODE = "SF02{number:02d}"
VILLAGE_CODE = "{parent}V{number:02d}"
UNIT_CODE = "{parent}U{number:02d}"

# Active villages and communities under the townships (the development zone's two
# communities and the merged village come on top).
VILLAGES_UNDER_TOWNSHIPS = 250
VILLAGES_PER_TOWN = (8, 18)
COMMUNITIES_PER_STREET = (8, 12)

# The one village that history has merged into its neighbour.
MERGED_ON = datetime.date(2024, 4, 1)

D = datetime.date


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    org_code: str
    full_name: str  # "{name}" is replaced by the linked person's name
    linked_to_secretary: bool = False


QINGSHI_CODE = TOWNSHIP_CODE.format(number=1)
LIUXI_CODE = TOWNSHIP_CODE.format(number=2)

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("county_admin", Role.ADMIN, COUNTY_CODE, "组织部管理员（演示）"),
    DemoLogin("county_staff", Role.STAFF, COUNTY_CODE, "组织部经办人（演示）"),
    DemoLogin(
        "township_secretary",
        Role.SECRETARY,
        QINGSHI_CODE,
        "{name}（青石镇党委书记·演示）",
        linked_to_secretary=True,
    ),
    DemoLogin(
        "other_secretary",
        Role.SECRETARY,
        LIUXI_CODE,
        "{name}（柳溪镇党委书记·演示）",
        linked_to_secretary=True,
    ),
    DemoLogin("county_viewer", Role.VIEWER, COUNTY_CODE, "县委领导查看（演示）"),
)

# Console text only (the web UI translates Role labels through gettext).
ROLE_LABELS: dict[str, tuple[str, str]] = {
    Role.ADMIN: ("组织部管理员", "organization department administrator"),
    Role.STAFF: ("经办人", "staff"),
    Role.SECRETARY: ("书记", "secretary"),
    Role.VIEWER: ("只读查看", "viewer"),
}


@dataclass
class DemoTree:
    county: Organization
    townships: list[Organization]
    villages: dict[str, list[Organization]]  # by township code, active ones only
    committees: dict[str, Organization]  # organs, education, sasac, two_new, zone
    units: list[Organization]  # the hospital and the units under the committees
    zone_communities: list[Organization]
    merged_village: Organization

    def active_orgs(self) -> list[Organization]:
        """Every active organization, parents before children."""
        orgs = [self.county]
        for township in self.townships:
            orgs.append(township)
            orgs.extend(self.villages[township.code])
        orgs.extend(self.committees.values())
        orgs.extend(self.units)
        orgs.extend(self.zone_communities)
        return orgs


@dataclass
class DemoPeople:
    persons: list[Person]
    secretaries: dict[str, Person]  # current secretary by organization code
    with_history: list[str] = field(default_factory=list)  # codes with a past secretary


@dataclass
class DemoCounty:
    tree: DemoTree
    people: DemoPeople
    users: dict[str, User]


def demo_present() -> bool:
    return Organization.objects.filter(code=COUNTY_CODE).exists()


def demo_blockers() -> list[str]:
    """Why the demo must not be built into this database (empty when it may be).

    The demo brings accounts with a published password, so it is only built into a
    database that holds no organizations yet and none of its user names."""
    reasons = []
    if Organization.objects.exists():
        reasons.append(
            "数据库中已有其他组织 / the database already holds organizations that are not "
            "the demo county"
        )
    taken = sorted(
        User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).values_list(
            "username", flat=True
        )
    )
    if taken:
        reasons.append(f"用户名已被占用 / user names already taken: {', '.join(taken)}")
    return reasons


def build_demo() -> DemoCounty:
    """Build the whole demo county in one transaction. Call only when `demo_present()`
    is false."""
    rng = random.Random(DEMO_SEED)
    with transaction.atomic():
        tree = build_org_tree(rng)
        people = build_people(rng, tree)
        users = build_accounts(tree, people)
        # Later stages draw from the same `rng` after the stages above.
        from debrief.demo.cycles import build_cycles

        build_cycles(rng, tree.county, users["county_admin"])
        audit_record(
            action="demo.build",
            actor_name="manage.py demo",
            target=tree.county.name,
            organization=tree.county,
            detail={
                "organizations": len(tree.active_orgs()) + 1,
                "people": len(people.persons),
                "logins": sorted(users),
            },
        )
    return DemoCounty(tree=tree, people=people, users=users)


# --- the organization tree ----------------------------------------------------------


def _village_counts(rng: random.Random, urban: list[bool]) -> list[int]:
    """How many villages (communities) each township gets, adding up to the total."""
    bounds = [COMMUNITIES_PER_STREET if is_urban else VILLAGES_PER_TOWN for is_urban in urban]
    counts = [rng.randint(low, high) for low, high in bounds]
    while (total := sum(counts)) != VILLAGES_UNDER_TOWNSHIPS:
        i = rng.randrange(len(counts))
        low, high = bounds[i]
        if total > VILLAGES_UNDER_TOWNSHIPS and counts[i] > low:
            counts[i] -= 1
        elif total < VILLAGES_UNDER_TOWNSHIPS and counts[i] < high:
            counts[i] += 1
    return counts


def _village_org_kind(rng: random.Random, *, urban: bool) -> str:
    """Village organizations are branches, general branches or committees by size."""
    weights = (30, 30, 40) if urban else (65, 25, 10)
    return rng.choices(("党支部", "党总支", "党委"), weights=weights)[0]


def build_org_tree(rng: random.Random) -> DemoTree:
    county = org_create(
        code=COUNTY_CODE,
        name="中共示范县委员会",
        short_name="示范县委",
        level=Level.COUNTY,
        field=Field.GENERAL,
    )

    # Towns and 乡 are rural, streets (街道) urban; all at township level.
    kinds = (
        [(stem, "镇") for stem in names.TOWNS]
        + [(stem, "乡") for stem in names.XIANG]
        + [(stem, "街道") for stem in names.STREETS]
    )
    urban = [suffix == "街道" for _stem, suffix in kinds]
    counts = _village_counts(rng, urban)
    rural_total = sum(n for n, is_urban in zip(counts, urban, strict=True) if not is_urban)
    urban_total = sum(counts) - rural_total
    village_stems = rng.sample(names.VILLAGE_STEMS, rural_total + 1)  # + the merged one
    community_stems = rng.sample(names.COMMUNITY_STEMS, urban_total + 2)  # + the zone's

    townships: list[Organization] = []
    villages: dict[str, list[Organization]] = {}
    for number, ((stem, suffix), is_urban, count) in enumerate(
        zip(kinds, urban, counts, strict=True), start=1
    ):
        short_name = stem + suffix
        township = org_create(
            code=TOWNSHIP_CODE.format(number=number),
            name=short_name + ("党工委" if is_urban else "党委"),
            short_name=short_name,
            level=Level.TOWNSHIP,
            field=Field.URBAN if is_urban else Field.RURAL,
            parent=county,
        )
        townships.append(township)
        children = []
        for child_number in range(1, count + 1):
            child_stem = community_stems.pop() if is_urban else village_stems.pop()
            child_short = child_stem + ("社区" if is_urban else "村")
            children.append(
                org_create(
                    code=VILLAGE_CODE.format(parent=township.code, number=child_number),
                    name=short_name + child_short + _village_org_kind(rng, urban=is_urban),
                    short_name=child_short,
                    level=Level.VILLAGE,
                    field=Field.URBAN if is_urban else Field.RURAL,
                    parent=township,
                )
            )
        villages[township.code] = children

    # One village of 青石镇 has been merged into its neighbour, so that the tree shows
    # history to the township secretary's demo login.
    qingshi = townships[0]
    neighbour = villages[qingshi.code][-1]
    merged_stem = village_stems.pop() + "村"
    merged_village = org_create(
        code=VILLAGE_CODE.format(parent=qingshi.code, number=len(villages[qingshi.code]) + 1),
        name=qingshi.short_name + merged_stem + "党支部",
        short_name=merged_stem,
        level=Level.VILLAGE,
        field=Field.RURAL,
        parent=qingshi,
    )
    org_merge(org=merged_village, into=neighbour, on=MERGED_ON)
    merged_village.refresh_from_db()

    def county_unit(number: int, name: str, short_name: str, unit_field: str) -> Organization:
        return org_create(
            code=COUNTY_UNIT_CODE.format(number=number),
            name=name,
            short_name=short_name,
            level=Level.UNIT,
            field=unit_field,
            parent=county,
        )

    committees = {
        "organs": county_unit(1, "示范县直属机关工委", "县直机关工委", Field.ORGAN),
        "education": county_unit(2, "示范县委教育工委", "县委教育工委", Field.PUBLIC_INSTITUTION),
        "sasac": county_unit(3, "示范县国资委党委", "县国资委党委", Field.SOE),
        "two_new": county_unit(4, "示范县委两新工委", "县委两新工委", Field.TWO_NEW),
        "zone": county_unit(5, "示范县经济开发区党工委", "开发区党工委", Field.GENERAL),
    }
    hospital_name, hospital_short = names.HOSPITAL
    units = [county_unit(6, hospital_name, hospital_short, Field.PUBLIC_INSTITUTION)]
    for committee_key, unit_field, specs in (
        ("organs", Field.ORGAN, names.ORGAN_UNITS),
        ("education", Field.PUBLIC_INSTITUTION, names.EDUCATION_UNITS),
        ("sasac", Field.SOE, names.SOE_UNITS),
        ("two_new", Field.TWO_NEW, names.TWO_NEW_UNITS),
    ):
        committee = committees[committee_key]
        for number, (name, short_name) in enumerate(specs, start=1):
            units.append(
                org_create(
                    code=UNIT_CODE.format(parent=committee.code, number=number),
                    name=name,
                    short_name=short_name,
                    level=Level.UNIT,
                    field=unit_field,
                    parent=committee,
                )
            )

    zone = committees["zone"]
    zone_communities = []
    for number in range(1, 3):
        short_name = community_stems.pop() + "社区"
        zone_communities.append(
            org_create(
                code=VILLAGE_CODE.format(parent=zone.code, number=number),
                name="开发区" + short_name + _village_org_kind(rng, urban=True),
                short_name=short_name,
                level=Level.VILLAGE,
                field=Field.URBAN,
                parent=zone,
            )
        )

    return DemoTree(
        county=county,
        townships=townships,
        villages=villages,
        committees=committees,
        units=units,
        zone_communities=zone_communities,
        merged_village=merged_village,
    )


# --- people and posts ---------------------------------------------------------------


@dataclass
class _PostPlan:
    organization: Organization
    title: str
    start: datetime.date
    end: datetime.date | None
    person: Person


def _day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def build_people(rng: random.Random, tree: DemoTree) -> DemoPeople:
    """Secretaries for every active organization, some with a predecessor whose term
    ended in 2023 or 2024; deputy secretaries for the townships; a closed term for
    the merged village. People are bulk-created, posts go through `post_assign`."""
    maker = names.NameMaker(rng)
    plans: list[_PostPlan] = []

    def person(female_share: float) -> Person:
        female = rng.random() < female_share
        return Person(
            name=maker.person_name(female=female),
            gender=Gender.FEMALE if female else Gender.MALE,
            ethnicity=maker.ethnicity(),
        )

    def plan(
        org: Organization,
        start: datetime.date,
        *,
        female_share: float,
        title: str = Title.SECRETARY,
        end: datetime.date | None = None,
    ) -> None:
        plans.append(_PostPlan(org, title, start, end, person(female_share)))

    changed_in_2023_or_2024 = (D(2023, 1, 2), D(2025, 1, 1))  # the day before ends the term

    # About a third of the townships, always including 青石镇, changed secretary.
    township_history = {0, *rng.sample(range(1, len(tree.townships)), 6)}
    village_history_share = 0.2
    with_history: list[str] = []

    plan(tree.county, _day(rng, D(2021, 6, 1), D(2022, 6, 30)), female_share=0.1)
    for index, township in enumerate(tree.townships):
        if index in township_history:
            plan(township, _day(rng, D(2016, 1, 1), D(2020, 12, 31)), female_share=0.2)
            plan(township, _day(rng, *changed_in_2023_or_2024), female_share=0.2)
            with_history.append(township.code)
        else:
            plan(township, _day(rng, D(2019, 1, 1), D(2022, 12, 31)), female_share=0.2)
        for _deputy in range(rng.choice((1, 2))):
            plan(
                township,
                _day(rng, D(2020, 1, 1), D(2024, 12, 31)),
                female_share=0.35,
                title=Title.DEPUTY_SECRETARY,
            )
        for village in tree.villages[township.code]:
            share = 0.5 if village.field == Field.URBAN else 0.2
            if rng.random() < village_history_share:
                plan(village, _day(rng, D(2018, 1, 1), D(2021, 6, 30)), female_share=share)
                plan(village, _day(rng, *changed_in_2023_or_2024), female_share=share)
                with_history.append(village.code)
            else:
                # Village and community committees were elected in the first half of 2021.
                plan(village, _day(rng, D(2021, 1, 1), D(2021, 6, 30)), female_share=share)
    for org in [*tree.committees.values(), *tree.units]:
        plan(org, _day(rng, D(2019, 1, 1), D(2024, 6, 30)), female_share=0.3)
    for community in tree.zone_communities:
        plan(community, _day(rng, D(2021, 1, 1), D(2021, 6, 30)), female_share=0.5)
    plan(
        tree.merged_village,
        _day(rng, D(2018, 1, 1), D(2021, 6, 30)),
        end=MERGED_ON - datetime.timedelta(days=1),
        female_share=0.2,
    )

    persons = [p.person for p in plans]
    for number, new_person in enumerate(persons, start=1):
        # Well-formed 11-digit mobile numbers that are obviously not real.
        new_person.phone = f"1990000{number:04d}"
    Person.objects.bulk_create(persons)

    secretaries: dict[str, Person] = {}
    for p in plans:
        post_assign(
            person=p.person,
            organization=p.organization,
            title=p.title,
            start_date=p.start,
            end_date=p.end,
            audit=False,  # the demo's history; the build itself is audited once
        )
        if p.title == Title.SECRETARY and p.end is None:
            secretaries[p.organization.code] = p.person  # the later term wins
    return DemoPeople(persons=persons, secretaries=secretaries, with_history=with_history)


# --- demo logins --------------------------------------------------------------------


def build_accounts(tree: DemoTree, people: DemoPeople) -> dict[str, User]:
    """One login per role, each with exactly one grant; no superuser."""
    by_code = {org.code: org for org in tree.active_orgs()}
    users: dict[str, User] = {}
    for login in DEMO_LOGINS:
        organization = by_code[login.org_code]
        person = people.secretaries[login.org_code] if login.linked_to_secretary else None
        user = user_create(
            username=login.username,
            full_name=login.full_name.format(name=person.name if person else ""),
            password=DEMO_PASSWORD,
            actor=None,
        )
        grant_create(user=user, organization=organization, role=login.role, actor=None)
        if person is not None:
            user.person = person
            user.save(update_fields=["person"])
        users[login.username] = user
    return users


# --- console output -----------------------------------------------------------------


def demo_logins_text() -> str:
    """The demo logins as they are in the database, for the console."""
    usernames = [login.username for login in DEMO_LOGINS]
    users = {
        user.username: user
        for user in User.objects.filter(username__in=usernames)
        .select_related("person")
        .prefetch_related("grants__organization")
    }
    lines = [
        "示范县演示账号 / Demo logins for the demo county 示范县",
        f"  地址 / URL:      {DEMO_URL}",
        f"  密码 / Password: {DEMO_PASSWORD}  (所有演示账号相同 / the same for every demo login)",
        "",
    ]
    for username in usernames:
        user = users.get(username)
        if user is None:
            lines.append(f"  {username}  —  缺失 / missing")
            continue
        lines.append(f"  {username}  —  {user.full_name}")
        grants = sorted(user.grants.all(), key=lambda grant: (grant.organization.path, grant.role))
        if not grants:
            lines.append("      角色 / Role: 无 / none")
        for grant in grants:
            zh, en = ROLE_LABELS.get(grant.role, (grant.role, grant.role))
            org = grant.organization
            lines.append(f"      角色 / Role: {zh} / {en}")
            lines.append(f"      组织 / Organization: {org.name}（{org.code}）")
        if user.person is not None:
            lines.append(f"      本人 / Person: {user.person.name}")
    return "\n".join(lines) + "\n"
