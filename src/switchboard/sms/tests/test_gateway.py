from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from switchboard.connectivity.contracts import SimEventType
from switchboard.connectivity.models import Sim, SimConnectivity, SimEvent
from switchboard.connectivity.tests.factories import online
from switchboard.core.errors import Conflict
from switchboard.events.models import OutboxEvent
from switchboard.sms import services
from switchboard.sms.contracts import (
    DeliveryReceipt,
    InboundSms,
    ReceiptState,
    SmscError,
    SmsStatus,
    SmsType,
    Submitted,
)
from switchboard.sms.gateway import SmsGateway
from switchboard.sms.models import Sms
from switchboard.sms.services import MtRequest


def send(owner, sim, text="hello device") -> Sms:
    return services.sms_send(principal=owner, iccid=sim.iccid, request=MtRequest(payload=text))


def fresh(sms: Sms) -> Sms:
    return Sms.objects.get(pk=sms.pk)


def OPERATOR(fleet) -> int:
    return fleet.operator_admin.organisation_id


@pytest.fixture
def gateway():
    gateway = SmsGateway(tick_every=3600)  # the tests tick the simulated SMSC themselves
    yield gateway
    gateway.stop()


def test_simulated_smsc_delivers_to_an_attached_device(owner, fleet, gateway):
    online(fleet.sim)
    sms = send(owner, fleet.sim, "x" * 200)
    assert gateway.pump_once() == 1
    submitted = fresh(sms)
    assert submitted.submitted and len(submitted.smsc_message_ids) == 2 and submitted.status == SmsStatus.PENDING
    adapter, _source = gateway.adapter_for(fleet.sim.organisation_id)
    adapter.tick()
    delivered = fresh(sms)
    assert delivered.status == SmsStatus.DELIVERED and delivered.parts_delivered == 2
    assert delivered.delivery_date is not None and delivered.final_date is not None


def test_a_detached_device_gets_the_message_when_it_attaches_or_never(owner, fleet, gateway):
    waiting = send(owner, fleet.sims[0])
    lost = send(owner, fleet.sims[1])
    gateway.pump_once()
    adapter, _source = gateway.adapter_for(fleet.sim.organisation_id)
    adapter.tick()
    assert fresh(waiting).status == SmsStatus.PENDING
    online(fleet.sims[0])
    later = timezone.now() + timedelta(days=3)  # past the 48 h default validity of the other one
    adapter.tick(later)
    assert fresh(waiting).status == SmsStatus.DELIVERED
    assert fresh(lost).status == SmsStatus.EXPIRED


def test_a_temporary_smsc_failure_is_retried_later_and_a_permanent_one_fails(owner, fleet, gateway, monkeypatch):
    adapter, _source = gateway.adapter_for(fleet.sim.organisation_id)
    outcomes = [SmscError("throttled at 10.0.0.5"), SmscError("unknown subscriber", permanent=True)]

    def refuse(sms):
        raise outcomes.pop(0)

    monkeypatch.setattr(adapter, "submit", refuse)
    first, second = send(owner, fleet.sims[0]), send(owner, fleet.sims[1])
    gateway.pump_once()
    retried = fresh(first)
    assert retried.status == SmsStatus.PENDING and retried.retry_count == 1 and not retried.submitted
    assert retried.retry_date > timezone.now() + timedelta(seconds=20) and "10.0.0.5" not in retried.error
    failed = fresh(second)
    assert failed.status == SmsStatus.FAILED and failed.final_date is not None
    assert gateway.pump_once() == 0  # nothing due until the retry time


def test_a_retry_after_a_half_taken_message_sends_only_the_parts_left(owner, fleet, gateway, monkeypatch):
    adapter, _source = gateway.adapter_for(fleet.sim.organisation_id)
    sent: list[tuple[int, ...]] = []

    def half_then_all(message):
        sent.append(message.part_numbers)
        if len(sent) == 1:
            raise SmscError("throttled", accepted=("id-1",))
        return Submitted(tuple(f"id-{n}" for n in message.part_numbers))

    monkeypatch.setattr(adapter, "submit", half_then_all)
    sms = send(owner, fleet.sim, "z" * 300)  # two parts
    gateway.pump_once()
    Sms.objects.filter(pk=sms.pk).update(retry_date=timezone.now())
    gateway.pump_once()
    assert sent == [(1, 2), (2,)]
    assert fresh(sms).submitted and fresh(sms).smsc_message_ids == ["id-1", "id-2"]


def test_two_gateways_never_submit_the_same_message(owner, fleet):
    sms = send(owner, fleet.sim)
    assert services.claim(sms.pk) is not None
    assert services.claim(sms.pk) is None


def test_a_message_expired_while_queued_is_not_submitted(owner, fleet, gateway):
    sms = send(owner, fleet.sim)
    Sms.objects.filter(pk=sms.pk).update(expiry_date=timezone.now() - timedelta(seconds=1))
    gateway.pump_once()
    assert fresh(sms).status == SmsStatus.EXPIRED and not fresh(sms).submitted


def test_a_receipt_that_outruns_its_submit_response_is_applied_once_the_ids_are_stored(owner, fleet, gateway):
    sms = send(owner, fleet.sim)
    sink = gateway.sink(sms.operator_id)
    sink.receipt(DeliveryReceipt(ReceiptState.DELIVERED, message_id="smsc-77"))
    assert fresh(sms).status == SmsStatus.PENDING
    services.mark_submitted(sms.pk, {1: "smsc-77"})
    sink.retry_orphans()
    assert fresh(sms).status == SmsStatus.DELIVERED


def test_a_repeated_receipt_for_one_part_counts_once(owner, fleet):
    sms = send(owner, fleet.sim, "y" * 200)
    services.mark_submitted(sms.pk, {1: "p-1", 2: "p-2"})
    for _ in range(2):
        assert services.apply_receipt(
            DeliveryReceipt(ReceiptState.DELIVERED, message_id="p-1"), operator_id=sms.operator_id
        )
    assert (fresh(sms).parts_delivered, fresh(sms).status) == (1, SmsStatus.PENDING)
    services.apply_receipt(DeliveryReceipt(ReceiptState.DELIVERED, message_id="p-2"), operator_id=sms.operator_id)
    assert fresh(sms).status == SmsStatus.DELIVERED


def test_receipts_and_mo_of_another_operators_smsc_touch_nothing(owner, fleet):
    sms = send(owner, fleet.sim)
    services.mark_submitted(sms.pk, {1: "shared-id"})
    stranger = sms.operator_id + 1000
    assert not services.apply_receipt(
        DeliveryReceipt(ReceiptState.FAILED, message_id="shared-id"), operator_id=stranger
    )
    by_reference = DeliveryReceipt(ReceiptState.FAILED, reference=str(sms.pk), part=1)
    assert not services.apply_receipt(by_reference, operator_id=stranger)
    assert fresh(sms).status == SmsStatus.PENDING
    assert not services.sms_received(mo(fleet.sim), operator_id=stranger)
    assert not Sms.objects.filter(type=SmsType.MO).exists()


def test_an_sms_being_submitted_cannot_be_cancelled_and_one_that_never_left_is_refunded(owner, fleet):
    claimed = send(owner, fleet.sims[0])
    assert services.claim(claimed.pk) is not None
    with pytest.raises(Conflict):
        services.sms_cancel(principal=owner, iccid=fleet.sims[0].iccid, sms_id=claimed.pk)
    services.mark_submit_failed(claimed.pk, permanent=True)
    assert fresh(claimed).status == SmsStatus.FAILED and fresh(claimed).error == "The SMSC refused the message."
    expired = send(owner, fleet.sims[1])
    services.expire_overdue(now=timezone.now() + timedelta(days=3))
    assert fresh(expired).status == SmsStatus.EXPIRED
    assert [Sim.objects.get(pk=s.pk).sms_remaining for s in fleet.sims[:2]] == [250, 250]


def mo(sim, text="temp=21.5", destination="4930555000") -> InboundSms:
    return InboundSms(source="+" + sim.msisdn, destination=destination, data=text.encode(), data_coding=0)


def test_an_mo_is_stored_counted_and_passed_on(fleet):
    assert services.sms_received(mo(fleet.sim), operator_id=OPERATOR(fleet))
    stored = Sms.objects.get()
    assert (stored.type, stored.status, stored.payload, stored.source_address) == (2, 4, "temp=21.5", fleet.sim.msisdn)
    assert Sim.objects.get(pk=fleet.sim.pk).sms_remaining == 249
    received = OutboxEvent.objects.get(type=services.MO_RECEIVED)
    assert received.payload["sms_id"] == stored.pk and received.organisation_id == fleet.sim.organisation_id


def test_device_to_device_unknown_senders_and_exhausted_sims_are_rejected(fleet):
    assert not services.sms_received(mo(fleet.sims[0], destination=fleet.sims[1].msisdn), operator_id=OPERATOR(fleet))
    assert SimEvent.objects.filter(sim=fleet.sims[0], type=SimEventType.SMS_REFUSED).exists()
    stranger = InboundSms(source="491700000000", destination="4930555000", data=b"hi", data_coding=0)
    assert not services.sms_received(stranger, operator_id=OPERATOR(fleet))
    Sim.objects.filter(pk=fleet.sims[2].pk).update(sms_remaining=0)
    assert not services.sms_received(mo(fleet.sims[2]), operator_id=OPERATOR(fleet))
    assert not Sms.objects.exists()


def test_a_long_mo_keeps_its_part_numbers(fleet):
    part = InboundSms(
        source=fleet.sim.msisdn, destination="4930", data=b"part two", data_coding=0, udh=bytes.fromhex("0500032A0302")
    )
    assert services.sms_received(part, operator_id=OPERATOR(fleet))
    stored = Sms.objects.get()
    assert (stored.concat_reference, stored.parts, stored.part_number) == (0x2A, 3, 2)


def test_the_simulated_smsc_knows_reachability_from_the_network_state(fleet):
    SimConnectivity.objects.filter(sim=fleet.sim).delete()
    from switchboard.connectivity import selectors

    assert not selectors.unscoped_sms_endpoint(msisdn=fleet.sim.msisdn).reachable
    online(fleet.sim)
    assert selectors.unscoped_sms_endpoint(msisdn=fleet.sim.msisdn).reachable
