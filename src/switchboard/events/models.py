"""Outbox, audit log and data streams. Organisations and actors are kept as plain ids and labels so history outlives
them."""

import uuid

from django.db import models
from django.utils import timezone

from .contracts import StreamKind, StreamState


class OutboxEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=100, db_index=True)
    organisation_id = models.BigIntegerField(null=True, db_index=True)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["occurred_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class Delivery(models.Model):
    """One event handed to one handler; retried independently so a failing handler never repeats another."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="delivery_once_per_handler")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.handler} ← {self.event_id} ({self.status})"


class AuditEntry(models.Model):
    organisation_id = models.BigIntegerField(db_index=True)
    actor_kind = models.CharField(max_length=20)
    actor_id = models.BigIntegerField(null=True)
    actor_label = models.CharField(max_length=255)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_repr}"


def default_topic_template() -> str:
    return "switchboard/{organisation_id}/{iccid}/{kind}"


class DataStream(models.Model):
    """A customer's receiver of usage or event records (or the SMS forwarder), with its queue's delivery state.
    Secrets (signing secrets, the MQTT password) are stored encrypted with core.crypto."""

    organisation_id = models.BigIntegerField()
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=[(k.value, k.value) for k in StreamKind])
    target = models.CharField(max_length=20)  # a registered target adapter: "webhook", "mqtt", ...
    url = models.CharField(max_length=2000, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    mqtt_host = models.CharField(max_length=255, blank=True)
    mqtt_port = models.PositiveIntegerField(null=True, blank=True)
    mqtt_tls = models.BooleanField(default=False)
    mqtt_ca = models.TextField(blank=True)  # PEM of the CA that signed the broker's certificate, if not public
    mqtt_username = models.CharField(max_length=255, blank=True)
    mqtt_password = models.TextField(blank=True)
    topic_template = models.CharField(max_length=255, default=default_topic_template)
    signing_secret = models.TextField(blank=True)
    previous_secret = models.TextField(blank=True)  # still signs, next to the new one, until previous_secret_until
    previous_secret_until = models.DateTimeField(null=True, blank=True)

    state = models.CharField(
        max_length=10, choices=[(s.value, s.value) for s in StreamState], default=StreamState.ACTIVE.value
    )
    remote_status = models.CharField(max_length=100, blank=True)  # last HTTP status, or the broker's answer
    last_error = models.CharField(max_length=500, blank=True)
    last_delivered_at = models.DateTimeField(null=True, blank=True)
    degraded_since = models.DateTimeField(null=True, blank=True)
    owner_notified_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)  # a pump is delivering a batch until then
    lease_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organisation_id", "kind"], name="stream_org_kind"),
            models.Index(fields=["state", "next_attempt_at"], name="stream_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id"], condition=models.Q(kind="sms_forward"), name="stream_one_sms_forwarder"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StreamItem(models.Model):
    """One outbox event waiting for one stream; deleted once its receiver has it. Delivered in id order."""

    stream = models.ForeignKey(DataStream, on_delete=models.CASCADE, related_name="items")
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="+")
    partition = models.CharField(max_length=64, blank=True)  # the SIM (ICCID)
    enqueued_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["stream", "id"], name="streamitem_queue")]

    def __str__(self) -> str:
        return f"{self.stream_id} ← {self.event_id}"


class StreamAttempt(models.Model):
    """The delivery log: one row per request (webhook) or batch of publishes (MQTT), kept for a bounded time."""

    stream = models.ForeignKey(DataStream, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    records = models.PositiveIntegerField()
    first_record_id = models.CharField(max_length=100, blank=True)
    last_record_id = models.CharField(max_length=100, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    mqtt_rc = models.SmallIntegerField(null=True, blank=True)
    ok = models.BooleanField()
    latency_ms = models.PositiveIntegerField()
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    is_test = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["stream", "-id"], name="streamattempt_log")]

    def __str__(self) -> str:
        return f"{self.stream_id} {self.at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else 'failed'}"
