"""PostgreSQL only: the common accounting report — an interim update of an open session, same device, same network
— counted with a few set-based statements instead of loading each SIM into the ORM.

Everything else (starts, stops, a new device or network, a quota status that moves) goes through the general path in
`network`, inside the same transaction. All SIMs of the batch are locked here first, in id order, so concurrent
batches never deadlock between the two paths.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from switchboard.core.bulk import fetch

from ..contracts import ConnectivityStatus, QuotaStatus, ReportKind, Service, SessionReport, SimEventType
from ..models import Sim
from . import quotas
from ._common import month_of, record_event

_STATE = """
    SELECT s.id, s.imei, c.status, c.operator, c.mcc, c.mnc, c.country, c.rat, c.location, c.last_updated
    FROM connectivity_sim s LEFT JOIN connectivity_simconnectivity c ON c.sim_id = s.id
    WHERE s.id = ANY(%s) ORDER BY s.id FOR UPDATE OF s
"""
_COUNT = """
    UPDATE connectivity_sim AS s SET
        data_remaining = GREATEST(s.data_remaining - v.used, 0),
        month_data = CASE WHEN s.usage_month = v.month THEN s.month_data + v.used ELSE v.used END,
        month_sms_mo = CASE WHEN s.usage_month = v.month THEN s.month_sms_mo ELSE 0 END,
        month_sms_mt = CASE WHEN s.usage_month = v.month THEN s.month_sms_mt ELSE 0 END,
        usage_month = v.month,
        updated_at = %s
    FROM unnest(%s::bigint[], %s::bigint[], %s::date[]) AS v(id, used, month)
    WHERE s.id = v.id
    RETURNING s.id, s.organisation_id, s.status, s.activation_date, s.lifetime_end, s.data_total, s.data_remaining,
        s.data_status, s.usage_month, s.month_data, s.month_sms_mo, s.month_sms_mt, v.used
"""


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


@dataclass
class Counted:
    quotas: dict[int, Quota]  # the SIMs counted here
    daily: dict[tuple[int, date], list[int]]
    monthly: dict[tuple[int, date], list[int]]
    slow: list[int]  # indexes of the reports left to the general path


def _same_network(row: tuple, report: SessionReport, device: str) -> bool:
    _id, imei, status, operator, mcc, mnc, country, rat, location, _updated = row
    info = report.info
    if status != ConnectivityStatus.ONLINE or (device and device != imei):
        return False
    for seen, sent in ((operator, info.operator), (mcc, info.mcc), (mnc, info.mnc), (country, info.country)):
        if sent and sent != seen:
            return False
    if info.rat and info.rat != rat:
        return False
    if info.location:
        stored = json.loads(location) if isinstance(location, str) else location
        return stored == info.location
    return True


def count(reports: Sequence[SessionReport], device_of, fresh: timedelta) -> Counted:
    """Count the plain interim updates of the batch; the others are returned for the general path."""
    rows = {row[0]: row for row in fetch(_STATE, [sorted({r.sim_id for r in reports})])}
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
    used: dict[int, int] = defaultdict(int)
    last: dict[int, datetime] = {}
    daily: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    slow = []
    for index, report in enumerate(reports):
        if not plain[report.sim_id]:
            slow.append(index)
            continue
        used[report.sim_id] += report.rx + report.tx
        last[report.sim_id] = max(last.get(report.sim_id, report.at), report.at)
        totals = daily[(report.sim_id, timezone.localdate(report.at))]
        totals[0] += report.rx
        totals[1] += report.tx
    counted = Counted({}, daily, defaultdict(lambda: [0, 0]), slow)
    if not used:
        return counted
    ids = sorted(used)
    months = [month_of(timezone.localdate(last[pk])) for pk in ids]
    rows_counted = fetch(_COUNT, [max(last.values()), ids, [used[pk] for pk in ids], months])
    counted.quotas = {row[0]: Quota(*row) for row in rows_counted}
    organisation_of = {pk: quota.organisation_id for pk, quota in counted.quotas.items()}
    for (pk, day), (rx, tx) in daily.items():
        totals = counted.monthly[(organisation_of[pk], month_of(day))]
        totals[0] += rx
        totals[1] += tx
    fresh_after = max(last.values()) - fresh
    stale = [pk for pk in ids if rows[pk][9] is None or rows[pk][9] < fresh_after]
    if stale:
        sql = "UPDATE connectivity_simconnectivity SET last_updated = %s WHERE sim_id = ANY(%s)"
        fetch(sql, [max(last.values()), stale], rows=False)
    return counted


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
