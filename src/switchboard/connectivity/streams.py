"""The connectivity context's records for data streams, in the shapes of the 1NCE Data Streamer (reference §10.1):
SIM events as event records (the v2 `Event` of the Management API, which is what the streamer sends) and data
sessions and SMS as usage records (the emnify/Tartabit usage record). Built from the outbox payloads alone, so the
pump formats thousands of records without a query; what a payload lacks is left out."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from switchboard.core.formats import v2_timestamp
from switchboard.events.contracts import EventEnvelope, StreamKind
from switchboard.events.records import stream_records, stream_sample

from .api.presenters import _compact, _country_v2, event_v2
from .contracts import ALERT_EVENTS, MB, SimEventType, SmsDirection
from .events import DATA_USAGE, SIM_EVENT_PREFIX

SMS_USAGE = "sms.usage"
# emnify's traffic types, which 1NCE's usage records carry
DATA_TRAFFIC = {"id": 5, "description": "Data"}
SMS_TRAFFIC = {"id": 6, "description": "SMS"}
SAMPLE_SIM = {"sim_id": 0, "iccid": "8988280666000000000", "imsi": "901405100000000", "msisdn": "882285100000000"}


def _timestamp(value: Any) -> str | None:
    return v2_timestamp(datetime.fromisoformat(value)) if value else None


def _sim(payload: dict[str, Any]) -> SimpleNamespace:
    """What the presenters read of a SIM; a plain namespace, as a model instance per record would cost the pump more
    than the rest of the record."""
    return SimpleNamespace(
        pk=payload.get("sim_id"),
        iccid=payload.get("iccid") or "",
        imsi=payload.get("imsi") or "",
        msisdn=payload.get("msisdn") or None,
        imei=payload.get("imei") or "",
        ip_address=payload.get("ip_address") or None,
    )


@stream_records(SIM_EVENT_PREFIX + "*", kind=StreamKind.EVENTS)
def sim_event_record(event: EventEnvelope) -> dict[str, Any]:
    payload = event.payload
    kind = SimEventType(payload["type"])
    sim = _sim(payload)
    sim_event = SimpleNamespace(
        pk=payload["event_id"],
        organisation_id=event.organisation_id,
        type=kind,
        timestamp=datetime.fromisoformat(payload["timestamp"]),
        alert=payload.get("alert", kind in ALERT_EVENTS),
        description=payload.get("description") or kind.description,
        detail=payload.get("detail") or {},
    )
    return {**event_v2(sim_event, sim, None), "organisation": {"id": event.organisation_id}}


def _usage_record(
    event: EventEnvelope, *, traffic: dict[str, Any], start: Any, end: Any, rx: float, tx: float, **extra: Any
) -> dict[str, Any]:
    payload = event.payload
    sim = _sim(payload)
    return _compact(
        id=payload["event_id"],
        start_timestamp=_timestamp(start),
        end_timestamp=_timestamp(end),
        traffic_type=traffic,
        volume={"rx": rx, "tx": tx, "total": round(rx + tx, 6)},
        organisation={"id": event.organisation_id},
        endpoint=_compact(id=sim.pk, name=sim.iccid, imei=sim.imei, ip_address=sim.ip_address),
        sim=_compact(id=sim.pk, iccid=sim.iccid, msisdn=sim.msisdn),
        imsi=_compact(id=sim.pk, imsi=sim.imsi),
        **extra,
    )


def _megabytes(octets: Any) -> float:
    return round(int(octets or 0) / MB, 6)


@stream_records(DATA_USAGE, kind=StreamKind.USAGE)
def data_usage_record(event: EventEnvelope) -> dict[str, Any]:
    """A data session's use since its last record (interim) or in all (stop); volumes in decimal MB."""
    payload = event.payload
    mcc, mnc = payload.get("mcc") or "", payload.get("mnc") or ""
    operator = _compact(
        name=payload.get("operator"), mcc=mcc, mnc=mnc, country=_country_v2(payload.get("country") or "", mcc)
    )
    return _usage_record(
        event,
        traffic=DATA_TRAFFIC,
        start=payload.get("start"),
        end=payload.get("end"),
        rx=_megabytes(payload.get("volume_rx")),
        tx=_megabytes(payload.get("volume_tx")),
        operator=operator,
        rat_type=_compact(description=payload.get("rat")),
        apn=payload.get("apn"),
        session_id=payload.get("session_id"),
    )


@stream_records(SMS_USAGE, kind=StreamKind.USAGE)
def sms_usage_record(event: EventEnvelope) -> dict[str, Any]:
    """One SMS, counted in parts: sent by the device (MO, tx) or to it (MT, rx)."""
    payload = event.payload
    parts = int(payload.get("parts") or 1)
    sent = payload.get("direction") == SmsDirection.MO
    return _usage_record(
        event,
        traffic=SMS_TRAFFIC,
        start=payload.get("timestamp"),
        end=payload.get("timestamp"),
        rx=0 if sent else parts,
        tx=parts if sent else 0,
        direction=payload.get("direction"),
        sms_id=payload.get("sms_id"),
    )


def _sample(event_type: str, organisation_id: int, payload: dict[str, Any]) -> EventEnvelope:
    test_id = f"test-{uuid.uuid4().hex}"
    return EventEnvelope(
        uuid.uuid4(), event_type, organisation_id, {**SAMPLE_SIM, "event_id": test_id, **payload}, timezone.now()
    )


@stream_sample(StreamKind.EVENTS)
def sample_event_record(organisation_id: int) -> dict[str, Any]:
    now = timezone.now().isoformat()
    detail = {"operator": "Test Network", "country": "DE", "mcc": "262", "mnc": "01"}
    payload = {"type": int(SimEventType.ATTACH), "timestamp": now, "detail": detail}
    return sim_event_record(_sample(SIM_EVENT_PREFIX + SimEventType.ATTACH.code, organisation_id, payload))


@stream_sample(StreamKind.USAGE)
def sample_usage_record(organisation_id: int) -> dict[str, Any]:
    now = timezone.now().isoformat()
    payload = {"start": now, "end": now, "volume_rx": 1_500_000, "volume_tx": 250_000, "operator": "Test Network"}
    return data_usage_record(
        _sample(DATA_USAGE, organisation_id, {**payload, "country": "DE", "mcc": "262", "mnc": "01"})
    )
