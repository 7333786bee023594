"""Stream queues: filled when events are emitted (and on replay), emptied by the pump, bounded by the purge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from ...contracts import EventEnvelope
from ...models import DataStream, OutboxEvent, StreamAttempt, StreamItem
from ...records import RecordSource, source_for

QUEUE_DAYS = 7  # a paused or failing stream keeps this much; replay reaches this far back
ATTEMPT_DAYS = 30
ATTEMPTS_PER_STREAM = 10_000
REPLAY_CHUNK = 2000


def _envelope(event: OutboxEvent) -> EventEnvelope:
    return EventEnvelope(event.id, event.type, event.organisation_id, event.payload, event.occurred_at)


def _item(stream_id: int, event: OutboxEvent, source: RecordSource, now: datetime) -> StreamItem:
    partition = source.partition(_envelope(event))[:64]
    return StreamItem(stream_id=stream_id, event_id=event.pk, partition=partition, enqueued_at=now)


def fan_out(events: list[OutboxEvent]) -> None:
    """Queue each event for every stream of its organisation that takes its kind, paused streams included: one
    SELECT for the streams of all organisations concerned and one bulk INSERT, whatever the number of events.
    Events of a type no stream kind takes cost nothing more."""
    routed = [
        (event, source)
        for event in events
        if event.organisation_id is not None and (source := source_for(event.type)) is not None
    ]
    if not routed:
        return
    streams: dict[tuple[int, str], list[int]] = defaultdict(list)
    found = DataStream.objects.filter(
        organisation_id__in={event.organisation_id for event, _ in routed},
        kind__in={source.kind for _, source in routed},
    ).values_list("pk", "organisation_id", "kind")
    for stream_id, organisation_id, kind in found:
        streams[(organisation_id, kind)].append(stream_id)
    now = timezone.now()
    items = [
        _item(stream_id, event, source, now)
        for event, source in routed
        for stream_id in streams.get((event.organisation_id, source.kind), ())
    ]
    if items:
        StreamItem.objects.bulk_create(items)


def requeue(stream: DataStream, *, start: datetime, end: datetime) -> int:
    """Queue again, in their order, the stream's organisation's events of its kind that occurred in [start, end)."""
    window = OutboxEvent.objects.filter(
        organisation_id=stream.organisation_id, occurred_at__gte=start, occurred_at__lt=end
    )
    types = [
        event_type
        for event_type in window.order_by().values_list("type", flat=True).distinct()
        if (source := source_for(event_type)) is not None and source.kind == stream.kind
    ]
    events = window.filter(type__in=types).order_by("occurred_at", "id").iterator(chunk_size=REPLAY_CHUNK)
    now = timezone.now()
    count = 0
    for chunk in _chunks(events, REPLAY_CHUNK):
        StreamItem.objects.bulk_create([_item(stream.pk, event, source_for(event.type), now) for event in chunk])
        count += len(chunk)
    return count


def _chunks(events: Iterable[OutboxEvent], size: int) -> Iterable[list[OutboxEvent]]:
    chunk: list[OutboxEvent] = []
    for event in events:
        chunk.append(event)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def purge_streams() -> None:
    """Queued items older than the queue keeps them, and the delivery log beyond its age or length."""
    now = timezone.now()
    StreamItem.objects.filter(enqueued_at__lt=now - timedelta(days=QUEUE_DAYS)).delete()
    StreamAttempt.objects.filter(at__lt=now - timedelta(days=ATTEMPT_DAYS)).delete()
    for stream_id in DataStream.objects.values_list("pk", flat=True):
        oldest_kept = (
            StreamAttempt.objects.filter(stream_id=stream_id)
            .order_by("-id")
            .values_list("id", flat=True)[ATTEMPTS_PER_STREAM - 1 : ATTEMPTS_PER_STREAM]
        )
        for attempt_id in oldest_kept:
            StreamAttempt.objects.filter(stream_id=stream_id, id__lt=attempt_id).delete()
