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

from switchboard.catalog.contracts import ProductRef
from switchboard.core.principal import Principal

from .. import selectors
from ..contracts import DocumentKind, OrderType
from ..rules import money

# The native API


def _problem(problem) -> dict[str, str]:
    return {"field": f"lines[{problem.index}].{problem.field}", "message": problem.message}


def _cart_line(row: selectors.CartRow) -> dict[str, Any]:
    line, product = row.line, row.product
    return {
        "id": line.pk,
        "product_id": line.product_id,
        "product_name": product.name if product else _("Product %(id)s") % {"id": line.product_id},
        "product_type": product.type.value if product else "",
        "quantity": line.quantity,
        "term_months": line.term_months,
        "min_term_months": product.min_term_months if product else 0,
        "parent_line_id": line.parent_line_id,
        "parent_contract_id": line.parent_contract_id,
        "one_time_net": row.one_time,
        "recurring_net": row.monthly,
        "vat_rate": product.price.vat_rate if product else Decimal(0),
        "currency": product.price.currency if product else "",
        "line_net": money(row.net),
        "problems": [_problem(problem) for problem in row.problems],
    }


def cart_view(principal: Principal) -> dict[str, Any]:
    """The caller's cart with prices, totals and every problem, under the field names an order would refuse."""
    view = selectors.cart_view(principal=principal)
    return {
        "lines": [_cart_line(row) for row in view.rows],
        "problems": [_problem(problem) for problem in view.problems],
        "can_order": view.can_order,
        "currency": view.currency,
        "one_time_net": view.one_time_net,
        "monthly_net": view.monthly_net,
        "total_net": view.net,
        "total_vat": view.vat,
        "total_gross": view.gross,
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
