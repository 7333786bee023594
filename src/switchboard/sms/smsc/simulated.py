"""The built-in SMSC of the demo: an MT reaches the simulated device when its SIM is attached to the network
(the network simulator keeps the demo SIMs attached), otherwise it waits there, as a real SMSC would, until the
device attaches or the message expires."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from switchboard.connectivity import selectors as connectivity

from ..contracts import DeliveryReceipt, InboundSink, OutboundSms, ReceiptState, SmscError, SmscKind, Submitted


@dataclass
class _Waiting:
    sms: OutboundSms
    message_ids: tuple[str, ...]


class SimulatedSmsc:
    kind = SmscKind.SIMULATED

    def __init__(self) -> None:
        self._sink: InboundSink | None = None
        self._waiting: list[_Waiting] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def start(self, sink: InboundSink) -> None:
        self._sink = sink

    def submit(self, sms: OutboundSms) -> Submitted:
        if not sms.destination:
            raise SmscError("The SIM has no MSISDN.", permanent=True)
        ids = tuple(f"sim-{sms.reference}-{next(self._ids)}" for _part in sms.parts)
        with self._lock:
            self._waiting.append(_Waiting(sms, ids))
        return Submitted(ids)

    def tick(self, now: datetime | None = None) -> None:
        """Try the waiting messages: deliver to attached devices, give up on expired ones. A message whose turn a
        database error interrupts stays waiting for the next tick."""
        now = now or timezone.now()
        with self._lock:
            waiting, self._waiting = self._waiting, []
        for index, item in enumerate(waiting):
            try:
                state = self._state(item.sms, now)
                if state is not None:
                    for message_id in item.message_ids:
                        self._sink.receipt(DeliveryReceipt(state, message_id=message_id, done_at=now))
            except Exception:
                with self._lock:
                    self._waiting.extend(waiting[index:])
                raise
            if state is None:
                with self._lock:
                    self._waiting.append(item)

    @staticmethod
    def _state(sms: OutboundSms, now: datetime) -> ReceiptState | None:
        endpoint = connectivity.unscoped_sms_endpoint(msisdn=sms.destination)
        if endpoint is None:
            return ReceiptState.FAILED
        if endpoint.reachable:
            return ReceiptState.DELIVERED
        if sms.expires_at is not None and sms.expires_at <= now:
            return ReceiptState.EXPIRED
        return None

    def stop(self) -> None:
        with self._lock:
            self._waiting.clear()
