import datetime

import pytest

from debrief.cycles.services import cycle_create, roster_generate
from debrief.orgs.models import Level


@pytest.fixture
def county_admin_client(client, personas):
    """The county administrator (EDIT on the whole county), logged in."""
    client.force_login(personas.county_admin)
    return client


@pytest.fixture
def large_cycle(county, personas):
    """A 2025 cycle with 30 reporters: 青石镇, 柳溪镇 and 28 more townships, every one
    with a secretary; every other reporter has started a report."""
    from debrief.orgs.models import Field
    from debrief.orgs.services import org_create
    from debrief.people.models import Gender, Person, Title
    from debrief.people.services import post_assign
    from debrief.reports.models import Report, ReportStatus

    for n in range(28):
        township = org_create(
            code=f"T1{n:02d}",
            name=f"第{n + 1}镇党委",
            level=Level.TOWNSHIP,
            field=Field.RURAL,
            parent=county.county,
        )
        post_assign(
            person=Person.objects.create(name=f"书记{n + 1}", gender=Gender.MALE),
            organization=township,
            title=Title.SECRETARY,
            start_date=datetime.date(2020, 1, 1),
        )
    c = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=c)
    for n, reporter in enumerate(c.reporters.order_by("pk")):
        if n % 2 == 0:
            Report.objects.create(
                reporter=reporter,
                status=ReportStatus.SUBMITTED if n % 4 == 0 else ReportStatus.DRAFT,
            )
    return c


@pytest.fixture
def rotated_cycle(county, personas):
    """The county's 2025 cycle, after a 2024 cycle in which only 青石镇 spoke on-site:
    by rotation only 柳溪镇 is eligible to speak on-site this year."""
    from debrief.cycles.services import onsite_apply

    last_year = cycle_create(host=county.county, year=2024, levels=[Level.TOWNSHIP])
    roster_generate(cycle=last_year)
    onsite_apply(
        cycle=last_year,
        reporter_ids=[last_year.reporters.get(organization=county.qingshi).pk],
    )
    this_year = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=this_year)
    return this_year
