from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from switchboard.core.errors import NotFound, PermissionDenied
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy

from ..models import NumberSequence, Order

# Where each numbering starts: 1NCE-like order numbers, readable contract and invoice numbers.
FIRST_NUMBERS = {"order": 2_000_000_001, "contract": 100_001, "invoice": 20_000_001}


def next_number(name: str) -> int:
    """The next number of a sequence, locked until the caller's transaction ends: gap-free, because a rollback
    returns it, and a queue: concurrent callers wait here, so what they check after it they check alone."""
    with transaction.atomic():
        row = NumberSequence.objects.select_for_update().filter(name=name).first()
        if row is None:
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(name=name, last=FIRST_NUMBERS[name] - 1)
            except IntegrityError:
                pass  # created concurrently
            row = NumberSequence.objects.select_for_update().get(name=name)
        row.last += 1
        row.save(update_fields=["last"])
        return row.last


def require_operator(principal: Principal) -> None:
    principal.require(Permission.ORGANISATIONS_MANAGE)
    if not tenancy.is_operator(organisation_id=principal.organisation_id):
        raise PermissionDenied(_("Only the operator handles orders."), code="operator_only")


def order_not_found(number: object) -> NotFound:
    return NotFound(_("Order %(number)s not found.") % {"number": number}, field="order_number", code="order_not_found")


def operator_order(principal: Principal, number: object, *, lock: bool = False) -> Order:
    """Any customer's order, for the operator's back office."""
    require_operator(principal)
    try:
        orders = Order.objects.filter(number=int(number))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise order_not_found(number) from None
    order = (orders.select_for_update() if lock else orders).first()
    if order is None:
        raise order_not_found(number)
    return order
