"""1NCE-compatible Management API of orders, products and top-ups (mounted under /management-api/v1).

Thin routes over the orders services; the payloads are built in `presenters`. Where 1NCE's specs leave room, this
is what we chose:

- `GET /orders` sorts by `order_number` (default, ascending), `order_status` and `order_date`, `-` for descending;
  `pageSize` above 10 is 400 naming `pageSize`. Paging headers as on `/sims`.
- `POST /orders` answers 201 with the Order and its `Location`. The 1NCE delivery address becomes our address (the
  name from first and last name, the house number after the street) and is saved as a shipping address for next
  time; without one, goods go to the single saved shipping address. Our extensions per product:
  `parent_contract_id` (an option for an active contract) and `parent_index` (an option for another product of
  the same request). An `Idempotency-Key` header makes retries return the first order.
- Top-ups answer 201 with an empty body and the new order's `Location`; an unknown payment method is a bank
  transfer, as 1NCE documents. A top-up or auto top-up of an expired SIM is 422: only an extension is permitted.
- `POST /sims/autoTopup` without `iccids` switches auto top-up for every SIM of the organisation.
- Auto top-up orders show as `TOPUP`; lifetime extensions as `EXTENSION` (1NCE's enum has no such type).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Body, Header, Query, Router, Schema, Status
from pydantic import Field

from switchboard.catalog import selectors as catalog
from switchboard.core.errors import DomainError, NotFound, ValidationFailed
from switchboard.core.paging import paginate
from switchboard.tenancy.contracts import AddressData

from .. import selectors, services
from . import presenters

v1 = Router(tags=["1NCE v1 orders"])

ORDERS_PAGE_MAX = 10
MAX_ICCIDS = 1000
SORT_KEYS = {"order_number": "number", "order_status": "status", "order_date": "created_at"}
IdempotencyKey = Header[str, {"alias": "Idempotency-Key"}]
# Our address fields as the 1NCE delivery address names them, for refusals.
ADDRESS_FIELDS = {
    "delivery_address.name": "delivery_address.last_name",
    "delivery_address.extra": "delivery_address.address_line2",
    "delivery_address.postal_code": "delivery_address.zip",
}


class SimExpired(DomainError):
    """1NCE's 422: "The following SIMs are expired and cannot be modified via API. Only extensions are permitted"."""

    status = 422
    code = "sim_expired"


class OrderListQuery(Schema):
    page: int = Field(1, ge=1)
    pageSize: int = Field(10, ge=1, le=ORDERS_PAGE_MAX)
    sort: str = "order_number"


class DeliveryAddressIn(Schema):
    salutation: str = ""
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    street: str = ""
    address_line2: str = ""
    house_number: str = ""
    zip: str = ""
    city: str = ""
    country: str = ""
    phone: str = ""


class OrderedProductIn(Schema):
    productId: int
    quantity: int = Field(ge=1, le=100_000)
    parent_contract_id: int | None = Field(None, description="Ours: the active contract an option is for")
    parent_index: int | None = Field(None, ge=0, description="Ours: the product of this request an option is for")


class AdditionalOrderIn(Schema):
    products: list[OrderedProductIn] = Field(min_length=1, max_length=100)
    delivery_address: DeliveryAddressIn | None = None
    customer_reference: str = ""


class AutoTopupIn(Schema):
    enabled: bool
    iccids: list[str] | None = Field(None, max_length=1000)


def _sim_href(request):
    root = reverse("management-api:orders_1nce_list").removesuffix("orders")

    def href(iccid: str) -> str:
        return request.build_absolute_uri(f"{root}sims/{iccid}")

    return href


def _order_location(request, order) -> str:
    return request.build_absolute_uri(reverse("management-api:orders_1nce_get", kwargs={"order_number": order.number}))


@contextmanager
def expired_is_422() -> Iterator[None]:
    try:
        yield
    except ValidationFailed as refused:
        if refused.code != "sim_expired":
            raise
        raise SimExpired(refused.message, field=refused.field) from refused


def _ordering(sort: str) -> list[str]:
    keys = [key.strip() for key in sort.split(",") if key.strip()] or ["order_number"]
    ordering = []
    for key in keys:
        name = SORT_KEYS.get(key.lstrip("-"))
        if name is None:
            raise ValidationFailed(
                _("Sort by %(keys)s, with - for descending.") % {"keys": ", ".join(SORT_KEYS)},
                field="sort",
                code="invalid_sort",
            )
        ordering.append(("-" if key.startswith("-") else "") + name)
    return [*ordering, "number"]  # ties broken by the order number


@v1.get("/orders", url_name="orders_1nce_list")
def orders_list(request, response: HttpResponse, query: Query[OrderListQuery]):
    orders = selectors.orders_list(principal=request.auth).prefetch_related("sims").order_by(*_ordering(query.sort))
    page = paginate(orders, page=query.page, size=query.pageSize, max_size=ORDERS_PAGE_MAX)
    for name, value in page.headers().items():
        response[name] = value
    href = _sim_href(request)
    return [presenters.order_1nce(order, href) for order in page.items]


@v1.get("/orders/{order_number}", url_name="orders_1nce_get")
def order_get(request, order_number: str):
    order = selectors.order_get(principal=request.auth, order_number=order_number)
    return presenters.order_1nce(order, _sim_href(request))


def _address(data: DeliveryAddressIn) -> AddressData:
    name = " ".join(part for part in (data.first_name.strip(), data.last_name.strip()) if part)
    return AddressData(
        name=name or data.company.strip(),
        company=data.company,
        street=" ".join(part for part in (data.street.strip(), data.house_number.strip()) if part),
        extra=data.address_line2,
        postal_code=data.zip,
        city=data.city,
        country=data.country.strip().upper(),
    )


@v1.post("/orders", response={201: dict[str, Any]})
def order_create(request, response: HttpResponse, payload: AdditionalOrderIn, idempotency_key: IdempotencyKey = ""):
    wanted = [services.Wanted(p.productId, p.quantity, p.parent_index, p.parent_contract_id) for p in payload.products]
    try:
        order = services.order_create(
            principal=request.auth,
            products=wanted,
            delivery_address=_address(payload.delivery_address) if payload.delivery_address else None,
            customer_reference=payload.customer_reference,
            idempotency_key=idempotency_key,
        )
    except ValidationFailed as refused:
        if refused.field not in ADDRESS_FIELDS:
            raise
        raise ValidationFailed(refused.message, field=ADDRESS_FIELDS[refused.field], code=refused.code) from None
    order = selectors.order_get(principal=request.auth, order_number=order.number)
    response["Location"] = _order_location(request, order)
    return Status(201, presenters.order_1nce(order, _sim_href(request)))


@v1.get("/products")
def products_list(request):
    products = catalog.products_for(organisation_id=request.auth.organisation_id)
    return [presenters.product_1nce(product) for product in products]


# Top-ups: literal paths first, though `/sims/{iccid}` of the SIM router is mounted before this one.


def _topped_up(request, order) -> HttpResponse:
    response = HttpResponse(status=201, content_type="application/json")
    response["Location"] = _order_location(request, order)
    return response


@v1.post("/sims/topup")
def sims_topup(request, iccids: Body[list[str]], payment_method: str = "", idempotency_key: IdempotencyKey = ""):
    if not iccids:
        raise ValidationFailed(_("Send at least one ICCID."), field="iccids", code="required")
    if len(iccids) > MAX_ICCIDS:
        raise ValidationFailed(_("At most %(n)s ICCIDs per call.") % {"n": MAX_ICCIDS}, field="iccids", code="too_many")
    with expired_is_422():
        order = services.topup_order(
            principal=request.auth, iccids=iccids, payment_method=payment_method, idempotency_key=idempotency_key
        )
    return _topped_up(request, order)


@v1.post("/sims/autoTopup")
def sims_auto_topup(request, payload: AutoTopupIn):
    if payload.iccids is not None and not payload.iccids:
        raise ValidationFailed(
            _("Send the ICCIDs, or leave iccids out for every SIM."), field="iccids", code="required"
        )
    with expired_is_422():
        services.auto_top_up_set(principal=request.auth, enabled=payload.enabled, iccids=payload.iccids)
    return HttpResponse(status=201, content_type="application/json")


@v1.post("/sims/{iccid}/topup")
def sim_topup(request, iccid: str, payment_method: str = "", idempotency_key: IdempotencyKey = ""):
    try:
        with expired_is_422():
            order = services.topup_order(
                principal=request.auth, iccids=[iccid], payment_method=payment_method, idempotency_key=idempotency_key
            )
    except NotFound as missing:
        if missing.field != "iccids":
            raise
        raise NotFound(missing.message, field="iccid", code=missing.code) from missing
    return _topped_up(request, order)


class ExtensionIn(Schema):
    iccids: list[str] = Field(max_length=1000)
    productId: int | None = Field(None, description="A lifetime extension product; the first on sale if left out")


@v1.post("/sims/extension")
def sims_extension(request, payload: ExtensionIn, payment_method: str = "", idempotency_key: IdempotencyKey = ""):
    """1NCE's SIM extension: a new lifetime with renewed volumes, as an order with its invoice."""
    if not payload.iccids:
        raise ValidationFailed(_("Send at least one ICCID."), field="iccids", code="required")
    try:
        order = services.extension_order(
            principal=request.auth,
            iccids=payload.iccids,
            product_id=payload.productId,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
        )
    except DomainError as refused:
        if refused.field != "product_id":
            raise
        raise type(refused)(refused.message, field="productId", code=refused.code) from None
    return _topped_up(request, order)
