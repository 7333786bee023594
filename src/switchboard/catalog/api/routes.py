"""Native API of the catalog: `/api/v1/catalog/...`. Anyone may read the orderable products at their own price;
the operator's staff manage products, resellers' prices and devices in stock. Thin over services and selectors."""

from __future__ import annotations

from ninja import Query, Router, Status

from switchboard.core.principal import Permission, Principal

from .. import selectors, services
from ..contracts import ProductRef, ProductType
from .schemas import (
    DevicesIn,
    DevicesOut,
    ProductIn,
    ProductManagedOut,
    ProductOut,
    ProductPatchIn,
    ResellerPriceIn,
    ResellerPriceOut,
)

router = Router(tags=["Catalog"])
LIMITS = ("max_quantity", "max_quantity_per_customer")


def _offered(product: ProductRef) -> dict:
    return {
        "id": product.id,
        "code": product.code,
        "name": product.name,
        "type": product.type,
        "type_label": product.type.label,
        "is_option": product.is_option,
        "parent_types": list(product.parent_types),
        "one_time_net": product.price.one_time_net,
        "recurring_net": product.price.recurring_net,
        "currency": product.price.currency,
        "vat_rate": product.price.vat_rate,
        "min_quantity": product.min_quantity,
        "max_quantity": product.max_quantity,
        "max_quantity_per_customer": product.max_quantity_per_customer,
        "min_term_months": product.min_term_months,
        "package_size": product.package_size,
        "form_factor": product.form_factor,
        "data_bytes": product.data_bytes,
        "sms": product.sms,
        "in_stock": selectors.in_stock(product),
    }


def _change(payload: ProductPatchIn) -> services.ProductChange:
    fields = payload.dict(exclude_unset=True)
    for name in LIMITS:
        if name in fields and fields[name] is None:
            fields[name] = services.NO_LIMIT  # an explicit null removes the limit
    return services.ProductChange(**fields)


def _viewer(request) -> Principal:
    principal: Principal = request.auth
    principal.require(Permission.VIEW)
    return principal


@router.get("/catalog/products", response=list[ProductOut])
def products_list(request, type: list[ProductType] = Query([], description="Only products of these types")):  # noqa: B008
    """What your organisation can order, at the price it pays, with the stock of goods."""
    principal = _viewer(request)
    products = selectors.products_for(organisation_id=principal.organisation_id, types=tuple(type))
    return [_offered(product) for product in products]


@router.post("/catalog/products", response={201: ProductManagedOut})
def product_create(request, payload: ProductIn):
    """Operator only."""
    return Status(201, services.product_create(principal=request.auth, change=_change(payload)))


@router.get("/catalog/products/{product_id}", response=ProductOut)
def product_get(request, product_id: int):
    """An orderable product at the price your organisation pays; a withdrawn one is not found."""
    principal = _viewer(request)
    return _offered(selectors.product_for(organisation_id=principal.organisation_id, product_id=product_id))


@router.patch("/catalog/products/{product_id}", response=ProductManagedOut)
def product_update(request, product_id: int, payload: ProductPatchIn):
    """Operator only. `"active": true` offers a withdrawn product again."""
    return services.product_update(principal=request.auth, product_id=product_id, change=_change(payload))


@router.delete("/catalog/products/{product_id}", response=ProductManagedOut)
def product_withdraw(request, product_id: int):
    """Operator only. Withdraws the product: no longer orderable, while orders and contracts keep it."""
    return services.product_withdraw(principal=request.auth, product_id=product_id)


@router.put("/catalog/products/{product_id}/prices/{reseller_id}", response=ResellerPriceOut)
def reseller_price_set(request, product_id: int, reseller_id: int, payload: ResellerPriceIn):
    """Operator only. The reseller's customers pay this instead of the list price."""
    return services.reseller_price_set(
        principal=request.auth,
        product_id=product_id,
        reseller_id=reseller_id,
        one_time_net=payload.one_time_net,
        recurring_net=payload.recurring_net,
    )


@router.delete("/catalog/products/{product_id}/prices/{reseller_id}", response={204: None})
def reseller_price_delete(request, product_id: int, reseller_id: int):
    """Operator only. The reseller's customers pay the list price again."""
    services.reseller_price_delete(principal=request.auth, product_id=product_id, reseller_id=reseller_id)
    return Status(204, None)


@router.post("/catalog/products/{product_id}/devices", response={201: DevicesOut})
def devices_add(request, product_id: int, payload: DevicesIn):
    """Operator only. Devices received into stock, by serial number; all or nothing."""
    devices = services.devices_add(principal=request.auth, product_id=product_id, serial_numbers=payload.serial_numbers)
    serials = [device.serial_number for device in devices]
    return Status(201, {"product_id": product_id, "added": len(serials), "serial_numbers": serials})
