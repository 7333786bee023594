"""Services of data streams and the SMS forwarder. Destinations are checked (DNS included) before the transaction
opens, so a slow resolver never holds the database's write lock."""

from __future__ import annotations

import re
import ssl
import string
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.core import crypto, netguard
from switchboard.core import validation as v
from switchboard.core.errors import ValidationFailed
from switchboard.core.principal import Permission, Principal

from ... import selectors
from ...contracts import StreamKind, StreamState
from ...models import DataStream, StreamAttempt, default_topic_template
from ...records import sample_record
from ..audit import audit_record
from .pump import attempt_row, deliver
from .queue import QUEUE_DAYS, requeue
from .signing import new_secret
from .targets import ROTATION_OVERLAP, Batch, open_target, target_config, target_names

MAX_STREAMS = 10  # per organisation, the SMS forwarder not counted
STREAM_KINDS = (StreamKind.USAGE.value, StreamKind.EVENTS.value)
SIGNED_TARGETS = ("webhook",)
MAX_HEADERS = 20
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")  # an RFC 9110 token
RESERVED_HEADERS = frozenset(
    {"host", "content-type", "content-length", "transfer-encoding", "connection", "user-agent"}
)
TOPIC_FIELDS = frozenset({"organisation_id", "iccid", "kind"})
REPLAY_GRACE = timedelta(minutes=5)  # a "last 7 days" window computed a moment ago still fits


def _audit(principal: Principal, action: str, stream: DataStream, *, before=None, after=None) -> None:
    audit_record(
        principal=principal,
        action=action,
        object_type="data_stream",
        object_id=stream.pk,
        object_repr=stream.name,
        before=before,
        after=after,
    )


def _headers(value: object) -> dict[str, str]:
    if not value:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_HEADERS:
        raise ValidationFailed(
            _("Give at most %(n)d headers as names and values.") % {"n": MAX_HEADERS}, field="headers", code="invalid"
        )
    headers = {}
    for name, content in value.items():
        if not isinstance(name, str) or not HEADER_NAME.match(name):
            raise ValidationFailed(_("%(name)s is not a valid header name.") % {"name": name}, field="headers")
        if name.lower() in RESERVED_HEADERS or name.lower().startswith("webhook-"):
            raise ValidationFailed(
                _("The header %(name)s is set by the platform.") % {"name": name}, field="headers", code="reserved"
            )
        if (
            not isinstance(content, str)
            or len(content) > 1000
            or any((ord(ch) < 32 and ch != "\t") or ord(ch) > 126 for ch in content)  # HTTP carries ASCII only
        ):
            raise ValidationFailed(
                _("The value of %(name)s must be plain ASCII text of at most 1000 characters on one line.")
                % {"name": name},
                field="headers",
            )
        headers[name] = content
    return headers


def _topic_template(value: object) -> str:
    template = v.text(value or default_topic_template(), field="topic_template", max_length=255)
    invalid = ValidationFailed(
        _("Use a topic without wildcards; placeholders: {organisation_id}, {iccid}, {kind}."),
        field="topic_template",
        code="invalid_topic",
    )
    try:
        fields = [(name, spec, conversion) for _text, name, spec, conversion in string.Formatter().parse(template)]
    except ValueError:
        raise invalid from None
    if any(name is not None and (name not in TOPIC_FIELDS or spec or conversion) for name, spec, conversion in fields):
        raise invalid
    if template.startswith("$") or "+" in template or "#" in template:
        raise invalid
    return template


def _certificate(value: object) -> str:
    pem = str(value or "").strip()
    if pem:
        try:
            ssl.create_default_context(cadata=pem)
        except (ssl.SSLError, ValueError):
            raise ValidationFailed(
                _("Paste the CA certificate in PEM format."), field="mqtt_ca", code="invalid_certificate"
            ) from None
    return pem


def _destination(
    target: str,
    *,
    url: object = "",
    headers: object = None,
    mqtt_host: object = "",
    mqtt_port: object = None,
    mqtt_tls: object = False,
    mqtt_ca: object = "",
    mqtt_username: object = "",
    mqtt_password: object = None,
    topic_template: object = "",
) -> dict[str, Any]:
    """The model fields of a checked destination; `headers` or `mqtt_password` None keeps the stored ones. Header
    values are stored encrypted: they are usually the receiver's credentials."""
    if target != "mqtt":
        fields: dict[str, Any] = {"url": netguard.check_url(url, field="url")}
        if headers is not None:
            fields["headers"] = {name: crypto.encrypt(value) for name, value in _headers(headers).items()}
        return fields
    host = v.text(mqtt_host, field="mqtt_host", max_length=255)
    tls = bool(mqtt_tls)
    try:
        port = int(mqtt_port or (8883 if tls else 1883))
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        raise ValidationFailed(_("Enter a port between 1 and 65535."), field="mqtt_port", code="invalid")
    netguard.check_host(host, port, field="mqtt_host")
    fields = {
        "url": "",
        "headers": {},
        "mqtt_host": host,
        "mqtt_port": port,
        "mqtt_tls": tls,
        "mqtt_ca": _certificate(mqtt_ca),
        "mqtt_username": v.text(mqtt_username, field="mqtt_username", max_length=255, required=False),
        "topic_template": _topic_template(topic_template),
    }
    if mqtt_password is not None:
        password = str(mqtt_password)
        if len(password) > 255:
            raise ValidationFailed(_("At most 255 characters are allowed."), field="mqtt_password", code="too_long")
        fields["mqtt_password"] = crypto.encrypt(password) if password else ""
    return fields


def _new_stream(
    principal: Principal, *, name: str, kind: str, target: str, destination: dict[str, Any]
) -> tuple[DataStream, str | None]:
    plain = new_secret() if target in SIGNED_TARGETS else None
    stream = DataStream.objects.create(
        organisation_id=principal.organisation_id,
        name=name,
        kind=kind,
        target=target,
        signing_secret=crypto.encrypt(plain) if plain else "",
        **destination,
    )
    _audit(principal, "stream.created", stream, after=selectors.stream_shape(stream))
    return stream, plain


def stream_create(
    *,
    principal: Principal,
    name: str,
    kind: str,
    target: str,
    url: str = "",
    headers: dict[str, str] | None = None,
    mqtt_host: str = "",
    mqtt_port: int | None = None,
    mqtt_tls: bool = False,
    mqtt_ca: str = "",
    mqtt_username: str = "",
    mqtt_password: str = "",
    topic_template: str = "",
) -> tuple[DataStream, str | None]:
    """Returns the stream and its signing secret in clear text (webhooks; None for MQTT): the one time it is shown."""
    principal.require(Permission.INTEGRATIONS_MANAGE)
    name = v.text(name, field="name", max_length=100)
    kind = v.choice(kind, field="kind", allowed=STREAM_KINDS)
    target = v.choice(target, field="target", allowed=target_names())
    destination = _destination(
        target,
        url=url,
        headers=headers or {},
        mqtt_host=mqtt_host,
        mqtt_port=mqtt_port,
        mqtt_tls=mqtt_tls,
        mqtt_ca=mqtt_ca,
        mqtt_username=mqtt_username,
        mqtt_password=mqtt_password,
        topic_template=topic_template,
    )
    with transaction.atomic():
        existing = DataStream.objects.filter(organisation_id=principal.organisation_id).exclude(
            kind=StreamKind.SMS_FORWARD
        )
        if existing.count() >= MAX_STREAMS:
            raise ValidationFailed(
                _("An organisation can have at most %(n)d data streams.") % {"n": MAX_STREAMS}, code="stream_limit"
            )
        return _new_stream(principal, name=name, kind=kind, target=target, destination=destination)


def stream_update(
    *,
    principal: Principal,
    stream_id: int,
    name: str | None = None,
    url: str | None = None,
    headers: dict[str, str] | None = None,
    mqtt_host: str | None = None,
    mqtt_port: int | None = None,
    mqtt_tls: bool | None = None,
    mqtt_ca: str | None = None,
    mqtt_username: str | None = None,
    mqtt_password: str | None = None,
    topic_template: str | None = None,
) -> DataStream:
    """Changes what is given (None leaves a field as it is; "" clears a text); kind and target stay, since the
    queue already holds records of the kind. The whole destination is checked again."""
    current = selectors.stream_get(principal=principal, stream_id=stream_id)
    given = {
        "url": url,
        "mqtt_host": mqtt_host,
        "mqtt_port": mqtt_port,
        "mqtt_tls": mqtt_tls,
        "mqtt_ca": mqtt_ca,
        "mqtt_username": mqtt_username,
        "topic_template": topic_template,
    }
    merged = {key: getattr(current, key) if value is None else value for key, value in given.items()}
    destination = _destination(current.target, headers=headers, mqtt_password=mqtt_password, **merged)
    if name is not None:
        destination["name"] = v.text(name, field="name", max_length=100)
    with transaction.atomic():
        stream = selectors.stream_get(principal=principal, stream_id=stream_id, for_update=True)
        before = selectors.stream_shape(stream)
        for key, value in destination.items():
            setattr(stream, key, value)
        stream.save(update_fields=list(destination))
        _audit(principal, "stream.updated", stream, before=before, after=selectors.stream_shape(stream))
    return stream


@transaction.atomic
def stream_delete(*, principal: Principal, stream_id: int) -> None:
    """Its queue and delivery log go with it."""
    stream = selectors.stream_get(principal=principal, stream_id=stream_id, for_update=True)
    _audit(principal, "stream.deleted", stream, before=selectors.stream_shape(stream))
    stream.delete()


@transaction.atomic
def stream_pause(*, principal: Principal, stream_id: int) -> DataStream:
    """Nothing is sent while paused; records keep queueing (for up to 7 days)."""
    stream = selectors.stream_get(principal=principal, stream_id=stream_id, for_update=True)
    if stream.state != StreamState.PAUSED:
        before = selectors.stream_shape(stream)
        stream.state = StreamState.PAUSED
        stream.save(update_fields=["state"])
        _audit(principal, "stream.paused", stream, before=before, after=selectors.stream_shape(stream))
    return stream


@transaction.atomic
def stream_resume(*, principal: Principal, stream_id: int) -> DataStream:
    """A paused stream starts again from a clean slate; a degraded one is retried now instead of after its back-off."""
    stream = selectors.stream_get(principal=principal, stream_id=stream_id, for_update=True)
    before = selectors.stream_shape(stream)
    stream.next_attempt_at = timezone.now()
    changed = ["next_attempt_at"]
    if stream.state == StreamState.PAUSED:
        stream.state = StreamState.ACTIVE
        stream.consecutive_failures = 0
        stream.degraded_since = stream.owner_notified_at = None
        changed += ["state", "consecutive_failures", "degraded_since", "owner_notified_at"]
    stream.save(update_fields=changed)
    _audit(principal, "stream.resumed", stream, before=before, after=selectors.stream_shape(stream))
    return stream


@transaction.atomic
def stream_rotate_secret(*, principal: Principal, stream_id: int) -> str:
    """A new signing secret, returned in clear text once; for 24 hours requests carry signatures with the new and
    the replaced secret, so the receiver can switch without refusing a request."""
    stream = selectors.stream_get(principal=principal, stream_id=stream_id, for_update=True)
    if stream.target not in SIGNED_TARGETS:
        raise ValidationFailed(_("Only webhook requests are signed."), field="target", code="not_signed")
    plain = new_secret()
    stream.previous_secret = stream.signing_secret
    stream.previous_secret_until = timezone.now() + ROTATION_OVERLAP
    stream.signing_secret = crypto.encrypt(plain)
    stream.save(update_fields=["signing_secret", "previous_secret", "previous_secret_until"])
    _audit(principal, "stream.secret_rotated", stream)
    return plain


def stream_replay(*, principal: Principal, stream_id: int, start: datetime, end: datetime) -> int:
    """Queue again the records of [start, end), at most 7 days back, in their order; returns how many. Receivers
    see the ids they had before."""
    now = timezone.now()
    start, end = (timezone.make_aware(t) if timezone.is_naive(t) else t for t in (start, end))
    if start < now - timedelta(days=QUEUE_DAYS) - REPLAY_GRACE:
        raise ValidationFailed(
            _("Replay reaches back at most %(n)d days.") % {"n": QUEUE_DAYS}, field="start", code="too_old"
        )
    if end <= start:
        raise ValidationFailed(_("The end must lie after the start."), field="end", code="invalid_range")
    stream = selectors.stream_get(principal=principal, stream_id=stream_id)
    # Chunk by chunk, each in its own short transaction: a week of a large fleet must not hold the database.
    count = requeue(stream, start=start, end=min(end, now))
    _audit(
        principal,
        "stream.replayed",
        stream,
        after={"start": start.isoformat(), "end": end.isoformat(), "records": count},
    )
    return count


def stream_send_test(*, principal: Principal, stream_id: int) -> StreamAttempt:
    """Send one made-up record of the stream's kind now, past its queue and whatever its state, and log the attempt
    as a test. The stream's own state does not change."""
    stream = selectors.stream_get(principal=principal, stream_id=stream_id)
    batch = Batch(
        [sample_record(StreamKind(stream.kind), stream.organisation_id)],
        ["test"],
        single=stream.kind == StreamKind.SMS_FORWARD,
    )
    target = open_target(target_config(stream))
    try:
        outcome, latency_ms = deliver(target, batch)
    finally:
        target.close()
    with transaction.atomic():
        attempt = attempt_row(stream.pk, batch, outcome, latency_ms, is_test=True)
        attempt.save()
        _audit(principal, "stream.tested", stream, after={"ok": outcome.ok, "remote_status": outcome.remote_status})
    return attempt


def forwarding_set(
    *, principal: Principal, url: str, headers: dict[str, str] | None = None
) -> tuple[DataStream, str | None]:
    """Forward the organisation's MO SMS to `url`, one signed POST per message (1NCE's SMS forwarder). Returns the
    forwarder and, when it is new, its signing secret in clear text (None when an existing one changed)."""
    principal.require(Permission.INTEGRATIONS_MANAGE)
    destination = _destination("webhook", url=url, headers=headers or {})
    with transaction.atomic():
        stream = (
            DataStream.objects.select_for_update()
            .filter(organisation_id=principal.organisation_id, kind=StreamKind.SMS_FORWARD)
            .first()
        )
        if stream is None:
            return _new_stream(
                principal,
                name=str(_("SMS forwarder")),
                kind=StreamKind.SMS_FORWARD,
                target="webhook",
                destination=destination,
            )
        before = selectors.stream_shape(stream)
        for key, value in destination.items():
            setattr(stream, key, value)
        stream.save(update_fields=list(destination))
        _audit(principal, "stream.updated", stream, before=before, after=selectors.stream_shape(stream))
        return stream, None


def forwarding_delete(*, principal: Principal) -> None:
    stream = selectors.forwarding_get(principal=principal)
    if stream is not None:
        stream_delete(principal=principal, stream_id=stream.pk)
