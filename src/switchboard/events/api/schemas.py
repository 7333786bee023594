from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

TOPIC_HELP = "MQTT topic per SIM; placeholders {organisation_id}, {iccid}, {kind}"


class StreamIn(Schema):
    name: str
    kind: Literal["usage", "events"]
    target: str = Field(description="webhook or mqtt")
    url: str = Field("", description="Webhook: the https:// (or http://) URL records are POSTed to")
    headers: dict[str, str] | None = Field(None, description="Webhook: static headers sent with every request")
    mqtt_host: str = ""
    mqtt_port: int | None = Field(None, description="Defaults to 8883 with TLS, else 1883")
    mqtt_tls: bool = False
    mqtt_ca: str = Field("", description="PEM of the CA that signed the broker's certificate, if not public")
    mqtt_username: str = ""
    mqtt_password: str = ""
    topic_template: str = Field("", description=TOPIC_HELP)


class StreamPatch(Schema):
    name: str | None = None
    url: str | None = None
    headers: dict[str, str] | None = None
    mqtt_host: str | None = None
    mqtt_port: int | None = None
    mqtt_tls: bool | None = None
    mqtt_ca: str | None = None
    mqtt_username: str | None = None
    mqtt_password: str | None = Field(None, description="Leave out to keep it, send an empty text to remove it")
    topic_template: str | None = Field(None, description=TOPIC_HELP)


class StreamOut(Schema):
    id: int
    name: str
    kind: str
    target: str
    url: str
    header_names: list[str] = Field(description="Header values are not shown again")
    mqtt_host: str
    mqtt_port: int | None
    mqtt_tls: bool
    mqtt_username: str
    topic_template: str
    state: Literal["active", "paused", "degraded"]
    remote_status: str = Field(description="The receiver's last answer: HTTP status, or the MQTT broker's")
    last_error: str
    last_delivered_at: datetime | None
    degraded_since: datetime | None
    consecutive_failures: int
    next_attempt_at: datetime
    previous_secret_until: datetime | None = Field(description="Until then requests carry the old signature too")
    backlog: int = Field(description="Records queued for delivery")
    oldest_queued_at: datetime | None
    created_at: datetime


class StreamCreatedOut(StreamOut):
    secret: str | None = Field(description="Webhook signing secret (Standard Webhooks); shown this once only")


class SecretOut(Schema):
    secret: str
    previous_secret_until: datetime


class ReplayIn(Schema):
    start: datetime
    end: datetime


class ReplayOut(Schema):
    queued: int


class AttemptOut(Schema):
    id: int
    at: datetime
    records: int
    first_record_id: str
    last_record_id: str
    http_status: int | None
    mqtt_rc: int | None
    ok: bool
    latency_ms: int
    response_excerpt: str
    error: str
    is_test: bool


class ForwardingIn(Schema):
    url: str
    headers: dict[str, str] | None = None


class ForwardingCreatedOut(StreamOut):
    secret: str | None = Field(description="Signing secret when the forwarder was created; null when it changed")
