"""Configuration → Data streams and SMS forwarding in a real browser: a webhook stream to a receiver on loopback, its
secret seen once, test records answered 200 and then 500, each at the top of the delivery log."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from switchboard.events import services
from switchboard.events.models import DataStream

ICCID = "8988280666000000001"


@dataclass
class Receiver:
    url: str
    status: int = 200
    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        receiver: Receiver = self.server.receiver
        receiver.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        receiver.headers.append({name.lower(): value for name, value in self.headers.items()})
        ok = 200 <= receiver.status < 300
        answer = json.dumps({"accepted": True} if ok else {"error": "database unavailable"}).encode()
        self.send_response(receiver.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1, which the SSRF guard lets through only when the operator allows it."""
    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "WEBHOOKS_ALLOW_PRIVATE": True}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/switchboard")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.receiver
    server.shutdown()
    server.server_close()


@pytest.mark.e2e
def test_owner_adds_a_webhook_stream_and_sends_test_records(page: Page, login, shoot, receiver):
    login("owner@acme.test")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Data streams").click()
    expect(page.get_by_role("heading", name="Data streams", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stream-count")).to_have_text("0 of 10")
    expect(page.get_by_label("Broker host")).to_be_hidden()  # only the chosen destination's fields
    page.get_by_label("MQTT broker").check()
    expect(page.get_by_label("Broker host")).to_be_visible()
    expect(page.get_by_label("URL", exact=True)).to_be_hidden()
    shoot(page, "streams-add-mqtt")

    page.get_by_label("HTTPS webhook").check()
    page.get_by_label("Name", exact=True).fill("Usage to our ERP")
    page.get_by_label("URL", exact=True).fill("ftp://127.0.0.1/")
    page.get_by_role("button", name="Add data stream").click()
    expect(page.locator("#add-stream")).to_contain_text("Only https:// and http:// URLs are allowed.")
    shoot(page, "streams-refused")

    page.get_by_label("URL", exact=True).fill(receiver.url)
    page.get_by_label("Custom headers").fill("Authorization: Bearer erp-token")
    page.get_by_role("button", name="Add data stream").click()
    expect(page.get_by_role("heading", name="Usage to our ERP")).to_be_visible()
    secret = page.get_by_test_id("new-secret")
    expect(secret).to_contain_text("shown only this once")
    expect(secret.get_by_label("Signing secret")).to_have_value(re.compile(r"^whsec_[A-Za-z0-9+/=]{40,}$"))
    expect(secret).to_contain_text("webhook-signature")
    shoot(page, "streams-created")

    page.get_by_role("button", name="Send test record").click()
    expect(page.get_by_role("status").filter(has_text="Test record delivered: HTTP 200")).to_be_visible()
    expect(page.get_by_test_id("new-secret")).to_have_count(0)  # seen once, gone on the next page
    newest = page.get_by_test_id("attempt").first
    expect(newest).to_contain_text("HTTP 200")
    expect(newest).to_contain_text("ok")
    expect(newest).to_contain_text('{"accepted": true}')
    assert len(receiver.bodies) == 1 and len(json.loads(receiver.bodies[0])) == 1  # a batch of one record
    assert receiver.headers[0]["authorization"] == "Bearer erp-token"
    assert receiver.headers[0]["webhook-signature"].startswith("v1,")
    shoot(page, "streams-test-ok")

    receiver.status = 500
    page.get_by_role("button", name="Send test record").click()
    expect(page.get_by_role("status").filter(has_text="The test record was not accepted: HTTP 500.")).to_be_visible()
    newest = page.get_by_test_id("attempt").first
    expect(newest).to_contain_text("HTTP 500")
    expect(newest).to_contain_text("failed")
    expect(newest).to_contain_text('{"error": "database unavailable"}')
    expect(page.get_by_test_id("attempt")).to_have_count(2)
    expect(page.get_by_test_id("stream-state-badge").first).to_have_text("active")  # a test changes no state
    shoot(page, "streams-test-failed")

    # Real records to a failing receiver: after three failed attempts in a row the stream is degraded.
    stream = DataStream.objects.get(name="Usage to our ERP")
    now = timezone.now().isoformat()
    session = {"event_id": "e2e-1", "iccid": ICCID, "start": now, "end": now, "volume_rx": 1_500_000, "volume_tx": 1}
    services.emit_many([("connectivity.usage.data", stream.organisation_id, session)])
    for _attempt in range(3):
        DataStream.objects.filter(pk=stream.pk).update(next_attempt_at=timezone.now())  # its back-off is over
        assert services.pump_streams()
    page.reload()
    state = page.get_by_test_id("stream-state")
    expect(state.get_by_test_id("stream-state-badge")).to_have_text("degraded")
    expect(state).to_contain_text("The receiver fails since")
    expect(state.get_by_test_id("remote-status")).to_have_text("HTTP 500")
    expect(state.get_by_test_id("backlog")).to_contain_text("1 record")
    expect(page.get_by_test_id("attempt").first).not_to_contain_text("test")
    shoot(page, "streams-degraded")

    page.get_by_role("link", name="Data streams").first.click()
    row = page.get_by_test_id("streams").get_by_role("row").filter(has_text="Usage to our ERP")
    expect(row).to_contain_text(receiver.url.split("/")[2])
    expect(row.get_by_test_id("stream-state-badge")).to_have_text("degraded")
    expect(row).to_contain_text("HTTP 500")
    expect(page.get_by_test_id("stream-count")).to_have_text("1 of 10")
    shoot(page, "streams-list")


@pytest.mark.e2e
def test_owner_forwards_sms_to_a_server(page: Page, login, shoot, receiver):
    login("owner@acme.test")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="SMS forwarding").click()
    expect(page.get_by_role("heading", name="SMS forwarding", exact=True)).to_be_visible()
    shoot(page, "streams-sms-forwarding-empty")
    page.get_by_label("Your server's URL").fill(receiver.url)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="SMS forwarding saved.")).to_be_visible()
    expect(page.get_by_test_id("new-secret")).to_be_visible()
    page.get_by_role("button", name="Send test record").click()
    newest = page.get_by_test_id("attempt").first
    expect(newest).to_contain_text("HTTP 200")
    assert isinstance(json.loads(receiver.bodies[0]), dict)  # one SMS, one object
    shoot(page, "streams-sms-forwarding")
