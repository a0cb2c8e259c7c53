"""The assessment pages: overview and workflow, scheme, catalogue, score entry, results,
the reporter's own side, the history, and who may open them."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from debrief.assessments.models import (
    Correction,
    DailyScore,
    DebriefScore,
    Indicator,
    IndicatorCategory,
    Result,
    ResultSet,
    ResultStatus,
    Scheme,
    ScoreAdjustment,
    Veto,
)
from debrief.assessments.services import results_compute, scheme_set
from debrief.assessments.tests.conftest import (
    APPROVAL_DOCUMENT,
    approve,
    english_client,
    publish,
    published_cycle,
)
from debrief.cycles.models import CycleStatus, Reporter
from debrief.cycles.services import cycle_create, roster_generate
from debrief.orgs.models import Field, Level
from debrief.orgs.services import org_create
from debrief.people.models import Gender, Person, Title
from debrief.people.services import post_assign

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _url(name: str, *args: object) -> str:
    return reverse(f"assessments:{name}", args=args)


# Overview and the workflow -------------------------------------------------------------


def test_the_overview_shows_the_scheme_the_progress_of_inputs_and_the_results_status(
    graded, host_client
):
    cycle, *_ = graded
    content = host_client.get(_url("cycle", cycle.pk)).content.decode()
    assert "daily assessment 40%, democratic evaluation 40%, debriefing and comments 20%" in content
    assert "2 of 2 reporters scored" in content
    assert 'data-status="none"' in content
    assert 'data-testid="compute-results"' in content
    assert 'data-testid="approve-results"' not in content  # nothing to approve yet


def test_results_are_computed_adjusted_approved_published_and_corrected_through_the_pages(
    graded, host_client
):
    cycle, q, _lx, _ = graded
    response = host_client.post(_url("compute", cycle.pk))
    assert response.status_code == 302 and response["Location"] == _url("results", cycle.pk)
    result = Result.objects.get(reporter=q)
    assert (result.total, result.grade) == (D("94.80"), "good")

    response = host_client.post(_url("adjust", result.pk), {"grade": "fairly_good", "reason": " "})
    assert "A manual adjustment needs a reason." in _messages(response)
    result.refresh_from_db()
    assert result.grade == "good"

    host_client.post(_url("adjust", result.pk), {"grade": "fairly_good", "reason": "常委会研究"})
    result.refresh_from_db()
    assert (result.computed_grade, result.grade) == ("good", "fairly_good")
    page = host_client.get(_url("results", cycle.pk)).content.decode()
    row = page[page.index(f'id="result-{result.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="result-computed-grade" data-grade="good">computed: Good<' in row
    assert 'data-testid="result-grade" data-grade="fairly_good">Fairly good<' in row
    assert 'data-testid="result-adjusted"' in row and "常委会研究" in row
    assert "Adjusted by hand from Good to Fairly good: 常委会研究" in row

    response = host_client.post(
        _url("approve", cycle.pk),
        {"approved_on": "2026-02-01", "approval_document": APPROVAL_DOCUMENT, "approved_by": ""},
    )
    result_set = ResultSet.objects.get(cycle=cycle)
    assert result_set.status == ResultStatus.APPROVED
    assert result_set.approval_document == APPROVAL_DOCUMENT
    assert result_set.approved_by == "示范县委常委会"  # left empty: the host's standing committee
    page = host_client.get(_url("results", cycle.pk)).content.decode()
    assert 'data-testid="adjust-save"' not in page and 'data-testid="correct-save"' not in page
    response = host_client.post(_url("adjust", result.pk), {"grade": "poor", "reason": "x"})
    assert "Approved results are changed by a correction." in _messages(response)

    overview = host_client.get(_url("cycle", cycle.pk)).content.decode()
    assert 'data-testid="publish-results"' in overview and "data-confirm=" in overview
    host_client.post(_url("publish", cycle.pk))
    result_set.refresh_from_db()
    cycle.refresh_from_db()
    assert result_set.status == ResultStatus.PUBLISHED and cycle.status == CycleStatus.PUBLISHED

    response = host_client.post(_url("correct", result.pk), {"grade": "good", "reason": ""})
    assert "A correction needs a reason." in _messages(response)
    host_client.post(_url("correct", result.pk), {"grade": "good", "reason": "复核后恢复"})
    correction = Correction.objects.get(result=result)
    assert (correction.old_value, correction.new_value) == ("fairly_good", "good")
    page = host_client.get(_url("results", cycle.pk)).content.decode()
    assert 'data-testid="result-corrections"' in page and "复核后恢复" in page
    assert 'data-testid="correct-save"' in page and 'data-testid="adjust-save"' not in page


def test_approval_needs_a_document_number_and_approved_results_go_back_to_draft(
    graded, host_client
):
    cycle, *_ = graded
    results_compute(cycle=cycle)
    response = host_client.post(
        _url("approve", cycle.pk), {"approved_on": "2026-02-01", "approval_document": ""}
    )
    assert "Give the approval's document number." in _messages(response)
    assert ResultSet.objects.get(cycle=cycle).status == ResultStatus.DRAFT
    host_client.post(
        _url("approve", cycle.pk),
        {"approved_on": "2026-02-01", "approval_document": APPROVAL_DOCUMENT},
    )
    assert ResultSet.objects.get(cycle=cycle).status == ResultStatus.APPROVED
    host_client.post(_url("reopen", cycle.pk))
    assert ResultSet.objects.get(cycle=cycle).status == ResultStatus.DRAFT


def test_the_approval_form_takes_the_rectification_deadline_and_the_page_shows_it(
    graded, host_client
):
    cycle, *_ = graded
    results_compute(cycle=cycle)
    response = host_client.post(
        _url("approve", cycle.pk),
        {"approved_on": "2026-02-01", "approval_document": APPROVAL_DOCUMENT,
         "rectify_by": "2026-01-15"},
    )  # fmt: skip
    assert "The rectification deadline must come after the approval." in _messages(response)
    assert ResultSet.objects.get(cycle=cycle).status == ResultStatus.DRAFT
    host_client.post(
        _url("approve", cycle.pk),
        {"approved_on": "2026-02-01", "approval_document": APPROVAL_DOCUMENT,
         "rectify_by": "2026-06-30"},
    )  # fmt: skip
    result_set = ResultSet.objects.get(cycle=cycle)
    assert (result_set.status, result_set.rectify_by) == (
        ResultStatus.APPROVED,
        datetime.date(2026, 6, 30),
    )
    page = host_client.get(_url("cycle", cycle.pk)).content.decode()
    assert 'data-testid="rectify-by">2026-06-30<' in page


def test_computing_before_the_assessment_stage_shows_why_it_is_refused(county, personas):
    cycle = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=cycle)
    response = english_client(personas.county_admin).post(_url("compute", cycle.pk))
    assert "Results are computed at the assessment stage." in _messages(response)
    assert not ResultSet.objects.filter(cycle=cycle, results__isnull=False).exists()


# Scheme --------------------------------------------------------------------------------


def _scheme_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "weight_daily": "40",
        "weight_evaluation": "40",
        "weight_debrief": "20",
        "band_good": "90",
        "band_fairly_good": "80",
        "band_average": "60",
        "poor_share_cap": "",
        "poor_share_cap_grade": "fairly_good",
        "good_quota": "",
        "veto_grade": "poor",
        "veto_items": "",
    }
    data.update(overrides)
    return data


def test_weights_that_do_not_add_up_are_refused_with_the_services_message(graded, host_client):
    cycle, *_ = graded
    response = host_client.post(_url("scheme", cycle.pk), _scheme_data(weight_daily="50"))
    assert response.status_code == 200
    assert "The component weights must be non-negative and add up to 100." in _messages(response)
    assert 'value="50"' in response.content.decode()  # what was typed stays
    scheme = Scheme.objects.filter(cycle=cycle).first()
    assert scheme is None or scheme.weight_daily == D(40)


def test_the_scheme_stores_percentages_as_shares_and_veto_items_one_per_line(graded, host_client):
    cycle, *_ = graded
    response = host_client.post(
        _url("scheme", cycle.pk),
        _scheme_data(
            weight_daily="30",
            weight_debrief="30",
            poor_share_cap="33.33",
            good_quota="30",
            veto_items="换届风气问题\n\n重大安全事故\n",
        ),
    )
    assert response.status_code == 302
    scheme = Scheme.objects.get(cycle=cycle)
    assert (scheme.weight_daily, scheme.weight_debrief) == (D(30), D(30))
    assert (scheme.poor_share_cap, scheme.good_quota) == (D("0.3333"), D("0.3"))
    assert sorted(scheme.veto_items.values_list("name", flat=True)) == [
        "换届风气问题",
        "重大安全事故",
    ]
    page = host_client.get(_url("scheme", cycle.pk)).content.decode()
    assert 'value="33.33"' in page and 'data-testid="scheme-rules"' in page


def test_the_scheme_cannot_change_once_the_results_are_approved(graded, host_client):
    cycle, *_ = graded
    approve(cycle)
    page = host_client.get(_url("scheme", cycle.pk)).content.decode()
    assert 'data-testid="scheme-locked"' in page
    response = host_client.post(
        _url("scheme", cycle.pk), _scheme_data(weight_daily="30", weight_debrief="30")
    )
    assert "The results are approved; the inputs can no longer change." in _messages(response)


# Catalogue -----------------------------------------------------------------------------


def test_an_item_is_added_edited_and_removed_on_the_catalogue_page(graded, host_client):
    cycle, q, *_ = graded
    url = _url("catalogue", cycle.pk)
    response = host_client.post(
        url,
        {
            "category": "队伍建设",
            "code": "2.1",
            "name": "党员教育",
            "max_points": "10",
            "criteria": "年度培训全覆盖",
            "applies_to": ["rural", "urban"],
        },
    )
    assert response.status_code == 302
    item = Indicator.objects.get(code="2.1")
    assert (item.category.name, item.max_points, item.fields) == (
        "队伍建设",
        D(10),
        ["rural", "urban"],
    )

    edit_page = host_client.get(url, {"edit": item.pk}).content.decode()
    assert 'value="2.1"' in edit_page and f'name="indicator" value="{item.pk}"' in edit_page
    host_client.post(
        url,
        {
            "indicator": item.pk,
            "category": "队伍建设",
            "code": "2.1",
            "name": "党员教育培训",
            "max_points": "12.5",
        },
    )
    item.refresh_from_db()
    assert (item.name, item.max_points, item.fields) == ("党员教育培训", D("12.5"), [])

    response = host_client.post(
        url, {"category": "基础工作", "code": "1.1", "name": "重复", "max_points": "5"}
    )
    assert "The code 1.1 is already used in this catalogue." in _messages(response)
    assert 'value="重复"' in response.content.decode()

    rural = Indicator.objects.get(code="1.1")
    host_client.post(_url("indicator_delete", cycle.pk, rural.pk))
    assert not Indicator.objects.filter(pk=rural.pk).exists()
    assert not DailyScore.objects.filter(reporter=q, indicator_id=rural.pk).exists()


def test_last_years_catalogue_is_copied_into_an_empty_catalogue(graded, host_client, county):
    previous, *_ = graded
    cycle = cycle_create(host=county.county, year=2026, levels=[Level.TOWNSHIP])
    page = host_client.get(_url("catalogue", cycle.pk)).content.decode()
    assert previous.title in page and 'data-testid="catalogue-copy"' in page
    response = host_client.post(_url("catalogue_copy", cycle.pk))
    assert "3 items are copied." in _messages(response)
    copied = Indicator.objects.filter(category__cycle=cycle).order_by("code")
    assert [(i.code, i.name, i.fields) for i in copied] == [
        ("1.1", "组织生活", ["rural"]),
        ("1.2", "党建责任", []),
        ("1.3", "机关建设", ["organ"]),
    ]
    response = host_client.post(_url("catalogue_copy", cycle.pk))
    assert any("empty catalogue only" in m for m in _messages(response))
    assert Indicator.objects.filter(category__cycle=cycle).count() == 3


# Score entry ---------------------------------------------------------------------------


def _grid_post(client, cycle, reporters, **values: object):
    """Post the grid as the page shows it, with `values` changed (p_<r>_<i> style keys
    are written p-<r>-<i>)."""
    page = client.get(_url("scores", cycle.pk))
    data: dict[str, object] = {"r": [str(r.pk) for r in reporters], "page": "1"}
    for row in page.context["rows"]:
        for cell in row.cells:
            if cell.applies:
                data[f"p-{cell.key}"] = cell.points
                data[f"e-{cell.key}"] = cell.evidence
        data[f"d-{row.reporter.pk}"] = row.debrief
        data[f"dn-{row.reporter.pk}"] = row.debrief_note
        checked = [str(v.item.pk) for v in row.vetoes if v.checked]
        if checked:
            data[f"v-{row.reporter.pk}"] = checked
    data.update({key.replace("_", "-"): value for key, value in values.items()})
    return client.post(_url("scores", cycle.pk), data)


def test_the_grid_saves_points_evidence_debriefing_vetoes_and_a_bonus(graded, host_client):
    cycle, q, lx, _ = graded
    scheme = scheme_set(cycle=cycle, values={}, veto_items=["重大安全事故"])
    item = scheme.veto_items.get()
    rural = Indicator.objects.get(code="1.1")
    response = _grid_post(
        host_client,
        cycle,
        [q, lx],
        **{
            f"p_{lx.pk}_{rural.pk}": "20.5",
            f"e_{lx.pk}_{rural.pk}": "查阅台账",
            f"d_{lx.pk}": "75",
            f"v_{lx.pk}": [str(item.pk)],
            f"ap_{q.pk}": "1.5",
            f"ar_{q.pk}": "创新案例",
            f"ak_{q.pk}": "bonus",
        },
    )
    assert response.status_code == 302
    assert "4 changes are saved." in _messages(response)
    score = DailyScore.objects.get(reporter=lx, indicator=rural)
    assert (score.points, score.evidence) == (D("20.5"), "查阅台账")
    assert DebriefScore.objects.get(reporter=lx).points == D(75)
    assert Veto.objects.filter(reporter=lx, item=item).exists()
    assert ScoreAdjustment.objects.filter(reporter=q, reason="创新案例", points=D("1.5")).exists()

    response = _grid_post(host_client, cycle, [q, lx])
    assert "Nothing has changed." in _messages(response)

    response = _grid_post(host_client, cycle, [q, lx], **{f"p_{lx.pk}_{rural.pk}": ""})
    assert not DailyScore.objects.filter(reporter=lx, indicator=rural).exists()


def test_a_bonus_is_removed_from_its_row_and_the_grid_comes_back(graded, host_client):
    cycle, q, *_ = graded
    bonus = ScoreAdjustment.objects.get(reporter=q, kind="bonus")
    page = host_client.get(_url("scores", cycle.pk), {"page": "1"}).content.decode()
    assert f'form="adjustment-delete" name="adjustment" value="{bonus.pk}"' in page
    back = _url("scores", cycle.pk) + "?self=1"
    response = host_client.post(
        _url("adjustment_delete", cycle.pk), {"adjustment": bonus.pk, "next": back}
    )
    assert response["Location"] == back
    assert not ScoreAdjustment.objects.filter(pk=bonus.pk).exists()
    assert ScoreAdjustment.objects.filter(reporter=q, kind="penalty").exists()
    response = host_client.post(
        _url("adjustment_delete", cycle.pk),
        {"adjustment": ScoreAdjustment.objects.get().pk, "next": "https://elsewhere.example/"},
    )
    assert response["Location"] == _url("scores", cycle.pk)


def test_a_score_above_the_maximum_is_refused_naming_reporter_and_item_and_nothing_is_saved(
    graded, host_client
):
    cycle, q, lx, _ = graded
    rural = Indicator.objects.get(code="1.1")
    general = Indicator.objects.get(code="1.2")
    page = host_client.get(_url("scores", cycle.pk)).content.decode()
    assert f'name="p-{q.pk}-{rural.pk}" value="27" min="0" max="30.00"' in page

    response = _grid_post(
        host_client,
        cycle,
        [q, lx],
        **{f"p_{q.pk}_{general.pk}": "19", f"p_{lx.pk}_{rural.pk}": "31", f"d_{q.pk}": "95"},
    )
    assert response.status_code == 200
    assert _messages(response) == [
        "柳溪镇党委 周立川, 1.1 组织生活: Points for 组织生活 lie between 0 and 30.00."
    ]
    content = response.content.decode()
    assert f'name="p-{lx.pk}-{rural.pk}" value="31"' in content  # what was typed stays
    assert f'name="p-{q.pk}-{general.pk}" value="19"' in content
    assert 'class="assess-cell has-error"' in content
    assert DailyScore.objects.get(reporter=q, indicator=general).points == D(18)
    assert DailyScore.objects.get(reporter=lx, indicator=rural).points == D(18)
    assert DebriefScore.objects.get(reporter=q).points == D(90)


def test_an_item_that_does_not_apply_to_the_field_has_no_input(graded, host_client):
    cycle, q, _lx, organ_only = graded
    page = host_client.get(_url("scores", cycle.pk)).content.decode()
    assert f'name="p-{q.pk}-{organ_only.pk}"' not in page
    assert f'name="p-{q.pk}-{Indicator.objects.get(code="1.2").pk}"' in page


@pytest.fixture
def twenty(county, personas):
    """A cycle of 20 township reporters scored on 7 items each."""
    for n in range(18):
        township = org_create(
            code=f"T2{n:02d}",
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
    cycle = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=cycle)
    category = IndicatorCategory.objects.create(cycle=cycle, name="基础工作")
    items = [
        Indicator.objects.create(category=category, code=f"1.{n}", name=f"指标{n}", max_points=10)
        for n in range(1, 8)
    ]
    reporters = list(cycle.reporters.all())
    DailyScore.objects.bulk_create(
        DailyScore(reporter=r, indicator=i, points=D(8), evidence="台账")
        for r in reporters
        for i in items
    )
    scheme_set(cycle=cycle, values={}, veto_items=["重大安全事故"])
    assert len(reporters) == 20
    return cycle


def _queries(client, method: str, url: str, data: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code in (200, 302)
    return len(captured.captured_queries)


def test_the_grid_of_twenty_reporters_and_seven_items_reads_in_a_fixed_number_of_queries(
    twenty, host_client
):
    url = _url("scores", twenty.pk)
    response = host_client.get(url)
    assert len(response.context["rows"]) == 20
    assert response.content.decode().count('data-testid="score-input"') == 140
    full = _queries(host_client, "get", url)
    assert full <= 20, full
    reporters = list(twenty.reporters.order_by("pk"))
    unchanged = {"r": [str(r.pk) for r in reporters], "page": "1"}
    for row in response.context["rows"]:
        for cell in row.cells:
            unchanged[f"p-{cell.key}"] = cell.points
            unchanged[f"e-{cell.key}"] = cell.evidence
        unchanged[f"d-{row.reporter.pk}"] = ""
    saving_nothing = _queries(host_client, "post", url, unchanged)
    Reporter.objects.filter(pk__in=[r.pk for r in reporters[3:]]).delete()
    assert _queries(host_client, "get", url) == full
    assert saving_nothing <= full + 2


# Access --------------------------------------------------------------------------------


def test_a_township_secretary_gets_not_found_on_every_management_and_results_page(graded, personas):
    cycle, q, lx, _ = graded
    approve(cycle)
    result = Result.objects.get(reporter=q)
    client = english_client(personas.qingshi_secretary)
    for name in ("scheme", "catalogue", "scores", "results", "results_xlsx", "circular_docx",
                 "letters_zip", "catalogue_template"):  # fmt: skip
        assert client.get(_url(name, cycle.pk)).status_code == 404, name
    for name in ("compute", "approve", "reopen", "publish", "catalogue_copy", "scheme"):
        assert client.post(_url(name, cycle.pk)).status_code == 404, name
    assert (
        client.post(_url("adjust", result.pk), {"grade": "poor", "reason": "x"}).status_code == 404
    )
    assert client.get(_url("letter_docx", lx.pk)).status_code == 404
    assert ResultSet.objects.get(cycle=cycle).status == ResultStatus.APPROVED


def test_a_township_secretary_downloads_only_their_own_letter_and_only_once_published(
    graded, personas
):
    cycle, q, lx, _ = graded
    client = english_client(personas.qingshi_secretary)
    own = _url("letter_docx", q.pk)
    assert client.get(own).status_code == 404  # nothing computed
    result_set = approve(cycle)
    assert client.get(own).status_code == 404  # approved, not yet published
    overview = client.get(_url("cycle", cycle.pk)).content.decode()
    assert 'data-testid="not-published"' in overview and "94.80" not in overview
    publish_page_client = english_client(personas.county_admin)
    publish_page_client.post(_url("publish", cycle.pk))
    result_set.refresh_from_db()
    assert result_set.status == ResultStatus.PUBLISHED
    assert client.get(own).status_code == 200
    assert client.get(_url("letter_docx", lx.pk)).status_code == 404
    overview = client.get(_url("cycle", cycle.pk)).content.decode()
    assert "94.80" in overview and own in overview
    assert "周立川" not in overview and "62.00" not in overview
    assert 'data-testid="compute-results"' not in overview


def test_a_viewer_sees_the_results_without_any_form_and_no_management_page(graded, personas):
    cycle, *_ = graded
    results_compute(cycle=cycle)
    client = english_client(personas.county_viewer)
    page = client.get(_url("results", cycle.pk)).content.decode()
    assert page.count('data-testid="result-row"') == 2
    assert 'data-testid="adjust-save"' not in page
    overview = client.get(_url("cycle", cycle.pk)).content.decode()
    assert 'data-testid="compute-results"' not in overview
    assert client.get(_url("scores", cycle.pk)).status_code == 404
    assert client.get(_url("results_xlsx", cycle.pk)).status_code == 200


def test_an_outsider_and_the_sibling_township_find_nothing(graded, personas):
    cycle, q, *_ = graded
    publish(cycle)
    for persona in ("outsider", "liuxi_secretary"):
        client = english_client(getattr(personas, persona))
        assert client.get(_url("letter_docx", q.pk)).status_code == 404
        assert client.get(_url("results", cycle.pk)).status_code == 404
    assert english_client(personas.outsider).get(_url("cycle", cycle.pk)).status_code == 404


# History -------------------------------------------------------------------------------


def test_the_history_shows_each_published_cycle_of_an_organization_and_a_person(
    graded, county, personas, host_client
):
    published_cycle(county, 2024)
    cycle, q, *_ = graded
    publish(cycle)
    response = host_client.get(_url("history"), {"org": county.qingshi.pk})
    content = response.content.decode()
    table = content[content.index('data-testid="history-table"') :]
    rows = [r.split("</tr>")[0] for r in table.split('data-testid="history-row"')[1:]]
    assert [r.split('data-year="')[1][:4] for r in rows] == ["2024", "2025"]
    assert "Poor" in rows[0] and "12.00" in rows[0] and "2 of 2" in rows[0]
    assert "Good" in rows[1] and "94.80" in rows[1] and "1 of 2" in rows[1]
    assert 'data-testid="history-sparkline"' in content and "<polyline" in content

    response = host_client.get(_url("history"), {"person": q.person_id})
    assert response.content.decode().count('data-testid="history-row"') == 2


def test_the_history_keeps_to_published_results_in_the_users_scope(graded, county, personas):
    cycle, *_ = graded
    approve(cycle)
    client = english_client(personas.qingshi_secretary)
    content = client.get(_url("history"), {"org": county.qingshi.pk}).content.decode()
    assert 'data-testid="history-row"' not in content  # approved, not published
    assert client.get(_url("history"), {"org": county.liuxi.pk}).status_code == 404
    liuxi_person = Reporter.objects.get(cycle=cycle, organization=county.liuxi).person_id
    assert client.get(_url("history"), {"person": liuxi_person}).status_code == 404
