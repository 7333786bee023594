"""MT out and MO in through the whole chain — services, gateway, SMPP adapter — against the in-repo SMSC stub."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from switchboard.sms import services
from switchboard.sms.contracts import SmsStatus, SmsType
from switchboard.sms.gateway import SmsGateway
from switchboard.sms.models import Sms
from switchboard.sms.services import MtRequest
from switchboard.sms.testing.smsc_stub import SmscStub
from switchboard.tenancy.selectors import principal_for_membership

ESME_RX_R_APPN = 0x66  # "reject message"


def wait_for(condition, timeout: float = 10.0) -> bool:
    """Polls while the adapter's thread writes; SQLite's shared in-memory test database answers "locked" then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass
        time.sleep(0.05)
    return False


def pumped(gateway: SmsGateway, sms: Sms) -> Sms:
    """The message after another gateway round, which also applies receipts kept back for a retry."""
    gateway.pump_once()
    return Sms.objects.get(pk=sms.pk)


@pytest.fixture
def smsc(transactional_db, fleet):
    with SmscStub(system_id="switchboard", password="smpp-pw") as stub:
        operator = principal_for_membership(fleet.operator_admin)
        services.smsc_configure(
            principal=operator,
            wanted=services.SmscSettings(
                kind="smpp", host="127.0.0.1", port=stub.port, system_id="switchboard", password="smpp-pw"
            ),
        )
        gateway = SmsGateway()
        adapter, _source = gateway.adapter_for(fleet.sim.organisation_id)
        assert adapter.wait_bound(10), "the gateway did not bind to the SMSC stub"
        yield stub, gateway
        gateway.stop()


def test_mt_goes_out_as_submit_sm_and_its_receipts_deliver_it(smsc, world, fleet):
    stub, gateway = smsc
    owner = principal_for_membership(world.owner)
    text = "Grüße aus Kiel ✓ " * 5  # UCS-2, 85 units: two concatenated parts
    sms = services.sms_send(principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload=text))
    assert gateway.pump_once() == 1
    assert [p.data_coding for p in stub.submitted] == [8, 8]
    assert {p.destination_addr for p in stub.submitted} == {fleet.sim.msisdn}
    stored = Sms.objects.get(pk=sms.pk)
    assert stored.submitted and len(stored.smsc_message_ids) == 2 and all(stored.smsc_message_ids)
    assert wait_for(lambda: pumped(gateway, sms).parts_delivered == 2)
    assert Sms.objects.get(pk=sms.pk).status == SmsStatus.DELIVERED


def test_an_undeliverable_mt_ends_failed(smsc, world, fleet):
    stub, gateway = smsc
    stub.receipt_stat = "UNDELIV"
    owner = principal_for_membership(world.owner)
    sms = services.sms_send(principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload="no one home"))
    gateway.pump_once()
    assert wait_for(lambda: pumped(gateway, sms).status == SmsStatus.FAILED)


def test_mo_from_a_device_is_stored_and_device_to_device_is_rejected(smsc, fleet):
    stub, _gateway = smsc
    assert stub.send_mo(fleet.sim.msisdn, "4940123456", b"temp=19.5") == 0
    mo = Sms.objects.get(type=SmsType.MO)
    assert mo.payload == "temp=19.5" and mo.sim_id == fleet.sim.pk
    assert stub.send_mo(fleet.sim.msisdn, fleet.sims[1].msisdn, b"hi neighbour") == ESME_RX_R_APPN
    assert Sms.objects.filter(type=SmsType.MO).count() == 1
