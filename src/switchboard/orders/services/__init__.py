"""Writes of the orders context: cart, placing, top-ups, fulfilment, documents, auto top-up."""

from ..rules import Item, Problem, check
from .autotopup import auto_top_up_run, auto_top_up_set
from .cart import cart_add, cart_attach, cart_order, cart_remove, cart_update, contract_reorder, order_reorder
from .direct import Wanted, order_create
from .fulfilment import order_cancel, order_complete
from .invoices import correction_issue
from .placing import place
from .topups import extension_order, topup_order

__all__ = [
    "Item",
    "Problem",
    "Wanted",
    "auto_top_up_run",
    "auto_top_up_set",
    "cart_add",
    "cart_attach",
    "cart_order",
    "cart_remove",
    "cart_update",
    "check",
    "contract_reorder",
    "correction_issue",
    "extension_order",
    "order_cancel",
    "order_complete",
    "order_create",
    "order_reorder",
    "place",
    "topup_order",
]
