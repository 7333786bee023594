"""Shapes of the catalog API. Amounts are net, as decimal strings with two places ("10.00"); VAT is a percentage;
volumes are bytes (data) and messages (SMS); terms are months."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ..contracts import ProductType

AMOUNT = "Net amount, at most two decimal places"
LIMIT = "Empty for no limit; on PATCH, null removes the limit"
PARENTS = "Only for options (voice channel, UMS package, add-on licence, top-ups, lifetime extension): the product "
PARENTS += "types they attach to, in the cart or as an active contract"
FORM_FACTOR = "SIM cards only: 2FF/3FF/4FF, 2FF, 3FF, 4FF, MFF2 or QFN8"


class ProductOut(Schema):
    """An orderable product at the price the caller pays: its reseller's price where one is set."""

    id: int
    code: str
    name: str
    type: ProductType
    type_label: str
    is_option: bool = Field(description="Needs a parent: an active contract or a product in the same order")
    parent_types: list[ProductType]
    one_time_net: Decimal = Field(description="Net, charged once per unit")
    recurring_net: Decimal = Field(description="Net, charged monthly per unit")
    currency: str
    vat_rate: Decimal = Field(description="Percent")
    min_quantity: int = Field(description="Per order")
    max_quantity: int | None = Field(description="Per order; null: no limit")
    max_quantity_per_customer: int | None = Field(description="Over all orders of the customer; null: no limit")
    min_term_months: int = Field(description="Minimum contract term; an option's term is its parent's")
    package_size: int = Field(description="SIM cards per unit")
    form_factor: str
    data_bytes: int = Field(description="Data volume included (SIM card) or added (top-up)")
    sms: int = Field(description="SMS included (SIM card) or added (top-up)")
    in_stock: int | None = Field(description="Units that can be delivered; null for products that are not goods")


class ResellerPriceIn(Schema):
    one_time_net: Decimal = Field(description=AMOUNT)
    recurring_net: Decimal = Field(description=AMOUNT)


class ResellerPriceOut(Schema):
    """What the reseller's customers pay instead of the list price."""

    product_id: int
    reseller_id: int
    one_time_net: Decimal
    recurring_net: Decimal
    currency: str

    @staticmethod
    def resolve_reseller_id(price) -> int:
        return price.organisation_id

    @staticmethod
    def resolve_currency(price) -> str:
        return price.product.currency


class ProductPatchIn(Schema):
    """Only the fields sent change."""

    code: str | None = Field(None, description="Unique; letters, digits, hyphens, underscores")
    name: str | None = None
    type: ProductType | None = None
    description: str | None = None
    form_factor: str | None = Field(None, description=FORM_FACTOR)
    package_size: int | None = Field(None, description="SIM cards per unit")
    one_time_net: Decimal | None = Field(None, description=AMOUNT)
    recurring_net: Decimal | None = Field(None, description=AMOUNT + ", per month")
    currency: str | None = Field(None, description="ISO 4217, e.g. EUR")
    vat_rate: Decimal | None = Field(None, description="Percent, 0 to 100")
    min_quantity: int | None = Field(None, description="Per order, at least 1")
    max_quantity: int | None = Field(None, description="Per order. " + LIMIT)
    max_quantity_per_customer: int | None = Field(None, description="Over all orders. " + LIMIT)
    min_term_months: int | None = None
    data_bytes: int | None = None
    sms: int | None = None
    parent_types: list[ProductType] | None = Field(None, description=PARENTS)
    active: bool | None = Field(None, description="Orderable")
    position: int | None = Field(None, description="Order in the catalog, lowest first")


class ProductIn(ProductPatchIn):
    code: str = Field(description="Unique; letters, digits, hyphens, underscores")
    name: str
    type: ProductType


class ProductManagedOut(Schema):
    """A product as the operator manages it, withdrawn or not, with the resellers' own prices."""

    id: int
    code: str
    name: str
    type: ProductType
    description: str
    form_factor: str
    package_size: int
    one_time_net: Decimal
    recurring_net: Decimal
    currency: str
    vat_rate: Decimal
    min_quantity: int
    max_quantity: int | None
    max_quantity_per_customer: int | None
    min_term_months: int
    data_bytes: int
    sms: int
    parent_types: list[ProductType]
    active: bool
    position: int
    reseller_prices: list[ResellerPriceOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_reseller_prices(product) -> list:
        return list(product.reseller_prices.select_related("product").order_by("organisation_id"))


class DevicesIn(Schema):
    serial_numbers: list[str] = Field(description="Serial numbers of the devices received, each new")


class DevicesOut(Schema):
    product_id: int
    added: int
    serial_numbers: list[str]
