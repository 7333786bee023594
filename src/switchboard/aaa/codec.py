"""RADIUS packets on the wire: decode, encode, sign and check (RFC 2865, 2866, 2869, 3579, 5176).

Written for speed in one Python process: a packet decodes into tuples of (type, raw value) in wire order and
values are interpreted only when asked for: no dictionary files, no object per attribute beyond its tuple.
Vendor-Specific attributes stay raw until `Packet.vendor()` or `network_request()` looks inside them; the 3GPP
vendor (TS 29.061) uses the common layout of a 1-octet type and a 1-octet length per sub-attribute.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import socket
from dataclasses import dataclass
from enum import IntEnum

from switchboard.aaa.location import decode_uli

VENDOR_3GPP = 10415
MAX_PACKET = 4096
HEADER_LENGTH = 20
MAX_VALUE = 253  # an attribute's length octet counts its own 2 header octets
MAX_PASSWORD = 128  # RFC 2865 §5.2

_ZERO_AUTHENTICATOR = bytes(16)


class Code(IntEnum):
    ACCESS_REQUEST = 1
    ACCESS_ACCEPT = 2
    ACCESS_REJECT = 3
    ACCOUNTING_REQUEST = 4
    ACCOUNTING_RESPONSE = 5
    ACCESS_CHALLENGE = 11
    STATUS_SERVER = 12
    DISCONNECT_REQUEST = 40
    DISCONNECT_ACK = 41
    DISCONNECT_NAK = 42
    COA_REQUEST = 43
    COA_ACK = 44
    COA_NAK = 45


class Attr(IntEnum):
    USER_NAME = 1
    USER_PASSWORD = 2
    NAS_IP_ADDRESS = 4
    SERVICE_TYPE = 6
    FRAMED_PROTOCOL = 7
    FRAMED_IP_ADDRESS = 8
    REPLY_MESSAGE = 18
    CLASS = 25
    VENDOR_SPECIFIC = 26
    SESSION_TIMEOUT = 27
    CALLED_STATION_ID = 30
    CALLING_STATION_ID = 31
    NAS_IDENTIFIER = 32
    PROXY_STATE = 33
    ACCT_STATUS_TYPE = 40
    ACCT_DELAY_TIME = 41
    ACCT_INPUT_OCTETS = 42
    ACCT_OUTPUT_OCTETS = 43
    ACCT_SESSION_ID = 44
    ACCT_SESSION_TIME = 46
    ACCT_INPUT_PACKETS = 47
    ACCT_OUTPUT_PACKETS = 48
    ACCT_TERMINATE_CAUSE = 49
    ACCT_INPUT_GIGAWORDS = 52
    ACCT_OUTPUT_GIGAWORDS = 53
    EVENT_TIMESTAMP = 55
    NAS_PORT_TYPE = 61
    MESSAGE_AUTHENTICATOR = 80
    ACCT_INTERIM_INTERVAL = 85
    ERROR_CAUSE = 101


class Gpp(IntEnum):
    """3GPP TS 29.061 vendor attribute types (vendor 10415)."""

    IMSI = 1
    CHARGING_ID = 2
    PDP_TYPE = 3
    GGSN_ADDRESS = 7
    IMSI_MCC_MNC = 8
    GGSN_MCC_MNC = 9
    NSAPI = 10
    SELECTION_MODE = 12
    CHARGING_CHARACTERISTICS = 13
    SGSN_MCC_MNC = 18
    IMEISV = 20
    RAT_TYPE = 21
    USER_LOCATION_INFO = 22
    MS_TIME_ZONE = 23


class AcctStatus(IntEnum):
    START = 1
    STOP = 2
    INTERIM_UPDATE = 3
    ACCOUNTING_ON = 7
    ACCOUNTING_OFF = 8


class ErrorCause(IntEnum):
    """RFC 5176 §3.6 Error-Cause values."""

    RESIDUAL_CONTEXT_REMOVED = 201
    INVALID_EAP_PACKET = 202
    UNSUPPORTED_ATTRIBUTE = 401
    MISSING_ATTRIBUTE = 402
    NAS_IDENTIFICATION_MISMATCH = 403
    INVALID_REQUEST = 404
    UNSUPPORTED_SERVICE = 405
    UNSUPPORTED_EXTENSION = 406
    INVALID_ATTRIBUTE_VALUE = 407
    ADMINISTRATIVELY_PROHIBITED = 501
    REQUEST_NOT_ROUTABLE = 502
    SESSION_CONTEXT_NOT_FOUND = 503
    SESSION_CONTEXT_NOT_REMOVABLE = 504
    PROXY_PROCESSING_ERROR = 505
    RESOURCES_UNAVAILABLE = 506
    REQUEST_INITIATED = 507
    MULTIPLE_SESSION_SELECTION_UNSUPPORTED = 508


class TerminateCause(IntEnum):
    """RFC 2866 §5.10 Acct-Terminate-Cause values."""

    USER_REQUEST = 1
    LOST_CARRIER = 2
    LOST_SERVICE = 3
    IDLE_TIMEOUT = 4
    SESSION_TIMEOUT = 5
    ADMIN_RESET = 6
    ADMIN_REBOOT = 7
    PORT_ERROR = 8
    NAS_ERROR = 9
    NAS_REQUEST = 10
    NAS_REBOOT = 11
    PORT_UNNEEDED = 12
    PORT_PREEMPTED = 13
    PORT_SUSPENDED = 14
    SERVICE_UNAVAILABLE = 15
    CALLBACK = 16
    USER_ERROR = 17
    HOST_REQUEST = 18


# 3GPP-RAT-Type → the short labels of the connectivity app. 1 UTRAN, 2 GERAN, 5 HSPA Evolution, 6 EUTRAN;
# 8 NB-IoT, 9 LTE-M and 10 NR come from later TS 29.061 releases. WLAN, GAN, virtual and 3GPP2 have no label.
RAT_NAMES: dict[int, str] = {1: "3G", 2: "2G", 5: "3G", 6: "4G", 8: "NB-IoT", 9: "LTE-M", 10: "5G"}

# Requests whose authenticator is an MD5 over the packet (RFC 2866 §3, RFC 5176 §2.3) instead of a random nonce.
_SIGNED_REQUESTS = frozenset({Code.ACCOUNTING_REQUEST, Code.DISCONNECT_REQUEST, Code.COA_REQUEST})


class MalformedPacket(ValueError):
    """Anything we cannot parse; the server drops and counts it."""


@dataclass(slots=True)
class Packet:
    code: int
    identifier: int
    authenticator: bytes  # 16 octets
    attributes: list[tuple[int, bytes]]  # (type, value) in wire order; VSAs stay as (26, raw value)
    raw: bytes  # the datagram cut to the Length field (what authenticators are computed over)

    def get(self, attr: int) -> bytes | None:
        """The first value of `attr`, or None."""
        for attr_type, value in self.attributes:
            if attr_type == attr:
                return value
        return None

    def get_all(self, attr: int) -> list[bytes]:
        return [value for attr_type, value in self.attributes if attr_type == attr]

    def vendor(self, vendor_id: int, vendor_type: int) -> bytes | None:
        """The first sub-attribute `vendor_type` of `vendor_id`; MalformedPacket when that vendor's VSAs are broken."""
        return vendor_values(self.attributes, vendor_id).get(vendor_type)

    def text(self, attr: int) -> str:
        return _text(self.get(attr))

    def integer(self, attr: int) -> int | None:
        return _integer(self.get(attr), attr)

    def ipv4(self, attr: int) -> str | None:
        return _ipv4(self.get(attr), attr)


def _text(value: bytes | None) -> str:
    return "" if value is None else value.decode("utf-8", "replace")


def _integer(value: bytes | None, attr: object) -> int | None:
    if value is None:
        return None
    if len(value) != 4:
        raise MalformedPacket(f"attribute {attr} is an integer of {len(value)} octets instead of 4")
    return int.from_bytes(value, "big")


def _ipv4(value: bytes | None, attr: object) -> str | None:
    if value is None:
        return None
    if len(value) != 4:
        raise MalformedPacket(f"attribute {attr} is an IPv4 address of {len(value)} octets instead of 4")
    return socket.inet_ntoa(value)


def vendor_values(attributes: list[tuple[int, bytes]], vendor_id: int) -> dict[int, bytes]:
    """The first value of each sub-attribute type that `vendor_id` sent (1-octet type and length, RFC 2865 §5.26).

    Other vendors' VSAs are skipped unread: their inner layout may differ. A VSA too short to name its vendor
    (RFC 2865 demands at least 7 octets in all) is malformed whoever sent it.
    """
    prefix = vendor_id.to_bytes(4, "big")
    values: dict[int, bytes] = {}
    for attr_type, value in attributes:
        if attr_type != 26:
            continue
        end = len(value)
        if end < 5:
            raise MalformedPacket(f"Vendor-Specific attribute of {end} octets")
        if not value.startswith(prefix):
            continue
        if end > 5 and value[5] == end - 4:  # the usual case: one sub-attribute fills the VSA
            if value[4] not in values:
                values[value[4]] = value[6:]
            continue
        position = 4
        while position < end:
            if position + 2 > end:
                raise MalformedPacket(f"vendor {vendor_id}: sub-attribute header cut off")
            sub_end = position + value[position + 1]
            if sub_end < position + 2 or sub_end > end:
                raise MalformedPacket(f"vendor {vendor_id}: sub-attribute {value[position]} has a bad length")
            values.setdefault(value[position], value[position + 2 : sub_end])
            position = sub_end
    return values


def decode(data: bytes) -> Packet:
    """Parse one datagram (RFC 2865 §3). Octets beyond the Length field are padding and ignored."""
    received = len(data)
    if received < HEADER_LENGTH:
        raise MalformedPacket(f"datagram of {received} octets is shorter than a RADIUS header")
    length = (data[2] << 8) | data[3]
    if length < HEADER_LENGTH or length > MAX_PACKET or length > received:
        raise MalformedPacket(f"Length field {length} does not fit a datagram of {received} octets")
    raw = bytes(data[:length])
    attributes = []
    append = attributes.append
    position = HEADER_LENGTH
    while position < length:
        if position + 2 > length:
            raise MalformedPacket("attribute header cut off at the end of the packet")
        end = position + raw[position + 1]
        if end < position + 2 or end > length:
            raise MalformedPacket(f"attribute {raw[position]} at offset {position} has a bad length")
        append((raw[position], raw[position + 2 : end]))
        position = end
    return Packet(raw[0], raw[1], raw[4:20], attributes, raw)


# ---- encoding ----


def text(attr: int, value: str) -> tuple[int, bytes]:
    return octets(attr, value.encode())


def integer(attr: int, value: int) -> tuple[int, bytes]:
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"attribute {attr}: {value} does not fit 32 unsigned bits")
    return attr, value.to_bytes(4, "big")


def ipv4(attr: int, address: str) -> tuple[int, bytes]:
    return attr, ipaddress.IPv4Address(address).packed


def octets(attr: int, value: bytes) -> tuple[int, bytes]:
    if len(value) > MAX_VALUE:
        raise ValueError(f"attribute {attr}: {len(value)} octets, at most {MAX_VALUE} fit")
    return attr, bytes(value)


def vendor(vendor_id: int, vendor_type: int, value: bytes) -> tuple[int, bytes]:
    """One Vendor-Specific attribute carrying one sub-attribute (the layout 3GPP gateways send)."""
    if len(value) > MAX_VALUE - 6:
        raise ValueError(f"vendor {vendor_id} attribute {vendor_type}: {len(value)} octets, at most 247 fit")
    return Attr.VENDOR_SPECIFIC, vendor_id.to_bytes(4, "big") + bytes((vendor_type, len(value) + 2)) + value


def _encode_attributes(attributes: list[tuple[int, bytes]]) -> bytes:
    parts = []
    for attr_type, value in attributes:
        if len(value) > MAX_VALUE:
            raise ValueError(f"attribute {attr_type}: {len(value)} octets, at most {MAX_VALUE} fit")
        parts.append(bytes((attr_type, len(value) + 2)))
        parts.append(value)
    return b"".join(parts)


def _assemble(code: int, identifier: int, authenticator: bytes, attributes: list[tuple[int, bytes]]) -> bytearray:
    body = _encode_attributes(attributes)
    length = HEADER_LENGTH + len(body)
    if length > MAX_PACKET:
        raise ValueError(f"packet of {length} octets exceeds the RADIUS maximum of {MAX_PACKET}")
    if len(authenticator) != 16:
        raise ValueError("an authenticator has 16 octets")
    packet = bytearray((code, identifier, length >> 8, length & 0xFF))
    packet += authenticator
    packet += body
    return packet


def _with_message_authenticator(attributes: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """A zeroed Message-Authenticator first, then the rest: first is where BlastRADIUS (CVE-2024-3596) wants it."""
    return [(Attr.MESSAGE_AUTHENTICATOR, _ZERO_AUTHENTICATOR)] + [
        item for item in attributes if item[0] != Attr.MESSAGE_AUTHENTICATOR
    ]


def _sign_message_authenticator(packet: bytearray, secret: bytes) -> None:
    """Fill the Message-Authenticator that `_with_message_authenticator` put first (RFC 3579 §3.2).

    The HMAC covers the packet as it stands, so the caller puts the right value in the Authenticator field first.
    """
    offset = HEADER_LENGTH + 2
    packet[offset : offset + 16] = hmac.digest(secret, packet, "md5")


def request_packet(
    code: int,
    identifier: int,
    attributes: list[tuple[int, bytes]],
    secret: bytes,
    *,
    authenticator: bytes | None = None,
    message_authenticator: bool = False,
) -> bytes:
    """Encode a request.

    Access-Request / Status-Server carry a random Request Authenticator: pass `authenticator` when a User-Password
    was hidden with it (`hide_password`). Accounting-, Disconnect- and CoA-Requests get the MD5 authenticator of
    RFC 2866 §3 / RFC 5176 §2.3 (`authenticator` is ignored); their Message-Authenticator is computed with 16 zero
    octets in the Authenticator field, as RFC 5176 §3.4 says and FreeRADIUS does. Status-Server always carries one
    (RFC 5997).
    """
    if code == Code.STATUS_SERVER:
        message_authenticator = True
    if message_authenticator:
        attributes = _with_message_authenticator(attributes)
    signed = code in _SIGNED_REQUESTS
    if signed:
        authenticator = _ZERO_AUTHENTICATOR
    elif authenticator is None:
        authenticator = os.urandom(16)
    packet = _assemble(code, identifier, authenticator, attributes)
    if message_authenticator:
        _sign_message_authenticator(packet, secret)
    if signed:
        packet[4:20] = hashlib.md5(packet + secret).digest()  # noqa: S324 - the RADIUS algorithm
    return bytes(packet)


def reply_packet(request: Packet, code: int, attributes: list[tuple[int, bytes]], secret: bytes) -> bytes:
    """Encode the answer to `request` (RFC 2865 §3 Response Authenticator).

    The request's Proxy-State attributes are echoed in order at the end (RFC 2865 §5.33). A Message-Authenticator
    is added when the request had one, and always towards an Access-Request: the BlastRADIUS countermeasure.
    """
    proxy_states = [(Attr.PROXY_STATE, value) for attr_type, value in request.attributes if attr_type == 33]
    attributes = [item for item in attributes if item[0] != Attr.PROXY_STATE] + proxy_states
    signed = request.code == Code.ACCESS_REQUEST or request.get(Attr.MESSAGE_AUTHENTICATOR) is not None
    if signed:
        attributes = _with_message_authenticator(attributes)
    packet = _assemble(code, request.identifier, _response_ma_authenticator(code, request), attributes)
    if signed:
        _sign_message_authenticator(packet, secret)
    packet[4:20] = request.authenticator
    packet[4:20] = hashlib.md5(packet + secret).digest()  # noqa: S324 - the RADIUS algorithm
    return bytes(packet)


def _response_ma_authenticator(code: int, request: Packet) -> bytes:
    """What a response's Authenticator field holds while its Message-Authenticator is computed.

    The request's authenticator (RFC 3579 §3.2, RFC 5176 §3.4, RFC 5997), except in an Accounting-Response to an
    Accounting-Request, which no RFC covers: FreeRADIUS (radclient 3.2) signs and checks those with 16 zero octets.
    """
    if code == Code.ACCOUNTING_RESPONSE and request.code != Code.STATUS_SERVER:
        return _ZERO_AUTHENTICATOR
    return request.authenticator


# ---- checks ----


def request_authenticator_ok(packet: Packet, secret: bytes) -> bool:
    """The MD5 Request Authenticator of an Accounting-, Disconnect- or CoA-Request (RFC 2866 §3, RFC 5176 §2.3).

    Access-Requests carry a random nonce instead, so they never pass.
    """
    raw = packet.raw
    expected = hashlib.md5(raw[:4] + _ZERO_AUTHENTICATOR + raw[HEADER_LENGTH:] + secret).digest()  # noqa: S324
    return hmac.compare_digest(expected, packet.authenticator)


def response_authenticator_ok(response: Packet, request_authenticator: bytes, secret: bytes) -> bool:
    raw = response.raw
    expected = hashlib.md5(raw[:4] + request_authenticator + raw[HEADER_LENGTH:] + secret).digest()  # noqa: S324
    return hmac.compare_digest(expected, response.authenticator)


def _message_authenticator_offset(raw: bytes) -> int | None:
    """Where the value of the only Message-Authenticator starts; None when there is none, or more than one."""
    found = None
    position = HEADER_LENGTH
    length = len(raw)
    while position + 2 <= length:
        attr_length = raw[position + 1]
        if raw[position] == Attr.MESSAGE_AUTHENTICATOR:
            if found is not None or attr_length != 18:
                return None
            found = position + 2
        if attr_length < 2:
            return None
        position += attr_length
    return found


def message_authenticator_ok(packet: Packet, secret: bytes, request_authenticator: bytes | None = None) -> bool:
    """Check the HMAC-MD5 Message-Authenticator (RFC 3579 §3.2, RFC 5176 §3.4). False when absent or wrong.

    Requests: Accounting-, Disconnect- and CoA-Requests were signed with 16 zero octets in the Authenticator field,
    others with their own random authenticator. Responses: give `request_authenticator`, which they were signed
    with; an Accounting-Response may also carry FreeRADIUS's zero-octet variant (see `_response_ma_authenticator`).
    """
    raw = packet.raw
    offset = _message_authenticator_offset(raw)
    if offset is None:
        return False
    if request_authenticator is None:
        candidates = [_ZERO_AUTHENTICATOR if packet.code in _SIGNED_REQUESTS else packet.authenticator]
    elif packet.code == Code.ACCOUNTING_RESPONSE:
        candidates = [request_authenticator, _ZERO_AUTHENTICATOR]
    else:
        candidates = [request_authenticator]
    received = raw[offset : offset + 16]
    attributes = raw[HEADER_LENGTH:offset] + _ZERO_AUTHENTICATOR + raw[offset + 16 :]
    return any(
        hmac.compare_digest(hmac.digest(secret, raw[:4] + authenticator + attributes, "md5"), received)
        for authenticator in candidates
    )


# ---- User-Password (RFC 2865 §5.2) ----


def _xor_stream(data: bytes, secret: bytes, authenticator: bytes, *, hiding: bool) -> bytes:
    """c(i) = p(i) xor MD5(S + c(i-1)), c(0) = the Request Authenticator; 16-octet blocks."""
    out = bytearray()
    chain = authenticator
    for start in range(0, len(data), 16):
        block = data[start : start + 16]
        key = hashlib.md5(secret + chain).digest()  # noqa: S324 - the RADIUS algorithm
        mixed = (int.from_bytes(block, "big") ^ int.from_bytes(key, "big")).to_bytes(16, "big")
        out += mixed
        chain = mixed if hiding else block
    return bytes(out)


def hide_password(password: bytes, secret: bytes, authenticator: bytes) -> bytes:
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"a User-Password has at most {MAX_PASSWORD} octets")
    blocks = max(1, -(-len(password) // 16))  # an empty password still fills one block
    padded = password.ljust(16 * blocks, b"\0")
    return _xor_stream(padded, secret, authenticator, hiding=True)


def reveal_password(value: bytes, secret: bytes, authenticator: bytes) -> bytes:
    """The clear password with its NUL padding stripped."""
    if not value or len(value) > MAX_PASSWORD or len(value) % 16:
        raise MalformedPacket(f"a hidden User-Password of {len(value)} octets")
    return _xor_stream(value, secret, authenticator, hiding=False).rstrip(b"\0")


# ---- what the gateway tells us (3GPP TS 29.061 on Gi/SGi) ----


@dataclass(slots=True, frozen=True)
class NetworkRequest:
    user_name: str
    imsi: str
    imeisv: str  # as sent: a 16-digit IMEISV or a 15-digit IMEI
    msisdn: str  # Calling-Station-Id
    apn: str  # Called-Station-Id
    nas_ip: str | None
    nas_identifier: str
    framed_ip: str | None
    rat: str  # a RAT_NAMES label, "" when absent or unlabelled
    sgsn_mcc_mnc: str
    location: dict  # location.decode_uli(), {} when absent or undecodable
    charging_id: int | None
    status_type: int | None
    session_id: str
    input_octets: int  # (gigawords << 32) + octets: the 32-bit counters wrap
    output_octets: int
    session_time: int | None
    terminate_cause: int | None
    event_timestamp: int | None


def network_request(packet: Packet) -> NetworkRequest:
    """The fields the platform uses, from one index of the attributes. MalformedPacket on wrongly sized numbers."""
    first = dict(reversed(packet.attributes))  # the first occurrence of each type wins
    gpp = vendor_values(packet.attributes, VENDOR_3GPP) if 26 in first else {}
    rat_type = gpp.get(21)
    if rat_type is not None and len(rat_type) != 1:
        raise MalformedPacket(f"3GPP-RAT-Type of {len(rat_type)} octets instead of 1")
    uli = gpp.get(22)
    return NetworkRequest(
        user_name=_text(first.get(1)),
        imsi=_text(gpp.get(1)),
        imeisv=_text(gpp.get(20)),
        msisdn=_text(first.get(31)),
        apn=_text(first.get(30)),
        nas_ip=_ipv4(first.get(4), 4),
        nas_identifier=_text(first.get(32)),
        framed_ip=_ipv4(first.get(8), 8),
        rat="" if rat_type is None else RAT_NAMES.get(rat_type[0], ""),
        sgsn_mcc_mnc=_text(gpp.get(18)),
        location=decode_uli(uli) if uli else {},
        charging_id=_integer(gpp.get(2), "3GPP-Charging-ID"),
        status_type=_integer(first.get(40), 40),
        session_id=_text(first.get(44)),
        input_octets=((_integer(first.get(52), 52) or 0) << 32) + (_integer(first.get(42), 42) or 0),
        output_octets=((_integer(first.get(53), 53) or 0) << 32) + (_integer(first.get(43), 43) or 0),
        session_time=_integer(first.get(46), 46),
        terminate_cause=_integer(first.get(49), 49),
        event_timestamp=_integer(first.get(55), 55),
    )
