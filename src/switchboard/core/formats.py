"""Date formats of the 1NCE-compatible API, shared by every app that serves part of it (reference §5.8)."""

from __future__ import annotations

from datetime import UTC, datetime


def _utc_millis(at: datetime | None, zone: str) -> str | None:
    if at is None:
        return None
    utc = at.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}{zone}"


def v1_timestamp(at: datetime | None) -> str | None:
    """`2018-03-09T07:59:09.000+0000`, as 1NCE's v1 writes every date."""
    return _utc_millis(at, "+0000")


def v2_timestamp(at: datetime | None) -> str | None:
    return _utc_millis(at, "Z")


def plain_datetime(at: datetime | None) -> str | None:
    """`2018-11-06 08:40:10`, as in 1NCE's SMS forwarder."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S}" if at is not None else None
