"""RADIUS clients (the operator's packet gateways), their accounting sessions, and the Disconnect-Requests we owe
them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from switchboard.core.models import TimeStampedModel


class NasClient(TimeStampedModel):
    """A packet gateway (PGW/GGSN/BNG) allowed to talk RADIUS to us, by source address or subnet."""

    organisation_id = models.BigIntegerField(db_index=True)  # the operator running the gateway
    name = models.CharField(_("name"), max_length=100)
    network = models.CharField(_("address or subnet"), max_length=43)  # CIDR text, e.g. 192.0.2.10/32
    secret_encrypted = models.TextField()
    require_message_authenticator = models.BooleanField(_("require Message-Authenticator"), default=False)
    disconnect_port = models.PositiveIntegerField(_("Disconnect/CoA port"), default=3799)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("RADIUS client")
        verbose_name_plural = _("RADIUS clients")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation_id", "name"], name="nasclient_org_name"),
            models.UniqueConstraint(fields=["network"], name="nasclient_network"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.network})"


class Session(models.Model):
    """One data session as the gateway reports it; counters are the cumulative totals already counted."""

    nas = models.ForeignKey(NasClient, on_delete=models.CASCADE, related_name="sessions")
    nas_address = models.GenericIPAddressField()  # where the Disconnect-Request goes
    acct_session_id = models.CharField(max_length=64)
    sim_id = models.BigIntegerField(null=True)
    imsi = models.CharField(max_length=15, blank=True)
    framed_ip = models.GenericIPAddressField(null=True)
    charging_id = models.BigIntegerField(null=True)
    input_octets = models.PositiveBigIntegerField(default=0)
    output_octets = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True)
    session_time = models.PositiveIntegerField(default=0)
    terminate_cause = models.PositiveSmallIntegerField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["nas", "acct_session_id"], name="aaasession_nas_session")]
        indexes = [
            models.Index(fields=["sim_id"], condition=Q(stopped_at=None), name="aaasession_open_sim"),
            models.Index(fields=["stopped_at"], name="aaasession_stopped"),
        ]

    def __str__(self) -> str:
        return self.acct_session_id


class Disconnect(models.Model):
    """A Disconnect-Request owed to a gateway; the RADIUS server sends it, retries, and records the outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACKED = "acked", _("disconnected")
        NAKED = "naked", _("refused by the gateway")
        FAILED = "failed", _("no answer")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="disconnects")
    sim_id = models.BigIntegerField(null=True)
    reason = models.CharField(max_length=40)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    error_cause = models.PositiveSmallIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="aaadisconnect_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "reason"], condition=Q(status="pending"), name="aaadisconnect_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.status})"
