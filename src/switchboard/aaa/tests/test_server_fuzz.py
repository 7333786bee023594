"""Whatever arrives on the RADIUS ports, the server neither raises nor queues anything to be written, unless the
packet is authentic."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.aaa import codec, simulator
from switchboard.aaa.codec import AcctStatus, Code
from switchboard.aaa.contracts import NasEntry
from switchboard.aaa.server import ACCT, AUTH, RadiusServer, _Directory

SECRET = b"fuzzing-secret-0123"
GATEWAY = ("127.0.0.1", 40000)


class _Transport:
    def __init__(self):
        self.sent: list[bytes] = []

    def sendto(self, data, addr):
        self.sent.append(data)


def _server(require_message_authenticator: bool = False) -> RadiusServer:
    server = RadiusServer()
    server.directory = _Directory(
        [NasEntry(1, "pgw", ipaddress.ip_network("127.0.0.1/32"), SECRET, require_message_authenticator, 3799)]
    )
    return server


def _signed(kind: str) -> bytes:
    device = simulator.Device(imsi="001010000000001", imeisv="3520990017614823", session_id="s-1")
    if kind == ACCT:
        return codec.request_packet(Code.ACCOUNTING_REQUEST, 1, device.accounting(AcctStatus.START), SECRET)
    return codec.request_packet(Code.ACCESS_REQUEST, 1, device.attributes(), SECRET, message_authenticator=True)


def _queued(server: RadiusServer) -> int:
    return sum(len(q.items) for q in server.queues.values())


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600), kind=st.sampled_from([AUTH, ACCT]))
def test_random_datagrams_raise_nothing_and_queue_nothing(data, kind):
    server = _server()
    server.received(kind, _Transport(), data, GATEWAY)
    assert _queued(server) == 0 or codec.decode(data).code == Code.ACCESS_REQUEST  # an unsigned Access-Request


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from([AUTH, ACCT]), cut=st.integers(min_value=0, max_value=400))
def test_truncated_packets_are_dropped(kind, cut):
    packet = _signed(kind)
    server = _server()
    server.received(kind, _Transport(), packet[: min(cut, len(packet) - 1)], GATEWAY)
    assert _queued(server) == 0


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from([AUTH, ACCT]), position=st.integers(min_value=0), flip=st.integers(1, 255))
def test_tampered_signed_packets_are_dropped(kind, position, flip):
    packet = bytearray(_signed(kind))
    packet[position % len(packet)] ^= flip
    server = _server(require_message_authenticator=True)
    server.received(kind, _Transport(), bytes(packet), GATEWAY)
    assert _queued(server) == 0


def test_the_untampered_packets_are_queued():
    server = _server(require_message_authenticator=True)
    for kind in (AUTH, ACCT):
        server.received(kind, _Transport(), _signed(kind), GATEWAY)
    assert _queued(server) == 2


def test_unknown_gateways_are_ignored():
    server = _server()
    server.received(ACCT, _Transport(), _signed(ACCT), ("192.0.2.1", 1812))
    assert _queued(server) == 0 and server.stats["unknown_client"] == 1
