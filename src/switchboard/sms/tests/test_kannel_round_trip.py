"""MT out and MO in through Debian's Kannel (bearerbox + smsbox + fakesmsc playing the SMSC) and our own web routes:
the gateway calls Kannel's sendsms, Kannel calls back our DLR and MO URLs with the operator's token."""

from __future__ import annotations

import time

import pytest

from switchboard.core import crypto
from switchboard.sms import services
from switchboard.sms.contracts import SmsStatus, SmsType
from switchboard.sms.gateway import SmsGateway, kannel_callback_url
from switchboard.sms.models import Sms, SmscConnection
from switchboard.sms.services import MtRequest
from switchboard.sms.smsc.kannel import MO_GET_URL_TEMPLATE
from switchboard.sms.testing.kannel import KannelGateway, missing
from switchboard.tenancy.selectors import principal_for_membership
from switchboard.testing import unavailable


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def kannel(live_server, settings, fleet, tmp_path):
    if missing():
        unavailable(missing())
    settings.BASE_URL = live_server.url  # where Kannel calls us back
    operator = principal_for_membership(fleet.operator_admin)
    _connection, token = services.smsc_configure(
        principal=operator,
        wanted=services.SmscSettings(kind="kannel", sendsms_url="http://127.0.0.1:1/cgi-bin/sendsms", username="x"),
    )
    mo_get_url = MO_GET_URL_TEMPLATE.format(mo_url=kannel_callback_url("mo", token))
    with KannelGateway(tmp_path, mo_get_url=mo_get_url) as gateway:
        services.smsc_configure(
            principal=operator,
            wanted=services.SmscSettings(
                kind="kannel", sendsms_url=gateway.sendsms_url, username=gateway.username, password=gateway.password
            ),
        )
        yield gateway, token


def test_mt_reaches_fakesmsc_and_kannels_dlr_marks_it_delivered(kannel, world, fleet):
    gateway, _token = kannel
    owner = principal_for_membership(world.owner)
    sms = services.sms_send(principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload="Kannel says hi €"))
    sms_gateway = SmsGateway()
    try:
        assert sms_gateway.pump_once() == 1
    finally:
        sms_gateway.stop()
    [received] = gateway.wait_received(1)
    assert received.text == "Kannel says hi €"
    assert wait_for(lambda: Sms.objects.get(pk=sms.pk).status == SmsStatus.DELIVERED)


def test_mo_through_kannel_is_stored_and_a_bad_token_is_refused(kannel, fleet, client):
    gateway, _token = kannel
    gateway.send_mo(fleet.sim.msisdn, "4940123456", "door open")
    assert wait_for(lambda: Sms.objects.filter(type=SmsType.MO).exists())
    mo = Sms.objects.get(type=SmsType.MO)
    assert (mo.payload, mo.sim_id) == ("door open", fleet.sim.pk)
    forged = client.get("/smsc/kannel/mo", {"token": "forged", "from": fleet.sim.msisdn, "to": "1", "coding": "0"})
    assert forged.status_code == 403
    assert crypto.decrypt(SmscConnection.objects.get().callback_token_encrypted) == _token
