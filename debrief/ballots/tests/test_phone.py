"""The ballot page a voter opens from the QR code: no login, no cookie, small, and
written for old phone browsers."""

import datetime
import gzip
import re
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from debrief.ballots.services import ballot_submit, evaluation_close
from debrief.ballots.tests.conftest import all_good, make_ready
from debrief.ballots.tests.web import (  # noqa: F401
    client_fixture,
    fresh_cache_fixture,
    web_settings_fixture,
)
from debrief.orgs.models import Field, Level
from debrief.orgs.services import org_create
from debrief.people.models import Gender, Person, Title
from debrief.people.services import post_assign

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parent.parent / "static" / "ballots"
PAGE_BUDGET = 60 * 1024


def page_url(token: str) -> str:
    return reverse("ballots_public:phone", args=[token])


def first_token(ready) -> str:
    return ready.tokens["县委常委"][0]


def in_english(client):
    """Ask for the English pages: for a test that matches the English text of a page
    (pages speak Chinese by default; see debrief/front/tests/test_translations.py)."""
    client.cookies["django_language"] = "en"
    return client


def test_the_ballot_page_opens_without_login_and_sets_no_cookie(county, personas, client):
    ready = make_ready(county)
    response = client.get(page_url(first_token(ready)))
    assert response.status_code == 200
    assert not response.cookies, response.cookies
    assert "Set-Cookie" not in response.headers
    assert not client.cookies
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "csrfmiddlewaretoken" not in html
    assert '<link rel="stylesheet"' in html and "front/" not in html  # not the big base


def test_the_page_has_four_grade_buttons_per_reporter_and_the_test_ids(county, personas, client):
    ready = make_ready(county)
    html = client.get(page_url(first_token(ready))).content.decode()
    for reporter in ready.reporter_ids:
        for grade in ("good", "fairly_good", "average", "poor"):
            assert f'data-testid="grade-{reporter}-{grade}"' in html
    for testid in ("rated-count", "submit-ballot", "receipt", "ballot-hint"):
        assert f'data-testid="{testid}"' in html
    assert re.search(r'data-testid="rated-count">0 / 2<', html)
    assert re.search(r'id="submit-ballot"[^>]*disabled', html)
    # The reporters appear in form order.
    positions = [html.index(f'data-reporter="{pk}"') for pk in ready.reporter_ids]
    assert positions == sorted(positions)
    assert 'data-require-all="1"' in html and 'data-max-good=""' in html
    assert f'data-api="{reverse("ballots_public:api_ballot", args=[first_token(ready)])}"' in html


def test_reason_boxes_and_item_buttons_appear_when_the_form_has_them(county, personas, client):
    ready = make_ready(county, reason_required_for_poor=True, items=["政治建设", "党建责任"])
    html = in_english(client).get(page_url(first_token(ready))).content.decode()
    reporter = ready.reporter_ids[0]
    assert 'id="reason-template"' in html and "Reason for poor (required)" in html
    assert 'data-reason-poor="1"' in html and 'data-items="2"' in html
    for item in ready.evaluation.items.values_list("pk", flat=True):
        for grade in ("good", "fairly_good", "average", "poor"):
            assert f'data-testid="item-{reporter}-{item}-{grade}"' in html


def test_a_form_without_items_shows_no_item_buttons(county, personas, client):
    ready = make_ready(county)
    html = client.get(page_url(first_token(ready))).content.decode()
    assert 'data-items="0"' in html and 'data-reason-poor="0"' in html
    assert 'data-testid="item-' not in html


def with_reporters(county, total: int, **setup):
    """An open evaluation whose form has `total` reporters (the county's two
    townships and `total - 2` more, each with a secretary)."""
    for n in range(total - 2):
        township = org_create(
            code=f"T9{n:02d}",
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
    ready = make_ready(county, tokens_per_group=1, **setup)
    assert len(ready.reporter_ids) == total
    return ready


def test_a_form_of_60_reporters_with_its_css_and_js_weighs_under_60_kb(county, personas, client):
    ready = with_reporters(county, 60)
    html = client.get(page_url(first_token(ready))).content
    css = (STATIC / "phone.css").read_bytes()
    js = (STATIC / "phone.js").read_bytes()
    total = len(html) + len(css) + len(js)
    assert total < PAGE_BUDGET, (len(html), len(css), len(js))


def test_a_form_of_60_reporters_and_3_items_transfers_under_60_kb_compressed(
    county, personas, client
):
    ready = with_reporters(county, 60, items=["政治建设", "党建责任落实", "基层治理"])
    response = client.get(page_url(first_token(ready)), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "grade-" in gzip.decompress(response.content).decode()
    # In production the static files are served compressed too (whitenoise).
    css = gzip.compress((STATIC / "phone.css").read_bytes())
    js = gzip.compress((STATIC / "phone.js").read_bytes())
    transferred = len(response.content) + len(css) + len(js)
    assert transferred < PAGE_BUDGET, (len(response.content), len(css), len(js))


def test_the_page_has_no_inline_script_or_style(county, personas, client):
    ready = make_ready(county, reason_required_for_poor=True, items=["政治建设"])
    html = client.get(page_url(first_token(ready))).content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attributes for attributes in scripts)
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_script_is_plain_es5_with_the_fallbacks_old_webviews_need():
    source = (STATIC / "phone.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    code = re.sub(r"//[^\n]*", "", code)
    for construct in ("=>", "?.", "`", "fetch(", "async ", "await "):
        assert construct not in code, construct
    assert not re.search(r"\b(let|const|class)\s", code)
    for needed in ("XMLHttpRequest", "localStorage", "randomUUID", "getRandomValues"):
        assert needed in code, needed
    # Retries back off 1, 2, 4, ... seconds up to 30.
    assert "Math.min(30, Math.pow(2, attempt))" in code


def test_an_unknown_token_says_the_code_is_not_valid(county, personas, client):
    make_ready(county)
    response = client.get(page_url("ABCD2345EFGH67"))
    assert response.status_code == 404
    assert 'data-testid="state-unknown"' in response.content.decode()
    assert not response.cookies


def test_a_used_token_says_so(county, personas, client):
    ready = make_ready(county)
    ballot_submit(token=first_token(ready), ballot_id=str(uuid.uuid4()), ratings=all_good(ready))
    html = client.get(page_url(first_token(ready))).content.decode()
    assert 'data-testid="state-voted"' in html
    assert 'data-state="voted"' in html
    assert "ballot-form" not in html


def test_a_not_yet_open_evaluation_says_so(county, personas, client):
    ready = make_ready(county, open_it=False)
    html = client.get(page_url(first_token(ready))).content.decode()
    assert 'data-testid="state-draft"' in html and "ballot-form" not in html


def test_a_closed_evaluation_says_so_and_links_the_receipts(county, personas, client):
    ready = make_ready(county)
    evaluation_close(evaluation=ready.evaluation)
    html = client.get(page_url(first_token(ready))).content.decode()
    assert 'data-testid="state-closed"' in html and "ballot-form" not in html
    assert reverse("ballots_public:receipts", args=[ready.evaluation.meeting_id]) in html


def test_a_page_reloaded_too_often_is_429(county, personas, client, settings):
    from debrief.ballots import ratelimit

    ready = make_ready(county, tokens_per_group=1)
    for _ in range(ratelimit.REQUESTS_PER_WINDOW):
        client.get(page_url(first_token(ready)))
    response = client.get(page_url(first_token(ready)))
    assert response.status_code == 429 and response["Retry-After"]
    # The page and the API count separately: the ballot can still be sent.
    api = reverse("ballots_public:api_ballot", args=[first_token(ready)])
    assert client.get(api).status_code == 200
