"""Orders placed in one call, without a cart (1NCE's `POST /orders`): the products, a delivery address that is
kept for next time, and the same rules as the cart."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import PHYSICAL_TYPES
from switchboard.core.errors import ValidationFailed
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy import services as tenancy_services
from switchboard.tenancy.contracts import AddressData

from ..models import Order
from ..rules import Item
from .placing import ADDRESS_FIELDS, existing_order, place


@dataclass(frozen=True)
class Wanted:
    """One product of the call; an option names its parent: another product of the call, or an active contract."""

    product_id: int
    quantity: int
    parent_index: int | None = None
    parent_contract_id: int | None = None


def _items(principal: Principal, products: list[Wanted]) -> list[Item]:
    items = []
    for index, wanted in enumerate(products):
        field = f"products[{index}].productId"
        product = catalog.product_for(
            organisation_id=principal.organisation_id, product_id=wanted.product_id, field=field
        )
        if product.type.for_sims:
            raise ValidationFailed(
                _("%(name)s is ordered for SIMs: use /sims/topup or /sims/extension.") % {"name": product.name},
                field=field,
                code="ordered_for_sims",
            )
        items.append(
            Item(
                product=product,
                quantity=wanted.quantity,
                parent=wanted.parent_index,
                parent_contract_id=wanted.parent_contract_id,
            )
        )
    return items


def _saved_address(principal: Principal, wanted: AddressData):
    """The address as a saved shipping address: the one saved before if it is the same, else a new one."""
    for address in tenancy.addresses_list(principal=principal, kind="shipping"):
        if all(getattr(address, name) == (getattr(wanted, name) or "").strip() for name in ADDRESS_FIELDS):
            return address
    try:
        return tenancy_services.address_create(principal=principal, data=wanted)
    except ValidationFailed as refused:
        raise ValidationFailed(refused.message, field=f"delivery_address.{refused.field}", code=refused.code) from None


def _default_address(principal: Principal):
    """1NCE: without a delivery address, goods go to the single saved one; with several, the order must name one."""
    saved = list(tenancy.addresses_list(principal=principal, kind="shipping")[:2])
    if len(saved) > 1:
        raise ValidationFailed(
            _("Several shipping addresses are saved: send the delivery_address for this order."),
            field="delivery_address",
            code="required",
        )
    return saved[0] if saved else None


@transaction.atomic
def order_create(
    *,
    principal: Principal,
    products: list[Wanted],
    delivery_address: AddressData | None = None,
    customer_reference: str = "",
    idempotency_key: str = "",
) -> Order:
    """Place the order (or return the one placed under the same Idempotency-Key); a refusal saves no address."""
    principal.require(Permission.ORDERS_CREATE)
    earlier = existing_order(principal, (idempotency_key or "").strip())
    if earlier is not None:
        return earlier
    items = _items(principal, products)
    if delivery_address is not None:
        address = _saved_address(principal, delivery_address)
    elif any(item.product.type in PHYSICAL_TYPES for item in items):
        address = _default_address(principal)
    else:
        address = None
    return place(
        principal,
        items,
        shipping_address=address,
        customer_reference=customer_reference,
        idempotency_key=idempotency_key,
        field_prefix="products",
    )
