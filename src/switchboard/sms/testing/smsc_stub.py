"""A small SMPP 3.4 SMSC for tests and benchmarks: real message ids, delivery receipts, MO on demand.

Neither Debian's Kannel (an SMPP client, not a server) nor smppy (empty message ids, no receipts, one PDU per TCP
read) can test receipt correlation, so this stub plays the SMSC. It runs its own asyncio loop in a thread, so
synchronous tests and the threaded SmppAdapter can use it alike:

    with SmscStub() as smsc:
        adapter = SmppAdapter("127.0.0.1", smsc.port, smsc.system_id, smsc.password)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from smpplib import consts, smpp
from smpplib.client import SimpleSequenceGenerator

MAX_PDU = 64 * 1024
RECEIPT_ESM_CLASS = 0x04  # message type "SMSC delivery receipt"
RECEIPT_MESSAGE_STATES = {
    "DELIVRD": consts.SMPP_MESSAGE_STATE_DELIVERED,
    "EXPIRED": consts.SMPP_MESSAGE_STATE_EXPIRED,
    "DELETED": consts.SMPP_MESSAGE_STATE_DELETED,
    "UNDELIV": consts.SMPP_MESSAGE_STATE_UNDELIVERABLE,
    "ACCEPTD": consts.SMPP_MESSAGE_STATE_ACCEPTED,
    "UNKNOWN": consts.SMPP_MESSAGE_STATE_UNKNOWN,
    "REJECTD": consts.SMPP_MESSAGE_STATE_REJECTED,
}


@dataclass(frozen=True)
class SubmittedPdu:
    """One submit_sm as the stub received it (addresses decoded, user data raw)."""

    message_id: str
    source_addr: str
    source_addr_ton: int
    source_addr_npi: int
    destination_addr: str
    dest_addr_ton: int
    dest_addr_npi: int
    esm_class: int
    data_coding: int
    registered_delivery: int
    validity_period: str
    short_message: bytes


def _text(value: bytes | None) -> str:
    return value.decode("latin-1") if value else ""


def _pdu(command: str, sequence: int, **fields):
    pdu = smpp.make_pdu(command, client=SimpleSequenceGenerator(), **fields)
    pdu.sequence = sequence
    return pdu


class _Session:
    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.bound = False
        self.sequences = itertools.count(1)
        self.answers: dict[int, asyncio.Future[int]] = {}
        self.task = asyncio.current_task()

    def send(self, pdu) -> None:
        self.writer.write(pdu.generate())


class SmscStub:
    """Accepts bind_transceiver with the given credentials. Between submits a test may change `receipt_stat` (the
    final state of the next receipts), `submit_status` (refuse submits) or `answer_submits` (leave them unanswered)."""

    def __init__(
        self,
        *,
        system_id: str = "switchboard",
        password: str = "secret",  # noqa: S107  (a test SMSC)
        receipt_delay: float = 0.05,
        receipt_stat: str = "DELIVRD",
        submit_status: int = consts.SMPP_ESME_ROK,
    ) -> None:
        self.system_id, self.password = system_id, password
        self.receipt_delay = receipt_delay
        self.receipt_stat = receipt_stat
        self.submit_status = submit_status
        self.answer_submits = True
        self.port = 0
        self.binds = 0
        self.enquire_links = 0
        self.unbinds = 0
        self._submitted: list[SubmittedPdu] = []
        self._lock = threading.Lock()
        self._sessions: set[_Session] = set()
        self._tasks: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> SmscStub:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def submitted(self) -> list[SubmittedPdu]:
        with self._lock:
            return list(self._submitted)

    def start(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smsc-stub", daemon=True)
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._session, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def drop_connections(self) -> None:
        """Cut every ESME off without an unbind, as a crashed SMSC or a broken network would."""

        async def drop() -> None:
            for session in list(self._sessions):
                session.writer.transport.abort()

        self._call(drop())

    def send_mo(
        self, source: str, destination: str, data: bytes, data_coding: int = 0, udh: bytes = b"", timeout: float = 10
    ) -> int:
        """Deliver an MO message to a bound ESME; returns the command_status of its deliver_sm_resp."""
        fields = {
            "source_addr_ton": consts.SMPP_TON_INTL,
            "source_addr_npi": consts.SMPP_NPI_ISDN,
            "source_addr": source,
            "dest_addr_ton": consts.SMPP_TON_INTL,
            "dest_addr_npi": consts.SMPP_NPI_ISDN,
            "destination_addr": destination,
            "esm_class": consts.SMPP_GSMFEAT_UDHI if udh else 0,
            "data_coding": data_coding,
            "short_message": udh + data,
        }
        return self._call(self._deliver(None, fields), timeout=timeout)

    # -- on the stub's loop ----------------------------------------------------------------------------------------

    def _call(self, coroutine, timeout: float = 10):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _shutdown(self) -> None:
        """Sessions end on their own once their transports are aborted (cancelling a stream's task upsets asyncio's
        StreamReaderProtocol in 3.11); pending receipts are cancelled."""
        self._server.close()
        sessions = [session.task for session in self._sessions]
        for session in list(self._sessions):
            session.writer.transport.abort()
        receipts = list(self._tasks)
        for task in receipts:
            task.cancel()
        await asyncio.gather(*sessions, *receipts, return_exceptions=True)
        await self._server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(writer)
        self._sessions.add(session)
        try:
            while True:
                header = await reader.readexactly(4)
                length = int.from_bytes(header, "big")
                if not 16 <= length <= MAX_PDU:
                    break
                raw = header + await reader.readexactly(length - 4)
                self._handle(
                    session, smpp.parse_pdu(raw, client=SimpleSequenceGenerator(), allow_unknown_opt_params=True)
                )
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._sessions.discard(session)
            for answer in session.answers.values():
                answer.cancel()
            writer.close()

    def _handle(self, session: _Session, pdu) -> None:
        if pdu.command == "bind_transceiver":
            accepted = _text(pdu.system_id) == self.system_id and _text(pdu.password) == self.password
            status = consts.SMPP_ESME_ROK if accepted else consts.SMPP_ESME_RBINDFAIL
            session.bound = accepted
            if accepted:
                self.binds += 1
            session.send(_pdu("bind_transceiver_resp", pdu.sequence, status=status, system_id="stub"))
        elif pdu.command == "enquire_link":
            self.enquire_links += 1
            session.send(_pdu("enquire_link_resp", pdu.sequence))
        elif pdu.command == "unbind":
            session.bound = False
            self.unbinds += 1
            session.send(_pdu("unbind_resp", pdu.sequence))
            session.writer.close()
        elif pdu.command == "submit_sm":
            self._submit(session, pdu)
        elif pdu.command == "deliver_sm_resp":
            answer = session.answers.pop(pdu.sequence, None)
            if answer is not None and not answer.done():
                answer.set_result(pdu.status)
        elif pdu.is_request():
            session.send(_pdu("generic_nack", pdu.sequence, status=consts.SMPP_ESME_RINVCMDID))

    def _submit(self, session: _Session, pdu) -> None:
        if not session.bound:
            session.send(_pdu("submit_sm_resp", pdu.sequence, status=consts.SMPP_ESME_RINVBNDSTS))
            return
        if not self.answer_submits:
            return
        if self.submit_status != consts.SMPP_ESME_ROK:
            session.send(_pdu("submit_sm_resp", pdu.sequence, status=self.submit_status))
            return
        submitted = SubmittedPdu(
            message_id=uuid.uuid4().hex[:16],
            source_addr=_text(pdu.source_addr),
            source_addr_ton=pdu.source_addr_ton or 0,
            source_addr_npi=pdu.source_addr_npi or 0,
            destination_addr=_text(pdu.destination_addr),
            dest_addr_ton=pdu.dest_addr_ton or 0,
            dest_addr_npi=pdu.dest_addr_npi or 0,
            esm_class=pdu.esm_class or 0,
            data_coding=pdu.data_coding or 0,
            registered_delivery=pdu.registered_delivery or 0,
            validity_period=_text(pdu.validity_period),
            short_message=pdu.short_message or b"",
        )
        with self._lock:
            self._submitted.append(submitted)
        session.send(_pdu("submit_sm_resp", pdu.sequence, message_id=submitted.message_id))
        if submitted.registered_delivery & consts.SMPP_SMSC_DELIVERY_RECEIPT_BITMASK:
            task = asyncio.ensure_future(self._receipt_later(session, self._receipt(submitted, self.receipt_stat)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _receipt(submitted: SubmittedPdu, stat: str) -> dict:
        now = datetime.now(UTC).strftime("%y%m%d%H%M")
        delivered = "001" if stat == "DELIVRD" else "000"
        error = "000" if stat == "DELIVRD" else "001"
        text = (
            f"id:{submitted.message_id} sub:001 dlvrd:{delivered} submit date:{now} done date:{now} "
            f"stat:{stat} err:{error} text:"
        )
        return {
            "source_addr_ton": submitted.dest_addr_ton,
            "source_addr_npi": submitted.dest_addr_npi,
            "source_addr": submitted.destination_addr,
            "dest_addr_ton": submitted.source_addr_ton,
            "dest_addr_npi": submitted.source_addr_npi,
            "destination_addr": submitted.source_addr,
            "esm_class": RECEIPT_ESM_CLASS,
            "data_coding": 0,
            "short_message": text.encode("ascii"),
            "receipted_message_id": submitted.message_id,
            "message_state": RECEIPT_MESSAGE_STATES[stat],
        }

    async def _receipt_later(self, session: _Session, fields: dict) -> None:
        await asyncio.sleep(self.receipt_delay)
        with contextlib.suppress(ConnectionError):
            await self._deliver(session, fields)

    async def _deliver(self, session: _Session | None, fields: dict) -> int:
        """A deliver_sm to the given session, or to any bound one (as an SMSC queues for whoever binds)."""
        if session is None or session not in self._sessions:
            session = next((candidate for candidate in self._sessions if candidate.bound), None)
        if session is None:
            raise ConnectionError("no ESME is bound")
        sequence = next(session.sequences)
        answer = asyncio.get_running_loop().create_future()
        session.answers[sequence] = answer
        session.send(_pdu("deliver_sm", sequence, **fields))
        return await answer
