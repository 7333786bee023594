"""Network → RADIUS clients in a real browser: the operator adds a gateway and finds it in the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from switchboard.aaa.models import NasClient
from switchboard.aaa.tests.factories import open_session
from switchboard.connectivity.models import Sim


def live_sessions() -> None:
    """Three SIMs of the demo online on the simulated gateway, as its Accounting-Starts would leave them."""
    gateway = NasClient.objects.get(name="Simulated PGW")
    started = timezone.now() - timedelta(minutes=40)
    sims = Sim.objects.filter(status="Enabled").exclude(ip_address=None).order_by("iccid")[:3]
    for n, sim in enumerate(sims):
        open_session(
            gateway,
            sim,
            session_id=f"0A0B{n:04X}",
            uplink=(n + 1) * 1_234_567,
            downlink=(n + 1) * 18_500_000,
            at=started + timedelta(minutes=7 * n),
        )


@pytest.mark.e2e
def test_operator_adds_a_radius_client(page: Page, login, shoot):
    live_sessions()
    login("operator@demo.switchboard.test")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="RADIUS clients").click()
    expect(page.get_by_role("heading", name="RADIUS clients", exact=True)).to_be_visible()
    expect(page.get_by_test_id("nas-clients")).to_contain_text("Simulated PGW")
    expect(page.get_by_test_id("session-count")).to_have_text("3 data sessions are open on your gateways.")

    page.get_by_label("Name").fill("PGW Hamburg")
    page.get_by_label("Address or subnet").fill("203.0.113.0/29")
    page.get_by_label("Shared secret").fill("short")
    page.get_by_role("button", name="Add RADIUS client").click()
    expect(page.locator("#add-client")).to_contain_text("The shared secret must be 16 to 128 printable characters.")
    shoot(page, "radius-clients-refused")

    page.get_by_label("Shared secret").fill("hamburg-shared-secret")
    page.get_by_label("Require Message-Authenticator").check()
    page.get_by_role("button", name="Add RADIUS client").click()
    expect(page.get_by_role("status").filter(has_text="RADIUS client added.")).to_be_visible()
    row = page.get_by_test_id("nas-clients").get_by_role("row").filter(has_text="PGW Hamburg")
    expect(row).to_contain_text("203.0.113.0/29")
    expect(row).to_contain_text("required")
    expect(page.get_by_label("Shared secret")).to_have_value("")
    shoot(page, "radius-clients")

    row.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit PGW Hamburg")).to_be_visible()
    expect(page.get_by_label("Shared secret")).to_have_value("")
    page.get_by_label("Disconnect/CoA port").fill("1700")
    shoot(page, "radius-client-edit")
    page.get_by_role("button", name="Save").click()  # the secret left empty stays as it was
    expect(page.get_by_role("status").filter(has_text="RADIUS client saved.")).to_be_visible()
    expect(row).to_contain_text("1700")
