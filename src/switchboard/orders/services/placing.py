"""Placing an order: check every line (parents, terms, quantities, stock), price it, number it.

The cart, the 1NCE order API and the top-up buttons all end here, so the rules hold whichever way a customer
orders. Goods wait for the operator to ship them; top-ups and extensions are fulfilled in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import PHYSICAL_TYPES, ProductRef, ProductType
from switchboard.connectivity.contracts import SimRef
from switchboard.core.errors import FieldError, ValidationFailed
from switchboard.core.principal import Permission, Principal
from switchboard.events.services import emit
from switchboard.tenancy import selectors as tenancy

from ..contracts import ContractStatus, OrderStatus, OrderType, PaymentMethod
from ..models import Contract, Order, OrderLine
from ._common import money, next_number
from .fulfilment import fulfil


@dataclass
class Item:
    """One line to order. An option names its parent: another item of the same order (by index) or a contract."""

    product: ProductRef
    quantity: int
    term_months: int | None = None
    parent: int | None = None
    parent_contract_id: int | None = None
    one_time_net: Decimal | None = None  # a reorder keeps the contract's price
    recurring_net: Decimal | None = None
    sims: list[SimRef] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    index: int
    message: str
    field: str = "quantity"


def _active_contract(principal: Principal, contract_id: int | None) -> Contract | None:
    if contract_id is None:
        return None
    return Contract.objects.filter(
        pk=contract_id, organisation_id=principal.organisation_id, status=ContractStatus.ACTIVE
    ).first()


def term_of(items: list[Item], index: int, contracts: dict[int, Contract]) -> int:
    """An option runs as long as its parent; anything else at least the product's minimum term."""
    item = items[index]
    if item.parent is not None and 0 <= item.parent < len(items) and item.parent != index:
        return term_of(items, item.parent, contracts)
    if item.parent_contract_id in contracts:
        return contracts[item.parent_contract_id].min_term_months
    return max(item.term_months or 0, item.product.min_term_months)


def _ordered_before(organisation_id: int, product_ids: list[int]) -> dict[int, int]:
    rows = (
        OrderLine.objects.filter(product_id__in=product_ids, order__organisation_id=organisation_id)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values("product_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["product_id"]: row["total"] for row in rows}


def _reserved(product_ids: list[int]) -> dict[int, int]:
    """Goods promised to orders the operator has not shipped yet."""
    rows = (
        OrderLine.objects.filter(product_id__in=product_ids, order__status=OrderStatus.IN_PREPARATION)
        .values("product_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["product_id"]: row["total"] for row in rows}


def _parent_problem(items: list[Item], index: int, contracts: dict[int, Contract]) -> str | None:
    item = items[index]
    wanted = ", ".join(t.label for t in item.product.parent_types)
    if item.sims and ProductType.SIM_CARD in item.product.parent_types:
        return None  # a top-up or extension hangs on the SIMs it is for
    if item.parent is not None:
        if not (0 <= item.parent < len(items)) or item.parent == index:
            return _("The parent of %(option)s is not in the cart.") % {"option": item.product.name}
        parent = items[item.parent].product
    elif item.parent_contract_id is not None:
        contract = contracts.get(item.parent_contract_id)
        if contract is None:
            return _("The contract %(option)s was to be added to is not active.") % {"option": item.product.name}
        parent_type = ProductType(contract.product_type)
        if parent_type not in item.product.parent_types:
            return _("%(option)s cannot be added to a %(parent)s; it needs a %(wanted)s.") % {
                "option": item.product.name,
                "parent": parent_type.label,
                "wanted": wanted,
            }
        return None
    else:
        return _("%(option)s is an option: it needs a %(wanted)s, in the cart or as an active contract.") % {
            "option": item.product.name,
            "wanted": wanted,
        }
    if parent.type not in item.product.parent_types:
        return _("%(option)s cannot be added to a %(parent)s; it needs a %(wanted)s.") % {
            "option": item.product.name,
            "parent": parent.type.label,
            "wanted": wanted,
        }
    return None


def check(principal: Principal, items: list[Item]) -> list[Problem]:
    """Everything that stands between these lines and an order, each explained; empty when it can be placed."""
    problems: list[Problem] = []
    product_ids = sorted({item.product.id for item in items})
    before = _ordered_before(principal.organisation_id, product_ids)
    reserved = _reserved(product_ids)
    contracts = {
        c.pk: c
        for c in Contract.objects.filter(
            pk__in=[i.parent_contract_id for i in items if i.parent_contract_id],
            organisation_id=principal.organisation_id,
            status=ContractStatus.ACTIVE,
        )
    }
    wanted: dict[int, int] = defaultdict(int)
    for item in items:
        wanted[item.product.id] += item.quantity
    for index, item in enumerate(items):
        product = item.product
        if item.product.is_option:
            problem = _parent_problem(items, index, contracts)
            if problem:
                problems.append(Problem(index, problem, "parent"))
        if item.quantity < product.min_quantity:
            problems.append(
                Problem(
                    index, _("Order at least %(n)s of %(name)s.") % {"n": product.min_quantity, "name": product.name}
                )
            )
        if product.max_quantity is not None and item.quantity > product.max_quantity:
            problems.append(
                Problem(
                    index,
                    _("At most %(n)s of %(name)s per order.") % {"n": product.max_quantity, "name": product.name},
                )
            )
        limit = product.max_quantity_per_customer
        if limit is not None and before.get(product.id, 0) + wanted[product.id] > limit:
            problems.append(
                Problem(
                    index,
                    _("At most %(n)s of %(name)s per customer; %(had)s ordered already.")
                    % {"n": limit, "name": product.name, "had": before.get(product.id, 0)},
                )
            )
        if product.type in PHYSICAL_TYPES:
            available = (catalog.in_stock(product) or 0) - reserved.get(product.id, 0)
            if wanted[product.id] > available:
                problems.append(
                    Problem(
                        index,
                        _("Only %(n)s of %(name)s in stock.") % {"n": max(available, 0), "name": product.name},
                    )
                )
    return problems


def _refuse(problems: list[Problem], prefix: str = "items") -> ValidationFailed:
    errors = [FieldError(f"{prefix}[{p.index}].{p.field}", "order_refused", p.message) for p in problems]
    return ValidationFailed(problems[0].message, field=errors[0].field, code="order_refused", errors=errors)


def _address_copy(address) -> dict:
    fields = ("name", "company", "street", "extra", "postal_code", "city", "country")
    return {name: getattr(address, name) for name in fields} if address is not None else {}


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


def _clean_key(value: str) -> str:
    key = (value or "").strip()
    if len(key) > 100 or not key.isprintable():
        raise ValidationFailed(
            _("The Idempotency-Key must be at most 100 printable characters."), field="Idempotency-Key"
        )
    return key


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
    key = _clean_key(idempotency_key)
    earlier = existing_order(principal, key)
    if earlier is not None:
        return earlier
    if not items:
        raise ValidationFailed(_("The order is empty."), field=field_prefix, code="empty")
    problems = check(principal, items)
    if problems:
        raise _refuse(problems, field_prefix)
    physical = any(item.product.type in PHYSICAL_TYPES for item in items)
    if physical and shipping_address is None:
        raise ValidationFailed(
            _("Choose a delivery address for the goods in this order."), field="delivery_address", code="required"
        )
    reference = (customer_reference or "").strip()
    if len(reference) > 100:
        raise ValidationFailed(_("At most 100 characters."), field="customer_reference")
    contracts = {
        c.pk: c for c in Contract.objects.filter(pk__in=[i.parent_contract_id for i in items if i.parent_contract_id])
    }
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
    order.total_net = money(sum((line_net(line) for line in lines), Decimal(0)))
    order.total_vat = money(sum((line_net(line) * line.vat_rate / 100 for line in lines), Decimal(0)))
    order.total_gross = order.total_net + order.total_vat
    try:
        with transaction.atomic():
            order.number = next_number("order")
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


def line_net(line: OrderLine) -> Decimal:
    """What a line costs on this order: its one-time charges and its first month."""
    return (line.one_time_net + line.recurring_net) * line.quantity


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
                parent_contract_id=item.parent_contract_id,
                sim_ids=[sim.id for sim in item.sims],
            )
        )
    for index, item in enumerate(items):
        if item.parent is not None:
            lines[index].parent_line = lines[item.parent]
    return lines
