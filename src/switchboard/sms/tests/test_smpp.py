"""The SMPP adapter against the in-repo SMSC stub (ids, receipts, MO, reconnect) and against smppy as an independent
SMSC implementation."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from smpplib import consts, smpp
from smpplib.client import SimpleSequenceGenerator

from switchboard.sms import encoding
from switchboard.sms.contracts import (
    DeliveryReceipt,
    InboundSms,
    OutboundSms,
    ReceiptState,
    SmscError,
    SourceAddressType,
)
from switchboard.sms.smsc.smpp import SmppAdapter, absolute_time, parse_receipt
from switchboard.sms.testing.smsc_stub import SmscStub

WAIT = 10.0
DEVICE = "882285000016868"


class Sink:
    """Stands in for the gateway: records what the adapter reports; `accept` decides MO."""

    def __init__(self) -> None:
        self.mo: list[InboundSms] = []
        self.receipts: list[DeliveryReceipt] = []
        self.accept: bool | Exception = True

    def mo_received(self, sms: InboundSms) -> bool:
        if isinstance(self.accept, Exception):
            raise self.accept
        self.mo.append(sms)
        return self.accept

    def receipt(self, receipt: DeliveryReceipt) -> None:
        self.receipts.append(receipt)


def eventually(condition, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def outbound(text: str, *, source: str = "Switchboard", source_type=SourceAddressType.ALPHANUMERIC, **kwargs):
    message = encoding.split(text, reference=42)
    return OutboundSms(
        reference="42",
        destination=DEVICE,
        source=source,
        source_type=source_type,
        parts=message.parts,
        data_coding=message.data_coding,
        has_udh=message.has_udh,
        **kwargs,
    )


@pytest.fixture
def stub():
    with SmscStub() as smsc:
        yield smsc


@pytest.fixture
def sink():
    return Sink()


@pytest.fixture
def adapter(stub, sink):
    adapter = SmppAdapter("127.0.0.1", stub.port, stub.system_id, stub.password, response_timeout=5.0)
    adapter.start(sink)
    assert adapter.wait_bound(WAIT)
    yield adapter
    adapter.stop()


def test_binds_as_transceiver(adapter, stub):
    assert adapter.bound
    assert stub.binds == 1


def test_long_ucs2_message_goes_as_concatenated_parts_and_their_receipts_come_back(adapter, stub, sink):
    sms = outbound("Заряд батареи низкий, пожалуйста подключите зарядное устройство. " * 4)

    submitted = adapter.submit(sms)

    received = stub.submitted
    assert len(sms.parts) == 4
    assert submitted.message_ids == tuple(pdu.message_id for pdu in received)
    assert len(set(submitted.message_ids)) == 4
    assert [pdu.short_message for pdu in received] == list(sms.parts)
    first = received[0]
    assert (first.esm_class, first.data_coding, first.registered_delivery) == (0x40, 8, 1)
    assert (first.source_addr, first.source_addr_ton, first.source_addr_npi) == ("Switchboard", 5, 0)
    assert (first.destination_addr, first.dest_addr_ton, first.dest_addr_npi) == (DEVICE, 1, 1)
    assert eventually(lambda: len(sink.receipts) == 4)
    assert {receipt.message_id for receipt in sink.receipts} == set(submitted.message_ids)
    assert {receipt.state for receipt in sink.receipts} == {ReceiptState.DELIVERED}


def test_failed_delivery_is_reported_as_failed(adapter, stub, sink):
    stub.receipt_stat = "UNDELIV"

    submitted = adapter.submit(outbound("Ping"))

    assert eventually(lambda: len(sink.receipts) == 1)
    assert sink.receipts[0].message_id == submitted.message_ids[0]
    assert sink.receipts[0].state is ReceiptState.FAILED
    assert sink.receipts[0].error == "001"


@pytest.mark.parametrize(
    ("source_type", "source", "ton_npi"),
    [
        (SourceAddressType.INTERNATIONAL, "4915112345678", (1, 1)),
        (SourceAddressType.NATIONAL, "015112345678", (2, 1)),
        (SourceAddressType.ALPHANUMERIC, "MyTelco", (5, 0)),
    ],
)
def test_source_address_type_sets_ton_and_npi(adapter, stub, source_type, source, ton_npi):
    adapter.submit(outbound("Hi", source=source, source_type=source_type))

    pdu = stub.submitted[0]
    assert (pdu.source_addr, pdu.source_addr_ton, pdu.source_addr_npi) == (source, *ton_npi)
    assert (pdu.esm_class, pdu.data_coding, pdu.short_message) == (0, 0, b"Hi")


def test_expiry_travels_as_absolute_validity_period(adapter, stub):
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

    adapter.submit(outbound("Hi", expires_at=expires))

    assert stub.submitted[0].validity_period == "300102030405000+"


def test_absolute_time_is_utc():
    local = datetime(2030, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))

    assert absolute_time(local) == "300102030405000+"


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (consts.SMPP_ESME_RINVDSTADR, True),
        (consts.SMPP_ESME_RINVSRCADR, True),
        (consts.SMPP_ESME_RTHROTTLED, False),
        (consts.SMPP_ESME_RMSGQFUL, False),
        (consts.SMPP_ESME_RSYSERR, False),
    ],
)
def test_refused_submit_raises_with_the_right_permanence(adapter, stub, status, permanent):
    stub.submit_status = status

    with pytest.raises(SmscError, match=f"0x{status:08X}") as refused:
        adapter.submit(outbound("Hi"))

    assert refused.value.permanent is permanent


def test_unanswered_submit_times_out_as_temporary(stub, sink):
    stub.answer_submits = False
    adapter = SmppAdapter("127.0.0.1", stub.port, stub.system_id, stub.password, response_timeout=0.5)
    adapter.start(sink)
    try:
        assert adapter.wait_bound(WAIT)
        with pytest.raises(SmscError, match="did not answer") as unanswered:
            adapter.submit(outbound("Hi"))
        assert unanswered.value.permanent is False
    finally:
        adapter.stop()


def test_mo_reaches_the_sink_with_its_udh_split_off(adapter, stub, sink):
    udh = bytes.fromhex("050003070201")
    text = "Привет".encode("utf-16-be")

    status = stub.send_mo(DEVICE, "1234", text, data_coding=8, udh=udh)

    assert status == consts.SMPP_ESME_ROK
    (mo,) = sink.mo
    assert (mo.source, mo.destination, mo.data, mo.data_coding, mo.udh) == (DEVICE, "1234", text, 8, udh)
    assert mo.received_at is not None


def test_rejected_mo_is_answered_with_rx_r_appn(adapter, stub, sink):
    sink.accept = False

    assert stub.send_mo(DEVICE, "1234", b"Hi") == consts.SMPP_ESME_RX_R_APPN


def test_a_failing_sink_answers_system_error_and_the_link_stays_up(adapter, stub, sink):
    sink.accept = RuntimeError("database down")

    assert stub.send_mo(DEVICE, "1234", b"Hi") == consts.SMPP_ESME_RSYSERR

    sink.accept = True
    assert stub.send_mo(DEVICE, "1234", b"Hi again") == consts.SMPP_ESME_ROK
    assert stub.binds == 1


def test_reconnects_and_rebinds_after_the_smsc_drops_the_link(adapter, stub):
    stub.drop_connections()

    assert eventually(lambda: stub.binds == 2 and adapter.bound)
    assert len(adapter.submit(outbound("After the drop")).message_ids) == 1


def test_submit_while_not_bound_fails_at_once_as_temporary(stub):
    adapter = SmppAdapter("127.0.0.1", stub.port, stub.system_id, stub.password)

    with pytest.raises(SmscError, match="Not bound") as not_bound:
        adapter.submit(outbound("Hi"))

    assert not_bound.value.permanent is False


def test_wrong_password_never_binds(stub, sink):
    adapter = SmppAdapter("127.0.0.1", stub.port, stub.system_id, "wrong")
    adapter.start(sink)
    try:
        assert not adapter.wait_bound(0.5)
        assert stub.binds == 0
    finally:
        adapter.stop()


def test_idle_link_is_kept_alive_with_enquire_link(stub, sink):
    adapter = SmppAdapter("127.0.0.1", stub.port, stub.system_id, stub.password, enquire_link_every=0.05)
    adapter.start(sink)
    try:
        assert eventually(lambda: stub.enquire_links >= 3)
        assert adapter.bound
    finally:
        adapter.stop()


def test_stop_unbinds_and_ends_the_thread_cleanly(stub, sink, caplog):
    adapter = SmppAdapter("127.0.0.1", stub.port, stub.system_id, stub.password)
    adapter.start(sink)
    assert adapter.wait_bound(WAIT)
    thread = adapter._thread

    adapter.stop()

    assert not thread.is_alive()
    assert not adapter.bound
    assert stub.unbinds == 1
    assert not [record for record in caplog.records if record.levelname in ("WARNING", "ERROR")]


def receipt_pdu(text: str, **tlvs):
    return smpp.make_pdu(
        "deliver_sm", client=SimpleSequenceGenerator(), esm_class=0x04, short_message=text.encode(), **tlvs
    )


@pytest.mark.parametrize(
    ("stat", "state"),
    [
        ("DELIVRD", ReceiptState.DELIVERED),
        ("EXPIRED", ReceiptState.EXPIRED),
        ("UNDELIV", ReceiptState.FAILED),
        ("REJECTD", ReceiptState.FAILED),
        ("DELETED", ReceiptState.FAILED),
        ("UNKNOWN", ReceiptState.FAILED),
        ("ENROUTE", ReceiptState.ACCEPTED),
        ("ACCEPTD", ReceiptState.ACCEPTED),
    ],
)
def test_receipt_text_alone_is_understood(stat, state):
    text = f"id:AB12 sub:001 dlvrd:000 submit date:2401021530 done date:240102153107 stat:{stat} err:000 text:Hi"

    receipt = parse_receipt(receipt_pdu(text))

    assert receipt == DeliveryReceipt(state, message_id="AB12", done_at=datetime(2024, 1, 2, 15, 31, 7, tzinfo=UTC))


def test_receipt_tlvs_win_over_the_text():
    pdu = receipt_pdu("id:123 stat:DELIVRD err:000", receipted_message_id="7B", message_state=5)

    receipt = parse_receipt(pdu)

    assert (receipt.message_id, receipt.state) == ("7B", ReceiptState.FAILED)


def test_receipt_without_id_is_not_guessed():
    assert parse_receipt(receipt_pdu("stat:DELIVRD")) is None


def test_smoke_against_smppy(sink):
    """smppy answers submit_sm with an empty message_id and sends an MO back for every MT."""
    from smppy import Application
    from smppy.server import SmppProtocol

    class EchoSmsc(Application):
        async def handle_bound_client(self, client):
            return client if client.password == "secret" else None

        async def handle_unbound_client(self, client):
            return None

        async def handle_sms_received(self, client, source_number, dest_number, text):
            await client.send_sms(source=dest_number, dest=source_number, text=f"MO reply to: {text}")

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    create = loop.create_server(lambda: SmppProtocol(app=EchoSmsc(name="smppy")), "127.0.0.1", 0)
    server = asyncio.run_coroutine_threadsafe(create, loop).result(WAIT)
    adapter = SmppAdapter("127.0.0.1", server.sockets[0].getsockname()[1], "selfcare", "secret")
    try:
        adapter.start(sink)
        assert adapter.wait_bound(WAIT)

        submitted = adapter.submit(
            outbound("Battery low", source="4915112345678", source_type=SourceAddressType.INTERNATIONAL)
        )

        assert submitted.message_ids == ("",)
        assert eventually(lambda: len(sink.mo) == 1)
        assert encoding.decode(sink.mo[0].data, sink.mo[0].data_coding) == "MO reply to: Battery low"
        assert sink.mo[0].destination == "4915112345678"
    finally:
        adapter.stop()

        async def close() -> None:  # on the server's loop: asyncio servers are not thread-safe
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), loop).result(WAIT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(WAIT)
        loop.close()
