"""Settings for the accounts tests.

- They run with the production security settings, where every plain-HTTP request is
  redirected to HTTPS; so the test client speaks HTTPS (see https.py).
- Templates use {% static %}; without `collectstatic` there is no manifest, so pages
  are rendered with the plain static storage.
- Every test builds six accounts (conftest.personas); the production password hasher
  would spend most of the run hashing, so a fast one is used. Password *validation*
  is unaffected.
"""

from typing import Any

import pytest

from debrief.accounts.tests.https import HttpsClient


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def client() -> HttpsClient:
    return HttpsClient()
