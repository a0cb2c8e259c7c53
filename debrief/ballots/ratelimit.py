"""A small request limit per ballot token.

Keyed by the token, never by the client address: at a venue hundreds of phones reach
the server through one NAT address, and limiting that address would stop the room.

With the default cache (LocMemCache) every worker process counts for itself, in a
dictionary of its own (the same as LocMemCache would keep, without its key checks and
pickling on every request), so the limit is per worker process: with four workers a
token may make up to four times as many requests. That is enough for its purpose,
which is to stop one token from being hammered (a stuck retry loop, a script). It is
not what protects against guessing tokens: a token carries 70 random bits, and a
guesser would hit a fresh bucket with every guess anyway. Configure a shared cache
(CACHES) to make the limit exact across workers.

The window is fixed (one per minute); a client that is refused is told, in
Retry-After, how many seconds remain until the window ends.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from debrief.ballots.codes import normalize_token

REQUESTS_PER_WINDOW = 30
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends (0 when allowed)


def _key(scope: str, token: str, window: int) -> str:
    # The typed and the scanned forms of a token share a bucket; the cache key holds
    # a hash, not the token (a cache is no place for ballot tokens).
    canonical = normalize_token(token) or token[:64]
    digest = hashlib.sha256(f"{scope}:{canonical}".encode()).hexdigest()[:32]
    return f"ballots:rate:{digest}:{window}"


def hit(
    token: str,
    *,
    scope: str = "api",
    limit: int = REQUESTS_PER_WINDOW,
    window_seconds: int = WINDOW_SECONDS,
    now: float | None = None,
) -> Verdict:
    """Count one request for `token`; refuse it when the window's limit is spent."""
    moment = time.time() if now is None else now
    window = int(moment // window_seconds)
    key = _key(scope, token, window)
    if _process_local():
        count = _count_here(key, window)
    else:
        # add() is a no-op when the key exists; incr() is atomic in the shared
        # backends (Redis, Memcached).
        cache.add(key, 0, timeout=window_seconds + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window_seconds + 1)
            count = 1
    if count <= limit:
        return Verdict(True, 0)
    remaining = (window + 1) * window_seconds - moment
    return Verdict(False, max(1, math.ceil(remaining)))


def _process_local() -> bool:
    return str(settings.CACHES["default"]["BACKEND"]).endswith(".LocMemCache")


# Counts of this process: {(window, key): requests}. Older windows are dropped when a
# newer one starts; a flood of made-up tokens is capped.
_counts: dict[tuple[int, str], int] = {}
_newest = [0]
_lock = threading.Lock()
MAX_COUNTED = 100_000


def _count_here(key: str, window: int) -> int:
    with _lock:
        if window > _newest[0]:
            for stale in [k for k in _counts if k[0] < window]:
                del _counts[stale]
            _newest[0] = window
        if len(_counts) >= MAX_COUNTED:
            _counts.clear()
        count = _counts[(window, key)] = _counts.get((window, key), 0) + 1
        return count


def reset() -> None:
    """Forget every count (for tests)."""
    with _lock:
        _counts.clear()
        _newest[0] = 0
