"""Disconnect-Requests (RFC 5176) owed to gateways: queued by accounting and by the customer's actions, sent and
retried by the RADIUS server, their outcome shown on the SIM."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from switchboard.connectivity.services import network

from ..contracts import DisconnectJob
from ..models import Disconnect, Session

MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(seconds=2)


@transaction.atomic
def disconnect_sim(*, sim_id: int, reason: str) -> int:
    """Queue a Disconnect-Request for every open session of the SIM; returns how many."""
    now = timezone.now()
    sessions = Session.objects.filter(sim_id=sim_id, stopped_at=None)
    queued = [Disconnect(session=s, sim_id=sim_id, reason=reason, next_attempt_at=now) for s in sessions]
    Disconnect.objects.bulk_create(queued, ignore_conflicts=True)  # one pending per session and reason
    return len(queued)


@transaction.atomic
def disconnects_due(*, limit: int = 100) -> list[DisconnectJob]:
    """Claim what is due now: each claimed job counts an attempt and is due again only after RETRY_AFTER."""
    now = timezone.now()
    rows = list(
        Disconnect.objects.select_for_update(skip_locked=True)
        .select_related("session")
        .filter(status=Disconnect.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")[:limit]
    )
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + RETRY_AFTER
    Disconnect.objects.bulk_update(rows, ["attempts", "next_attempt_at"])
    return [
        DisconnectJob(
            id=row.pk,
            sim_id=row.sim_id,
            nas_id=row.session.nas_id,
            nas_address=row.session.nas_address,
            acct_session_id=row.session.acct_session_id,
            imsi=row.session.imsi,
            framed_ip=row.session.framed_ip,
            reason=row.reason,
            attempts=row.attempts,
        )
        for row in rows
    ]


@transaction.atomic
def disconnect_answered(*, job_id: int, acked: bool | None, error_cause: int | None = None) -> None:
    """Record the gateway's answer (ACK, NAK) or, with acked=None, a timeout; after the last attempt it failed."""
    row = Disconnect.objects.select_for_update().select_related("session__nas").filter(pk=job_id).first()
    if row is None or row.status != Disconnect.Status.PENDING:
        return
    if acked is None and row.attempts < MAX_ATTEMPTS:
        return  # due again after RETRY_AFTER
    now = timezone.now()
    row.status = {True: Disconnect.Status.ACKED, False: Disconnect.Status.NAKED, None: Disconnect.Status.FAILED}[acked]
    row.error_cause = error_cause
    row.finished_at = now
    row.save(update_fields=["status", "error_cause", "finished_at"])
    if row.sim_id:
        network.record_disconnect(
            sim_id=row.sim_id,
            at=now,
            detail={
                "reason": row.reason,
                "outcome": row.status,
                "attempts": row.attempts,
                "nas": row.session.nas.name,
                "session_id": row.session.acct_session_id,
                **({"error_cause": error_cause} if error_cause else {}),
            },
        )
