"""Helpers for the tests of the pages and the API.

- The tests run with the production security settings, where plain HTTP is
  redirected to HTTPS: `HttpsClient` makes every request over HTTPS.
- Templates use {% static %}; without `collectstatic` there is no manifest, so pages
  are rendered with the plain static storage.
- Every test builds six accounts; a fast password hasher keeps that cheap.
- The request limit counts in the cache; each test starts with an empty one.

Fixtures are registered by name (`client`, `host_client`, ...): a test module imports
the functions below, and pytest finds them there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from debrief.ballots import ratelimit
from debrief.ballots.services import ballot_submit


class HttpsClient(Client):
    def generic(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["secure"] = True
        return super().generic(*args, **kwargs)


@pytest.fixture(autouse=True, name="_web_settings")
def web_settings_fixture(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True, name="_fresh_cache")
def fresh_cache_fixture() -> Iterator[None]:
    cache.clear()
    ratelimit.reset()
    yield
    cache.clear()
    ratelimit.reset()


@pytest.fixture(name="client")
def client_fixture() -> HttpsClient:
    return HttpsClient()


@pytest.fixture(name="client_for")
def client_for_fixture(personas: Any) -> Any:
    """client_for("county_admin"): an HTTPS client signed in as that persona."""

    def make(persona: str) -> HttpsClient:
        client = HttpsClient()
        client.force_login(getattr(personas, persona))
        return client

    return make


def vote(ready: Any, group: str, index: int, grades: list[str], reasons: list[str] | None = None):
    """Cast the ballot of token `index` of `group`, one grade per reporter."""
    ratings = [
        {"reporter": pk, "grade": grade, **({"reason": reasons[n]} if reasons else {})}
        for n, (pk, grade) in enumerate(zip(ready.reporter_ids, grades, strict=True))
    ]
    return ballot_submit(
        token=ready.tokens[group][index], ballot_id=str(uuid.uuid4()), ratings=ratings
    )
