from __future__ import annotations

from typing import Any

from switchboard.core.principal import Principal

from ..models import AuditEntry


def audit_record(
    *,
    principal: Principal,
    action: str,
    object_type: str,
    object_id: object,
    object_repr: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organisation_id: int | None = None,
) -> None:
    """Call inside the service's transaction, so the entry exists exactly when the change does."""
    AuditEntry.objects.create(
        organisation_id=organisation_id or principal.organisation_id,
        actor_kind=principal.kind,
        actor_id=principal.actor_id,
        actor_label=principal.label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:255],
        before=before,
        after=after,
    )
