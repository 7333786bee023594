"""What the network side (the RADIUS AAA, the SMSC adapters) calls: authorise, and record sessions and usage.

The AAA hands over whole batches (group commit): one transaction per batch, the SIM rows locked in id order so
concurrent batches never deadlock and the packets of one SIM are counted one after the other. The hot path costs a
constant number of statements per batch, the SIM events and usage records included.

Usage records (the data streams' "connectivity.usage.data", after 1NCE's Data Streamer): the bytes of the open
session are added up on the SIM row; a record goes out on an interim update once at least RECORD_BYTES were used
and RECORD_EVERY passed since the session began or since its last record, and one when the session stops. A stop
of a session that used nothing and had no record before sends none: there is no use to report, and a session that
had records still gets its closing one, at zero bytes if need be. A start that finds bytes of a session whose stop
never came (or a detach without a stop) closes that session's record first.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.core.bulk import insert_or_add, update_rows
from switchboard.core.errors import ValidationFailed
from switchboard.events.services import emit_many

from .. import identifiers
from ..contracts import (
    AccessRequest,
    ConnectivityStatus,
    Decision,
    FailureCause,
    QuotaStatus,
    ReportKind,
    Service,
    SessionInfo,
    SessionReport,
    SimEventType,
    SimStatus,
    SmsDirection,
    UsageOutcome,
)
from ..events import DATA_USAGE
from ..models import DailyUsage, MonthlyUsage, Sim, SimConnectivity
from . import fastpath, quotas
from ._common import collecting_events, month_of, record_event

SMS_SERVICE = {SmsDirection.MO: Service.SMS_MO, SmsDirection.MT: Service.SMS_MT}


# What the AAA's hot path reads of a SIM. The quota timestamps are only written (and read when the quota status
# moves, which loads them then): parsing them for every packet would cost more than the rest of the row.
HOT_FIELDS = (
    "organisation_id",
    "iccid",
    "imsi",
    "imsi_2",
    "msisdn",
    "imei",
    "imei_lock",
    "status",
    "activation_date",
    "lifetime_end",
    "ip_address",
    "data_total",
    "data_remaining",
    "data_last_added",
    "data_status",
    "usage_month",
    "month_data",
    "month_sms_mo",
    "month_sms_mt",
    "record_rx",
    "record_tx",
    "record_since",
)
# Written for every SIM a batch counts.
USAGE_COUNTERS = ("data_remaining", "usage_month", "month_data", "record_rx", "record_tx", "record_since", "updated_at")
# Written too when one of them changed (a new device, a new month's SMS counters, a quota status).
FLAG_COUNTERS = ("imei", "data_status", "month_sms_mo", "month_sms_mt")
# Written only when the quota status moved (they are not loaded otherwise).
QUOTA_TIMES = ("data_status_changed_at", "data_threshold_at", "data_exhausted_at")
STATE_FIELDS = (
    "status",
    "operator",
    "mcc",
    "mnc",
    "country",
    "rat",
    "ip_address",
    "apn",
    "session_id",
    "session_started_at",
    "nas",
    "location",
    "last_updated",
    "attached_at",
)
Limits = dict[int, dict[Service, int]]
# "Last updated" of an unchanged session moves at most this often: one row write less per interim update.
FRESH = timedelta(seconds=60)
# An open session's usage record is due once it used this much since its last one, and at most this often.
RECORD_BYTES = 100_000
RECORD_EVERY = timedelta(minutes=15)
Outgoing = tuple[str, int, dict[str, Any]]  # an outbox event for emit_many: type, organisation, payload


def _locked(sim_id: int) -> Sim:
    return Sim.objects.select_for_update().get(pk=sim_id)


def _state(sim: Sim) -> SimConnectivity:
    state, _created = SimConnectivity.objects.get_or_create(sim=sim)
    return state


def _in_stock(sim: Sim) -> bool:
    """Never delivered: only assignment to a customer starts a SIM's lifetime (no query on the AAA's hot path)."""
    return sim.activation_date is None


def _limit_exceeded(sim: Sim, service: Service, at: datetime, limits: Limits) -> int | None:
    """The limit, if this SIM has used it up this month."""
    limit = limits.get(sim.organisation_id, {}).get(service)
    if limit is not None and quotas.month_used(sim, service, timezone.localdate(at)) >= limit:
        return limit
    return None


def _refuse(sim: Sim, cause: FailureCause, at: datetime, message: str, **detail) -> Decision:
    record_event(sim, SimEventType.PDP_CONTEXT_REFUSED, at=at, detail={"cause": cause.value, **detail})
    return Decision(False, sim.pk, cause, message)


def _data_blocker(sim: Sim, at: datetime, limits: Limits) -> tuple[FailureCause, str] | None:
    if sim.status != SimStatus.ENABLED or _in_stock(sim):
        return FailureCause.DATA_SERVICE_BARRED, _("The SIM is disabled.")
    if sim.lifetime_end is None or sim.lifetime_end <= at:
        return FailureCause.QUOTA_EXPIRED, _("The lifetime of the SIM has ended.")
    if sim.data_remaining <= 0:
        return FailureCause.QUOTA_EXHAUSTED, _("The data volume is used up.")
    if _limit_exceeded(sim, Service.DATA, at, limits) is not None:
        return FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED, _("The monthly data limit is reached.")
    return None


def data_blocker(*, sim_id: int, at: datetime | None = None) -> FailureCause | None:
    """Why this SIM would get no data right now, if anything (shown on the SIM and its status)."""
    sim = Sim.objects.get(pk=sim_id)
    found = _data_blocker(sim, at or timezone.now(), quotas.limits_for([sim.organisation_id]))
    return found[0] if found else None


def _track_imei(sim: Sim, imei: str, at: datetime) -> bool:
    if imei and imei != sim.imei:
        record_event(sim, SimEventType.IMEI_CHANGED, at=at, detail={"from": sim.imei, "to": imei})
        sim.imei = imei
        return True
    return False


@lru_cache(maxsize=65536)  # called per accounting packet; a device keeps its IMEI
def _device(imei: str) -> str:
    """The IMEI a gateway reported (an IMEISV is cut to the IMEI); garbage counts as none."""
    try:
        return identifiers.imei(imei) if imei else ""
    except ValidationFailed:
        return ""


def _sims_for(requests: Sequence[AccessRequest]) -> dict[str, Sim]:
    """The requested SIMs (read, not locked) by every identifier a gateway may send: IMSI, then user name as IMSI,
    MSISDN or ICCID."""
    names = {r.imsi for r in requests if r.imsi} | {r.user_name for r in requests if r.user_name}
    if not names:
        return {}
    iccids = {key for key in map(identifiers.iccid_lookup, names) if key}
    query = Q(imsi__in=names) | Q(imsi_2__in=names) | Q(msisdn__in=names)
    if iccids:
        query |= Q(iccid__in=iccids)
    found: dict[str, Sim] = {}
    for sim in Sim.objects.filter(query).only(*HOT_FIELDS).order_by("pk"):
        for key in (sim.imsi, sim.imsi_2, sim.msisdn, sim.iccid):
            if key:
                found[key] = sim
    return found


def _lookup(found: dict[str, Sim], request: AccessRequest) -> Sim | None:
    sim = found.get(request.imsi) if request.imsi else None
    if sim is None and request.user_name:
        sim = found.get(request.user_name) or found.get(identifiers.iccid_lookup(request.user_name) or "")
    return sim


def _decide(sim: Sim, request: AccessRequest, at: datetime, limits: Limits) -> Decision:
    device = _device(request.imei)
    apn = request.apn
    blocker = _data_blocker(sim, at, limits)
    if blocker is not None:
        return _refuse(sim, blocker[0], at, blocker[1], apn=apn, imei=device)
    allowed_apns = settings.SWITCHBOARD["APNS"]
    if apn and allowed_apns and apn.lower() not in allowed_apns:
        return _refuse(sim, FailureCause.APN_NOT_AUTHORIZED, at, _("The APN is not allowed."), apn=apn, imei=device)
    if sim.imei_lock:
        if not device and sim.imei:
            return _refuse(sim, FailureCause.IMEI_LOCK_ENFORCED, at, _("The device did not send its IMEI."), apn=apn)
        if sim.imei and device and device != sim.imei:
            return _refuse(
                sim,
                FailureCause.IMEI_LOCK_BREACHED,
                at,
                _("The SIM is locked to another device."),
                apn=apn,
                imei=device,
            )
    return Decision(True, sim.pk, None, "", sim.ip_address)


@transaction.atomic(savepoint=False)  # inside the AAA's batch transaction a savepoint would only cost round trips
def authorize_data_sessions(requests: Sequence[AccessRequest], *, at: datetime | None = None) -> list[Decision]:
    """May these SIMs open a data session? Answers in request order; each refusal is a SIM event with its cause."""
    with collecting_events():
        return _authorize(requests, at or timezone.now())


def _authorize(requests: Sequence[AccessRequest], at: datetime) -> list[Decision]:
    found = _sims_for(requests)  # read without row locks: most requests only read
    limits = quotas.limits_for({sim.organisation_id for sim in found.values()})
    decisions = []
    for request in requests:
        sim = _lookup(found, request)
        if sim is None:
            decisions.append(Decision(False, None, FailureCause.IMSI_NOT_FOUND, _("Unknown SIM.")))
            continue
        decision = _decide(sim, request, at, limits)
        device = _device(request.imei)
        if decision.accepted and device and device != sim.imei:
            # A new device; with a lock and no IMEI yet, the first one seen is bound. Only if nobody bound
            # another one since we read the row: else this request is refused like any other device.
            if not Sim.objects.filter(pk=sim.pk, imei=sim.imei).update(imei=device, updated_at=at):
                sim.refresh_from_db(fields=["imei", "imei_lock"])
                decision = _decide(sim, request, at, limits)
            else:
                record_event(sim, SimEventType.IMEI_CHANGED, at=at, detail={"from": sim.imei, "to": device})
                sim.imei = device
        decisions.append(decision)
    return decisions


def authorize_data_session(
    *, imsi: str = "", iccid: str = "", imei: str = "", apn: str = "", at: datetime | None = None
) -> Decision:
    """May this SIM open a data session? A refusal is stored as a SIM event with its cause."""
    return authorize_data_sessions([AccessRequest(imsi=imsi, user_name=iccid, imei=imei, apn=apn)], at=at)[0]


class _Batch:
    """The rows one accounting batch touches, written back with a constant number of statements."""

    def __init__(self, reports: Sequence[SessionReport]):
        ids = sorted({r.sim_id for r in reports})
        locked = Sim.objects.select_for_update().filter(pk__in=ids).only(*HOT_FIELDS).order_by("pk")
        self.sims = {sim.pk: sim for sim in locked}
        self.flags = {pk: _flags(sim) for pk, sim in self.sims.items()}
        self.states = {s.sim_id: s for s in SimConnectivity.objects.filter(sim_id__in=self.sims)}
        missing = [SimConnectivity(sim_id=pk) for pk in self.sims if pk not in self.states]
        if missing:
            SimConnectivity.objects.bulk_create(missing, ignore_conflicts=True)
            self.states.update({s.sim_id: s for s in missing})
        self.limits = quotas.limits_for({sim.organisation_id for sim in self.sims.values()})
        self.daily: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
        self.monthly: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
        self.touched_sims: set[int] = set()
        self.touched_states: set[int] = set()
        self.seen_states: set[int] = set()
        self.records: list[Outgoing] = []

    def count(self, sim: Sim, rx: int, tx: int, at: datetime) -> None:
        today = timezone.localdate(at)
        quotas.roll_month(sim, today)
        limit = self.limits.get(sim.organisation_id, {}).get(Service.DATA)
        was_under_limit = limit is None or sim.month_data < limit
        sim.month_data += rx + tx
        sim.record_rx += rx
        sim.record_tx += tx
        quotas.consume(sim, "data", rx + tx, at)
        if limit is not None and sim.month_data >= limit and was_under_limit:
            record_event(sim, SimEventType.MONTHLY_LIMIT_REACHED, at=at, detail={"service": "data", "limit": limit})
        for totals, key in ((self.daily, (sim.pk, today)), (self.monthly, (sim.organisation_id, month_of(today)))):
            totals[key][0] += rx
            totals[key][1] += tx

    def write(self, at: datetime) -> None:
        sims = [self.sims[pk] for pk in sorted(self.touched_sims)]
        for sim in sims:
            sim.updated_at = at
        changed = [sim for sim in sims if _flags(sim) != self.flags[sim.pk]]
        moved = [sim for sim in changed if sim.data_status != self.flags[sim.pk][1]]
        update_rows(Sim, USAGE_COUNTERS, [sim for sim in sims if _flags(sim) == self.flags[sim.pk]])
        update_rows(Sim, USAGE_COUNTERS + FLAG_COUNTERS, [sim for sim in changed if sim not in moved])
        update_rows(Sim, USAGE_COUNTERS + FLAG_COUNTERS + QUOTA_TIMES, moved)
        update_rows(SimConnectivity, STATE_FIELDS, [self.states[pk] for pk in sorted(self.touched_states)])
        if seen := sorted(self.seen_states - self.touched_states):
            SimConnectivity.objects.filter(sim_id__in=seen).update(last_updated=at)
        _write_usage(self.daily, self.monthly, {sim.pk: sim.organisation_id for sim in self.sims.values()})


def _write_usage(daily: dict, monthly: dict, organisation_of: dict[int, int]) -> None:
    """Daily rows per SIM and monthly rows per organisation, incremented in place (one statement each)."""
    insert_or_add(
        DailyUsage,
        ("sim", "date"),
        ("data_rx", "data_tx"),
        [(pk, day, organisation_of[pk], 0, 0, rx, tx) for (pk, day), (rx, tx) in sorted(daily.items()) if rx or tx],
        insert_names=("organisation_id", "sms_mo", "sms_mt"),
    )
    insert_or_add(
        MonthlyUsage,
        ("organisation_id", "month"),
        ("data_rx", "data_tx"),
        [(org, month, 0, 0, rx, tx) for (org, month), (rx, tx) in sorted(monthly.items()) if rx or tx],
        insert_names=("sms_mo", "sms_mt"),
    )


def record_session_reports(reports: Sequence[SessionReport]) -> list[UsageOutcome | None]:
    """Count a batch of accounting reports: session state, events, usage and quota, all or nothing.

    Answers in report order: whether the session must now be cut (volume used up, monthly limit reached, SIM
    disabled or expired), or None for a SIM that no longer exists.
    """
    for report in reports:
        if report.rx < 0 or report.tx < 0:
            raise ValidationFailed(_("Usage cannot be negative."), field="rx" if report.rx < 0 else "tx")
    return _record_session_reports(reports) if reports else []


@transaction.atomic(savepoint=False)  # inside the AAA's batch transaction a savepoint would only cost round trips
def _record_session_reports(reports: Sequence[SessionReport]) -> list[UsageOutcome | None]:
    records: list[Outgoing] = []
    with collecting_events():
        outcomes = _count_reports(reports, records)
    if records:
        emit_many(records)
    return outcomes


def _count_reports(reports: Sequence[SessionReport], records: list[Outgoing]) -> list[UsageOutcome | None]:
    """Count the batch, the usage records now due going to `records`."""
    plain = any(r.kind is ReportKind.INTERIM and r.info is not None for r in reports)
    if connection.vendor != "postgresql" or not plain:
        return _count_batch(reports, records)
    counted = fastpath.count(reports, _device, FRESH, _record_due)
    outcomes: list[UsageOutcome | None] = [None] * len(reports)
    for index, outcome in zip(counted.slow, _count_batch([reports[i] for i in counted.slow], records), strict=True):
        outcomes[index] = outcome
    if counted.windows:
        records += _fast_records(counted.windows)
    if not counted.quotas:
        return outcomes
    limits = quotas.limits_for({quota.organisation_id for quota in counted.quotas.values()})
    fastpath.settle(counted, limits, max(r.at for r in reports))
    _write_usage(counted.daily, counted.monthly, {pk: quota.organisation_id for pk, quota in counted.quotas.items()})
    slow = set(counted.slow)
    for index, report in enumerate(reports):
        if index not in slow:
            quota = counted.quotas[report.sim_id]
            blocker = _data_blocker(quota, report.at, limits)
            cause = blocker[0] if blocker else None
            outcomes[index] = UsageOutcome(quota.pk, cause is not None, cause, quota.data_remaining)
    return outcomes


def _count_batch(reports: Sequence[SessionReport], records: list[Outgoing]) -> list[UsageOutcome | None]:
    if not reports:
        return []
    batch = _Batch(reports)
    outcomes: list[UsageOutcome | None] = []
    last = reports[0].at
    for report in reports:
        sim = batch.sims.get(report.sim_id)
        if sim is None:
            outcomes.append(None)
            continue
        last = max(last, report.at)
        state = batch.states[sim.pk]
        batch.touched_sims.add(sim.pk)
        before = _snapshot(state)
        if report.info is not None and report.kind is not ReportKind.STOP:
            _track_imei(sim, _device(report.info.imei), report.at)
            if report.kind is ReportKind.START:
                batch.records += _close_record(sim, state, report.at)  # the previous session's stop was lost
                _start(sim, state, report.info, report.at)
            else:
                _locate(sim, state, report.info, report.at)
        if report.rx or report.tx:
            batch.count(sim, report.rx, report.tx, report.at)
        if report.kind is ReportKind.STOP:
            batch.records += _close_record(sim, state, report.at)
            _stop(sim, state, report.at, report.cause)
            if report.detached:
                _detach(sim, state, report.at)
        elif _record_due(sim.record_rx + sim.record_tx, _window_start(sim, state, report.at), report.at):
            batch.records.append(_take_record(sim, state, report.at))
        if _snapshot(state) != before:
            batch.touched_states.add(sim.pk)
        elif report.info is not None and (state.last_updated is None or report.at - state.last_updated > FRESH):
            batch.seen_states.add(sim.pk)  # only "last updated" moves: the common interim update
        blocker = _data_blocker(sim, report.at, batch.limits)
        cause = blocker[0] if blocker else None
        outcomes.append(UsageOutcome(sim.pk, cause is not None, cause, sim.data_remaining))
    batch.write(last)
    records += batch.records
    return outcomes


def _flags(sim: Sim) -> tuple:
    return tuple(getattr(sim, name) for name in FLAG_COUNTERS)


def _snapshot(state: SimConnectivity) -> tuple:
    return tuple(getattr(state, name) for name in STATE_FIELDS if name != "last_updated")


def _record_due(used: int, since: datetime, at: datetime) -> bool:
    return used >= RECORD_BYTES and at - since >= RECORD_EVERY


def _window_start(sim: Sim, state: SimConnectivity, at: datetime) -> datetime:
    """Where the session's next usage record begins: its last record, else the session's start."""
    return sim.record_since or state.session_started_at or at


def _take_record(sim: Sim, state: SimConnectivity, end: datetime) -> Outgoing:
    """The session's usage record up to `end`; the SIM's counters start again from there."""
    record = _usage_record(
        sim, state, start=_window_start(sim, state, end), end=end, rx=sim.record_rx, tx=sim.record_tx
    )
    sim.record_rx = sim.record_tx = 0
    sim.record_since = end
    return record


def _close_record(sim: Sim, state: SimConnectivity, end: datetime) -> list[Outgoing]:
    """The last usage record of a session that ends: none if it used nothing and never had one."""
    started, since = state.session_started_at, sim.record_since
    had_record = started is not None and since is not None and since > started
    closing = [_take_record(sim, state, end)] if sim.record_rx or sim.record_tx or had_record else []
    sim.record_since = None
    return closing


def _usage_record(sim: Sim, state: SimConnectivity, *, start: datetime, end: datetime, rx: int, tx: int) -> Outgoing:
    payload = {
        "event_id": uuid.uuid4().hex,
        "sim_id": sim.pk,
        "iccid": sim.iccid,
        "imsi": sim.imsi,
        "msisdn": sim.msisdn or "",
        "imei": sim.imei,
        "ip_address": state.ip_address or sim.ip_address,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "volume_rx": rx,
        "volume_tx": tx,
        "operator": state.operator,
        "country": state.country,
        "mcc": state.mcc,
        "mnc": state.mnc,
        "rat": state.rat,
        "apn": state.apn,
        "session_id": state.session_id,
    }
    return DATA_USAGE, sim.organisation_id, payload


def _fast_records(windows: Sequence[fastpath.Window]) -> list[Outgoing]:
    """The usage records the fast path found due (it has reset the counters already): one query for them all."""
    sims = Sim.objects.select_related("connectivity").in_bulk([w.sim_id for w in windows])
    return [
        _usage_record(sim, sim.connectivity, start=w.start, end=w.end, rx=w.rx, tx=w.tx)
        for w in windows
        if (sim := sims.get(w.sim_id)) is not None
    ]


def _one(report: SessionReport) -> UsageOutcome:
    outcome = record_session_reports([report])[0]
    if outcome is None:
        raise Sim.DoesNotExist(report.sim_id)
    return outcome


def record_session_start(*, sim_id: int, info: SessionInfo, at: datetime | None = None) -> None:
    _one(SessionReport(sim_id, ReportKind.START, at or timezone.now(), info=info))


def record_location(*, sim_id: int, info: SessionInfo, at: datetime | None = None) -> None:
    """An interim update: the device may have moved to another network, country or radio technology."""
    _one(SessionReport(sim_id, ReportKind.INTERIM, at or timezone.now(), info=info))


def record_session_stop(*, sim_id: int, at: datetime | None = None, cause: str = "") -> None:
    _one(SessionReport(sim_id, ReportKind.STOP, at or timezone.now(), cause=cause))


def record_usage(*, sim_id: int, rx: int, tx: int, at: datetime | None = None) -> UsageOutcome:
    """Count the bytes a session used since its last report; says whether the session must now be cut."""
    return _one(SessionReport(sim_id, ReportKind.INTERIM, at or timezone.now(), rx=rx, tx=tx))


def _start(sim: Sim, state: SimConnectivity, info: SessionInfo, at: datetime) -> None:
    if state.status == ConnectivityStatus.OFFLINE:
        state.attached_at = at
        record_event(sim, SimEventType.ATTACH, at=at, detail=_network_detail(info))
    elif (state.operator, state.country) != (info.operator, info.country) and info.operator:
        record_event(sim, SimEventType.LOCATION_UPDATED, at=at, detail=_network_detail(info))
    _apply(state, info, at)
    state.status = ConnectivityStatus.ONLINE
    state.session_id = info.session_id
    state.session_started_at = at
    sim.record_since = at
    state.ip_address = info.ip_address or sim.ip_address
    state.apn = info.apn
    state.nas = info.nas
    detail = {**_network_detail(info), "ip_address": state.ip_address, "apn": info.apn, "session_id": info.session_id}
    record_event(sim, SimEventType.PDP_CONTEXT_CREATED, at=at, detail=detail)


def _locate(sim: Sim, state: SimConnectivity, info: SessionInfo, at: datetime) -> None:
    changed = (state.operator, state.country, state.rat) != (info.operator, info.country, info.rat)
    if changed and info.operator:
        record_event(sim, SimEventType.LOCATION_UPDATED, at=at, detail=_network_detail(info))
    _apply(state, info, at)
    if state.status != ConnectivityStatus.ONLINE:  # an interim without (or after a lost) Start: the session is live
        state.status = ConnectivityStatus.ONLINE
        state.session_id = info.session_id
        state.session_started_at = state.session_started_at or at
        state.ip_address = info.ip_address or sim.ip_address
        state.apn = info.apn or state.apn
        state.nas = info.nas


def _stop(sim: Sim, state: SimConnectivity, at: datetime, cause: str) -> None:
    duration = int((at - state.session_started_at).total_seconds()) if state.session_started_at else 0
    record_event(
        sim,
        SimEventType.PDP_CONTEXT_DELETED,
        at=at,
        detail={"session_id": state.session_id, "cause": cause, "duration": duration},
    )
    state.status = ConnectivityStatus.ATTACHED  # still registered with the network until it detaches
    _clear_session(state, at)


def _detach(sim: Sim, state: SimConnectivity, at: datetime) -> None:
    if state.status == ConnectivityStatus.OFFLINE:
        return
    record_event(sim, SimEventType.DETACH, at=at, detail={"operator": state.operator, "country": state.country})
    state.status = ConnectivityStatus.OFFLINE
    _clear_session(state, at)


def _clear_session(state: SimConnectivity, at: datetime) -> None:
    state.session_id = ""
    state.session_started_at = None
    state.ip_address = None
    state.nas = ""
    state.last_updated = at


@transaction.atomic
def record_detach(*, sim_id: int, at: datetime | None = None) -> None:
    at = at or timezone.now()
    sim = _locked(sim_id)
    state = _state(sim)
    if state.status == ConnectivityStatus.ONLINE:  # the session ends with the device gone, without a stop
        if records := _close_record(sim, state, at):
            emit_many(records)
        sim.save(update_fields=["record_rx", "record_tx", "record_since"])
    _detach(sim, state, at)
    state.save()


def _apply(state: SimConnectivity, info: SessionInfo, at: datetime) -> None:
    for field in ("operator", "mcc", "mnc", "country", "rat"):
        value = getattr(info, field)
        if value:
            setattr(state, field, value)
    if info.location:
        state.location = info.location
    state.last_updated = at


def _network_detail(info: SessionInfo) -> dict:
    detail = {
        "operator": info.operator,
        "country": info.country,
        "mcc": info.mcc,
        "mnc": info.mnc,
        "rat": info.rat,
    }
    if info.location:
        detail["location"] = info.location
    return {k: v for k, v in detail.items() if v}


def network_sim_ids(keys: Sequence[str]) -> dict[str, int]:
    """SIM ids by the identifiers a gateway reports (IMSI, second IMSI, MSISDN, ICCID); for the AAA only."""
    requests = [AccessRequest(user_name=key) for key in keys if key]
    return {key: sim.pk for key, sim in _sims_for(requests).items()}


@transaction.atomic
def record_disconnect(*, sim_id: int, detail: dict, at: datetime | None = None) -> None:
    """What became of a Disconnect-Request the AAA sent: the customer sees the cut (or the failure) on the SIM."""
    sim = Sim.objects.filter(pk=sim_id).first()
    if sim is not None:
        record_event(sim, SimEventType.SESSION_DISCONNECTED, at=at or timezone.now(), detail=detail)


def _sms_blocker(sim: Sim, direction: SmsDirection, at: datetime, count: int = 1) -> str | None:
    if sim.status != SimStatus.ENABLED or _in_stock(sim):
        return _("The SIM is disabled.")
    if sim.lifetime_end is None or sim.lifetime_end <= at:
        return _("The lifetime of the SIM has ended.")
    if sim.sms_remaining < count:
        return _("The SMS volume is used up.")
    service = SMS_SERVICE[direction]
    limit = quotas.limits_of(sim.organisation_id).get(service)
    if limit is not None and quotas.month_used(sim, service, timezone.localdate(at)) + count > limit:
        return f"Traffic limit of {limit} SMS per month exceeded"  # 1NCE's wording, relied on by clients
    return None


@transaction.atomic
def authorize_sms(*, sim_id: int, direction: SmsDirection, at: datetime | None = None) -> Decision:
    at = at or timezone.now()
    sim = _locked(sim_id)
    message = _sms_blocker(sim, direction, at)
    if message is not None:
        record_event(sim, SimEventType.SMS_REFUSED, at=at, detail={"direction": direction.value, "reason": message})
        return Decision(False, sim.pk, None, message)
    return Decision(True, sim.pk)


@transaction.atomic
def admit_sms(*, sim_id: int, direction: SmsDirection, parts: int, at: datetime | None = None) -> Decision:
    """Check and count an SMS of `parts` parts in one step, so two senders cannot both take the last SMS."""
    if parts < 1:
        raise ValidationFailed(_("At least one SMS must be counted."), field="count")
    at = at or timezone.now()
    sim = _locked(sim_id)
    quotas.roll_month(sim, timezone.localdate(at))
    message = _sms_blocker(sim, direction, at, parts)
    if message is not None:
        record_event(sim, SimEventType.SMS_REFUSED, at=at, detail={"direction": direction.value, "reason": message})
        return Decision(False, sim.pk, None, message)
    _count_sms(sim, direction, at, parts)
    return Decision(True, sim.pk)


@transaction.atomic
def record_sms(*, sim_id: int, direction: SmsDirection, at: datetime | None = None, count: int = 1) -> UsageOutcome:
    """Count an SMS (each part of a long message counts) against the quota and the monthly limit."""
    if count < 1:
        raise ValidationFailed(_("At least one SMS must be counted."), field="count")
    at = at or timezone.now()
    sim = _locked(sim_id)
    return _count_sms(sim, direction, at, count)


def _count_sms(sim: Sim, direction: SmsDirection, at: datetime, count: int) -> UsageOutcome:
    today = timezone.localdate(at)
    quotas.roll_month(sim, today)
    service = SMS_SERVICE[direction]
    counter = "month_sms_mo" if direction is SmsDirection.MO else "month_sms_mt"
    limit = quotas.limits_of(sim.organisation_id).get(service)
    was_under_limit = limit is None or getattr(sim, counter) < limit
    setattr(sim, counter, getattr(sim, counter) + count)
    quotas.consume(sim, "sms", count, at)
    quotas.add_usage(sim, today, **{"sms_mo" if direction is SmsDirection.MO else "sms_mt": count})
    limited = limit is not None and getattr(sim, counter) >= limit
    if limited and was_under_limit:
        record_event(sim, SimEventType.MONTHLY_LIMIT_REACHED, at=at, detail={"service": service.value, "limit": limit})
    sim.save()
    cause = None
    if sim.sms_status == QuotaStatus.EXHAUSTED:
        cause = FailureCause.QUOTA_EXHAUSTED
    elif limited:
        cause = FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED
    return UsageOutcome(sim.pk, cause is not None, cause, sim.sms_remaining)


@transaction.atomic
def refund_sms(*, sim_id: int, direction: SmsDirection, parts: int, at: datetime) -> None:
    """Give back an SMS that was counted when it was accepted (at `at`) but never left: a cancelled MT."""
    sim = _locked(sim_id)
    sim.sms_remaining = min(sim.sms_total, sim.sms_remaining + parts)
    quotas.set_status(sim, "sms", timezone.now())
    day = timezone.localdate(at)
    if sim.usage_month == month_of(day):
        counter = "month_sms_mo" if direction is SmsDirection.MO else "month_sms_mt"
        setattr(sim, counter, max(0, getattr(sim, counter) - parts))
    quotas.add_usage(sim, day, **{"sms_mo" if direction is SmsDirection.MO else "sms_mt": -parts})
    sim.save()


@transaction.atomic
def record_refused_sms(*, sim_id: int, direction: SmsDirection, reason: str, at: datetime | None = None) -> None:
    """An SMS the SMS side refused for a reason of its own (device to device): the customer sees it on the SIM."""
    sim = Sim.objects.filter(pk=sim_id).first()
    if sim is not None:
        record_event(sim, SimEventType.SMS_REFUSED, at=at, detail={"direction": direction.value, "reason": reason})
