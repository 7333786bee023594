"""Reads of the catalog: what a customer may order and at which price, and what is in stock."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from switchboard.connectivity import selectors as connectivity
from switchboard.core.errors import NotFound
from switchboard.core.principal import Principal
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import OrganisationKind

from .contracts import PHYSICAL_TYPES, Price, ProductRef, ProductType
from .models import Device, Product, ResellerPrice
from .services._common import require_operator


def reseller_of(*, organisation_id: int) -> int | None:
    """The reseller an organisation orders through: itself if it is one, else the nearest one above it."""
    own = tenancy.organisation_ref(organisation_id=organisation_id)
    if own is not None and own.kind == OrganisationKind.RESELLER:
        return own.id
    for ref in tenancy.ancestor_refs(organisation_id=organisation_id):
        if ref.kind == OrganisationKind.RESELLER:
            return ref.id
    return None


def _resellers_above(organisation_id: int) -> list[int]:
    own = tenancy.organisation_ref(organisation_id=organisation_id)
    chain = ([own] if own else []) + tenancy.ancestor_refs(organisation_id=organisation_id)
    return [ref.id for ref in chain if ref.kind == OrganisationKind.RESELLER]


def _refs(products: list[Product], organisation_id: int) -> list[ProductRef]:
    resellers = _resellers_above(organisation_id)
    own_prices: dict[int, ResellerPrice] = {}
    if resellers:
        rank = {pk: i for i, pk in enumerate(resellers)}
        rows = ResellerPrice.objects.filter(product__in=products, organisation_id__in=resellers)
        for row in sorted(rows, key=lambda r: rank[r.organisation_id], reverse=True):
            own_prices[row.product_id] = row  # the nearest reseller's price wins
    return [_ref(product, own_prices.get(product.pk)) for product in products]


def _ref(product: Product, own: ResellerPrice | None) -> ProductRef:
    price = Price(
        one_time_net=own.one_time_net if own else product.one_time_net,
        recurring_net=own.recurring_net if own else product.recurring_net,
        currency=product.currency,
        vat_rate=product.vat_rate,
    )
    return ProductRef(
        id=product.pk,
        code=product.code,
        name=product.name,
        type=ProductType(product.type),
        price=price,
        min_quantity=product.min_quantity,
        max_quantity=product.max_quantity,
        max_quantity_per_customer=product.max_quantity_per_customer,
        min_term_months=product.min_term_months,
        parent_types=tuple(ProductType(t) for t in product.parent_types),
        package_size=product.package_size,
        form_factor=product.form_factor,
        data_bytes=product.data_bytes,
        sms=product.sms,
    )


def products_for(*, organisation_id: int, types: tuple[ProductType, ...] = ()) -> list[ProductRef]:
    """The orderable products, priced for the organisation."""
    products = Product.objects.filter(active=True)
    if types:
        products = products.filter(type__in=types)
    return _refs(list(products), organisation_id)


def product_for(*, organisation_id: int, product_id: object, field: str = "product_id") -> ProductRef:
    """One orderable product, priced for the organisation; an unknown or withdrawn one is not found."""
    try:
        pk = int(product_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        pk = None
    product = Product.objects.filter(pk=pk, active=True).first() if pk else None
    if product is None:
        raise NotFound(_("Product %(id)s not found.") % {"id": product_id}, field=field, code="product_not_found")
    return _refs([product], organisation_id)[0]


def default_product(*, organisation_id: int, type: ProductType) -> ProductRef | None:
    """The first orderable product of a type: what a top-up or an extension without a product id orders."""
    product = Product.objects.filter(active=True, type=type).first()
    return _refs([product], organisation_id)[0] if product else None


def in_stock(product: ProductRef) -> int | None:
    """How many units can still be delivered; None for products that are not goods."""
    if product.type not in PHYSICAL_TYPES:
        return None
    if product.type == ProductType.SIM_CARD:
        return connectivity.deliverable_count(form_factor=product.form_factor) // max(product.package_size, 1)
    return Device.objects.filter(product_id=product.id, organisation_id=None).count()


def products_manage(*, principal: Principal) -> QuerySet[Product]:
    """Every product, withdrawn ones included: the operator's catalog management."""
    require_operator(principal)
    return Product.objects.all()
