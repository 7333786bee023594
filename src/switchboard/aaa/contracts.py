"""What the RADIUS server hands the AAA services, and what the server needs to know about its clients."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class NasEntry:
    """A RADIUS client as the server keeps it in memory (the secret decrypted)."""

    id: int
    name: str
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    secret: bytes
    require_message_authenticator: bool
    disconnect_port: int


@dataclass(frozen=True, slots=True)
class AccountingReport:
    """One Accounting-Request, decoded; octet counters are the gateway's running totals for the session."""

    nas_id: int
    nas_address: str
    status_type: int
    session_id: str
    at: datetime
    imsi: str = ""
    user_name: str = ""
    imei: str = ""
    apn: str = ""
    framed_ip: str | None = None
    charging_id: int | None = None
    input_octets: int = 0
    output_octets: int = 0
    session_time: int | None = None
    terminate_cause: int | None = None
    operator: str = ""
    mcc: str = ""
    mnc: str = ""
    country: str = ""
    rat: str = ""
    location: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DisconnectJob:
    """A Disconnect-Request the server owes a gateway."""

    id: int
    sim_id: int | None
    nas_id: int
    nas_address: str
    acct_session_id: str
    imsi: str
    framed_ip: str | None
    reason: str
    attempts: int
