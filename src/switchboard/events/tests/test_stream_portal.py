"""The portal pages of data streams and SMS forwarding: the secret shown once, refusals in place, the actions with
their effect on a real loopback receiver, roles and tenant isolation."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from switchboard.core import crypto
from switchboard.events import services
from switchboard.events.models import AuditEntry, DataStream, StreamAttempt
from switchboard.events.portal.streams import SHOW_ONCE
from switchboard.events.tests.conftest import pump_until_idle, usage

STREAMS = reverse("streams:streams")
FORWARDING = reverse("streams:sms_forwarding")
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
PUBLIC_URL = "https://93.184.215.14/hook"  # a public address, so the check needs no DNS; nothing connects to it


def stream_url(stream: DataStream, action: str = "") -> str:
    return reverse(f"streams:stream_{action}" if action else "streams:stream", args=[stream.pk])


def webhook_form(url: str, **changes) -> dict[str, str]:
    return {"name": "Usage to our backend", "kind": "usage", "target": "webhook", "url": url, **changes}


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def local(moment) -> str:
    return timezone.localtime(moment).strftime(LOCAL_MINUTE)


@pytest.fixture
def owner_browser(world, portal):
    return portal(world.owner)


def test_a_new_stream_shows_its_secret_once_on_its_page(owner_browser, receiver, stream_records_registered):
    assert "0 of 10" in text(owner_browser.get(STREAMS))
    created = owner_browser.post(
        STREAMS, webhook_form(receiver.url, headers="Authorization: Bearer abc\n\nX-Tenant: acme")
    )
    stream = DataStream.objects.get()
    assert created.status_code == 302 and created.url == stream_url(stream)
    assert "whsec" not in created.url and SHOW_ONCE in owner_browser.session  # kept only until the page shows it
    assert sorted(stream.headers) == ["Authorization", "X-Tenant"]
    assert crypto.decrypt(stream.headers["Authorization"]) == "Bearer abc"

    shown = owner_browser.get(created.url)
    secret = SECRET.search(text(shown)).group()
    assert secret == crypto.decrypt(stream.signing_secret)
    assert "no-store" in shown["Cache-Control"]
    assert "webhook-signature" in text(shown) and "Data stream added." in messages_of(shown)
    assert SHOW_ONCE not in owner_browser.session
    again = owner_browser.get(created.url)
    assert again.status_code == 200 and not SECRET.search(text(again))

    listed = text(owner_browser.get(STREAMS))
    assert "1 of 10" in listed and "Usage to our backend" in listed and urlsplit(receiver.url).netloc in listed


def test_an_mqtt_stream_has_no_secret_and_keeps_its_password(owner_browser, loopback_allowed):
    form = {
        "name": "Broker",
        "kind": "events",
        "target": "mqtt",
        "url": "ignored for MQTT",
        "headers": "not a header line",
        "mqtt_host": "127.0.0.1",
        "mqtt_port": "",
        "mqtt_username": "fleet",
        "mqtt_password": "broker-pass",
        "topic_template": "acme/{iccid}",
    }
    created = owner_browser.post(STREAMS, form)
    stream = DataStream.objects.get()
    assert created.status_code == 302, created.context["form"].errors
    assert (stream.target, stream.url, stream.mqtt_port, stream.mqtt_tls, stream.signing_secret) == (
        "mqtt",
        "",
        1883,
        False,
        "",
    )
    page = owner_browser.get(created.url)
    assert not SECRET.search(text(page)) and "Rotate secret" not in text(page)
    assert "broker-pass" not in text(page)
    assert (
        set(page.context["form"].fields) >= {"mqtt_host", "mqtt_password"} and "url" not in page.context["form"].fields
    )

    saved = owner_browser.post(stream_url(stream), {"name": "Broker 2", "mqtt_host": "127.0.0.1", "mqtt_port": "1884"})
    assert saved.status_code == 302
    stream.refresh_from_db()
    assert (stream.name, stream.mqtt_port, stream.mqtt_username) == ("Broker 2", 1884, "")
    assert crypto.decrypt(stream.mqtt_password) == "broker-pass"  # an empty password box keeps it

    tls = owner_browser.post(stream_url(stream), {"name": "Broker 2", "mqtt_host": "127.0.0.1", "mqtt_tls": "on"})
    assert tls.status_code == 302
    stream.refresh_from_db()
    assert (stream.mqtt_tls, stream.mqtt_port) == (True, 8883)  # an empty port is the default of the TLS setting
    refused = owner_browser.post(stream_url(stream), {"name": "Broker 2", "mqtt_host": "127.0.0.1", "mqtt_port": "x"})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {"mqtt_port": ["Enter a port between 1 and 65535."]}


def test_the_eleventh_stream_is_refused_in_place(owner_browser, owner, webhook, receiver):
    for n in range(10):
        webhook(name=f"Stream {n}")
    page = owner_browser.get(STREAMS)
    assert "10 of 10" in text(page) and "the most it can have" in text(page)
    refused = owner_browser.post(STREAMS, webhook_form(receiver.url, name="Eleventh"))
    assert refused.status_code == 400
    assert refused.context["form"].non_field_errors() == ["An organisation can have at most 10 data streams."]
    assert 'value="Eleventh"' in text(refused)  # what was typed stays
    assert DataStream.objects.count() == 10


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"url": "http://10.0.0.1/hook"},
            "url",
            "This host is not reachable from here or points into a private network.",
        ),
        ({"url": "ftp://example.com/"}, "url", "Only https:// and http:// URLs are allowed."),
        ({"headers": "Authorization Bearer abc"}, "headers", "Line 1: write each header as Name: value."),
        ({"headers": "Content-Type: text/plain"}, "headers", "The header Content-Type is set by the platform."),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(owner_browser, changes, field, message):
    refused = owner_browser.post(STREAMS, {**webhook_form(PUBLIC_URL), **changes})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {field: [message]}
    assert message in text(refused)
    assert not DataStream.objects.exists() and not AuditEntry.objects.filter(action="stream.created").exists()


def test_another_organisation_finds_none_of_our_streams(world, portal, webhook):
    stream, _secret = webhook()
    stranger = portal(world.other_owner)
    assert stranger.get(stream_url(stream)).status_code == 404
    assert stranger.post(stream_url(stream), {"name": "Mine now"}).status_code == 404
    for action in ("pause", "resume", "test", "rotate_secret", "replay", "delete"):
        assert stranger.post(stream_url(stream, action)).status_code == 404, action
    assert "Receiver" not in text(stranger.get(STREAMS))
    stream.refresh_from_db()
    assert (stream.name, stream.state) == ("Receiver", "active") and not StreamAttempt.objects.exists()


@pytest.mark.parametrize("role", ["user", "read_only"])
def test_roles_without_integrations_are_refused(world, portal, webhook, receiver, role):
    stream, _secret = webhook()
    member = portal(world.member(role))
    assert member.get(STREAMS).status_code == 403
    assert member.get(FORWARDING).status_code == 403
    assert member.get(stream_url(stream)).status_code == 403
    assert member.post(STREAMS, webhook_form(receiver.url)).status_code == 403
    assert member.post(FORWARDING, {"url": receiver.url}).status_code == 403
    for action in ("pause", "test", "rotate_secret", "delete"):
        assert member.post(stream_url(stream, action)).status_code == 403, action
    assert DataStream.objects.count() == 1 and not StreamAttempt.objects.exists()
    dashboard = text(member.get(reverse("portal:dashboard")))
    assert STREAMS not in dashboard and FORWARDING not in dashboard


def test_the_menu_leads_owners_and_admins_to_both_pages(world, portal):
    for membership in (world.owner, world.admin):
        dashboard = text(portal(membership).get(reverse("portal:dashboard")))
        assert STREAMS in dashboard and FORWARDING in dashboard


def test_pause_resume_and_test_records(world, portal, webhook, receiver):
    stream, _secret = webhook()
    browser = portal(world.admin)
    paused = browser.post(stream_url(stream, "pause"), follow=True)
    assert paused.redirect_chain == [(stream_url(stream), 302)]
    assert "paused" in text(paused) and "Resume" in text(paused)
    stream.refresh_from_db()
    assert stream.state == "paused"
    resumed = browser.post(stream_url(stream, "resume"), follow=True)
    assert "Resumed: the queued records are being sent." in messages_of(resumed)
    stream.refresh_from_db()
    assert stream.state == "active"

    tested = browser.post(stream_url(stream, "test"), follow=True)
    assert [m.startswith("Test record delivered: HTTP 200 in") for m in messages_of(tested)] == [True]
    assert len(receiver.requests) == 1 and "webhook-signature" in receiver.requests[0].headers
    receiver.script.append(500)
    failed = browser.post(stream_url(stream, "test"), follow=True)
    assert messages_of(failed) == ["The test record was not accepted: HTTP 500."]
    newest, older = failed.context["log"].items
    assert (newest.is_test, newest.ok, newest.http_status, newest.response_excerpt) == (
        True,
        False,
        500,
        '{"status": 500}',
    )
    assert (older.ok, older.http_status) == (True, 200)
    rows = re.findall(r'<tr data-testid="attempt">(.*?)</tr>', text(failed), re.S)
    assert "HTTP 500" in rows[0] and "failed" in rows[0] and "{&quot;status&quot;: 500}" in rows[0]
    assert "HTTP 200" in rows[1] and "ok" in rows[1]
    stream.refresh_from_db()
    assert stream.state == "active"  # tests never change the stream's state


def test_rotating_shows_the_new_secret_once(owner_browser, webhook):
    stream, first = webhook()
    rotated = owner_browser.post(stream_url(stream, "rotate_secret"))
    assert rotated.status_code == 302 and rotated.url == stream_url(stream)
    page = owner_browser.get(rotated.url)
    second = SECRET.search(text(page)).group()
    assert second != first and second == crypto.decrypt(DataStream.objects.get().signing_secret)
    assert "still signs until" in text(page)
    assert not SECRET.search(text(owner_browser.get(rotated.url)))


def test_replay_queues_a_range_again_and_refuses_bad_ranges_in_place(world, owner_browser, webhook, receiver):
    stream, _secret = webhook()
    services.emit_many([usage(world.customer.pk, "8988000000000000001", n) for n in (1, 2)])
    pump_until_idle()
    assert len(receiver.records()) == 2
    now = timezone.now()
    replayed = owner_browser.post(
        stream_url(stream, "replay"),
        {"start": local(now - timedelta(hours=1)), "end": local(now + timedelta(minutes=2))},
    )
    assert replayed.status_code == 302 and replayed.url == stream_url(stream)
    page = owner_browser.get(replayed.url)
    assert "2 records are sent again, in their order, with the ids they had." in messages_of(page)
    assert page.context["backlog"].count == 2

    too_old = owner_browser.post(
        stream_url(stream, "replay"), {"start": local(now - timedelta(days=8)), "end": local(now)}
    )
    assert too_old.status_code == 400
    assert too_old.context["replay_form"].errors == {"start": ["Replay reaches back at most 7 days."]}
    assert "Replay reaches back at most 7 days." in text(too_old)
    backwards = owner_browser.post(
        stream_url(stream, "replay"), {"start": local(now), "end": local(now - timedelta(hours=1))}
    )
    assert backwards.context["replay_form"].errors == {"end": ["The end must lie after the start."]}
    assert owner_browser.post(stream_url(stream, "replay"), {"start": "yesterday"}).status_code == 400
    iso = {"start": (now - timedelta(minutes=5)).isoformat(), "end": now.isoformat()}  # seconds and offset too
    assert owner_browser.post(stream_url(stream, "replay"), iso).status_code == 302


def test_settings_keep_replace_or_remove_the_headers(owner_browser, receiver, stream_records_registered):
    owner_browser.post(STREAMS, webhook_form(receiver.url, headers="Authorization: Bearer abc"))
    stream = DataStream.objects.get()
    page = owner_browser.get(stream_url(stream))
    assert "Bearer abc" not in text(page) and "Stored: Authorization." in text(page)

    owner_browser.post(stream_url(stream), {"name": "Renamed", "url": receiver.url + "/v2", "headers": ""})
    stream.refresh_from_db()
    assert (stream.name, stream.url, list(stream.headers)) == ("Renamed", receiver.url + "/v2", ["Authorization"])
    owner_browser.post(stream_url(stream), {"name": "Renamed", "url": receiver.url, "headers": "X-Key: k"})
    stream.refresh_from_db()
    assert list(stream.headers) == ["X-Key"]
    owner_browser.post(stream_url(stream), {"name": "Renamed", "url": receiver.url, "clear_headers": "on"})
    stream.refresh_from_db()
    assert stream.headers == {}

    refused = owner_browser.post(stream_url(stream), {"name": "Renamed", "url": "gopher://x/"})
    assert refused.status_code == 400 and refused.context["form"].errors == {
        "url": ["Only https:// and http:// URLs are allowed."]
    }
    stream.refresh_from_db()
    assert stream.url == receiver.url


def test_delete_takes_the_stream_with_its_log(owner_browser, owner, webhook):
    stream, _secret = webhook()
    services.stream_send_test(principal=owner, stream_id=stream.pk)
    deleted = owner_browser.post(stream_url(stream, "delete"), follow=True)
    assert deleted.redirect_chain == [(STREAMS, 302)]
    assert "Data stream Receiver deleted, with its queue and delivery log." in messages_of(deleted)
    assert not DataStream.objects.exists() and not StreamAttempt.objects.exists()
    assert owner_browser.get(stream_url(stream)).status_code == 404


def test_sms_forwarding_set_test_change_and_remove(world, owner_browser, receiver, stream_records_registered, settings):
    empty = owner_browser.get(FORWARDING)
    assert empty.status_code == 200 and "Delivery log" not in text(empty) and "Remove" not in text(empty)

    saved = owner_browser.post(FORWARDING, {"url": receiver.url, "headers": "X-Token: abc"})
    assert saved.status_code == 302 and saved.url == FORWARDING
    forwarder = DataStream.objects.get()
    assert forwarder.kind == "sms_forward" and list(forwarder.headers) == ["X-Token"]
    page = owner_browser.get(FORWARDING)
    assert SECRET.search(text(page)).group() == crypto.decrypt(forwarder.signing_secret)
    assert not SECRET.search(text(owner_browser.get(FORWARDING)))
    assert owner_browser.get(stream_url(forwarder)).url == FORWARDING  # its page is this one
    assert "0 of 10" in text(owner_browser.get(STREAMS))  # and it is not one of the ten

    tested = owner_browser.post(stream_url(forwarder, "test"), follow=True)
    assert tested.redirect_chain == [(FORWARDING, 302)]
    assert receiver.records() == [{"id": "test-sms", "payload": "hello"}]  # one object per request, not a list
    assert tested.context["log"].items[0].is_test and 'data-testid="attempt"' in text(tested)

    changed = owner_browser.post(FORWARDING, {"url": receiver.url + "/v2", "headers": ""})
    assert changed.status_code == 302
    forwarder.refresh_from_db()
    assert forwarder.url.endswith("/v2") and list(forwarder.headers) == ["X-Token"]  # an empty box keeps them
    assert not SECRET.search(text(owner_browser.get(FORWARDING)))  # a change has no new secret

    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "WEBHOOKS_ALLOW_PRIVATE": False}
    refused = owner_browser.post(FORWARDING, {"url": "http://10.0.0.1/sms"})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "url": ["This host is not reachable from here or points into a private network."]
    }
    forwarder.refresh_from_db()
    assert forwarder.url.endswith("/v2")

    removed = owner_browser.post(reverse("streams:sms_forwarding_delete"), follow=True)
    assert "SMS forwarding removed: incoming SMS are no longer forwarded." in messages_of(removed)
    assert not DataStream.objects.exists() and "Delivery log" not in text(removed)
