"""The pages a voter reaches without an account: the ballot page of a token, opened
from the QR code on the slip, and the published list of receipts.

Neither page uses the session, the user or a CSRF token, so neither sets a cookie:
they are rendered without the request (no context processors run). The ballot page
is a small standalone page (ballots/phone.html, phone.css, phone.js) for old phone
browsers and in-app WebViews on poor venue Wi-Fi; the ballot itself goes to the JSON
API (api.py), which the page's script calls.

Both pages are sent gzip-compressed to browsers that accept it: a form of 60
reporters is mostly repeated button markup and shrinks about tenfold. Neither page
holds a secret that a reflected input could be compared against (BREACH): the ballot
page reflects nothing but its own token, which is its address.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.gzip import gzip_page

from debrief.ballots import ratelimit
from debrief.ballots.codes import normalize_token
from debrief.ballots.models import Evaluation, EvaluationStatus
from debrief.ballots.payloads import form_reporters, max_good_count, receipts_url, scale
from debrief.ballots.services import MAX_REASON_LENGTH, TokenNotFound, ballot_form
from debrief.ballots.tally import receipts

# The state of a ballot page, as the template and phone.js name it.
UNKNOWN, BUSY, DRAFT, OPEN, CLOSED, VOTED = "unknown", "busy", "draft", "open", "closed", "voted"


def _page(template: str, context: dict[str, object], *, status: int = 200) -> HttpResponse:
    response = HttpResponse(render_to_string(template, context), status=status)
    response["Cache-Control"] = "no-store"
    # The address carries the ballot token: send it to no one, not even as a referrer.
    response["Referrer-Policy"] = "no-referrer"
    return response


@gzip_page
def phone(request: HttpRequest, token: str) -> HttpResponse:
    """The ballot page of `token` (GET /v/<token>)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    context: dict[str, object] = {"state": UNKNOWN, "max_reason_length": MAX_REASON_LENGTH}
    status = 200
    verdict = ratelimit.hit(token, scope="page")
    if not verdict.allowed:
        context.update(state=BUSY, retry_after=verdict.retry_after)
        response = _page("ballots/phone.html", context, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    try:
        form = ballot_form(token=token)
    except TokenNotFound:
        return _page("ballots/phone.html", context, status=404)
    evaluation = form.evaluation
    canonical = normalize_token(token) or token
    if form.voted:
        state = VOTED
    elif evaluation.status == EvaluationStatus.OPEN:
        state = OPEN
    elif evaluation.status == EvaluationStatus.CLOSED:
        state = CLOSED
    else:
        state = DRAFT
    context.update(
        state=state,
        token=canonical,
        api_url=reverse("ballots_public:api_ballot", args=[canonical]),
        receipts_url=receipts_url(evaluation),
        meeting=evaluation.meeting,
        group=form.token.group,
        evaluation=evaluation,
    )
    if state == OPEN:
        reporters = form_reporters(evaluation)
        context.update(
            reporters=reporters,
            scale=scale(evaluation),
            items=list(evaluation.items.all()),
            max_good=max_good_count(evaluation, len(reporters)),
        )
    return _page("ballots/phone.html", context, status=status)


@gzip_page
def receipts_page(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    """Every counted receipt of a closed evaluation, with a search box (public)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    evaluation = (
        Evaluation.objects.select_related("meeting")
        .filter(meeting_id=meeting_pk, status=EvaluationStatus.CLOSED)
        .first()
    )
    if evaluation is None:
        raise Http404
    codes = receipts(evaluation)
    raw_query = request.GET.get("q", "")[:40]
    query = raw_query.strip().upper().replace("-", "").replace(" ", "")
    return _page(
        "ballots/receipts.html",
        {
            "meeting": evaluation.meeting,
            "receipts": codes,
            "query": raw_query.strip(),
            "normalized": query,
            "found": bool(query) and query in set(codes),
        },
    )
