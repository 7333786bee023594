"""Accounting and authorisation batches from the RADIUS server (group commit: one transaction per batch).

Gateways report running totals per session, so a report counts `total - already counted`. A retransmission — even
one that arrives after a crash and restart — therefore adds nothing: exactly once per byte without a packet log.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction
from django.utils import timezone

from switchboard.connectivity.contracts import AccessRequest, Decision, ReportKind, SessionInfo, SessionReport
from switchboard.connectivity.services import network
from switchboard.core.bulk import fetch, update_rows

from ..contracts import AccountingReport
from ..models import Disconnect, Session

START, STOP, INTERIM, ACCOUNTING_ON, ACCOUNTING_OFF = 1, 2, 3, 7, 8
# Acct-Terminate-Cause values after which the device has left the network, not just closed its data session.
DETACHING_CAUSES = frozenset({2, 3, 7, 11})  # Lost-Carrier, Lost-Service, Admin-Reboot, NAS-Reboot
TERMINATE_CAUSES = {
    1: "User-Request",
    2: "Lost-Carrier",
    3: "Lost-Service",
    4: "Idle-Timeout",
    5: "Session-Timeout",
    6: "Admin-Reset",
    7: "Admin-Reboot",
    8: "Port-Error",
    9: "NAS-Error",
    10: "NAS-Request",
    11: "NAS-Reboot",
    15: "Service-Unavailable",
}
SESSION_FIELDS = (
    "sim_id",
    "framed_ip",
    "charging_id",
    "input_octets",
    "output_octets",
    "updated_at",
    "stopped_at",
    "session_time",
    "terminate_cause",
)


def authorize(requests: Sequence[AccessRequest]) -> list[Decision]:
    return network.authorize_data_sessions(requests)


def _info(report: AccountingReport, nas_name: str) -> SessionInfo:
    return SessionInfo(
        ip_address=report.framed_ip,
        session_id=report.session_id,
        apn=report.apn,
        imei=report.imei,
        operator=report.operator,
        mcc=report.mcc,
        mnc=report.mnc,
        country=report.country,
        rat=report.rat,
        location=report.location or None,
        nas=nas_name,
    )


class _Open:
    """A session row as a batch reads and writes it: building model instances cost more than the rest."""

    __slots__ = ("id", *SESSION_FIELDS)

    def __init__(self, *values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)

    @property
    def pk(self) -> int:
        return self.id


_COLUMNS = ("nas_id", "acct_session_id", *_Open.__slots__)
_LOCK_SESSIONS = (
    f"SELECT {', '.join(_COLUMNS)} FROM aaa_session WHERE nas_id = ANY(%s) AND acct_session_id = ANY(%s)"  # noqa: S608
    " ORDER BY id FOR UPDATE"  # concurrent batches lock in the same order: no deadlock
)


class _Sessions:
    """The sessions a batch touches, locked, plus the ones it opens."""

    def __init__(self, reports: Sequence[AccountingReport]):
        keyed = [r for r in reports if r.session_id]
        nas_ids, session_ids = sorted({r.nas_id for r in keyed}), sorted({r.session_id for r in keyed})
        if connection.vendor == "postgresql":  # the same query, with two array parameters instead of IN lists
            found = fetch(_LOCK_SESSIONS, [nas_ids, session_ids])
        else:
            found = (
                Session.objects.select_for_update()
                .filter(nas_id__in=nas_ids, acct_session_id__in=session_ids)
                .order_by("pk")  # concurrent batches lock in the same order: no deadlock
                .values_list(*_COLUMNS)
            )
        self.by_key: dict[tuple[int, str], Session | _Open] = {(row[0], row[1]): _Open(*row[2:]) for row in found}
        self.new: list[Session] = []
        unknown = {r.imsi or r.user_name for r in keyed if (r.nas_id, r.session_id) not in self.by_key}
        self.sim_ids = network.network_sim_ids(sorted(k for k in unknown if k))

    def get(self, report: AccountingReport) -> Session | _Open | None:
        """The report's session, opened at its first report; None for a SIM we do not know."""
        key = (report.nas_id, report.session_id)
        session = self.by_key.get(key)
        if session is None:
            sim_id = self.sim_ids.get(report.imsi) or self.sim_ids.get(report.user_name)
            if sim_id is None:
                return None
            session = Session(
                nas_id=report.nas_id,
                nas_address=report.nas_address,
                acct_session_id=report.session_id,
                sim_id=sim_id,
                imsi=report.imsi,
                started_at=report.at,
                updated_at=report.at,
            )
            self.by_key[key] = session
            self.new.append(session)
        return session

    def save(self) -> None:
        Session.objects.bulk_create(self.new)
        fresh = {id(s) for s in self.new}
        update = [s for s in self.by_key.values() if id(s) not in fresh]
        update_rows(Session, SESSION_FIELDS, update)


def _close_all(report: AccountingReport) -> list[SessionReport]:
    """Accounting-On/Off: the gateway restarted, so every session it held is gone."""
    reports = []
    for session in Session.objects.select_for_update().filter(nas_id=report.nas_id, stopped_at=None):
        session.stopped_at = session.updated_at = report.at
        session.terminate_cause = 11
        session.save(update_fields=["stopped_at", "updated_at", "terminate_cause"])
        if session.sim_id:
            reports.append(SessionReport(session.sim_id, ReportKind.STOP, report.at, cause="NAS-Reboot", detached=True))
    return reports


def _report(session: Session | _Open, report: AccountingReport, nas_name: str) -> SessionReport | None:
    """Move the session's counters forward and say what the SIM must count; None when there is nothing new."""
    rx = max(0, report.input_octets - session.input_octets)
    tx = max(0, report.output_octets - session.output_octets)
    session.input_octets += rx
    session.output_octets += tx
    session.updated_at = max(session.updated_at, report.at)
    if report.framed_ip:
        session.framed_ip = report.framed_ip
    if report.charging_id is not None:
        session.charging_id = report.charging_id
    if report.session_time is not None:
        session.session_time = max(session.session_time, report.session_time)
    if session.stopped_at is not None:  # a late or repeated report of a closed session: only new bytes count
        return SessionReport(session.sim_id, ReportKind.INTERIM, report.at, rx=rx, tx=tx) if rx or tx else None
    if report.status_type == STOP:
        session.stopped_at = report.at
        session.terminate_cause = report.terminate_cause
        cause = TERMINATE_CAUSES.get(report.terminate_cause or 0, "")
        detached = report.terminate_cause in DETACHING_CAUSES
        return SessionReport(session.sim_id, ReportKind.STOP, report.at, rx, tx, cause=cause, detached=detached)
    fresh = report.status_type == START and session.pk is None
    kind = ReportKind.START if fresh else ReportKind.INTERIM
    return SessionReport(session.sim_id, kind, report.at, rx, tx, info=_info(report, nas_name))


@transaction.atomic
def account(reports: Sequence[AccountingReport], nas_names: dict[int, str]) -> int:
    """Count a batch of Accounting-Requests; returns how many Disconnect-Requests it queued.

    Only after this returns (committed) may the server acknowledge the packets.
    """
    sessions = _Sessions(reports)
    counted: list[tuple[Session | _Open, SessionReport]] = []
    closing: list[SessionReport] = []
    for report in reports:
        if report.status_type in (ACCOUNTING_ON, ACCOUNTING_OFF):
            closing += _close_all(report)
            continue
        if not report.session_id:
            continue
        session = sessions.get(report)
        if session is None or session.sim_id is None:
            continue
        sim_report = _report(session, report, nas_names.get(report.nas_id, ""))
        if sim_report is not None:
            counted.append((session, sim_report))
    outcomes = network.record_session_reports([r for _s, r in counted] + closing)
    sessions.save()
    cut = {
        session.pk: (session, outcome.cause.value)
        for (session, report), outcome in zip(counted, outcomes, strict=False)
        if outcome is not None and outcome.disconnect and session.stopped_at is None
    }
    return _queue_disconnects(cut)


def _queue_disconnects(cut: dict[int, tuple[Session | _Open, str]]) -> int:
    """One Disconnect-Request per session and reason, however many reports still arrive before the gateway acts."""
    if not cut:
        return 0
    asked = set(Disconnect.objects.filter(session_id__in=cut).values_list("session_id", "reason"))
    now = timezone.now()
    due = [
        Disconnect(session_id=session.pk, sim_id=session.sim_id, reason=reason, next_attempt_at=now)
        for session, reason in cut.values()
        if (session.pk, reason) not in asked
    ]
    Disconnect.objects.bulk_create(due, ignore_conflicts=True)
    return len(due)
