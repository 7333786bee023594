from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from ninja import Query, Router, Schema

from switchboard.core.api import Paging, paged

from .. import selectors

router = Router(tags=["audit"])


class AuditOut(Schema):
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


class AuditFilter(Paging):
    action: str | None = None
    object_type: str | None = None


@router.get("/audit-log", response=list[AuditOut])
def audit_list(request, response: HttpResponse, filters: Query[AuditFilter]):
    entries = selectors.audit_list(principal=request.auth, action=filters.action, object_type=filters.object_type)
    return paged(response, entries, filters)
