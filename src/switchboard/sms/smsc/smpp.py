"""SMPP 3.4 towards an operator's SMSC: we are an ESME bound as transceiver, with smpplib for the PDUs.

One background thread owns the TCP connection: it connects, binds, reads every PDU and keeps the link alive with
enquire_link; it reconnects with capped exponential backoff whenever the link breaks. We drive smpplib's
`read_pdu`/`send_pdu` ourselves instead of its `listen()`, so only that thread ever closes the socket (closing it
under a running `listen()` is what produces smpplib's "[Errno 9] Bad file descriptor") and so a submit on the
gateway's thread can wait for its own submit_sm_resp while the thread keeps reading.
"""

from __future__ import annotations

import logging
import re
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from smpplib import client as smpp_client
from smpplib import consts, exceptions, smpp

from ..contracts import (
    DeliveryReceipt,
    InboundSink,
    InboundSms,
    OutboundSms,
    ReceiptState,
    SmscError,
    SmscKind,
    SourceAddressType,
    Submitted,
)
from ..encoding import split_udh

log = logging.getLogger("switchboard.sms.smpp")
# smpplib logs every PDU in hex at DEBUG, the bind password included.
WIRE_LOGGER = "switchboard.sms.smpp.wire"
logging.getLogger(WIRE_LOGGER).setLevel(logging.INFO)

RECONNECT_FIRST = 1.0
UDHI = 0x40
REGISTERED_DELIVERY = 1
MESSAGE_TYPE_MASK = 0x3C
RECEIPT_TYPES = {0x04, 0x20}  # SMSC delivery receipt, intermediate delivery notification

SOURCE_TON_NPI = {
    SourceAddressType.INTERNATIONAL: (consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN),
    SourceAddressType.NATIONAL: (consts.SMPP_TON_NATNL, consts.SMPP_NPI_ISDN),
    SourceAddressType.ALPHANUMERIC: (consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK),
}

# Statuses that a retry of the same submit_sm cannot fix; everything else (throttling, full queue, system error,
# vendor codes) is worth another attempt later.
PERMANENT_STATUSES = frozenset(
    {
        consts.SMPP_ESME_RINVMSGLEN,
        consts.SMPP_ESME_RINVCMDLEN,
        consts.SMPP_ESME_RINVPRTFLG,
        consts.SMPP_ESME_RINVREGDLVFLG,
        consts.SMPP_ESME_RINVSRCADR,
        consts.SMPP_ESME_RINVDSTADR,
        consts.SMPP_ESME_RINVSERTYP,
        consts.SMPP_ESME_RINVESMCLASS,
        consts.SMPP_ESME_RINVSRCTON,
        consts.SMPP_ESME_RINVSRCNPI,
        consts.SMPP_ESME_RINVDSTTON,
        consts.SMPP_ESME_RINVDSTNPI,
        consts.SMPP_ESME_RINVSCHED,
        consts.SMPP_ESME_RINVEXPIRY,
        consts.SMPP_ESME_RINVDFTMSGID,
        consts.SMPP_ESME_RX_P_APPN,
        consts.SMPP_ESME_RX_R_APPN,
        consts.SMPP_ESME_RINVOPTPARSTREAM,
        consts.SMPP_ESME_ROPTPARNOTALLWD,
        consts.SMPP_ESME_RINVPARLEN,
        consts.SMPP_ESME_RMISSINGOPTPARAM,
        consts.SMPP_ESME_RINVOPTPARAMVAL,
    }
)

RECEIPT_STATS = {
    "DELIVRD": ReceiptState.DELIVERED,
    "EXPIRED": ReceiptState.EXPIRED,
    "UNDELIV": ReceiptState.FAILED,
    "REJECTD": ReceiptState.FAILED,
    "DELETED": ReceiptState.FAILED,
    "UNKNOWN": ReceiptState.FAILED,
    "ENROUTE": ReceiptState.ACCEPTED,
    "ACCEPTD": ReceiptState.ACCEPTED,
}
MESSAGE_STATES = {
    consts.SMPP_MESSAGE_STATE_ENROUTE: ReceiptState.ACCEPTED,
    consts.SMPP_MESSAGE_STATE_DELIVERED: ReceiptState.DELIVERED,
    consts.SMPP_MESSAGE_STATE_EXPIRED: ReceiptState.EXPIRED,
    consts.SMPP_MESSAGE_STATE_DELETED: ReceiptState.FAILED,
    consts.SMPP_MESSAGE_STATE_UNDELIVERABLE: ReceiptState.FAILED,
    consts.SMPP_MESSAGE_STATE_ACCEPTED: ReceiptState.ACCEPTED,
    consts.SMPP_MESSAGE_STATE_UNKNOWN: ReceiptState.FAILED,
    consts.SMPP_MESSAGE_STATE_REJECTED: ReceiptState.FAILED,
}
RECEIPT_FIELD = re.compile(r"(id|stat|err|done date):(\S*)", re.IGNORECASE)

LINK_ERRORS = (exceptions.ConnectionError, exceptions.PDUError, OSError)


def absolute_time(moment: datetime) -> str:
    """SMPP absolute time `YYMMDDhhmmsstnnp`, given in UTC (a naive datetime counts as UTC)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%y%m%d%H%M%S") + "000+"


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", errors="replace")
    return value or ""


def _receipt_time(value: str) -> datetime | None:
    """`YYMMDDhhmm`, or with seconds; strptime alone would read 10 digits as a time with seconds."""
    pattern = {10: "%y%m%d%H%M", 12: "%y%m%d%H%M%S"}.get(len(value))
    try:
        return datetime.strptime(value, pattern).replace(tzinfo=UTC) if pattern else None
    except ValueError:
        return None


def parse_receipt(pdu) -> DeliveryReceipt | None:
    """A deliver_sm receipt; the TLVs win over the text, whose id some SMSCs write in another base."""
    text = _text(pdu.short_message or getattr(pdu, "message_payload", None))
    fields = {key.lower(): value for key, value in RECEIPT_FIELD.findall(text)}
    message_id = _text(pdu.receipted_message_id) or fields.get("id", "")
    state = MESSAGE_STATES.get(pdu.message_state) or RECEIPT_STATS.get(fields.get("stat", "").upper())
    if not message_id or state is None:
        return None
    error = fields.get("err", "")
    return DeliveryReceipt(
        state,
        message_id=message_id,
        done_at=_receipt_time(fields.get("done date", "")),
        error=error if error.strip("0") else "",
    )


class _Sequence:
    """smpplib's generator without a lock would hand out the same number to a submit and to a PDU parsed at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sequence = 0

    @property
    def sequence(self) -> int:
        return self._sequence

    def next_sequence(self) -> int:
        with self._lock:
            self._sequence = self._sequence % 0x7FFFFFFF + 1
            return self._sequence


@dataclass
class _Pending:
    done: threading.Event = field(default_factory=threading.Event)
    status: int | None = None
    message_id: str = ""


class SmppAdapter:
    kind = SmscKind.SMPP

    def __init__(
        self,
        host: str,
        port: int,
        system_id: str,
        password: str,
        *,
        system_type: str = "",
        enquire_link_every: float = 30.0,
        reconnect_max: float = 60.0,
        response_timeout: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self.system_id, self._password, self.system_type = system_id, password, system_type
        self.enquire_link_every = enquire_link_every
        self.reconnect_max = reconnect_max
        self.response_timeout = response_timeout
        self._sink: InboundSink | None = None
        self._client: smpp_client.Client | None = None
        self._sequence = _Sequence()
        self._send_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._pending_lock = threading.Lock()
        self._bound = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake_read: socket.socket | None = None
        self._wake_write: socket.socket | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def start(self, sink: InboundSink) -> None:
        self._sink = sink
        self._stopping.clear()
        self._wake_read, self._wake_write = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name=f"smpp-{self.host}:{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Unbind, close and wait for the connection thread; submits still waiting fail as temporary errors."""
        if self._thread is None:
            return
        self._stopping.set()
        self._wake_write.send(b"x")
        self._thread.join(timeout=self.response_timeout + 5)
        if self._thread.is_alive():
            log.warning("SMPP thread for %s:%s did not end; left to die with the process", self.host, self.port)
        else:
            self._wake_read.close()
            self._wake_write.close()
        self._thread = None

    @property
    def bound(self) -> bool:
        return self._bound.is_set()

    def wait_bound(self, timeout: float) -> bool:
        return self._bound.wait(timeout)

    def _run(self) -> None:
        delay = RECONNECT_FIRST
        while not self._stopping.is_set():
            try:
                client = self._bind()
            except LINK_ERRORS as exc:
                log.warning("SMPP bind to %s:%s failed: %s", self.host, self.port, exc or "connection closed")
            else:
                delay = RECONNECT_FIRST
                try:
                    self._serve(client)
                except LINK_ERRORS as exc:
                    log.warning("SMPP link to %s:%s lost: %s", self.host, self.port, exc or "connection closed")
                finally:
                    self._close(client)
            if self._stopping.wait(delay):
                break
            delay = min(delay * 2, self.reconnect_max)

    def _bind(self) -> smpp_client.Client:
        client = smpp_client.Client(
            self.host,
            self.port,
            timeout=self.response_timeout,
            sequence_generator=self._sequence,
            logger_name=WIRE_LOGGER,
            allow_unknown_opt_params=True,
        )
        try:
            client.connect()
            client.bind_transceiver(system_id=self.system_id, password=self._password, system_type=self.system_type)
        except BaseException:
            client.disconnect()
            raise
        with self._send_lock:
            self._client = client
        self._bound.set()
        log.info("SMPP bound to %s:%s as %s", self.host, self.port, self.system_id)
        return client

    def _close(self, client: smpp_client.Client) -> None:
        self._bound.clear()
        with self._send_lock:
            self._client = None
        with self._pending_lock:
            waiting, self._pending = list(self._pending.values()), {}
        for pending in waiting:
            pending.done.set()  # status None: the link went away before the answer
        client.state = consts.SMPP_CLIENT_STATE_OPEN  # we are closing on purpose: no "disconnecting in bound state"
        client.disconnect()

    # -- the connection thread -------------------------------------------------------------------------------------

    def _serve(self, client: smpp_client.Client) -> None:
        """Read and answer PDUs until stop() or a broken link (raised as one of LINK_ERRORS)."""
        last_heard = time.monotonic()
        enquiry_sent: float | None = None
        unbind_sent: float | None = None
        while True:
            now = time.monotonic()
            if self._stopping.is_set() and unbind_sent is None:
                self._send(client, smpp.make_pdu("unbind", client=client))
                unbind_sent = now
            if unbind_sent is not None:
                deadline = unbind_sent + self.response_timeout
            elif enquiry_sent is not None:
                deadline = enquiry_sent + self.response_timeout
            else:
                deadline = last_heard + self.enquire_link_every
            if now >= deadline:
                if unbind_sent is not None:
                    return
                if enquiry_sent is not None:
                    raise exceptions.ConnectionError("no answer to enquire_link")
                self._send(client, smpp.make_pdu("enquire_link", client=client))
                enquiry_sent = now
                continue
            readable, _, _ = select.select([client._socket, self._wake_read], [], [], deadline - now)
            if self._wake_read in readable:
                self._wake_read.recv(64)
            if client._socket not in readable:
                continue
            try:
                pdu = client.read_pdu()
            except exceptions.UnknownCommandError as exc:
                log.warning("SMPP PDU ignored: %s", exc)
                continue
            last_heard, enquiry_sent = time.monotonic(), None
            if pdu.command == "unbind_resp":
                return
            self._dispatch(client, pdu)

    def _send(self, client: smpp_client.Client, pdu) -> None:
        with self._send_lock:
            client.send_pdu(pdu)

    def _reply(self, client: smpp_client.Client, request, command: str, status: int = consts.SMPP_ESME_ROK) -> None:
        response = smpp.make_pdu(command, client=client, status=status)
        response.sequence = request.sequence
        self._send(client, response)

    def _dispatch(self, client: smpp_client.Client, pdu) -> None:
        if pdu.command in ("submit_sm_resp", "generic_nack"):
            self._answered(pdu)
        elif pdu.command == "deliver_sm":
            self._reply(client, pdu, "deliver_sm_resp", self._delivered(pdu))
        elif pdu.command == "enquire_link":
            self._reply(client, pdu, "enquire_link_resp")
        elif pdu.command == "unbind":
            self._reply(client, pdu, "unbind_resp")
            raise exceptions.ConnectionError("the SMSC unbound us")
        elif pdu.command != "enquire_link_resp":
            log.warning("SMPP %s from the SMSC not handled", pdu.command)
            if pdu.is_request():
                self._reply(client, pdu, "generic_nack", consts.SMPP_ESME_RINVCMDID)

    def _answered(self, pdu) -> None:
        with self._pending_lock:
            pending = self._pending.pop(pdu.sequence, None)
        if pending is None:
            log.warning("SMPP %s for unknown sequence %s", pdu.command, pdu.sequence)
            return
        pending.status = pdu.status
        pending.message_id = _text(getattr(pdu, "message_id", None))
        pending.done.set()

    def _delivered(self, pdu) -> int:
        """The deliver_sm_resp status: our sink's verdict, or a temporary error so the SMSC tries again later."""
        try:
            if ((pdu.esm_class or 0) & MESSAGE_TYPE_MASK) in RECEIPT_TYPES:
                receipt = parse_receipt(pdu)
                if receipt is None:
                    log.warning("SMPP delivery receipt without message id or state ignored")
                else:
                    self._sink.receipt(receipt)
                return consts.SMPP_ESME_ROK
            accepted = self._sink.mo_received(self._inbound(pdu))
        except Exception:  # a broken message or a failing sink must not take the link down
            log.exception("SMPP deliver_sm from %s not handled", _text(pdu.source_addr))
            return consts.SMPP_ESME_RSYSERR
        return consts.SMPP_ESME_ROK if accepted else consts.SMPP_ESME_RX_R_APPN

    @staticmethod
    def _inbound(pdu) -> InboundSms:
        data = pdu.short_message or getattr(pdu, "message_payload", None) or b""
        udh = b""
        if (pdu.esm_class or 0) & UDHI:
            udh, data = split_udh(data)
        return InboundSms(
            source=_text(pdu.source_addr),
            destination=_text(pdu.destination_addr),
            data=data,
            data_coding=pdu.data_coding or 0,
            udh=udh,
            protocol_id=pdu.protocol_id or 0,
            received_at=datetime.now(UTC),
        )

    # -- submit, on the caller's thread ----------------------------------------------------------------------------

    def submit(self, sms: OutboundSms) -> Submitted:
        """One submit_sm per part, each answered before the next goes; the first refusal ends the message."""
        if not self._bound.is_set():
            raise SmscError(f"Not bound to the SMSC at {self.host}:{self.port}.")
        source_ton, source_npi = SOURCE_TON_NPI[sms.source_type]
        fields = {
            "source_addr_ton": source_ton,
            "source_addr_npi": source_npi,
            "source_addr": sms.source,
            "dest_addr_ton": consts.SMPP_TON_INTL,
            "dest_addr_npi": consts.SMPP_NPI_ISDN,
            "destination_addr": sms.destination,
            "esm_class": UDHI if sms.has_udh else 0,
            "registered_delivery": REGISTERED_DELIVERY,
            "data_coding": sms.data_coding,
            "validity_period": absolute_time(sms.expires_at) if sms.expires_at else None,
        }
        taken: list[str] = []
        try:
            for part in sms.parts:
                taken.append(self._submit_part(fields, part))
        except SmscError as exc:
            exc.accepted = tuple(taken)
            raise
        return Submitted(tuple(taken))

    def _submit_part(self, fields: dict, part: bytes) -> str:
        pending = _Pending()
        with self._send_lock:
            client = self._client
            if client is None:
                raise SmscError(f"Not bound to the SMSC at {self.host}:{self.port}.")
            pdu = smpp.make_pdu("submit_sm", client=client, short_message=part, **fields)
            with self._pending_lock:
                self._pending[pdu.sequence] = pending
            try:
                client.send_pdu(pdu)
            except LINK_ERRORS as exc:
                with self._pending_lock:
                    self._pending.pop(pdu.sequence, None)
                raise SmscError(f"The SMSC link broke while sending: {exc}") from exc
        if not pending.done.wait(self.response_timeout):
            with self._pending_lock:
                self._pending.pop(pdu.sequence, None)
            raise SmscError(f"The SMSC did not answer a submit_sm within {self.response_timeout:g} s.")
        if pending.status is None:
            raise SmscError("The SMSC link broke before the submit_sm was answered.")
        if pending.status != consts.SMPP_ESME_ROK:
            description = consts.DESCRIPTIONS.get(pending.status, "unknown status")
            raise SmscError(
                f"The SMSC refused the message: {description} (0x{pending.status:08X}).",
                permanent=pending.status in PERMANENT_STATUSES,
            )
        return pending.message_id
