import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from debrief.cycles.services import cycle_create, roster_generate
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.orgs.models import Level
from debrief.rectification.models import Category, ProblemStatus, Source
from debrief.rectification.services import problem_create
from debrief.reports.models import ReportStatus, ReviewAction
from debrief.reports.services import (
    attachment_add,
    report_accept,
    report_for,
    report_return,
    report_save,
    report_submit,
)

pytestmark = pytest.mark.django_db

FULL = {
    "rectification": "<p>去年问题已整改</p>",
    "achievements": "<p>成绩</p>",
    "key_tasks": "<p>任务</p>",
    "problems": "<p>问题</p>",
    "causes": "<p>原因</p>",
    "measures": "<p>措施</p>",
}


@pytest.fixture
def report(open_cycle):
    return report_for(open_cycle.reporters.get(organization__code="T001"))


def test_every_save_that_changes_something_is_a_new_version(report):
    first = report_save(report=report, sections={"achievements": "<p>一</p>"})
    second = report_save(report=report, sections={"achievements": "<p>二</p>"})
    same = report_save(report=report, sections={"achievements": "<p>二</p>"})
    assert (first.number, second.number, same.number) == (2, 3, 3)
    assert report.versions.count() == 3


def test_report_text_is_sanitised(report):
    version = report_save(
        report=report,
        sections={
            "achievements": (
                '<p onclick="x()">好<script>alert(1)</script><a href="javascript:x">链</a></p>'
            )
        },
    )
    assert version.achievements == "<p>好链</p>"


def test_a_report_with_empty_sections_cannot_be_submitted(report):
    report_save(report=report, sections={"achievements": "<p>只写了一节</p>"})
    with pytest.raises(DomainError, match="still empty"):
        report_submit(report=report)


def test_submit_return_resubmit_accept(report):
    report_save(report=report, sections=FULL)
    report_submit(report=report)
    with pytest.raises(DomainError):
        report_return(report=report, reason="  ")
    report_return(report=report, reason="成绩部分缺少数据")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.return_reason == "成绩部分缺少数据"
    report_save(report=report, sections={"achievements": "<p>成绩，附数据</p>"})
    report_submit(report=report)
    report_accept(report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert list(report.reviews.values_list("action", flat=True)) == [
        ReviewAction.SUBMITTED,
        ReviewAction.RETURNED,
        ReviewAction.SUBMITTED,
        ReviewAction.ACCEPTED,
    ]


def test_a_submitted_report_cannot_be_edited(report):
    report_save(report=report, sections=FULL)
    report_submit(report=report)
    with pytest.raises(IllegalTransition):
        report_save(report=report, sections={"causes": "<p>改</p>"})


def test_a_draft_cannot_be_accepted(report):
    with pytest.raises(IllegalTransition):
        report_accept(report=report)


def test_reports_cannot_be_written_before_reports_open(cycle):
    report = report_for(cycle.reporters.first())
    with pytest.raises(IllegalTransition):
        report_save(report=report, sections=FULL)


def test_last_years_problems_open_this_years_report(county, personas):
    last = cycle_create(host=county.county, year=2024, levels=[Level.TOWNSHIP])
    roster_generate(cycle=last)
    problem = problem_create(
        organization=county.qingshi,
        cycle=last,
        category=Category.TEAM,
        description="村干部年龄结构老化",
        source=Source.COMMENT,
    )
    problem.status, problem.progress = ProblemStatus.IN_PROGRESS, 60
    problem.save()
    this = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=this)
    report = report_for(this.reporters.get(organization=county.qingshi))
    latest = report.latest_version()
    assert latest is not None
    text = latest.rectification
    assert "村干部年龄结构老化" in text and "2024" in text and "60%" in text
    other = report_for(this.reporters.get(organization=county.liuxi))
    other_latest = other.latest_version()
    assert other_latest is not None and other_latest.rectification == ""


def test_attachments_are_checked_by_content_and_stored_under_a_generated_name(
    report, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile(
        "../../成绩 台账.pdf", b"%PDF-1.4 test", content_type="application/pdf"
    )
    attachment = attachment_add(report=report, upload=pdf)
    assert attachment.original_name == "成绩 台账.pdf"
    assert "成绩" not in attachment.file.name and ".." not in attachment.file.name
    assert attachment.file.name.endswith(".pdf")
    fake = SimpleUploadedFile("evil.pdf", b"<html><script>", content_type="application/pdf")
    with pytest.raises(DomainError, match="does not match"):
        attachment_add(report=report, upload=fake)
    exe = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(DomainError, match="Only these file types"):
        attachment_add(report=report, upload=exe)


def test_a_report_returned_during_the_meeting_stage_can_be_put_right(open_cycle):
    import datetime

    from debrief.cycles.models import CycleStatus
    from debrief.cycles.services import cycle_transition
    from debrief.meetings.services import meeting_schedule

    report = report_for(open_cycle.reporters.get(organization__code="T001"))
    report_save(report=report, sections=FULL)
    report_submit(report=report)
    meeting_schedule(cycle=open_cycle, date=datetime.date(2026, 1, 15), presider="县委书记")
    cycle_transition(cycle=open_cycle, to=CycleStatus.MEETING)
    report_return(report=report, reason="补充数据")
    report_save(report=report, sections={"achievements": "<p>补充了数据</p>"})
    report_submit(report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
