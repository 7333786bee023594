"""Fixed-window counters in the shared cache, for login throttling and the per-client API rate limit."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'600/60' means 600 hits per 60 seconds."""
        limit, _, window = text.partition("/")
        return cls(int(limit), int(window or 1))


def _key(scope: str, subject: str, window_start: int) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}:{window_start}"


def _window(rate: Rate) -> tuple[int, int]:
    now = int(time.time())
    start = now - now % rate.window
    return start, start + rate.window - now


def hit(scope: str, subject: str, rate: Rate) -> int | None:
    """Count one hit; return seconds to wait when the limit is exceeded, else None."""
    start, remaining = _window(rate)
    key = _key(scope, subject, start)
    cache.add(key, 0, rate.window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, rate.window + 1)
        count = 1
    return remaining if count > rate.limit else None


def exceeded(scope: str, subject: str, rate: Rate) -> int | None:
    """Seconds to wait if the subject is over its limit, without counting a hit."""
    start, remaining = _window(rate)
    count = cache.get(_key(scope, subject, start), 0)
    return remaining if count >= rate.limit else None


def reset(scope: str, subject: str, rate: Rate) -> None:
    start, _ = _window(rate)
    cache.delete(_key(scope, subject, start))
