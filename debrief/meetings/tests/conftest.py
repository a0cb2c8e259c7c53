import datetime

import pytest

from debrief.cycles.models import CycleStatus
from debrief.cycles.services import cycle_transition
from debrief.lib.testing import HttpsClient
from debrief.meetings.services import meeting_schedule

# --- Fixtures of the meeting pages and documents (test_views.py, test_documents.py) ----


@pytest.fixture
def pages(settings):
    """The settings the pages render with (the root conftest already serves static
    files without a manifest)."""
    return settings


@pytest.fixture
def client_for(personas, pages):
    """client_for("county_admin"): an HTTPS client logged in as that persona."""

    def make(persona: str) -> HttpsClient:
        client = HttpsClient()
        client.force_login(getattr(personas, persona))
        return client

    return make


@pytest.fixture
def host_client(client_for):
    """The county administrator: manages the county's cycle and its meeting."""
    return client_for("county_admin")


@pytest.fixture
def arranged_cycle(open_cycle, county):
    """青石镇 speaks on-site (order 1), 柳溪镇 reports in writing; 青石镇's report is
    accepted, 柳溪镇's is a draft. The meeting has a main and a branch venue, and the
    cycle is at the review-meeting stage."""
    from debrief.cycles.services import onsite_apply, order_draw
    from debrief.meetings.services import VenueInput
    from debrief.reports.services import report_accept, report_for, report_save, report_submit

    qingshi = open_cycle.reporters.get(organization=county.qingshi)
    liuxi = open_cycle.reporters.get(organization=county.liuxi)
    onsite_apply(cycle=open_cycle, reporter_ids=[qingshi.pk])
    order_draw(cycle=open_cycle, session=1, seed="fixed")
    report = report_for(qingshi)
    report_save(
        report=report,
        sections={
            "rectification": "<p>去年指出的三个问题已全部整改。</p>",
            "achievements": "<p>村集体经济收入全部超过10万元。</p><p>新建党群服务中心2个。</p>",
            "key_tasks": "<p>书记项目按期完成。</p>",
            "problems": "<p>后备干部储备不足。</p>",
            "causes": "<p>重视不够。</p>",
            "measures": "<ol><li>实施头雁工程。</li><li>加强党员教育。</li></ol>",
        },
        indicators=[{"name": "集体经济收入超10万元村占比", "target": "60%", "actual": "100%"}],
    )
    report_submit(report=report)
    report_accept(report=report)
    draft = report_for(liuxi)
    report_save(report=draft, sections={"achievements": "<p>柳溪镇草稿内容</p>"})
    meeting_schedule(
        cycle=open_cycle,
        date=datetime.date(2026, 1, 15),
        start_time=datetime.time(9, 0),
        presider="张书记",
        presider_title="县委书记",
        guidance="市委组织部",
        speech_minutes=10,
        venues=[
            VenueInput("县委一号会议室", is_main=True, expected=80),
            VenueInput("青石镇分会场", expected=30),
        ],
    )
    return cycle_transition(cycle=open_cycle, to=CycleStatus.MEETING)


@pytest.fixture
def arranged_meeting(arranged_cycle):
    return arranged_cycle.meetings.get(session=1)
