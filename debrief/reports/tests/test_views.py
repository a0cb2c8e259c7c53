"""The report pages: writing, reviewing, comparing, attachments and "My debriefing"."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from debrief.cycles.models import CycleStatus
from debrief.cycles.services import cycle_create, cycle_transition, roster_generate
from debrief.lib.errors import IllegalTransition
from debrief.meetings.services import ProblemInput, comment_record, meeting_schedule
from debrief.orgs.models import Level
from debrief.rectification.models import Category, ProblemStatus, Severity, Source
from debrief.rectification.services import problem_create
from debrief.reports.models import Attachment, Report, ReportStatus, ReviewAction
from debrief.reports.services import (
    attachment_add,
    report_for,
    report_save,
    report_submit,
)

pytestmark = pytest.mark.django_db

FULL = {
    "rectification": "<p>去年问题已整改</p>",
    "achievements": "<p>村集体经济收入全部超过10万元</p>",
    "key_tasks": "<p>书记项目完成</p>",
    "problems": "<p>发展党员不均衡</p>",
    "causes": "<p>重视不够</p>",
    "measures": "<p>明年抓好村级后备力量</p>",
}
PDF = "%PDF-1.4 一份台账".encode()


def _url(name: str, *args: Any) -> str:
    return reverse(f"reports:{name}", args=args)


def _status_shown(response: Any) -> str:
    match = re.search(r'data-testid="report-status" data-status="([a-z_]+)"', _html(response))
    assert match, "the page shows no report status"
    return match.group(1)


def _html(response: Any) -> str:
    return response.content.decode()


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def in_english(client):
    """Ask for the English pages: for a test that matches the English text of a page
    (pages speak Chinese by default; see debrief/front/tests/test_translations.py)."""
    client.cookies["django_language"] = "en"
    return client


def _save(client: Any, reporter: Any, sections: dict[str, str], **extra: str) -> Any:
    return client.post(_url("save", reporter.pk), {**sections, **extra}, follow=True)


def _report(reporter: Any) -> Report:
    return Report.objects.get(reporter=reporter)


# --- Writing ---------------------------------------------------------------------------


def test_the_secretary_sees_an_editor_for_every_section_in_order(
    client, personas, qingshi_reporter
):
    client.force_login(personas.qingshi_secretary)
    html = _html(client.get(_url("reporter", qingshi_reporter.pk)))
    positions = [
        html.find(f'data-testid="section-{key}"')
        for key in ("rectification", "achievements", "key_tasks", "problems", "causes", "measures")
    ]
    assert -1 not in positions and positions == sorted(positions)
    assert 'data-testid="save-draft"' in html and 'data-testid="submit-report"' in html
    assert "reports/editor.js" in html
    assert 'name="indicator-0-name"' in html


def test_the_report_pages_carry_no_inline_script_or_style(client, personas, qingshi_reporter):
    client.force_login(personas.qingshi_secretary)
    _save(client, qingshi_reporter, {"achievements": "<p>一</p>"})
    pk = qingshi_reporter.pk
    pages = {
        "editor": (personas.qingshi_secretary, _url("reporter", pk)),
        "versions": (personas.qingshi_secretary, _url("versions", pk)),
        "compare": (personas.qingshi_secretary, _url("compare", pk) + "?a=1&b=2"),
        "mine": (personas.qingshi_secretary, _url("mine")),
        "cycle list": (personas.county_admin, _url("cycle_reports", qingshi_reporter.cycle_id)),
    }
    for name, (user, url) in pages.items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, name
        html = _html(response)
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, name
        assert " style=" not in html and re.search(r"\son[a-z]+=", html) is None, name


def test_saving_a_draft_creates_a_version_and_strips_scripts(client, personas, qingshi_reporter):
    client.force_login(personas.qingshi_secretary)
    response = _save(
        client,
        qingshi_reporter,
        {"achievements": "<p>建成<strong>示范点</strong>3个<script>alert('x')</script></p>"},
        **{
            "indicator-0-name": "集体经济收入",
            "indicator-0-target": "10",
            "indicator-0-unit": "万元",
        },
        **{"indicator-4-name": "发展党员", "indicator-4-actual": "12"},
        action="save",
    )
    assert response.status_code == 200
    report = _report(qingshi_reporter)
    latest = report.latest_version()
    assert latest is not None and latest.number == 2 and latest.author == personas.qingshi_secretary
    assert latest.achievements == "<p>建成<strong>示范点</strong>3个</p>"
    assert [row["name"] for row in latest.indicators] == ["集体经济收入", "发展党员"]
    assert latest.indicators[0]["unit"] == "万元"
    assert "alert(" not in _html(response)
    assert _status_shown(response) == "draft"


def test_plain_text_typed_without_javascript_keeps_its_lines(client, personas, qingshi_reporter):
    client.force_login(personas.qingshi_secretary)
    _save(client, qingshi_reporter, {"causes": "第一条原因\r\n\r\n a < b & c \r\n"})
    latest = _report(qingshi_reporter).latest_version()
    assert latest is not None
    assert latest.causes == "<p>第一条原因</p><p>a &lt; b &amp; c</p>"


def test_a_post_without_a_section_or_the_indicator_table_keeps_what_was_saved(
    client, personas, qingshi_reporter
):
    report = report_for(qingshi_reporter)
    report_save(
        report=report,
        sections=FULL,
        indicators=[{"name": "党员数", "target": "100", "actual": "90", "unit": "人"}],
    )
    client.force_login(personas.qingshi_secretary)
    _save(client, qingshi_reporter, {"causes": "<p>新的原因</p>"})
    latest = report.latest_version()
    assert latest is not None and latest.causes == "<p>新的原因</p>"
    assert latest.measures == FULL["measures"] and latest.indicators[0]["actual"] == "90"
    _save(client, qingshi_reporter, {"indicator-0-name": "", "indicator-0-actual": ""})
    latest = report.latest_version()
    assert latest is not None and latest.indicators == []


def test_a_refused_save_shows_the_typed_text_again_and_keeps_no_version(
    client, personas, qingshi_reporter
):
    in_english(client)
    client.force_login(personas.qingshi_secretary)
    response = _save(
        client,
        qingshi_reporter,
        {"achievements": "<p>这段文字不能丢</p>"},
        **{"indicator-0-target": "95%"},  # an indicator without a name
    )
    assert response.status_code == 200
    assert any("needs a name" in m for m in _messages(response))
    html = _html(response)
    assert "这段文字不能丢" in html and 'value="95%"' in html
    assert _report(qingshi_reporter).versions.count() == 1


def test_submitting_with_empty_sections_is_refused_but_the_draft_is_saved(
    client, personas, qingshi_reporter
):
    in_english(client)
    client.force_login(personas.qingshi_secretary)
    response = _save(client, qingshi_reporter, {"achievements": "<p>只写一节</p>"}, action="submit")
    assert any("still empty" in m for m in _messages(response))
    report = _report(qingshi_reporter)
    assert report.status == ReportStatus.DRAFT and report.versions.count() == 2
    assert _status_shown(response) == "draft"


def test_write_submit_return_revise_resubmit_accept(client, personas, qingshi_reporter):
    secretary, admin = personas.qingshi_secretary, personas.county_admin
    page = _url("reporter", qingshi_reporter.pk)
    client.force_login(secretary)
    response = _save(client, qingshi_reporter, FULL, action="submit")
    assert _status_shown(response) == "submitted"
    assert 'data-testid="save-draft"' not in _html(response)
    assert 'data-testid="accept-report"' not in _html(response)

    client.force_login(admin)
    html = _html(client.get(page))
    assert 'data-testid="accept-report"' in html and 'data-testid="return-reason"' in html
    response = client.post(
        _url("return", qingshi_reporter.pk), {"reason": "成绩部分缺少具体数据"}, follow=True
    )
    assert _status_shown(response) == "returned"

    client.force_login(secretary)
    response = client.get(page)
    html = _html(response)
    assert 'data-testid="return-notice"' in html and "成绩部分缺少具体数据" in html
    assert 'data-testid="save-draft"' in html
    response = _save(
        client,
        qingshi_reporter,
        {**FULL, "achievements": "<p>村集体经济收入全部超过10万元，平均15.2万元</p>"},
        action="submit",
    )
    assert _status_shown(response) == "submitted"
    assert 'data-testid="return-notice"' not in _html(response)

    client.force_login(admin)
    response = client.post(_url("accept", qingshi_reporter.pk), follow=True)
    assert _status_shown(response) == "accepted"
    report = _report(qingshi_reporter)
    assert report.status == ReportStatus.ACCEPTED and report.decided_by == admin
    assert list(report.reviews.values_list("action", "version_number")) == [
        (ReviewAction.SUBMITTED, 2),
        (ReviewAction.RETURNED, 2),
        (ReviewAction.SUBMITTED, 3),
        (ReviewAction.ACCEPTED, 3),
    ]
    history = _html(response).split('data-testid="review-history"')[1]
    assert "成绩部分缺少具体数据" in history and "county_admin" in history
    assert 'data-testid="accept-report"' not in _html(response)


def test_a_report_is_read_only_once_submitted_and_shows_its_formatting(
    client, personas, qingshi_reporter
):
    in_english(client)
    report = report_for(qingshi_reporter)
    report_save(report=report, sections={**FULL, "measures": "<ol><li>抓<em>班子</em></li></ol>"})
    report_submit(report=report)
    client.force_login(personas.qingshi_secretary)
    html = _html(client.get(_url("reporter", qingshi_reporter.pk)))
    assert 'data-testid="report-section-measures"' in html
    assert "<ol><li>抓<em>班子</em></li></ol>" in html
    assert 'data-testid="section-measures"' not in html
    response = _save(client, qingshi_reporter, {"measures": "<p>改</p>"})
    assert any("cannot be changed" in m for m in _messages(response))
    assert report.versions.count() == 2


# --- Who may do what ---------------------------------------------------------------------


def test_the_sibling_township_secretary_finds_nothing_of_qingshis_report(
    client, personas, qingshi_reporter, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    report = report_for(qingshi_reporter)
    report_save(report=report, sections={"achievements": "<p>一</p>"})
    report_save(report=report, sections={"achievements": "<p>二</p>"})
    attachment = attachment_add(
        report=report, upload=SimpleUploadedFile("台账.pdf", PDF), actor=None
    )
    client.force_login(personas.liuxi_secretary)
    pk = qingshi_reporter.pk
    gets = [
        _url("reporter", pk),
        _url("versions", pk),
        _url("compare", pk) + "?a=2&b=3",
        _url("attachment", attachment.pk),
    ]
    assert [client.get(url).status_code for url in gets] == [404] * len(gets)
    posts = [
        (_url("save", pk), {"achievements": "<p>篡改</p>"}),
        (_url("attachment_upload", pk), {"file": SimpleUploadedFile("x.pdf", PDF)}),
        (_url("attachment_remove", attachment.pk), {}),
        (_url("accept", pk), {}),
        (_url("return", pk), {"reason": "x"}),
    ]
    assert [client.post(url, data).status_code for url, data in posts] == [404] * len(posts)
    assert report.versions.count() == 3 and report.attachments.count() == 1


def test_a_secretary_can_neither_accept_nor_return_a_report(client, personas, qingshi_reporter):
    report = report_for(qingshi_reporter)
    report_save(report=report, sections=FULL)
    report_submit(report=report)
    client.force_login(personas.qingshi_secretary)
    assert client.post(_url("accept", qingshi_reporter.pk)).status_code == 404
    assert (
        client.post(_url("return", qingshi_reporter.pk), {"reason": "自己退回"}).status_code == 404
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert list(report.reviews.values_list("action", flat=True)) == [ReviewAction.SUBMITTED]


def test_a_viewer_reads_a_submitted_report_but_cannot_review_or_edit_it(
    client, personas, qingshi_reporter
):
    report = report_for(qingshi_reporter)
    report_save(report=report, sections=FULL)
    report_submit(report=report)
    client.force_login(personas.county_viewer)
    html = _html(client.get(_url("reporter", qingshi_reporter.pk)))
    assert "村集体经济收入全部超过10万元" in html
    assert 'data-testid="accept-report"' not in html and 'data-testid="save-draft"' not in html
    assert client.post(_url("accept", qingshi_reporter.pk)).status_code == 404
    assert client.post(_url("save", qingshi_reporter.pk), FULL).status_code == 404


def test_reading_a_report_that_was_never_opened_does_not_start_it(
    client, personas, qingshi_reporter
):
    client.force_login(personas.county_viewer)
    response = client.get(_url("reporter", qingshi_reporter.pk))
    assert _status_shown(response) == "not_started"
    assert not Report.objects.filter(reporter=qingshi_reporter).exists()


def test_a_report_cannot_be_returned_without_a_reason(client, personas, qingshi_reporter):
    in_english(client)
    report = report_for(qingshi_reporter)
    report_save(report=report, sections=FULL)
    report_submit(report=report)
    client.force_login(personas.county_staff)
    response = client.post(_url("return", qingshi_reporter.pk), {"reason": "   "})
    assert response.status_code == 200
    assert any("Say why" in m for m in _messages(response))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_changes_are_refused_after_reports_close(client, personas, qingshi_reporter):
    in_english(client)
    report = report_for(qingshi_reporter)
    report_save(report=report, sections=FULL)
    meeting_schedule(cycle=qingshi_reporter.cycle, date=datetime.date(2026, 1, 15), presider="书记")
    cycle_transition(cycle=qingshi_reporter.cycle, to=CycleStatus.MEETING)
    client.force_login(personas.qingshi_secretary)
    html = _html(client.get(_url("reporter", qingshi_reporter.pk)))
    assert 'data-testid="save-draft"' not in html and 'data-testid="attachment-upload"' not in html
    response = _save(client, qingshi_reporter, {"causes": "<p>迟到的修改</p>"})
    assert any("while reports are open" in m for m in _messages(response))
    assert report.versions.count() == 2


def test_attachments_cannot_change_after_reports_close(
    client, personas, qingshi_reporter, settings, tmp_path
):
    in_english(client)
    settings.MEDIA_ROOT = tmp_path
    report = report_for(qingshi_reporter)
    attachment = attachment_add(report=report, upload=SimpleUploadedFile("a.pdf", PDF))
    meeting_schedule(cycle=qingshi_reporter.cycle, date=datetime.date(2026, 1, 15), presider="书记")
    cycle_transition(cycle=qingshi_reporter.cycle, to=CycleStatus.MEETING)
    with pytest.raises(IllegalTransition):
        attachment_add(report=report, upload=SimpleUploadedFile("b.pdf", PDF))
    client.force_login(personas.qingshi_secretary)
    response = client.post(_url("attachment_remove", attachment.pk), follow=True)
    assert any("while reports are open" in m for m in _messages(response))
    assert report.attachments.count() == 1


# --- Attachments ---------------------------------------------------------------------------


def test_an_uploaded_file_is_stored_under_a_generated_name_and_downloaded_under_its_own(
    client, personas, qingshi_reporter, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas.qingshi_secretary)
    client.get(_url("reporter", qingshi_reporter.pk))
    upload = SimpleUploadedFile("2025年 党建台账.pdf", PDF, content_type="application/pdf")
    response = client.post(
        _url("attachment_upload", qingshi_reporter.pk), {"file": upload}, follow=True
    )
    assert response.status_code == 200
    attachment = Attachment.objects.get(report__reporter=qingshi_reporter)
    assert attachment.original_name == "2025年 党建台账.pdf"
    assert "台账" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert (tmp_path / attachment.file.name).read_bytes() == PDF
    assert "2025年 党建台账.pdf" in _html(response)

    client.force_login(personas.county_admin)
    download = client.get(_url("attachment", attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''2025%E5%B9%B4%20" in disposition
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_file_of_the_wrong_type_is_refused_with_a_message(
    client, personas, qingshi_reporter, settings, tmp_path
):
    in_english(client)
    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas.qingshi_secretary)
    client.get(_url("reporter", qingshi_reporter.pk))
    fake = SimpleUploadedFile("报告.pdf", b"<html><script>alert(1)</script>")
    response = client.post(
        _url("attachment_upload", qingshi_reporter.pk), {"file": fake}, follow=True
    )
    assert any("does not match" in m for m in _messages(response))
    assert not Attachment.objects.exists()


def test_the_secretary_removes_an_attachment(
    client, personas, qingshi_reporter, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    attachment = attachment_add(
        report=report_for(qingshi_reporter), upload=SimpleUploadedFile("a.pdf", PDF)
    )
    client.force_login(personas.qingshi_secretary)
    html = _html(client.get(_url("reporter", qingshi_reporter.pk)))
    assert 'data-testid="attachment-remove"' in html
    assert client.get(_url("attachment_remove", attachment.pk)).status_code == 405
    client.post(_url("attachment_remove", attachment.pk))
    assert not Attachment.objects.exists()


# --- Versions and comparison -----------------------------------------------------------------


def test_compare_shows_removed_and_added_lines_escaped(client, personas, qingshi_reporter):
    report = report_for(qingshi_reporter)
    report_save(
        report=report,
        sections={"achievements": "<p>第一段不变</p><p>旧的一段 &lt;i&gt;</p><p>1 &lt;b&gt; 2</p>"},
        indicators=[{"name": "党员数", "target": "100", "actual": "90", "unit": "人"}],
    )
    report_save(
        report=report,
        sections={"achievements": "<p>第一段不变</p><p>新的一段 &lt;u&gt;</p><p>1 &lt;b&gt; 2</p>"},
        indicators=[
            {"name": "党员数", "target": "100", "actual": "102", "unit": "人"},
            {"name": "新建支部", "target": "3", "actual": "3", "unit": "个"},
        ],
    )
    client.force_login(personas.county_viewer)
    response = client.get(_url("compare", qingshi_reporter.pk), {"a": 2, "b": 3})
    assert response.status_code == 200
    html = _html(response)
    section = html.split('data-testid="diff-achievements"')[1].split("</section>")[0]
    assert re.search(r'class="diff-del">.*?<del>旧的一段 &lt;i&gt;</del>', section)
    assert re.search(r'class="diff-add">.*?<ins>新的一段 &lt;u&gt;</ins>', section)
    assert re.search(r'class="diff-same">.*?第一段不变', section)
    assert "1 &lt;b&gt; 2" in section
    assert "<b>" not in section and "<i>" not in section and "<u>" not in section
    assert "diff-add" not in html.split('data-testid="diff-causes"')[1].split("</section>")[0]
    indicators = html.split('data-testid="diff-indicators"')[1]
    assert re.search(
        r'<del class="diff-del">90</del> → <ins class="diff-add">102</ins>', indicators
    )
    assert re.search(r'<tr class="diff-add">.*?新建支部', indicators, re.S)


def test_the_versions_page_lists_every_version_with_a_compare_form(
    client, personas, qingshi_reporter
):
    client.force_login(personas.qingshi_secretary)
    _save(client, qingshi_reporter, {"achievements": "<p>一</p>"})
    _save(client, qingshi_reporter, {"achievements": "<p>二</p>"})
    html = _html(client.get(_url("versions", qingshi_reporter.pk)))
    assert 'data-testid="version-compare"' in html
    rows = html.split('data-testid="version-list"')[1]
    assert rows.count("<tr>") == 4  # the header and versions 3, 2, 1
    assert "qingshi_secretary" in rows
    assert client.get(_url("compare", qingshi_reporter.pk), {"a": 1, "b": 9}).status_code == 404


# --- The reviewers' list ---------------------------------------------------------------------


def test_the_cycle_list_counts_reports_per_status_without_a_query_per_reporter(
    client, personas, crowded_cycle, django_assert_max_num_queries
):
    client.force_login(personas.county_admin)
    url = reverse("reports:cycle_reports", args=[crowded_cycle.pk])
    with django_assert_max_num_queries(10):
        response = client.get(url)
    html = _html(response)
    counts = dict(re.findall(r'data-testid="count-([a-z_]+)" data-count="(\d+)"', html))
    assert counts == {
        "not_started": "10",
        "draft": "5",
        "submitted": "5",
        "returned": "5",
        "accepted": "5",
    }
    assert html.count('data-testid="report-row"') == 30
    returned = _html(client.get(url, {"status": "returned"}))
    assert returned.count('data-testid="report-row"') == 5
    assert set(re.findall(r'data-testid="report-row" data-status="([a-z_]+)"', returned)) == {
        "returned"
    }
    first = crowded_cycle.reporters.order_by("pk").first()
    assert reverse("reports:reporter", args=[first.pk]) in html


def test_the_cycle_list_is_only_for_the_hosts_staff(client, personas, open_cycle):
    url = reverse("reports:cycle_reports", args=[open_cycle.pk])
    for persona in ("qingshi_secretary", "county_viewer", "outsider"):
        client.force_login(getattr(personas, persona))
        assert client.get(url).status_code == 404, persona
    client.force_login(personas.county_staff)
    assert client.get(url).status_code == 200


# --- My debriefing -------------------------------------------------------------------------


def test_my_debriefing_shows_my_report_the_comments_on_me_and_my_problems(
    client, county, personas, qingshi_reporter, liuxi_reporter
):
    last_year = cycle_create(host=county.county, year=2024, levels=[Level.TOWNSHIP])
    roster_generate(cycle=last_year)
    problem_create(
        organization=county.qingshi,
        cycle=last_year,
        category=Category.TEAM,
        description="去年指出：村干部年龄老化",
        source=Source.COMMENT,
    )
    closed = problem_create(
        organization=county.qingshi,
        cycle=last_year,
        category=Category.OTHER,
        description="去年指出：已经销号的问题",
        source=Source.COMMENT,
    )
    closed.status = ProblemStatus.CLOSED
    closed.save()
    report = report_for(qingshi_reporter)
    report_save(report=report, sections=FULL)
    report_submit(report=report)
    cycle = qingshi_reporter.cycle
    meeting_schedule(cycle=cycle, date=datetime.date(2026, 1, 15), presider="县委书记")
    cycle_transition(cycle=cycle, to=CycleStatus.MEETING)
    comment_record(
        reporter=qingshi_reporter,
        commenter="县委书记 王明",
        affirmations="集体经济发展快",
        requirements="加强后备干部培养",
        problems=[
            ProblemInput(
                category=Category.MEMBERS,
                description="发展党员年龄结构不合理",
                severity=Severity.MAJOR,
            )
        ],
    )
    comment_record(reporter=liuxi_reporter, commenter="县委书记 王明", affirmations="柳溪的点评")

    client.force_login(personas.qingshi_secretary)
    response = client.get(reverse("reports:mine"))
    assert response.status_code == 200
    page = _html(response)
    assert "柳溪" not in page and "已经销号的问题" not in page
    # This year's cycle first, then last year's (where 青石镇 was on the roster too).
    this_year, last = page.split('data-testid="my-cycle"')[1:]
    assert cycle.title in this_year and cycle.title not in last and last_year.title in last
    html = this_year
    assert 'data-testid="my-report-status" data-status="submitted"' in html
    assert reverse("reports:reporter", args=[qingshi_reporter.pk]) in html
    comment = html.split('data-testid="comment"')[1]
    for text in ("县委书记 王明", "集体经济发展快", "加强后备干部培养", "发展党员年龄结构不合理"):
        assert text in comment
    assert "severity-major" in comment
    problems = html.split('data-testid="my-problems"')[1]
    assert "发展党员年龄结构不合理" in problems
    earlier = html.split('data-testid="earlier-problems"')[1]
    assert "去年指出：村干部年龄老化" in earlier and "2024" in earlier
    assert "earlier-problems" not in last and "发展党员年龄结构不合理" not in last


def test_my_debriefing_lists_only_the_users_own_reports(client, personas, open_cycle):
    client.force_login(personas.county_admin)
    response = client.get(reverse("reports:mine"))
    assert response.status_code == 200
    assert 'data-testid="no-debriefing"' in _html(response)
    client.force_login(personas.liuxi_secretary)
    html = _html(client.get(reverse("reports:mine")))
    assert html.count('data-testid="my-cycle"') == 1 and "柳溪镇党委" in html
    assert "青石镇党委" not in html
    client.force_login(personas.county_viewer)
    assert client.get(reverse("reports:mine")).status_code == 404
