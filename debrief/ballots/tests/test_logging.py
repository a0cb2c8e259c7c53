"""Ballot tokens never reach the logs: Django logs the path of every 4xx/5xx answer
(django.request) and every request line (django.server, the development server)."""

import logging
import uuid

import pytest
from django.urls import reverse

from debrief.ballots.logging import BallotTokenFilter, mask_tokens
from debrief.ballots.tests.conftest import all_good, make_ready
from debrief.ballots.tests.web import (  # noqa: F401
    HttpsClient,
    client_fixture,
    fresh_cache_fixture,
    web_settings_fixture,
)


def _messages(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records]


@pytest.mark.django_db
def test_a_404_on_a_ballot_page_is_logged_without_the_token(county, personas, client, caplog):
    make_ready(county, tokens_per_group=1)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("ballots_public:phone", args=["ABCD2345EFGH67"]))
    assert response.status_code == 404
    messages = _messages(caplog)
    assert "Not Found: /v/<token>" in messages
    assert not any("ABCD2345EFGH67" in m for m in messages)


@pytest.mark.django_db
def test_a_409_on_the_api_is_logged_without_the_token(county, personas, client, caplog):
    ready = make_ready(county, tokens_per_group=1)
    token = ready.tokens["县委常委"][0]
    address = reverse("ballots_public:api_ballot", args=[token])

    def post():
        return client.post(
            address,
            data={"ballot_id": str(uuid.uuid4()), "ratings": all_good(ready)},
            content_type="application/json",
        )

    assert post().status_code == 201
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert post().status_code == 409
    messages = _messages(caplog)
    assert "Conflict: /api/v1/ballot/<token>" in messages
    assert not any(token in m for m in messages)


def test_the_filter_is_on_the_request_and_server_loggers_and_the_console():
    for name in ("django.request", "django.server"):
        assert any(isinstance(f, BallotTokenFilter) for f in logging.getLogger(name).filters)
    handlers = logging.getLogger().handlers + logging.getLogger("django.server").handlers
    assert any(isinstance(f, BallotTokenFilter) for h in handlers for f in h.filters)


def test_a_development_server_request_line_is_masked():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("POST /api/v1/ballot/ABCD2345EFGH67 HTTP/1.1", "409", "120"),
        None,
    )
    assert BallotTokenFilter().filter(record)
    assert record.getMessage() == '"POST /api/v1/ballot/<token> HTTP/1.1" 409 120'


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Not Found: /v/ABCD2345EFGH67", "Not Found: /v/<token>"),
        ("GET /v/abcd-2345-efgh-67?x=1 HTTP/1.1", "GET /v/<token>?x=1 HTTP/1.1"),
        ("/api/v1/ballot/ABCD%2D2345EFGH67", "/api/v1/ballot/<token>"),
        ("/v/receipts/12/", "/v/receipts/12/"),
        ("/api/v1/meetings/3/tally", "/api/v1/meetings/3/tally"),
        ("/api/v1/openapi.json", "/api/v1/openapi.json"),
    ],
)
def test_only_the_token_part_of_ballot_paths_is_masked(text, masked):
    assert mask_tokens(text) == masked


def test_the_filter_masks_the_message_and_mapping_arguments_and_drops_nothing():
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "at /v/ABCD2345EFGH67 %(p)s", None, None
    )
    record.args = {"p": "/api/v1/ballot/ABCD2345EFGH67"}
    assert BallotTokenFilter().filter(record)
    assert record.getMessage() == "at /v/<token> /api/v1/ballot/<token>"
