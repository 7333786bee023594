"""Top-ups and lifetime extensions: orders for SIMs the customer has, fulfilled as they are placed, so a SIM cut
off for an empty quota may open a data session again at once."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import TOPUP_TYPES, ProductType
from switchboard.connectivity import services as sims
from switchboard.connectivity.contracts import SimRef
from switchboard.core.errors import NotFound, ValidationFailed
from switchboard.core.principal import Permission, Principal

from ..contracts import OrderType
from ..models import Order
from ..rules import Item
from .placing import existing_order, place


def _product(principal: Principal, product_id: object, types: tuple[ProductType, ...]):
    if product_id in (None, ""):
        product = catalog.default_product(organisation_id=principal.organisation_id, type=types[0])
        if product is None:
            raise NotFound(_("No such product is offered at the moment."), field="product_id", code="product_not_found")
        return product
    product = catalog.product_for(organisation_id=principal.organisation_id, product_id=product_id)
    if product.type not in types:
        raise ValidationFailed(
            _("%(name)s is not a %(kind)s.") % {"name": product.name, "kind": types[0].label},
            field="product_id",
            code="wrong_product",
        )
    return product


def _sims(principal: Principal, iccids: Iterable[object]) -> list[SimRef]:
    refs = sims.sims_for_order(principal, iccids)
    if not refs:
        raise ValidationFailed(_("Choose at least one SIM."), field="iccids", code="required")
    return refs


def refuse_expired(refs: list[SimRef]) -> None:
    """1NCE's rule: an expired SIM takes only an extension."""
    expired = sims.expired(ref.id for ref in refs)
    if expired:
        raise ValidationFailed(
            _("These SIMs have expired and can only be extended: %(iccids)s") % {"iccids": ", ".join(expired)},
            field="iccids",
            code="sim_expired",
        )


def _order_for_sims(
    principal: Principal,
    iccids: Iterable[object],
    product_id: object,
    types: tuple[ProductType, ...],
    *,
    payment_method: object,
    idempotency_key: str,
    order_type: OrderType | None = None,
) -> Order:
    """One line of the product for the SIMs (once each); expired SIMs take only a lifetime extension."""
    principal.require(Permission.ORDERS_CREATE)
    earlier = existing_order(principal, (idempotency_key or "").strip())
    if earlier is not None:
        return earlier
    refs = _sims(principal, iccids)
    if ProductType.LIFETIME_EXTENSION not in types:
        refuse_expired(refs)
    product = _product(principal, product_id, types)
    return place(
        principal,
        [Item(product=product, quantity=len(refs), sims=refs)],
        payment_method=payment_method,
        idempotency_key=idempotency_key,
        order_type=order_type,
        field_prefix="products",
    )


@transaction.atomic
def topup_order(
    *,
    principal: Principal,
    iccids: Iterable[object],
    product_id: object = None,
    payment_method: object = None,
    idempotency_key: str = "",
    order_type: OrderType | None = None,
) -> Order:
    """Top up each SIM once with the product (the first data top-up if none is named)."""
    return _order_for_sims(
        principal,
        iccids,
        product_id,
        TOPUP_TYPES,
        payment_method=payment_method,
        idempotency_key=idempotency_key,
        order_type=order_type,
    )


@transaction.atomic
def extension_order(
    *,
    principal: Principal,
    iccids: Iterable[object],
    product_id: object = None,
    payment_method: object = None,
    idempotency_key: str = "",
) -> Order:
    """A new lifetime with renewed volumes for each SIM, expired ones included."""
    return _order_for_sims(
        principal,
        iccids,
        product_id,
        (ProductType.LIFETIME_EXTENSION,),
        payment_method=payment_method,
        idempotency_key=idempotency_key,
    )
