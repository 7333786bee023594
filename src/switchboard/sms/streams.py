"""The SMS forwarder: each MO SMS becomes one POST in the shape of 1NCE's forwarder (reference §10.2)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from switchboard.core.formats import plain_datetime
from switchboard.events.contracts import EventEnvelope, StreamKind
from switchboard.events.records import stream_records, stream_sample

from .models import Sms
from .services import MO_RECEIVED


def _forwarder_id(organisation_id: int | None) -> str:
    return f"sms-forwarder-{organisation_id}"


def forwarded_mo(sms: Sms) -> dict[str, Any]:
    """Every value a string, `endpoint.name` the ICCID, `submit_date` without a zone, as 1NCE posts them."""
    return {
        "dcs": str(sms.dcs),
        "dest_address": sms.destination_address,
        "endpoint": {"id": str(sms.sim_id), "name": sms.sim.iccid},
        "id": str(sms.pk),
        "multi_part_info": {
            "identifier": str(sms.concat_reference if sms.concat_reference is not None else sms.pk),
            "partno": sms.part_number,
            "total": sms.parts,
        },
        "organisation": {"id": str(sms.organisation_id)},
        "payload": sms.payload,
        "pid": str(sms.pid),
        "smsforwarderId": _forwarder_id(sms.organisation_id),
        "source_address": sms.source_address,
        "submit_date": plain_datetime(sms.submit_date),
    }


@stream_records(MO_RECEIVED, kind=StreamKind.SMS_FORWARD)
def mo_record(event: EventEnvelope) -> dict[str, Any]:
    sms = Sms.objects.select_related("sim").filter(pk=event.payload["sms_id"]).first()
    if sms is None:  # the SIM (and its log) was deleted since: what the event knew is all there is
        return {"id": str(event.payload["sms_id"]), "endpoint": {"name": event.payload.get("iccid", "")}}
    return forwarded_mo(sms)


@stream_sample(StreamKind.SMS_FORWARD)
def sample(organisation_id: int) -> dict[str, Any]:
    return {
        "dcs": "0",
        "dest_address": "882285000000000",
        "endpoint": {"id": "0", "name": "8988280000000000000"},
        "id": "test",
        "multi_part_info": {"identifier": "test", "partno": 1, "total": 1},
        "organisation": {"id": str(organisation_id)},
        "payload": "Test SMS from Switchboard",
        "pid": "0",
        "smsforwarderId": _forwarder_id(organisation_id),
        "source_address": "882285100000000",
        "submit_date": plain_datetime(timezone.now()),
    }
