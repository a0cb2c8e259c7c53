"""A test client whose every request arrives over HTTPS.

The tests run with the production security settings, where a plain-HTTP request is
redirected to HTTPS (SECURE_SSL_REDIRECT). Note that `Client(secure=True)` does NOT do
this: `secure` is a per-request argument, and a constructor keyword only becomes a
WSGI environ default that each request's own `secure=False` overrides.
"""

from __future__ import annotations

from typing import Any

from django.test import Client


class HttpsClient(Client):
    def generic(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["secure"] = True
        return super().generic(*args, **kwargs)
