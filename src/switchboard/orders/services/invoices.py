"""Invoices and corrections: numbered from one gap-free sequence, rendered once and stored, never changed.

A correction is an additional document on the order (a credit or a further charge) with its own number; the
original invoice stays as it was sent.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from switchboard.core import validation as v
from switchboard.core.errors import Conflict, ValidationFailed
from switchboard.core.principal import Principal
from switchboard.events.services import audit_record
from switchboard.tenancy import selectors as tenancy

from .. import documents
from ..contracts import DocumentKind, OrderStatus
from ..models import Document, Order
from ..rules import money
from ._common import next_number, operator_order


def _issue(order: Order, kind: DocumentKind, net: Decimal, vat: Decimal, reason: str = "") -> Document:
    document = Document(
        order=order,
        kind=kind,
        number=f"INV-{next_number('invoice')}",
        issued_at=timezone.now(),
        currency=order.currency,
        net=net,
        vat=vat,
        gross=net + vat,
        reason=reason,
    )
    with translation.override(_customer_language(order)):  # not the language of whoever issued it
        document.pdf = documents.invoice_pdf(document)
    document.save()
    return document


def _customer_language(order: Order) -> str:
    """The language of the person who ordered, else of the organisation's owner."""
    person = tenancy.user_get(user_id=order.placed_by_id) if order.placed_by_id else None
    person = person or tenancy.original_owner(organisation_id=order.organisation_id)
    return person.language if person and person.language else settings.LANGUAGE_CODE


def invoice_issue(order: Order) -> Document:
    """The order's invoice, written when it is fulfilled, inside that transaction."""
    return _issue(order, DocumentKind.INVOICE, order.total_net, order.total_vat)


def _amount(value: object) -> Decimal:
    try:
        amount = money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Enter an amount such as -10.00."), field="net") from None
    if amount == 0 or abs(amount) > Decimal("10000000"):
        raise ValidationFailed(_("Enter a non-zero amount (negative for a credit)."), field="net")
    return amount


def _vat_rate(order: Order) -> Decimal:
    """The order's VAT rate as a fraction; an order with several rates is corrected at their weighted mean."""
    rates = set(order.lines.values_list("vat_rate", flat=True))
    if len(rates) == 1:
        return rates.pop() / 100
    return order.total_vat / order.total_net if order.total_net else Decimal(0)


@transaction.atomic
def correction_issue(*, principal: Principal, order_number: object, net: object, reason: str) -> Document:
    """A correction of a completed order's invoice: `net` is negative for a credit. VAT at the order's rate."""
    order = operator_order(principal, order_number, lock=True)
    if order.status != OrderStatus.COMPLETED:
        raise Conflict(
            _("Only a completed order's invoice can be corrected."), field="order_number", code="not_invoiced"
        )
    amount = _amount(net)
    rate = _vat_rate(order)
    document = _issue(
        order, DocumentKind.CORRECTION, amount, money(amount * rate), v.text(reason, field="reason", max_length=500)
    )
    audit_record(
        principal=principal,
        action="order.corrected",
        object_type="order",
        object_id=order.pk,
        object_repr=str(order.number),
        after={"document": document.number, "net": str(document.net), "reason": document.reason},
    )
    return document
