"""Native API of orders: cart, orders, documents, contracts, top-ups, auto top-up and the operator's back office.

Thin handlers over the orders services and selectors. Creating calls (placing the cart, top-ups, extensions) take
an `Idempotency-Key` header: the same key returns the order placed the first time, with the same 201.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from ninja import Header, Query, Router, Status

from switchboard.core.api import paged
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import AddressData

from .. import documents, selectors, services
from . import presenters
from .schemas import (
    AutoTopUpIn,
    AutoTopUpOut,
    BackOfficeOrderOut,
    BackOfficeQuery,
    CancelIn,
    CartLineIn,
    CartLineOut,
    CartLinePatch,
    CartOrderIn,
    CartOut,
    ContractOut,
    ContractQuery,
    CorrectionIn,
    DocumentOut,
    ExtensionIn,
    OrderDetailOut,
    OrderOut,
    OrderQuery,
    TopupIn,
)

router = Router(tags=["orders"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IdempotencyKey = Header[str, {"alias": "Idempotency-Key", "description": "A retry with this key gets the same order"}]


def created(request, response: HttpResponse, order) -> Status:
    """201 with the order and where it lives."""
    response["Location"] = request.build_absolute_uri(reverse("api-v1:orders_order", kwargs={"number": order.number}))
    return Status(201, presenters.order_detail(order))


def _attachment(content: bytes, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


# The cart


@router.get("/cart", response=CartOut, tags=["cart"])
def cart_get(request):
    """Each line priced for you, with what is still missing (an option's parent, stock, quantities)."""
    return presenters.cart_view(request.auth)


def _line_view(principal, line_id: int) -> dict:
    line = selectors.cart_line_get(principal=principal, line_id=line_id)  # someone else's: 404
    return next(row for row in presenters.cart_view(principal)["lines"] if row["id"] == line.pk)


@router.post("/cart/lines", response={201: CartLineOut}, tags=["cart"])
def cart_line_add(request, payload: CartLineIn):
    """An option names its parent: a line of the cart or an active contract; it takes only a quantity."""
    line = services.cart_add(principal=request.auth, **payload.dict())
    return Status(201, _line_view(request.auth, line.pk))


@router.patch("/cart/lines/{line_id}", response=CartLineOut, tags=["cart"])
def cart_line_update(request, line_id: int, payload: CartLinePatch):
    """Change the quantity, or give an option its parent (a cart line or an active contract)."""
    with transaction.atomic():
        if payload.quantity is not None:
            services.cart_update(principal=request.auth, line_id=line_id, quantity=payload.quantity)
        if payload.parent_line_id is not None or payload.parent_contract_id is not None:
            services.cart_attach(
                principal=request.auth,
                line_id=line_id,
                parent_line_id=payload.parent_line_id,
                parent_contract_id=payload.parent_contract_id,
            )
    return _line_view(request.auth, line_id)


@router.delete("/cart/lines/{line_id}", response={204: None}, tags=["cart"])
def cart_line_remove(request, line_id: int):
    """The line goes, and the options that hang on it."""
    services.cart_remove(principal=request.auth, line_id=line_id)
    return Status(204, None)


@router.post("/cart/order", response={201: OrderDetailOut}, tags=["cart"])
def cart_order(request, response: HttpResponse, payload: CartOrderIn, idempotency_key: IdempotencyKey = ""):
    """Place the cart ("Beauftragen"): goods go to a saved shipping address (`address_id`) or a new one (`address`,
    saved for next time); the cart is emptied."""
    address = payload.address
    order = services.cart_order(
        principal=request.auth,
        address_id=payload.address_id,
        new_address=AddressData(**address.dict()) if address else None,
        customer_reference=payload.customer_reference,
        idempotency_key=idempotency_key,
        payment_method=payload.payment_method,
    )
    return created(request, response, order)


# Orders and their documents


@router.get("/orders", response=list[OrderOut])
def orders_list(request, response: HttpResponse, query: Query[OrderQuery]):
    """Newest first."""
    orders = selectors.orders_list(principal=request.auth, status=query.status or "")
    return [presenters.order_summary(order) for order in paged(response, orders, query)]


@router.get("/orders/{number}", response=OrderDetailOut, url_name="orders_order")
def order_get(request, number: str):
    order = selectors.order_get(principal=request.auth, order_number=number)
    return presenters.order_detail(order)


@router.get(
    "/orders/{number}/sims.xlsx",
    url_name="orders_affected_sims",
    openapi_extra={"responses": {200: {"description": "ICCID, label, IMSI, MSISDN", "content": {XLSX: {}}}}},
)
def order_sims_xlsx(request, number: str):
    """The SIMs the order delivered, topped up or extended ("Betroffene SIMs")."""
    order = selectors.order_get(principal=request.auth, order_number=number)
    return _attachment(documents.affected_sims_xlsx(order), XLSX, f"order-{order.number}-sims.xlsx")


@router.get(
    "/documents/{number}.pdf",
    url_name="orders_document_pdf",
    openapi_extra={"responses": {200: {"description": "The stored PDF", "content": {"application/pdf": {}}}}},
)
def document_pdf(request, number: str):
    """An invoice or a correction, exactly as it was issued."""
    document = selectors.document_get(principal=request.auth, number=number)
    return _attachment(bytes(document.pdf), "application/pdf", f"{document.number}.pdf")


@router.post("/orders/{number}/reorder", response={201: CartOut})
def order_reorder(request, number: str):
    """The goods and contracts of an earlier order into the cart again (top-ups are ordered for SIMs instead)."""
    services.order_reorder(principal=request.auth, order_number=number)
    return Status(201, presenters.cart_view(request.auth))


# Contracts


@router.get("/contracts", response=list[ContractOut], tags=["contracts"])
def contracts_list(request, response: HttpResponse, query: Query[ContractQuery]):
    return paged(response, selectors.contracts_list(principal=request.auth, active_only=query.active_only), query)


@router.post("/contracts/{contract_id}/reorder", response={201: CartOut}, tags=["contracts"])
def contract_reorder(request, contract_id: int):
    """The contract's product again, with the same term and price, into the cart."""
    services.contract_reorder(principal=request.auth, contract_id=contract_id)
    return Status(201, presenters.cart_view(request.auth))


# Top-ups, extensions, auto top-up


@router.post("/sims/topup", response={201: OrderDetailOut}, tags=["top-ups"])
def sims_topup(request, response: HttpResponse, payload: TopupIn, idempotency_key: IdempotencyKey = ""):
    """One top-up per SIM, fulfilled at once: a SIM cut off for an empty quota may open a data session again.
    Expired SIMs take only an extension (422)."""
    order = services.topup_order(
        principal=request.auth,
        iccids=payload.iccids,
        product_id=payload.product_id,
        payment_method=payload.payment_method,
        idempotency_key=idempotency_key,
    )
    return created(request, response, order)


@router.post("/sims/extension", response={201: OrderDetailOut}, tags=["top-ups"])
def sims_extension(request, response: HttpResponse, payload: ExtensionIn, idempotency_key: IdempotencyKey = ""):
    """A new lifetime with renewed volumes for each SIM, expired ones included; invoiced as an order."""
    order = services.extension_order(
        principal=request.auth,
        iccids=payload.iccids,
        product_id=payload.product_id,
        idempotency_key=idempotency_key,
    )
    return created(request, response, order)


def _auto_top_up(principal) -> dict:
    state = selectors.auto_top_up_of(principal=principal)
    return {"all": state["all"], "iccids": state["iccids"]}


@router.get("/auto-topup", response=AutoTopUpOut, tags=["top-ups"])
def auto_top_up_get(request):
    return _auto_top_up(request.auth)


@router.put("/auto-topup", response=AutoTopUpOut, tags=["top-ups"])
def auto_top_up_set(request, payload: AutoTopUpIn):
    """When data or SMS falls under 20 %, one top-up is ordered and fulfilled; without `iccids` for every SIM."""
    services.auto_top_up_set(principal=request.auth, enabled=payload.enabled, iccids=payload.iccids)
    return _auto_top_up(request.auth)


# The operator's back office


@router.get("/back-office/orders", response=list[BackOfficeOrderOut], tags=["back office"])
def back_office_orders(request, response: HttpResponse, query: Query[BackOfficeQuery]):
    """Every customer's orders, newest first: those in preparation unless `status` says otherwise."""
    status = "" if query.status == "ALL" else query.status
    orders = paged(response, selectors.back_office_orders(principal=request.auth, status=status), query)
    customers = tenancy.organisation_refs(organisation_ids=sorted({order.organisation_id for order in orders}))
    out = []
    for order in orders:
        customer = customers.get(order.organisation_id)
        out.append(
            {
                **presenters.order_summary(order),
                "organisation_id": order.organisation_id,
                "organisation_name": customer.company_name if customer else "",
                "customer_number": customer.customer_number if customer else "",
                "reseller_id": order.reseller_id,
            }
        )
    return out


@router.post("/back-office/orders/{number}/complete", response=OrderDetailOut, tags=["back office"])
def back_office_complete(request, number: str):
    """Shipped: SIMs leave the stock for the customer, contracts start, the invoice is issued."""
    return presenters.order_detail(services.order_complete(principal=request.auth, order_number=number))


@router.post("/back-office/orders/{number}/cancel", response=OrderDetailOut, tags=["back office"])
def back_office_cancel(request, number: str, payload: CancelIn):
    return presenters.order_detail(
        services.order_cancel(principal=request.auth, order_number=number, reason=payload.reason)
    )


@router.post("/back-office/orders/{number}/corrections", response={201: DocumentOut}, tags=["back office"])
def back_office_correction(request, response: HttpResponse, number: str, payload: CorrectionIn):
    """An additional document on a completed order; the original invoice stays as it was sent."""
    document = services.correction_issue(
        principal=request.auth, order_number=number, net=payload.net, reason=payload.reason
    )
    response["Location"] = request.build_absolute_uri(presenters.document_url(document.number))
    return Status(201, presenters.document_out(document))
