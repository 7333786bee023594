from __future__ import annotations

from django.db.models import QuerySet

from switchboard.core.principal import Permission, Principal

from .models import AuditEntry


def audit_list(*, principal: Principal, action: str | None = None, object_type: str | None = None) -> QuerySet:
    """The audit trail of the principal's own organisation, newest first."""
    principal.require(Permission.AUDIT_VIEW)
    entries = AuditEntry.objects.filter(organisation_id=principal.organisation_id)
    if action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    return entries
