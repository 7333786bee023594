"""Fulfilment: what an order does once the operator ships it (goods, contracts) or at once (top-ups,
extensions), and cancellation. Each is one transaction: a SIM short in stock leaves the order as it was."""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.catalog import services as catalog_services
from switchboard.catalog.contracts import ProductType
from switchboard.connectivity import services as sims
from switchboard.connectivity.contracts import SimRef
from switchboard.core import validation as v
from switchboard.core.errors import Conflict
from switchboard.core.principal import Principal
from switchboard.events.services import audit_record, emit

from ..contracts import ContractStatus, OrderStatus
from ..models import Contract, Order, OrderLine, OrderSim
from . import invoices
from ._common import next_number, operator_order


def _affected(order: Order, refs: list[SimRef]) -> None:
    OrderSim.objects.bulk_create(
        [OrderSim(order=order, sim_id=r.id, iccid=r.iccid, label=r.label, imsi=r.imsi, msisdn=r.msisdn) for r in refs],
        ignore_conflicts=True,
    )


def _ends_on(parent: Contract | None, started: date, term_months: int) -> date | None:
    """An option added to a running contract ends with it; anything else runs its term from today."""
    if parent is not None and parent.ends_on is not None:
        return parent.ends_on
    return started + relativedelta(months=term_months) if term_months else None


def _contract(line: OrderLine, at: datetime) -> Contract:
    parent = line.parent_contract
    if parent is not None and parent.status != ContractStatus.ACTIVE:
        raise Conflict(
            _("Contract %(number)s, which %(option)s was ordered for, has ended: cancel this order.")
            % {"number": parent.number, "option": line.product_name},
            field="parent_contract",
            code="parent_ended",
        )
    if parent is None and line.parent_line_id is not None:
        parent = Contract.objects.filter(order_line_id=line.parent_line_id).first()
    started = timezone.localdate(at)
    return Contract.objects.create(
        number=f"CT-{next_number('contract')}",
        organisation_id=line.order.organisation_id,
        reseller_id=line.order.reseller_id,
        product_id=line.product_id,
        product_name=line.product_name,
        product_type=line.product_type,
        quantity=line.quantity,
        started_on=started,
        min_term_months=line.term_months,
        ends_on=_ends_on(parent, started, line.term_months),
        parent=parent,
        order_line=line,
        one_time_net=line.one_time_net,
        recurring_net=line.recurring_net,
        currency=line.order.currency,
    )


def _fulfil_line(order: Order, line: OrderLine, at: datetime) -> None:
    kind = ProductType(line.product_type)  # the line keeps the product as it was ordered
    if kind == ProductType.SIM_CARD:
        delivered = sims.sims_deliver(
            organisation_id=order.organisation_id,
            form_factor=line.form_factor,
            count=line.quantity * max(line.package_size, 1),
            data_bytes=line.data_bytes or None,  # a product without volumes of its own: the SIM plan's
            sms=line.sms or None,
        )
        _affected(order, delivered)
    elif kind == ProductType.DEVICE:
        line.serial_numbers = catalog_services.devices_hand_out(
            product_id=line.product_id, count=line.quantity, organisation_id=order.organisation_id, order_id=order.pk
        )
        line.save(update_fields=["serial_numbers"])
    elif kind in (ProductType.DATA_TOPUP, ProductType.SMS_TOPUP):
        _affected(order, sims.sims_top_up(sim_ids=line.sim_ids, data_bytes=line.data_bytes, sms=line.sms))
    elif kind == ProductType.LIFETIME_EXTENSION:
        _affected(order, sims.sims_extend(sim_ids=line.sim_ids))
    elif kind.makes_contract:
        _contract(line, at)


def fulfil(order: Order, at: datetime) -> None:
    """Deliver every line, then invoice; the caller holds the transaction."""
    lines = order.lines.select_related("parent_contract", "order").order_by("position")
    for line in sorted(lines, key=lambda line: line.parent_line_id is not None):  # parents before their options
        _fulfil_line(order, line, at)
    order.status = OrderStatus.COMPLETED
    order.completed_at = at
    order.save(update_fields=["status", "completed_at", "updated_at"])
    invoices.invoice_issue(order)
    emit("orders.order.completed", organisation_id=order.organisation_id, payload={"order_id": order.pk})


def _in_preparation(order: Order) -> None:
    if order.status != OrderStatus.IN_PREPARATION:
        raise Conflict(
            _("Order %(number)s is %(status)s already.") % {"number": order.number, "status": order.order_status.label},
            field="status",
            code="order_closed",
        )


def _audit(principal: Principal, action: str, order: Order, after: dict) -> None:
    audit_record(
        principal=principal,
        action=action,
        object_type="order",
        object_id=order.pk,
        object_repr=str(order.number),
        before={"status": OrderStatus.IN_PREPARATION},
        after=after,
    )


@transaction.atomic
def order_complete(*, principal: Principal, order_number: object) -> Order:
    """The operator has shipped the goods: SIMs leave the stock for the customer, contracts start, the invoice is
    written."""
    order = operator_order(principal, order_number, lock=True)
    _in_preparation(order)
    fulfil(order, timezone.now())
    _audit(principal, "order.completed", order, {"status": order.status})
    return order


@transaction.atomic
def order_cancel(*, principal: Principal, order_number: object, reason: str) -> Order:
    order = operator_order(principal, order_number, lock=True)
    _in_preparation(order)
    order.cancel_reason = v.text(reason, field="reason", max_length=1000)
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    _audit(principal, "order.cancelled", order, {"status": order.status, "reason": order.cancel_reason})
    emit("orders.order.cancelled", organisation_id=order.organisation_id, payload={"order_id": order.pk})
    return order
