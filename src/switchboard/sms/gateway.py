"""The SMS gateway: hands queued MT messages to each operator's SMSC and takes back what the SMSC reports.

One loop per process (`switchboard smsc`, started by the demo next to the worker). Messages are claimed one by one
with a conditional UPDATE, so several gateways can run; a gateway that dies leaves its claims due again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from urllib.parse import urlencode

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.db import connection as default_connection

from switchboard.core import crypto

from . import encoding, operators, services
from .contracts import (
    DeliveryReceipt,
    InboundSms,
    OutboundSms,
    SmscAdapter,
    SmscError,
    SmscKind,
    SourceAddressType,
)
from .models import Sms, SmscConnection
from .smsc.simulated import SimulatedSmsc

log = logging.getLogger("switchboard.sms")
ORPHAN_TTL = 60.0  # seconds a receipt may wait for its message's ids to be stored
TICK_EVERY = 2.0


def _fresh_connection() -> None:
    """Adapters call the sink from their own long-lived threads: drop a connection the database closed meanwhile,
    as Django does at the start of a request (never inside a transaction of the caller's)."""
    if not default_connection.in_atomic_block:
        close_old_connections()


class Sink:
    """Where one operator's SMSC reports inbound traffic (only that operator's SIMs and messages can be touched);
    a receipt that outruns its submit_sm_resp waits and is retried."""

    def __init__(self, operator_id: int | None) -> None:
        self.operator_id = operator_id
        self._orphans: deque[tuple[float, DeliveryReceipt]] = deque()
        self._lock = threading.Lock()

    def mo_received(self, sms: InboundSms) -> bool:
        _fresh_connection()
        return services.sms_received(sms, operator_id=self.operator_id)

    def receipt(self, receipt: DeliveryReceipt) -> None:
        _fresh_connection()
        try:
            applied = services.apply_receipt(receipt, operator_id=self.operator_id)
        except DatabaseError:  # the SMSC will not send it again: keep it and try with the next round
            log.warning("delivery receipt kept for a retry: the database refused it", exc_info=True)
            applied = False
        if not applied:
            with self._lock:
                self._orphans.append((time.monotonic(), receipt))

    def retry_orphans(self) -> None:
        with self._lock:
            waiting, self._orphans = list(self._orphans), deque()
        now = time.monotonic()
        for since, receipt in waiting:
            try:
                if services.apply_receipt(receipt, operator_id=self.operator_id):
                    continue
            except DatabaseError:
                log.warning("delivery receipt kept for a retry: the database refused it", exc_info=True)
            if now - since < ORPHAN_TTL:
                with self._lock:
                    self._orphans.append((since, receipt))
            else:
                log.warning("delivery receipt for unknown message %s dropped", receipt.message_id or receipt.reference)


def kannel_callback_url(path: str, token: str) -> str:
    """The URL Kannel calls back (its `%` escapes are filled in by Kannel itself)."""
    return f"{settings.BASE_URL}/smsc/kannel/{path}?{urlencode({'token': token})}"


def build_adapter(connection: SmscConnection | None) -> SmscAdapter:
    if connection is None or connection.kind == SmscKind.SIMULATED:
        return SimulatedSmsc()
    password = crypto.decrypt(connection.password_encrypted) if connection.password_encrypted else ""
    if connection.kind == SmscKind.SMPP:
        from .smsc.smpp import SmppAdapter

        return SmppAdapter(connection.host, connection.port or 2775, connection.system_id, password)
    from .smsc.kannel import DLR_QUERY, KannelAdapter

    token = crypto.decrypt(connection.callback_token_encrypted)
    dlr = f"{kannel_callback_url('dlr', token)}&{DLR_QUERY}"
    return KannelAdapter(connection.sendsms_url, connection.username, password, dlr_url=dlr)


def outbound(sms: Sms, default_source: str, *, taken: frozenset[int] = frozenset()) -> OutboundSms:
    """The message as the wire carries it, split again here (the reference is the message id, so a resend after a
    crash carries the same concatenation reference), without the parts the SMSC took already."""
    if sms.udh or sms.dcs == 4:
        message = encoding.from_raw(sms.payload, dcs=sms.dcs, udh_hex=sms.udh)
    else:
        message = encoding.split(sms.payload, reference=sms.pk, force_ucs2=sms.dcs == 8)
    source, source_type = sms.source_address, SourceAddressType(sms.source_address_type)
    if not source:
        source, source_type = default_source, SourceAddressType.ALPHANUMERIC
        if source.isdigit():
            source_type = SourceAddressType.INTERNATIONAL
    numbered = [(n, part) for n, part in enumerate(message.parts, start=1) if n not in taken]
    return OutboundSms(
        reference=str(sms.pk),
        destination=sms.msisdn,
        source=source,
        source_type=source_type,
        parts=tuple(part for _n, part in numbered),
        data_coding=message.data_coding,
        has_udh=message.has_udh,
        expires_at=sms.expiry_date,
        part_numbers=tuple(n for n, _part in numbered),
    )


def _recorded(write, *args, **kwargs) -> None:
    """Note what the SMSC answered, riding out a busy database: lost, the message would go out again once its claim
    expires."""
    attempts = 8
    for attempt in range(attempts):
        try:
            write(*args, **kwargs)
            return
        except DatabaseError:
            if attempt == attempts - 1:
                raise
            log.warning("the database refused to record an SMSC answer; trying again", exc_info=True)
            time.sleep(0.05 * 2**attempt)


class SmsGateway:
    def __init__(self, *, tick_every: float = TICK_EVERY) -> None:
        self._sinks: dict[int | None, Sink] = {}
        self._adapters: dict[int | None, tuple[SmscAdapter, str]] = {}
        self._operators: dict[int, int | None] = {}
        self._tick_every = tick_every
        self._last_tick = time.monotonic()

    def _operator_of(self, organisation_id: int) -> int | None:
        if organisation_id not in self._operators:
            self._operators[organisation_id] = operators.operator_of(organisation_id)
        return self._operators[organisation_id]

    def adapter_for(self, organisation_id: int) -> tuple[SmscAdapter, str]:
        operator_id = self._operator_of(organisation_id)
        if operator_id not in self._adapters:
            connection = SmscConnection.objects.filter(operator_id=operator_id, enabled=True).first()
            adapter = build_adapter(connection)
            adapter.start(self.sink(operator_id))
            self._adapters[operator_id] = (adapter, connection.default_source if connection else "Switchboard")
        return self._adapters[operator_id]

    def sink(self, operator_id: int | None) -> Sink:
        if operator_id not in self._sinks:
            self._sinks[operator_id] = Sink(operator_id)
        return self._sinks[operator_id]

    def pump_once(self, *, limit: int = 100) -> int:
        """Submit what is due; returns how many messages were handed over (or failed)."""
        handled = 0
        for sms_id in services.due_ids(limit=limit):
            sms = services.claim(sms_id)
            if sms is None:
                continue
            handled += 1
            adapter, default_source = self.adapter_for(sms.organisation_id)
            message = outbound(sms, default_source, taken=services.parts_taken(sms.pk))
            try:
                submitted = adapter.submit(message)
            except SmscError as exc:  # the detail (addresses, binds) is the operator's: logged, not shown to customers
                log.warning("SMS %s not taken by the SMSC: %s", sms.pk, exc)
                taken = dict(zip(message.part_numbers, exc.accepted, strict=False))
                _recorded(services.mark_parts_taken, sms.pk, taken)
                _recorded(services.mark_submit_failed, sms.pk, permanent=exc.permanent)
            else:
                taken = dict(zip(message.part_numbers, submitted.message_ids, strict=True))
                _recorded(services.mark_submitted, sms.pk, taken)
        for sink in list(self._sinks.values()):
            sink.retry_orphans()
        now = time.monotonic()
        if now - self._last_tick >= self._tick_every:
            self._last_tick = now
            for adapter, _source in list(self._adapters.values()):
                tick = getattr(adapter, "tick", None)
                if tick is not None:
                    tick()
            services.expire_overdue()
        return handled

    def run(self, stop: threading.Event, *, interval: float = 0.2) -> None:
        while not stop.is_set():
            try:
                busy = self.pump_once()
            except Exception:  # the loop must outlive one bad message or a database hiccup
                log.exception("SMS gateway round failed")
                busy = 0
            finally:
                close_old_connections()
            if not busy:
                stop.wait(interval)

    def stop(self) -> None:
        for adapter, _source in self._adapters.values():
            adapter.stop()
        self._adapters.clear()
