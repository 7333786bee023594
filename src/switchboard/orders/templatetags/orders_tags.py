"""How orders read in the portal (amounts, status badges, documents), and the ordering controls that the SIM
pages show without their views knowing about orders."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats, timezone
from django.utils.translation import ngettext

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import TOPUP_TYPES, ProductType
from switchboard.core.principal import Permission

from .. import selectors
from ..contracts import SIM_ORDER_TYPES, DocumentKind, OrderStatus

register = template.Library()

STATUS_BADGES = {
    OrderStatus.IN_PREPARATION: "import-running",
    OrderStatus.COMPLETED: "done",
    OrderStatus.CANCELLED: "disabled",
}
# Line types whose fulfilment leaves a list of affected SIMs on the order.
SIM_LINE_TYPES = {
    ProductType.SIM_CARD,
    ProductType.DATA_TOPUP,
    ProductType.SMS_TOPUP,
    ProductType.LIFETIME_EXTENSION,
}
# Terms from this long on read in years when whole: 120 months is "10 years"; the usual 12, 24 and 36 months stay in
# months, as the products are named ("SIP trunk, 24 months").
YEARS_FROM_MONTHS = 48
DASH = "\N{EN DASH}"


@register.filter
def money(value: Decimal | int | None, currency: str = "EUR") -> str:
    """An amount with two decimals and the reader's separators, then the currency code."""
    amount = formats.number_format(value or 0, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{amount}\N{NO-BREAK SPACE}{currency}"


@register.filter
def money_or_dash(value: Decimal | int | None, currency: str = "EUR") -> str:
    """An amount, or a dash where there is nothing to pay (a SIM card has no monthly price)."""
    return money(value, currency) if value else DASH


@register.filter
def monthly_total(contract) -> Decimal:
    """What a contract costs a month: its quantity times the unit price."""
    return contract.recurring_net * contract.quantity


@register.filter
def term(months: int | None) -> str:
    """A term as people say it: "24 months", "10 years"; a dash for none."""
    if not months:
        return DASH
    if months >= YEARS_FROM_MONTHS and months % 12 == 0:
        years = months // 12
        return ngettext("%(n)s year", "%(n)s years", years) % {"n": years}
    return ngettext("%(n)s month", "%(n)s months", months) % {"n": months}


@register.filter
def lines_summary(order) -> str:
    """What was ordered, in one line: "5 x IoT SIM card" (with the multiplication sign), or the first line and
    how many more."""
    lines = list(order.lines.all())
    if not lines:
        return ""
    line = next((line for line in lines if line.parent_line_id is None), lines[0])
    first = f"{line.quantity}\N{NO-BREAK SPACE}\N{MULTIPLICATION SIGN} {line.product_name}"
    more = len(lines) - 1
    if not more:
        return first
    return ngettext("%(first)s and %(n)s more", "%(first)s and %(n)s more", more) % {"first": first, "n": more}


@register.filter
def status_badge(status: str) -> str:
    """The badge class of an order status (the colours of the portal's other badges)."""
    try:
        return STATUS_BADGES[OrderStatus(status)]
    except ValueError:
        return ""


@register.filter
def reorderable(order) -> bool:
    """Whether "reorder" can put anything of the order into the cart (top-ups and extensions are for SIMs)."""
    return order.order_type not in SIM_ORDER_TYPES


@register.filter
def invoice_of(order):
    return next((d for d in order.documents.all() if d.kind == DocumentKind.INVOICE), None)


@register.filter
def corrections_of(order) -> list:
    return [d for d in order.documents.all() if d.kind == DocumentKind.CORRECTION]


@register.filter
def has_affected_sims(order) -> bool:
    """Only a fulfilled order of SIMs, top-ups or extensions has affected SIMs (saves a query per row)."""
    if order.status != OrderStatus.COMPLETED:
        return False
    return any(line.product_type in SIM_LINE_TYPES for line in order.lines.all())


@register.simple_tag(takes_context=True)
def sim_ordering(context, sim=None) -> dict:
    """What the SIM pages offer to order: top-ups and extensions with their prices, and auto top-up's state.
    Empty for a role that may not order."""
    request = context.get("request")
    principal = getattr(request, "principal", None)
    if principal is None or not principal.can(Permission.ORDERS_CREATE):
        return {"can_order": False}
    organisation_id = principal.organisation_id
    auto = selectors.auto_top_up_of(principal=principal)
    end = getattr(sim, "lifetime_end", None)
    return {
        "can_order": True,
        "topups": catalog.products_for(organisation_id=organisation_id, types=TOPUP_TYPES),
        "extensions": catalog.products_for(organisation_id=organisation_id, types=(ProductType.LIFETIME_EXTENSION,)),
        "auto_all": auto["all"],
        "auto_sim": sim is not None and sim.pk in auto["sim_ids"],
        "expired": end is not None and end <= timezone.now(),
    }
