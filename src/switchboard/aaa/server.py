"""The RADIUS server: Access-Request and Accounting-Request over asyncio UDP, with group commit.

Packets are checked and decoded on the event loop, then queued; a batcher collects what arrives within a few
milliseconds and hands the batch to one database thread per kind, in one transaction. Replies go out only after the
commit, so an acknowledged Accounting-Request is never lost, and the database sees one transaction per batch
instead of one per packet. Replies are cached for the duplicate window: a retransmission gets the same answer and
is never counted twice. Disconnect-Requests owed to gateways are sent from here too (we are their RFC 5176 client).
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import logging
import socket
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import close_old_connections, connection, connections
from django.db.utils import InterfaceError, OperationalError

from switchboard.connectivity import networks
from switchboard.connectivity.contracts import AccessRequest, Decision

from . import codec, selectors, services
from .codec import Attr, Code, MalformedPacket, NetworkRequest, Packet
from .contracts import AccountingReport, DisconnectJob, NasEntry

log = logging.getLogger("switchboard.aaa")

AUTH, ACCT = "auth", "acct"
EXPECTED = {AUTH: Code.ACCESS_REQUEST, ACCT: Code.ACCOUNTING_REQUEST}
RECEIVE_BUFFER = 8 * 1024 * 1024
CLOCK_SKEW = timedelta(days=7)  # an Event-Timestamp further off than this is a gateway clock error: use ours


@dataclass
class ServerConfig:
    bind: str = "0.0.0.0"  # noqa: S104  (gateways reach the AAA over the operator's network)
    auth_port: int = 1812
    acct_port: int = 1813
    batch_window: float = 0.004  # seconds a batch waits for company once its first packet is in
    max_batch: int = 500
    db_workers: int = 2  # accounting batches committing at once (1 on SQLite, which has one writer anyway)
    reuse_port: bool = False  # several server processes on the same ports
    duplicate_window: float = 30.0  # seconds a reply is kept for retransmissions
    interim_interval: int = 300  # Acct-Interim-Interval we ask gateways for, in seconds
    clients_refresh: float = 10.0  # seconds between re-reads of the RADIUS clients
    disconnect_poll: float = 0.25
    disconnect_timeout: float = 2.0
    stats_every: float = 60.0


@dataclass(slots=True)
class _Pending:
    nas: NasEntry
    packet: Packet
    request: NetworkRequest
    addr: tuple
    key: tuple


@dataclass
class _Queue:
    items: list[_Pending] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


class _Directory:
    """The RADIUS clients by source address: the most specific network wins; lookups are cached per address."""

    def __init__(self, entries: list[NasEntry]):
        self.entries = entries
        self.by_id = {e.id: e for e in entries}
        self._cache: dict[str, NasEntry | None] = {}

    def match(self, address: str) -> NasEntry | None:
        try:
            return self._cache[address]
        except KeyError:
            pass
        ip = ipaddress.ip_address(address)
        found = next((e for e in self.entries if ip.version == e.network.version and ip in e.network), None)
        self._cache[address] = found
        return found


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, server: RadiusServer, kind: str):
        self.server, self.kind = server, kind

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        try:
            self.server.received(self.kind, self.transport, data, addr)
        except Exception:  # a packet must never take the server down
            self.server.stats["errors"] += 1
            log.exception("unexpected error on a %s packet from %s", self.kind, addr[0])

    def error_received(self, exc) -> None:
        log.debug("socket error: %s", exc)


class _DisconnectEndpoint(asyncio.DatagramProtocol):
    def __init__(self, server: RadiusServer):
        self.server = server

    def datagram_received(self, data: bytes, addr) -> None:
        self.server.disconnect_answer(data, addr)


class RadiusServer:
    def __init__(self, config: ServerConfig | None = None):
        self.config = config or ServerConfig()
        self.stats: Counter[str] = Counter()
        self.directory = _Directory([])
        self.queues = {AUTH: _Queue(), ACCT: _Queue()}
        self.transports: dict[str, asyncio.DatagramTransport] = {}
        self.replies: OrderedDict[tuple, tuple[bytes | None, float]] = OrderedDict()
        self.connections: list = []  # each database thread's own connection, closed on shutdown
        if connection.vendor == "sqlite":  # one writer at a time anyway: one thread, and no "database is locked"
            single = self._executor("db", 1)
            self.databases = {AUTH: single, ACCT: single, "control": single}
        else:
            workers = {AUTH: 1, ACCT: self.config.db_workers, "control": 1}
            self.databases = {kind: self._executor(kind, count) for kind, count in workers.items()}
        self.disconnects: dict[tuple, tuple[asyncio.Future, bytes]] = {}
        self.identifiers = itertools.cycle(range(256))
        self.tasks: list[asyncio.Task] = []
        self.sending: set[asyncio.Task] = set()
        self.addresses: dict[str, tuple] = {}

    # -- life cycle

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await self.refresh_clients()
        for kind, port in ((AUTH, self.config.auth_port), (ACCT, self.config.acct_port)):
            transport, _ = await loop.create_datagram_endpoint(
                lambda kind=kind: _Endpoint(self, kind),
                local_addr=(self.config.bind, port),
                reuse_port=self.config.reuse_port or None,
            )
            _large_receive_buffer(transport)
            self.transports[kind] = transport
            self.addresses[kind] = transport.get_extra_info("sockname")
        self.transports["dm"], _ = await loop.create_datagram_endpoint(
            lambda: _DisconnectEndpoint(self), local_addr=(self.config.bind, 0)
        )
        self.tasks = [
            asyncio.create_task(self._batches(AUTH)),
            asyncio.create_task(self._batches(ACCT)),
            asyncio.create_task(self._every(self.config.clients_refresh, self.refresh_clients)),
            asyncio.create_task(self._every(self.config.disconnect_poll, self.send_disconnects)),
            asyncio.create_task(self._every(1.0, self._forget_replies)),
            asyncio.create_task(self._every(self.config.stats_every, self._log_stats)),
        ]

    async def close(self) -> None:
        for transport in (self.transports.get(AUTH), self.transports.get(ACCT)):
            if transport is not None:
                transport.close()  # no new packets; what is queued is still committed and answered
        while self.sending or any(q.items for q in self.queues.values()):
            await asyncio.sleep(0.01)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if "dm" in self.transports:
            self.transports["dm"].close()
        for executor in set(self.databases.values()):
            executor.shutdown(wait=True)
        await asyncio.to_thread(lambda: [own.close() for own in self.connections])  # no ORM on the loop's thread

    def _executor(self, name: str, threads: int) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(threads, thread_name_prefix=f"radius-{name}", initializer=self._remember_connection)

    def _remember_connection(self) -> None:
        own = connections["default"]
        own.inc_thread_sharing()  # so that shutdown may close it from another thread
        self.connections.append(own)

    async def _db(self, kind: str, fn: Callable[..., Any], *args, **kwargs) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.databases[kind], _in_db, fn, args, kwargs)

    async def _every(self, seconds: float, job: Callable[[], Any]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except Exception:
                log.exception("periodic %s failed", getattr(job, "__name__", job))

    async def refresh_clients(self) -> None:
        self.directory = _Directory(await self._db("control", selectors.unscoped_nas_directory))

    # -- receiving

    def received(self, kind: str, transport, data: bytes, addr) -> None:
        stats = self.stats
        stats[f"{kind}_received"] += 1
        nas = self.directory.match(addr[0])
        if nas is None:
            stats["unknown_client"] += 1
            return
        try:
            packet = codec.decode(data)
        except MalformedPacket:
            stats["malformed"] += 1
            return
        if packet.code == Code.STATUS_SERVER:
            self._status_server(kind, transport, nas, packet, addr)
            return
        if packet.code != EXPECTED[kind]:
            stats["unexpected_code"] += 1
            return
        key = (addr, packet.identifier, packet.authenticator)
        known = self.replies.get(key)
        if known is not None:
            stats["duplicates"] += 1
            if known[0] is not None:  # answered already: the same answer again; in flight: the answer will come
                transport.sendto(known[0], addr)
            return
        if not self._authentic(kind, nas, packet):
            return
        try:
            request = codec.network_request(packet)
        except MalformedPacket:
            stats["malformed"] += 1
            return
        self.replies[key] = (None, time.monotonic())
        queue = self.queues[kind]
        queue.items.append(_Pending(nas, packet, request, addr, key))
        queue.ready.set()

    def _authentic(self, kind: str, nas: NasEntry, packet: Packet) -> bool:
        """Wrong secret or tampering: drop silently (RFC 2865 §3), so a guesser learns nothing."""
        if kind == ACCT and not codec.request_authenticator_ok(packet, nas.secret):
            self.stats["bad_authenticator"] += 1
            return False
        if packet.get(Attr.MESSAGE_AUTHENTICATOR) is not None:
            if not codec.message_authenticator_ok(packet, nas.secret):
                self.stats["bad_message_authenticator"] += 1
                return False
        elif nas.require_message_authenticator and kind == AUTH:  # accounting is signed by its authenticator
            self.stats["missing_message_authenticator"] += 1
            return False
        return True

    def _status_server(self, kind: str, transport, nas: NasEntry, packet: Packet, addr) -> None:
        """RFC 5997 keep-alive: only with a valid Message-Authenticator."""
        if not codec.message_authenticator_ok(packet, nas.secret):
            self.stats["bad_message_authenticator"] += 1
            return
        code = Code.ACCESS_ACCEPT if kind == AUTH else Code.ACCOUNTING_RESPONSE
        transport.sendto(codec.reply_packet(packet, code, [], nas.secret), addr)

    # -- batches

    async def _batches(self, kind: str) -> None:
        """Cut the queue into batches; up to `db_workers` of them are in the database at once, so packets keep
        being collected while a batch commits."""
        queue = self.queues[kind]
        slots = asyncio.Semaphore(self.config.db_workers if kind == ACCT else 1)
        while True:
            await queue.ready.wait()
            await asyncio.sleep(self.config.batch_window)
            await slots.acquire()
            batch = queue.items[: self.config.max_batch]
            del queue.items[: len(batch)]
            if not queue.items:
                queue.ready.clear()
            if not batch:
                slots.release()
                continue
            task = asyncio.create_task(self._commit(kind, batch))
            self.sending.add(task)
            task.add_done_callback(lambda done: (self.sending.discard(done), slots.release()))

    async def _commit(self, kind: str, batch: list[_Pending]) -> None:
        """Process one batch in the database and answer its packets only after the commit."""
        began = time.perf_counter()
        try:
            replies = await (self._authorize if kind == AUTH else self._account)(batch)
        except Exception:
            log.exception("%s batch of %s failed; the gateways will retransmit", kind, len(batch))
            self.stats[f"{kind}_batch_failed"] += 1
            for item in batch:
                self.replies.pop(item.key, None)
            await asyncio.sleep(0.5)
            return
        transport = self.transports[kind]
        now = time.monotonic()
        for item, reply in zip(batch, replies, strict=True):
            if reply is None:
                self.replies.pop(item.key, None)
                continue
            if not transport.is_closing():  # stopping: the batch is committed, the gateway retransmits and gets it
                transport.sendto(reply, item.addr)
            self.replies[item.key] = (reply, now)
        self.stats[f"{kind}_answered"] += sum(r is not None for r in replies)
        self.stats[f"{kind}_batches"] += 1
        self.stats[f"{kind}_batch_ms"] += round((time.perf_counter() - began) * 1000)

    async def _authorize(self, batch: list[_Pending]) -> list[bytes | None]:
        requests = [
            AccessRequest(imsi=i.request.imsi, user_name=i.request.user_name, imei=i.request.imeisv, apn=i.request.apn)
            for i in batch
        ]
        decisions = await self._db(AUTH, services.authorize, requests)
        return [self._access_reply(item, decision) for item, decision in zip(batch, decisions, strict=True)]

    def _access_reply(self, item: _Pending, decision: Decision) -> bytes:
        if decision.accepted:
            self.stats["accepted"] += 1
            attributes = [codec.integer(Attr.ACCT_INTERIM_INTERVAL, self.config.interim_interval)]
            if decision.ip_address:
                attributes.insert(0, codec.ipv4(Attr.FRAMED_IP_ADDRESS, decision.ip_address))
            return codec.reply_packet(item.packet, Code.ACCESS_ACCEPT, attributes, item.nas.secret)
        self.stats["rejected"] += 1
        cause = decision.cause.value if decision.cause else "REJECTED"
        message = f"{cause}: {decision.message}"[:253]
        return codec.reply_packet(
            item.packet, Code.ACCESS_REJECT, [codec.text(Attr.REPLY_MESSAGE, message)], item.nas.secret
        )

    async def _account(self, batch: list[_Pending]) -> list[bytes | None]:
        reports = [_report(item) for item in batch]
        names = {item.nas.id: item.nas.name for item in batch}
        try:
            await self._db(ACCT, services.account, reports, names)
        except (OperationalError, InterfaceError):
            raise  # the database is away: nothing is answered, the gateways retransmit
        except Exception:
            # One bad packet must not hold the others back: count them one by one, drop the one that fails.
            log.exception("accounting batch failed; retrying its %s packets one by one", len(batch))
            answered = []
            for item, report in zip(batch, reports, strict=True):
                try:
                    await self._db(ACCT, services.account, [report], names)
                except Exception:
                    self.stats["acct_rejected_packet"] += 1
                    answered.append(None)
                else:
                    answered.append(item)
            return [_accounting_response(i) if i else None for i in answered]
        return [_accounting_response(i) for i in batch]

    async def _forget_replies(self) -> None:
        horizon = time.monotonic() - self.config.duplicate_window
        replies = self.replies
        while replies:
            key, (_reply, stamp) = next(iter(replies.items()))
            if stamp > horizon:
                break
            del replies[key]

    async def _log_stats(self) -> None:
        if self.stats:
            log.info("radius: %s", ", ".join(f"{k}={v}" for k, v in sorted(self.stats.items())))

    # -- Disconnect-Requests (we are the client; the gateway listens on its Disconnect port)

    async def send_disconnects(self) -> None:
        for job in await self._db("control", services.disconnects_due):
            task = asyncio.create_task(self._disconnect(job))
            self.sending.add(task)  # keep a reference until it is done
            task.add_done_callback(self.sending.discard)

    async def _disconnect(self, job: DisconnectJob) -> None:
        nas = self.directory.by_id.get(job.nas_id)
        acked, error_cause = None, None
        if nas is not None:
            attributes = [codec.text(Attr.ACCT_SESSION_ID, job.acct_session_id)]
            if job.imsi:
                attributes.append(codec.text(Attr.USER_NAME, job.imsi))
            if job.framed_ip:
                attributes.append(codec.ipv4(Attr.FRAMED_IP_ADDRESS, job.framed_ip))
            identifier = next(self.identifiers)
            data = codec.request_packet(
                Code.DISCONNECT_REQUEST, identifier, attributes, nas.secret, message_authenticator=True
            )
            target = (job.nas_address, nas.disconnect_port)
            future = asyncio.get_running_loop().create_future()
            self.disconnects[(job.nas_address, identifier)] = (future, data[4:20])
            self.transports["dm"].sendto(data, target)
            self.stats["disconnect_sent"] += 1
            try:
                answer = await asyncio.wait_for(future, self.config.disconnect_timeout)
            except TimeoutError:
                self.stats["disconnect_timeout"] += 1
            else:
                acked = answer.code == Code.DISCONNECT_ACK
                error_cause = answer.integer(Attr.ERROR_CAUSE)
            finally:
                self.disconnects.pop((job.nas_address, identifier), None)
        await self._db("control", services.disconnect_answered, job_id=job.id, acked=acked, error_cause=error_cause)

    def disconnect_answer(self, data: bytes, addr) -> None:
        try:
            answer = codec.decode(data)
        except MalformedPacket:
            self.stats["malformed"] += 1
            return
        waiting = self.disconnects.get((addr[0], answer.identifier))
        nas = self.directory.match(addr[0])
        if waiting is None or nas is None or waiting[0].done():
            return
        future, request_authenticator = waiting
        if answer.code not in (Code.DISCONNECT_ACK, Code.DISCONNECT_NAK):
            return
        if not codec.response_authenticator_ok(answer, request_authenticator, nas.secret):
            self.stats["bad_authenticator"] += 1
            return
        future.set_result(answer)


def _large_receive_buffer(transport: asyncio.DatagramTransport) -> None:
    """Room for the bursts that arrive while a batch commits (the kernel's default holds ~200 KB); the kernel caps
    it at net.core.rmem_max."""
    transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)


def _accounting_response(item: _Pending) -> bytes:
    return codec.reply_packet(item.packet, Code.ACCOUNTING_RESPONSE, [], item.nas.secret)


def _in_db(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """Run a service in a database thread; a broken connection is dropped so the next batch reconnects."""
    try:
        return fn(*args, **kwargs)
    except (OperationalError, InterfaceError):
        connection.close()
        raise
    finally:
        close_old_connections()


def _timestamp(request: NetworkRequest) -> datetime:
    now = datetime.now(UTC)
    if request.event_timestamp:
        stamp = datetime.fromtimestamp(request.event_timestamp, UTC)
        if abs(stamp - now) < CLOCK_SKEW:
            return stamp
    return now


def _report(item: _Pending) -> AccountingReport:
    request = item.request
    mcc, mnc = networks.split_mcc_mnc(request.sgsn_mcc_mnc)
    if not mcc and request.location.get("mcc"):
        mcc, mnc = request.location["mcc"], request.location.get("mnc", "")
    operator, country = networks.network(mcc, mnc) if mcc else ("", "")
    return AccountingReport(
        nas_id=item.nas.id,
        nas_address=item.addr[0],
        status_type=request.status_type or 0,
        session_id=request.session_id,
        at=_timestamp(request),
        imsi=request.imsi,
        user_name=request.user_name,
        imei=request.imeisv,
        apn=request.apn,
        framed_ip=request.framed_ip,
        charging_id=request.charging_id,
        input_octets=request.input_octets,
        output_octets=request.output_octets,
        session_time=request.session_time,
        terminate_cause=request.terminate_cause,
        operator=operator,
        mcc=mcc,
        mnc=mnc,
        country=country,
        rat=request.rat,
        location=request.location,
    )


async def serve(
    config: ServerConfig, *, ready: Callable[[RadiusServer], None] | None = None, stop: asyncio.Event | None = None
) -> None:
    server = RadiusServer(config)
    await server.start()
    if ready is not None:
        ready(server)
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await server.close()
