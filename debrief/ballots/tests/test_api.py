"""The JSON API: every status code of the ballot endpoint, the request limit, the
tally endpoint's access, and the OpenAPI document. Every JSON answer is checked
against the schema the document gives for its status."""

import json
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from debrief.ballots import ratelimit
from debrief.ballots.models import Ballot, Participation
from debrief.ballots.services import evaluation_close, evaluation_open
from debrief.ballots.tests.conftest import all_good, make_ready
from debrief.ballots.tests.schema import assert_documented, document
from debrief.ballots.tests.web import (  # noqa: F401
    HttpsClient,
    client_fixture,
    client_for_fixture,
    fresh_cache_fixture,
    vote,
    web_settings_fixture,
)

pytestmark = pytest.mark.django_db

BALLOT = "/api/v1/ballot/{token}"
TALLY = "/api/v1/meetings/{meeting_id}/tally"


def url(token: str) -> str:
    return reverse("ballots_public:api_ballot", args=[token])


def token_of(ready, group: str = "县委常委", index: int = 0) -> str:
    return ready.tokens[group][index]


def post(client, token: str, body) -> Any:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(url(token), data=data, content_type="application/json")


def ballot(ready, ballot_id: str | None = None, grade: str = "good") -> dict:
    return {"ballot_id": ballot_id or str(uuid.uuid4()), "ratings": all_good(ready, grade)}


def in_english(client):
    """Ask for the English pages: for a test that matches the English text of a page
    (pages speak Chinese by default; see debrief/front/tests/test_translations.py)."""
    client.cookies["django_language"] = "en"
    return client


# The form -------------------------------------------------------------------------------


def test_the_form_lists_the_reporters_in_form_order_with_the_scale_and_rules(
    county, personas, client
):
    ready = make_ready(county, max_good_share=Decimal("0.5"), items=["政治建设"])
    response = client.get(url(token_of(ready)))
    assert response.status_code == 200
    assert_documented(response, BALLOT, "get")
    data = response.json()
    assert data["status"] == "open" and data["voted"] is False
    assert data["group"] == {"name": "县委常委"}
    assert data["meeting"]["date"] == "2026-01-15"
    assert [r["id"] for r in data["reporters"]] == ready.reporter_ids
    assert {r["name"] for r in data["reporters"]} == {"林晓青", "周立川"}
    assert [(s["grade"], s["label_zh"], s["points"]) for s in data["scale"]] == [
        ("good", "好", 100),
        ("fairly_good", "较好", 80),
        ("average", "一般", 60),
        ("poor", "差", 0),
    ]
    assert data["rules"]["max_good_share"] == "0.500"
    assert data["rules"]["max_good_count"] == 1
    assert [i["name"] for i in data["items"]] == ["政治建设"]
    assert data["receipts_url"] == reverse(
        "ballots_public:receipts", args=[ready.evaluation.meeting_id]
    )
    assert response["Cache-Control"] == "no-store"


def test_the_form_of_a_not_yet_open_evaluation_is_returned_with_its_status(
    county, personas, client
):
    ready = make_ready(county, open_it=False)
    response = client.get(url(token_of(ready)))
    assert response.status_code == 200
    assert_documented(response, BALLOT, "get")
    assert response.json()["status"] == "draft"
    assert response.json()["reporters"] == []


def test_the_form_says_when_the_token_has_been_used(county, personas, client):
    ready = make_ready(county)
    post(client, token_of(ready), ballot(ready))
    assert client.get(url(token_of(ready))).json()["voted"] is True


def test_an_unknown_token_is_404_with_a_json_error(county, personas, client):
    make_ready(county)
    answers = {
        "get": client.get(url("ABCD2345EFGH67")),
        "post": post(client, "ABCD2345EFGH67", {"ballot_id": str(uuid.uuid4()), "ratings": []}),
    }
    for method, response in answers.items():
        assert response.status_code == 404
        assert_documented(response, BALLOT, method)
        assert response.json()["error"] == "unknown_token" and response.json()["message"]
    assert client.get(url("not-a-token")).status_code == 404


# Submitting ------------------------------------------------------------------------------


def test_a_new_ballot_is_201_and_its_replay_is_200_with_the_same_receipt(county, personas, client):
    ready = make_ready(county)
    body = ballot(ready)
    first = post(client, token_of(ready), body)
    assert first.status_code == 201
    assert_documented(first, BALLOT, "post")
    again = post(client, token_of(ready), body)
    assert again.status_code == 200
    assert_documented(again, BALLOT, "post")
    assert again.json() == first.json()
    assert first.json()["receipts_url"] == f"/v/receipts/{ready.evaluation.meeting_id}/"
    assert Ballot.objects.count() == 1 and Participation.objects.count() == 1


def test_a_typed_token_with_dashes_and_lower_case_is_accepted(county, personas, client):
    ready = make_ready(county)
    token = token_of(ready)
    typed = f"{token[:4]}-{token[4:8]}-{token[8:12]}-{token[12:]}".lower()
    assert post(client, typed, ballot(ready)).status_code == 201


def test_another_ballot_on_a_used_token_is_409_token_used(county, personas, client):
    ready = make_ready(county)
    post(client, token_of(ready), ballot(ready))
    response = post(client, token_of(ready), ballot(ready))
    assert response.status_code == 409
    assert_documented(response, BALLOT, "post")
    assert response.json()["error"] == "token_used"
    assert Ballot.objects.count() == 1


def test_a_ballot_before_opening_is_409_not_open(county, personas, client):
    ready = make_ready(county, open_it=False)
    in_english(client)
    response = post(client, token_of(ready), {"ballot_id": str(uuid.uuid4()), "ratings": []})
    assert response.status_code == 409
    assert_documented(response, BALLOT, "post")
    assert response.json()["error"] == "not_open"
    assert "not opened" in response.json()["message"]


def test_a_ballot_after_closing_is_409_not_open(county, personas, client):
    ready = make_ready(county)
    evaluation_close(evaluation=ready.evaluation)
    in_english(client)
    response = post(client, token_of(ready), ballot(ready))
    assert response.status_code == 409
    assert_documented(response, BALLOT, "post")
    assert response.json()["error"] == "not_open"
    assert "closed" in response.json()["message"]
    assert Ballot.objects.count() == 0


def test_an_invalid_ballot_is_422_and_names_every_problem(county, personas, client):
    ready = make_ready(county, reason_required_for_poor=True)
    ratings = [
        {"reporter": ready.reporter_ids[0], "grade": "poor"},
        {"reporter": 999999, "grade": "good"},
    ]
    in_english(client)
    response = post(client, token_of(ready), {"ballot_id": str(uuid.uuid4()), "ratings": ratings})
    assert response.status_code == 422
    assert_documented(response, BALLOT, "post")
    data = response.json()
    assert data["error"] == "invalid_ballot"
    assert len(data["errors"]) == 2
    assert any("reason" in e for e in data["errors"])
    assert any("not on this form" in e for e in data["errors"])
    assert Participation.objects.count() == 0


def test_a_ballot_id_that_is_not_a_uuid_is_422(county, personas, client):
    ready = make_ready(county)
    response = post(client, token_of(ready), {"ballot_id": "7", "ratings": all_good(ready)})
    assert response.status_code == 422
    assert_documented(response, BALLOT, "post")


@pytest.mark.parametrize("grade", [["good"], {"grade": "good"}, None, 1])
def test_a_grade_that_is_not_a_string_is_422_not_an_error(county, personas, client, grade):
    ready = make_ready(county, tokens_per_group=1)
    body = ballot(ready)
    body["ratings"][0]["grade"] = grade
    response = post(client, token_of(ready), body)
    assert response.status_code == 422
    assert_documented(response, BALLOT, "post")
    assert len(response.json()["errors"]) == 1
    assert Participation.objects.count() == 0 and Ballot.objects.count() == 0


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b'["a list"]', b""])
def test_a_body_that_is_not_a_json_object_is_400(county, personas, client, body):
    ready = make_ready(county, tokens_per_group=1)
    response = post(client, token_of(ready), body)
    assert response.status_code == 400
    assert_documented(response, BALLOT, "post")
    assert response.json()["error"] == "bad_request"


def test_a_body_nested_too_deep_for_the_parser_is_400(county, personas, client):
    ready = make_ready(county, tokens_per_group=1)
    response = post(client, token_of(ready), b"[" * 60_000)
    assert response.status_code == 400
    assert_documented(response, BALLOT, "post")
    assert response.json()["error"] == "bad_request"
    assert Participation.objects.count() == 0


@pytest.mark.parametrize("reason", [r"推进\u0000不力", r"\u001b[31m", r"\ud800"])
def test_a_reason_with_a_control_character_is_422_naming_the_rating(
    county, personas, client, reason
):
    ready = make_ready(county, tokens_per_group=1)
    body = json.dumps(ballot(ready, grade="poor")).replace(
        '"grade": "poor"}', f'"grade": "poor", "reason": "{reason}"}}', 1
    )
    response = post(client, token_of(ready), body)
    assert response.status_code == 422
    assert_documented(response, BALLOT, "post")
    errors = response.json()["errors"]  # in the page's language: English or Chinese
    assert len(errors) == 1 and "1" in errors[0]
    assert Participation.objects.count() == 0 and Ballot.objects.count() == 0


def test_a_body_over_64_kb_is_413_and_records_nothing(county, personas, client):
    ready = make_ready(county)
    body = ballot(ready)
    body["ratings"][0]["reason"] = "x" * (65 * 1024)
    response = post(client, token_of(ready), body)
    assert response.status_code == 413
    assert_documented(response, BALLOT, "post")
    assert Participation.objects.count() == 0


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_methods_other_than_get_and_post_are_405(county, personas, client, method):
    ready = make_ready(county, tokens_per_group=1)
    response = getattr(client, method)(url(token_of(ready)))
    assert response.status_code == 405
    assert_documented(response, BALLOT, method)
    assert response["Allow"] == "GET, POST"


def test_the_api_needs_no_csrf_token_and_sets_no_cookie(county, personas):
    ready = make_ready(county)
    strict = HttpsClient(enforce_csrf_checks=True)
    response = post(strict, token_of(ready), ballot(ready))
    assert response.status_code == 201
    assert not response.cookies and not strict.cookies


# The request limit -------------------------------------------------------------------------


def test_the_31st_request_of_a_token_within_a_minute_is_429_with_retry_after(
    county, personas, client
):
    ready = make_ready(county, tokens_per_group=1)
    token = token_of(ready)
    for _ in range(ratelimit.REQUESTS_PER_WINDOW):
        assert client.get(url(token)).status_code == 200
    response = client.get(url(token))
    assert response.status_code == 429
    assert_documented(response, BALLOT, "get")
    assert 1 <= int(response["Retry-After"]) <= 60
    refused = post(client, token, ballot(ready))
    assert refused.status_code == 429
    assert_documented(refused, BALLOT, "post")
    assert Participation.objects.count() == 0


def test_two_tokens_behind_one_address_are_limited_separately(county, personas, client):
    ready = make_ready(county, tokens_per_group=2)
    first, second = ready.tokens["县委常委"]
    for _ in range(ratelimit.REQUESTS_PER_WINDOW + 1):
        client.get(url(first), REMOTE_ADDR="10.0.0.1")
    assert client.get(url(first), REMOTE_ADDR="10.0.0.1").status_code == 429
    response = post(client, second, ballot(ready))
    assert response.status_code == 201


def test_the_limit_starts_afresh_in_the_next_minute():
    assert [ratelimit.hit("ABCD2345EFGH67", limit=2, now=120.0).allowed for _ in range(3)] == [
        True,
        True,
        False,
    ]
    refused = ratelimit.hit("ABCD2345EFGH67", limit=2, now=150.0)
    assert not refused.allowed and refused.retry_after == 30
    assert ratelimit.hit("ABCD2345EFGH67", limit=2, now=180.0).allowed


def test_with_a_shared_cache_the_counts_are_kept_there(tmp_path, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path),
        }
    }
    verdicts = [ratelimit.hit("ABCD2345EFGH67", limit=2, now=120.0).allowed for _ in range(3)]
    assert verdicts == [True, True, False]
    assert list(tmp_path.iterdir())  # the counts went to the configured cache
    assert not ratelimit._counts  # and none into this process's memory


def test_old_windows_are_forgotten_when_a_new_one_starts():
    for now in (60.0, 120.0, 180.0):
        ratelimit.hit("ABCD2345EFGH67", now=now)
    assert {window for window, _key in ratelimit._counts} == {3}


# The tally endpoint ---------------------------------------------------------------------------


def tally_url(ready) -> str:
    return reverse("ballots_public:api_tally", args=[ready.evaluation.meeting_id])


def test_the_tally_is_404_for_a_township_secretary_and_for_anyone_signed_out(
    county, personas, client, client_for
):
    ready = make_ready(county)
    evaluation_close(evaluation=ready.evaluation)
    for visitor in (client_for("qingshi_secretary"), client_for("outsider"), client):
        response = visitor.get(tally_url(ready))
        assert response.status_code == 404
        assert_documented(response, TALLY, "get")
    missing = client_for("county_admin").get(
        reverse("ballots_public:api_tally", args=[ready.evaluation.meeting_id + 1000])
    )
    assert missing.status_code == 404


def test_the_tally_is_409_before_closing_and_200_after_for_the_county(county, personas, client_for):
    ready = make_ready(county, tokens_per_group=3)
    admin = client_for("county_admin")
    response = admin.get(tally_url(ready))
    assert response.status_code == 409
    assert_documented(response, TALLY, "get")
    for index in range(3):
        vote(ready, "县委常委", index, ["good", "fairly_good"])
    vote(ready, "党建工作领导小组成员", 0, ["poor", "good"], reasons=["推进不力", ""])
    evaluation_close(evaluation=ready.evaluation)
    for persona in ("county_admin", "county_viewer"):
        response = client_for(persona).get(tally_url(ready))
        assert response.status_code == 200
        assert_documented(response, TALLY, "get")
    data = response.json()
    assert data["ballots"] == 4
    first = data["results"][0]
    assert first["counts"] == {"good": 3, "fairly_good": 0, "average": 0, "poor": 1}
    assert first["satisfaction_rate"] == "0.7500" and first["poor_rate"] == "0.2500"
    # Both groups are withheld (3 ballots beside 1), so they count as one pooled group:
    # (100 + 100 + 100 + 0) / 4. Weighting them apart would give (30×100 + 20×0)/50 =
    # 60.00 and, with the shares known, give the lone ballot away.
    assert first["score"] == "75.00" and first["rank"] == 2
    groups = {g["name"]: g for g in first["groups"]}
    # The lone ballot's group is withheld, and so is 县委常委: shown beside it, its
    # figures would give the lone ballot away by subtraction from the totals.
    assert groups["县委常委"]["counts"] is None
    assert groups["党建工作领导小组成员"]["counts"] is None
    assert groups["党建工作领导小组成员"]["mean_points"] is None
    assert first["reasons"] == ["推进不力"]
    assert client_for("county_admin").post(tally_url(ready)).status_code == 405


def test_opening_after_a_draft_get_gives_the_form_its_reporters(county, personas, client):
    ready = make_ready(county, open_it=False)
    assert client.get(url(token_of(ready))).json()["reporters"] == []
    evaluation_open(evaluation=ready.evaluation)
    assert len(client.get(url(token_of(ready))).json()["reporters"]) == 2


# The OpenAPI document ------------------------------------------------------------------------

# Every (path, method, status) the views can answer with. A new status in the views
# must be added here and to openapi.json.
DOCUMENTED = {
    (BALLOT, "get", "200"),
    (BALLOT, "get", "404"),
    (BALLOT, "get", "429"),
    (BALLOT, "post", "200"),
    (BALLOT, "post", "201"),
    (BALLOT, "post", "400"),
    (BALLOT, "post", "404"),
    (BALLOT, "post", "409"),
    (BALLOT, "post", "413"),
    (BALLOT, "post", "422"),
    (BALLOT, "post", "429"),
    (BALLOT, "put", "405"),
    (BALLOT, "patch", "405"),
    (BALLOT, "delete", "405"),
    (TALLY, "get", "200"),
    (TALLY, "get", "404"),
    (TALLY, "get", "409"),
    (TALLY, "post", "405"),
    ("/api/v1/openapi.json", "get", "200"),
    ("/api/v1/openapi.json", "post", "405"),
}


def test_the_openapi_document_lists_every_path_method_and_status_of_the_views():
    doc = document()
    assert doc["openapi"].startswith("3.1")
    listed = {
        (path, method, status)
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
        for status in operation["responses"]
    }
    assert listed == DOCUMENTED


def test_every_reference_in_the_openapi_document_resolves():
    doc = document()
    text = json.dumps(doc)
    for target in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        node = doc
        for part in target.split("/"):
            node = node[part]


def test_the_openapi_document_is_served_as_json(client):
    response = client.get(reverse("ballots_public:openapi"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == document()
    assert client.post(reverse("ballots_public:openapi")).status_code == 405
