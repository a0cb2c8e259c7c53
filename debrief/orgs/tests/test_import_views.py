"""The import page, the template download and the export download."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from debrief.audit.models import AuditRecord, Result
from debrief.lib.tests.workbooks import xlsx_bytes
from debrief.lib.xlsx import XLSX_CONTENT_TYPE
from debrief.orgs.models import Organization

pytestmark = pytest.mark.django_db

HEADERS = ["代码", "名称", "简称", "上级代码", "层级", "领域"]
IMPORT_URL = reverse("orgs:import")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The personas fixture creates six accounts; real hashing costs seconds each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Pages link their CSS through {% static %}; without DEBUG that needs the manifest
    that collectstatic writes. Tests use the plain storage instead."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class HttpsClient(Client):
    """The site redirects plain HTTP to HTTPS outside DEBUG; talk HTTPS."""

    def generic(self, *args, **kwargs):
        kwargs["secure"] = True
        return super().generic(*args, **kwargs)


def client_for(user, **kwargs) -> Client:
    client = HttpsClient(**kwargs)
    client.force_login(user)
    return client


def in_english(client):
    """Ask for the English pages: for a test that matches the English text of a page
    (pages speak Chinese by default; see debrief/front/tests/test_translations.py)."""
    client.cookies["django_language"] = "en"
    return client


def upload(content: bytes, name: str = "组织.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def post_workbook(client: Client, rows, *, check_only=False, headers=HEADERS):
    data: dict[str, object] = {"file": upload(xlsx_bytes([headers, *rows]))}
    if check_only:
        data["check_only"] = "on"
    return client.post(IMPORT_URL, data)


def codes_in(response) -> list:
    workbook = load_workbook(io.BytesIO(response.content))
    return [row[0] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]


def test_the_import_page_needs_a_login(county):
    response = HttpsClient().get(IMPORT_URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_staff_see_the_upload_form_with_its_links(county, personas):
    response = client_for(personas.county_staff).get(IMPORT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("import-file", "import-check-only", "import-submit"):
        assert f'data-testid="{testid}"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "csrfmiddlewaretoken" in html
    assert reverse("orgs:import_template") in html and reverse("orgs:export") in html


@pytest.mark.parametrize("persona", ["qingshi_secretary", "county_viewer", "outsider"])
def test_users_without_the_edit_capability_get_not_found(county, personas, persona):
    client = client_for(getattr(personas, persona))
    assert client.get(IMPORT_URL).status_code == 404
    assert post_workbook(client, [["V900", "新村", "", "T001", "村", "农村"]]).status_code == 404
    assert client.get(reverse("orgs:import_template")).status_code == 404
    assert not Organization.objects.filter(code="V900").exists()


def test_staff_can_import_and_see_the_counts(county, personas):
    response = post_workbook(
        client_for(personas.county_staff),
        [
            ["V900", "新村党支部", "", "T001", "村", "农村"],
            ["V001", "东岗村党支部", "", "T001", "村", "农村"],
        ],
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="import-summary" data-outcome="imported"' in html
    assert 'data-testid="count-created">1<' in html
    assert 'data-testid="count-updated">1<' in html
    assert Organization.objects.get(code="V900").parent == county.qingshi
    record = AuditRecord.objects.get(action="orgs.import")
    assert record.actor == personas.county_staff and record.target == "组织.xlsx"
    assert record.ip_address == "127.0.0.1"


def test_check_only_changes_nothing(county, personas):
    response = post_workbook(
        client_for(personas.county_staff),
        [["V900", "新村党支部", "", "T001", "村", "农村"]],
        check_only=True,
    )
    html = response.content.decode()
    assert 'data-outcome="checked"' in html
    assert 'data-testid="count-created">1<' in html
    assert not Organization.objects.filter(code="V900").exists()
    assert not AuditRecord.objects.filter(action="orgs.import").exists()


def test_a_bad_file_shows_every_problem_with_its_row_and_changes_nothing(county, personas):
    before = Organization.objects.count()
    response = post_workbook(
        client_for(personas.county_staff),
        [
            ["V900", "新村党支部", "", "T001", "村", "农村"],
            ["V901", "", "", "T001", "村", "农村"],
            ["V902", "错位村", "", "C001", "村", "农村"],
        ],
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-outcome="failed"' in html
    assert 'data-testid="import-errors"' in html
    assert '<td class="num">3</td><td>名称</td>' in html
    assert '<td class="num">4</td><td>层级</td>' in html
    assert Organization.objects.count() == before
    record = AuditRecord.objects.get(action="orgs.import")
    assert record.result == Result.FAILED and record.detail["errors"] == 2


def test_a_file_that_is_not_a_workbook_is_reported(county, personas):
    response = in_english(client_for(personas.county_staff)).post(
        IMPORT_URL, {"file": upload(b"code,name\nV900,x\n", "orgs.csv")}
    )
    assert "not an Excel workbook" in response.content.decode()
    assert AuditRecord.objects.get(action="orgs.import").result == Result.FAILED


def test_an_upload_over_the_size_limit_is_refused(county, personas, settings):
    settings.DEBRIEF_MAX_UPLOAD_MB = 1
    big = b"PK\x03\x04" + b"\0" * (1024 * 1024 + 1)
    response = in_english(client_for(personas.county_staff)).post(IMPORT_URL, {"file": upload(big)})
    assert response.status_code == 200
    assert "larger than 1 MB" in response.content.decode()


def test_an_upload_is_read_in_memory_and_never_written_to_disk(county, personas, monkeypatch):
    def no_temporary_files(*args, **kwargs):
        raise AssertionError("the upload was written to a temporary file")

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", no_temporary_files)
    # Larger than FILE_UPLOAD_MAX_MEMORY_SIZE (5 MB), where Django would use a temp file.
    content = b"not a workbook" + b"\0" * (6 * 1024 * 1024)
    response = in_english(client_for(personas.county_staff)).post(
        IMPORT_URL, {"file": upload(content)}
    )
    assert "not an Excel workbook" in response.content.decode()


def test_the_form_is_protected_against_cross_site_requests(county, personas):
    client = client_for(personas.county_staff, enforce_csrf_checks=True)
    page = client.get(IMPORT_URL)
    token = page.context["csrf_token"]
    referer = "https://testserver" + IMPORT_URL
    rows = [HEADERS, ["V900", "新村党支部", "", "T001", "村", "农村"]]
    refused = client.post(IMPORT_URL, {"file": upload(xlsx_bytes(rows))}, HTTP_REFERER=referer)
    assert refused.status_code == 403
    assert not Organization.objects.filter(code="V900").exists()
    accepted = client.post(
        IMPORT_URL,
        {"file": upload(xlsx_bytes(rows)), "csrfmiddlewaretoken": str(token)},
        HTTP_REFERER=referer,
    )
    assert accepted.status_code == 200
    assert Organization.objects.filter(code="V900").exists()


def test_a_post_without_a_file_shows_the_form_error(county, personas):
    response = client_for(personas.county_staff).post(IMPORT_URL, {})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()


def test_the_export_contains_only_the_users_subtree(county, personas):
    response = client_for(personas.qingshi_secretary).get(reverse("orgs:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert codes_in(response) == ["T001", "V001", "V002", "V003"]


def test_the_county_staff_export_contains_the_whole_county(county, personas):
    response = client_for(personas.county_staff).get(reverse("orgs:export"))
    assert sorted(codes_in(response)) == sorted(Organization.objects.values_list("code", flat=True))


def test_the_export_can_be_limited_to_a_subtree_within_the_scope(county, personas):
    client = client_for(personas.county_staff)
    response = client.get(reverse("orgs:export"), {"root": county.liuxi.pk})
    assert codes_in(response) == ["T002", "V101", "V102"]


def test_the_export_of_a_subtree_outside_the_scope_is_not_found(county, personas):
    client = client_for(personas.liuxi_secretary)
    assert client.get(reverse("orgs:export"), {"root": county.qingshi.pk}).status_code == 404


def test_an_account_without_any_role_cannot_export(county, personas):
    assert client_for(personas.outsider).get(reverse("orgs:export")).status_code == 404


def test_staff_can_download_the_template(county, personas):
    response = client_for(personas.county_staff).get(reverse("orgs:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "组织"
