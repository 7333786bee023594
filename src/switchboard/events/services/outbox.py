"""Transactional outbox: events are rows written with the change; the worker hands them to handlers and queues them
for the data streams that take them."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..contracts import EventEnvelope
from ..models import Delivery, OutboxEvent, StreamItem
from ..registry import handler, handler_names
from .streams.queue import fan_out

log = logging.getLogger(__name__)

RETENTION_DAYS = 8  # longer than a stream's queue and replay window (7 days)
PURGE_CHUNK = 2000


def emit(event_type: str, *, organisation_id: int | None, payload: dict[str, Any]) -> UUID:
    """Record an event in the caller's transaction and schedule its delivery for after commit."""
    event = OutboxEvent.objects.create(type=event_type, organisation_id=organisation_id, payload=payload)
    fan_out([event])
    names = handler_names(event_type)
    if names:
        now = timezone.now()
        Delivery.objects.bulk_create(Delivery(event=event, handler=name, next_attempt_at=now) for name in names)
        transaction.on_commit(lambda: _enqueue(event.id))
    return event.id


def emit_many(events: list[tuple[str, int | None, dict[str, Any]]]) -> None:
    """`emit` for a batch (event type, organisation, payload): a constant number of INSERTs, for the AAA's batches."""
    rows = [OutboxEvent(type=kind, organisation_id=org, payload=payload) for kind, org, payload in events]
    OutboxEvent.objects.bulk_create(rows)
    fan_out(rows)
    now = timezone.now()
    handled = [(event, handler_names(event.type)) for event in rows]
    handled = [(event, names) for event, names in handled if names]
    Delivery.objects.bulk_create(
        Delivery(event=event, handler=name, next_attempt_at=now) for event, names in handled for name in names
    )
    for event, _names in handled:
        transaction.on_commit(lambda event_id=event.id: _enqueue(event_id))


def _enqueue(event_id: UUID) -> None:
    from ..tasks import deliver_outbox_event

    deliver_outbox_event.enqueue(str(event_id))


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 10 * 2 ** (attempts - 1)))


def deliver_event(*, event_id: UUID | str) -> None:
    """Run every due handler of one event once; failures are rescheduled with exponential back-off."""
    due = Delivery.objects.filter(
        event_id=event_id, status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("id", flat=True)
    for delivery_id in list(due):
        _attempt(delivery_id)


@transaction.atomic
def _attempt(delivery_id: int) -> None:
    """The row lock keeps a retry sweep and a task from delivering the same event twice at once."""
    max_attempts = settings.SWITCHBOARD["OUTBOX_MAX_ATTEMPTS"]
    delivery = (
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("event")
        .filter(id=delivery_id, status=Delivery.Status.PENDING)
        .first()
    )
    if delivery is None:
        return
    event = delivery.event
    fn = handler(event.type, delivery.handler)
    delivery.attempts += 1
    try:
        if fn is None:
            raise LookupError(f"no handler {delivery.handler} registered for {event.type}")
        with transaction.atomic():  # a failing handler's own writes roll back; the attempt is still counted
            fn(EventEnvelope(event.id, event.type, event.organisation_id, event.payload, event.occurred_at))
    except Exception as exc:  # any handler failure is retried, never lost
        log.warning("delivery of %s to %s failed (attempt %s): %s", event.id, delivery.handler, delivery.attempts, exc)
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= max_attempts:
            delivery.status = Delivery.Status.FAILED
        else:
            delivery.next_attempt_at = timezone.now() + _backoff(delivery.attempts)
    else:
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.last_error = ""
    delivery.save(update_fields=["attempts", "status", "next_attempt_at", "last_error", "delivered_at"])


def sweep_outbox() -> int:
    """Deliver what is due: retries, and events whose enqueue was lost when a process died after commit."""
    event_ids = set(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now()).values_list(
            "event_id", flat=True
        )[:500]
    )
    for event_id in event_ids:
        deliver_event(event_id=event_id)
    return len(event_ids)


def purge_outbox() -> int:
    """Drop events older than the retention whose handlers are done and that no stream still has to send; without
    this the outbox grows for ever. Returns how many went."""
    pending = Delivery.objects.filter(event_id=OuterRef("pk"), status=Delivery.Status.PENDING)
    queued = StreamItem.objects.filter(event_id=OuterRef("pk"))
    expired = OutboxEvent.objects.filter(occurred_at__lt=timezone.now() - timedelta(days=RETENTION_DAYS))
    expired = expired.exclude(Exists(pending)).exclude(Exists(queued)).order_by()
    purged = 0
    while ids := list(expired.values_list("pk", flat=True)[:PURGE_CHUNK]):
        OutboxEvent.objects.filter(pk__in=ids).delete()
        purged += len(ids)
    return purged
