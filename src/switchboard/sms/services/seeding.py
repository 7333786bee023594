"""A few SMS on the demo fleet, made through the real services: commands sent to devices and their answers."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from switchboard.connectivity import selectors as connectivity
from switchboard.core.principal import Principal

from ..contracts import DeliveryReceipt, InboundSms, ReceiptState
from . import network, sending

CONVERSATIONS = (
    ("STATUS?", "OK temp=4.2C door=closed batt=87%"),
    ("SET INTERVAL 300", "ACK interval=300s"),
    ("GPS", "POS 53.5511,9.9937 speed=0"),
)
SERVER_NUMBER = "4940123456"


def demo_sms(*, customer: Principal) -> None:
    sims = [s for s in connectivity.sims_list(principal=customer).order_by("iccid")[:3] if s.msisdn]
    start = timezone.now() - timedelta(hours=6)
    for n, (sim, (command, answer)) in enumerate(zip(sims, CONVERSATIONS, strict=False)):
        at = start + timedelta(minutes=40 * n)
        sms = sending.sms_send(principal=customer, iccid=sim.iccid, request=sending.MtRequest(payload=command), at=at)
        network.mark_submitted(sms.pk, {1: f"demo-{sms.pk}"})
        network.apply_receipt(
            DeliveryReceipt(ReceiptState.DELIVERED, message_id=f"demo-{sms.pk}", done_at=at + timedelta(seconds=4)),
            operator_id=sms.operator_id,
        )
        network.sms_received(
            InboundSms(
                source=sim.msisdn,
                destination=SERVER_NUMBER,
                data=answer.encode(),
                data_coding=0,
                received_at=at + timedelta(seconds=30),
            ),
            operator_id=sms.operator_id,
        )
