"""Writes of the catalog."""

from .products import (
    NO_LIMIT,
    OPTION_TYPES,
    ProductChange,
    devices_add,
    product_create,
    product_update,
    product_validate,
    product_withdraw,
    reseller_price_delete,
    reseller_price_set,
)
from .seeding import demo_catalog
from .stock import devices_hand_out

__all__ = [
    "NO_LIMIT",
    "OPTION_TYPES",
    "ProductChange",
    "demo_catalog",
    "devices_add",
    "devices_hand_out",
    "product_create",
    "product_update",
    "product_validate",
    "product_withdraw",
    "reseller_price_delete",
    "reseller_price_set",
]
