"""Order types, statuses and what other apps may know about orders."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class OrderType(StrEnum):
    """The 1NCE order types, plus the telephony products' order."""

    FIRST_ORDER = "FIRST_ORDER"
    ADDITIONAL_ORDER = "ADDITIONAL_ORDER"
    TOPUP = "TOPUP"
    BULK_TOPUP = "BULK_TOPUP"
    AUTO_TOPUP = "AUTO_TOPUP"
    EXTENSION = "EXTENSION"
    TARIFF_CHANGE = "TARIFF_CHANGE"

    @property
    def label(self) -> str:
        return str(ORDER_TYPE_LABELS[self])


ORDER_TYPE_LABELS = {
    OrderType.FIRST_ORDER: _("First order"),
    OrderType.ADDITIONAL_ORDER: _("Additional order"),
    OrderType.TOPUP: _("Top-up"),
    OrderType.BULK_TOPUP: _("Bulk top-up"),
    OrderType.AUTO_TOPUP: _("Auto top-up"),
    OrderType.EXTENSION: _("Lifetime extension"),
    OrderType.TARIFF_CHANGE: _("Tariff change"),
}


# Orders for SIMs the customer has: nothing in them goes into the cart again.
SIM_ORDER_TYPES = frozenset({OrderType.TOPUP, OrderType.BULK_TOPUP, OrderType.AUTO_TOPUP, OrderType.EXTENSION})


class OrderStatus(StrEnum):
    IN_PREPARATION = "IN_PREPARATION"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"

    @property
    def label(self) -> str:
        return str(ORDER_STATUS_LABELS[self])


ORDER_STATUS_LABELS = {
    OrderStatus.IN_PREPARATION: _("In preparation"),
    OrderStatus.COMPLETED: _("Completed"),
    OrderStatus.CANCELLED: _("Cancelled"),
}


class PaymentMethod(StrEnum):
    """1NCE's payment methods; an empty or unknown one falls back to bank transfer, as 1NCE does."""

    BANKTRANSFER = "banktransfer"
    CREDITCARD = "creditcard"
    MONTHLYINVOICE = "monthlyinvoice"
    BOLETO = "boleto"


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CORRECTION = "correction"


class ContractStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
