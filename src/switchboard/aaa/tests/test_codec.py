import asyncio
import hashlib
import hmac
import shutil

import pytest

from switchboard.aaa import codec
from switchboard.aaa.codec import VENDOR_3GPP, AcctStatus, Attr, Code, Gpp, MalformedPacket, TerminateCause
from switchboard.aaa.location import decode_uli

SECRET = b"testing123"
AUTHENTICATOR = bytes(range(16))
ULI_EXAMPLE = bytes.fromhex("8200f110000100f1100000010a")


def md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()  # noqa: S324 - the RADIUS algorithm


def gpp(vendor_type: int, value: bytes) -> tuple[int, bytes]:
    return codec.vendor(VENDOR_3GPP, vendor_type, value)


def pgw_auth_attributes(authenticator: bytes) -> list[tuple[int, bytes]]:
    """The reference's pgw-auth.txt, in its order, as radclient encodes it."""
    return [
        codec.text(Attr.USER_NAME, "001010000000001"),
        (Attr.USER_PASSWORD, codec.hide_password(b"anything", SECRET, authenticator)),
        codec.ipv4(Attr.NAS_IP_ADDRESS, "127.0.0.1"),
        codec.text(Attr.NAS_IDENTIFIER, "pgw01"),
        codec.integer(Attr.SERVICE_TYPE, 2),  # Framed-User
        codec.integer(Attr.FRAMED_PROTOCOL, 7),  # GPRS-PDP-Context
        codec.text(Attr.CALLED_STATION_ID, "internet"),
        codec.text(Attr.CALLING_STATION_ID, "15551230001"),
        gpp(Gpp.IMSI, b"001010000000001"),
        gpp(Gpp.IMEISV, b"3520990017614823"),
        gpp(Gpp.RAT_TYPE, b"\x06"),  # EUTRAN
        gpp(Gpp.SGSN_MCC_MNC, b"00101"),
        gpp(Gpp.IMSI_MCC_MNC, b"00101"),
        gpp(Gpp.GGSN_MCC_MNC, b"00101"),
        gpp(Gpp.SELECTION_MODE, b"0"),
        gpp(Gpp.CHARGING_CHARACTERISTICS, b"0800"),
        gpp(Gpp.USER_LOCATION_INFO, ULI_EXAMPLE),
        gpp(Gpp.MS_TIME_ZONE, b"\x40\x00"),
        gpp(Gpp.PDP_TYPE, bytes(4)),
        gpp(Gpp.NSAPI, b"5"),
    ]


def interim_update(changes: dict[int, int] | None = None) -> list[tuple[int, bytes]]:
    values = {
        Attr.ACCT_STATUS_TYPE: AcctStatus.INTERIM_UPDATE,
        Attr.ACCT_INPUT_OCTETS: 1000,
        Attr.ACCT_OUTPUT_OCTETS: 4294967295,
        Attr.ACCT_OUTPUT_GIGAWORDS: 2,
        Attr.ACCT_SESSION_TIME: 300,
        Attr.EVENT_TIMESTAMP: 1700000000,
    } | (changes or {})
    return [
        codec.text(Attr.USER_NAME, "001010000000001"),
        codec.ipv4(Attr.NAS_IP_ADDRESS, "127.0.0.1"),
        codec.text(Attr.ACCT_SESSION_ID, "0a2d0007-0001"),
        codec.ipv4(Attr.FRAMED_IP_ADDRESS, "10.45.0.7"),
        *(codec.integer(attr, value) for attr, value in values.items()),
        gpp(Gpp.IMSI, b"001010000000001"),
        gpp(Gpp.CHARGING_ID, (123456).to_bytes(4, "big")),
    ]


# ---- known vectors ----

# RFC 2865 §7.1: user "nemo", password "arctangent", secret "xyzzy5461", from NAS 192.168.1.16 port 3.
RFC_ACCESS_REQUEST = bytes.fromhex(
    "010000380f403f9473978057bd83d5cb98f4227a01066e656d6f02120dbe708d93d413ce3196e43f782a0aee0406c0a80110050600000003"
)
RFC_ACCESS_ACCEPT = bytes.fromhex("0200002686fe220e7624ba2a1005f6bf9b55e0b20606000000010f06000000000e06c0a80103")
RFC_SECRET = b"xyzzy5461"


def test_rfc_2865_example_decodes_and_reveals_its_password():
    request = codec.decode(RFC_ACCESS_REQUEST)
    assert (request.code, request.identifier) == (Code.ACCESS_REQUEST, 0)
    assert request.text(Attr.USER_NAME) == "nemo"
    assert request.ipv4(Attr.NAS_IP_ADDRESS) == "192.168.1.16"
    assert request.integer(5) == 3  # NAS-Port
    hidden = request.get(Attr.USER_PASSWORD)
    assert codec.reveal_password(hidden, RFC_SECRET, request.authenticator) == b"arctangent"
    assert codec.hide_password(b"arctangent", RFC_SECRET, request.authenticator) == hidden


def test_password_hiding_matches_an_independent_computation():
    password = b"a password longer than sixteen octets"
    hidden = codec.hide_password(password, SECRET, AUTHENTICATOR)
    assert len(hidden) == 48
    padded = password.ljust(48, b"\0")
    chain, expected = AUTHENTICATOR, b""
    for start in (0, 16, 32):
        block = bytes(p ^ k for p, k in zip(padded[start : start + 16], md5(SECRET + chain), strict=True))
        expected += block
        chain = block
    assert hidden == expected
    assert codec.reveal_password(hidden, SECRET, AUTHENTICATOR) == password


@pytest.mark.parametrize("password", [b"", b"x", b"sixteen octets!!", b"y" * 17, b"z" * 128])
def test_password_round_trip(password):
    hidden = codec.hide_password(password, SECRET, AUTHENTICATOR)
    assert len(hidden) == max(16, -(-len(password) // 16) * 16)
    assert codec.reveal_password(hidden, SECRET, AUTHENTICATOR) == password


def test_password_limits():
    with pytest.raises(ValueError, match="128"):
        codec.hide_password(b"p" * 129, SECRET, AUTHENTICATOR)
    for size in (0, 15, 17, 144):
        with pytest.raises(MalformedPacket):
            codec.reveal_password(b"h" * size, SECRET, AUTHENTICATOR)


def test_rfc_2865_access_accept_response_authenticator():
    accept = codec.decode(RFC_ACCESS_ACCEPT)
    request_authenticator = RFC_ACCESS_REQUEST[4:20]
    assert codec.response_authenticator_ok(accept, request_authenticator, RFC_SECRET)
    assert not codec.response_authenticator_ok(accept, request_authenticator, b"wrong")
    assert accept.integer(Attr.SERVICE_TYPE) == 1  # Login-User


def test_3gpp_rat_type_wire_encoding():
    assert gpp(Gpp.RAT_TYPE, b"\x06") == (26, bytes.fromhex("000028af150306"))
    packet = codec.request_packet(Code.ACCESS_REQUEST, 1, [gpp(Gpp.RAT_TYPE, b"\x06")], SECRET)
    assert packet[20:] == bytes.fromhex("1a09000028af150306")
    assert codec.decode(packet).vendor(VENDOR_3GPP, Gpp.RAT_TYPE) == b"\x06"


def test_pgw_access_request_gives_every_field():
    data = codec.request_packet(
        Code.ACCESS_REQUEST,
        42,
        pgw_auth_attributes(AUTHENTICATOR),
        SECRET,
        authenticator=AUTHENTICATOR,
        message_authenticator=True,
    )
    packet = codec.decode(data)
    assert (packet.code, packet.identifier, packet.authenticator) == (1, 42, AUTHENTICATOR)
    assert codec.message_authenticator_ok(packet, SECRET)
    assert codec.reveal_password(packet.get(Attr.USER_PASSWORD), SECRET, packet.authenticator) == b"anything"
    assert packet.integer(Attr.SERVICE_TYPE) == 2
    assert packet.integer(Attr.FRAMED_PROTOCOL) == 7
    assert packet.vendor(VENDOR_3GPP, Gpp.CHARGING_CHARACTERISTICS) == b"0800"
    assert packet.vendor(VENDOR_3GPP, Gpp.MS_TIME_ZONE) == b"\x40\x00"
    assert packet.vendor(VENDOR_3GPP, Gpp.CHARGING_ID) is None
    assert packet.vendor(9, 1) is None  # another vendor
    request = codec.network_request(packet)
    assert request == codec.NetworkRequest(
        user_name="001010000000001",
        imsi="001010000000001",
        imeisv="3520990017614823",
        msisdn="15551230001",
        apn="internet",
        nas_ip="127.0.0.1",
        nas_identifier="pgw01",
        framed_ip=None,
        rat="4G",
        sgsn_mcc_mnc="00101",
        location={
            "type": 130,
            "mcc": "001",
            "mnc": "01",
            "tac": 1,
            "ecgi_mcc": "001",
            "ecgi_mnc": "01",
            "eci": 266,
            "enb_id": 1,
            "cell_id": 10,
        },
        charging_id=None,
        status_type=None,
        session_id="",
        input_octets=0,
        output_octets=0,
        session_time=None,
        terminate_cause=None,
        event_timestamp=None,
    )


def test_accounting_counters_combine_gigawords():
    packet = codec.decode(codec.request_packet(Code.ACCOUNTING_REQUEST, 7, interim_update(), SECRET))
    request = codec.network_request(packet)
    assert request.output_octets == 12884901887 == 2 * 2**32 + 2**32 - 1
    assert request.input_octets == 1000
    assert request.status_type == AcctStatus.INTERIM_UPDATE
    assert (request.session_id, request.framed_ip, request.charging_id) == ("0a2d0007-0001", "10.45.0.7", 123456)
    assert (request.session_time, request.event_timestamp, request.terminate_cause) == (300, 1700000000, None)
    assert (request.rat, request.location, request.imeisv) == ("", {}, "")


def test_accounting_stop_gives_the_terminate_cause():
    stop = interim_update(
        {Attr.ACCT_STATUS_TYPE: AcctStatus.STOP, Attr.ACCT_TERMINATE_CAUSE: TerminateCause.IDLE_TIMEOUT}
    )
    request = codec.network_request(codec.decode(codec.request_packet(Code.ACCOUNTING_REQUEST, 8, stop, SECRET)))
    assert (request.status_type, request.terminate_cause) == (AcctStatus.STOP, 4)


@pytest.mark.parametrize(
    ("rat_type", "label"),
    [(1, "3G"), (2, "2G"), (5, "3G"), (6, "4G"), (8, "NB-IoT"), (9, "LTE-M"), (10, "5G"), (3, ""), (7, ""), (102, "")],
)
def test_rat_labels(rat_type, label):
    data = codec.request_packet(Code.ACCOUNTING_REQUEST, 1, [gpp(Gpp.RAT_TYPE, bytes([rat_type]))], SECRET)
    assert codec.network_request(codec.decode(data)).rat == label


def test_the_first_of_repeated_attributes_wins():
    attributes = [
        codec.text(Attr.USER_NAME, "first"),
        codec.text(Attr.USER_NAME, "second"),
        gpp(Gpp.IMSI, b"001010000000001"),
        gpp(Gpp.IMSI, b"999999999999999"),
    ]
    packet = codec.decode(codec.request_packet(Code.ACCOUNTING_REQUEST, 1, attributes, SECRET))
    assert packet.get(Attr.USER_NAME) == b"first"
    assert packet.get_all(Attr.USER_NAME) == [b"first", b"second"]
    assert packet.get_all(Attr.CLASS) == []
    request = codec.network_request(packet)
    assert (request.user_name, request.imsi) == ("first", "001010000000001")


def test_a_vsa_with_several_sub_attributes():
    value = VENDOR_3GPP.to_bytes(4, "big") + bytes.fromhex("0111") + b"001010000000001" + bytes.fromhex("150306")
    packet = codec.decode(codec.request_packet(Code.ACCOUNTING_REQUEST, 1, [(26, value)], SECRET))
    request = codec.network_request(packet)
    assert (request.imsi, request.rat) == ("001010000000001", "4G")


def test_text_replaces_invalid_utf8():
    packet = codec.decode(codec.request_packet(Code.ACCOUNTING_REQUEST, 1, [(Attr.USER_NAME, b"ab\xff")], SECRET))
    assert packet.text(Attr.USER_NAME) == "ab\ufffd"
    assert packet.text(Attr.NAS_IDENTIFIER) == ""
    assert packet.integer(Attr.SESSION_TIMEOUT) is None
    assert packet.ipv4(Attr.FRAMED_IP_ADDRESS) is None


@pytest.mark.parametrize(
    "attribute",
    [
        (Attr.ACCT_STATUS_TYPE, b"\x00\x01"),
        (Attr.ACCT_OUTPUT_GIGAWORDS, b"\x00\x00\x00\x00\x02"),
        (Attr.NAS_IP_ADDRESS, b"\x7f\x00\x01"),
        (Attr.FRAMED_IP_ADDRESS, b""),
        (Attr.EVENT_TIMESTAMP, b"\x01"),
        gpp(Gpp.CHARGING_ID, b"\x01\x02"),
        gpp(Gpp.RAT_TYPE, b"\x00\x06"),
        (26, VENDOR_3GPP.to_bytes(4, "big") + bytes.fromhex("0105") + b"00"),  # sub-attribute longer than the VSA
        (26, VENDOR_3GPP.to_bytes(4, "big") + bytes.fromhex("0101")),  # sub-attribute shorter than its header
        (26, VENDOR_3GPP.to_bytes(4, "big") + bytes.fromhex("010215")),  # a lone octet after a sub-attribute
        (26, b"\x00\x00"),  # no room for a Vendor-Id
    ],
)
def test_network_request_refuses_badly_sized_values(attribute):
    packet = codec.decode(codec.request_packet(Code.ACCOUNTING_REQUEST, 1, [attribute], SECRET))
    with pytest.raises(MalformedPacket):
        codec.network_request(packet)


def test_accessors_refuse_badly_sized_values():
    attributes = [(Attr.SESSION_TIMEOUT, b"\x00\x01"), (Attr.FRAMED_IP_ADDRESS, b"\x0a\x00\x00\x01\x00")]
    packet = codec.decode(codec.request_packet(Code.ACCESS_REQUEST, 1, attributes, SECRET))
    with pytest.raises(MalformedPacket):
        packet.integer(Attr.SESSION_TIMEOUT)
    with pytest.raises(MalformedPacket):
        packet.ipv4(Attr.FRAMED_IP_ADDRESS)


def test_other_vendors_vsas_are_not_read():
    mikrotik = (26, (14988).to_bytes(4, "big") + b"\x08\x09" + b"10M/10M" + b"garbage")  # layout unknown to us
    attributes = [mikrotik, gpp(Gpp.IMSI, b"001010000000001")]
    packet = codec.decode(codec.request_packet(Code.ACCOUNTING_REQUEST, 1, attributes, SECRET))
    assert codec.network_request(packet).imsi == "001010000000001"
    assert packet.vendor(VENDOR_3GPP, Gpp.IMSI) == b"001010000000001"


# ---- decoding limits (RFC 2865 §3) ----


def test_octets_beyond_the_length_field_are_ignored():
    data = codec.request_packet(Code.ACCOUNTING_REQUEST, 1, interim_update(), SECRET)
    packet = codec.decode(data + b"\x00padding")
    assert packet.raw == data
    assert codec.request_authenticator_ok(packet, SECRET)


def test_decode_accepts_a_memoryview_and_a_bytearray():
    data = codec.request_packet(Code.ACCOUNTING_REQUEST, 1, interim_update(), SECRET)
    assert codec.decode(memoryview(data)).raw == codec.decode(bytearray(data)).raw == data


def header(code: int, length: int) -> bytes:
    return bytes((code, 1)) + length.to_bytes(2, "big") + AUTHENTICATOR


@pytest.mark.parametrize(
    "data",
    [
        b"",
        header(1, 20)[:19],  # shorter than a header
        header(1, 19),  # Length below the minimum
        header(1, 4097) + bytes(4077),  # Length above the maximum
        header(1, 30) + b"\x01\x0aabcdef",  # Length beyond the datagram
        header(1, 21) + b"\x01",  # attribute header cut off
        header(1, 22) + b"\x01\x00",  # attribute length 0
        header(1, 22) + b"\x01\x01",  # attribute length 1
        header(1, 25) + b"\x01\x06abc",  # attribute overflows the packet
        header(1, 25) + b"\x01\x06abcd",  # ... even when the datagram has more octets
    ],
)
def test_malformed_datagrams(data):
    with pytest.raises(MalformedPacket):
        codec.decode(data)


def test_an_empty_attribute_and_an_empty_packet_are_fine():
    assert codec.decode(header(12, 20)).attributes == []
    assert codec.decode(header(1, 22) + b"\x01\x02").attributes == [(1, b"")]


# ---- encoding limits ----


def test_builders_refuse_what_does_not_fit():
    with pytest.raises(ValueError, match="253"):
        codec.text(Attr.REPLY_MESSAGE, "é" * 127)  # 254 octets in UTF-8
    assert codec.text(Attr.REPLY_MESSAGE, "x" * 253)[1] == b"x" * 253
    with pytest.raises(ValueError):
        codec.octets(Attr.CLASS, bytes(254))
    with pytest.raises(ValueError):
        codec.vendor(VENDOR_3GPP, Gpp.USER_LOCATION_INFO, bytes(248))
    for bad in (-1, 2**32):
        with pytest.raises(ValueError):
            codec.integer(Attr.SESSION_TIMEOUT, bad)
    with pytest.raises(ValueError):
        codec.ipv4(Attr.FRAMED_IP_ADDRESS, "10.0.0.256")
    with pytest.raises(ValueError):
        codec.request_packet(Code.ACCOUNTING_REQUEST, 1, [(Attr.CLASS, bytes(254))], SECRET)


def test_packets_over_4096_octets_are_refused():
    attributes = [codec.octets(Attr.CLASS, bytes(253))] * 16  # 20 + 16 * 255 = 4100
    with pytest.raises(ValueError, match="4096"):
        codec.request_packet(Code.ACCOUNTING_REQUEST, 1, attributes, SECRET)
    assert len(codec.request_packet(Code.ACCOUNTING_REQUEST, 1, attributes[:15], SECRET)) == 3845


def test_builders_encode_values():
    assert codec.integer(Attr.SESSION_TIMEOUT, 3600) == (27, b"\x00\x00\x0e\x10")
    assert codec.ipv4(Attr.FRAMED_IP_ADDRESS, "10.45.0.7") == (8, bytes([10, 45, 0, 7]))
    assert codec.text(Attr.REPLY_MESSAGE, "Grüße") == (18, "Grüße".encode())


# ---- authenticators ----


@pytest.mark.parametrize("code", [Code.ACCOUNTING_REQUEST, Code.DISCONNECT_REQUEST, Code.COA_REQUEST])
def test_request_authenticator_is_rfc_2866_md5(code):
    data = codec.request_packet(code, 9, interim_update(), SECRET, authenticator=AUTHENTICATOR)
    expected = md5(data[:4] + bytes(16) + data[20:] + SECRET)
    assert data[4:20] == expected  # the given authenticator is ignored for these codes
    packet = codec.decode(data)
    assert codec.request_authenticator_ok(packet, SECRET)
    assert not codec.request_authenticator_ok(packet, b"other secret")
    tampered = bytearray(data)
    tampered[-1] ^= 1
    assert not codec.request_authenticator_ok(codec.decode(bytes(tampered)), SECRET)
    assert not codec.message_authenticator_ok(packet, SECRET)  # none was asked for


def test_access_request_authenticator_is_given_or_random():
    given = codec.request_packet(Code.ACCESS_REQUEST, 1, [], SECRET, authenticator=AUTHENTICATOR)
    assert given[4:20] == AUTHENTICATOR
    first, second = (codec.request_packet(Code.ACCESS_REQUEST, 1, [], SECRET)[4:20] for _ in range(2))
    assert first != second
    assert not codec.request_authenticator_ok(codec.decode(given), SECRET)


def test_reply_response_authenticator_is_md5_over_the_request_authenticator():
    request = codec.decode(codec.request_packet(Code.ACCOUNTING_REQUEST, 77, interim_update(), SECRET))
    data = codec.reply_packet(request, Code.ACCOUNTING_RESPONSE, [], SECRET)
    assert data[:2] == bytes((Code.ACCOUNTING_RESPONSE, 77))
    assert data[4:20] == md5(data[:4] + request.authenticator + data[20:] + SECRET)
    response = codec.decode(data)
    assert response.attributes == []  # no Message-Authenticator: the request had none
    assert codec.response_authenticator_ok(response, request.authenticator, SECRET)
    assert not codec.response_authenticator_ok(response, AUTHENTICATOR, SECRET)
    assert not codec.response_authenticator_ok(response, request.authenticator, b"other secret")


def test_message_authenticator_of_an_access_request_is_hmac_md5():
    data = codec.request_packet(
        Code.ACCESS_REQUEST,
        5,
        [codec.text(Attr.USER_NAME, "alice")],
        SECRET,
        authenticator=AUTHENTICATOR,
        message_authenticator=True,
    )
    packet = codec.decode(data)
    assert packet.attributes[0][0] == Attr.MESSAGE_AUTHENTICATOR
    zeroed = data[:22] + bytes(16) + data[38:]
    assert packet.get(Attr.MESSAGE_AUTHENTICATOR) == hmac.digest(SECRET, zeroed, "md5")
    assert codec.message_authenticator_ok(packet, SECRET)
    assert not codec.message_authenticator_ok(packet, b"other secret")


@pytest.mark.parametrize(
    "code",
    [Code.ACCESS_REQUEST, Code.ACCOUNTING_REQUEST, Code.DISCONNECT_REQUEST, Code.COA_REQUEST, Code.STATUS_SERVER],
)
def test_message_authenticator_correct_tampered_absent(code):
    attributes = [codec.text(Attr.ACCT_SESSION_ID, "s1"), codec.text(Attr.USER_NAME, "alice")]
    data = codec.request_packet(code, 5, attributes, SECRET, message_authenticator=True)
    packet = codec.decode(data)
    assert codec.message_authenticator_ok(packet, SECRET)
    assert [attr for attr, _ in packet.attributes].count(Attr.MESSAGE_AUTHENTICATOR) == 1
    if code in (Code.ACCOUNTING_REQUEST, Code.DISCONNECT_REQUEST, Code.COA_REQUEST):
        assert codec.request_authenticator_ok(packet, SECRET)  # computed over the filled Message-Authenticator
    tampered = bytearray(data)
    tampered[-1] ^= 0x20  # "alice" → "alicE"
    assert not codec.message_authenticator_ok(codec.decode(bytes(tampered)), SECRET)
    forged_ma = bytearray(data)
    forged_ma[25] ^= 1
    assert not codec.message_authenticator_ok(codec.decode(bytes(forged_ma)), SECRET)
    if code != Code.STATUS_SERVER:
        plain = codec.decode(codec.request_packet(code, 5, attributes, SECRET))
        assert not codec.message_authenticator_ok(plain, SECRET)


def test_status_server_always_carries_a_message_authenticator():
    packet = codec.decode(codec.request_packet(Code.STATUS_SERVER, 3, [], SECRET))
    assert packet.get(Attr.MESSAGE_AUTHENTICATOR) is not None
    assert codec.message_authenticator_ok(packet, SECRET)


def test_a_given_message_authenticator_is_replaced_not_doubled():
    attributes = [codec.text(Attr.USER_NAME, "alice"), (Attr.MESSAGE_AUTHENTICATOR, bytes(16))]
    packet = codec.decode(codec.request_packet(Code.ACCESS_REQUEST, 1, attributes, SECRET, message_authenticator=True))
    assert [attr for attr, _ in packet.attributes] == [Attr.MESSAGE_AUTHENTICATOR, Attr.USER_NAME]
    assert codec.message_authenticator_ok(packet, SECRET)


def test_two_message_authenticators_never_pass():
    data = codec.request_packet(Code.ACCESS_REQUEST, 1, [], SECRET, message_authenticator=True)
    doubled = codec.decode(data[:2] + (len(data) + 18).to_bytes(2, "big") + data[4:] + data[20:38])
    assert not codec.message_authenticator_ok(doubled, SECRET)


@pytest.mark.parametrize(
    ("request_code", "reply_code"),
    [
        (Code.ACCESS_REQUEST, Code.ACCESS_ACCEPT),
        (Code.ACCESS_REQUEST, Code.ACCESS_REJECT),
        (Code.ACCESS_REQUEST, Code.ACCESS_CHALLENGE),
        (Code.STATUS_SERVER, Code.ACCESS_ACCEPT),
        (Code.STATUS_SERVER, Code.ACCOUNTING_RESPONSE),
        (Code.ACCOUNTING_REQUEST, Code.ACCOUNTING_RESPONSE),
        (Code.DISCONNECT_REQUEST, Code.DISCONNECT_ACK),
        (Code.DISCONNECT_REQUEST, Code.DISCONNECT_NAK),
        (Code.COA_REQUEST, Code.COA_ACK),
        (Code.COA_REQUEST, Code.COA_NAK),
    ],
)
def test_signed_replies_pass_the_checks(request_code, reply_code):
    request = codec.decode(
        codec.request_packet(request_code, 200, [codec.text(Attr.USER_NAME, "u")], SECRET, message_authenticator=True)
    )
    data = codec.reply_packet(request, reply_code, [codec.integer(Attr.ERROR_CAUSE, 503)], SECRET)
    response = codec.decode(data)
    assert (response.code, response.identifier) == (reply_code, 200)
    assert response.attributes[0][0] == Attr.MESSAGE_AUTHENTICATOR  # first, against BlastRADIUS
    assert response.integer(Attr.ERROR_CAUSE) == codec.ErrorCause.SESSION_CONTEXT_NOT_FOUND
    assert codec.response_authenticator_ok(response, request.authenticator, SECRET)
    assert codec.message_authenticator_ok(response, SECRET, request_authenticator=request.authenticator)
    assert not codec.message_authenticator_ok(response, b"other secret", request_authenticator=request.authenticator)
    if reply_code != Code.ACCOUNTING_RESPONSE:  # see codec._response_ma_authenticator
        assert not codec.message_authenticator_ok(response, SECRET, request_authenticator=AUTHENTICATOR)


def test_access_replies_are_always_signed():
    request = codec.decode(codec.request_packet(Code.ACCESS_REQUEST, 1, [codec.text(Attr.USER_NAME, "u")], SECRET))
    response = codec.decode(codec.reply_packet(request, Code.ACCESS_REJECT, [], SECRET))
    assert codec.message_authenticator_ok(response, SECRET, request_authenticator=request.authenticator)


def test_accounting_response_message_authenticator_is_signed_over_zeros():
    """As FreeRADIUS 3.2 does (and radclient checks); RFCs do not cover an Accounting-Response's one."""
    request = codec.decode(codec.request_packet(Code.ACCOUNTING_REQUEST, 1, [], SECRET, message_authenticator=True))
    data = codec.reply_packet(request, Code.ACCOUNTING_RESPONSE, [], SECRET)
    assert data[22:38] == hmac.digest(SECRET, data[:4] + bytes(16) + data[20:22] + bytes(16), "md5")


def test_proxy_state_is_echoed_in_order_at_the_end():
    attributes = [(Attr.PROXY_STATE, b"first"), codec.text(Attr.USER_NAME, "u"), (Attr.PROXY_STATE, b"second")]
    request = codec.decode(codec.request_packet(Code.ACCOUNTING_REQUEST, 1, attributes, SECRET))
    reply = [codec.text(Attr.REPLY_MESSAGE, "ok"), (Attr.PROXY_STATE, b"stray")]
    response = codec.decode(codec.reply_packet(request, Code.ACCOUNTING_RESPONSE, reply, SECRET))
    assert response.attributes == [(Attr.REPLY_MESSAGE, b"ok"), (33, b"first"), (33, b"second")]


# ---- interoperability with FreeRADIUS's radclient ----

RADCLIENT = shutil.which("radclient")

PGW_AUTH_TXT = """\
User-Name = "001010000000001"
User-Password = "anything"
NAS-IP-Address = 127.0.0.1
NAS-Identifier = "pgw01"
Service-Type = Framed-User
Framed-Protocol = GPRS-PDP-Context
Called-Station-Id = "internet"
Calling-Station-Id = "15551230001"
3GPP-IMSI = "001010000000001"
3GPP-IMEISV = "3520990017614823"
3GPP-RAT-Type = EUTRAN
3GPP-SGSN-MCC-MNC = "00101"
3GPP-Selection-Mode = "0"
3GPP-Charging-Characteristics = "0800"
3GPP-User-Location-Info = 0x8200f110000100f1100000010a
3GPP-MS-Time-Zone = 0x4000
Message-Authenticator = 0x00
"""

# Message-Authenticator first, where our encoder puts it, so that re-encoding must give the same octets.
ACCT_INTERIM_TXT = """\
Message-Authenticator = 0x00
Acct-Status-Type = Interim-Update
Acct-Session-Id = "0a2d0007-0001"
User-Name = "001010000000001"
NAS-IP-Address = 127.0.0.1
Framed-IP-Address = 10.45.0.7
Acct-Input-Octets = 1000
Acct-Output-Octets = 4294967295
Acct-Output-Gigawords = 2
Acct-Session-Time = 300
3GPP-IMSI = "001010000000001"
3GPP-Charging-ID = 123456
"""

DISCONNECT_TXT = """\
Message-Authenticator = 0x00
Acct-Session-Id = "0a2d0007-0001"
User-Name = "001010000000001"
Framed-IP-Address = 10.45.0.7
"""


class Responder(asyncio.DatagramProtocol):
    """A tiny RADIUS server made of the codec: what it received, and the checks it made."""

    def __init__(self):
        self.received: list[codec.Packet] = []
        self.checks: list[tuple[str, bool]] = []

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        request = codec.decode(data)
        self.received.append(request)
        self.checks.append(("message-authenticator", codec.message_authenticator_ok(request, SECRET)))
        if request.code in (Code.ACCESS_REQUEST, Code.STATUS_SERVER):
            reply = (Code.ACCESS_ACCEPT, [codec.ipv4(Attr.FRAMED_IP_ADDRESS, "10.45.0.7")])
        else:
            self.checks.append(("request-authenticator", codec.request_authenticator_ok(request, SECRET)))
            answer = {Code.ACCOUNTING_REQUEST: Code.ACCOUNTING_RESPONSE, Code.DISCONNECT_REQUEST: Code.DISCONNECT_ACK}
            reply = (answer[request.code], [])
        self.transport.sendto(codec.reply_packet(request, *reply, SECRET), addr)


async def exchange(command: str, packet_file: str) -> tuple[str, Responder]:
    loop = asyncio.get_running_loop()
    transport, responder = await loop.create_datagram_endpoint(Responder, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    try:
        process = await asyncio.create_subprocess_exec(
            RADCLIENT,
            "-x",
            "-r",
            "1",
            "-t",
            "3",
            f"127.0.0.1:{port}",
            command,
            SECRET.decode(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(packet_file.encode()), timeout=15)
    finally:
        transport.close()
    return output.decode(errors="replace"), responder


def radclient(command: str, packet_file: str) -> tuple[str, Responder]:
    return asyncio.run(exchange(command, packet_file))


needs_radclient = pytest.mark.skipif(
    RADCLIENT is None, reason="radclient not installed (Debian package freeradius-utils; CI installs it)"
)


@needs_radclient
def test_radclient_access_request_with_3gpp_attributes():
    output, responder = radclient("auth", PGW_AUTH_TXT)
    assert "Received Access-Accept" in output, output
    assert "Framed-IP-Address = 10.45.0.7" in output
    assert responder.checks == [("message-authenticator", True)]
    (packet,) = responder.received
    assert codec.reveal_password(packet.get(Attr.USER_PASSWORD), SECRET, packet.authenticator) == b"anything"
    assert packet.integer(Attr.SERVICE_TYPE) == 2
    assert packet.integer(Attr.FRAMED_PROTOCOL) == 7
    request = codec.network_request(packet)
    assert (request.user_name, request.imsi, request.imeisv) == ("001010000000001",) * 2 + ("3520990017614823",)
    assert (request.msisdn, request.apn, request.nas_ip, request.nas_identifier) == (
        "15551230001",
        "internet",
        "127.0.0.1",
        "pgw01",
    )
    assert (request.rat, request.sgsn_mcc_mnc) == ("4G", "00101")
    assert request.location == decode_uli(ULI_EXAMPLE) != {}
    assert packet.vendor(VENDOR_3GPP, Gpp.MS_TIME_ZONE) == b"\x40\x00"


@needs_radclient
def test_radclient_accounting_request_with_gigawords():
    output, responder = radclient("acct", ACCT_INTERIM_TXT)
    assert "Received Accounting-Response" in output, output  # radclient accepted our Message-Authenticator too
    assert responder.checks == [("message-authenticator", True), ("request-authenticator", True)]
    (packet,) = responder.received
    request = codec.network_request(packet)
    assert request.status_type == AcctStatus.INTERIM_UPDATE
    assert (request.session_id, request.framed_ip, request.charging_id) == ("0a2d0007-0001", "10.45.0.7", 123456)
    assert (request.input_octets, request.output_octets, request.session_time) == (1000, 12884901887, 300)
    reencoded = codec.request_packet(
        packet.code, packet.identifier, packet.attributes, SECRET, message_authenticator=True
    )
    assert reencoded == packet.raw


@needs_radclient
def test_radclient_disconnect_request():
    output, responder = radclient("disconnect", DISCONNECT_TXT)
    assert "Received Disconnect-ACK" in output, output
    assert responder.checks == [("message-authenticator", True), ("request-authenticator", True)]
    (packet,) = responder.received
    assert packet.text(Attr.ACCT_SESSION_ID) == "0a2d0007-0001"
    reencoded = codec.request_packet(
        packet.code, packet.identifier, packet.attributes, SECRET, message_authenticator=True
    )
    assert reencoded == packet.raw


@needs_radclient
def test_radclient_status_server():
    output, responder = radclient("status", "Message-Authenticator = 0x00\n")
    assert "Received Access-Accept" in output, output
    assert responder.checks == [("message-authenticator", True)]
