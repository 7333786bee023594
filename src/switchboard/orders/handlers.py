"""Outbox handlers of the orders context: auto top-up on a low quota, and the order mails."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from switchboard.connectivity.contracts import SimEventType
from switchboard.connectivity.events import sim_event_type
from switchboard.events.contracts import EventEnvelope
from switchboard.events.services import handles
from switchboard.tenancy import selectors as tenancy

from . import services
from .contracts import DocumentKind, OrderType
from .models import Order


@handles(sim_event_type(SimEventType.QUOTA_THRESHOLD_REACHED))
@handles(sim_event_type(SimEventType.QUOTA_EXHAUSTED))
def top_up_when_low(event: EventEnvelope) -> None:
    services.auto_top_up_run(
        organisation_id=event.organisation_id,
        sim_id=event.payload["sim_id"],
        iccid=event.payload["iccid"],
        service=event.payload["detail"].get("service", ""),
    )


def _recipients(order: Order) -> list[tuple[str, str]]:
    """(address, language) of who hears about an order: the person who placed it and the invoice address."""
    found: dict[str, str] = {}
    user = tenancy.user_get(user_id=order.placed_by_id) if order.placed_by_id else None
    if user is not None and user.is_active:
        found[user.email] = user.language
    invoice_email = order.billing_address.get("invoice_email")
    if invoice_email:
        found.setdefault(invoice_email, settings.LANGUAGE_CODE)
    return list(found.items())


def _mail(to: list[tuple[str, str]], subject: str, template: str, context: dict, attach=None) -> None:
    for address, language in to:
        with translation.override(language):
            body = render_to_string(template, {"base_url": settings.BASE_URL, **context})
            message = EmailMessage(str(subject) % context, body, None, [address])
            if attach is not None:
                message.attach(*attach())
            message.send()


def _order(event: EventEnvelope) -> Order | None:
    return Order.objects.filter(pk=event.payload["order_id"]).first()


@handles("orders.order.placed")
def mail_order_confirmation(event: EventEnvelope) -> None:
    order = _order(event)
    if order is None or order.order_type == OrderType.AUTO_TOPUP:  # the owner gets the auto top-up mail instead
        return
    _mail(_recipients(order), gettext_lazy("Your order %(number)s"), "orders/mail/order_placed.txt", _context(order))


@handles("orders.order.completed")
def mail_order_completed(event: EventEnvelope) -> None:
    order = _order(event)
    invoice = order.documents.filter(kind=DocumentKind.INVOICE).first() if order else None
    if invoice is None:
        return
    _mail(
        _recipients(order),
        gettext_lazy("Order %(number)s completed: invoice %(invoice)s"),
        "orders/mail/order_completed.txt",
        {**_context(order), "invoice": invoice.number},
        attach=lambda: (f"{invoice.number}.pdf", bytes(invoice.pdf), "application/pdf"),
    )


@handles("orders.auto_topup.done")
def mail_auto_top_up(event: EventEnvelope) -> None:
    order = _order(event)
    owner = tenancy.original_owner(organisation_id=order.organisation_id) if order else None
    if owner is None or not owner.is_active:
        return
    sims = ", ".join(order.sims.values_list("iccid", flat=True))
    _mail(
        [(owner.email, owner.language)],
        gettext_lazy("Auto top-up: order %(number)s"),
        "orders/mail/auto_topup.txt",
        {**_context(order), "sims": sims, "service": event.payload.get("service", "data")},
    )


def _context(order: Order) -> dict:
    return {
        "number": order.number,
        "order": order,
        "lines": list(order.lines.order_by("position")),
        "link": settings.BASE_URL + reverse("orders:order_detail", kwargs={"number": order.number}),
    }
