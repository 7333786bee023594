"""Shapes of the native orders API. Money is a decimal string in the order's currency; times are ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from switchboard.core.api import Paging

from ..contracts import ContractStatus, DocumentKind, OrderStatus, OrderType

MAX_ICCIDS = 1000


# The cart


class ProblemOut(Schema):
    field: str = Field(description="Where it is: `lines[2].parent`, as the order would refuse it")
    message: str


class CartLineIn(Schema):
    product_id: int
    quantity: int = 1
    term_months: int | None = Field(None, description="Not for options: they run as long as their parent")
    parent_line_id: int | None = Field(None, description="An option's parent in the cart")
    parent_contract_id: int | None = Field(None, description="An option's parent among the active contracts")


class CartLinePatch(Schema):
    quantity: int | None = None
    parent_line_id: int | None = Field(None, description="An option: the cart line it is for")
    parent_contract_id: int | None = Field(None, description="An option: the active contract it is for")


class CartLineOut(Schema):
    id: int
    product_id: int
    product_name: str
    product_type: str
    quantity: int
    term_months: int | None = Field(description="The chosen term; null: the product's minimum, or the parent's")
    min_term_months: int
    parent_line_id: int | None
    parent_contract_id: int | None
    one_time_net: Decimal = Field(description="Per unit, as priced for you")
    recurring_net: Decimal = Field(description="Per unit and month")
    vat_rate: Decimal
    currency: str
    line_net: Decimal = Field(description="What the line adds to the order: one-time charges and the first month")
    problems: list[ProblemOut]


class CartOut(Schema):
    lines: list[CartLineOut]
    problems: list[ProblemOut] = Field(description="Everything that stands between the cart and an order")
    can_order: bool
    currency: str
    one_time_net: Decimal
    monthly_net: Decimal
    total_net: Decimal = Field(description="The order's total: one-time charges and the first month")
    total_vat: Decimal
    total_gross: Decimal


class AddressIn(Schema):
    name: str
    company: str = ""
    street: str
    extra: str = ""
    postal_code: str
    city: str
    country: str = Field(description="ISO 3166-1 alpha-2, e.g. DE")


class CartOrderIn(Schema):
    address_id: int | None = Field(None, description="A saved shipping address")
    address: AddressIn | None = Field(None, description="A new shipping address, saved for next time")
    customer_reference: str = ""
    payment_method: str | None = Field(None, description="banktransfer (default), creditcard, monthlyinvoice, boleto")


# Orders


class DocumentOut(Schema):
    number: str
    kind: DocumentKind
    issued_at: datetime
    currency: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    reason: str
    download_url: str


class OrderLineOut(Schema):
    position: int
    product_id: int
    product_name: str
    product_type: str
    quantity: int
    one_time_net: Decimal
    recurring_net: Decimal
    vat_rate: Decimal
    term_months: int
    parent_position: int | None
    parent_contract_id: int | None
    serial_numbers: list[str]


class OrderSimOut(Schema):
    iccid: str
    label: str
    imsi: str
    msisdn: str


class OrderOut(Schema):
    number: int
    order_type: OrderType
    status: OrderStatus
    placed_at: datetime
    placed_by: str
    customer_reference: str
    payment_method: str
    currency: str
    total_net: Decimal
    total_vat: Decimal
    total_gross: Decimal
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    invoice_number: str | None


class OrderDetailOut(OrderOut):
    shipping_address: dict
    billing_address: dict
    lines: list[OrderLineOut]
    documents: list[DocumentOut]
    sims: list[OrderSimOut] = Field(description="Delivered, topped up or extended by this order")
    affected_sims_url: str


class BackOfficeOrderOut(OrderOut):
    organisation_id: int
    organisation_name: str
    customer_number: str
    reseller_id: int | None


class OrderQuery(Paging):
    status: OrderStatus | None = None


class BackOfficeQuery(Paging):
    status: OrderStatus | Literal["ALL"] = Field(OrderStatus.IN_PREPARATION, description="ALL for every status")


class CancelIn(Schema):
    reason: str


class CorrectionIn(Schema):
    net: Decimal = Field(description="Negative for a credit; VAT at the order's rate")
    reason: str


# Contracts


class ContractOut(Schema):
    id: int
    number: str
    product_id: int
    product_name: str
    product_type: str
    quantity: int
    started_on: date
    min_term_months: int
    ends_on: date | None = Field(description="End of the minimum term")
    parent_id: int | None
    one_time_net: Decimal
    recurring_net: Decimal
    currency: str
    status: ContractStatus


class ContractQuery(Paging):
    active_only: bool = True


# Top-ups, extensions, auto top-up


class TopupIn(Schema):
    iccids: list[str] = Field(max_length=MAX_ICCIDS)
    product_id: int | None = Field(None, description="A data or SMS top-up; the first data top-up if left out")
    payment_method: str | None = Field(None, description="An empty or unknown one is a bank transfer, as at 1NCE")


class ExtensionIn(Schema):
    iccids: list[str] = Field(max_length=MAX_ICCIDS)
    product_id: int | None = Field(None, description="A lifetime extension; the first one if left out")


class AutoTopUpIn(Schema):
    enabled: bool
    iccids: list[str] | None = Field(
        None, max_length=MAX_ICCIDS, description="These SIMs; left out: every SIM of the organisation"
    )


class AutoTopUpOut(Schema):
    all: bool = Field(description="On for every SIM of the organisation")
    iccids: list[str] = Field(description="SIMs it is on for one by one")
