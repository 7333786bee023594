from __future__ import annotations

from django.urls import reverse

from switchboard.connectivity.models import Sim
from switchboard.sms.models import Sms

HTMX = {"HX-Request": "true", "HX-Target": "sim-log"}


def test_the_sms_tab_sends_and_shows_the_message_pending(portal, world, fleet):
    browser = portal(world.user)
    page = browser.get(reverse("connectivity:sim_detail", args=[fleet.sim.iccid]) + "?tab=sms")
    assert page.status_code == 200 and 'data-testid="sms-form"' in page.content.decode()
    response = browser.post(
        reverse("sms:send", args=[fleet.sim.iccid]),
        {"payload": "Firmware update tonight", "source_address_type": 145, "validity": 48},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="sim-log"' in html and "Firmware update tonight" in html and "Pending" in html
    assert 'hx-trigger="every 2s"' in html  # the table refreshes itself until the SMS is final
    assert Sms.objects.get().created_by == world.user.user.email


def test_a_refusal_is_shown_in_the_form_and_keeps_the_text(portal, world, fleet):
    Sim.objects.filter(pk=fleet.sim.pk).update(sms_remaining=0)
    browser = portal(world.user)
    response = browser.post(
        reverse("sms:send", args=[fleet.sim.iccid]),
        {"payload": "Still there?", "source_address_type": 145, "validity": 48},
        headers=HTMX,
    )
    assert response.status_code == 200  # htmx swaps only successful answers
    html = response.content.decode()
    assert "The SMS volume is used up." in html and "Still there?" in html
    assert not Sms.objects.exists()


def test_read_only_sees_the_log_but_no_form(portal, world, fleet):
    page = portal(world.read_only).get(reverse("connectivity:sim_detail", args=[fleet.sim.iccid]) + "?tab=sms")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="sms-panel"' in html and 'data-testid="sms-form"' not in html


def test_without_htmx_the_browser_returns_to_the_sms_tab(portal, world, fleet):
    response = portal(world.owner).post(
        reverse("sms:send", args=[fleet.sim.iccid]), {"payload": "hi", "source_address_type": 145, "validity": 1}
    )
    assert response.status_code == 302 and response["Location"].endswith("?tab=sms")
