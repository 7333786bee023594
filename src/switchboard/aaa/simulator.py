"""A packet-gateway simulator that speaks real RADIUS: the demo's network and the benchmark's load generator.

Like a real NAS it retransmits every request until it is answered (same identifier, same authenticator), keeps its
accounting counters cumulative per session, and answers Disconnect-Requests by closing the session.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
import socket
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import codec
from .codec import VENDOR_3GPP, AcctStatus, Attr, Code, ErrorCause, Gpp, MalformedPacket, TerminateCause

log = logging.getLogger("switchboard.simulator")

APN = "iot.switchboard.net"
RAT_TYPES = {"4G": 6, "3G": 1, "2G": 2, "NB-IoT": 8, "LTE-M": 9}


@dataclass(frozen=True)
class Network:
    mcc: str
    mnc: str
    rat: str


# Where the demo's devices roam: home networks first, visited ones after.
NETWORKS = (
    Network("262", "01", "4G"),
    Network("262", "02", "LTE-M"),
    Network("262", "03", "NB-IoT"),
    Network("208", "01", "4G"),
    Network("204", "08", "2G"),
    Network("214", "07", "4G"),
    Network("232", "01", "LTE-M"),
    Network("310", "260", "4G"),
)


def _bcd_plmn(mcc: str, mnc: str) -> bytes:
    mnc3 = mnc[2] if len(mnc) == 3 else "f"
    return bytes.fromhex(f"{mcc[1]}{mcc[0]}{mnc3}{mcc[2]}{mnc[1]}{mnc[0]}")


def user_location(network: Network, tac: int, eci: int) -> bytes:
    """3GPP-User-Location-Info of type 130: TAI followed by ECGI."""
    plmn = _bcd_plmn(network.mcc, network.mnc)
    return bytes([130]) + plmn + tac.to_bytes(2, "big") + plmn + (eci & 0x0FFFFFFF).to_bytes(4, "big")


def _imeisv(rng: random.Random) -> str:
    return "35" + "".join(str(rng.randrange(10)) for _ in range(12)) + f"{rng.randrange(100):02d}"


@dataclass
class Device:
    imsi: str
    msisdn: str = ""
    imeisv: str = ""
    network: Network = NETWORKS[0]
    ip: str | None = None
    session_id: str = ""
    charging_id: int = 0
    started: float = 0.0
    uplink: int = 0  # cumulative octets of the current session (the gateway's input)
    downlink: int = 0
    sent_uplink: int = 0  # acknowledged totals of all closed sessions
    sent_downlink: int = 0
    open: bool = False

    def attributes(self) -> list[tuple[int, bytes]]:
        """What a PGW sends about the subscriber in every request."""
        rat = RAT_TYPES.get(self.network.rat, 6)
        tail = int(self.imsi[-4:]) if self.imsi[-4:].isdigit() else 1
        attributes = [
            codec.text(Attr.USER_NAME, self.imsi),
            codec.integer(Attr.SERVICE_TYPE, 2),  # Framed-User
            codec.integer(Attr.FRAMED_PROTOCOL, 7),  # GPRS-PDP-Context
            codec.text(Attr.CALLED_STATION_ID, APN),
            codec.vendor(VENDOR_3GPP, Gpp.IMSI, self.imsi.encode()),
            codec.vendor(VENDOR_3GPP, Gpp.IMEISV, self.imeisv.encode()),
            codec.vendor(VENDOR_3GPP, Gpp.RAT_TYPE, bytes([rat])),
            codec.vendor(VENDOR_3GPP, Gpp.SGSN_MCC_MNC, (self.network.mcc + self.network.mnc).encode()),
            codec.vendor(VENDOR_3GPP, Gpp.USER_LOCATION_INFO, user_location(self.network, tail % 500, tail * 16)),
        ]
        if self.msisdn:
            attributes.append(codec.text(Attr.CALLING_STATION_ID, self.msisdn))
        if self.charging_id:
            attributes.append(codec.vendor(VENDOR_3GPP, Gpp.CHARGING_ID, self.charging_id.to_bytes(4, "big")))
        return attributes

    def accounting(self, status: AcctStatus, cause: TerminateCause | None = None) -> list[tuple[int, bytes]]:
        attributes = [
            *self.attributes(),
            codec.integer(Attr.ACCT_STATUS_TYPE, status),
            codec.text(Attr.ACCT_SESSION_ID, self.session_id),
            codec.integer(Attr.ACCT_INPUT_OCTETS, self.uplink & 0xFFFFFFFF),
            codec.integer(Attr.ACCT_OUTPUT_OCTETS, self.downlink & 0xFFFFFFFF),
            codec.integer(Attr.ACCT_INPUT_GIGAWORDS, self.uplink >> 32),
            codec.integer(Attr.ACCT_OUTPUT_GIGAWORDS, self.downlink >> 32),
            codec.integer(Attr.ACCT_SESSION_TIME, int(time.monotonic() - self.started) if self.started else 0),
            codec.integer(Attr.EVENT_TIMESTAMP, int(time.time())),
        ]
        if self.ip:
            attributes.append(codec.ipv4(Attr.FRAMED_IP_ADDRESS, self.ip))
        if cause is not None:
            attributes.append(codec.integer(Attr.ACCT_TERMINATE_CAUSE, cause))
        return attributes


class _Socket(asyncio.DatagramProtocol):
    """One client socket with its own 256 identifiers; requests are retransmitted until answered."""

    def __init__(self):
        self.free = list(range(256))
        self.waiting: dict[int, asyncio.Future] = {}

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        try:
            packet = codec.decode(data)
        except MalformedPacket:
            return
        future = self.waiting.get(packet.identifier)
        if future is not None and not future.done():
            future.set_result(packet)


class Gateway:
    """The RADIUS client side of a packet gateway."""

    def __init__(
        self,
        server: str,
        auth_port: int,
        acct_port: int,
        secret: bytes,
        *,
        sockets: int = 8,
        retry: float = 1.0,
        give_up: float = 30.0,
        bind: str = "127.0.0.1",
    ):
        self.server, self.ports, self.secret = server, {"auth": auth_port, "acct": acct_port}, secret
        self.retry, self.give_up, self.bind, self.size = retry, give_up, bind, sockets
        self.sockets: list[_Socket] = []
        self.slots = asyncio.Semaphore(sockets * 256)
        self.counters = {"sent": 0, "retransmitted": 0, "answered": 0, "lost": 0}

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(self.size):
            transport, protocol = await loop.create_datagram_endpoint(_Socket, local_addr=(self.bind, 0))
            transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            self.sockets.append(protocol)
        self._next = itertools.cycle(self.sockets)

    def close(self) -> None:
        for sock in self.sockets:
            sock.transport.close()

    async def request(
        self, port: str, code: int, attributes: list[tuple[int, bytes]], *, give_up: float | None = None
    ) -> codec.Packet | None:
        """Send until answered (same packet each time); None after `give_up` seconds of silence."""
        async with self.slots:
            sock = next(self._next)
            while not sock.free:
                sock = next(self._next)
            identifier = sock.free.pop()
            try:
                return await self._exchange(sock, identifier, port, code, attributes, give_up or self.give_up)
            finally:
                sock.waiting.pop(identifier, None)
                sock.free.append(identifier)

    async def _exchange(self, sock: _Socket, identifier: int, port: str, code: int, attributes, give_up: float):
        authenticator = os.urandom(16)
        if code == Code.ACCESS_REQUEST:
            attributes = [*attributes, (Attr.USER_PASSWORD, codec.hide_password(b"sim", self.secret, authenticator))]
        data = codec.request_packet(
            code,
            identifier,
            attributes,
            self.secret,
            authenticator=authenticator,
            message_authenticator=code == Code.ACCESS_REQUEST,
        )
        request_authenticator = data[4:20]
        deadline = time.monotonic() + give_up
        self.counters["sent"] += 1
        while True:
            future = asyncio.get_running_loop().create_future()
            sock.waiting[identifier] = future
            sock.transport.sendto(data, (self.server, self.ports[port]))
            try:
                answer = await asyncio.wait_for(future, min(self.retry, max(0.01, deadline - time.monotonic())))
            except TimeoutError:
                if time.monotonic() >= deadline:
                    self.counters["lost"] += 1
                    return None
                self.counters["retransmitted"] += 1
                continue
            if codec.response_authenticator_ok(answer, request_authenticator, self.secret):
                self.counters["answered"] += 1
                return answer


class DisconnectListener(asyncio.DatagramProtocol):
    """The gateway's RFC 5176 side: a Disconnect-Request for a known session closes it and is ACKed."""

    def __init__(self, secret: bytes, sessions: dict[str, Device], on_disconnect):
        self.secret, self.sessions, self.on_disconnect = secret, sessions, on_disconnect
        self.received = 0

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        try:
            packet = codec.decode(data)
        except MalformedPacket:
            return
        if packet.code != Code.DISCONNECT_REQUEST or not codec.request_authenticator_ok(packet, self.secret):
            return
        self.received += 1
        device = self.sessions.get(packet.text(Attr.ACCT_SESSION_ID))
        if device is None or not device.open:
            nak = [codec.integer(Attr.ERROR_CAUSE, ErrorCause.SESSION_CONTEXT_NOT_FOUND)]
            self.transport.sendto(codec.reply_packet(packet, Code.DISCONNECT_NAK, nak, self.secret), addr)
            return
        self.transport.sendto(codec.reply_packet(packet, Code.DISCONNECT_ACK, [], self.secret), addr)
        self.on_disconnect(device)


@dataclass
class Simulation:
    """N devices living their lives: attach, interim updates with traffic, detach, now and then a new IMEI or
    roaming to another network."""

    gateway: Gateway
    devices: list[Device]
    interval: float = 5.0
    seed: int = 1
    sessions: dict[str, Device] = field(default_factory=dict)
    stopping: bool = False

    def __post_init__(self):
        self.rng = random.Random(self.seed)  # noqa: S311  (simulated traffic, not security)
        self.counter = itertools.count(1)
        for device in self.devices:
            device.imeisv = device.imeisv or _imeisv(self.rng)
            device.network = self.rng.choice(NETWORKS[:3])
        self.wake: dict[str, asyncio.Event] = {d.imsi: asyncio.Event() for d in self.devices}

    def disconnected(self, device: Device) -> None:
        """The gateway tears the session down; the device's loop sends the Stop."""
        self.wake[device.imsi].set()

    async def run(self, duration: float | None = None) -> None:
        tasks = [asyncio.create_task(self._live(d)) for d in self.devices]
        try:
            if duration is None:
                await asyncio.gather(*tasks)
            else:
                await asyncio.sleep(duration)
        finally:
            self.stopping = True
            for event in self.wake.values():
                event.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _pause(self, device: Device, seconds: float) -> bool:
        """Sleep unless woken (Disconnect-Request or shutdown); True when woken."""
        wake = self.wake[device.imsi]
        try:
            await asyncio.wait_for(wake.wait(), seconds)
        except TimeoutError:
            return False
        wake.clear()
        return True

    async def _live(self, device: Device) -> None:
        rng = self.rng
        await self._pause(device, rng.uniform(0, self.interval))
        while not self.stopping:
            if rng.random() < 0.05:
                device.imeisv = _imeisv(rng)  # the SIM moved to another device
            if rng.random() < 0.1:
                device.network = rng.choice(NETWORKS)  # roaming
            if not await self.attach(device):
                await self._pause(device, self.interval * rng.uniform(6, 12))
                continue
            cause = TerminateCause.USER_REQUEST
            for _ in range(rng.randint(3, 30)):
                if await self._pause(device, self.interval * rng.uniform(0.8, 1.2)):
                    cause = TerminateCause.ADMIN_RESET if not self.stopping else TerminateCause.NAS_REQUEST
                    break
                if rng.random() < 0.03:
                    device.network = rng.choice(NETWORKS)  # handover to another network mid-session
                await self.interim(device, rng.randint(2_000, 400_000), rng.randint(500, 60_000))
            else:
                cause = rng.choice(
                    [TerminateCause.USER_REQUEST, TerminateCause.IDLE_TIMEOUT, TerminateCause.LOST_SERVICE]
                )
            await self.stop(device, cause)
            if not self.stopping:
                await self._pause(device, self.interval * rng.uniform(1, 6))

    async def attach(self, device: Device) -> bool:
        answer = await self.gateway.request("auth", Code.ACCESS_REQUEST, device.attributes(), give_up=10)
        if answer is None or answer.code != Code.ACCESS_ACCEPT:
            return False
        device.ip = answer.ipv4(Attr.FRAMED_IP_ADDRESS) or device.ip
        return await self.start(device)

    async def start(self, device: Device) -> bool:
        device.session_id = f"{os.getpid():x}-{next(self.counter):08x}"
        device.charging_id = self.rng.randrange(1, 2**31)
        device.uplink = device.downlink = 0
        device.started = time.monotonic()
        device.open = True
        self.sessions[device.session_id] = device
        return (
            await self.gateway.request("acct", Code.ACCOUNTING_REQUEST, device.accounting(AcctStatus.START)) is not None
        )

    async def interim(self, device: Device, uplink: int, downlink: int) -> bool:
        device.uplink += uplink
        device.downlink += downlink
        answer = await self.gateway.request(
            "acct", Code.ACCOUNTING_REQUEST, device.accounting(AcctStatus.INTERIM_UPDATE)
        )
        return answer is not None

    async def stop(self, device: Device, cause: TerminateCause) -> bool:
        device.open = False
        answer = await self.gateway.request(
            "acct", Code.ACCOUNTING_REQUEST, device.accounting(AcctStatus.STOP, cause), give_up=120
        )
        self.sessions.pop(device.session_id, None)
        if answer is not None:
            device.sent_uplink += device.uplink
            device.sent_downlink += device.downlink
        return answer is not None

    def report(self) -> dict[str, dict[str, int]]:
        """What each device's sessions used, as acknowledged by the server (all sessions are closed by then)."""
        return {d.imsi: {"uplink": d.sent_uplink, "downlink": d.sent_downlink} for d in self.devices}


@dataclass
class LoadResult:
    kind: str
    requests: int
    answered: int
    lost: int
    seconds: float
    latencies_ms: list[float]
    offered_rate: float | None
    starts: int = 0  # Accounting Starts that opened the sessions first (acct only; not timed with the rest)
    start_seconds: float = 0.0

    def as_dict(self) -> dict:
        lat = sorted(self.latencies_ms) or [0.0]
        return {
            "kind": self.kind,
            "requests": self.requests,
            "answered": self.answered,
            "lost": self.lost,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.answered / self.seconds, 1) if self.seconds else 0,
            "offered_rate": self.offered_rate,
            "p50_ms": round(statistics.median(lat), 2),
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2),
            "starts": self.starts,
            "start_seconds": round(self.start_seconds, 3),
        }


async def load(
    gateway: Gateway,
    devices: list[Device],
    *,
    kind: str,
    requests: int,
    concurrency: int = 200,
    rate: float | None = None,
) -> LoadResult:
    """The benchmark: `requests` Access-Requests or Interim-Updates round-robin over the devices, either as fast as
    answers come back (`concurrency` in flight) or at a fixed offered `rate` per second (for latency)."""
    simulation = Simulation(gateway, devices, seed=7)
    began = time.perf_counter()
    if kind == "acct":  # interim updates need open sessions
        await _bounded((simulation.start(d) for d in devices), concurrency)
    start_seconds = time.perf_counter() - began
    latencies: list[float] = []
    answered = 0

    async def one(index: int) -> None:
        nonlocal answered
        device = devices[index % len(devices)]
        began = time.perf_counter()
        if kind == "auth":
            ok = await gateway.request("auth", Code.ACCESS_REQUEST, device.attributes(), give_up=5) is not None
        else:
            ok = await simulation.interim(device, 1500, 1500)
        if ok:
            answered += 1
            latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    if rate is None:
        await _bounded((one(i) for i in range(requests)), concurrency)
    else:
        pending = []
        for i in range(requests):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(one(i)))
        await asyncio.gather(*pending)
    seconds = time.perf_counter() - started
    starts = len(devices) if kind == "acct" else 0
    return LoadResult(kind, requests, answered, requests - answered, seconds, latencies, rate, starts, start_seconds)


async def _bounded(coroutines: Iterable, limit: int) -> None:
    """Run the coroutines with at most `limit` in flight (workers pull them; no task per item is made up front)."""
    source = iter(coroutines)

    async def worker():
        for coro in source:
            await coro

    await asyncio.gather(*(worker() for _ in range(limit)))
