"""The staff pages: set-up, voter groups, tokens and slips, opening and closing, the
live turnout, the results with their exports, and the public receipts list."""

import csv
import io
import uuid
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from debrief.ballots.codes import normalize_token
from debrief.ballots.models import Ballot, BallotToken, Evaluation, EvaluationStatus, VoterGroup
from debrief.ballots.payloads import turnout
from debrief.ballots.services import ballot_submit, evaluation_close
from debrief.ballots.tests.conftest import all_good, make_ready
from debrief.ballots.tests.web import (  # noqa: F401
    client_fixture,
    client_for_fixture,
    fresh_cache_fixture,
    vote,
    web_settings_fixture,
)
from debrief.cycles.models import CycleStatus
from debrief.cycles.services import cycle_create, cycle_transition, roster_generate
from debrief.meetings.models import Meeting
from debrief.meetings.services import meeting_schedule
from debrief.orgs.models import Level

pytestmark = pytest.mark.django_db


def a_meeting(county) -> Meeting:
    """A meeting of the county's 2025 cycle, at the review-meeting stage, no evaluation."""
    import datetime

    cycle = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=cycle)
    cycle_transition(cycle=cycle, to=CycleStatus.REPORTS_OPEN)
    meeting = meeting_schedule(cycle=cycle, date=datetime.date(2026, 1, 15), presider="县委书记")
    cycle_transition(cycle=cycle, to=CycleStatus.MEETING)
    return meeting


def page(name: str, ready_or_meeting) -> str:
    meeting_pk = getattr(ready_or_meeting, "pk", None)
    if hasattr(ready_or_meeting, "evaluation"):
        meeting_pk = ready_or_meeting.evaluation.meeting_id
    return reverse(f"ballots:{name}", args=[meeting_pk])


def in_english(client):
    """Ask for the English pages: for a test that matches the English text of a page
    (pages speak Chinese by default; see debrief/front/tests/test_translations.py)."""
    client.cookies["django_language"] = "en"
    return client


SETUP = {
    "points_good": "100",
    "points_fairly_good": "85",
    "points_average": "60",
    "points_poor": "0",
    "require_all": "on",
    "max_good_percent": "60",
    "reason_required_for_poor": "on",
    "min_group_size": "4",
    "items": "政治建设\n\n党建责任落实\n",
}


def groups_post(rows: list[tuple[str, str]], extra: int = 0) -> dict[str, str]:
    data = {
        "groups-TOTAL_FORMS": str(len(rows) + extra),
        "groups-INITIAL_FORMS": "0",
        "groups-MIN_NUM_FORMS": "0",
        "groups-MAX_NUM_FORMS": "30",
    }
    for n, (name, share) in enumerate(rows):
        data[f"groups-{n}-name"] = name
        data[f"groups-{n}-share"] = share
    return data


# Access ----------------------------------------------------------------------------------


def test_only_those_who_manage_the_cycle_reach_the_evaluation_pages(
    county, personas, client, client_for
):
    ready = make_ready(county)
    evaluation_close(evaluation=ready.evaluation)
    names = ["evaluation", "turnout", "turnout_json", "tally", "tally_xlsx", "tally_docx"]
    admin = client_for("county_admin")
    for name in names:
        assert admin.get(page(name, ready)).status_code == 200, name
    for persona in ("county_viewer", "qingshi_secretary", "outsider"):
        visitor = client_for(persona)
        for name in names:
            assert visitor.get(page(name, ready)).status_code == 404, (persona, name)
        for name in ("setup", "groups", "tokens", "open", "close"):
            assert visitor.post(page(name, ready)).status_code == 404, (persona, name)
    response = client.get(page("evaluation", ready))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# Set-up and groups -----------------------------------------------------------------------


def test_a_meeting_without_an_evaluation_offers_the_form_and_creates_it_with_default_groups(
    county, personas, client_for
):
    meeting = a_meeting(county)
    admin = client_for("county_admin")
    html = admin.get(page("evaluation", meeting)).content.decode()
    assert 'data-testid="setup-form"' in html and 'data-testid="tokens-form"' not in html
    response = admin.post(page("setup", meeting), SETUP)
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(meeting=meeting)
    assert evaluation.points == {"good": 100, "fairly_good": 85, "average": 60, "poor": 0}
    assert evaluation.max_good_share == Decimal("0.600")
    assert evaluation.reason_required_for_poor and evaluation.require_all
    assert evaluation.min_group_size == 4
    assert list(evaluation.items.values_list("name", flat=True)) == ["政治建设", "党建责任落实"]
    assert evaluation.groups.count() == 4
    html = admin.get(page("evaluation", meeting)).content.decode()
    assert 'value="60.0"' in html and "党建责任落实" in html
    assert 'data-testid="tokens-form"' in html


def test_points_that_rise_from_good_to_poor_are_refused_with_the_reason(
    county, personas, client_for
):
    meeting = a_meeting(county)
    response = in_english(client_for("county_admin")).post(
        page("setup", meeting), {**SETUP, "points_poor": "90"}
    )
    assert response.status_code == 400
    assert "must not rise" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_the_groups_editor_replaces_the_groups_and_refuses_shares_not_adding_to_100(
    county, personas, client_for
):
    ready = make_ready(county, tokens_per_group=1, open_it=False)
    BallotToken.objects.all().delete()  # a group with tokens cannot be removed
    admin = in_english(client_for("county_admin"))
    bad = admin.post(page("groups", ready), groups_post([("常委", "30"), ("群众", "60")]))
    assert bad.status_code == 400 and "add up to 100" in bad.content.decode()
    good = admin.post(page("groups", ready), groups_post([("常委", "40"), ("群众", "60")], 2))
    assert good.status_code == 302
    assert list(VoterGroup.objects.values_list("name", "share")) == [
        ("常委", Decimal("40.00")),
        ("群众", Decimal("60.00")),
    ]


def test_an_open_evaluation_shows_its_form_read_only(county, personas, client_for):
    ready = make_ready(county)
    html = client_for("county_admin").get(page("evaluation", ready)).content.decode()
    assert 'data-testid="setup-summary"' in html
    assert 'data-testid="setup-form"' not in html and 'data-testid="groups-form"' not in html
    response = in_english(client_for("county_admin")).post(page("setup", ready), SETUP)
    assert response.status_code == 400
    assert "cannot be changed" in response.content.decode()


# Tokens and slips --------------------------------------------------------------------------


def issue(client, ready, group_name: str, count: int):
    group = VoterGroup.objects.get(evaluation=ready.evaluation, name=group_name)
    return client.post(page("tokens", ready), {"group": group.pk, "count": count})


def test_issuing_tokens_downloads_slips_with_one_qr_code_per_token_and_a_csv(
    county, personas, client_for, settings
):
    settings.DEBRIEF_PUBLIC_URL = "https://debrief.example.gov.cn/"
    ready = make_ready(county, tokens_per_group=1, open_it=True)
    response = issue(client_for("county_admin"), ready, "县委常委", 9)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert ".zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["ballot-slips.docx", "ballot-tokens.csv"]

    rows = list(csv.DictReader(io.StringIO(archive.read("ballot-tokens.csv").decode("utf-8-sig"))))
    assert len(rows) == 9
    tokens = [normalize_token(row["token"]) for row in rows]
    assert all(tokens) and len(set(tokens)) == 9
    assert all(row["group"] == "县委常委" for row in rows)
    assert all(
        row["url"] == f"https://debrief.example.gov.cn/v/{token}"
        for row, token in zip(rows, tokens, strict=True)
    )
    assert BallotToken.objects.filter(group__name="县委常委").count() == 1 + 9

    document = Document(io.BytesIO(archive.read("ballot-slips.docx")))
    assert len(document.inline_shapes) == 9
    images = [p for p in document.part.package.parts if p.content_type == "image/png"]
    assert len(images) == 9
    text = "\n".join(cell.text for row in document.tables[0].rows for cell in row.cells)
    for row in rows:
        assert row["token"] in text  # printed as XXXX-XXXX-XXXX-XX
    assert ready.evaluation.meeting.title in text
    assert len(document.tables[0].rows) == 5  # two slips a row

    for row in rows:
        recorded = ballot_submit(
            token=row["token"], ballot_id=str(uuid.uuid4()), ratings=all_good(ready)
        )
        assert recorded.created


def test_slip_addresses_use_the_request_when_no_public_url_is_set(county, personas, client_for):
    ready = make_ready(county, tokens_per_group=1, open_it=False)
    response = issue(client_for("county_admin"), ready, "县委常委", 1)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    row = next(csv.DictReader(io.StringIO(archive.read("ballot-tokens.csv").decode("utf-8-sig"))))
    assert row["url"].startswith("https://testserver/v/")


def test_csv_cells_are_escaped_against_formula_injection(county, personas, client_for):
    ready = make_ready(county, tokens_per_group=1, open_it=False)
    VoterGroup.objects.filter(name="县委常委").update(name='=HYPERLINK("http://x")')
    response = issue(client_for("county_admin"), ready, '=HYPERLINK("http://x")', 2)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    rows = list(csv.reader(io.StringIO(archive.read("ballot-tokens.csv").decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ['\'=HYPERLINK("http://x")'] * 2


def test_the_page_says_the_plain_tokens_exist_only_in_the_download(county, personas, client_for):
    ready = make_ready(county, tokens_per_group=2, open_it=False)
    html = in_english(client_for("county_admin")).get(page("evaluation", ready)).content.decode()
    assert 'data-testid="tokens-warning"' in html
    assert "only in the download" in html
    assert html.count('data-testid="token-row"') == 4
    assert 'data-testid="issued-total">8<' in html


def test_a_count_above_the_download_limit_is_refused(county, personas, client_for):
    ready = make_ready(county, tokens_per_group=1, open_it=False)
    response = issue(client_for("county_admin"), ready, "县委常委", 501)
    assert response.status_code == 400
    assert BallotToken.objects.count() == 4


# Opening and closing ---------------------------------------------------------------------


def test_open_and_close_ask_for_confirmation_and_closing_reports_the_count(
    county, personas, client_for
):
    ready = make_ready(county, open_it=False)
    admin = in_english(client_for("county_admin"))
    html = admin.get(page("evaluation", ready)).content.decode()
    assert 'data-testid="evaluation-open" data-confirm="' in html
    assert admin.post(page("open", ready)).status_code == 302
    ready.evaluation.refresh_from_db()
    assert ready.evaluation.status == EvaluationStatus.OPEN
    ready.reporter_ids[:] = [int(pk) for pk in ready.evaluation.reporter_ids]
    for index in range(2):
        vote(ready, "县委常委", index, ["good", "average"])
    html = admin.get(page("evaluation", ready)).content.decode()
    assert 'data-testid="evaluation-close" data-confirm="' in html
    assert "2 ballots have been cast" in html
    response = admin.post(page("close", ready), follow=True)
    assert response.redirect_chain[-1][0] == page("tally", ready)
    assert "closed with 2 ballots" in response.content.decode()
    again = admin.post(page("close", ready), follow=True)
    assert "closed with 2 ballots" in again.content.decode()


def test_opening_outside_the_meeting_stage_shows_the_reason(county, personas, client_for):
    ready = make_ready(county, open_it=False)
    cycle = ready.evaluation.meeting.cycle
    cycle.status = CycleStatus.ASSESSMENT
    cycle.save(update_fields=["status"])
    response = in_english(client_for("county_admin")).post(page("open", ready), follow=True)
    assert "review-meeting stage" in response.content.decode()
    ready.evaluation.refresh_from_db()
    assert ready.evaluation.status == EvaluationStatus.DRAFT


# Turnout -----------------------------------------------------------------------------------


def test_turnout_counts_issued_and_voted_per_group_in_one_query(county, personas):
    ready = make_ready(county, tokens_per_group=4)
    vote(ready, "县委常委", 0, ["good", "good"])
    vote(ready, "县委常委", 1, ["good", "good"])
    vote(ready, "基层党员干部群众代表", 0, ["good", "good"])
    with CaptureQueriesContext(connection) as queries:
        data = turnout(ready.evaluation)
    assert len(queries) == 1
    by_name = {g["name"]: g for g in data["groups"]}
    assert (by_name["县委常委"]["issued"], by_name["县委常委"]["voted"]) == (4, 2)
    assert by_name["县委常委"]["percent"] == 50.0
    assert by_name["党建工作领导小组成员"]["voted"] == 0
    assert data["total"] == {"issued": 16, "voted": 3, "percent": 18.8}


def test_the_turnout_json_shows_counts_and_no_results_until_closed(county, personas, client_for):
    ready = make_ready(county, tokens_per_group=2)
    vote(ready, "县委常委", 0, ["poor", "good"])
    admin = client_for("county_admin")
    data = admin.get(page("turnout_json", ready)).json()
    assert data["total"] == {"issued": 8, "voted": 1, "percent": 12.5}
    assert data["closed"] is False and data["tally_url"] is None
    assert "results" not in data and "poor" not in str(data)
    html = admin.get(page("turnout", ready)).content.decode()
    assert 'data-json-url="' + page("turnout_json", ready) + '"' in html
    assert 'data-testid="turnout-tally-link" hidden' in html
    evaluation_close(evaluation=ready.evaluation)
    data = admin.get(page("turnout_json", ready)).json()
    assert data["closed"] is True and data["tally_url"] == page("tally", ready)
    html = admin.get(page("turnout", ready)).content.decode()
    assert 'data-testid="turnout-tally-link">' in html


# Results ---------------------------------------------------------------------------------


def test_the_results_page_before_closing_shows_no_results(county, personas, client_for):
    ready = make_ready(county)
    vote(ready, "县委常委", 0, ["poor", "good"])
    admin = client_for("county_admin")
    html = admin.get(page("tally", ready)).content.decode()
    assert 'data-testid="tally-hidden"' in html and 'data-testid="tally-row"' not in html
    assert admin.get(page("tally_xlsx", ready)).status_code == 404
    assert admin.get(page("tally_docx", ready)).status_code == 404


@pytest.fixture
def closed_with_a_lone_voter(county, personas):
    """党建工作领导小组成员 cast 1 ballot (withheld); 县委常委 cast 3 (withheld with it,
    as the smallest shown group, so the lone ballot cannot be worked out by
    subtraction); 基层党员干部群众代表 cast 3 (shown)."""
    ready = make_ready(county, tokens_per_group=3)
    for n in range(3):
        vote(ready, "基层党员干部群众代表", n, ["good", "good"])
    vote(ready, "县委常委", 0, ["good", "good"])
    vote(ready, "县委常委", 1, ["fairly_good", "good"])
    vote(ready, "县委常委", 2, ["poor", "good"], reasons=["=1+1 推进不力", ""])
    vote(ready, "党建工作领导小组成员", 0, ["average", "poor"], reasons=["", "工作不实"])
    evaluation_close(evaluation=ready.evaluation)
    return ready


def test_the_results_page_shows_every_figure_and_withholds_the_lone_group(
    closed_with_a_lone_voter, client_for
):
    ready = closed_with_a_lone_voter
    html = in_english(client_for("county_admin")).get(page("tally", ready)).content.decode()
    assert html.count('data-testid="tally-row"') == 2
    assert "7 ballots counted" in html
    # Reporter 1: good 4, fairly good 1, average 1, poor 1; satisfaction 5/7, poor 1/7.
    assert "71.43%" in html and "14.29%" in html
    # Each reporter's breakdown: 群众代表 shown, the lone group and 县委常委 withheld,
    # the group that cast no ballot says so.
    assert html.count('data-testid="withheld"') == 4
    assert html.count('data-testid="no-ballots"') == 2
    assert "Fewer than 3 ballots — withheld" in html
    assert "Withheld so that a smaller group cannot be worked out" in html
    assert "=1+1 推进不力" in html and "工作不实" in html


def test_the_workbook_withholds_the_lone_group_and_escapes_text_cells(
    closed_with_a_lone_voter, client_for
):
    ready = closed_with_a_lone_voter
    response = client_for("county_admin").get(page("tally_xlsx", ready))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    results = list(workbook["测评结果"].iter_rows(min_row=2, values_only=True))
    assert len(results) == 2
    first = results[0]
    assert first[4:9] == (4, 1, 1, 1, 7)
    groups = list(workbook["分组情况"].iter_rows(min_row=2, values_only=True))
    lone = [row for row in groups if row[1] == "党建工作领导小组成员"]
    assert len(lone) == 2
    assert all(row[4] == "不足3票，不单独列示" and row[5:] == (None,) * 4 for row in lone)
    companion = [row for row in groups if row[1] == "县委常委"]
    assert all(row[4] == "为防止推算人数较少的测评主体，不单独列示" for row in companion)
    shown = next(row for row in groups if row[1] == "基层党员干部群众代表")
    assert shown[4:8] == (3, 0, 0, 0)
    reasons = [row[2] for row in workbook["评差理由"].iter_rows(min_row=2, values_only=True)]
    assert "'=1+1 推进不力" in reasons


def test_the_document_withholds_the_lone_group(closed_with_a_lone_voter, client_for):
    ready = closed_with_a_lone_voter
    response = client_for("county_admin").get(page("tally_docx", ready))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    results, groups = document.tables
    assert len(results.rows) == 3
    assert [c.text for c in results.rows[1].cells][4:9] == ["4", "1", "1", "1", "7"]
    lone = [row for row in groups.rows if row.cells[1].text == "党建工作领导小组成员"]
    assert len(lone) == 2
    for row in lone:
        assert {cell.text for cell in row.cells[4:]} == {"不足3票，不单独列示"}
    text = "\n".join(p.text for p in document.paragraphs)
    assert "工作不实" in text


# Receipts (public) -----------------------------------------------------------------------


def test_the_receipts_list_is_404_before_closing_and_lists_every_receipt_after(
    county, personas, client
):
    ready = make_ready(county)
    url = reverse("ballots_public:receipts", args=[ready.evaluation.meeting_id])
    receipts = {
        ballot_submit(token=t, ballot_id=str(uuid.uuid4()), ratings=all_good(ready)).receipt
        for t in ready.tokens["县委常委"][:3]
    }
    assert client.get(url).status_code == 404
    evaluation_close(evaluation=ready.evaluation)
    response = client.get(url)
    assert response.status_code == 200
    assert not response.cookies
    html = response.content.decode()
    assert all(receipt in html for receipt in receipts)
    positions = [html.index(r) for r in sorted(receipts)]
    assert positions == sorted(positions)
    mine = sorted(receipts)[0]
    found = client.get(url, {"q": mine.lower()}).content.decode()
    assert 'data-testid="receipt-found"' in found
    missing = client.get(url, {"q": "ZZZZZZZZZZ"}).content.decode()
    assert 'data-testid="receipt-missing"' in missing
    assert Ballot.objects.count() == 3


def test_the_staff_name_of_the_receipts_list_leads_to_the_public_list(county, personas, client_for):
    ready = make_ready(county)
    evaluation_close(evaluation=ready.evaluation)
    response = client_for("county_admin").get(page("receipts", ready))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "ballots_public:receipts", args=[ready.evaluation.meeting_id]
    )
