"""Reads of orders, contracts and documents: a customer sees its own, the operator every customer's."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import PHYSICAL_TYPES, ProductRef
from switchboard.connectivity import selectors as connectivity
from switchboard.core.errors import NotFound
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy

from .contracts import ContractStatus, OrderStatus
from .models import AutoTopUp, Cart, CartLine, Contract, Document, Order, OrderLine, OrderSim
from .rules import Item, Problem, check, parent_contracts, term_of, vat_by_rate
from .services._common import order_not_found, require_operator


def _orders(principal: Principal) -> QuerySet[Order]:
    principal.require(Permission.ORDERS_VIEW)
    return Order.objects.filter(organisation_id=principal.organisation_id)


def orders_list(*, principal: Principal, status: str = "") -> QuerySet[Order]:
    orders = _orders(principal).prefetch_related(
        Prefetch("lines", OrderLine.objects.order_by("position")),
        Prefetch("documents", Document.objects.defer("pdf")),
    )
    return orders.filter(status=status) if status else orders


def order_get(*, principal: Principal, order_number: object) -> Order:
    try:
        number = int(order_number)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise order_not_found(order_number) from None
    order = orders_list(principal=principal).filter(number=number).first()
    if order is None:
        raise order_not_found(order_number)
    return order


def order_sims(*, order: Order) -> QuerySet[OrderSim]:
    return order.sims.all()


def document_get(*, principal: Principal, number: str) -> Document:
    """An invoice or correction of one of the caller's orders (the operator: of any order)."""
    documents = Document.objects.select_related("order").filter(number=number)
    if tenancy.is_operator(organisation_id=principal.organisation_id):
        require_operator(principal)  # the back office's staff, not every member of the operator
    else:
        principal.require(Permission.ORDERS_VIEW)
        documents = documents.filter(order__organisation_id=principal.organisation_id)
    document = documents.first()
    if document is None:
        raise NotFound(_("Document not found."), field="number", code="document_not_found")
    return document


def contracts_list(*, principal: Principal, active_only: bool = True) -> QuerySet[Contract]:
    principal.require(Permission.ORDERS_VIEW)
    contracts = Contract.objects.filter(organisation_id=principal.organisation_id).select_related("parent")
    return contracts.filter(status=ContractStatus.ACTIVE) if active_only else contracts


def contract_get(*, principal: Principal, contract_id: object) -> Contract:
    try:
        contract = contracts_list(principal=principal, active_only=False).filter(pk=int(contract_id)).first()  # type: ignore[call-overload]
    except (TypeError, ValueError):
        contract = None
    if contract is None:
        raise NotFound(_("Contract not found."), field="contract_id", code="contract_not_found")
    return contract


def back_office_orders(*, principal: Principal, status: str = OrderStatus.IN_PREPARATION) -> QuerySet[Order]:
    """Every customer's orders, for the operator."""
    require_operator(principal)
    orders = Order.objects.prefetch_related(Prefetch("lines", OrderLine.objects.order_by("position")))
    return orders.filter(status=status) if status else orders


def back_office_order(*, principal: Principal, order_number: object) -> Order:
    """Any customer's order, for the operator's staff."""
    try:
        number = int(order_number)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise order_not_found(order_number) from None
    order = back_office_orders(principal=principal, status="").filter(number=number).first()
    if order is None:
        raise order_not_found(order_number)
    return order


def auto_top_up_of(*, principal: Principal) -> dict:
    """Where auto top-up is on: for all SIMs, and which single SIMs (by id and ICCID)."""
    principal.require(Permission.ORDERS_VIEW)
    rows = AutoTopUp.objects.filter(organisation_id=principal.organisation_id).values_list("sim_id", flat=True)
    sim_ids = sorted(pk for pk in rows if pk is not None)
    sims = connectivity.sims_list(principal=principal).filter(pk__in=sim_ids)
    return {"all": None in set(rows), "sim_ids": sim_ids, "iccids": sorted(sims.values_list("iccid", flat=True))}


def cart_keys(principal: Principal) -> dict:
    """Whose cart: a person's, or an API client's (never shared between them)."""
    principal.require(Permission.ORDERS_CREATE)
    user_id = principal.user_id
    api_client_id = None if user_id is not None else principal.actor_id
    return {"organisation_id": principal.organisation_id, "user_id": user_id, "api_client_id": api_client_id}


def cart_get(*, principal: Principal) -> Cart | None:
    return Cart.objects.filter(**cart_keys(principal)).first()


def cart_line_get(*, principal: Principal, line_id: object) -> CartLine:
    """A line of the caller's own cart; anyone else's is not found."""
    cart = cart_get(principal=principal)
    try:
        line = cart.lines.filter(pk=int(line_id)).first() if cart else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        line = None
    if line is None:
        raise NotFound(_("This line is not in your cart."), field="line_id", code="cart_line_not_found")
    return line


@dataclass
class CartRow:
    """A cart line as it would be ordered: unit prices, the term it would run, what stands in its way."""

    line: CartLine
    position: int  # its index in the cart, as refusals name it: lines[position]
    product: ProductRef | None  # None: withdrawn since it was put in the cart
    problems: list[Problem] = field(default_factory=list)
    term: int | None = None
    one_time: Decimal = Decimal(0)
    monthly: Decimal = Decimal(0)

    @property
    def one_time_total(self) -> Decimal:
        return self.one_time * self.line.quantity

    @property
    def monthly_total(self) -> Decimal:
        return self.monthly * self.line.quantity

    @property
    def net(self) -> Decimal:
        """What the order charges for it: the one-time charges and the first month."""
        return self.one_time_total + self.monthly_total


def _sums(amounts) -> tuple[Decimal, Decimal]:
    breakdown = vat_by_rate(amounts).values()
    return sum((net for net, _vat in breakdown), Decimal(0)), sum((vat for _net, vat in breakdown), Decimal(0))


@dataclass
class CartView:
    rows: list[CartRow]
    items: list[Item]  # the rows still offered, as an order would take them
    currency: str
    one_time_net: Decimal = Decimal(0)
    one_time_vat: Decimal = Decimal(0)
    monthly_net: Decimal = Decimal(0)
    monthly_vat: Decimal = Decimal(0)
    net: Decimal = Decimal(0)  # what the order charges: the one-time charges and the first month
    vat: Decimal = Decimal(0)  # as the order and its invoice round it: per VAT rate

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def problems(self) -> list[Problem]:
        return [problem for row in self.rows for problem in row.problems]

    @property
    def can_order(self) -> bool:
        return bool(self.rows) and not self.problems

    @property
    def needs_address(self) -> bool:
        return any(item.product.type in PHYSICAL_TYPES for item in self.items)


def cart_view(*, principal: Principal) -> CartView:
    """The caller's cart priced and checked exactly as placing it would: the same `check`, the same terms and
    amounts. A product withdrawn since is a problem of its line instead of hiding the rest of the cart."""
    cart = cart_get(principal=principal)
    lines = list(cart.lines.select_related("parent_contract").order_by("pk")) if cart else []
    rows = [CartRow(line, position, _offered(principal, line.product_id)) for position, line in enumerate(lines)]
    offered = [row for row in rows if row.product is not None]
    index = {row.line.pk: i for i, row in enumerate(offered)}
    items = [
        Item(
            product=row.product,
            quantity=row.line.quantity,
            term_months=row.line.term_months,
            parent=index.get(row.line.parent_line_id),
            parent_contract_id=row.line.parent_contract_id,
            one_time_net=row.line.one_time_net,
            recurring_net=row.line.recurring_net,
        )
        for row in offered
    ]
    for row in rows:
        if row.product is None:
            message = _("This product is no longer offered: remove it from the cart.")
            row.problems.append(Problem(row.position, message, "product_id"))
    for problem in check(principal, items) if items else []:
        row = offered[problem.index]
        row.problems.append(Problem(row.position, problem.message, problem.field))
    contracts = parent_contracts(principal, items)
    for i, (row, item) in enumerate(zip(offered, items, strict=True)):
        price = item.product.price
        row.term = term_of(items, i, contracts)
        row.one_time = price.one_time_net if item.one_time_net is None else item.one_time_net
        row.monthly = price.recurring_net if item.recurring_net is None else item.recurring_net
    rated = [(row, item.product.price.vat_rate) for row, item in zip(offered, items, strict=True)]
    view = CartView(rows=rows, items=items, currency=items[0].product.price.currency if items else "EUR")
    view.one_time_net, view.one_time_vat = _sums((row.one_time_total, rate) for row, rate in rated)
    view.monthly_net, view.monthly_vat = _sums((row.monthly_total, rate) for row, rate in rated)
    view.net, view.vat = _sums((row.net, rate) for row, rate in rated)
    return view


def _offered(principal: Principal, product_id: int) -> ProductRef | None:
    try:
        return catalog.product_for(organisation_id=principal.organisation_id, product_id=product_id)
    except NotFound:
        return None
