"""Importing the organization workbook: every bad file is refused whole, with row
numbers, by the service and by the management command alike; good files upsert."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from conftest import make_user
from debrief.accounts.models import Role, User
from debrief.audit.models import AuditRecord, Result
from debrief.lib.tests.workbooks import xlsx_bytes
from debrief.orgs import excel
from debrief.orgs.excel import ImportResult, import_organizations
from debrief.orgs.models import MAX_DEPTH, Field, Level, Organization, Status
from debrief.orgs.services import org_create, org_dissolve, org_merge

pytestmark = pytest.mark.django_db

HEADERS = ["代码", "名称", "简称", "上级代码", "层级", "领域"]
MAX_BYTES = 10 * 1024 * 1024


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Test accounts are created with passwords; real hashing costs seconds each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def snapshot() -> list[tuple]:
    return list(
        Organization.objects.order_by("code").values_list(
            "code", "name", "short_name", "level", "field", "status", "parent__code", "path"
        )
    )


def run(rows, *, headers=HEADERS, user=None, dry_run=False, **kwargs) -> ImportResult:
    data = xlsx_bytes([headers, *rows])
    return import_organizations(
        io.BytesIO(data), user=user, max_bytes=MAX_BYTES, dry_run=dry_run, **kwargs
    )


def assert_refused(tmp_path, rows, *, row, column=None, match, headers=HEADERS, user=None):
    """The import fails with an error on `row` (and `column`), changes nothing, and the
    management command (run as the system) fails the same way."""
    before = snapshot()
    audit_before = AuditRecord.objects.count()
    result = run(rows, headers=headers, user=user)
    assert not result.ok
    matching = [error for error in result.errors if error.row == row]
    assert matching, f"no error on row {row}: {[str(e) for e in result.errors]}"
    assert any(re.search(match, error.message) for error in matching), [
        str(e) for e in result.errors
    ]
    if column is not None:
        assert column in {error.column for error in matching}
    assert (result.created, result.updated, result.moved) == (0, 0, 0)
    assert snapshot() == before
    if user is None:
        path = tmp_path / "orgs.xlsx"
        path.write_bytes(xlsx_bytes([headers, *rows]))
        with pytest.raises(CommandError):
            call_command("import_orgs", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        assert snapshot() == before
    assert AuditRecord.objects.count() == audit_before
    return result


# The tree is created, changed and moved -------------------------------------------


def test_a_valid_file_creates_the_tree_with_correct_paths(db):
    result = run(
        [
            ["C100", "新县委", "新县", "", "县（市、区）", "综合"],
            ["T100", "新镇党委", "新镇", "C100", "乡镇（街道）", "农村"],
            ["V100", "新村党支部", "", "T100", "村（社区）", "农村"],
            ["S100", "新社区党委", "", "T100", "村（社区）", "城市社区"],
            ["U100", "县直机关工委", "", "C100", "直属单位", "机关"],
        ]
    )
    assert result.ok, result.errors
    assert (result.created, result.updated, result.moved, result.unchanged) == (5, 0, 0, 0)
    orgs = {org.code: org for org in Organization.objects.all()}
    county, township = orgs["C100"], orgs["T100"]
    assert county.parent is None and county.depth == 1
    assert township.parent == county and township.path.startswith(county.path)
    assert orgs["V100"].parent == township and orgs["V100"].depth == 3
    assert orgs["V100"].path.startswith(township.path)
    assert orgs["S100"].field == Field.URBAN and orgs["U100"].level == Level.UNIT
    assert township.short_name == "新镇" and orgs["V100"].short_name == ""
    assert len({org.path for org in orgs.values()}) == 5


def test_children_may_come_before_their_parents_in_the_file(db):
    result = run(
        [
            ["V100", "新村党支部", "", "T100", "村", "农村"],
            ["T100", "新镇党委", "", "C100", "乡镇", "农村"],
            ["C100", "新县委", "", "", "县", "综合"],
        ]
    )
    assert result.ok, result.errors
    village = Organization.objects.get(code="V100")
    assert [a.code for a in village.ancestors()] == ["C100", "T100"]


def test_english_headers_and_values_are_accepted_and_whitespace_is_stripped(db):
    result = run(
        [[" C100 ", " 新县委\u3000", "", None, " County ", "general"]],
        headers=["Code", "name", "short_name", "parent_code", "LEVEL", "field"],
    )
    assert result.ok, result.errors
    org = Organization.objects.get(code="C100")
    assert (org.name, org.level, org.field) == ("新县委", Level.COUNTY, Field.GENERAL)


def test_empty_rows_are_skipped_and_row_numbers_stay_those_of_excel(county):
    result = run(
        [
            ["T100", "新镇党委", "", "C001", "乡镇", "农村"],
            [None, None, " ", None, None, None],
            [],
            ["V100", "", "", "T100", "村", "农村"],
        ]
    )
    assert [(error.row, error.column) for error in result.errors] == [(5, "名称")]


def test_an_existing_code_updates_the_organization(county):
    result = run([["T001", "青石镇党委（新）", "青石", "C001", "乡镇", "农村"]])
    assert result.ok, result.errors
    assert (result.created, result.updated, result.moved, result.unchanged) == (0, 1, 0, 0)
    qingshi = Organization.objects.get(code="T001")
    assert (qingshi.name, qingshi.short_name) == ("青石镇党委（新）", "青石")
    assert qingshi.path == county.qingshi.path


def test_without_a_short_name_column_short_names_are_kept(county):
    result = run(
        [["T001", "青石镇党委", "C001", "乡镇", "农村"]],
        headers=["代码", "名称", "上级代码", "层级", "领域"],
    )
    assert result.ok and result.unchanged == 1
    assert Organization.objects.get(code="T001").short_name == "青石镇"


def test_an_empty_short_name_cell_clears_the_short_name(county):
    result = run([["T001", "青石镇党委", "", "C001", "乡镇", "农村"]])
    assert result.ok and result.updated == 1
    assert Organization.objects.get(code="T001").short_name == ""


def test_a_changed_parent_code_moves_the_whole_subtree(county):
    result = run([["T001", "青石镇党委", "青石镇", "U001", "乡镇（街道）", "农村"]])
    assert result.ok, result.errors
    assert (result.moved, result.updated) == (1, 0)
    unit = Organization.objects.get(code="U001")
    qingshi = Organization.objects.get(code="T001")
    assert qingshi.parent == unit and qingshi.depth == 3
    for village in Organization.objects.filter(code__in=["V001", "V002", "V003"]):
        assert village.path.startswith(qingshi.path) and village.depth == 4
    assert unit.subtree().count() == 5


def test_a_file_can_create_a_parent_and_move_existing_organizations_under_it(county):
    result = run(
        [
            ["U200", "开发区党工委", "", "C001", "直属单位", "综合"],
            ["T002", "柳溪镇党委", "柳溪镇", "U200", "乡镇", "农村"],
        ]
    )
    assert result.ok, result.errors
    assert (result.created, result.moved) == (1, 1)
    zone = Organization.objects.get(code="U200")
    assert zone.subtree().count() == 4  # the zone, the township and its two villages


def test_a_placement_is_checked_against_the_parent_level_after_the_import(county):
    # In the database V001 is a village, which cannot have villages below it; the file
    # turns it into a unit, which can.
    result = run(
        [
            ["V001", "东岗村党总支", "", "T001", "直属单位", "综合"],
            ["V900", "东岗一组党支部", "", "V001", "村", "农村"],
        ]
    )
    assert result.ok, result.errors
    assert Organization.objects.filter(code="V900", parent__code="V001").exists()


def test_a_quote_protecting_a_formula_is_removed_on_import_but_other_quotes_stay(county):
    result = run(
        [
            ["U300", "'=1+1 工作组", "", "C001", "直属单位", "综合"],
            ["U301", "'老干部党委", "", "C001", "直属单位", "综合"],
        ]
    )
    assert result.ok, result.errors
    names = dict(Organization.objects.filter(code__startswith="U30").values_list("code", "name"))
    assert names == {"U300": "=1+1 工作组", "U301": "'老干部党委"}


def test_import_reads_the_sheet_named_organizations_if_there_is_one(county):
    data = xlsx_bytes(
        [["说明：请在“组织”工作表中填写"]],
        title="封面",
        sheets={"组织": [HEADERS, ["U400", "新单位", "", "C001", "直属单位", "综合"]]},
    )
    result = import_organizations(io.BytesIO(data), user=None, max_bytes=MAX_BYTES)
    assert result.ok and result.created == 1


def test_a_file_with_only_headers_changes_nothing(county):
    before = snapshot()
    result = run([])
    assert result.ok and result.rows == 0 and not result.changed
    assert snapshot() == before


def test_a_dry_run_writes_nothing_but_reports_what_would_happen(county):
    before = snapshot()
    result = run(
        [
            ["T001", "青石镇党委", "青石镇", "U001", "乡镇", "农村"],
            ["U500", "新单位", "", "C001", "直属单位", "综合"],
            ["T002", "柳溪镇", "柳溪镇", "C001", "乡镇", "农村"],
        ],
        dry_run=True,
    )
    assert result.ok and result.dry_run
    assert (result.created, result.updated, result.moved) == (1, 1, 1)
    assert snapshot() == before
    assert not AuditRecord.objects.exists()


def test_a_step_the_services_refuse_is_reported_against_its_row_and_rolls_back_everything(
    county,
):
    # The final tree is valid (the townships leave before the county becomes a city),
    # but the services check each step against the tree as it stands: turning the
    # county into a city while its townships are still below it is refused.
    rows = [
        ["C001", "示范市委", "", "", "市", "综合"],
        ["C900", "新县委", "", "C001", "县", "综合"],
        ["T001", "青石镇党委", "青石镇", "C900", "乡镇", "农村"],
        ["T002", "柳溪镇党委", "柳溪镇", "C900", "乡镇", "农村"],
    ]
    before = snapshot()
    for dry_run in (True, False):
        result = run(rows, dry_run=dry_run)
        assert [error.row for error in result.errors] == [2]
        assert "cannot be placed under" in result.errors[0].message
        assert snapshot() == before


# The import writes one audit record ------------------------------------------------


def test_an_import_that_changes_something_writes_one_audit_record_with_the_counts(county, personas):
    result = run(
        [
            ["V901", "新村党支部", "", "T001", "村", "农村"],
            ["V001", "东岗村党支部", "", "T001", "村", "农村"],
        ],
        user=personas.county_staff,
        filename="青石镇.xlsx",
    )
    assert result.ok, result.errors
    record = AuditRecord.objects.get(action="orgs.import")
    assert record.result == Result.OK
    assert record.actor == personas.county_staff
    assert record.target == "青石镇.xlsx"
    assert record.organization == county.qingshi
    assert record.detail == {"rows": 2, "created": 1, "updated": 1, "moved": 0, "unchanged": 0}


def test_an_import_that_changes_nothing_writes_no_audit_record(county):
    assert run([["T001", "青石镇党委", "青石镇", "C001", "乡镇", "农村"]]).unchanged == 1
    assert not AuditRecord.objects.exists()


def test_a_failed_import_is_audited_when_asked_although_everything_else_rolled_back(
    county, personas
):
    before = snapshot()
    result = run(
        [["V901", "新村党支部", "", "T001", "村", "机关"]],
        user=personas.county_staff,
        audit_failure=True,
        filename="bad.xlsx",
    )
    assert not result.ok
    assert snapshot() == before
    record = AuditRecord.objects.get(action="orgs.import")
    assert (record.result, record.target) == (Result.FAILED, "bad.xlsx")
    assert record.detail == {"rows": 1, "errors": 1}


# Scope ------------------------------------------------------------------------------


@pytest.fixture
def liuxi_staff(county) -> User:
    """Staff of 柳溪镇 only: sees nothing of 青石镇."""
    return make_user("liuxi_staff", grants=[(county.liuxi, Role.STAFF)])


@pytest.fixture
def liuxi_staff_viewing_county(county) -> User:
    """Staff of 柳溪镇 who may also look at (not edit) the whole county."""
    return make_user(
        "liuxi_staff_wide", grants=[(county.liuxi, Role.STAFF), (county.county, Role.VIEWER)]
    )


def test_staff_can_import_within_their_scope(county, liuxi_staff):
    result = run(
        [
            ["V103", "柳溪镇中湾村党支部", "", "T002", "村", "农村"],
            ["V101", "上湾村党支部", "", "T002", "村", "农村"],
        ],
        user=liuxi_staff,
    )
    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 1)


def test_staff_cannot_change_an_organization_outside_their_scope(
    tmp_path, county, liuxi_staff_viewing_county
):
    assert_refused(
        tmp_path,
        [
            ["V103", "柳溪镇中湾村党支部", "", "T002", "村", "农村"],
            ["V001", "东岗村（改）", "", "T001", "村", "农村"],
        ],
        row=3,
        column="代码",
        match="outside the organizations you manage",
        user=liuxi_staff_viewing_county,
    )


def test_staff_cannot_add_an_organization_under_one_outside_their_scope(
    tmp_path, county, liuxi_staff_viewing_county
):
    assert_refused(
        tmp_path,
        [["V900", "新村", "", "T001", "村", "农村"]],
        row=2,
        column="上级代码",
        match="outside the organizations you manage",
        user=liuxi_staff_viewing_county,
    )


def test_staff_cannot_move_an_organization_out_of_their_scope(
    tmp_path, county, liuxi_staff_viewing_county
):
    assert_refused(
        tmp_path,
        [["V101", "柳溪镇上湾村党支部", "", "T001", "村", "农村"]],
        row=2,
        match="outside the organizations you manage",
        user=liuxi_staff_viewing_county,
    )


def test_a_new_top_level_organization_needs_a_superuser(tmp_path, county, personas):
    row = [["C200", "邻县委", "", "", "县", "综合"]]
    assert_refused(
        tmp_path,
        row,
        row=2,
        column="上级代码",
        match="Only a system administrator",
        user=personas.county_admin,
    )
    superuser = User.objects.create_superuser("root", password="Correct-horse-battery-9")
    assert run(row, user=superuser).created == 1


def test_unchanged_rows_outside_the_edit_scope_are_accepted(county, liuxi_staff_viewing_county):
    result = run(
        [
            ["C001", "示范县委", "", "", "县", "综合"],
            ["T001", "青石镇党委", "青石镇", "C001", "乡镇", "农村"],
        ],
        user=liuxi_staff_viewing_county,
    )
    assert result.ok, result.errors
    assert result.unchanged == 2


def test_a_code_used_by_an_organization_the_user_cannot_see_is_reported_as_taken(
    tmp_path, county, liuxi_staff
):
    result = assert_refused(
        tmp_path,
        [["V001", "柳溪镇新村", "", "T002", "村", "农村"]],
        row=2,
        column="代码",
        match="already used by another organization",
        user=liuxi_staff,
    )
    assert "青石" not in str(result.errors)


def test_a_parent_the_user_cannot_see_is_reported_as_unknown(tmp_path, county, liuxi_staff):
    result = assert_refused(
        tmp_path,
        [["V900", "新村", "", "T001", "村", "农村"]],
        row=2,
        match="neither in this file nor an existing organization",
        user=liuxi_staff,
    )
    assert "青石" not in str(result.errors)


# Bad files: refused whole, with the row ------------------------------------------


def test_it_rejects_a_file_without_a_required_column(tmp_path, county):
    result = assert_refused(
        tmp_path,
        [["T100", "新镇", "", "乡镇", "农村"]],
        headers=["代码", "名称", "简称", "层级", "领域"],
        row=1,
        column="上级代码",
        match="missing",
    )
    assert len(result.errors) == 1


def test_it_rejects_a_file_with_an_unknown_column(tmp_path, county):
    assert_refused(
        tmp_path,
        [["T100", "新镇", "", "C001", "乡镇", "农村", "x"]],
        headers=[*HEADERS, "备注"],
        row=1,
        column="备注",
        match="Unknown column",
    )


def test_it_rejects_a_file_with_a_duplicate_column(tmp_path, county):
    assert_refused(
        tmp_path,
        [["T100", "新镇", "", "C001", "乡镇", "农村", "新镇"]],
        headers=[*HEADERS, "name"],
        row=1,
        match="appears more than once",
    )


def test_it_rejects_a_value_in_a_column_without_a_header(tmp_path, county):
    result = assert_refused(
        tmp_path,
        [["T100", "新镇", "", "C001", "乡镇", "农村", None, "stray", "more"]],
        headers=[*HEADERS, None, None],
        row=2,
        match="column without a header",
    )
    assert len(result.errors) == 1


def test_it_rejects_a_row_without_a_name(tmp_path, county):
    assert_refused(
        tmp_path,
        [
            ["T100", "新镇", "", "C001", "乡镇", "农村"],
            ["T101", None, "", "C001", "乡镇", "农村"],
        ],
        row=3,
        column="名称",
        match="name is required",
    )


def test_it_rejects_a_row_without_a_code(tmp_path, county):
    assert_refused(
        tmp_path, [["", "新镇", "", "C001", "乡镇", "农村"]], row=2, column="代码", match="code"
    )


def test_it_rejects_a_name_longer_than_the_database_allows(tmp_path, county):
    assert_refused(
        tmp_path,
        [["T100", "镇" * 101, "", "C001", "乡镇", "农村"]],
        row=2,
        column="名称",
        match="At most 100 characters",
    )


def test_it_rejects_a_code_longer_than_the_database_allows(tmp_path, county):
    assert_refused(
        tmp_path,
        [["T" * 33, "新镇", "", "C001", "乡镇", "农村"]],
        row=2,
        column="代码",
        match="At most 32 characters",
    )


def test_it_rejects_a_code_that_excel_turned_into_a_rounded_number(tmp_path, county):
    assert_refused(
        tmp_path,
        [[123456789012345678, "新镇", "", "C001", "乡镇", "农村"]],
        row=2,
        column="代码",
        match="turned the code",
    )


def test_a_whole_number_code_is_read_as_text(county):
    result = run([[4001, "新单位", "", "C001", "直属单位", "综合"]])
    assert result.ok and Organization.objects.filter(code="4001").exists()


def test_it_rejects_a_file_with_duplicate_codes(tmp_path, county):
    result = assert_refused(
        tmp_path,
        [
            ["T100", "新镇", "", "C001", "乡镇", "农村"],
            ["T101", "另一镇", "", "C001", "乡镇", "农村"],
            ["T100", "新镇（重复）", "", "C001", "乡镇", "农村"],
        ],
        row=4,
        column="代码",
        match=r"appears more than once \(rows 2, 4\)",
    )
    assert {error.row for error in result.errors} == {2, 4}


def test_it_rejects_an_unknown_parent_code(tmp_path, county):
    assert_refused(
        tmp_path,
        [["V100", "新村", "", "T999", "村", "农村"]],
        row=2,
        column="上级代码",
        match="“T999” is neither in this file",
    )


def test_it_rejects_an_organization_that_is_its_own_parent(tmp_path, county):
    assert_refused(
        tmp_path,
        [["U100", "新单位", "", "U100", "直属单位", "综合"]],
        row=2,
        column="上级代码",
        match="its own parent",
    )


def test_it_rejects_parent_codes_that_form_a_loop_and_names_every_row_in_it(tmp_path, county):
    result = assert_refused(
        tmp_path,
        [
            ["U101", "单位一", "", "U103", "直属单位", "综合"],
            ["U100", "单位零", "", "C001", "直属单位", "综合"],
            ["U102", "单位二", "", "U101", "直属单位", "综合"],
            ["U103", "单位三", "", "U102", "直属单位", "综合"],
        ],
        row=2,
        match=r"form a loop: .* \(rows 2, 4, 5\)",
    )
    assert {error.row for error in result.errors} == {2, 4, 5}


def test_it_rejects_moving_an_organization_into_its_own_subtree(tmp_path, county):
    assert_refused(
        tmp_path,
        [["T001", "青石镇党委", "青石镇", "V001", "乡镇", "农村"]],
        row=2,
        column="上级代码",
        match="inside its own subtree",
    )


def test_it_rejects_an_unknown_level(tmp_path, county):
    assert_refused(
        tmp_path,
        [["T100", "新镇", "", "C001", "片区", "农村"]],
        row=2,
        column="层级",
        match="Unknown value “片区”",
    )


def test_it_rejects_a_field_not_allowed_for_the_level(tmp_path, county):
    assert_refused(
        tmp_path,
        [["T100", "新镇", "", "C001", "乡镇", "机关"]],
        row=2,
        column="领域",
        match="is not allowed for level",
    )


def test_it_rejects_a_level_that_cannot_stand_under_its_parent(tmp_path, county):
    assert_refused(
        tmp_path,
        [["V100", "新村", "", "C001", "村", "农村"]],
        row=2,
        column="层级",
        match="cannot be placed under",
    )


def test_it_checks_placement_against_a_parent_that_is_new_in_the_file(tmp_path, county):
    assert_refused(
        tmp_path,
        [
            ["V100", "新村", "", "T001", "村", "农村"],
            ["T100", "村下之镇", "", "V100", "乡镇", "农村"],
        ],
        row=3,
        match="cannot be placed under",
    )


def test_it_rejects_a_level_change_that_leaves_subordinates_misplaced(tmp_path, county):
    assert_refused(
        tmp_path,
        [["C001", "示范市委", "", "", "市", "综合"]],
        row=2,
        column="层级",
        match=r"Its subordinate .*\(T001\) could not stay under it",
    )


def test_it_rejects_a_parent_that_is_dissolved(tmp_path, county):
    org_dissolve(org=county.organs_committee, on=datetime.date(2024, 12, 31))
    assert_refused(
        tmp_path,
        [["T100", "新镇", "", "U001", "乡镇", "农村"]],
        row=2,
        column="上级代码",
        match="dissolved|已撤销",
    )


def test_it_rejects_a_parent_that_is_merged(tmp_path, county):
    org_merge(org=county.liuxi, into=county.qingshi, on=datetime.date(2024, 12, 31))
    assert_refused(
        tmp_path,
        [["V100", "新村", "", "T002", "村", "农村"]],
        row=2,
        column="上级代码",
        match="nothing can be placed under it",
    )


def test_it_rejects_a_change_to_a_dissolved_organization(tmp_path, county):
    village = county.qingshi_villages[2]
    org_dissolve(org=village, on=datetime.date(2024, 12, 31))
    assert_refused(
        tmp_path,
        [["V003", "南塘村（改名）", "", "T001", "村", "农村"]],
        row=2,
        column="代码",
        match="cannot be changed",
    )


def test_it_rejects_dissolving_through_the_status_column(tmp_path, county):
    assert_refused(
        tmp_path,
        [["V003", "青石镇南塘村党支部", "", "T001", "村", "农村", "已撤销"]],
        headers=[*HEADERS, "状态"],
        row=2,
        column="状态",
        match="does not change the status",
    )


def test_it_rejects_a_new_organization_that_is_not_active(tmp_path, county):
    assert_refused(
        tmp_path,
        [["V900", "新村", "", "T001", "村", "农村", "已合并"]],
        headers=[*HEADERS, "状态"],
        row=2,
        column="状态",
        match="does not change the status",
    )


def test_the_status_column_may_repeat_the_current_status(county):
    result = run([["V900", "新村", "", "T001", "村", "农村", "正常"]], headers=[*HEADERS, "status"])
    assert result.ok and result.created == 1


def test_it_rejects_a_tree_deeper_than_the_maximum(tmp_path, county):
    # C001 (1) > U001 (2) > U100 (3) > ... : the row at depth MAX_DEPTH + 1 is refused.
    rows, parent = [], "U001"
    for n in range(MAX_DEPTH - 1):
        rows.append([f"U1{n:02d}", f"单位{n}", "", parent, "直属单位", "综合"])
        parent = f"U1{n:02d}"
    result = assert_refused(
        tmp_path, rows, row=len(rows) + 1, column="上级代码", match="at most 12 levels"
    )
    assert [error.row for error in result.errors] == [len(rows) + 1]


def test_it_rejects_a_move_that_would_push_a_subtree_too_deep(tmp_path, county):
    parent = county.organs_committee
    for n in range(MAX_DEPTH - 3):  # U001 at depth 2 gets a chain down to depth 11
        parent = org_create(
            code=f"U2{n:02d}", name=f"单位{n}", level=Level.UNIT, field=Field.GENERAL, parent=parent
        )
    # T001 has villages one level below: moved under the deepest unit it would reach 13.
    assert_refused(
        tmp_path,
        [["T001", "青石镇党委", "青石镇", parent.code, "乡镇", "农村"]],
        row=2,
        match="at most 12 levels",
    )


def test_it_rejects_a_file_with_too_many_rows(tmp_path, county, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    result = assert_refused(
        tmp_path,
        [[f"U9{n}", "单位", "", "C001", "直属单位", "综合"] for n in range(4)],
        row=None,
        match="more than 3 organizations",
    )
    assert len(result.errors) == 1


def test_it_collects_every_problem_of_the_file_at_once(county):
    result = run(
        [
            ["T100", "", "", "C001", "乡镇", "农村"],
            ["T101", "新镇", "", "C999", "乡镇", "农村"],
            ["T102", "新镇", "", "C001", "乡镇", "国企"],
            ["T103", "", "", "C001", "乡镇", "机关"],
        ]
    )
    assert [(error.row, error.column) for error in result.errors] == [
        (2, "名称"),
        (3, "上级代码"),
        (4, "领域"),
        (5, "名称"),
        (5, "领域"),
    ]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"not a workbook", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel file"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_reported_without_a_row(county, data, match):
    result = import_organizations(io.BytesIO(data), user=None, max_bytes=MAX_BYTES)
    assert [error.row for error in result.errors] == [None]
    assert match in result.errors[0].message


def test_a_file_over_the_size_limit_is_refused(county):
    data = xlsx_bytes([HEADERS, ["U900", "新单位", "", "C001", "直属单位", "综合"]])
    result = import_organizations(io.BytesIO(data), user=None, max_bytes=len(data) - 1)
    assert "larger than" in result.errors[0].message
    assert not Organization.objects.filter(code="U900").exists()


# The management command ------------------------------------------------------------


def test_the_import_command_prints_each_error_with_its_row_and_column(tmp_path, county):
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(xlsx_bytes([HEADERS, ["V900", "", "", "T001", "村", "农村"]]))
    stderr = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="1 problem"):
        call_command("import_orgs", str(path), stdout=io.StringIO(), stderr=stderr)
    assert "Row 2 [名称]: The name is required." in stderr.getvalue()


def test_the_import_command_imports_and_prints_the_counts(tmp_path, county):
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(xlsx_bytes([HEADERS, ["V900", "新村", "", "T001", "村", "农村"]]))
    stdout = io.StringIO()
    with translation.override("en"):
        call_command("import_orgs", str(path), stdout=stdout)
    assert "Created: 1, updated: 0, moved: 0, unchanged: 0." in stdout.getvalue()
    assert Organization.objects.get(code="V900").parent == county.qingshi
    assert AuditRecord.objects.get(action="orgs.import").actor_name == "system"


def test_the_import_command_dry_run_changes_nothing(tmp_path, county):
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(xlsx_bytes([HEADERS, ["V900", "新村", "", "T001", "村", "农村"]]))
    before = snapshot()
    stdout = io.StringIO()
    with translation.override("en"):
        call_command("import_orgs", str(path), "--dry-run", stdout=stdout)
    assert "nothing was changed" in stdout.getvalue()
    assert "Created: 1," in stdout.getvalue()
    assert snapshot() == before


def test_the_import_command_fails_on_a_file_that_is_not_a_workbook(tmp_path, county):
    path = tmp_path / "orgs.xlsx"
    path.write_text("代码,名称\n")
    with pytest.raises(CommandError):
        call_command("import_orgs", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_import_command_fails_on_a_missing_file(tmp_path, db):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_orgs", str(tmp_path / "missing.xlsx"))


def test_the_command_may_create_top_level_organizations(tmp_path, db):
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(xlsx_bytes([HEADERS, ["P001", "某省委", "", "", "省级", "综合"]]))
    call_command("import_orgs", str(path), stdout=io.StringIO())
    assert Organization.objects.get(code="P001").level == Level.PROVINCE


def test_inactive_statuses_are_untouched_by_import(county):
    org_dissolve(org=county.qingshi_villages[2], on=datetime.date(2024, 12, 31))
    result = run([["V003", "青石镇南塘村党支部", "", "T001", "村", "农村"]])
    assert result.ok and result.unchanged == 1
    assert Organization.objects.get(code="V003").status == Status.DISSOLVED
