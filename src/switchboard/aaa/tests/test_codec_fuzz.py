"""Whatever arrives on the RADIUS port, the codec either understands it or says MalformedPacket: nothing else."""

from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.aaa import codec
from switchboard.aaa.codec import VENDOR_3GPP, Attr, Code, Gpp, MalformedPacket

SECRET = b"testing123"
fuzz = settings(max_examples=300, deadline=None, database=None)

values = st.binary(max_size=40)
plain_attributes = st.lists(st.tuples(st.integers(1, 255), values), max_size=20)
gpp_attributes = st.lists(
    st.builds(codec.vendor, st.just(VENDOR_3GPP), st.sampled_from(list(Gpp)) | st.integers(0, 255), values),
    max_size=8,
)
raw_gpp_attributes = st.lists(  # 3GPP VSAs whose inner layout may be anything
    st.binary(max_size=12).map(lambda inner: (Attr.VENDOR_SPECIFIC, VENDOR_3GPP.to_bytes(4, "big") + inner)),
    max_size=3,
)
# Values of the right shape as well, so that mutations start from packets network_request fully reads.
well_formed = st.lists(
    st.sampled_from(
        [
            codec.integer(Attr.ACCT_STATUS_TYPE, 3),
            codec.integer(Attr.ACCT_OUTPUT_OCTETS, 2**32 - 1),
            codec.integer(Attr.ACCT_OUTPUT_GIGAWORDS, 2),
            codec.ipv4(Attr.FRAMED_IP_ADDRESS, "10.45.0.7"),
            codec.text(Attr.ACCT_SESSION_ID, "0a2d0007-0001"),
            codec.vendor(VENDOR_3GPP, Gpp.RAT_TYPE, b"\x06"),
            codec.vendor(VENDOR_3GPP, Gpp.CHARGING_ID, b"\x00\x01\xe2\x40"),
            codec.vendor(VENDOR_3GPP, Gpp.USER_LOCATION_INFO, bytes.fromhex("8200f110000100f1100000010a")),
        ]
    ),
    max_size=10,
)
attribute_lists = st.builds(
    lambda *lists: [item for items in lists for item in items],
    plain_attributes,
    gpp_attributes,
    raw_gpp_attributes,
    well_formed,
)
request_codes = st.sampled_from(
    [Code.ACCESS_REQUEST, Code.ACCOUNTING_REQUEST, Code.DISCONNECT_REQUEST, Code.COA_REQUEST, Code.STATUS_SERVER]
)


def read_everything(data: bytes) -> None:
    """What the server does with a datagram; only MalformedPacket may escape."""
    try:
        packet = codec.decode(data)
        codec.request_authenticator_ok(packet, SECRET)
        codec.message_authenticator_ok(packet, SECRET)
        codec.message_authenticator_ok(packet, SECRET, request_authenticator=bytes(16))
        codec.network_request(packet)
        for attr_type, _ in packet.attributes:
            packet.text(attr_type)
    except MalformedPacket:
        pass


@fuzz
@given(st.binary(max_size=600))
def test_random_bytes(data):
    read_everything(data)


@fuzz
@given(st.binary(min_size=20, max_size=600))
def test_random_attributes_behind_a_consistent_header(body):
    read_everything(bytes((4, 1)) + len(body).to_bytes(2, "big") + body)


@fuzz
@given(request_codes, attribute_lists, st.data())
def test_truncated_valid_packets(code, attributes, data):
    packet = codec.request_packet(code, 1, attributes, SECRET)
    cut = data.draw(st.integers(0, len(packet)))
    read_everything(packet[:cut])
    fixed_length = packet[:2] + max(cut, 20).to_bytes(2, "big") + packet[4:cut]  # Length field made to agree
    read_everything(fixed_length)


@fuzz
@given(request_codes, attribute_lists, st.data())
def test_valid_packets_with_random_mutations(code, attributes, data):
    packet = bytearray(codec.request_packet(code, 1, attributes, SECRET))
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(packet) - 1))
        packet[position] = data.draw(st.integers(0, 255))
    read_everything(bytes(packet))


@fuzz
@given(request_codes, st.integers(0, 255), attribute_lists, st.booleans())
def test_encode_decode_round_trip(code, identifier, attributes, with_message_authenticator):
    data = codec.request_packet(code, identifier, attributes, SECRET, message_authenticator=with_message_authenticator)
    packet = codec.decode(data)
    assert (packet.code, packet.identifier, packet.raw) == (code, identifier, data)
    signed = with_message_authenticator or code == Code.STATUS_SERVER
    without_ma = [item for item in attributes if item[0] != Attr.MESSAGE_AUTHENTICATOR]
    assert (packet.attributes[1:] if signed else packet.attributes) == (without_ma if signed else attributes)
    assert codec.message_authenticator_ok(packet, SECRET) == signed
    if code in (Code.ACCOUNTING_REQUEST, Code.DISCONNECT_REQUEST, Code.COA_REQUEST):
        assert codec.request_authenticator_ok(packet, SECRET)

    reply = codec.decode(codec.reply_packet(packet, Code.ACCESS_ACCEPT, without_ma, SECRET))
    assert codec.response_authenticator_ok(reply, packet.authenticator, SECRET)
    proxy_states = [item for item in without_ma if item[0] == Attr.PROXY_STATE]
    assert reply.attributes[len(reply.attributes) - len(proxy_states) :] == proxy_states


@fuzz
@given(st.binary(max_size=128), st.binary(min_size=1, max_size=40), st.binary(min_size=16, max_size=16))
def test_password_round_trip(password, secret, authenticator):
    hidden = codec.hide_password(password, secret, authenticator)
    assert codec.reveal_password(hidden, secret, authenticator) == password.rstrip(b"\0")
