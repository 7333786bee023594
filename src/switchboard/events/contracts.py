from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
