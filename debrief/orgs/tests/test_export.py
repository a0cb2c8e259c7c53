"""Exporting the organization tree, the blank template, and the round trip."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from conftest import make_user
from debrief.accounts.access import orgs_for_user
from debrief.accounts.models import Role
from debrief.lib.tests.workbooks import sheet_xml
from debrief.orgs.excel import (
    FIELD_LABELS,
    INSTRUCTIONS_SHEET_NAME,
    LEVEL_LABELS,
    export_workbook,
    import_organizations,
    template_workbook,
)
from debrief.orgs.models import Field, Level, Organization
from debrief.orgs.services import org_create, org_dissolve, org_merge

pytestmark = pytest.mark.django_db

MAX_BYTES = 10 * 1024 * 1024


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_of(data: bytes, sheet: str | None = None) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(data))
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    return list(worksheet.iter_rows(values_only=True))


def snapshot() -> list[tuple]:
    return list(
        Organization.objects.order_by("code").values_list(
            "code", "name", "short_name", "level", "field", "status", "parent__code", "path"
        )
    )


def reimport(data: bytes, user=None, **kwargs):
    return import_organizations(io.BytesIO(data), user=user, max_bytes=MAX_BYTES, **kwargs)


def test_the_export_has_chinese_headers_labels_and_status_in_tree_order(county):
    rows = rows_of(save(export_workbook(Organization.objects.all())))
    assert rows[0] == ("代码", "名称", "简称", "上级代码", "层级", "领域", "状态")
    assert rows[1] == ("C001", "示范县委", None, None, "县（市、区）", "综合", "正常")
    assert rows[2] == ("T001", "青石镇党委", "青石镇", "C001", "乡镇（街道）", "农村", "正常")
    assert [row[0] for row in rows[1:]] == list(
        Organization.objects.order_by("path").values_list("code", flat=True)
    )
    assert ("U001", "示范县直机关工委", None, "C001", "直属单位", "机关", "正常") in rows


def test_re_importing_an_export_changes_nothing(county):
    before = snapshot()
    result = reimport(save(export_workbook(Organization.objects.all())))
    assert result.ok, result.errors
    assert (result.created, result.updated, result.moved) == (0, 0, 0)
    assert result.unchanged == Organization.objects.count()
    assert snapshot() == before


def test_re_importing_a_scoped_export_changes_nothing_for_that_user(county):
    qingshi_staff = make_user("qingshi_staff", grants=[(county.qingshi, Role.STAFF)])
    data = save(export_workbook(orgs_for_user(qingshi_staff)))
    codes = [row[0] for row in rows_of(data)[1:]]
    assert codes == ["T001", "V001", "V002", "V003"]
    before = snapshot()
    result = reimport(data, user=qingshi_staff)
    assert result.ok, result.errors  # T001's parent C001 is outside the scope but unchanged
    assert result.unchanged == 4
    assert snapshot() == before


def test_dissolved_and_merged_organizations_round_trip_with_their_status(county):
    org_dissolve(org=county.qingshi_villages[2], on=datetime.date(2024, 12, 31))
    org_merge(org=county.liuxi, into=county.qingshi, on=datetime.date(2024, 12, 31))
    data = save(export_workbook(Organization.objects.all()))
    statuses = {row[0]: row[6] for row in rows_of(data)[1:]}
    assert (statuses["V003"], statuses["T002"], statuses["T001"]) == ("已撤销", "已合并", "正常")
    before = snapshot()
    result = reimport(data)
    assert result.ok, result.errors
    assert not result.changed
    assert snapshot() == before


def test_a_name_that_looks_like_a_formula_is_exported_as_text_and_round_trips(county):
    org_create(
        code="U666",
        name='=HYPERLINK("http://evil.example","点击")',
        short_name="+1",
        level=Level.UNIT,
        field=Field.GENERAL,
        parent=county.county,
    )
    data = save(export_workbook(Organization.objects.all()))
    workbook = load_workbook(io.BytesIO(data))
    row = next(r for r in workbook.worksheets[0].iter_rows() if r[0].value == "U666")
    assert row[1].value == '\'=HYPERLINK("http://evil.example","点击")'
    assert row[1].data_type == "s" and row[2].value == "'+1"
    assert "<f>" not in sheet_xml(data)
    before = snapshot()
    result = reimport(data)
    assert result.ok and not result.changed
    assert snapshot() == before
    assert Organization.objects.get(code="U666").name.startswith("=HYPERLINK")


def test_a_name_that_starts_with_an_apostrophe_survives_the_round_trip(county):
    org_create(
        code="U667", name="'=不是公式", level=Level.UNIT, field=Field.GENERAL, parent=county.county
    )
    result = reimport(save(export_workbook(Organization.objects.all())))
    assert result.ok and not result.changed
    assert Organization.objects.get(code="U667").name == "'=不是公式"


def test_an_export_with_new_codes_builds_a_copy_of_the_same_tree(county):
    data = save(export_workbook(Organization.objects.all()))
    expected = [
        (code, parent, depth)
        for code, parent, depth in Organization.objects.order_by("path").values_list(
            "code", "parent__code", "depth"
        )
    ]
    # Build a copy of the tree beside it: every code renamed so that nothing collides.
    renamed = io.BytesIO()
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        row[0].value = f"N{row[0].value}"
        if row[3].value:
            row[3].value = f"N{row[3].value}"
    workbook.save(renamed)
    result = reimport(renamed.getvalue())
    assert result.ok, result.errors
    assert result.created == len(expected)
    copied = list(
        Organization.objects.filter(code__startswith="N")
        .order_by("path")
        .values_list("code", "parent__code", "depth")
    )
    assert copied == [("N" + c, p and "N" + p, d) for c, p, d in expected]


def test_the_template_imports_cleanly_as_zero_rows(db):
    result = reimport(save(template_workbook()))
    assert result.ok and result.rows == 0 and not result.changed


def test_the_template_explains_every_level_and_field_and_gives_an_example(db):
    data = save(template_workbook())
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames[0] == "组织"
    assert rows_of(data, "组织") == [("代码", "名称", "简称", "上级代码", "层级", "领域")]
    notes = [cell for row in rows_of(data, INSTRUCTIONS_SHEET_NAME) for cell in row if cell]
    for label in [*LEVEL_LABELS.values(), *FIELD_LABELS.values()]:
        assert label in notes
    # the village row lists the fields and the levels it may stand under
    assert (
        "村（社区）",
        "村、社区、village",
        "农村、城市社区",
        "乡镇（街道）、直属单位",
    ) in rows_of(data, INSTRUCTIONS_SHEET_NAME)
    assert len(rows_of(data, "示例")) > 1


def test_the_example_rows_of_the_template_are_a_valid_import(db):
    workbook = template_workbook()
    workbook.remove(workbook["组织"])  # the example sheet becomes the first sheet
    result = reimport(save(workbook))
    assert result.ok, result.errors
    assert result.created == 4


def test_the_export_command_writes_the_whole_tree_or_one_subtree(tmp_path, county):
    path = tmp_path / "all.xlsx"
    call_command("export_orgs", str(path), stdout=io.StringIO())
    assert len(rows_of(path.read_bytes())) == 1 + Organization.objects.count()
    call_command("export_orgs", str(path), "--root", "T002", stdout=io.StringIO())
    assert [row[0] for row in rows_of(path.read_bytes())[1:]] == ["T002", "V101", "V102"]


def test_the_export_command_fails_on_an_unknown_root(tmp_path, county):
    with pytest.raises(CommandError, match="X999"):
        call_command("export_orgs", str(tmp_path / "x.xlsx"), "--root", "X999")


def test_an_export_by_command_imports_back_by_command_without_changes(tmp_path, county):
    path = tmp_path / "all.xlsx"
    call_command("export_orgs", str(path), stdout=io.StringIO())
    before = snapshot()
    stdout = io.StringIO()
    with translation.override("en"):
        call_command("import_orgs", str(path), stdout=stdout)
    assert snapshot() == before
    count = Organization.objects.count()
    assert f"Created: 0, updated: 0, moved: 0, unchanged: {count}." in stdout.getvalue()
