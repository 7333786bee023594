"""What the order flow and the portals may know about products: types, which of them are options, prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class ProductType(StrEnum):
    SIM_CARD = "sim_card"
    DATA_TOPUP = "data_topup"
    SMS_TOPUP = "sms_topup"
    LIFETIME_EXTENSION = "lifetime_extension"
    SIP_TRUNK = "sip_trunk"
    VOICE_CHANNEL = "voice_channel"
    UMS_PACKAGE = "ums_package"
    PBX_SEAT = "pbx_seat"
    ADDON_LICENCE = "addon_licence"
    ISP_TARIFF = "isp_tariff"
    DEVICE = "device"

    @property
    def label(self) -> str:
        return str(PRODUCT_TYPE_LABELS[self])

    @property
    def for_sims(self) -> bool:
        """Ordered for SIMs the customer already has, and fulfilled at once."""
        return self in SIM_SERVICES

    @property
    def makes_contract(self) -> bool:
        """Telephony and ISP products run as contracts with a term; SIMs and devices are goods."""
        return self in CONTRACT_TYPES


PRODUCT_TYPE_LABELS = {
    ProductType.SIM_CARD: _("SIM card"),
    ProductType.DATA_TOPUP: _("Data top-up"),
    ProductType.SMS_TOPUP: _("SMS top-up"),
    ProductType.LIFETIME_EXTENSION: _("Lifetime extension"),
    ProductType.SIP_TRUNK: _("SIP trunk"),
    ProductType.VOICE_CHANNEL: _("Voice channel"),
    ProductType.UMS_PACKAGE: _("UMS package"),
    ProductType.PBX_SEAT: _("PBX seat"),
    ProductType.ADDON_LICENCE: _("Add-on licence"),
    ProductType.ISP_TARIFF: _("ISP tariff"),
    ProductType.DEVICE: _("Device"),
}
TOPUP_TYPES = (ProductType.DATA_TOPUP, ProductType.SMS_TOPUP)  # the data top-up first: the default one
SIM_SERVICES = frozenset({ProductType.DATA_TOPUP, ProductType.SMS_TOPUP, ProductType.LIFETIME_EXTENSION})
CONTRACT_TYPES = frozenset(
    {
        ProductType.SIP_TRUNK,
        ProductType.VOICE_CHANNEL,
        ProductType.UMS_PACKAGE,
        ProductType.PBX_SEAT,
        ProductType.ADDON_LICENCE,
        ProductType.ISP_TARIFF,
    }
)
PHYSICAL_TYPES = frozenset({ProductType.SIM_CARD, ProductType.DEVICE})


@dataclass(frozen=True)
class Price:
    """What one unit costs a given customer: the list price, or its reseller's price where one is set."""

    one_time_net: Decimal
    recurring_net: Decimal
    currency: str
    vat_rate: Decimal


@dataclass(frozen=True)
class ProductRef:
    """A product as the order flow sees it (prices already resolved for the customer)."""

    id: int
    code: str
    name: str
    type: ProductType
    price: Price
    min_quantity: int
    max_quantity: int | None
    max_quantity_per_customer: int | None
    min_term_months: int
    parent_types: tuple[ProductType, ...]
    package_size: int
    form_factor: str
    data_bytes: int
    sms: int

    @property
    def is_option(self) -> bool:
        return bool(self.parent_types)
