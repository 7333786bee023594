"""Shapes of the RADIUS API. The shared secret goes in and never comes out; counters are bytes, times ISO 8601."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from ..services.clients import SECRET_MAX, SECRET_MIN

NETWORK = "The gateway's source address, or a subnet in CIDR notation such as 192.0.2.0/28 (host bits zero)"
PORT = "Where the gateway takes Disconnect/CoA-Requests"
SECRET = f"Shared secret, {SECRET_MIN} to {SECRET_MAX} printable characters; write-only, stored encrypted"


class NasClientPatchIn(Schema):
    """Only the fields sent change; a new secret replaces the old one."""

    name: str | None = None
    network: str | None = Field(None, description=NETWORK)
    secret: str | None = Field(None, description=SECRET, json_schema_extra={"writeOnly": True})
    require_message_authenticator: bool | None = None
    disconnect_port: int | None = Field(None, description=PORT)
    enabled: bool | None = None


class NasClientIn(NasClientPatchIn):
    name: str
    network: str = Field(description=NETWORK)
    secret: str = Field(description=SECRET, json_schema_extra={"writeOnly": True})
    require_message_authenticator: bool = False
    disconnect_port: int = Field(3799, description=PORT)
    enabled: bool = True


class NasClientOut(Schema):
    id: int
    name: str
    network: str
    require_message_authenticator: bool
    disconnect_port: int
    enabled: bool
    created_at: datetime
    updated_at: datetime


class SessionOut(Schema):
    """A data session open on one of your gateways, as its last accounting report left it."""

    nas: str = Field(description="Name of the RADIUS client holding the session")
    session_id: str = Field(description="Acct-Session-Id")
    imsi: str
    framed_ip: str | None
    started_at: datetime
    updated_at: datetime = Field(description="Time of the last accounting report")
    input_octets: int = Field(description="Bytes from the device, as the gateway counts them")
    output_octets: int = Field(description="Bytes to the device")

    @staticmethod
    def resolve_nas(session) -> str:
        return session.nas.name

    @staticmethod
    def resolve_session_id(session) -> str:
        return session.acct_session_id
