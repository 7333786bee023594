from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from switchboard.connectivity.contracts import SimEventType
from switchboard.connectivity.models import Sim, SimConnectivity, SimEvent
from switchboard.connectivity.tests.factories import online
from switchboard.events.models import OutboxEvent
from switchboard.sms import services
from switchboard.sms.contracts import DeliveryReceipt, InboundSms, ReceiptState, SmscError, SmsStatus, Submitted
from switchboard.sms.gateway import SmsGateway
from switchboard.sms.models import Sms
from switchboard.sms.services import MtRequest


def send(owner, sim, text="hello device") -> Sms:
    return services.sms_send(principal=owner, iccid=sim.iccid, request=MtRequest(payload=text))


def fresh(sms: Sms) -> Sms:
    return Sms.objects.get(pk=sms.pk)


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
    outcomes = [SmscError("throttled"), SmscError("unknown subscriber", permanent=True)]

    def refuse(sms):
        raise outcomes.pop(0)

    monkeypatch.setattr(adapter, "submit", refuse)
    first, second = send(owner, fleet.sims[0]), send(owner, fleet.sims[1])
    gateway.pump_once()
    retried = fresh(first)
    assert retried.status == SmsStatus.PENDING and retried.retry_count == 1 and not retried.submitted
    assert retried.retry_date > timezone.now() + timedelta(seconds=20) and retried.error == "throttled"
    failed = fresh(second)
    assert failed.status == SmsStatus.FAILED and failed.final_date is not None
    assert gateway.pump_once() == 0  # nothing due until the retry time


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
    gateway.sink.receipt(DeliveryReceipt(ReceiptState.DELIVERED, message_id="smsc-77"))
    assert fresh(sms).status == SmsStatus.PENDING
    services.mark_submitted(sms.pk, Submitted(("smsc-77",)).message_ids)
    gateway.sink.retry_orphans()
    assert fresh(sms).status == SmsStatus.DELIVERED


def mo(sim, text="temp=21.5", destination="4930555000") -> InboundSms:
    return InboundSms(source="+" + sim.msisdn, destination=destination, data=text.encode(), data_coding=0)


def test_an_mo_is_stored_counted_and_passed_on(fleet):
    assert services.sms_received(mo(fleet.sim))
    stored = Sms.objects.get()
    assert (stored.type, stored.status, stored.payload, stored.source_address) == (2, 4, "temp=21.5", fleet.sim.msisdn)
    assert Sim.objects.get(pk=fleet.sim.pk).sms_remaining == 249
    received = OutboxEvent.objects.get(type=services.MO_RECEIVED)
    assert received.payload["sms_id"] == stored.pk and received.organisation_id == fleet.sim.organisation_id


def test_device_to_device_unknown_senders_and_exhausted_sims_are_rejected(fleet):
    assert not services.sms_received(mo(fleet.sims[0], destination=fleet.sims[1].msisdn))
    assert SimEvent.objects.filter(sim=fleet.sims[0], type=SimEventType.SMS_REFUSED).exists()
    stranger = InboundSms(source="491700000000", destination="4930555000", data=b"hi", data_coding=0)
    assert not services.sms_received(stranger)
    Sim.objects.filter(pk=fleet.sims[2].pk).update(sms_remaining=0)
    assert not services.sms_received(mo(fleet.sims[2]))
    assert not Sms.objects.exists()


def test_a_long_mo_keeps_its_part_numbers(fleet):
    part = InboundSms(
        source=fleet.sim.msisdn, destination="4930", data=b"part two", data_coding=0, udh=bytes.fromhex("0500032A0302")
    )
    assert services.sms_received(part)
    stored = Sms.objects.get()
    assert (stored.concat_reference, stored.parts, stored.part_number) == (0x2A, 3, 2)


def test_the_simulated_smsc_knows_reachability_from_the_network_state(fleet):
    SimConnectivity.objects.filter(sim=fleet.sim).delete()
    from switchboard.connectivity import selectors

    assert not selectors.unscoped_sms_endpoint(msisdn=fleet.sim.msisdn).reachable
    online(fleet.sim)
    assert selectors.unscoped_sms_endpoint(msisdn=fleet.sim.msisdn).reachable
