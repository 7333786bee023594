"""The Kannel adapter against a real bearerbox + smsbox with fakesmsc as the SMSC; a small HTTP server stands in for
our two web routes (MO and DLR). The query building and the parsers are also checked on their own.

Found by trying: for every part fakesmsc makes Kannel report two DLRs, in no fixed order, 8 (SMSC accepted, reply
"ACK/") and 1 (delivered, empty reply); it never reports a failure, so failed DLRs are covered by the parser tests.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from switchboard.sms import encoding
from switchboard.sms.contracts import (
    DeliveryReceipt,
    OutboundSms,
    ReceiptState,
    SmscError,
    SourceAddressType,
    Submitted,
)
from switchboard.sms.smsc.kannel import DLR_QUERY, MO_GET_URL_TEMPLATE, KannelAdapter, parse_dlr, parse_mo
from switchboard.sms.testing import kannel as kannel_runner
from switchboard.testing import unavailable

WAIT = 20.0
DEVICE = "882285000016868"


class Routes(ThreadingHTTPServer):
    """Our web routes as Kannel sees them (or a fake sendsms): records each GET, answers with `reply`."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls: list[tuple[str, str]] = []
        self.reply: tuple[int, str] = (200, "")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def queries(self, path: str) -> list[str]:
        return [query for called, query in list(self.calls) if called == path]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        self.server.calls.append((path, query))
        status, body = self.server.reply
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


def eventually(condition, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def outbound(text: str, *, reference: str = "1001", **kwargs) -> OutboundSms:
    message = encoding.split(text, reference=int(reference))
    return OutboundSms(
        reference=reference,
        destination=DEVICE,
        source="MyTelco",
        source_type=SourceAddressType.ALPHANUMERIC,
        parts=message.parts,
        data_coding=message.data_coding,
        has_udh=message.has_udh,
        **kwargs,
    )


def request_get(query: str) -> dict[str, str]:
    """What Django's request.GET holds for a query string."""
    return dict(parse_qsl(query, keep_blank_values=True))


def receipts_for(routes: Routes, reference: str) -> list[DeliveryReceipt]:
    """The DLRs Kannel reported for one message (a late DLR of an earlier test may arrive meanwhile)."""
    receipts = [parse_dlr(request_get(query)) for query in routes.queries("/dlr")]
    return [receipt for receipt in receipts if receipt.reference == reference]


@pytest.fixture(scope="module")
def routes():
    server = Routes()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def kannel(tmp_path_factory, routes):
    reason = kannel_runner.missing()
    if reason:
        unavailable(reason)
    mo_get_url = MO_GET_URL_TEMPLATE.format(mo_url=f"{routes.base}/mo?token=t0k")
    with kannel_runner.KannelGateway(tmp_path_factory.mktemp("kannel"), mo_get_url=mo_get_url) as gateway:
        yield gateway


@pytest.fixture
def adapter(kannel, routes):
    routes.calls.clear()
    return KannelAdapter(
        kannel.sendsms_url, kannel.username, kannel.password, dlr_url=f"{routes.base}/dlr?token=t0k&{DLR_QUERY}"
    )


class TestWithKannel:
    def test_gsm_text_reaches_fakesmsc_intact_and_both_dlrs_come_back(self, adapter, kannel, routes):
        before = len(kannel.received())
        text = "Top-up of 5€ done [ref ^42] {ok} ~ | \\"

        assert adapter.submit(outbound(text, reference="1001")) == Submitted(("",))

        message = kannel.wait_received(before + 1)[-1]
        assert (message.sender, message.receiver, message.kind, message.text) == ("MyTelco", DEVICE, "text", text)
        assert eventually(lambda: len(receipts_for(routes, "1001")) == 2)
        receipts = receipts_for(routes, "1001")
        assert {receipt.state for receipt in receipts} == {ReceiptState.ACCEPTED, ReceiptState.DELIVERED}
        assert {(receipt.reference, receipt.part) for receipt in receipts} == {("1001", 1)}
        assert all(receipt.done_at is not None for receipt in receipts)

    def test_ucs2_text_reaches_fakesmsc_intact(self, adapter, kannel):
        before = len(kannel.received())
        text = "Привет 😀 from Łódź"

        adapter.submit(outbound(text, reference="1002"))

        message = kannel.wait_received(before + 1)[-1]
        assert (message.kind, message.text) == ("ucs-2", text)

    def test_concatenated_parts_carry_their_udh_and_own_dlr_urls(self, adapter, kannel, routes):
        before = len(kannel.received())
        text = "Заряд батареи низкий 🔋 " * 6
        sms = outbound(text, reference="1003")

        assert adapter.submit(sms) == Submitted(("",) * len(sms.parts))

        parts = kannel.wait_received(before + len(sms.parts))[before:]
        assert [encoding.concat_info(part.udh) for part in parts] == [
            (1003 & 0xFF, len(sms.parts), seq) for seq in range(1, len(sms.parts) + 1)
        ]
        assert b"".join(part.data for part in parts).decode("utf-16-be") == text
        assert eventually(lambda: len(receipts_for(routes, "1003")) == 2 * len(sms.parts))
        delivered = {
            receipt.part for receipt in receipts_for(routes, "1003") if receipt.state is ReceiptState.DELIVERED
        }
        assert delivered == set(range(1, len(sms.parts) + 1))

    def test_wrong_credentials_are_a_permanent_error(self, kannel, routes):
        adapter = KannelAdapter(kannel.sendsms_url, kannel.username, "wrong", dlr_url=f"{routes.base}/dlr?{DLR_QUERY}")

        with pytest.raises(SmscError, match="HTTP 403") as refused:
            adapter.submit(outbound("Hi"))

        assert refused.value.permanent is True
        assert "wrong" not in str(refused.value)

    def test_mo_text_reaches_our_route_and_parses_to_gsm(self, kannel, routes):
        routes.calls.clear()
        text = "Meter 42: 17.5€ [ok]"

        kannel.send_mo(DEVICE, "1234", text)

        assert eventually(lambda: routes.queries("/mo"))
        mo = parse_mo(routes.queries("/mo")[0])
        assert (mo.source, mo.destination, mo.data_coding, mo.udh) == (DEVICE, "1234", 0, b"")
        assert encoding.decode(mo.data, mo.data_coding) == text
        assert mo.received_at is not None

    def test_mo_ucs2_reaches_our_route_intact(self, kannel, routes):
        routes.calls.clear()

        kannel.send_mo(DEVICE, "1234", "Привет 😀", ucs2=True)

        assert eventually(lambda: routes.queries("/mo"))
        mo = parse_mo(routes.queries("/mo")[0])
        assert (mo.data_coding, encoding.decode(mo.data, mo.data_coding)) == (8, "Привет 😀")

    def test_mo_binary_with_udh_reaches_our_route_intact(self, kannel, routes):
        routes.calls.clear()
        udh, data = bytes.fromhex("0605040B8423F0"), bytes([0, 1, 0x20, 0x2B, 0x25, 0xFF])

        kannel.send_mo(DEVICE, "1234", data, udh=udh)

        assert eventually(lambda: routes.queries("/mo"))
        mo = parse_mo(routes.queries("/mo")[0])
        assert (mo.data_coding, mo.data, mo.udh) == (4, data, udh)


class TestQuery:
    """What the adapter asks of sendsms, seen by a fake Kannel."""

    @pytest.fixture
    def fake_kannel(self, routes):
        routes.calls.clear()
        routes.reply = (202, "0: Accepted for delivery")
        yield routes
        routes.reply = (200, "")

    def adapter(self, routes) -> KannelAdapter:
        return KannelAdapter(f"{routes.base}/cgi-bin/sendsms", "user", "pw", dlr_url=f"{routes.base}/dlr?{DLR_QUERY}")

    def test_gsm_part_is_utf8_text_with_dlr_url_mask_and_validity(self, fake_kannel):
        expires = datetime.now(UTC) + timedelta(minutes=90, seconds=-5)

        self.adapter(fake_kannel).submit(outbound("Hi €", reference="7", expires_at=expires))

        (query,) = fake_kannel.queries("/cgi-bin/sendsms")
        sent = request_get(query)
        assert {key: sent[key] for key in ("from", "to", "text", "charset", "coding", "dlr-mask", "validity")} == {
            "from": "MyTelco",
            "to": DEVICE,
            "text": "Hi €",
            "charset": "UTF-8",
            "coding": "0",
            "dlr-mask": "27",
            "validity": "90",
        }
        assert sent["dlr-url"] == f"{fake_kannel.base}/dlr?sms=7&part=1&status=%d&reply=%A&at=%T"
        assert "udh" not in sent

    def test_concatenated_ucs2_parts_send_raw_octets_and_udh(self, fake_kannel):
        sms = outbound("ж" * 100, reference="8")

        self.adapter(fake_kannel).submit(sms)

        sent = [dict(parse_qsl(query, encoding="latin-1")) for query in fake_kannel.queries("/cgi-bin/sendsms")]
        assert [(item["coding"], item["charset"]) for item in sent] == [("2", "UTF-16BE")] * 2
        assert [item["udh"].encode("latin-1") + item["text"].encode("latin-1") for item in sent] == list(sms.parts)
        assert [item["dlr-url"].split("&part=")[1][0] for item in sent] == ["1", "2"]

    def test_8bit_data_goes_with_coding_1(self, fake_kannel):
        raw = encoding.from_raw("00ff20", dcs=4)
        sms = OutboundSms("9", DEVICE, "MyTelco", SourceAddressType.ALPHANUMERIC, raw.parts, 4, False)

        self.adapter(fake_kannel).submit(sms)

        (query,) = fake_kannel.queries("/cgi-bin/sendsms")
        sent = dict(parse_qsl(query, encoding="latin-1"))
        assert (sent["coding"], sent["text"].encode("latin-1")) == ("1", b"\x00\xff\x20")

    def test_queued_for_later_is_taken(self, fake_kannel):
        fake_kannel.reply = (202, "3: Queued for later delivery")

        assert self.adapter(fake_kannel).submit(outbound("Hi")) == Submitted(("",))

    @pytest.mark.parametrize(("status", "permanent"), [(400, True), (403, True), (429, False), (503, False)])
    def test_http_errors(self, fake_kannel, status, permanent):
        fake_kannel.reply = (status, "Nope")

        with pytest.raises(SmscError, match=f"HTTP {status}") as refused:
            self.adapter(fake_kannel).submit(outbound("Hi"))

        assert refused.value.permanent is permanent

    def test_unreachable_kannel_is_temporary(self):
        adapter = KannelAdapter(
            f"http://127.0.0.1:{kannel_runner.free_port()}/cgi-bin/sendsms", "u", "p", dlr_url="/{reference}/{part}"
        )

        with pytest.raises(SmscError, match="cannot be reached") as unreachable:
            adapter.submit(outbound("Hi"))

        assert unreachable.value.permanent is False

    def test_a_reference_kannel_would_mangle_is_refused(self, fake_kannel):
        with pytest.raises(SmscError, match="cannot travel") as refused:
            self.adapter(fake_kannel).submit(replace(outbound("Hi"), reference="a%41"))

        assert refused.value.permanent is True

    def test_dlr_url_must_name_reference_and_part(self):
        with pytest.raises(ValueError, match="reference"):
            KannelAdapter("http://kannel/cgi-bin/sendsms", "u", "p", dlr_url="http://us/dlr?status=%d")


class TestParsers:
    @pytest.mark.parametrize(
        ("status", "state"),
        [
            ("1", ReceiptState.DELIVERED),
            ("2", ReceiptState.FAILED),
            ("4", ReceiptState.ACCEPTED),
            ("8", ReceiptState.ACCEPTED),
            ("16", ReceiptState.FAILED),
        ],
    )
    def test_dlr_statuses(self, status, state):
        receipt = parse_dlr({"token": "t", "sms": "55", "part": "2", "status": status, "reply": "NACK/0x0b", "at": "0"})

        assert receipt == DeliveryReceipt(
            state,
            reference="55",
            part=2,
            done_at=datetime(1970, 1, 1, tzinfo=UTC),
            error="NACK/0x0b" if state is ReceiptState.FAILED else "",
        )

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ({"part": "1", "status": "1"}, "'sms'"),
            ({"sms": "5", "status": "1"}, "'part'"),
            ({"sms": "5", "part": "1", "status": "%d"}, "must be a number"),
            ({"sms": "5", "part": "1", "status": "3"}, "not known"),
        ],
    )
    def test_bad_dlr_query(self, query, message):
        with pytest.raises(ValueError, match=message):
            parse_dlr(query)

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ("from=1&to=2&data=x", "'coding'"),
            ("from=1&to=2&coding=5&data=x", "not known"),
            ("to=2&coding=0&data=x", "'from'"),
            ("from=1&to=2&coding=0&data=%FF", "UTF-8"),
        ],
    )
    def test_bad_mo_query(self, query, message):
        with pytest.raises(ValueError, match=message):
            parse_mo(query)

    def test_mo_text_that_gsm_cannot_hold_becomes_ucs2(self):
        mo = parse_mo("from=1&to=2&coding=0&data=%E2%9C%93&udh=")

        assert (mo.data_coding, mo.data) == (8, "✓".encode("utf-16-be"))
