"""Where a stream's records go: one interface for every destination. The built-ins (HTTPS webhook, MQTT broker)
register here; another package adds a target (Kinesis, Kafka, Datadog, ...) through the entry point group
`switchboard.stream_targets`, naming a factory `(TargetConfig) -> StreamTarget`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib.metadata import entry_points
from typing import Any, Protocol

from django.utils import timezone

from switchboard.core import crypto

from ...contracts import StreamKind
from ...models import DataStream

ENTRY_POINT_GROUP = "switchboard.stream_targets"
ROTATION_OVERLAP = timedelta(hours=24)  # a replaced signing secret keeps signing this long


@dataclass(frozen=True)
class TargetConfig:
    """A stream's destination with its secrets in clear text; compared to tell when a connection must be renewed."""

    stream_id: int
    organisation_id: int
    kind: StreamKind
    target: str
    url: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    signing_secrets: tuple[str, ...] = ()  # newest first
    mqtt_host: str = ""
    mqtt_port: int = 0
    mqtt_tls: bool = False
    mqtt_ca: str = ""
    mqtt_username: str = ""
    mqtt_password: str = ""
    topic_template: str = ""


@dataclass(frozen=True)
class Batch:
    records: list[dict[str, Any]]
    partitions: list[str]  # the SIM of each record
    single: bool = False  # send the one record as it is, not in a list (the SMS forwarder)

    @property
    def message_id(self) -> str:
        """The same for the same records, so a batch sent again after a crash carries the webhook-id it had."""
        ids = "\n".join(str(record.get("id")) for record in self.records)
        return "msg_" + hashlib.sha256(ids.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    remote_status: str  # what the stream shows as "remote status": the HTTP status, or the broker's answer
    http_status: int | None = None
    mqtt_rc: int | None = None
    response_excerpt: str = ""
    error: str = ""


class StreamTarget(Protocol):
    """Delivers whole batches: `ok` only when the receiver has taken every record. May keep a connection open
    between batches; `close` ends it."""

    def deliver(self, batch: Batch) -> Outcome: ...

    def close(self) -> None: ...


TargetFactory = Callable[[TargetConfig], StreamTarget]
_factories: dict[str, TargetFactory] = {}


def register_target(name: str, factory: TargetFactory) -> None:
    _factories[name] = factory


@cache
def _load_entry_points() -> None:
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        register_target(entry.name, entry.load())


def target_names() -> list[str]:
    _load_entry_points()
    return sorted(_factories)


def open_target(config: TargetConfig) -> StreamTarget:
    _load_entry_points()
    return _factories[config.target](config)


def target_config(stream: DataStream) -> TargetConfig:
    secrets = [crypto.decrypt(stream.signing_secret)] if stream.signing_secret else []
    if stream.previous_secret and stream.previous_secret_until and stream.previous_secret_until > timezone.now():
        secrets.append(crypto.decrypt(stream.previous_secret))
    return TargetConfig(
        stream_id=stream.pk,
        organisation_id=stream.organisation_id,
        kind=StreamKind(stream.kind),
        target=stream.target,
        url=stream.url,
        headers=tuple(sorted((name, crypto.decrypt(value)) for name, value in stream.headers.items())),
        signing_secrets=tuple(secrets),
        mqtt_host=stream.mqtt_host,
        mqtt_port=stream.mqtt_port or 0,
        mqtt_tls=stream.mqtt_tls,
        mqtt_ca=stream.mqtt_ca,
        mqtt_username=stream.mqtt_username,
        mqtt_password=crypto.decrypt(stream.mqtt_password) if stream.mqtt_password else "",
        topic_template=stream.topic_template,
    )
