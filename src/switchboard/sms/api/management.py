"""The SMS routes of the 1NCE-compatible Management API (v1 and v2).

As observed at 1NCE: v1's send answers 201 with an empty body and the new message in `Location`; v2 answers 201 with
`{"id": "…"}`. Both also take an `Idempotency-Key` (1NCE has none, which is the complaint users have). A send that
the SIM's SMS volume or the monthly limit refuses is 409 with 1NCE's message ("Traffic limit of 10 SMS per month
exceeded"); nothing is sent then.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Field, Header, Query, Router, Schema

from switchboard.core.paging import paginate

from .. import selectors, services
from . import presenters
from .schemas import SmsIn

v1 = Router(tags=["1NCE v1 SMS"])
v2 = Router(tags=["1NCE v2 SMS"])
IdempotencyKey = Header[str, {"alias": "Idempotency-Key"}]


class V1Page(Schema):
    page: int = Field(1, ge=1)
    pageSize: int = Field(10, ge=1, le=100)


class V2Page(Schema):
    page: int = Field(1, ge=1)
    per_page: int = Field(20, ge=1, le=1000)


def _listed(request, response: HttpResponse, iccid: str, *, page: int, size: int, present) -> list[dict]:
    found = paginate(selectors.sms_list(principal=request.auth, iccid=iccid), page=page, size=size, max_size=1000)
    for name, value in found.headers().items():
        response[name] = value
    return [present(sms) for sms in found.items]


def _send(request, iccid: str, payload: SmsIn, idempotency_key: str):
    return services.sms_send(
        principal=request.auth, iccid=iccid, request=payload.to_request(), idempotency_key=idempotency_key
    )


@v1.get("/sims/{iccid}/sms", response=list[dict])
def sms_list_v1(request, response: HttpResponse, iccid: str, query: Query[V1Page]):
    return _listed(request, response, iccid, page=query.page, size=query.pageSize, present=presenters.sms_v1)


@v2.get("/sims/{iccid}/sms", response=list[dict])
def sms_list_v2(request, response: HttpResponse, iccid: str, query: Query[V2Page]):
    return _listed(request, response, iccid, page=query.page, size=query.per_page, present=presenters.sms_v2)


@v1.post("/sims/{iccid}/sms")
def sms_send_v1(request, iccid: str, payload: SmsIn, idempotency_key: IdempotencyKey = ""):
    sms = _send(request, iccid, payload, idempotency_key)
    response = HttpResponse(status=201, content_type="application/json")
    response["Location"] = request.build_absolute_uri(
        reverse("management-api:sms_get_v1", kwargs={"iccid": sms.sim.iccid, "sms_id": sms.pk})
    )
    return response


@v2.post("/sims/{iccid}/sms")
def sms_send_v2(request, iccid: str, payload: SmsIn, idempotency_key: IdempotencyKey = ""):
    sms = _send(request, iccid, payload, idempotency_key)
    return JsonResponse({"id": str(sms.pk)}, status=201)


@v1.get("/sims/{iccid}/sms/{sms_id}", response=dict, url_name="sms_get_v1")
def sms_get_v1(request, iccid: str, sms_id: int):
    return presenters.sms_v1(selectors.sms_get(principal=request.auth, iccid=iccid, sms_id=sms_id))


@v2.get("/sims/{iccid}/sms/{sms_id}", response=dict)
def sms_get_v2(request, iccid: str, sms_id: int):
    return presenters.sms_v2(selectors.sms_get(principal=request.auth, iccid=iccid, sms_id=sms_id))


@v1.delete("/sims/{iccid}/sms/{sms_id}")
def sms_cancel_v1(request, iccid: str, sms_id: int):
    services.sms_cancel(principal=request.auth, iccid=iccid, sms_id=sms_id)
    return HttpResponse(status=200, content_type="application/json")


@v2.delete("/sims/{iccid}/sms/{sms_id}")
def sms_cancel_v2(request, iccid: str, sms_id: int):
    sms = services.sms_cancel(principal=request.auth, iccid=iccid, sms_id=sms_id)
    return JsonResponse({"id": str(sms.pk)})
