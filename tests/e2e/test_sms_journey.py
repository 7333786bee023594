"""SMS in a real browser on the demo fleet: sent from the SIM page, handed to the simulated SMSC by a running SMS
gateway, and seen delivered without reloading the page."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect

from switchboard.connectivity.models import Sim
from switchboard.connectivity.tests.factories import online
from switchboard.sms.gateway import SmsGateway


@pytest.fixture
def sms_gateway():
    """The gateway `switchboard smsc` runs, in a thread of the test process (it shares the live server's database)."""
    gateway, stop = SmsGateway(tick_every=0.5), threading.Event()
    thread = threading.Thread(target=gateway.run, args=(stop,), kwargs={"interval": 0.1}, daemon=True)
    thread.start()
    yield gateway
    stop.set()
    thread.join(timeout=10)
    gateway.stop()


@pytest.mark.e2e
def test_send_an_sms_from_the_sim_page_and_see_it_delivered(page: Page, login, shoot, sms_gateway):
    sim = Sim.objects.filter(label__startswith="Truck", status="Enabled").order_by("iccid").first()
    online(sim)  # the simulated device is attached, so the simulated SMSC can deliver
    login("user@acme.test")
    page.goto(f"/sims/{sim.iccid}/")
    page.get_by_test_id("sms-tab").click()
    panel = page.get_by_test_id("sms-panel")
    expect(panel).to_be_visible()
    shoot(page, "sms-journey-tab")

    page.get_by_label("Send an SMS to the device").fill("Firmware update tonight, please stay online ✓")
    page.get_by_test_id("sms-send").click()
    newest = page.get_by_test_id("sms-row").first
    expect(newest).to_contain_text("Firmware update tonight")
    expect(newest.get_by_test_id("sms-status")).to_have_text("Delivered", timeout=20_000)
    shoot(page, "sms-journey-delivered")

    page.get_by_label("Send an SMS to the device").fill("")
    page.get_by_test_id("sms-send").click()
    expect(page.get_by_role("alert").filter(has_text="This field is required.")).to_be_visible()


@pytest.mark.e2e
def test_the_operator_switches_to_kannel_and_gets_the_callback_line_once(page: Page, login, shoot):
    login("operator@demo.switchboard.test")
    page.get_by_role("link", name="SMSC").click()
    expect(page.get_by_role("heading", name="SMSC", exact=True)).to_be_visible()
    page.get_by_label("Kannel HTTP gateway").check()
    page.get_by_label("Kannel sendsms URL").fill("ftp://kannel.example/cgi-bin/sendsms")
    page.get_by_label("Kannel user").fill("switchboard")
    page.get_by_role("button", name="Save SMSC").click()
    expect(page.get_by_text("Enter Kannel's sendsms URL (http:// or https://).")).to_be_visible()
    page.get_by_label("Kannel sendsms URL").fill("http://127.0.0.1:13013/cgi-bin/sendsms")
    page.get_by_label("Password").fill("kannel-pw")
    page.get_by_role("button", name="Save SMSC").click()
    token = page.get_by_test_id("smsc-token")
    expect(token).to_contain_text("/smsc/kannel/mo?token=")
    shoot(page, "sms-smsc-kannel")
    page.reload()
    expect(page.get_by_test_id("smsc-token")).to_have_count(0)  # shown once
    expect(page.get_by_label("Kannel HTTP gateway")).to_be_checked()
