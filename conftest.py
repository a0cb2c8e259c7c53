"""Shared test fixtures: a small county and the named personas of the access matrix.

Personas
- county_admin: organization-department administrator of 示范县 (whole county)
- county_staff: staff (经办人) of the county
- qingshi_secretary: secretary of 青石镇 (sees 青石镇 and its villages)
- liuxi_secretary: secretary of 柳溪镇, a sibling township that must see nothing of 青石镇
- county_viewer: read-only viewer of the county
- outsider: an account with no grant at all
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from django.core.signals import request_finished
from django.db import connection
from django.utils import translation

from debrief.accounts.models import Grant, Role, User
from debrief.orgs.models import Field, Level, Organization
from debrief.orgs.services import org_create
from debrief.people.models import Gender, Person, Title
from debrief.people.services import post_assign

PASSWORD = "Correct-horse-battery-9"  # noqa: S105 - test accounts only

_skipped_postgres: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        return
    reason = "needs PostgreSQL: set DATABASE_URL (CI runs these)"
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.skip(reason=reason))
            _skipped_postgres.append(item.nodeid)


def pytest_terminal_summary(terminalreporter) -> None:
    if _skipped_postgres:
        terminalreporter.section("PostgreSQL-only tests skipped (running on SQLite)")
        for nodeid in _skipped_postgres:
            terminalreporter.write_line(f"SKIPPED (no PostgreSQL): {nodeid}")
        terminalreporter.write_line(
            f"{len(_skipped_postgres)} PostgreSQL-only tests (concurrency and database "
            "guards) did not run. Set DATABASE_URL=postgres://... (as CI does) to run them."
        )


def _english(**_kwargs: object) -> None:
    translation.activate("en")


@pytest.fixture(autouse=True)
def _messages_in_english_outside_requests():
    """Service messages raised in test code read in English, so tests can match them.
    Pages still speak Chinese by default: LocaleMiddleware picks the language per
    request; after each test-client request English is activated again."""
    translation.activate("en")
    request_finished.connect(_english)
    yield
    request_finished.disconnect(_english)
    translation.deactivate()


@pytest.fixture(autouse=True)
def _test_speed_and_static(settings):
    """Pages render without `collectstatic` (no manifest) and passwords hash fast."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _media_in_tmp(tmp_path_factory):
    """Uploaded files written by any test (module-scoped builds included) land in a
    temporary folder, never in var/media."""
    from django.conf import settings

    saved = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    yield
    settings.MEDIA_ROOT = saved


@pytest.fixture
def client():
    """The test client, over HTTPS (see debrief/lib/testing.py)."""
    from debrief.lib.testing import HttpsClient

    return HttpsClient()


@pytest.fixture
def cycle(county: County, personas: Personas):
    """A 2025 cycle of the county with its roster: 青石镇 and 柳溪镇 have secretaries."""
    from debrief.cycles.services import cycle_create, roster_generate

    c = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP, Level.UNIT])
    roster_generate(cycle=c)
    return c


@pytest.fixture
def open_cycle(cycle):
    from debrief.cycles.models import CycleStatus
    from debrief.cycles.services import cycle_transition

    return cycle_transition(cycle=cycle, to=CycleStatus.REPORTS_OPEN)


@pytest.fixture
def meeting_cycle(open_cycle):
    from debrief.cycles.models import CycleStatus
    from debrief.cycles.services import cycle_transition
    from debrief.meetings.services import meeting_schedule

    meeting_schedule(cycle=open_cycle, date=datetime.date(2026, 1, 15), presider="县委书记")
    return cycle_transition(cycle=open_cycle, to=CycleStatus.MEETING)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class County:
    county: Organization
    qingshi: Organization
    liuxi: Organization
    qingshi_villages: list[Organization]
    liuxi_villages: list[Organization]
    organs_committee: Organization


def build_county() -> County:
    county = org_create(code="C001", name="示范县委", level=Level.COUNTY, field=Field.GENERAL)
    qingshi = org_create(
        code="T001",
        name="青石镇党委",
        short_name="青石镇",
        level=Level.TOWNSHIP,
        field=Field.RURAL,
        parent=county,
    )
    liuxi = org_create(
        code="T002",
        name="柳溪镇党委",
        short_name="柳溪镇",
        level=Level.TOWNSHIP,
        field=Field.RURAL,
        parent=county,
    )
    qingshi_villages = [
        org_create(
            code=f"V00{i}",
            name=f"青石镇{name}村党支部",
            level=Level.VILLAGE,
            field=Field.RURAL,
            parent=qingshi,
        )
        for i, name in enumerate(["东岗", "西坪", "南塘"], start=1)
    ]
    liuxi_villages = [
        org_create(
            code=f"V10{i}",
            name=f"柳溪镇{name}村党支部",
            level=Level.VILLAGE,
            field=Field.RURAL,
            parent=liuxi,
        )
        for i, name in enumerate(["上湾", "下湾"], start=1)
    ]
    organs = org_create(
        code="U001", name="示范县直机关工委", level=Level.UNIT, field=Field.ORGAN, parent=county
    )
    return County(county, qingshi, liuxi, qingshi_villages, liuxi_villages, organs)


@pytest.fixture
def county(db) -> County:
    return build_county()


def make_user(username: str, *, grants: Sequence[tuple[Organization, str]] = ()) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username)
    for org, role in grants:
        Grant.objects.create(user=user, organization=org, role=role)
    return user


@dataclass
class Personas:
    county_admin: User
    county_staff: User
    qingshi_secretary: User
    liuxi_secretary: User
    county_viewer: User
    outsider: User


@pytest.fixture
def personas(county: County) -> Personas:
    qingshi_person = Person.objects.create(name="林晓青", gender=Gender.FEMALE, phone="13800001234")
    liuxi_person = Person.objects.create(name="周立川", gender=Gender.MALE, phone="13900005678")
    post_assign(
        person=qingshi_person,
        organization=county.qingshi,
        title=Title.SECRETARY,
        start_date=datetime.date(2021, 6, 1),
    )
    post_assign(
        person=liuxi_person,
        organization=county.liuxi,
        title=Title.SECRETARY,
        start_date=datetime.date(2022, 3, 1),
    )
    qingshi_secretary = make_user("qingshi_secretary", grants=((county.qingshi, Role.SECRETARY),))
    qingshi_secretary.person = qingshi_person
    qingshi_secretary.save()
    liuxi_secretary = make_user("liuxi_secretary", grants=((county.liuxi, Role.SECRETARY),))
    liuxi_secretary.person = liuxi_person
    liuxi_secretary.save()
    return Personas(
        county_admin=make_user("county_admin", grants=((county.county, Role.ADMIN),)),
        county_staff=make_user("county_staff", grants=((county.county, Role.STAFF),)),
        qingshi_secretary=qingshi_secretary,
        liuxi_secretary=liuxi_secretary,
        county_viewer=make_user("county_viewer", grants=((county.county, Role.VIEWER),)),
        outsider=make_user("outsider"),
    )
