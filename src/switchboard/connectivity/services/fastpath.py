"""PostgreSQL only: the common accounting report — an interim update of an open session, same device, same network
— counted with a few set-based statements instead of loading each SIM into the ORM.

Everything else (starts, stops, a new device or network, a quota status that moves) goes through the general path in
`network`, inside the same transaction. All SIMs of the batch are locked here first, in id order, so concurrent
batches never deadlock between the two paths. The session's usage-record counters move in the same UPDATE: whether a
record is due is decided from the locked row before it, so a due record resets them there too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.utils import timezone

from switchboard.core.bulk import fetch

from ..contracts import ConnectivityStatus, QuotaStatus, ReportKind, Service, SessionReport, SimEventType
from ..models import Sim
from . import quotas
from ._common import month_of, record_event

_STATE = """
    SELECT s.id, s.imei, s.record_rx, s.record_tx, s.record_since,
        c.status, c.operator, c.mcc, c.mnc, c.country, c.rat, c.location, c.last_updated, c.session_started_at
    FROM connectivity_sim s LEFT JOIN connectivity_simconnectivity c ON c.sim_id = s.id
    WHERE s.id = ANY(%s) ORDER BY s.id FOR UPDATE OF s
"""
_COUNT = """
    UPDATE connectivity_sim AS s SET
        data_remaining = GREATEST(s.data_remaining - v.rx - v.tx, 0),
        month_data = CASE WHEN s.usage_month = v.month THEN s.month_data + v.rx + v.tx ELSE v.rx + v.tx END,
        month_sms_mo = CASE WHEN s.usage_month = v.month THEN s.month_sms_mo ELSE 0 END,
        month_sms_mt = CASE WHEN s.usage_month = v.month THEN s.month_sms_mt ELSE 0 END,
        usage_month = v.month,
        record_rx = CASE WHEN v.recorded THEN 0 ELSE s.record_rx + v.rx END,
        record_tx = CASE WHEN v.recorded THEN 0 ELSE s.record_tx + v.tx END,
        record_since = v.since,
        updated_at = %s
    FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::date[], %s::boolean[], %s::timestamptz[])
        AS v(id, rx, tx, month, recorded, since)
    WHERE s.id = v.id
    RETURNING s.id, s.organisation_id, s.status, s.activation_date, s.lifetime_end, s.data_total, s.data_remaining,
        s.data_status, s.usage_month, s.month_data, s.month_sms_mo, s.month_sms_mt, v.rx + v.tx
"""


class _Live(NamedTuple):
    """A batch's SIM as the fast path reads it, locked."""

    id: int
    imei: str
    record_rx: int
    record_tx: int
    record_since: datetime | None
    status: str | None
    operator: str | None
    mcc: str | None
    mnc: str | None
    country: str | None
    rat: str | None
    location: Any
    last_updated: datetime | None
    session_started_at: datetime | None


@dataclass(slots=True)
class Quota:
    """A SIM's data quota as the UPDATE left it: what the session's fate depends on."""

    pk: int
    organisation_id: int
    status: str
    activation_date: datetime | None
    lifetime_end: datetime | None
    data_total: int
    data_remaining: int
    data_status: int
    usage_month: date
    month_data: int
    month_sms_mo: int
    month_sms_mt: int
    used: int


@dataclass(frozen=True, slots=True)
class Window:
    """A session's usage record that became due: its bytes from `start` to `end`."""

    sim_id: int
    start: datetime
    end: datetime
    rx: int
    tx: int


@dataclass
class Counted:
    quotas: dict[int, Quota]  # the SIMs counted here
    daily: dict[tuple[int, date], list[int]]
    monthly: dict[tuple[int, date], list[int]]
    slow: list[int]  # indexes of the reports left to the general path
    windows: list[Window]  # the usage records due, their counters reset already


def _same_network(row: _Live, report: SessionReport, device: str) -> bool:
    info = report.info
    if row.status != ConnectivityStatus.ONLINE or (device and device != row.imei):
        return False
    seen_and_sent = (
        (row.operator, info.operator),
        (row.mcc, info.mcc),
        (row.mnc, info.mnc),
        (row.country, info.country),
    )
    for seen, sent in seen_and_sent:
        if sent and sent != seen:
            return False
    if info.rat and info.rat != row.rat:
        return False
    if info.location:
        stored = json.loads(row.location) if isinstance(row.location, str) else row.location
        return stored == info.location
    return True


def count(
    reports: Sequence[SessionReport],
    device_of: Callable[[str], str],
    fresh: timedelta,
    record_due: Callable[[int, datetime, datetime], bool],
) -> Counted:
    """Count the plain interim updates of the batch; the others are returned for the general path.

    `record_due(bytes, since, at)` says whether a session's usage record is due."""
    rows = {row[0]: _Live(*row) for row in fetch(_STATE, [sorted({r.sim_id for r in reports})])}
    plain: dict[int, bool] = {}
    for report in reports:
        row = rows.get(report.sim_id)
        ok = (
            row is not None
            and report.kind is ReportKind.INTERIM
            and report.info is not None
            and _same_network(row, report, device_of(report.info.imei))
        )
        plain[report.sim_id] = plain.get(report.sim_id, True) and ok
    received: dict[int, int] = defaultdict(int)
    sent: dict[int, int] = defaultdict(int)
    last: dict[int, datetime] = {}
    daily: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    slow = []
    for index, report in enumerate(reports):
        if not plain[report.sim_id]:
            slow.append(index)
            continue
        received[report.sim_id] += report.rx
        sent[report.sim_id] += report.tx
        last[report.sim_id] = max(last.get(report.sim_id, report.at), report.at)
        totals = daily[(report.sim_id, timezone.localdate(report.at))]
        totals[0] += report.rx
        totals[1] += report.tx
    counted = Counted({}, daily, defaultdict(lambda: [0, 0]), slow, [])
    if not last:
        return counted
    ids = sorted(last)
    months = [month_of(timezone.localdate(last[pk])) for pk in ids]
    windows = [_window(rows[pk], received[pk], sent[pk], last[pk]) for pk in ids]
    recorded = [record_due(w.rx + w.tx, w.start, w.end) for w in windows]
    counted.windows = [w for w, due in zip(windows, recorded, strict=True) if due]
    since = [w.end if due else w.start for w, due in zip(windows, recorded, strict=True)]
    rx, tx = [received[pk] for pk in ids], [sent[pk] for pk in ids]
    rows_counted = fetch(_COUNT, [max(last.values()), ids, rx, tx, months, recorded, since])
    counted.quotas = {row[0]: Quota(*row) for row in rows_counted}
    organisation_of = {pk: quota.organisation_id for pk, quota in counted.quotas.items()}
    for (pk, day), (rx, tx) in daily.items():
        totals = counted.monthly[(organisation_of[pk], month_of(day))]
        totals[0] += rx
        totals[1] += tx
    fresh_after = max(last.values()) - fresh
    stale = [pk for pk in ids if rows[pk].last_updated is None or rows[pk].last_updated < fresh_after]
    if stale:
        sql = "UPDATE connectivity_simconnectivity SET last_updated = %s WHERE sim_id = ANY(%s)"
        fetch(sql, [max(last.values()), stale], rows=False)
    return counted


def _window(row: _Live, rx: int, tx: int, end: datetime) -> Window:
    """The session's use since its last usage record (or its start), this batch included."""
    start = row.record_since or row.session_started_at or end
    return Window(row.id, start, end, row.record_rx + rx, row.record_tx + tx)


def settle(counted: Counted, limits: dict[int, dict[Service, int]], at: datetime) -> None:
    """The rare SIMs whose quota status moved or whose monthly limit was crossed: events and status through the
    ORM, as the general path does it."""
    for quota in counted.quotas.values():
        limit = limits.get(quota.organisation_id, {}).get(Service.DATA)
        crossed = limit is not None and quota.month_data >= limit > quota.month_data - quota.used
        moved = QuotaStatus.of(quota.data_remaining, quota.data_total) != quota.data_status
        if not (crossed or moved):
            continue
        sim = Sim.objects.get(pk=quota.pk)  # locked already
        if moved:
            quotas.set_status(sim, "data", at)
            quota.data_status = sim.data_status
        if crossed:
            record_event(sim, SimEventType.MONTHLY_LIMIT_REACHED, at=at, detail={"service": "data", "limit": limit})
        sim.save(update_fields=["data_status", "data_status_changed_at", "data_threshold_at", "data_exhausted_at"])
