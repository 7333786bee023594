"""SMS to and from SIMs, and the SMSC each operator's messages go through."""

from django.db import models
from django.db.models import Q

from .contracts import SmscKind, SmsStatus, SmsType, SourceAddressType


class Sms(models.Model):
    """One message: MT as the customer asked for it (however many parts), MO one part as the device sent it."""

    organisation_id = models.BigIntegerField()  # the SIM's organisation when the message was made
    operator_id = models.BigIntegerField(null=True)  # whose SMSC carries it: receipts from another one never match
    sim = models.ForeignKey("connectivity.Sim", on_delete=models.CASCADE, related_name="+")
    type = models.PositiveSmallIntegerField(choices=[(t.value, t.name) for t in SmsType])
    status = models.PositiveSmallIntegerField(choices=[(s.value, s.name) for s in SmsStatus])
    payload = models.TextField()  # text, or hex octets when dcs is 4
    udh = models.CharField(max_length=280, blank=True)  # hex, as the customer gave it (MT) or the device sent it (MO)
    dcs = models.PositiveSmallIntegerField(default=0)
    pid = models.PositiveSmallIntegerField(default=0)
    source_address = models.CharField(max_length=32, blank=True)
    source_address_type = models.PositiveSmallIntegerField(
        choices=[(t.value, t.name) for t in SourceAddressType], default=SourceAddressType.INTERNATIONAL
    )
    destination_address = models.CharField(max_length=32, blank=True)
    msisdn = models.CharField(max_length=15, blank=True)
    imsi = models.CharField(max_length=15, blank=True)
    parts = models.PositiveSmallIntegerField(default=1)
    parts_delivered = models.PositiveSmallIntegerField(default=0)
    # MO: which part of a long message this is (1NCE's forwarder passes it on as multi_part_info)
    concat_reference = models.PositiveIntegerField(null=True, blank=True)
    part_number = models.PositiveSmallIntegerField(default=1)
    submit_date = models.DateTimeField(db_index=True)
    expiry_date = models.DateTimeField()
    delivery_date = models.DateTimeField(null=True, blank=True)
    final_date = models.DateTimeField(null=True, blank=True)
    retry_date = models.DateTimeField(null=True, blank=True)  # MT: when the gateway tries (again); null = not queued
    last_delivery_attempt = models.DateTimeField(null=True, blank=True)
    retry_count = models.PositiveSmallIntegerField(default=0)
    submitted = models.BooleanField(default=False)  # the SMSC has taken every part
    claimed_until = models.DateTimeField(null=True, blank=True)  # a gateway is handing it to the SMSC right now
    smsc_message_ids = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_by = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-submit_date", "-id"]
        indexes = [
            models.Index(fields=["sim", "-submit_date"], name="sms_by_sim"),
            models.Index(fields=["status", "retry_date"], name="sms_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="sms_idempotency_key_once",
            )
        ]

    def __str__(self) -> str:
        return f"{SmsType(self.type).name} {self.pk} → {self.msisdn}"


class SmscReceiptPart(models.Model):
    """Which message and part an SMSC message id belongs to, so a delivery receipt finds its SMS at once."""

    sms = models.ForeignKey(Sms, on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=65, blank=True)  # empty where the SMSC gives none (Kannel)
    part = models.PositiveSmallIntegerField()
    delivered = models.BooleanField(default=False)  # a repeated receipt for the part counts once

    class Meta:
        indexes = [models.Index(fields=["message_id"], name="sms_receipt_lookup")]
        constraints = [models.UniqueConstraint(fields=["sms", "part"], name="sms_receipt_part_once")]

    def __str__(self) -> str:
        return f"{self.message_id} → SMS {self.sms_id} part {self.part}"


class SmscConnection(models.Model):
    """The SMSC an operator's SMS go through; without one the built-in simulated SMSC is used."""

    operator_id = models.BigIntegerField(unique=True)  # the operator organisation
    kind = models.CharField(max_length=10, choices=[(k.value, k.value) for k in SmscKind], default=SmscKind.SIMULATED)
    host = models.CharField(max_length=255, blank=True)  # SMPP
    port = models.PositiveIntegerField(null=True, blank=True)
    system_id = models.CharField(max_length=16, blank=True)
    sendsms_url = models.URLField(blank=True)  # Kannel
    username = models.CharField(max_length=100, blank=True)
    password_encrypted = models.TextField(blank=True)
    callback_token_encrypted = models.TextField(blank=True)  # Kannel's MO and DLR calls carry this token
    default_source = models.CharField(max_length=16, default="Switchboard")
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind} for operator {self.operator_id}"
