"""The indicator catalogue workbook: a good file imports whole, a bad one is rejected
whole with its row numbers, and the catalogue services that the import relies on."""

from __future__ import annotations

import io
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from debrief.assessments.catalogue import HEADERS, import_catalogue
from debrief.assessments.models import DailyScore, Indicator, IndicatorCategory
from debrief.assessments.services import (
    catalogue_copy,
    daily_score_set,
    indicator_delete,
    indicator_save,
)
from debrief.assessments.tests.conftest import approve, english_client
from debrief.cycles.services import cycle_create
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.orgs.models import Level

pytestmark = pytest.mark.django_db

MAX_BYTES = 1024 * 1024
GOOD_ROWS: list[list[Any]] = [
    ["基础工作", "1.1", "组织生活", 30, "“三会一课”按时召开", "农村, 城市社区"],
    ["基础工作", "1.2", "党建责任", 20.5, "", ""],
    ["队伍建设", "2.1", "党员教育", "10", "培训全覆盖", "机关、soe"],
]


def workbook_bytes(rows: list[list[Any]], headers: list[Any] | None = None) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADERS if headers is None else headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def run(cycle, rows: list[list[Any]], headers: list[Any] | None = None):
    return import_catalogue(
        workbook_bytes(rows, headers), cycle=cycle, user=None, max_bytes=MAX_BYTES
    )


def catalogue_of(cycle) -> list[tuple[str, str, str, D, list[str]]]:
    return [
        (i.category.name, i.code, i.name, i.max_points, i.fields)
        for i in Indicator.objects.filter(category__cycle=cycle)
        .select_related("category")
        .order_by("category__order", "order")
    ]


@pytest.fixture
def cycle(county, personas):
    return cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])


# Import ------------------------------------------------------------------------------


def test_a_good_file_imports_every_row_with_its_category_points_and_fields(cycle):
    result = run(cycle, GOOD_ROWS)
    assert result.ok and (result.rows, result.created, result.updated) == (3, 3, 0)
    assert catalogue_of(cycle) == [
        ("基础工作", "1.1", "组织生活", D(30), ["rural", "urban"]),
        ("基础工作", "1.2", "党建责任", D("20.5"), []),
        ("队伍建设", "2.1", "党员教育", D(10), ["organ", "soe"]),
    ]
    assert Indicator.objects.get(code="1.1").criteria == "“三会一课”按时召开"


def test_importing_again_updates_items_by_code_and_adds_new_ones(cycle):
    run(cycle, GOOD_ROWS)
    result = run(cycle, [["基础工作", "1.2", "党建责任落实", 25, "", ""], ["其他", "3.1", "新", 5]])
    assert (result.created, result.updated) == (1, 1)
    assert Indicator.objects.get(code="1.2").name == "党建责任落实"
    assert Indicator.objects.filter(category__cycle=cycle).count() == 4


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["", "9.1", "名称", 5, "", ""], "类别", "The category is required."),
        (["类别", "", "名称", 5, "", ""], "编码", "The code is required."),
        (["类别", "9.1", "", 5, "", ""], "指标名称", "The name of the item is required."),
        (["类别", "9.1", "名称", None, "", ""], "分值", "The points are required."),
        (["类别", "9.1", "名称", 0, "", ""], "分值", "is not a positive number"),
        (["类别", "9.1", "名称", -3, "", ""], "分值", "is not a positive number"),
        (["类别", "9.1", "名称", "很多", "", ""], "分值", "is not a positive number"),
        (["类别", "9.1", "名称", 1.234, "", ""], "分值", "is not a positive number"),
        (["类别", "9.1", "名称", 5, "", "农业"], "适用领域", "Unknown field “农业”"),
        (["类别", "9.1", "名" * 201, 5, "", ""], "指标名称", "At most 200 characters"),
        (["类别", "9" * 21, "名称", 5, "", ""], "编码", "At most 20 characters"),
        (["类别", "9.1", "名称", 5, "", "", "多余"], "", "a column without a header"),
    ],
)
def test_each_bad_row_rejects_the_whole_file_naming_its_row(cycle, row, column, message):
    result = run(cycle, [GOOD_ROWS[0], row, GOOD_ROWS[1]])
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert message in result.errors[0].message
    assert Indicator.objects.filter(category__cycle=cycle).count() == 0


def test_a_code_used_twice_in_the_file_is_reported_on_both_rows(cycle):
    result = run(cycle, [GOOD_ROWS[0], GOOD_ROWS[1], ["其他", "1.1", "重复", 5]])
    assert [(e.row, e.column) for e in result.errors] == [(2, "编码"), (4, "编码")]
    assert "rows 2, 4" in result.errors[0].message
    assert not IndicatorCategory.objects.filter(cycle=cycle).exists()


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (["类别", "编码", "指标名称"], "The column “分值” is missing."),
        (["类别", "编码", "指标名称", "分值", "备注"], "Unknown column “备注”"),
        (["类别", "编码", "编码", "指标名称", "分值"], "appears more than once"),
        ([None, None], "The first row must hold the column headers."),
    ],
)
def test_a_file_with_wrong_headers_is_rejected_before_any_row(cycle, headers, message):
    result = run(cycle, [["基础工作", "1.1", "组织生活", 30]], headers=headers)
    assert any(e.row == 1 and message in e.message for e in result.errors), result.errors
    assert not Indicator.objects.exists()


def test_english_headers_and_codes_are_accepted(cycle):
    result = run(
        cycle,
        [["Basics", "A1", "Organization life", 30, "", "rural"]],
        headers=["category", "code", "name", "max_points", "criteria", "fields"],
    )
    assert result.ok
    assert catalogue_of(cycle) == [("Basics", "A1", "Organization life", D(30), ["rural"])]


def test_a_row_the_service_refuses_rolls_back_the_whole_file(graded):
    cycle, *_ = graded  # 1.1 组织生活 (max 30) has a score of 27
    before = catalogue_of(cycle)
    result = run(cycle, [["新类别", "9.1", "新指标", 5], ["基础工作", "1.1", "组织生活", 20]])
    assert [e.row for e in result.errors] == [3]
    assert "are above 20" in result.errors[0].message
    assert catalogue_of(cycle) == before
    assert not IndicatorCategory.objects.filter(name="新类别").exists()


def test_something_that_is_not_a_workbook_is_rejected_as_a_file(cycle):
    result = import_catalogue(
        io.BytesIO(b"code,name\n1,x\n"), cycle=cycle, user=None, max_bytes=MAX_BYTES
    )
    assert [e.row for e in result.errors] == [None]
    assert "not an Excel workbook" in result.errors[0].message


def test_an_empty_sheet_imports_nothing_and_says_so(cycle):
    result = run(cycle, [])
    assert [e.message for e in result.errors] == ["The file contains no items."]


def test_the_catalogue_of_approved_results_cannot_be_imported_into(graded):
    cycle, *_ = graded
    approve(cycle)
    result = run(cycle, GOOD_ROWS)
    assert not result.ok and result.errors[0].row is None
    assert not Indicator.objects.filter(code="2.1").exists()


def test_the_page_imports_an_upload_and_lists_the_problems_by_row(cycle, personas):
    client = english_client(personas.county_admin)
    url = reverse("assessments:catalogue_import", args=[cycle.pk])
    bad = workbook_bytes([GOOD_ROWS[0], ["类别", "9.1", "名称", "x"]]).getvalue()
    response = client.post(url, {"file": SimpleUploadedFile("指标.xlsx", bad)})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-outcome="failed"' in content and 'data-row="3"' in content
    assert not Indicator.objects.exists()
    good = workbook_bytes(GOOD_ROWS).getvalue()
    response = client.post(url, {"file": SimpleUploadedFile("指标.xlsx", good)})
    assert 'data-outcome="imported"' in response.content.decode()
    assert Indicator.objects.filter(category__cycle=cycle).count() == 3


def test_the_import_is_not_found_for_a_township_secretary(cycle, personas):
    client = english_client(personas.qingshi_secretary)
    url = reverse("assessments:catalogue_import", args=[cycle.pk])
    good = workbook_bytes(GOOD_ROWS).getvalue()
    assert client.post(url, {"file": SimpleUploadedFile("指标.xlsx", good)}).status_code == 404
    assert not Indicator.objects.exists()


def test_the_template_has_the_headers_and_an_example_that_imports(cycle, personas):
    client = english_client(personas.county_admin)
    response = client.get(reverse("assessments:catalogue_template", args=[cycle.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["指标"][1]] == HEADERS
    examples = [list(row) for row in workbook["示例"].iter_rows(min_row=2, values_only=True)]
    assert run(cycle, examples).ok


# The catalogue services ----------------------------------------------------------------


def test_an_item_needs_a_unique_code_and_a_positive_maximum(cycle):
    indicator_save(cycle=cycle, category="基础工作", code="1.1", name="组织生活", max_points="30")
    with pytest.raises(DomainError, match="already used"):
        indicator_save(cycle=cycle, category="其他", code="1.1", name="x", max_points="5")
    for bad in ("0", "-1", "abc", "1.005", "10000"):
        with pytest.raises(DomainError):
            indicator_save(cycle=cycle, category="其他", code="9", name="x", max_points=bad)
    with pytest.raises(DomainError, match="Unknown field"):
        indicator_save(
            cycle=cycle, category="其他", code="9", name="x", max_points="5", fields=["farm"]
        )


def test_an_item_cannot_drop_below_or_away_from_scores_already_entered(graded):
    cycle, q, *_ = graded
    general = Indicator.objects.get(code="1.2")  # 青石镇 has 18 of 20
    with pytest.raises(DomainError, match="above 17"):
        indicator_save(
            cycle=cycle, indicator=general, category="基础工作", code="1.2", name="党建责任",
            max_points="17",
        )  # fmt: skip
    with pytest.raises(DomainError, match="no longer apply"):
        indicator_save(
            cycle=cycle, indicator=general, category="基础工作", code="1.2", name="党建责任",
            max_points="20", fields=["organ"],
        )  # fmt: skip
    moved = indicator_save(
        cycle=cycle, indicator=general, category="责任落实", code="1.2", name="党建责任",
        max_points="18", fields=["rural"],
    )  # fmt: skip
    assert (moved.category.name, moved.max_points) == ("责任落实", D(18))
    assert DailyScore.objects.get(reporter=q, indicator=general).points == D(18)


def test_removing_an_item_removes_its_scores_and_an_emptied_category(graded):
    cycle, q, *_ = graded
    lone = indicator_save(cycle=cycle, category="单列", code="5.1", name="单项", max_points="5")
    daily_score_set(reporter=q, indicator=lone, points="4")
    assert indicator_delete(indicator=lone) == 1
    assert not IndicatorCategory.objects.filter(cycle=cycle, name="单列").exists()
    assert not DailyScore.objects.filter(indicator_id=lone.pk).exists()


def test_the_catalogue_is_frozen_once_the_results_are_approved(graded):
    cycle, *_ = graded
    approve(cycle)
    item = Indicator.objects.get(code="1.2")
    with pytest.raises(IllegalTransition):
        indicator_save(cycle=cycle, category="x", code="9", name="x", max_points="1")
    with pytest.raises(IllegalTransition):
        indicator_delete(indicator=item)


def test_copying_needs_an_earlier_cycle_with_a_catalogue(graded, county):
    previous, *_ = graded
    earlier = cycle_create(host=county.county, year=2024, levels=[Level.TOWNSHIP])
    with pytest.raises(DomainError, match="no earlier cycle"):
        catalogue_copy(cycle=earlier)
    later = cycle_create(host=county.county, year=2027, levels=[Level.TOWNSHIP])
    assert catalogue_copy(cycle=later) == 3  # from 2025, the latest earlier cycle
    assert Indicator.objects.filter(category__cycle=previous).count() == 3
