from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class EventEnvelope:
    id: UUID
    type: str
    organisation_id: int | None
    payload: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True)
class AuditRecord:
    id: int
    created_at: datetime
    actor_kind: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class StreamKind(StrEnum):
    """What a data stream carries; each outbox event type feeds at most one kind (events.records)."""

    USAGE = "usage"
    EVENTS = "events"
    SMS_FORWARD = "sms_forward"  # the SMS forwarder: one per organisation, one record per request


class StreamState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DEGRADED = "degraded"  # the receiver fails; records queue and are retried until it is back


STREAM_DEGRADED = "events.stream.degraded"  # outbox event: payload {stream_id, name, remote_status, last_error}


@dataclass(frozen=True)
class StreamBacklog:
    count: int
    oldest_enqueued_at: datetime | None
