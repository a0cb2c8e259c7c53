import datetime
from typing import Any

import pytest
from django.test import Client

from debrief.cycles.models import CycleStatus
from debrief.cycles.services import cycle_create, cycle_transition, roster_generate
from debrief.meetings.services import meeting_schedule
from debrief.orgs.models import Level


@pytest.fixture
def cycle(county, personas):
    """A 2025 cycle of the county with its roster: 青石镇 and 柳溪镇 have secretaries."""
    c = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP, Level.UNIT])
    roster_generate(cycle=c)
    return c


@pytest.fixture
def open_cycle(cycle):
    return cycle_transition(cycle=cycle, to=CycleStatus.REPORTS_OPEN)


@pytest.fixture
def meeting_cycle(open_cycle):
    meeting_schedule(cycle=open_cycle, date=datetime.date(2026, 1, 15), presider="县委书记")
    return cycle_transition(cycle=open_cycle, to=CycleStatus.MEETING)


# --- Fixtures of the report pages (test_views.py) --------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The personas' accounts are created for every test; the production hasher makes
    that take seconds. Nothing here tests passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class HttpsClient(Client):
    """The tests run with the production security settings, where plain HTTP is
    redirected to HTTPS. `Client(secure=True)` does not help (`secure` is a per-request
    argument), so this client makes every request over HTTPS."""

    def generic(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["secure"] = True
        return super().generic(*args, **kwargs)


@pytest.fixture
def client(settings):
    """An HTTPS client. Templates use {% static %}; without `collectstatic` there is no
    manifest, so pages are rendered with the plain static storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return HttpsClient()


@pytest.fixture
def qingshi_reporter(open_cycle, county):
    return open_cycle.reporters.get(organization=county.qingshi)


@pytest.fixture
def liuxi_reporter(open_cycle, county):
    return open_cycle.reporters.get(organization=county.liuxi)


@pytest.fixture
def crowded_cycle(county, personas):
    """An open 2025 cycle with 30 townships on the roster, their reports in every state."""
    from debrief.cycles.models import Reporter
    from debrief.orgs.models import Field
    from debrief.orgs.services import org_create
    from debrief.people.models import Gender, Person
    from debrief.reports.services import (
        report_accept,
        report_for,
        report_return,
        report_save,
        report_submit,
    )

    c = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    full = {key: f"<p>{key}</p>" for key in _section_keys()}
    reporters = []
    for i in range(30):
        org = org_create(
            code=f"T{100 + i}",
            name=f"第{i}镇党委",
            level=Level.TOWNSHIP,
            field=Field.RURAL,
            parent=county.county,
        )
        person = Person.objects.create(name=f"书记{i}", gender=Gender.MALE)
        reporters.append(
            Reporter.objects.create(
                cycle=c, organization=org, person=person, post_title="镇党委书记"
            )
        )
    c = cycle_transition(cycle=c, to=CycleStatus.REPORTS_OPEN)
    for i, reporter in enumerate(reporters):
        # 0 not started, 1 draft, 2 submitted, 3 returned, 4 opened only, 5 accepted
        kind = i % 6
        if kind == 0:
            continue
        report = report_for(reporter)
        if kind == 4:
            continue  # opened but nothing saved yet: still "not started"
        report_save(report=report, sections=full)
        if kind in (2, 3, 5):
            report_submit(report=report)
        if kind == 3:
            report_return(report=report, reason="补充数据")
        if kind == 5:
            report_accept(report=report)
    return c


def _section_keys():
    from debrief.reports.models import SECTION_KEYS

    return SECTION_KEYS
