"""A logging filter that keeps ballot tokens out of the logs.

A ballot token is the address of its ballot page (`/v/<token>`) and of its API
endpoint (`/api/v1/ballot/<token>`), so every line that names the path would carry
the token: Django's `django.request` logger writes "Not Found: /v/…" and
"Conflict: /api/v1/ballot/…", the development server's `django.server` logger writes
the request line. Whoever reads the log could then vote with an unused token, or tie
a token to the time and address of its ballot. `BallotTokenFilter` replaces the token
in those paths with `<token>`, in the record's message and in its arguments.

It is attached in settings.LOGGING to the `django.request` and `django.server`
loggers (so every handler, even one configured elsewhere, gets the masked record)
and to the console handler. The access logs of gunicorn and of the reverse proxy are
outside Django: see "Logs" in docs/operator-guide.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

MASK = "<token>"

# /v/<token> (but not /v/receipts/…) and /api/v1/ballot/<token>; the token runs to
# the next slash, query, fragment, space or quote. Percent-encoded or
# dash-separated tokens are masked as well.
_TOKEN_PATH = re.compile(r"(/v/(?!receipts(?:/|\b))|/api/v1/ballot/)[^/?#\s\"'<>]+")


def mask_tokens(text: str) -> str:
    """`text` with the token of every ballot path replaced by `<token>`."""
    return _TOKEN_PATH.sub(rf"\g<1>{MASK}", text)


def _mask(value: Any) -> Any:
    return mask_tokens(value) if isinstance(value, str) else value


class BallotTokenFilter(logging.Filter):
    """Masks ballot tokens in a record's message and arguments; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_tokens(record.msg)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_mask(a) for a in args)
        elif isinstance(args, Mapping):
            record.args = {k: _mask(v) for k, v in args.items()}
        # django.server passes the request line as an argument; a record that has been
        # formatted already (by another handler) keeps its text in `message`.
        if isinstance(getattr(record, "message", None), str):
            record.message = mask_tokens(record.message)
        return True
