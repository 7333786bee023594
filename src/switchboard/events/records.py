"""What data streams send: each app registers, for the outbox event types it emits, the stream kind they feed and
the record they become. Events of a type nobody registered never reach a stream and cost the outbox nothing.

    @stream_records("connectivity.sim.*", kind=StreamKind.EVENTS)
    def sim_event(event: EventEnvelope) -> dict: ...

A record is a JSON object with a stable "id": delivery is at least once, and receivers drop what they have seen by
that id, so formatting the same event twice must give the same record. The partition key names the SIM (its ICCID
by default, from the payload's "iccid"): records of one SIM are delivered in the order of their events, and MQTT
topics name it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from switchboard.core.formats import v2_timestamp

from .contracts import EventEnvelope, StreamKind

Record = dict[str, Any]
Formatter = Callable[[EventEnvelope], Record]
Partition = Callable[[EventEnvelope], str]
Sample = Callable[[int], Record]  # organisation id → a record as the kind's receivers see them, for "send test"


def by_iccid(event: EventEnvelope) -> str:
    return str(event.payload.get("iccid") or "")


@dataclass(frozen=True)
class RecordSource:
    pattern: str  # an event type, or a prefix ending in "*"
    kind: StreamKind
    format: Formatter
    partition: Partition


_exact: dict[str, RecordSource] = {}
_prefixes: dict[str, RecordSource] = {}
_samples: dict[StreamKind, Sample] = {}
_resolved: dict[str, RecordSource | None] = {}  # event type → source, so emit() looks up each type once


def stream_records(
    event_type: str, *, kind: StreamKind, partition: Partition = by_iccid
) -> Callable[[Formatter], Formatter]:
    """Register the decorated function as the formatter of `event_type`; "app.thing.*" matches every type that
    starts with "app.thing." (the longest matching prefix wins, an exact type wins over any prefix)."""

    def register(fn: Formatter) -> Formatter:
        source = RecordSource(event_type, StreamKind(kind), fn, partition)
        if event_type.endswith("*"):
            _prefixes[event_type.removesuffix("*")] = source
        else:
            _exact[event_type] = source
        _resolved.clear()
        return fn

    return register


def stream_sample(kind: StreamKind) -> Callable[[Sample], Sample]:
    """Register the record "send test record" sends to streams of `kind`."""

    def register(fn: Sample) -> Sample:
        _samples[StreamKind(kind)] = fn
        return fn

    return register


def source_for(event_type: str) -> RecordSource | None:
    if event_type in _resolved:
        return _resolved[event_type]
    found = _exact.get(event_type)
    if found is None:
        prefixes = [prefix for prefix in _prefixes if event_type.startswith(prefix)]
        found = _prefixes[max(prefixes, key=len)] if prefixes else None
    _resolved[event_type] = found
    return found


def sample_record(kind: StreamKind, organisation_id: int) -> Record:
    sample = _samples.get(StreamKind(kind))
    if sample is not None:
        return sample(organisation_id)
    return {
        "id": f"test-{uuid.uuid4().hex}",
        "timestamp": v2_timestamp(timezone.now()),
        "organisation": {"id": organisation_id},
        "description": "Test record",
    }
