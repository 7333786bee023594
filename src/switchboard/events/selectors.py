from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from switchboard.core.errors import NotFound
from switchboard.core.principal import Permission, Principal

from .contracts import StreamBacklog, StreamKind
from .models import AuditEntry, DataStream, StreamAttempt, StreamItem


def audit_list(*, principal: Principal, action: str | None = None, object_type: str | None = None) -> QuerySet:
    """The audit trail of the principal's own organisation, newest first."""
    principal.require(Permission.AUDIT_VIEW)
    entries = AuditEntry.objects.filter(organisation_id=principal.organisation_id)
    if action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    return entries


def streams_list(*, principal: Principal) -> QuerySet[DataStream]:
    """The organisation's data streams, the SMS forwarder among them (kind "sms_forward"), oldest first."""
    principal.require(Permission.INTEGRATIONS_MANAGE)
    return DataStream.objects.filter(organisation_id=principal.organisation_id)


def stream_get(*, principal: Principal, stream_id: int, for_update: bool = False) -> DataStream:
    """One of the organisation's streams; another organisation's is simply not found."""
    principal.require(Permission.INTEGRATIONS_MANAGE)
    streams = DataStream.objects.select_for_update() if for_update else DataStream.objects
    try:
        return streams.get(pk=stream_id, organisation_id=principal.organisation_id)
    except (DataStream.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Data stream not found."), field="stream_id", code="stream_not_found") from None


def stream_attempts(*, principal: Principal, stream_id: int) -> QuerySet[StreamAttempt]:
    """The stream's delivery log, newest first."""
    stream = stream_get(principal=principal, stream_id=stream_id)
    return StreamAttempt.objects.filter(stream=stream).order_by("-id")


def stream_backlog(*, principal: Principal, stream_id: int) -> StreamBacklog:
    stream = stream_get(principal=principal, stream_id=stream_id)
    queued = StreamItem.objects.filter(stream=stream)
    return StreamBacklog(queued.count(), queued.order_by("id").values_list("enqueued_at", flat=True).first())


def forwarding_get(*, principal: Principal) -> DataStream | None:
    """The organisation's SMS forwarder, if it set one up."""
    principal.require(Permission.INTEGRATIONS_MANAGE)
    return DataStream.objects.filter(organisation_id=principal.organisation_id, kind=StreamKind.SMS_FORWARD).first()


def stream_shape(stream: DataStream) -> dict[str, Any]:
    """What a stream is, for the audit log and the API: never a secret or a header's value."""
    return {
        "name": stream.name,
        "kind": stream.kind,
        "target": stream.target,
        "url": stream.url,
        "header_names": sorted(stream.headers),
        "mqtt_host": stream.mqtt_host,
        "mqtt_port": stream.mqtt_port,
        "mqtt_tls": stream.mqtt_tls,
        "mqtt_username": stream.mqtt_username,
        "topic_template": stream.topic_template,
        "state": stream.state,
    }
