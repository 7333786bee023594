"""Native SMS API: the log and the send of one SIM, cancel, and one message to many SIMs.

Unlike 1NCE, a send answers with the whole message (not only a `Location`) and takes an `Idempotency-Key`, so a
client that timed out can simply send again.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status

from switchboard.core.api import Paging, paged
from switchboard.core.errors import ValidationFailed

from .. import selectors, services
from ..contracts import SmsStatus, SmsType
from ..models import Sms
from .schemas import BulkOut, BulkSmsIn, SmscIn, SmscOut, SmsIn, SmsOut, SmsQuery

router = Router(tags=["sms"])
IdempotencyKey = Header[str, {"alias": "Idempotency-Key", "description": "A retry with this key gets the same SMS"}]


def sms_out(sms: Sms) -> dict:
    return {
        **{field: getattr(sms, field) for field in SmsOut.model_fields if hasattr(sms, field)},
        "iccid": sms.sim.iccid,
        "type": SmsType(sms.type).name,
        "status": SmsStatus(sms.status).name,
    }


def _types(value: str) -> tuple[SmsType, ...]:
    if not value:
        return ()
    try:
        return (SmsType[value.upper()],)
    except KeyError:
        raise ValidationFailed(_("The type is MT or MO."), field="type") from None


@router.get("/sims/{iccid}/sms", response=list[SmsOut])
def sms_list(request, response: HttpResponse, iccid: str, query: Query[SmsQuery]):
    """The SIM's SMS, newest first: MT sent to it and MO it sent."""
    messages = selectors.sms_list(principal=request.auth, iccid=iccid, types=_types(query.type))
    return [sms_out(sms) for sms in paged(response, messages, Paging(page=query.page, size=query.size))]


@router.post("/sims/{iccid}/sms", response={201: SmsOut})
def sms_send(request, response: HttpResponse, iccid: str, payload: SmsIn, idempotency_key: IdempotencyKey = ""):
    """Send an MT SMS. Refused with 409 and 1NCE's message when the SIM's SMS volume or the monthly limit is used
    up, or the SIM is disabled; nothing is sent then."""
    sms = services.sms_send(
        principal=request.auth, iccid=iccid, request=payload.to_request(), idempotency_key=idempotency_key
    )
    response["Location"] = request.build_absolute_uri(
        reverse("api-v1:sms_get", kwargs={"iccid": sms.sim.iccid, "sms_id": sms.pk})
    )
    return Status(201, sms_out(sms))


@router.get("/sims/{iccid}/sms/{sms_id}", response=SmsOut, url_name="sms_get")
def sms_get(request, iccid: str, sms_id: int):
    return sms_out(selectors.sms_get(principal=request.auth, iccid=iccid, sms_id=sms_id))


@router.delete("/sims/{iccid}/sms/{sms_id}", response=SmsOut)
def sms_cancel(request, iccid: str, sms_id: int):
    """Cancel a pending MT SMS; one the SMSC has not taken yet is given back to the SIM's SMS volume."""
    return sms_out(services.sms_cancel(principal=request.auth, iccid=iccid, sms_id=sms_id))


@router.post("/sms/bulk", response=BulkOut)
def sms_send_bulk(request, payload: BulkSmsIn, idempotency_key: IdempotencyKey = ""):
    """The same SMS to up to 1,000 SIMs. Each SIM gets its own result: the message, or why it was refused."""
    outcomes = services.sms_send_bulk(
        principal=request.auth, iccids=payload.iccids, request=payload.to_request(), idempotency_key=idempotency_key
    )
    results = [
        {
            "iccid": o.iccid,
            "sms": sms_out(o.sms) if o.sms else None,
            "error": {"code": o.error.code, "field": o.error.field, "message": o.error.message} if o.error else None,
        }
        for o in outcomes
    ]
    accepted = sum(1 for o in outcomes if o.sms)
    return {"accepted": accepted, "refused": len(outcomes) - accepted, "results": results}


def smsc_out(connection, token: str = "") -> dict:
    if connection is None:
        return {
            "kind": "simulated",
            "default_source": "Switchboard",
            "host": "",
            "port": None,
            "system_id": "",
            "sendsms_url": "",
            "username": "",
            "password_set": False,
        }
    fields = ("kind", "default_source", "host", "port", "system_id", "sendsms_url", "username")
    return {
        **{name: getattr(connection, name) for name in fields},
        "password_set": bool(connection.password_encrypted),
        "callback_token": token,
    }


@router.get("/smsc", response=SmscOut, tags=["network"])
def smsc_get(request):
    """The operator's SMSC (the operator's staff only)."""
    return smsc_out(selectors.smsc_connection(principal=request.auth))


@router.put("/smsc", response=SmscOut, tags=["network"])
def smsc_put(request, payload: SmscIn):
    """Choose the SMSC; for Kannel the first save answers the callback token its get-url and DLR URLs carry."""
    connection, token = services.smsc_configure(principal=request.auth, wanted=services.SmscSettings(**payload.dict()))
    return smsc_out(connection, token)
