"""What the SMS context shares: 1NCE's ids for statuses and types, and the interface every SMSC adapter meets.

An adapter only moves messages: the gateway hands it an `OutboundSms` already split and encoded, and it reports what
comes back (MO messages, delivery receipts) to an `InboundSink`. Which SMSC an operator uses is configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Protocol


class SmsStatus(IntEnum):
    """1NCE's SMS status ids (v1 `status.id`, v2 `status`), plus our own for a cancelled message."""

    PENDING = 2
    DELIVERED = 4
    FAILED = 5
    EXPIRED = 6
    CANCELLED = 7

    @property
    def description(self) -> str:
        return self.name


class SmsType(IntEnum):
    MT = 1
    MO = 2


class SourceAddressType(IntEnum):
    """TON/NPI as one octet, the way 1NCE takes it."""

    INTERNATIONAL = 145
    NATIONAL = 161
    ALPHANUMERIC = 208


class SmscKind(StrEnum):
    SIMULATED = "simulated"
    SMPP = "smpp"
    KANNEL = "kannel"


@dataclass(frozen=True)
class OutboundSms:
    """One MT message, ready for the wire: each part is the user data of one submit_sm (UDH included if any)."""

    reference: str  # our id of the message; Kannel carries it in the DLR URL, receipts are matched on it
    destination: str  # the SIM's MSISDN, international digits without "+"
    source: str
    source_type: SourceAddressType
    parts: tuple[bytes, ...]
    data_coding: int  # 0 GSM 7-bit (unpacked septets), 4 8-bit data, 8 UCS-2
    has_udh: bool  # sets esm_class UDHI (0x40)
    expires_at: datetime | None = None
    part_numbers: tuple[int, ...] = ()  # which parts of the message these are (a resend skips those already taken)

    def numbered(self) -> tuple[tuple[int, bytes], ...]:
        return tuple(zip(self.part_numbers or range(1, len(self.parts) + 1), self.parts, strict=True))


@dataclass(frozen=True)
class Submitted:
    """The SMSC took every part; its message ids in part order (empty strings where it gave none)."""

    message_ids: tuple[str, ...]


@dataclass(frozen=True)
class InboundSms:
    """A mobile-originated message (one part of it) as the SMSC delivered it."""

    source: str  # the device's MSISDN
    destination: str
    data: bytes  # user data without the UDH
    data_coding: int
    udh: bytes = b""
    protocol_id: int = 0
    received_at: datetime | None = None


class ReceiptState(StrEnum):
    ACCEPTED = "accepted"  # the SMSC has it; not yet final
    DELIVERED = "delivered"
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class DeliveryReceipt:
    state: ReceiptState
    message_id: str = ""  # the SMSC's id (SMPP receipts)
    reference: str = ""  # our id (Kannel's DLR URL)
    part: int = 0
    done_at: datetime | None = None
    error: str = ""


class SmscError(Exception):
    """The SMSC did not take the message. `permanent` failures are not retried (bad number, rejected content).
    `accepted` holds the message ids of the parts it took before it stopped: a retry sends only the others, so the
    device never gets a part twice."""

    def __init__(self, message: str, *, permanent: bool = False, accepted: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.accepted = accepted


class InboundSink(Protocol):
    def mo_received(self, sms: InboundSms) -> bool:
        """Store the MO message; False rejects it towards the SMSC (quota, limit, unknown SIM, device-to-device)."""

    def receipt(self, receipt: DeliveryReceipt) -> None: ...


class SmscAdapter(Protocol):
    kind: SmscKind

    def start(self, sink: InboundSink) -> None:
        """Connect (and keep reconnecting) and start passing inbound traffic to the sink."""

    def submit(self, sms: OutboundSms) -> Submitted:
        """Hand one message to the SMSC; raise SmscError if it was not taken."""

    def stop(self) -> None: ...
