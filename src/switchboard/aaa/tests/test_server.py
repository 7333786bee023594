"""The RADIUS server against FreeRADIUS's radclient and raw packets: authorisation with its causes, accounting to
the byte, retransmissions, Disconnect-Requests, and garbage that must change nothing."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from django.db.models import Sum
from django.utils import timezone

from switchboard.aaa import codec, services, simulator
from switchboard.aaa.codec import AcctStatus, Code
from switchboard.aaa.models import Disconnect, Session
from switchboard.connectivity import services as connectivity
from switchboard.connectivity.contracts import MB, FailureCause, SimEventType, SimStatus
from switchboard.connectivity.models import DailyUsage, LimitStep, OrganisationLimits, Sim, SimEvent
from switchboard.connectivity.tests.factories import SimFactory
from switchboard.tenancy.selectors import principal_for_membership

from .conftest import SECRET, radclient

pytestmark = pytest.mark.django_db(transaction=True)
GB = 1000 * MB


def pgw(sim: Sim, *, imeisv: str = "3520990017614823", extra: str = "") -> str:
    """What a PGW sends (the reference's pgw-auth.txt), for one SIM."""
    return f"""User-Name = "{sim.imsi}"
User-Password = "anything"
NAS-IP-Address = 127.0.0.1
NAS-Identifier = "pgw01"
Service-Type = Framed-User
Framed-Protocol = GPRS-PDP-Context
Called-Station-Id = "iot.switchboard.net"
Calling-Station-Id = "{sim.msisdn}"
3GPP-IMSI = "{sim.imsi}"
3GPP-IMEISV = "{imeisv}"
3GPP-RAT-Type = EUTRAN
3GPP-SGSN-MCC-MNC = "26201"
3GPP-User-Location-Info = 0x8262f210000162f2100000010a
3GPP-Charging-ID = 77
Message-Authenticator = 0x00
{extra}"""


@pytest.fixture
def sim(world):
    return SimFactory(
        organisation_id=world.customer.pk, ip_address="10.64.0.9", data_total=20 * GB, data_remaining=20 * GB
    )


def refusals(sim: Sim) -> list[str]:
    return [e.detail["cause"] for e in SimEvent.objects.filter(sim=sim, type=SimEventType.PDP_CONTEXT_REFUSED)]


def test_access_request_with_3gpp_attributes_is_accepted_with_the_static_ip(radius, sim):
    out = radclient("auth", radius.auth_port, pgw(sim))
    assert "Received Access-Accept" in out
    assert "Framed-IP-Address = 10.64.0.9" in out
    assert Sim.objects.get(pk=sim.pk).imei == "352099001761481"  # the IMEISV's IMEI, bound at first sight


def test_wrong_secret_gets_no_answer_at_all(radius, sim):
    out = radclient("auth", radius.auth_port, pgw(sim), secret="not-the-secret-at-all")
    assert "Received" not in out
    assert "No reply" in out
    assert radius.server.stats["bad_message_authenticator"] == 1
    assert not refusals(sim)


def _exhaust(sim):
    Sim.objects.filter(pk=sim.pk).update(data_remaining=0)


def _disable(sim):
    Sim.objects.filter(pk=sim.pk).update(status=SimStatus.DISABLED)


def _lock_to_other_device(sim):
    Sim.objects.filter(pk=sim.pk).update(imei_lock=True, imei="490154203237518")


def _limit_reached(sim):
    step = LimitStep.objects.create(service="data", amount=1 * MB)
    OrganisationLimits.objects.create(organisation_id=sim.organisation_id, data=step)
    Sim.objects.filter(pk=sim.pk).update(usage_month=timezone.localdate().replace(day=1), month_data=1 * MB)


@pytest.mark.parametrize(
    ("arrange", "cause"),
    [
        (_lock_to_other_device, FailureCause.IMEI_LOCK_BREACHED),
        (_exhaust, FailureCause.QUOTA_EXHAUSTED),
        (_disable, FailureCause.DATA_SERVICE_BARRED),
        (_limit_reached, FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED),
    ],
)
def test_refusals_carry_their_cause_and_become_sim_events(radius, sim, arrange, cause):
    arrange(sim)
    out = radclient("auth", radius.auth_port, pgw(sim))
    assert "Received Access-Reject" in out
    assert f'Reply-Message = "{cause.value}: ' in out
    assert "Framed-IP-Address" not in out
    assert refusals(sim) == [cause.value]


def _acct(sim: Sim, status: str, *, input_octets=0, output_octets=0, gigawords=0, extra="") -> str:
    return pgw(
        sim,
        extra=f"""Acct-Status-Type = {status}
Acct-Session-Id = "0a2d0007-0001"
Framed-IP-Address = 10.64.0.9
Acct-Input-Octets = {input_octets}
Acct-Output-Octets = {output_octets}
Acct-Output-Gigawords = {gigawords}
{extra}""",
    ).replace("Message-Authenticator = 0x00\n", "")


def usage(sim: Sim) -> tuple[int, int]:
    totals = DailyUsage.objects.filter(sim=sim).aggregate(rx=Sum("data_rx"), tx=Sum("data_tx"))
    return totals["rx"] or 0, totals["tx"] or 0


def test_accounting_start_interim_stop_counts_usage_and_quota_to_the_byte_with_gigawords(radius, sim):
    assert "Received Accounting-Response" in radclient("acct", radius.acct_port, _acct(sim, "Start"))
    interim = _acct(sim, "Interim-Update", input_octets=1000, output_octets=4294967295, gigawords=2)
    assert "Received Accounting-Response" in radclient("acct", radius.acct_port, interim)
    stop = _acct(
        sim,
        "Stop",
        input_octets=1500,
        output_octets=4294967295,
        gigawords=2,
        extra="Acct-Terminate-Cause = User-Request",
    )
    assert "Received Accounting-Response" in radclient("acct", radius.acct_port, stop)

    assert usage(sim) == (1500, 12884901887)  # 2 gigawords of 2**32 octets, plus 2**32 - 1 octets
    assert Sim.objects.get(pk=sim.pk).data_remaining == 20 * GB - 1500 - 12884901887
    session = Session.objects.get(acct_session_id="0a2d0007-0001")
    assert session.stopped_at is not None and session.terminate_cause == 1
    types = list(SimEvent.objects.filter(sim=sim).order_by("id").values_list("type", flat=True))
    assert SimEventType.PDP_CONTEXT_CREATED in types and SimEventType.PDP_CONTEXT_DELETED in types
    state = Sim.objects.get(pk=sim.pk).connectivity
    assert (state.operator, state.country, state.rat) == ("Telekom Deutschland", "DE", "4G")


def _send(port: int, data: bytes, *, timeout: float = 2, times: int = 1) -> bytes | None:
    """Send from one source port (as a gateway retransmits) and return the last answer."""
    answer = None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(timeout)
        for _ in range(times):
            sock.sendto(data, ("127.0.0.1", port))
            try:
                answer = sock.recv(4096)
            except TimeoutError:
                answer = None
    return answer


def _interim(sim: Sim, uplink: int, downlink: int, *, status=AcctStatus.INTERIM_UPDATE, session="retry-1") -> bytes:
    device = simulator.Device(imsi=sim.imsi, msisdn=sim.msisdn, imeisv="3520990017614823", session_id=session)
    device.uplink, device.downlink = uplink, downlink
    return codec.request_packet(Code.ACCOUNTING_REQUEST, 9, device.accounting(status), SECRET.encode())


def test_a_retransmitted_accounting_request_is_answered_again_and_counted_once(radius, sim):
    packet = _interim(sim, 700, 300)
    first = _send(radius.acct_port, packet)
    again = _send(radius.acct_port, packet, times=2)
    assert first is not None and first[4:] == again[4:]
    assert radius.server.stats["duplicates"] == 1
    radius.server.replies.clear()  # as after a restart: the reply cache is gone, the running totals are not
    assert _send(radius.acct_port, packet) is not None
    assert usage(sim) == (700, 300)


def test_garbage_and_forged_packets_are_dropped_and_change_nothing(radius, sim):
    forged = bytearray(_interim(sim, 5000, 5000))
    forged[-1] ^= 0xFF  # attribute bytes changed after signing
    for data in (b"", b"\x04", b"\x04\x01\x00\x14" + bytes(12), bytes(forged), bytes(30)):
        assert _send(radius.acct_port, data, timeout=0.3) is None
    assert usage(sim) == (0, 0)
    assert not Session.objects.exists()
    assert radius.server.stats["malformed"] >= 3 and radius.server.stats["bad_authenticator"] >= 1


def _listen(radius, nas, sessions: dict) -> simulator.DisconnectListener:
    listener = simulator.DisconnectListener(SECRET.encode(), sessions, lambda device: device.__setattr__("open", False))

    async def bind():
        await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: listener, local_addr=("127.0.0.1", nas.disconnect_port)
        )

    radius.call(bind())
    return listener


def _wait_for(radius, predicate, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not radius.db(predicate):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_exhausting_the_quota_sends_a_disconnect_request_to_the_gateway(radius, nas, sim):
    Sim.objects.filter(pk=sim.pk).update(data_total=10 * MB, data_remaining=10 * MB)
    device = simulator.Device(imsi=sim.imsi, session_id="cut-1", open=True)
    listener = _listen(radius, nas, {"cut-1": device})
    assert _send(radius.acct_port, _interim(sim, 0, 0, status=AcctStatus.START, session="cut-1"))
    assert _send(radius.acct_port, _interim(sim, 6 * MB, 5 * MB, session="cut-1"))

    _wait_for(radius, lambda: Disconnect.objects.filter(status=Disconnect.Status.ACKED).exists())
    assert listener.received == 1 and not device.open
    cut = SimEvent.objects.get(sim=sim, type=SimEventType.SESSION_DISCONNECTED)
    assert cut.detail["reason"] == FailureCause.QUOTA_EXHAUSTED.value and cut.detail["outcome"] == "acked"
    assert _send(radius.acct_port, _interim(sim, 6 * MB, 6 * MB, session="cut-1"))  # more before the Stop
    time.sleep(0.3)
    assert radius.db(Disconnect.objects.count) == 1  # asked once, not once per report


def test_reset_connection_in_the_portal_disconnects_the_live_session(radius, nas, sim, world):
    device = simulator.Device(imsi=sim.imsi, session_id="reset-1", open=True)
    listener = _listen(radius, nas, {"reset-1": device})
    assert _send(radius.acct_port, _interim(sim, 0, 0, status=AcctStatus.START, session="reset-1"))
    radius.db(connectivity.sim_reset, principal=principal_for_membership(world.owner), iccid=sim.iccid)

    _wait_for(radius, lambda: Disconnect.objects.filter(status=Disconnect.Status.ACKED).exists())
    assert listener.received == 1 and not device.open
    assert radius.db(lambda: Disconnect.objects.get().reason) == "connection_reset"


def test_a_gateway_that_never_answers_gets_three_attempts_then_the_failure_is_shown(radius, nas, sim):
    assert _send(radius.acct_port, _interim(sim, 0, 0, status=AcctStatus.START, session="silent-1"))
    radius.db(services.disconnect_sim, sim_id=sim.pk, reason="sim_disabled")
    _wait_for(radius, lambda: Disconnect.objects.filter(status=Disconnect.Status.FAILED).exists(), seconds=20)
    assert radius.db(lambda: Disconnect.objects.get().attempts) == 3
    assert SimEvent.objects.get(sim=sim, type=SimEventType.SESSION_DISCONNECTED).detail["outcome"] == "failed"
