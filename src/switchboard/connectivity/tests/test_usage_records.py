"""Usage records of data sessions for the data streams, after 1NCE's Data Streamer: at most one per 15 minutes of an
open session that used 100 kB or more since its last one, and one when the session closes. Plain interim updates
take the PostgreSQL fast path there and the general path on SQLite; usage-only reports take the general path on
both, so every rule is proven on both paths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from switchboard.connectivity import services
from switchboard.connectivity.contracts import ReportKind, SessionInfo, SessionReport
from switchboard.connectivity.events import DATA_USAGE
from switchboard.connectivity.services import network
from switchboard.connectivity.streams import data_usage_record
from switchboard.events.contracts import EventEnvelope
from switchboard.events.models import OutboxEvent

from .factories import SimFactory

NETWORK = SessionInfo(
    session_id="pdp-1",
    apn="iot.1nce.net",
    imei="490154203237518",
    operator="Telekom Deutschland",
    mcc="262",
    mnc="01",
    country="DE",
    rat="4G",
    ip_address="10.64.0.7",
)
T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)
only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL-only fast path (the PostgreSQL stage of .ci/run runs it)"
)


@pytest.fixture
def sim(world):
    sim = SimFactory(organisation_id=world.customer.pk)
    services.record_session_start(sim_id=sim.pk, info=NETWORK, at=T0)
    return sim


@pytest.fixture(params=["network info", "usage only"])
def interim(request):
    """An interim update at T0 + `minutes`: with the network's attributes (the fast path on PostgreSQL) or usage
    only (the general path everywhere)."""
    info = NETWORK if request.param == "network info" else None

    def send(sim, minutes: int, rx: int, tx: int = 0) -> None:
        at = T0 + timedelta(minutes=minutes)
        network.record_session_reports([SessionReport(sim.pk, ReportKind.INTERIM, at, rx, tx, info=info)])

    return send


def stop(sim, minutes: int, rx: int = 0, tx: int = 0) -> None:
    at = T0 + timedelta(minutes=minutes)
    network.record_session_reports([SessionReport(sim.pk, ReportKind.STOP, at, rx, tx, cause="User request")])


def records() -> list[dict]:
    return [e.payload for e in OutboxEvent.objects.filter(type=DATA_USAGE).order_by("occurred_at", "id")]


def window(record: dict) -> tuple:
    return (record["start"], record["end"], record["volume_rx"], record["volume_tx"])


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def test_under_100_kb_or_within_15_minutes_nothing_is_recorded(sim, interim):
    interim(sim, 5, 60_000, 39_999)  # 99,999 bytes
    interim(sim, 40, 0)  # long enough, still too little
    assert records() == []
    other = SimFactory(organisation_id=sim.organisation_id)
    services.record_session_start(sim_id=other.pk, info=NETWORK, at=T0)
    interim(other, 14, 5_000_000)  # enough bytes, too soon
    assert records() == []


def test_the_record_comes_once_100_kb_and_15_minutes_are_reached(sim, interim):
    interim(sim, 10, 40_000, 20_000)
    interim(sim, 16, 30_000, 10_000)  # 100,000 bytes, 16 minutes in
    [record] = records()
    assert window(record) == (at(0), at(16), 70_000, 30_000)
    interim(sim, 20, 200_000)  # the next one is due 15 minutes after this one at the earliest
    assert len(records()) == 1
    interim(sim, 31, 1_000)
    assert [window(r) for r in records()][1] == (at(16), at(31), 201_000, 0)


def test_a_stop_records_what_is_left(sim, interim):
    interim(sim, 16, 100_000)
    interim(sim, 20, 3_000, 2_000)
    stop(sim, 25, 1_000, 500)
    assert [window(r) for r in records()] == [(at(0), at(16), 100_000, 0), (at(16), at(25), 4_000, 2_500)]


def test_a_stop_closes_with_zero_bytes_only_a_session_that_had_records(sim, world, interim):
    interim(sim, 16, 100_000)
    stop(sim, 30)
    assert window(records()[-1]) == (at(16), at(30), 0, 0)
    idle = SimFactory(organisation_id=world.customer.pk)
    services.record_session_start(sim_id=idle.pk, info=NETWORK, at=T0)
    stop(idle, 30)
    assert [r["sim_id"] for r in records()] == [sim.pk, sim.pk]  # a session that used nothing reports nothing


def test_a_new_start_closes_the_lost_session_and_counts_from_zero(sim, interim):
    interim(sim, 5, 80_000)
    services.record_session_start(sim_id=sim.pk, info=NETWORK, at=T0 + timedelta(minutes=60))  # its stop was lost
    assert [window(r) for r in records()] == [(at(0), at(60), 80_000, 0)]
    interim(sim, 80, 60_000)  # 20 minutes into the new session; 60 kB of it, not 140 kB
    assert len(records()) == 1
    interim(sim, 81, 40_000)
    assert window(records()[-1]) == (at(60), at(81), 100_000, 0)


def test_a_detach_without_a_stop_closes_the_record(sim):
    services.record_usage(sim_id=sim.pk, rx=5_000, tx=1_000, at=T0 + timedelta(minutes=3))
    services.record_detach(sim_id=sim.pk, at=T0 + timedelta(minutes=9))
    assert [window(r) for r in records()] == [(at(0), at(9), 5_000, 1_000)]


def test_the_record_carries_the_sim_and_the_session_and_reads_as_a_stream_record(sim, interim):
    interim(sim, 16, 600_000, 400_000)
    stop(sim, 20)
    first, last = OutboxEvent.objects.filter(type=DATA_USAGE).order_by("occurred_at", "id")
    assert first.organisation_id == sim.organisation_id
    assert first.payload["event_id"] != last.payload["event_id"]
    assert {k: v for k, v in first.payload.items() if k not in ("event_id", "start", "end")} == {
        "sim_id": sim.pk,
        "iccid": sim.iccid,
        "imsi": sim.imsi,
        "msisdn": sim.msisdn,
        "imei": NETWORK.imei,
        "ip_address": NETWORK.ip_address,
        "volume_rx": 600_000,
        "volume_tx": 400_000,
        "operator": "Telekom Deutschland",
        "country": "DE",
        "mcc": "262",
        "mnc": "01",
        "rat": "4G",
        "apn": "iot.1nce.net",
        "session_id": "pdp-1",
    }
    stream = data_usage_record(
        EventEnvelope(first.id, first.type, first.organisation_id, first.payload, first.occurred_at)
    )
    assert stream["volume"] == {"rx": 0.6, "tx": 0.4, "total": 1.0}
    assert stream["session_id"] == "pdp-1"


@only_postgresql
def test_the_fast_path_decides_and_resets_in_its_own_update(sim, world, monkeypatch):
    """Plain interim updates never reach the general path, yet their records come out, in one batch with the
    records of the general path."""
    general = network._count_batch
    slow_reports = []

    def spy(reports, records):
        slow_reports.extend(reports)
        return general(reports, records)

    monkeypatch.setattr(network, "_count_batch", spy)
    other = SimFactory(organisation_id=world.customer.pk)
    services.record_session_start(sim_id=other.pk, info=NETWORK, at=T0)
    slow_reports.clear()
    end = T0 + timedelta(minutes=20)
    network.record_session_reports(
        [
            SessionReport(sim.pk, ReportKind.INTERIM, end, 150_000, 50_000, info=NETWORK),
            SessionReport(other.pk, ReportKind.STOP, end, 7_000, 0),
        ]
    )
    assert [r.sim_id for r in slow_reports] == [other.pk]
    assert sorted((r["sim_id"], window(r)) for r in records()) == [
        (sim.pk, (at(0), at(20), 150_000, 50_000)),
        (other.pk, (at(0), at(20), 7_000, 0)),
    ]
    network.record_session_reports([SessionReport(sim.pk, ReportKind.INTERIM, end, 99_000, 0, info=NETWORK)])
    assert len(records()) == 2  # the counters started again from zero
    stop(sim, 21)
    assert window(records()[-1]) == (at(20), at(21), 99_000, 0)
