"""SMS as the 1NCE API shows them: SMS-Data in v1, SimsSms in v2."""

from __future__ import annotations

from typing import Any

from switchboard.core.formats import v1_timestamp, v2_timestamp

from ..contracts import SmsStatus, SmsType
from ..models import Sms


def _status(sms: Sms) -> SmsStatus:
    return SmsStatus(sms.status)


def sms_v1(sms: Sms) -> dict[str, Any]:
    """All values as 1NCE's v1 writes them: dates with `+0000`, the retry count as a string."""
    return {
        "id": sms.pk,
        "submit_date": v1_timestamp(sms.submit_date),
        "delivery_date": v1_timestamp(sms.delivery_date),
        "expiry_date": v1_timestamp(sms.expiry_date),
        "final_date": v1_timestamp(sms.final_date),
        "retry_date": v1_timestamp(sms.retry_date),
        "last_delivery_attempt": v1_timestamp(sms.last_delivery_attempt),
        "retry_count": str(sms.retry_count),
        "source_address": sms.source_address,
        "iccid": sms.sim.iccid,
        "msisdn": sms.msisdn,
        "imsi": sms.imsi,
        "msc": None,
        "dcs": sms.dcs,
        "udh": sms.udh,
        "payload": sms.payload,
        "status": {"id": int(_status(sms)), "description": _status(sms).description},
        "sms_type": {"id": sms.type, "description": SmsType(sms.type).name},
        "source_address_type": {"id": sms.source_address_type},
    }


def sms_v2(sms: Sms) -> dict[str, Any]:
    return {
        "id": sms.pk,
        "submit_date": v2_timestamp(sms.submit_date),
        "delivery_date": v2_timestamp(sms.delivery_date),
        "expiry_date": v2_timestamp(sms.expiry_date),
        "final_date": v2_timestamp(sms.final_date),
        "retry_date": v2_timestamp(sms.retry_date),
        "last_delivery_attempt": v2_timestamp(sms.last_delivery_attempt),
        "retry_count": sms.retry_count,
        "gsm_map_error": sms.error or None,
        "dcs": sms.dcs,
        "pid": sms.pid,
        "source_address": sms.source_address,
        "endpoint": {"id": sms.sim_id, "name": sms.sim.iccid},
        "sim_id": sms.sim_id,
        "iccid": sms.sim.iccid,
        "msisdn": sms.msisdn,
        "imsi": sms.imsi,
        "msc": None,
        "udh": sms.udh,
        "payload": sms.payload,
        "status": {"id": int(_status(sms)), "description": _status(sms).description},
        "sms_type": {"id": sms.type, "description": SmsType(sms.type).name},
        "source_address_type": {"id": sms.source_address_type},
    }
