"""What the SMSC side does to messages: MO in, MT handed over, delivery receipts, expiry.

Called by the gateway and by the Kannel callbacks only, never by customers, so these take no principal.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.connectivity import selectors as connectivity
from switchboard.connectivity import services as network
from switchboard.connectivity.contracts import SmsDirection
from switchboard.events.services import emit

from .. import encoding
from ..contracts import DeliveryReceipt, InboundSms, ReceiptState, SmsStatus, SmsType
from ..models import Sms, SmscReceiptPart
from .sending import emit_usage

MO_RECEIVED = "sms.mo.received"
CLAIM_FOR = timedelta(minutes=2)  # a gateway that dies mid-submit leaves the message due again after this
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=15)
FINAL_STATES = {
    ReceiptState.DELIVERED: SmsStatus.DELIVERED,
    ReceiptState.FAILED: SmsStatus.FAILED,
    ReceiptState.EXPIRED: SmsStatus.EXPIRED,
}


def normalise_number(value: str) -> str:
    """E.164 digits as SIMs store their MSISDN: without "+" or a leading "00"."""
    number = (value or "").strip().lstrip("+")
    return number[2:] if number.startswith("00") else number


def sms_received(inbound: InboundSms) -> bool:
    """Store an MO message and pass it on (forwarding, streams); False rejects it towards the SMSC."""
    at = inbound.received_at or timezone.now()
    sender = connectivity.unscoped_sms_endpoint(msisdn=normalise_number(inbound.source))
    if sender is None:
        return False
    try:
        text = encoding.decode(inbound.data, inbound.data_coding)
    except ValueError:  # a coding we cannot read: rejected for good, not retried by the SMSC
        return False
    recipient = connectivity.unscoped_sms_endpoint(msisdn=normalise_number(inbound.destination))
    with transaction.atomic():
        if recipient is not None:  # as at 1NCE: devices reach servers, not each other
            network.record_refused_sms(
                sim_id=sender.sim_id,
                direction=SmsDirection.MO,
                reason=_("Device-to-device SMS is not supported."),
                at=at,
            )
            return False
        decision = network.admit_sms(sim_id=sender.sim_id, direction=SmsDirection.MO, parts=1, at=at)
        if not decision.accepted:
            return False
        concat = encoding.concat_info(inbound.udh) if inbound.udh else None
        sms = Sms.objects.create(
            organisation_id=sender.organisation_id,
            sim_id=sender.sim_id,
            type=SmsType.MO,
            status=SmsStatus.DELIVERED,
            payload=text,
            udh=inbound.udh.hex().upper(),
            dcs=inbound.data_coding,
            pid=inbound.protocol_id,
            source_address=sender.msisdn,
            destination_address=normalise_number(inbound.destination),
            msisdn=sender.msisdn,
            imsi=sender.imsi,
            concat_reference=concat[0] if concat else None,
            part_number=concat[2] if concat else 1,
            parts=concat[1] if concat else 1,
            parts_delivered=1,
            submit_date=at,
            expiry_date=at,
            delivery_date=at,
            final_date=at,
        )
        emit(MO_RECEIVED, organisation_id=sms.organisation_id, payload={"sms_id": sms.pk, "iccid": sender.iccid})
        emit_usage(sms)
    return True


def due_ids(*, limit: int = 100, now: datetime | None = None) -> list[int]:
    """MT messages waiting for the SMSC, oldest first."""
    now = now or timezone.now()
    return list(
        Sms.objects.filter(type=SmsType.MT, status=SmsStatus.PENDING, submitted=False, retry_date__lte=now)
        .order_by("retry_date", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def claim(sms_id: int, *, now: datetime | None = None) -> Sms | None:
    """Take a due message for one submit; another gateway process gets nothing (a conditional UPDATE, no lock held
    while the SMSC answers). An expired one is closed instead."""
    now = now or timezone.now()
    due = Sms.objects.filter(pk=sms_id, status=SmsStatus.PENDING, submitted=False, retry_date__lte=now)
    if not due.update(retry_date=now + CLAIM_FOR, last_delivery_attempt=now):
        return None
    sms = Sms.objects.select_related("sim").get(pk=sms_id)
    if sms.expiry_date <= now:
        _finish(sms, SmsStatus.EXPIRED, now, _("The SMS expired before the SMSC took it."))
        return None
    return sms


@transaction.atomic
def mark_submitted(sms_id: int, message_ids: tuple[str, ...]) -> None:
    Sms.objects.filter(pk=sms_id).update(submitted=True, smsc_message_ids=list(message_ids), error="", retry_date=None)
    SmscReceiptPart.objects.bulk_create(
        SmscReceiptPart(sms_id=sms_id, message_id=mid, part=n) for n, mid in enumerate(message_ids, start=1) if mid
    )


def mark_submit_failed(sms_id: int, error: str, *, permanent: bool, now: datetime | None = None) -> None:
    """A refused submit fails the message; a temporary one waits (longer each time) until the SMS expires."""
    now = now or timezone.now()
    sms = Sms.objects.filter(pk=sms_id, status=SmsStatus.PENDING).first()
    if sms is None:
        return
    if permanent:
        _finish(sms, SmsStatus.FAILED, now, error)
        return
    wait = min(RETRY_MAX, RETRY_FIRST * 2**sms.retry_count)
    Sms.objects.filter(pk=sms_id).update(retry_count=F("retry_count") + 1, retry_date=now + wait, error=error[:255])


def apply_receipt(receipt: DeliveryReceipt, *, now: datetime | None = None) -> bool:
    """Apply a delivery receipt; False when no message matches it (yet: SMPP may report before we stored the ids)."""
    now = now or timezone.now()
    with transaction.atomic():
        sms = _receipt_target(receipt)
        if sms is None:
            return False
        if sms.status != SmsStatus.PENDING:
            return True  # a late or repeated receipt changes nothing
        sms.last_delivery_attempt = receipt.done_at or now
        if receipt.state is ReceiptState.ACCEPTED:
            sms.save(update_fields=["last_delivery_attempt"])
        elif receipt.state is ReceiptState.DELIVERED:
            sms.parts_delivered = min(sms.parts, sms.parts_delivered + 1)
            if sms.parts_delivered >= sms.parts:
                sms.status = SmsStatus.DELIVERED
                sms.delivery_date = sms.final_date = receipt.done_at or now
            sms.save(
                update_fields=["parts_delivered", "status", "delivery_date", "final_date", "last_delivery_attempt"]
            )
        else:
            _finish(sms, FINAL_STATES[receipt.state], receipt.done_at or now, receipt.error)
    return True


def _receipt_target(receipt: DeliveryReceipt) -> Sms | None:
    sms = Sms.objects.select_for_update()
    if receipt.reference:
        return sms.filter(pk=int(receipt.reference), type=SmsType.MT).first() if receipt.reference.isdigit() else None
    part = SmscReceiptPart.objects.filter(message_id=receipt.message_id).order_by("-pk").first()
    return sms.filter(pk=part.sms_id).first() if part else None


def _finish(sms: Sms, status: SmsStatus, at: datetime, error: str = "") -> None:
    sms.status = status
    sms.final_date = at
    sms.retry_date = None
    sms.error = error[:255]
    sms.save(update_fields=["status", "final_date", "retry_date", "error", "last_delivery_attempt"])


def expire_overdue(*, now: datetime | None = None) -> int:
    """Pending messages past their expiry that no receipt closed (the SMSC forgot them, or none will come)."""
    now = now or timezone.now()
    return Sms.objects.filter(type=SmsType.MT, status=SmsStatus.PENDING, expiry_date__lte=now).update(
        status=SmsStatus.EXPIRED, final_date=now, retry_date=None
    )
