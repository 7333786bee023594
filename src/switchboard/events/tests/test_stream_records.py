"""The connectivity context's stream records (connectivity/streams.py) in the 1NCE Data Streamer's shapes, from the
outbox events its services emit."""

from __future__ import annotations

import uuid

from django.utils import timezone

from switchboard.events import services
from switchboard.events.contracts import EventEnvelope, StreamKind
from switchboard.events.models import OutboxEvent
from switchboard.events.records import sample_record, source_for
from switchboard.events.tests.conftest import pump_until_idle

LABEL_CHANGED, ATTACH = 11, 2  # connectivity's SimEventType ids (a layer above: known here by their numbers)


def record_of(event_type: str, organisation_id: int, payload: dict) -> dict:
    source = source_for(event_type)
    assert source is not None and source.kind == StreamKind.USAGE
    return source.format(EventEnvelope(uuid.uuid4(), event_type, organisation_id, payload, timezone.now()))


def test_a_sim_event_reaches_an_events_stream_as_a_1nce_event_record(world, owner, fleet, receiver, api):
    services.stream_create(principal=owner, name="Events", kind="events", target="webhook", url=receiver.url)
    sim = fleet.sim
    changed = api(world.owner).call("patch", f"/api/v1/sims/{sim.iccid}", json={"label": "Reefer 9"})
    assert changed.status_code == 200, changed.content
    pump_until_idle()
    [record] = receiver.records()
    emitted = OutboxEvent.objects.get(type="connectivity.sim.label_changed")
    assert record["id"] == emitted.payload["event_id"]  # the SIM event's id: the same event, the same record id
    assert record["event_type"] == {"id": LABEL_CHANGED, "description": "Label changed"}
    assert record["event_source"] == {"id": 2, "description": "API"}
    assert record["event_severity"] == {"id": 0, "description": "INFO"} and record["alert"] is False
    assert record["organisation"] == {"id": world.customer.pk}
    assert record["sim"]["iccid"] == sim.iccid and record["imsi"]["imsi"] == sim.imsi
    assert record["endpoint"]["name"] == sim.iccid
    assert record["timestamp"].endswith("Z")
    assert "Reefer 9" in record["description"]


def test_data_usage_becomes_a_usage_record_in_decimal_megabytes(world):
    record = record_of(
        "connectivity.usage.data",
        world.customer.pk,
        {
            "sim_id": 7,
            "iccid": "8988280666000000007",
            "imsi": "901405100000007",
            "msisdn": "882285100000007",
            "imei": "356938035643809",
            "start": "2026-03-01T10:00:00+00:00",
            "end": "2026-03-01T10:15:00+00:00",
            "volume_rx": 2_500_000,
            "volume_tx": 500_000,
            "operator": "Telekom",
            "country": "DE",
            "mcc": "262",
            "mnc": "01",
            "rat": "4G",
            "apn": "iot.switchboard.net",
            "session_id": "abc",
            "event_id": 991,
        },
    )
    assert record["id"] == 991
    assert (record["start_timestamp"], record["end_timestamp"]) == (
        "2026-03-01T10:00:00.000Z",
        "2026-03-01T10:15:00.000Z",
    )
    assert record["traffic_type"] == {"id": 5, "description": "Data"}
    assert record["volume"] == {"rx": 2.5, "tx": 0.5, "total": 3.0}
    assert record["endpoint"] == {"id": 7, "name": "8988280666000000007", "imei": "356938035643809"}
    assert record["sim"] == {"id": 7, "iccid": "8988280666000000007", "msisdn": "882285100000007"}
    assert record["operator"]["name"] == "Telekom" and record["operator"]["country"]["name"] == "Germany"
    assert (record["rat_type"], record["apn"]) == ({"description": "4G"}, "iot.switchboard.net")


def test_an_sms_becomes_a_usage_record_counted_in_parts(world):
    payload = {"sim_id": 7, "iccid": "8988280666000000007", "imsi": "901405100000007", "msisdn": "882285100000007"}
    sent = {"direction": "MO", "parts": 2, "timestamp": "2026-03-01T10:00:00+00:00", "sms_id": 5, "event_id": "sms-5"}
    record = record_of("sms.usage", world.customer.pk, {**payload, **sent})
    assert (record["id"], record["direction"], record["sms_id"]) == ("sms-5", "MO", 5)
    assert record["traffic_type"] == {"id": 6, "description": "SMS"}
    assert record["volume"] == {"rx": 0, "tx": 2, "total": 2}


def test_test_records_look_like_the_real_ones(world):
    event = sample_record(StreamKind.EVENTS, world.customer.pk)
    assert event["id"].startswith("test-") and event["event_type"]["id"] == ATTACH
    usage = sample_record(StreamKind.USAGE, world.customer.pk)
    assert usage["traffic_type"]["description"] == "Data" and usage["volume"]["total"] == 1.75
