"""Placing an order: check every line (parents, terms, quantities, stock), price it, number it.

The cart, the 1NCE order API and the top-up buttons all end here, so the rules hold whichever way a customer
orders. Goods wait for the operator to ship them; top-ups and extensions are fulfilled in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import PHYSICAL_TYPES, ProductType
from switchboard.core import validation
from switchboard.core.errors import FieldError, ValidationFailed
from switchboard.core.principal import Permission, Principal
from switchboard.events.services import emit
from switchboard.tenancy import selectors as tenancy

from ..contracts import OrderStatus, OrderType, PaymentMethod
from ..models import Contract, Order, OrderLine
from ..rules import Item, Problem, check, line_net, parent_contracts, term_of, vat_by_rate
from ._common import next_number
from .fulfilment import fulfil

ADDRESS_FIELDS = ("name", "company", "street", "extra", "postal_code", "city", "country")


def refusal(problems: list[Problem], prefix: str = "items") -> ValidationFailed:
    errors = [FieldError(f"{prefix}[{p.index}].{p.field}", "order_refused", p.message) for p in problems]
    return ValidationFailed(problems[0].message, field=errors[0].field, code="order_refused", errors=errors)


def _address_copy(address) -> dict:
    return {name: getattr(address, name) for name in ADDRESS_FIELDS} if address is not None else {}


def _billing(principal: Principal) -> dict:
    organisation = tenancy.organisation_get(principal=principal)
    billing = tenancy.addresses_list(principal=principal, kind="billing").first()
    return {
        "company_name": organisation.company_name,
        "customer_number": organisation.customer_number,
        "vat_id": organisation.vat_id,
        "invoice_email": organisation.invoice_email,
        **_address_copy(billing),
    }


def payment_method_of(value: object) -> PaymentMethod:
    """1NCE's rule: an empty or unknown payment method is a bank transfer."""
    try:
        return PaymentMethod(str(value or PaymentMethod.BANKTRANSFER).lower())
    except ValueError:
        return PaymentMethod.BANKTRANSFER


def _order_type(principal: Principal, items: list[Item]) -> OrderType:
    kinds = {item.product.type for item in items}
    if kinds <= {ProductType.DATA_TOPUP, ProductType.SMS_TOPUP}:
        return OrderType.BULK_TOPUP if sum(len(i.sims) for i in items) > 1 else OrderType.TOPUP
    if kinds == {ProductType.LIFETIME_EXTENSION}:
        return OrderType.EXTENSION
    earlier = Order.objects.filter(organisation_id=principal.organisation_id).exclude(status=OrderStatus.CANCELLED)
    return OrderType.ADDITIONAL_ORDER if earlier.exists() else OrderType.FIRST_ORDER


def existing_order(principal: Principal, idempotency_key: str) -> Order | None:
    if not idempotency_key:
        return None
    return Order.objects.filter(organisation_id=principal.organisation_id, idempotency_key=idempotency_key).first()


@transaction.atomic
def place(
    principal: Principal,
    items: list[Item],
    *,
    shipping_address=None,
    customer_reference: str = "",
    idempotency_key: str = "",
    payment_method: object = None,
    order_type: OrderType | None = None,
    field_prefix: str = "items",
) -> Order:
    """Place the order, or return the one placed before under the same Idempotency-Key."""
    principal.require(Permission.ORDERS_CREATE)
    key = validation.idempotency_key(idempotency_key)
    earlier = existing_order(principal, key)
    if earlier is not None:
        return earlier
    if not items:
        raise ValidationFailed(_("The order is empty."), field=field_prefix, code="empty")
    number = next_number("order")  # from here placements queue: stock, limits and the key are checked alone
    earlier = existing_order(principal, key)  # placed by a concurrent retry while this one waited
    if earlier is not None:
        return earlier
    problems = check(principal, items)
    if problems:
        raise refusal(problems, field_prefix)
    physical = any(item.product.type in PHYSICAL_TYPES for item in items)
    if physical and shipping_address is None:
        raise ValidationFailed(
            _("Choose a delivery address for the goods in this order."), field="delivery_address", code="required"
        )
    reference = (customer_reference or "").strip()
    if len(reference) > 100:
        raise ValidationFailed(_("At most 100 characters."), field="customer_reference")
    contracts = parent_contracts(principal, items)
    order = Order(
        organisation_id=principal.organisation_id,
        reseller_id=catalog.reseller_of(organisation_id=principal.organisation_id),
        placed_by_id=principal.user_id,
        placed_by=principal.label,
        order_type=order_type or _order_type(principal, items),
        payment_method=payment_method_of(payment_method),
        customer_reference=reference,
        shipping_address=_address_copy(shipping_address) if physical else {},
        billing_address=_billing(principal),
        currency=items[0].product.price.currency,
        idempotency_key=key,
    )
    lines = _lines(items, contracts)
    breakdown = vat_by_rate((line_net(line), line.vat_rate) for line in lines).values()
    order.total_net = sum((net for net, _vat in breakdown), Decimal(0))
    order.total_vat = sum((vat for _net, vat in breakdown), Decimal(0))
    order.total_gross = order.total_net + order.total_vat
    try:
        with transaction.atomic():
            order.number = number
            order.save()
    except IntegrityError:  # the same Idempotency-Key, placed concurrently
        earlier = existing_order(principal, key)
        if earlier is None:
            raise
        return earlier
    for line in sorted(lines, key=lambda line: line.parent_line is not None):
        line.order = order
        line.save()  # one by one, parents first: options point at their parent line
    emit("orders.order.placed", organisation_id=order.organisation_id, payload={"order_id": order.pk})
    if all(item.product.type.for_sims for item in items):
        fulfil(order, timezone.now())
    return order


def _lines(items: list[Item], contracts: dict[int, Contract]) -> list[OrderLine]:
    lines: list[OrderLine] = []
    for index, item in enumerate(items):
        price = item.product.price
        lines.append(
            OrderLine(
                position=index + 1,
                product_id=item.product.id,
                product_name=item.product.name,
                product_type=item.product.type,
                quantity=item.quantity,
                one_time_net=item.one_time_net if item.one_time_net is not None else price.one_time_net,
                recurring_net=item.recurring_net if item.recurring_net is not None else price.recurring_net,
                vat_rate=price.vat_rate,
                term_months=term_of(items, index, contracts),
                form_factor=item.product.form_factor,
                package_size=item.product.package_size,
                data_bytes=item.product.data_bytes,
                sms=item.product.sms,
                parent_contract_id=item.parent_contract_id,
                sim_ids=[sim.id for sim in item.sims],
            )
        )
    for index, item in enumerate(items):
        if item.product.is_option and item.parent is not None:  # checked: a line of this order, not itself
            lines[index].parent_line = lines[item.parent]
    return lines
