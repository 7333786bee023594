"""Reads of orders, contracts and documents: a customer sees its own, the operator every customer's."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from switchboard.core.errors import NotFound
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy

from .contracts import ContractStatus, OrderStatus
from .models import AutoTopUp, Contract, Document, Order, OrderLine, OrderSim
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
    if not tenancy.is_operator(organisation_id=principal.organisation_id):
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


def auto_top_up_of(*, principal: Principal) -> dict:
    """Where auto top-up is on: for all SIMs, and which single SIMs."""
    principal.require(Permission.ORDERS_VIEW)
    rows = AutoTopUp.objects.filter(organisation_id=principal.organisation_id).values_list("sim_id", flat=True)
    sims = set(rows)
    return {"all": None in sims, "sim_ids": sorted(pk for pk in sims if pk is not None)}
