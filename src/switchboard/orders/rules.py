"""What stands between order lines and an order: options and their parents, terms, quantities per order and per
customer, stock. The cart page, the cart API and placing an order all ask `check`, so what the cart explains is
exactly what an order would refuse."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import PHYSICAL_TYPES, ProductRef, ProductType
from switchboard.connectivity import selectors as connectivity
from switchboard.connectivity.contracts import SimRef
from switchboard.core.principal import Principal

from .contracts import ContractStatus, OrderStatus
from .models import Contract, OrderLine


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


CENT = Decimal("0.01")
MAX_QUANTITY = 100_000
MAX_ID = 2**63 - 1


def term_of(items: list[Item], index: int, contracts: dict[int, Contract]) -> int:
    """An option runs as long as its parent; anything else at least the product's minimum term."""
    item = items[index]
    if item.product.is_option:
        if item.parent is not None and 0 <= item.parent < len(items) and item.parent != index:
            return term_of(items, item.parent, contracts)
        if item.parent_contract_id in contracts:
            return contracts[item.parent_contract_id].min_term_months
    return max(item.term_months or 0, item.product.min_term_months)


def parent_contracts(principal: Principal, items: list[Item]) -> dict[int, Contract]:
    """The caller's active contracts the items name as parents; any other id is simply absent."""
    ids = [i.parent_contract_id for i in items if i.parent_contract_id and 0 < i.parent_contract_id <= MAX_ID]
    contracts = Contract.objects.filter(
        pk__in=ids, organisation_id=principal.organisation_id, status=ContractStatus.ACTIVE
    )
    return {c.pk: c for c in contracts}


def _ordered_before(organisation_id: int, product_ids: list[int]) -> dict[int, int]:
    rows = (
        OrderLine.objects.filter(product_id__in=product_ids, order__organisation_id=organisation_id)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values("product_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["product_id"]: row["total"] for row in rows}


def _pool(product: ProductRef) -> tuple[str, object]:
    """The stock a product is delivered from: SIM cards share one per form factor, devices have their own."""
    return ("sims", product.form_factor) if product.type == ProductType.SIM_CARD else ("device", product.id)


def _units(product: ProductRef, quantity: int) -> int:
    return quantity * max(product.package_size, 1) if product.type == ProductType.SIM_CARD else quantity


def _reserved() -> dict[tuple[str, object], int]:
    """Goods promised to orders the operator has not shipped yet, per stock."""
    open_lines = OrderLine.objects.filter(
        order__status=OrderStatus.IN_PREPARATION, product_type__in=[t.value for t in PHYSICAL_TYPES]
    )
    reserved: dict[tuple[str, object], int] = defaultdict(int)
    for kind, form_factor, product_id, quantity, package in open_lines.values_list(
        "product_type", "form_factor", "product_id", "quantity", "package_size"
    ):
        if kind == ProductType.SIM_CARD:
            reserved[("sims", form_factor)] += quantity * max(package, 1)
        else:
            reserved[("device", product_id)] += quantity
    return reserved


def _in_stock(product: ProductRef) -> int:
    """Units in the product's stock: SIM cards of its form factor (not packages), or its devices."""
    if product.type == ProductType.SIM_CARD:
        return connectivity.deliverable_count(form_factor=product.form_factor)
    return catalog.in_stock(product) or 0


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
    reserved = _reserved() if any(item.product.type in PHYSICAL_TYPES for item in items) else {}
    contracts = parent_contracts(principal, items)
    currencies = {item.product.price.currency for item in items}
    wanted: dict[int, int] = defaultdict(int)
    pool_wanted: dict[tuple[str, object], int] = defaultdict(int)
    for item in items:
        wanted[item.product.id] += item.quantity
        if item.product.type in PHYSICAL_TYPES:
            pool_wanted[_pool(item.product)] += _units(item.product, item.quantity)
    for index, item in enumerate(items):
        product = item.product
        if item.product.is_option:
            problem = _parent_problem(items, index, contracts)
            if problem:
                problems.append(Problem(index, problem, "parent"))
        elif item.parent is not None or item.parent_contract_id is not None:
            message = _("%(name)s is not an option; it cannot be added to another product.") % {"name": product.name}
            problems.append(Problem(index, message, "parent"))
        if len(currencies) > 1:
            message = _("One order takes one currency; %(name)s is priced in %(currency)s.") % {
                "name": product.name,
                "currency": product.price.currency,
            }
            problems.append(Problem(index, message, "product_id"))
        if not 1 <= item.quantity <= MAX_QUANTITY:
            message = _("Enter a quantity between 1 and %(max)s.") % {"max": MAX_QUANTITY}
            problems.append(Problem(index, message))
            continue
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
            pool = _pool(product)
            available = _in_stock(product) - reserved.get(pool, 0)
            if pool_wanted[pool] > available:
                left = max(available, 0) // _units(product, 1)
                problems.append(
                    Problem(index, _("Only %(n)s of %(name)s in stock.") % {"n": left, "name": product.name})
                )
    return problems


def line_net(line: OrderLine) -> Decimal:
    """What a line costs on this order: its one-time charges and its first month."""
    return (line.one_time_net + line.recurring_net) * line.quantity


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def vat_by_rate(amounts: Iterable[tuple[Decimal, Decimal]]) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """Net and VAT per VAT rate, each rounded to the cent per rate as an invoice states them; the totals are their
    sums, so cart, order and invoice agree to the cent."""
    nets: dict[Decimal, Decimal] = defaultdict(Decimal)
    for net, rate in amounts:
        nets[rate] += net
    return {rate: (money(net), money(net * rate / 100)) for rate, net in sorted(nets.items())}


@dataclass(frozen=True)
class Quote:
    """What ordering a quantity of a product costs, as the order would charge it."""

    unit: Decimal  # one-time and first month, net
    net: Decimal
    vat: Decimal
    currency: str

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def quote(product: ProductRef, quantity: int) -> Quote:
    price = product.price
    unit = price.one_time_net + price.recurring_net
    [(net, vat)] = vat_by_rate([(unit * quantity, price.vat_rate)]).values()
    return Quote(unit=unit, net=net, vat=vat, currency=price.currency)
