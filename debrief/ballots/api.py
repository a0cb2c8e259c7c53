"""The HTTP API of the democratic evaluation (JSON), described in openapi.json.

- `GET/POST /api/v1/ballot/<token>`: the phone's form and the ballot. Authenticated
  by the token in the address alone: no cookies, no session, so CSRF protection does
  not apply (`csrf_exempt`), and requests are limited per token (ratelimit.py).
- `GET /api/v1/meetings/<id>/tally`: the results of a closed evaluation, for users who
  can see the whole cycle (everyone else gets 404, as elsewhere in the product).
- `GET /api/v1/openapi.json`: the description of the above.

The rules and the exactly-once recording are debrief.ballots.services'; a refused
ballot arrives as a BallotError carrying its HTTP status and machine-readable code.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from debrief.ballots import ratelimit
from debrief.ballots.models import Evaluation, EvaluationStatus
from debrief.ballots.payloads import form_payload, tally_payload
from debrief.ballots.services import BallotError, ballot_form, ballot_submit
from debrief.ballots.tally import tally
from debrief.cycles.access import can_see_whole_cycle
from debrief.meetings.models import Meeting

MAX_BODY_BYTES = 64 * 1024
OPENAPI_PATH = Path(__file__).with_name("openapi.json")


def error_response(
    status: int,
    code: str,
    message: str,
    errors: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """Every error of the API has this shape: {"error", "message", "errors"}."""
    return _json(
        {"error": code, "message": str(message), "errors": [str(e) for e in errors or []]},
        status=status,
        headers=headers,
    )


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse(
        data, status=status, json_dumps_params={"ensure_ascii": False}, headers=headers
    )
    # Ballot answers are personal and change; no cache may keep them.
    response["Cache-Control"] = "no-store"
    return response


def _method_not_allowed(allowed: list[str]) -> JsonResponse:
    return error_response(
        405,
        "method_not_allowed",
        _("Use %(methods)s.") % {"methods": " or ".join(allowed)},
        headers={"Allow": ", ".join(allowed)},
    )


def _ballot_error(error: BallotError) -> JsonResponse:
    return error_response(error.status, error.code, error.message, error.errors)


def too_many_requests(retry_after: int) -> JsonResponse:
    return error_response(
        429,
        "rate_limited",
        _("Too many requests for this ballot code. Try again in %(s)d seconds.")
        % {"s": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


@csrf_exempt
def ballot(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the ballot form of `token`. POST: record a ballot (idempotent per ballot id)."""
    if request.method not in ("GET", "POST"):
        return _method_not_allowed(["GET", "POST"])
    verdict = ratelimit.hit(token)
    if not verdict.allowed:
        return too_many_requests(verdict.retry_after)
    if request.method == "GET":
        try:
            form = ballot_form(token=token)
        except BallotError as error:
            return _ballot_error(error)
        return _json(form_payload(form))
    return _submit(request, token)


def _too_large() -> JsonResponse:
    return error_response(
        413,
        "too_large",
        _("The ballot is larger than %(kb)d KB.") % {"kb": MAX_BODY_BYTES // 1024},
    )


def _submit(request: HttpRequest, token: str) -> HttpResponse:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return _too_large()
    try:
        body = request.body
    except RequestDataTooBig:
        return _too_large()
    if len(body) > MAX_BODY_BYTES:
        return _too_large()
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser follows ("[[[[…").
        return error_response(400, "bad_request", _("The request body is not valid JSON."))
    if not isinstance(data, dict):
        return error_response(
            400, "bad_request", _("The request body must be a JSON object with “ratings”.")
        )
    try:
        recorded = ballot_submit(
            token=token, ballot_id=str(data.get("ballot_id")), ratings=data.get("ratings")
        )
    except BallotError as error:
        return _ballot_error(error)
    return _json(
        {
            "receipt": recorded.receipt,
            "receipts_url": reverse("ballots_public:receipts", args=[recorded.meeting_id]),
        },
        status=201 if recorded.created else 200,
    )


def meeting_tally(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    """The tally of a meeting's closed evaluation (GET)."""
    if request.method != "GET":
        return _method_not_allowed(["GET"])
    meeting = Meeting.objects.select_related("cycle__host").filter(pk=meeting_pk).first()
    if (
        meeting is None
        or not request.user.is_authenticated
        or not can_see_whole_cycle(request.user, meeting.cycle)
    ):
        return error_response(404, "not_found", _("No such meeting."))
    evaluation = Evaluation.objects.filter(meeting=meeting).first()
    if evaluation is None:
        return error_response(404, "no_evaluation", _("This meeting has no evaluation."))
    if evaluation.status != EvaluationStatus.CLOSED:
        return error_response(
            409, "not_closed", _("Results stay hidden until the evaluation is closed.")
        )
    evaluation.meeting = meeting
    return _json(tally_payload(tally(evaluation), evaluation))


@cache
def _openapi_text() -> bytes:
    return OPENAPI_PATH.read_bytes()


def openapi(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3.1 description of this API."""
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed(["GET"])
    return HttpResponse(_openapi_text(), content_type="application/json")
