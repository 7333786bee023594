"""What the SMSC side does to messages: MO in, MT handed over, delivery receipts, expiry.

Called by the gateway and by the Kannel callbacks only, never by customers, so these take no principal.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.connectivity import selectors as connectivity
from switchboard.connectivity import services as network
from switchboard.connectivity.contracts import SmsDirection
from switchboard.events.services import emit

from .. import encoding, operators
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


def sms_received(inbound: InboundSms, *, operator_id: int | None) -> bool:
    """Store an MO message and pass it on (forwarding, streams); False rejects it towards the SMSC. Only SIMs of the
    operator whose SMSC delivered it are found."""
    at = inbound.received_at or timezone.now()
    sender = connectivity.unscoped_sms_endpoint(msisdn=normalise_number(inbound.source))
    if sender is None or operators.operator_of(sender.organisation_id) != operator_id:
        return False
    try:
        text = encoding.decode(inbound.data, inbound.data_coding)
        concat = encoding.concat_info(inbound.udh) if inbound.udh else None
    except ValueError:  # a coding or header we cannot read: rejected for good, not retried by the SMSC
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
        sms = Sms.objects.create(
            organisation_id=sender.organisation_id,
            operator_id=operator_id,
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
    if not due.update(retry_date=now + CLAIM_FOR, claimed_until=now + CLAIM_FOR, last_delivery_attempt=now):
        return None
    sms = Sms.objects.select_related("sim").get(pk=sms_id)
    if sms.expiry_date <= now:
        _finish(sms, SmsStatus.EXPIRED, now, _("The SMS expired before the SMSC took it."))
        return None
    return sms


def parts_taken(sms_id: int) -> frozenset[int]:
    """The parts of a message the SMSC has taken already (an earlier attempt stopped half-way)."""
    return frozenset(SmscReceiptPart.objects.filter(sms_id=sms_id).values_list("part", flat=True))


def mark_parts_taken(sms_id: int, message_ids: dict[int, str]) -> None:
    """Remember the parts the SMSC took, with its ids, so receipts find them and a retry leaves them out."""
    SmscReceiptPart.objects.bulk_create(
        [SmscReceiptPart(sms_id=sms_id, message_id=mid, part=part) for part, mid in message_ids.items()],
        ignore_conflicts=True,
    )


@transaction.atomic
def mark_submitted(sms_id: int, message_ids: dict[int, str]) -> None:
    """Every part is with the SMSC now: those of this attempt (by part number) and any taken before."""
    mark_parts_taken(sms_id, message_ids)
    ids = list(SmscReceiptPart.objects.filter(sms_id=sms_id).order_by("part").values_list("message_id", flat=True))
    Sms.objects.filter(pk=sms_id).update(
        submitted=True, smsc_message_ids=ids, error="", retry_date=None, claimed_until=None
    )


def mark_submit_failed(sms_id: int, *, permanent: bool, now: datetime | None = None) -> None:
    """A refused submit fails the message; a temporary one waits (longer each time) until the SMS expires. What the
    customer reads is general: the SMSC's own words name the operator's systems and are logged instead."""
    now = now or timezone.now()
    sms = Sms.objects.filter(pk=sms_id, status=SmsStatus.PENDING).first()
    if sms is None:
        return
    if permanent:
        _finish(sms, SmsStatus.FAILED, now, _("The SMSC refused the message."))
        return
    wait = min(RETRY_MAX, RETRY_FIRST * 2**sms.retry_count)
    Sms.objects.filter(pk=sms_id).update(
        retry_count=F("retry_count") + 1,
        retry_date=now + wait,
        claimed_until=None,
        error=_("The SMSC did not take the message yet; it is tried again."),
    )


def apply_receipt(receipt: DeliveryReceipt, *, operator_id: int | None, now: datetime | None = None) -> bool:
    """Apply a delivery receipt of the operator's SMSC; False when none of its messages matches it (yet: SMPP may
    report before we stored the ids). A part reported delivered twice counts once."""
    now = now or timezone.now()
    with transaction.atomic():
        found = _receipt_target(receipt, operator_id)
        if found is None:
            return False
        sms, part = found
        if sms.status != SmsStatus.PENDING:
            return True  # a late or repeated receipt changes nothing
        sms.last_delivery_attempt = receipt.done_at or now
        if receipt.state is ReceiptState.ACCEPTED:
            sms.save(update_fields=["last_delivery_attempt"])
        elif receipt.state is ReceiptState.DELIVERED:
            if part is not None and not SmscReceiptPart.objects.filter(pk=part.pk, delivered=False).update(
                delivered=True
            ):
                return True
            sms.parts_delivered = min(sms.parts, sms.parts_delivered + 1)
            if sms.parts_delivered >= sms.parts:
                sms.status = SmsStatus.DELIVERED
                sms.delivery_date = sms.final_date = receipt.done_at or now
            sms.save(
                update_fields=["parts_delivered", "status", "delivery_date", "final_date", "last_delivery_attempt"]
            )
        else:
            _finish(sms, FINAL_STATES[receipt.state], receipt.done_at or now, _("The network could not deliver it."))
    return True


def _receipt_target(receipt: DeliveryReceipt, operator_id: int | None) -> tuple[Sms, SmscReceiptPart | None] | None:
    messages = Sms.objects.select_for_update().filter(type=SmsType.MT, operator_id=operator_id)
    if receipt.reference:
        if not receipt.reference.isdigit():
            return None
        sms = messages.filter(pk=int(receipt.reference)).first()
        part = SmscReceiptPart.objects.filter(sms=sms, part=receipt.part).first() if sms and receipt.part else None
        return (sms, part) if sms else None
    part = (
        SmscReceiptPart.objects.filter(message_id=receipt.message_id, sms__operator_id=operator_id)
        .exclude(message_id="")
        .order_by("-pk")
        .first()
    )
    sms = messages.filter(pk=part.sms_id).first() if part else None
    return (sms, part) if sms else None


def _finish(sms: Sms, status: SmsStatus, at: datetime, error: str = "") -> None:
    """Close the message; one that never left (refused or expired before the SMSC took it) is given back to the
    SIM's SMS volume, as a cancelled one is."""
    sms.status = status
    sms.final_date = at
    sms.retry_date = sms.claimed_until = None
    sms.error = error[:255]
    sms.save(update_fields=["status", "final_date", "retry_date", "claimed_until", "error", "last_delivery_attempt"])
    if not sms.submitted and sms.type == SmsType.MT:
        network.refund_sms(sim_id=sms.sim_id, direction=SmsDirection.MT, parts=sms.parts, at=sms.submit_date)


def expire_overdue(*, now: datetime | None = None) -> int:
    """Pending messages past their expiry that no receipt closed (the SMSC forgot them, or none will come)."""
    now = now or timezone.now()
    overdue = Sms.objects.filter(type=SmsType.MT, status=SmsStatus.PENDING, expiry_date__lte=now)
    unsent = list(overdue.filter(submitted=False).filter(Q(claimed_until=None) | Q(claimed_until__lt=now))[:500])
    for sms in unsent:
        with transaction.atomic():
            _finish(sms, SmsStatus.EXPIRED, now, _("The SMS expired before the SMSC took it."))
    return len(unsent) + overdue.filter(submitted=True).update(
        status=SmsStatus.EXPIRED, final_date=now, retry_date=None
    )
