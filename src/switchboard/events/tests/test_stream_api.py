"""The native API of data streams (/api/v1/streams, /api/v1/sms-forwarding): the secret shown once, the actions,
refusals as JSON naming the field, roles and tenant isolation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from switchboard.events import services
from switchboard.events.models import DataStream
from switchboard.events.tests.conftest import pump_until_idle, usage

BASE = "/api/v1"


def call(caller, method: str, path: str, body=None, **params):
    if method == "get":
        return caller.client.get(BASE + path, params, headers=caller.headers)
    return getattr(caller.client, method)(
        BASE + path,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=caller.headers,
    )


def refused(response, status: int, field: str | None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.fixture
def new_stream(receiver, stream_records_registered):
    return {"name": "Usage to our backend", "kind": "usage", "target": "webhook", "url": receiver.url}


def test_create_shows_the_secret_once_and_reads_never(world, api, new_stream):
    owner = api(world.client)
    created = call(owner, "post", "/streams", {**new_stream, "headers": {"Authorization": "Bearer x"}})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert (body["state"], body["kind"], body["header_names"], body["backlog"]) == (
        "active",
        "usage",
        ["Authorization"],
        0,
    )
    read = call(owner, "get", f"/streams/{body['id']}")
    assert read.status_code == 200 and "secret" not in read.json()
    assert body["secret"] not in read.content.decode()
    listed = call(owner, "get", "/streams")
    assert [s["id"] for s in listed.json()] == [body["id"]] and listed["X-Total-Count"] == "1"


def test_actions_of_a_stream(world, api, new_stream, receiver):
    owner = api(world.admin)
    stream_id = call(owner, "post", "/streams", new_stream).json()["id"]
    paused = call(owner, "post", f"/streams/{stream_id}/pause")
    assert paused.json()["state"] == "paused"
    services.emit_many([usage(world.customer.pk, "A", 1)])
    assert call(owner, "get", f"/streams/{stream_id}").json()["backlog"] == 1
    assert call(owner, "post", f"/streams/{stream_id}/resume").json()["state"] == "active"
    pump_until_idle()

    rotated = call(owner, "post", f"/streams/{stream_id}/rotate-secret").json()
    assert rotated["secret"].startswith("whsec_") and rotated["previous_secret_until"]
    tested = call(owner, "post", f"/streams/{stream_id}/test")
    assert tested.status_code == 200 and tested.json()["is_test"] and tested.json()["ok"]
    now = timezone.now()
    replayed = call(
        owner,
        "post",
        f"/streams/{stream_id}/replay",
        {"start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()},
    )
    assert replayed.status_code == 202 and replayed.json() == {"queued": 1}
    log = call(owner, "get", f"/streams/{stream_id}/deliveries", size=1)
    assert log["X-Total-Count"] == "2" and log.json()[0]["is_test"]  # newest first

    renamed = call(owner, "patch", f"/streams/{stream_id}", {"name": "Renamed"})
    assert renamed.json()["name"] == "Renamed" and renamed.json()["url"] == receiver.url
    assert call(owner, "delete", f"/streams/{stream_id}").status_code == 204
    assert not DataStream.objects.exists()


def test_bad_input_is_refused_naming_the_field(world, api, new_stream):
    owner = api(world.owner)
    refused(call(owner, "post", "/streams", {**new_stream, "url": "ftp://example.com/"}), 422, "url")
    refused(call(owner, "post", "/streams", {**new_stream, "kind": "everything"}), 422, "kind")
    refused(call(owner, "post", "/streams", {**new_stream, "target": "pigeon"}), 422, "target")
    refused(call(owner, "post", "/streams", {**new_stream, "headers": {"Content-Type": "text/plain"}}), 422, "headers")
    mqtt = {"name": "Broker", "kind": "events", "target": "mqtt", "mqtt_host": "127.0.0.1"}
    refused(call(owner, "post", "/streams", {**mqtt, "topic_template": "a/{secret}"}), 422, "topic_template")
    refused(call(owner, "post", "/streams", {**mqtt, "mqtt_port": 70000}), 422, "mqtt_port")
    stream_id = call(owner, "post", "/streams", new_stream).json()["id"]
    refused(call(owner, "post", f"/streams/{stream_id}/replay", {"start": "yesterday"}), 422, "start")
    old = (timezone.now() - timedelta(days=8)).isoformat()
    now = timezone.now().isoformat()
    refused(call(owner, "post", f"/streams/{stream_id}/replay", {"start": old, "end": now}), 422, "start")
    assert DataStream.objects.count() == 1


def test_private_addresses_are_refused_unless_the_operator_allows_them(world, api, settings, stream_records_registered):
    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "WEBHOOKS_ALLOW_PRIVATE": False}
    owner = api(world.owner)
    body = {"name": "Metadata", "kind": "usage", "target": "webhook", "url": "http://169.254.169.254/latest/"}
    assert refused(call(owner, "post", "/streams", body), 422, "url")["code"] == "private_address"


def test_another_organisation_finds_none_of_our_streams(world, api, new_stream):
    stream_id = call(api(world.owner), "post", "/streams", new_stream).json()["id"]
    stranger = api(world.other_owner)
    for method, path in [
        ("get", f"/streams/{stream_id}"),
        ("patch", f"/streams/{stream_id}"),
        ("delete", f"/streams/{stream_id}"),
        ("post", f"/streams/{stream_id}/pause"),
        ("post", f"/streams/{stream_id}/test"),
        ("get", f"/streams/{stream_id}/deliveries"),
    ]:
        refused(call(stranger, method, path, {} if method == "patch" else None), 404, "stream_id")
    assert call(stranger, "get", "/streams").json() == []
    assert DataStream.objects.get().state == "active"


@pytest.mark.parametrize("role", ["read_only", "user"])
def test_roles_without_integrations_are_refused(world, api, new_stream, role):
    member = api(world.member(role))
    refused(call(member, "get", "/streams"), 403, None)
    refused(call(member, "post", "/streams", new_stream), 403, None)
    refused(call(member, "put", "/sms-forwarding", {"url": new_stream["url"]}), 403, None)
    assert not DataStream.objects.exists()


def test_sms_forwarding(world, api, receiver, stream_records_registered):
    owner = api(world.owner)
    assert call(owner, "get", "/sms-forwarding").json() is None
    created = call(owner, "put", "/sms-forwarding", {"url": receiver.url, "headers": {"X-Key": "k"}})
    assert created.status_code == 200 and created.json()["secret"].startswith("whsec_")
    assert created.json()["kind"] == "sms_forward"
    changed = call(owner, "put", "/sms-forwarding", {"url": receiver.url + "/v2"})
    assert changed.json()["secret"] is None and changed.json()["url"].endswith("/v2")
    assert call(owner, "get", "/sms-forwarding").json()["id"] == created.json()["id"]
    assert call(owner, "delete", "/sms-forwarding").status_code == 204
    assert call(owner, "get", "/sms-forwarding").json() is None
