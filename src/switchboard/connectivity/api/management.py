"""The 1NCE-compatible Management API for SIMs: `/management-api/v1/...` and `/management-api/v2/...`.

Thin routes over the connectivity services and selectors; the payloads are built in `presenters`. A route both
versions share is one function registered on both routers. Where the real API, its spec and our product differ,
this is what we chose (reference/1nce-api.md §8, §9):

- Not found: an unknown ICCID, or a SIM of another organisation, is `404` with a small JSON body in the v2 style,
  `{"error_code": 404, "error_token": "NotFound", "message": "SIM not found.", ...}`, in both versions. The real v1
  answered `200` with an empty body; its spec says 404, and clients handle both.
- Bad input is `400` (the v2 BadRequest) naming the field: `pageSize`, `q`, `sort`, `items[2].status`, ...
- `PUT /sims/{iccid}` takes partial bodies (`{}` included) and answers `200` with an empty body; bulk `POST /sims`
  is all or nothing and answers `201` with an empty body, as observed.
- `q` filters by `imei`, `ip_address` (exact), `iccid`, `imsi`, `msisdn` (exact) and `label` (part of it); a comma
  inside a label value is kept when what follows it has no `field:` of its own.
- `simTransfer` names the target by our organisation id or by its customer number (1NCE used its own numeric
  organisation ids); without a target the SIMs go back to the master organisation.
- `POST /sims/limits` changes the limits it names and keeps the others; `null` or `0` removes a limit.
- `POST /sims/extension` keeps each SIM's plan: a `productId` is refused, since changing the product is not offered.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Schema
from pydantic import Field

from switchboard.core.errors import NotFound, ValidationFailed
from switchboard.core.paging import Page, paginate
from switchboard.core.principal import Principal
from switchboard.tenancy import selectors as tenancy

from .. import identifiers, selectors, services
from ..contracts import Service, SimFilters
from ..selectors import UsageDay
from . import presenters

v1 = Router(tags=["1NCE v1"])
v2 = Router(tags=["1NCE v2"])

SIMS_PAGE_MAX = 100
EVENTS_PAGE_MAX = 1000
FILTER_KEYS = ("imei", "ip_address", "iccid", "imsi", "msisdn", "label")
EVENT_SORT_KEYS = ("timestamp", "id")
LIMIT_FIELDS = {"data_limit_id": "dataLimitId", "sms_mo_limit_id": "smsMoLimitId", "sms_mt_limit_id": "smsMtLimitId"}


class SimListQuery(Schema):
    page: int = Field(1, ge=1)
    pageSize: int = Field(10, ge=1, le=SIMS_PAGE_MAX)
    q: str = ""
    sort: str = ""


class EventQuery(Schema):
    page: int = Field(1, ge=1)
    pageSize: int = Field(10, ge=1, le=EVENTS_PAGE_MAX)
    sort: str = Field("-timestamp", description="timestamp (oldest first) or -timestamp (newest first)")


class SimUpdateIn(Schema):
    """`Values_for_a_SIM_update` / `SimsSimUpdateReq`: what is left out stays as it is."""

    iccid: str | None = None
    label: str | None = None
    imei_lock: bool | None = None
    status: str | None = Field(None, description="Enabled or Disabled")


class SimUpdateItem(SimUpdateIn):
    iccid: str


class LimitsIn(Schema):
    dataLimitId: int | None = None
    smsMtLimitId: int | None = None
    smsMoLimitId: int | None = None


class IccidRangeIn(Schema):
    first: str = Field(alias="from")
    last: str = Field(alias="to")


class TransferIn(Schema):
    target_organisation: int | str | None = Field(None, description="Our organisation id or customer number")
    iccids: list[str] = []
    iccid_ranges: list[IccidRangeIn] = []


def empty(status: int) -> HttpResponse:
    """1NCE answers writes with an empty body."""
    return HttpResponse(status=status, content_type="application/json")


def page_of(response: HttpResponse, queryset, *, page: int, size: int) -> Page:
    """One page, its totals in the X-* headers; the query schemas hold each endpoint's own size limit."""
    found = paginate(queryset, page=page, size=size, max_size=EVENTS_PAGE_MAX)
    for name, value in found.headers().items():
        response[name] = value
    return found


def sim_filters(q: str, sort: str) -> SimFilters:
    """`q=imei:4711,ip_address:10.0.0.1` and `sort=ip_address,-imei` as our SIM filters."""
    wanted: dict[str, str] = {}
    last = None
    for part in q.split(","):
        if not part.strip():
            continue
        key, colon, value = part.partition(":")
        if not colon and last is not None:  # "label:Truck, Berlin": the comma belongs to the label
            wanted[last] += "," + part
            continue
        if key.strip() not in FILTER_KEYS:
            raise ValidationFailed(
                _("Filter as field:value with one of the fields %(keys)s.") % {"keys": ", ".join(FILTER_KEYS)},
                field="q",
                code="invalid_filter",
            )
        last = key.strip()
        wanted[last] = value.strip()
    return SimFilters(sort=tuple(k.strip() for k in sort.split(",") if k.strip()), **wanted)


def _change(iccid: str, payload: SimUpdateIn) -> services.SimChange:
    return services.SimChange(iccid, status=payload.status, label=payload.label, imei_lock=payload.imei_lock)


@contextmanager
def fields_named(names: dict[str, str]) -> Iterator[None]:
    """Report a service's refusal under the field name the client sent."""
    try:
        yield
    except ValidationFailed as refused:
        field = names.get(refused.field, refused.field)
        raise ValidationFailed(refused.message, field=field, code=refused.code) from refused


# Literal paths first: `limits`, `simTransfer` and `extension` share the `/sims/{iccid}` space.


@v1.get("/sims/limits")
def limits_get(request):
    return presenters.limits(selectors.limits_get(principal=request.auth))


@v1.post("/sims/limits")
def limits_set(request, payload: LimitsIn):
    chosen_now = selectors.limits_get(principal=request.auth)
    current = {service: choice.id if choice else None for service, choice in chosen_now.items()}
    given = payload.model_fields_set

    def chosen(name: str, service: Service) -> int | None:
        return getattr(payload, name) if name in given else current[service]

    with fields_named(LIMIT_FIELDS):
        services.limits_set(
            principal=request.auth,
            data_step_id=chosen("dataLimitId", Service.DATA),
            sms_mo_step_id=chosen("smsMoLimitId", Service.SMS_MO),
            sms_mt_step_id=chosen("smsMtLimitId", Service.SMS_MT),
        )
    return empty(201)


def _organisation_id(principal: Principal, reference: int | str | None) -> int | None:
    """Our organisation id, from either that id or a customer number of the caller's organisation tree."""
    text = str(reference).strip() if reference is not None else ""
    if not text:
        return None
    family = [tenancy.organisation_ref(organisation_id=principal.organisation_id)]
    family += tenancy.child_refs(organisation_id=principal.organisation_id)
    for ref in family:
        if ref is not None and ref.customer_number == text:
            return ref.id
    if text.isdigit():
        return int(text)
    raise NotFound(_("Organisation not found."), field="target_organisation", code="organisation_not_found")


@v1.post("/sims/simTransfer")
def sim_transfer(request, payload: TransferIn):
    services.sims_transfer(
        principal=request.auth,
        target_organisation_id=_organisation_id(request.auth, payload.target_organisation),
        iccids=payload.iccids,
        ranges=[(r.first, r.last) for r in payload.iccid_ranges],
    )
    return empty(201)


@v1.get("/sims/{service}/limits")
def limit_options(request, service: str):
    """The limits to choose from; their ids go into POST /sims/limits."""
    if service not in {s.value for s in Service}:
        raise NotFound(_("Limits exist for data, smsMO and smsMT."), field="service", code="unknown_service")
    return [presenters.limit_option(choice) for choice in selectors.limit_steps(service=Service(service))]


@v1.get("/sims")
@v2.get("/sims")
def sims_list(request, response: HttpResponse, query: Query[SimListQuery]):
    sims = selectors.sims_list(principal=request.auth, filters=sim_filters(query.q, query.sort))
    found = page_of(response, sims, page=query.page, size=query.pageSize)
    return [presenters.sim_card(sim) for sim in found.items]


@v1.post("/sims")
def sims_update(request, items: Body[list[SimUpdateItem]]):
    services.sims_update(principal=request.auth, changes=[_change(item.iccid, item) for item in items])
    return empty(201)


@v1.get("/sims/{iccid}")
@v2.get("/sims/{iccid}")
def sim_get(request, iccid: str):
    return presenters.sim_card(selectors.sim_get(principal=request.auth, iccid=iccid))


@v1.put("/sims/{iccid}")
@v2.put("/sims/{iccid}")
def sim_update(request, iccid: str, payload: Body[SimUpdateIn | None] = None):
    payload = payload or SimUpdateIn()
    if payload.iccid and identifiers.iccid_lookup(payload.iccid) != identifiers.iccid_lookup(iccid):
        raise ValidationFailed(_("The ICCID in the body is not the one in the path."), field="iccid")
    services.sim_update(principal=request.auth, change=_change(iccid, payload))
    return empty(200)


@v1.post("/sims/{iccid}/reset")
@v2.post("/sims/{iccid}/reset")
def sim_reset(request, iccid: str):
    services.sim_reset(principal=request.auth, iccid=iccid)
    return empty(201)


@v1.get("/sims/{iccid}/status")
def status_v1(request, iccid: str):
    return presenters.connectivity_v1(selectors.sim_get(principal=request.auth, iccid=iccid))


@v2.get("/sims/{iccid}/status")
def status_v2(request, iccid: str):
    sim = selectors.sim_get(principal=request.auth, iccid=iccid)
    limit = selectors.limits_get(principal=request.auth)[Service.DATA]
    reached = limit is not None and selectors.month_usage(sim, Service.DATA) >= limit.amount
    return presenters.connectivity_v2(sim, limit_reached=reached)


@v1.get("/sims/{iccid}/connectivity_info")
def connectivity_info(request, iccid: str, subscriber: bool = True, ussd: bool = False):
    requested_at = timezone.now()
    sim = selectors.sim_get(principal=request.auth, iccid=iccid)
    return presenters.connectivity_info(sim, subscriber=subscriber, ussd=ussd, requested_at=requested_at)


def _events(principal: Principal, iccid: str, response: HttpResponse, query: EventQuery):
    keys = [k.strip() for k in query.sort.split(",") if k.strip()]
    if not keys or any(k.lstrip("-") not in EVENT_SORT_KEYS for k in keys):
        raise ValidationFailed(_("Sort events by timestamp or -timestamp."), field="sort", code="invalid_sort")
    sim = selectors.sim_get(principal=principal, iccid=iccid)
    events = selectors.sim_events(principal=principal, iccid=iccid, oldest_first=not keys[0].startswith("-"))
    return sim, page_of(response, events, page=query.page, size=query.pageSize)


@v1.get("/sims/{iccid}/events")
def events_v1(request, iccid: str, response: HttpResponse, query: Query[EventQuery]):
    sim, found = _events(request.auth, iccid, response, query)
    return presenters.event_collection(found.items, sim, total=found.total, pages=found.pages)


@v2.get("/sims/{iccid}/events")
def events_v2(request, iccid: str, response: HttpResponse, query: Query[EventQuery]):
    sim, found = _events(request.auth, iccid, response, query)
    organisations = tenancy.organisation_refs(organisation_ids=list({e.organisation_id for e in found.items}))
    return [presenters.event_v2(e, sim, organisations.get(e.organisation_id)) for e in found.items]


def _usage_days(principal: Principal, iccid: str, start_dt: str, end_dt: str) -> list[UsageDay]:
    try:
        start = date.fromisoformat(start_dt) if start_dt else None
        end = date.fromisoformat(end_dt) if end_dt else None
    except ValueError:  # the real API answers nonsense dates with the TOTAL row alone
        selectors.sim_get(principal=principal, iccid=iccid)
        return []
    return selectors.sim_usage(principal=principal, iccid=iccid, start=start, end=end, every_day=True)


@v1.get("/sims/{iccid}/usage")
def usage(request, iccid: str, start_dt: str = "", end_dt: str = ""):
    """Daily usage (YYYY-MM-DD bounds, at most six months back), newest first, then the TOTAL row."""
    return presenters.daily_usage(_usage_days(request.auth, iccid, start_dt, end_dt))


@v1.get("/sims/{iccid}/quota/data")
def data_quota_v1(request, iccid: str):
    return presenters.quota_v1(selectors.sim_get(principal=request.auth, iccid=iccid), "data")


@v1.get("/sims/{iccid}/quota/sms")
def sms_quota_v1(request, iccid: str):
    return presenters.quota_v1(selectors.sim_get(principal=request.auth, iccid=iccid), "sms")


@v2.get("/sims/{iccid}/quota/data")
def data_quota_v2(request, iccid: str):
    return presenters.quota_v2(selectors.sim_get(principal=request.auth, iccid=iccid), "data")


@v2.get("/sims/{iccid}/quota/sms")
def sms_quota_v2(request, iccid: str):
    return presenters.quota_v2(selectors.sim_get(principal=request.auth, iccid=iccid), "sms")
