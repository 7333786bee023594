"""The payloads of the orders APIs: the native cart and order views, and the 1NCE Order and Product shapes.

The cart view runs the same `check` as placing the order, so a client sees before it orders what would be refused,
under the same field names (`lines[1].parent`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import ProductRef
from switchboard.core.errors import NotFound
from switchboard.core.principal import Principal

from .. import selectors
from ..contracts import DocumentKind, OrderType
from ..services import Item, check
from ..services import cart as cart_services
from ..services._common import money

# The native API


def _line_net(item: Item) -> tuple[Decimal, Decimal, Decimal]:
    """Unit prices and the line's share of the order (one-time charges and the first month), as `place` prices it."""
    price = item.product.price
    one_time = price.one_time_net if item.one_time_net is None else item.one_time_net
    recurring = price.recurring_net if item.recurring_net is None else item.recurring_net
    return one_time, recurring, (one_time + recurring) * item.quantity


def cart_view(principal: Principal) -> dict[str, Any]:
    """The caller's cart with prices, totals and every problem; a withdrawn product shows as a problem of its line
    instead of hiding the rest of the cart."""
    cart = cart_services.cart_of(principal)
    lines = list(cart.lines.order_by("pk")) if cart else []
    products: dict[int, ProductRef] = {}
    withdrawn: set[int] = set()
    for line in lines:
        if line.product_id not in products and line.product_id not in withdrawn:
            try:
                products[line.product_id] = catalog.product_for(
                    organisation_id=principal.organisation_id, product_id=line.product_id
                )
            except NotFound:
                withdrawn.add(line.product_id)
    orderable = [(position, line) for position, line in enumerate(lines) if line.product_id in products]
    index = {line.pk: i for i, (_position, line) in enumerate(orderable)}
    items = [
        Item(
            product=products[line.product_id],
            quantity=line.quantity,
            term_months=line.term_months,
            parent=index.get(line.parent_line_id),
            parent_contract_id=line.parent_contract_id,
            one_time_net=line.one_time_net,
            recurring_net=line.recurring_net,
        )
        for _position, line in orderable
    ]
    per_line: dict[int, list[dict]] = {position: [] for position in range(len(lines))}
    for position, line in enumerate(lines):
        if line.product_id in withdrawn:
            message = _("Product %(id)s is no longer offered; remove it from the cart.") % {"id": line.product_id}
            per_line[position].append({"field": f"lines[{position}].product_id", "message": message})
    for problem in check(principal, items) if items else []:
        position = orderable[problem.index][0]
        per_line[position].append({"field": f"lines[{position}].{problem.field}", "message": problem.message})

    out_lines = []
    one_time_total = monthly_total = total_net = total_vat = Decimal(0)
    by_position = dict(orderable)
    item_of = {position: items[i] for i, (position, _line) in enumerate(orderable)}
    for position, line in enumerate(lines):
        item = item_of.get(position)
        if item is None:
            out_lines.append(_withdrawn_line(line, per_line[position]))
            continue
        one_time, recurring, net = _line_net(item)
        one_time_total += one_time * item.quantity
        monthly_total += recurring * item.quantity
        total_net += net
        total_vat += net * item.product.price.vat_rate / 100
        out_lines.append(
            {
                "id": by_position[position].pk,
                "product_id": item.product.id,
                "product_name": item.product.name,
                "product_type": item.product.type.value,
                "quantity": line.quantity,
                "term_months": line.term_months,
                "min_term_months": item.product.min_term_months,
                "parent_line_id": line.parent_line_id,
                "parent_contract_id": line.parent_contract_id,
                "one_time_net": one_time,
                "recurring_net": recurring,
                "vat_rate": item.product.price.vat_rate,
                "currency": item.product.price.currency,
                "line_net": money(net),
                "problems": per_line[position],
            }
        )
    problems = [problem for position in range(len(lines)) for problem in per_line[position]]
    net, vat = money(total_net), money(total_vat)
    return {
        "lines": out_lines,
        "problems": problems,
        "can_order": bool(lines) and not problems,
        "currency": items[0].product.price.currency if items else "EUR",
        "one_time_net": money(one_time_total),
        "monthly_net": money(monthly_total),
        "total_net": net,
        "total_vat": vat,
        "total_gross": net + vat,
    }


def _withdrawn_line(line, problems: list[dict]) -> dict[str, Any]:
    return {
        "id": line.pk,
        "product_id": line.product_id,
        "product_name": _("Product %(id)s") % {"id": line.product_id},
        "product_type": "",
        "quantity": line.quantity,
        "term_months": line.term_months,
        "min_term_months": 0,
        "parent_line_id": line.parent_line_id,
        "parent_contract_id": line.parent_contract_id,
        "one_time_net": Decimal(0),
        "recurring_net": Decimal(0),
        "vat_rate": Decimal(0),
        "currency": "",
        "line_net": Decimal(0),
        "problems": problems,
    }


def document_url(number: str) -> str:
    return reverse("api-v1:orders_document_pdf", kwargs={"number": number})


def _invoice_number(order) -> str | None:
    return next((d.number for d in order.documents.all() if d.kind == DocumentKind.INVOICE), None)


def order_summary(order) -> dict[str, Any]:
    return {
        "number": order.number,
        "order_type": order.order_type,
        "status": order.status,
        "placed_at": order.created_at,
        "placed_by": order.placed_by,
        "customer_reference": order.customer_reference,
        "payment_method": order.payment_method,
        "currency": order.currency,
        "total_net": order.total_net,
        "total_vat": order.total_vat,
        "total_gross": order.total_gross,
        "completed_at": order.completed_at,
        "cancelled_at": order.cancelled_at,
        "cancel_reason": order.cancel_reason,
        "invoice_number": _invoice_number(order),
    }


def document_out(document) -> dict[str, Any]:
    return {
        "number": document.number,
        "kind": document.kind,
        "issued_at": document.issued_at,
        "currency": document.currency,
        "net": document.net,
        "vat": document.vat,
        "gross": document.gross,
        "reason": document.reason,
        "download_url": document_url(document.number),
    }


def order_detail(order) -> dict[str, Any]:
    lines = list(order.lines.all())
    positions = {line.pk: line.position for line in lines}
    return {
        **order_summary(order),
        "shipping_address": order.shipping_address,
        "billing_address": order.billing_address,
        "lines": [
            {
                "position": line.position,
                "product_id": line.product_id,
                "product_name": line.product_name,
                "product_type": line.product_type,
                "quantity": line.quantity,
                "one_time_net": line.one_time_net,
                "recurring_net": line.recurring_net,
                "vat_rate": line.vat_rate,
                "term_months": line.term_months,
                "parent_position": positions.get(line.parent_line_id),
                "parent_contract_id": line.parent_contract_id,
                "serial_numbers": line.serial_numbers,
            }
            for line in lines
        ],
        "documents": [document_out(document) for document in order.documents.all()],
        "sims": [
            {"iccid": sim.iccid, "label": sim.label, "imsi": sim.imsi, "msisdn": sim.msisdn}
            for sim in selectors.order_sims(order=order)
        ],
        "affected_sims_url": reverse("api-v1:orders_affected_sims", kwargs={"number": order.number}),
    }


# The 1NCE-compatible Management API

# 1NCE knows no separate auto top-up order type: its auto top-up places a top-up.
SPEC_ORDER_TYPES = {OrderType.AUTO_TOPUP: OrderType.TOPUP}
CHARGE_NAMES = {"one_time": "provisionCharge", "recurring": "monthlyCharge"}


def v1_timestamp(value: datetime) -> str:
    """1NCE's v1 timestamps: 2018-03-09T07:59:09.000+0000."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def delivery_address(address: dict) -> dict[str, str]:
    """Our address copy as 1NCE's DeliveryAddress; we keep one name and the street with its number, so the name's
    last word is the last name and `street` carries the house number. Empty values are left out."""
    first, _space, last = (address.get("name") or "").strip().rpartition(" ")
    fields = {
        "first_name": first,
        "last_name": last,
        "company": address.get("company", ""),
        "street": address.get("street", ""),
        "address_line2": address.get("extra", ""),
        "zip": address.get("postal_code", ""),
        "city": address.get("city", ""),
        "country": address.get("country", ""),
    }
    return {key: value for key, value in fields.items() if value}


def order_1nce(order, sim_href: Callable[[str], str]) -> dict[str, Any]:
    """1NCE's Order; an order without an invoice yet has no `invoice_number` key."""
    body: dict[str, Any] = {
        "order_number": order.number,
        "order_type": SPEC_ORDER_TYPES.get(OrderType(order.order_type), order.order_type),
        "order_date": v1_timestamp(order.created_at),
        "order_status": order.status,
        "invoice_amount": f"{order.total_gross:.2f}",
        "currency": order.currency,
    }
    invoice = _invoice_number(order)
    if invoice:
        body["invoice_number"] = invoice
    if order.shipping_address:
        body["shipping_address"] = delivery_address(order.shipping_address)
    body["sims"] = [
        {"iccid": sim.iccid, "_links": [{"rel": "self", "href": sim_href(sim.iccid)}]}
        for sim in selectors.order_sims(order=order)
    ]
    body["products"] = [{"product_id": line.product_id, "quantity": line.quantity} for line in order.lines.all()]
    return body


def _charges(amount: Decimal, name: str, currency: str) -> list[dict[str, Any]]:
    return [{"name": name, "amount_net": float(amount), "currency": currency}] if amount else []


def product_1nce(product: ProductRef) -> dict[str, Any]:
    """1NCE's Product; a limit we do not set is left out."""
    price = product.price
    body: dict[str, Any] = {
        "id": product.id,
        "product": product.name,
        "material": product.type.label,
        "package_size": product.package_size,
        "minQuantity": product.min_quantity,
    }
    if product.max_quantity is not None:
        body["maxQuantity"] = product.max_quantity
    if product.max_quantity_per_customer is not None:
        body["maxQuantityPerCustomer"] = product.max_quantity_per_customer
    body["min_contract_duration"] = product.min_term_months
    body["one_time_charges"] = _charges(price.one_time_net, CHARGE_NAMES["one_time"], price.currency)
    body["recurring_charges"] = _charges(price.recurring_net, CHARGE_NAMES["recurring"], price.currency)
    return body
