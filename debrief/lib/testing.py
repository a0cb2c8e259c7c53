"""Test helpers shared by every app's tests."""

from __future__ import annotations

from typing import Any

from django.test import Client


class HttpsClient(Client):
    """A test client whose every request arrives over HTTPS.

    Tests run with the production security settings, where plain HTTP is redirected
    to HTTPS. `Client(secure=True)` does not help: `secure` is a per-request argument
    that each request's own default (False) overrides.
    """

    def generic(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["secure"] = True
        return super().generic(*args, **kwargs)
