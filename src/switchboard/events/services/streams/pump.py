"""The stream pump: takes one due stream at a time, sends the oldest part of its queue, and settles the outcome.

The stream is leased by a conditional UPDATE, not a row lock, so no transaction is open while the receiver is
talking: SQLite stays writable for everyone else, and several workers can pump different streams. Items leave the
queue only after their receiver took them, in the same transaction that logs the attempt. A worker that dies
mid-batch leaves its lease to expire and its items in place; the next pump sends them again with the same record
ids (delivery is at least once; receivers drop duplicates by id).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from switchboard.core import crypto

from ...contracts import STREAM_DEGRADED, EventEnvelope, StreamKind, StreamState
from ...models import DataStream, StreamAttempt, StreamItem
from ...records import source_for
from ..outbox import emit
from .targets import Batch, Outcome, StreamTarget, TargetConfig, open_target, target_config

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)  # longer than the slowest delivery a target allows (connect + answer timeouts)
MAX_BATCH = 3000  # records per request, as 1NCE's bulk REST streamer sends
BATCH_SIZE = {StreamKind.SMS_FORWARD: 1}
DEGRADED_AFTER = 3  # consecutive failures
BACKOFF_CAP = 300  # seconds
IDLE_TARGET = 300  # seconds a kept connection may stay unused before it is closed
EXCERPT = 500


def backoff(failures: int) -> timedelta:
    """1 s, 2 s, 4 s, ... up to 5 min: a stream never gives up, it only waits longer."""
    return timedelta(seconds=min(BACKOFF_CAP, 2 ** (failures - 1)))


@dataclass
class Lease:
    stream: DataStream
    token: str


@dataclass
class Taken:
    """Items read from the queue: those to send with their records, and those no formatter could turn into one."""

    items: list[int]  # the StreamItem ids
    batch: Batch
    unformattable: list[int]


@dataclass
class _OpenTarget:
    config: TargetConfig
    target: StreamTarget
    used_at: float


_open: dict[int, _OpenTarget] = {}  # stream id → its connection in this process, kept between batches


def pump_streams() -> bool:
    """Deliver one batch of one due stream; False when no stream is due (the caller may then pause briefly)."""
    lease = lease_due_stream()
    if lease is None:
        _close_idle_targets()
        return False
    taken = take(lease)
    if not taken.items and not taken.unformattable:
        DataStream.objects.filter(pk=lease.stream.pk, lease_token=lease.token).update(lease_until=None, lease_token="")
        return True
    outcome, latency_ms = send(lease, taken) if taken.items else (None, 0)
    settle(lease, taken, outcome, latency_ms)
    return True


def _due(now) -> Q:
    lease_free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return Q(state__in=[StreamState.ACTIVE, StreamState.DEGRADED], next_attempt_at__lte=now) & lease_free


def lease_due_stream() -> Lease | None:
    """The stream waiting longest among those with queued items, leased to this caller; None if none is due or
    others won every race."""
    now = timezone.now()
    queued = Exists(StreamItem.objects.filter(stream_id=OuterRef("pk")))
    candidates = (
        DataStream.objects.filter(_due(now)).filter(queued).order_by("next_attempt_at").values_list("pk", flat=True)
    )
    for stream_id in list(candidates[:10]):
        token = uuid.uuid4().hex
        if DataStream.objects.filter(_due(now), pk=stream_id).update(lease_until=now + LEASE, lease_token=token):
            return Lease(DataStream.objects.get(pk=stream_id), token)
    return None


def take(lease: Lease) -> Taken:
    """The oldest queued items with their records. Read as plain rows: a batch of 3,000 model instances (items and
    their events) would cost the pump more than formatting and sending them."""
    stream = lease.stream
    size = BATCH_SIZE.get(StreamKind(stream.kind), MAX_BATCH)
    queued = StreamItem.objects.filter(stream_id=stream.pk).order_by("id")[:size]
    rows = queued.values_list(
        "pk", "partition", "event_id", "event__type", "event__organisation_id", "event__payload", "event__occurred_at"
    )
    items, records, partitions, unformattable = [], [], [], []
    for pk, partition, *event in rows:
        record = _format(stream.pk, EventEnvelope(*event))
        if record is None:
            unformattable.append(pk)
        else:
            items.append(pk)
            records.append(record)
            partitions.append(partition)
    return Taken(items, Batch(records, partitions, single=stream.kind == StreamKind.SMS_FORWARD), unformattable)


def _format(stream_id: int, event: EventEnvelope) -> dict[str, Any] | None:
    """The event's record; None (logged) when its type lost its formatter or the formatter fails on it, so that one
    bad event cannot block its stream for good."""
    source = source_for(event.type)
    try:
        if source is None:
            raise LookupError(f"no stream record format is registered for {event.type}")
        return source.format(event)
    except Exception:
        log.exception("stream %s drops outbox event %s: it cannot be formatted", stream_id, event.id)
        return None


def send(lease: Lease, taken: Taken) -> tuple[Outcome, int]:
    """Deliver through the stream's kept connection (opened, or renewed when the configuration changed)."""
    try:
        config = target_config(lease.stream)
    except crypto.UnreadableSecret as exc:  # the operator dropped the key: retried, in case it comes back
        return Outcome(False, "error", error=str(exc)), 0
    kept = _open.get(config.stream_id)
    if kept is None or kept.config != config:
        if kept is not None:
            kept.target.close()
        kept = _open[config.stream_id] = _OpenTarget(config, open_target(config), time.monotonic())
    outcome, latency_ms = deliver(kept.target, taken.batch)
    kept.used_at = time.monotonic()
    if not outcome.ok:
        _open.pop(config.stream_id, None)
        kept.target.close()
    return outcome, latency_ms


def deliver(target: StreamTarget, batch: Batch) -> tuple[Outcome, int]:
    started = time.monotonic()
    try:
        outcome = target.deliver(batch)
    except Exception as exc:  # an adapter's bug is a failed attempt, retried, never a lost batch
        log.exception("stream target %s failed", type(target).__name__)
        outcome = Outcome(False, "error", error=f"{type(exc).__name__}: {exc}"[:EXCERPT])
    return outcome, int((time.monotonic() - started) * 1000)


def attempt_row(stream_id: int, batch: Batch, outcome: Outcome, latency_ms: int, *, is_test: bool) -> StreamAttempt:
    return StreamAttempt(
        stream_id=stream_id,
        records=len(batch.records),
        first_record_id=str(batch.records[0].get("id", ""))[:100] if batch.records else "",
        last_record_id=str(batch.records[-1].get("id", ""))[:100] if batch.records else "",
        http_status=outcome.http_status,
        mqtt_rc=outcome.mqtt_rc,
        ok=outcome.ok,
        latency_ms=latency_ms,
        response_excerpt=outcome.response_excerpt[:EXCERPT],
        error=outcome.error[:EXCERPT],
        is_test=is_test,
    )


@transaction.atomic
def settle(lease: Lease, taken: Taken, outcome: Outcome | None, latency_ms: int) -> None:
    """Log the attempt and remove what was delivered, or schedule the retry; nothing if the lease was lost (the
    stream was deleted, or this pump outlived its lease and another one took over)."""
    stream = lease.stream
    now = timezone.now()
    mine = DataStream.objects.filter(pk=stream.pk, lease_token=lease.token)
    if outcome is None:  # nothing but unformattable items
        if not mine.update(lease_until=None, lease_token=""):
            return
    elif outcome.ok:
        updated = mine.update(
            state=Case(When(state=StreamState.DEGRADED, then=Value(StreamState.ACTIVE)), default=F("state")),
            consecutive_failures=0,
            remote_status=outcome.remote_status[:100],
            last_error="",
            last_delivered_at=now,
            degraded_since=None,
            owner_notified_at=None,
            next_attempt_at=now,
            lease_until=None,
            lease_token="",
        )
        if not updated:
            return
    else:
        failures = stream.consecutive_failures + 1
        updated = mine.update(
            consecutive_failures=failures,
            remote_status=outcome.remote_status[:100],
            last_error=outcome.error[:EXCERPT],
            next_attempt_at=now + backoff(failures),
            lease_until=None,
            lease_token="",
        )
        if not updated:
            return
        if failures >= DEGRADED_AFTER:
            _degrade(stream, outcome, now)
    if outcome is not None:
        attempt_row(stream.pk, taken.batch, outcome, latency_ms, is_test=False).save()
    delivered = taken.items if outcome is not None and outcome.ok else []
    StreamItem.objects.filter(pk__in=delivered + taken.unformattable).delete()


def _degrade(stream: DataStream, outcome: Outcome, now) -> None:
    """The first time a failing stream crosses the threshold: degraded, and its owners are told, once."""
    if DataStream.objects.filter(pk=stream.pk, state=StreamState.ACTIVE).update(
        state=StreamState.DEGRADED, degraded_since=now, owner_notified_at=now
    ):
        emit(
            STREAM_DEGRADED,
            organisation_id=stream.organisation_id,
            payload={
                "stream_id": stream.pk,
                "name": stream.name,
                "kind": stream.kind,
                "remote_status": outcome.remote_status,
                "last_error": outcome.error,
            },
        )


def _close_idle_targets() -> None:
    idle_since = time.monotonic() - IDLE_TARGET
    for stream_id, kept in list(_open.items()):
        if kept.used_at < idle_since:
            del _open[stream_id]
            kept.target.close()
