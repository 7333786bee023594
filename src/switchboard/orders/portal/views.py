"""Cart, orders, active contracts, the top-ups of the SIM pages and the operator's back office: forms in, orders
services called, refusals shown next to what they concern. Every page works without script; htmx only keeps the
cart in place while a quantity changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import ProductRef, ProductType
from switchboard.core.errors import DomainError, NotFound, PermissionDenied
from switchboard.core.paging import paginate
from switchboard.core.portal import requires
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy

from .. import documents, selectors, services
from ..contracts import ORDER_STATUS_LABELS, OrderStatus
from ..models import Document
from ..templatetags.orders_tags import TOPUP_TYPES
from .forms import CancelForm, CartAddForm, CheckoutForm, CorrectionForm, QuantityForm, SimOrderForm, idempotency_key

PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Service errors that name a field the form calls differently.
FIELD_ALIASES = {
    "parent_line_id": "parent",
    "parent_contract_id": "parent",
    "iccids": "iccid",
    "products": "product_id",
}


def _call(form: forms.Form, action: Callable[[dict], Any]) -> tuple[bool, Any]:
    """Call the service with a valid form's data; a refusal lands on the form next to the field it names (a role
    that may not do this at all gets the 403 page instead)."""
    if not form.is_valid():
        return False, None
    try:
        return True, action(form.cleaned_data)
    except PermissionDenied:
        raise
    except DomainError as exc:
        for item in exc.errors:
            name = FIELD_ALIASES.get(item.field or "", item.field)
            form.add_error(name if name in form.fields else None, item.message)
        return False, None


def _attempt(request: HttpRequest, action: Callable[[], object], *, success: str) -> None:
    """A one-click action: a refusal becomes a message; an unknown object stays a 404, a forbidden one a 403."""
    try:
        action()
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def _valid_status(value: str, default: str = "") -> str:
    return value if value in {status.value for status in OrderStatus} else default


def _status_filter(request: HttpRequest, default: str = "") -> str:
    return _valid_status(request.GET.get("status", default), default)


def _status_tabs(current: str) -> list[dict]:
    tabs = [{"value": "", "label": _("All"), "active": current == ""}]
    for status, label in ORDER_STATUS_LABELS.items():
        tabs.append({"value": status.value, "label": label, "active": current == status})
    return tabs


def _linked(message: str, order) -> SafeString:
    """The message with the order's number as a link to the order (the message names it as %(number)s)."""
    link = format_html('<a href="{}">{}</a>', reverse("orders:order_detail", args=[order.number]), order.number)
    before, _sep, after = message.partition("%(number)s")
    return format_html("{}{}{}", before, link, after)


def _next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _nested(rows: list, parent_of: Callable[[Any], int | None]) -> list[tuple[Any, int]]:
    """Rows in their order, each option right under its parent, with its depth; an option whose parent is not
    among the rows stands on its own."""
    present = {row.pk for row in rows}
    children: dict[int, list] = defaultdict(list)
    for row in rows:
        if parent_of(row) in present:
            children[parent_of(row)].append(row)
    nested: list[tuple[Any, int]] = []

    def walk(row, depth: int) -> None:
        nested.append((row, depth))
        for child in children[row.pk]:
            walk(child, depth + 1)

    for row in rows:
        if parent_of(row) not in present:
            walk(row, 0)
    return nested


# Cart


@dataclass
class CartRowView:
    """A priced and checked cart line (`selectors.CartRow`) where the page shows it: under its parent, with its
    quantity form."""

    row: selectors.CartRow
    depth: int
    form: forms.Form

    def __getattr__(self, name: str):
        return getattr(self.row, name)


def _totals(view: selectors.CartView) -> list[dict]:
    """One-time and monthly charges, and what the order itself charges (one-time plus the first month)."""
    return [
        {"label": _("One-time"), "net": view.one_time_net, "vat": view.one_time_vat},
        {"label": _("Monthly"), "net": view.monthly_net, "vat": view.monthly_vat},
        {"label": _("Charged with the order (one-time and first month)"), "net": view.net, "vat": view.vat},
    ]


def _cart_state(principal: Principal, line_forms: dict[int, forms.Form] | None = None) -> dict:
    view = selectors.cart_view(principal=principal)
    forms_given = line_forms or {}
    by_line = {row.line.pk: row for row in view.rows}
    rows = [
        CartRowView(
            row=by_line[line.pk],
            depth=depth,
            form=forms_given.get(line.pk)
            or QuantityForm(initial={"quantity": line.quantity}, auto_id=f"id_line{line.pk}_%s"),
        )
        for line, depth in _nested([row.line for row in view.rows], lambda line: line.parent_line_id)
    ]
    totals = [{**total, "gross": total["net"] + total["vat"]} for total in _totals(view)]
    return {
        "rows": rows,
        "problem_count": len(view.problems),
        "totals": totals,
        "currency": view.currency,
        "needs_address": view.needs_address,
    }


def _orderable_products(principal: Principal) -> list[ProductRef]:
    """What the cart offers: everything but top-ups and extensions, which are ordered for SIMs."""
    products = catalog.products_for(organisation_id=principal.organisation_id)
    return [product for product in products if not product.type.for_sims]


def _parents(principal: Principal, rows: list[CartRowView], products: list[ProductRef]) -> list:
    """What an option can be added to: a fitting line of the cart, or an active contract."""
    wanted = {kind for product in products for kind in product.parent_types}
    in_cart = [
        (f"line:{row.line.pk}", _("%(name)s (in the cart)") % {"name": row.product.name})
        for row in rows
        if row.product is not None and row.product.type in wanted
    ]
    contracts = [
        (
            f"contract:{contract.pk}",
            _("%(name)s, contract %(number)s") % {"name": contract.product_name, "number": contract.number},
        )
        for contract in selectors.contracts_list(principal=principal)
        if contract.product_type in wanted
    ]
    groups = []
    if in_cart:
        groups.append((_("In the cart"), in_cart))
    if contracts:
        groups.append((_("Active contracts"), contracts))
    return groups


def _addresses(principal: Principal) -> list:
    return list(tenancy.addresses_list(principal=principal, kind="shipping"))


def _cart_page(
    request: HttpRequest,
    *,
    add_form: CartAddForm | None = None,
    checkout_form: CheckoutForm | None = None,
    line_forms: dict[int, forms.Form] | None = None,
    status: int = 200,
    fragment: bool = False,
) -> HttpResponse:
    principal = request.principal
    state = _cart_state(principal, line_forms)
    if add_form is None:
        products = _orderable_products(principal)
        add_form = CartAddForm(products=products, parents=_parents(principal, state["rows"], products))
    if checkout_form is None:
        checkout_form = CheckoutForm(addresses=_addresses(principal), needs_address=state["needs_address"])
    context = {
        **state,
        "add_form": add_form,
        "checkout_form": checkout_form,
        "billing": tenancy.addresses_list(principal=principal, kind="billing").first(),
    }
    if fragment:
        return render(request, "orders/cart.html#cart", context)
    return render(request, "orders/cart.html", context, status=status)


@requires(Permission.ORDERS_CREATE)
def cart(request: HttpRequest) -> HttpResponse:
    return _cart_page(request)


@require_POST
@requires(Permission.ORDERS_CREATE)
def cart_add(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    products = _orderable_products(principal)
    form = CartAddForm(
        request.POST, products=products, parents=_parents(principal, _cart_state(principal)["rows"], products)
    )
    done, line = _call(form, lambda d: services.cart_add(principal=principal, **form.arguments()))
    if done:
        name = form.products[line.product_id].name
        messages.success(request, _("%(name)s is in the cart.") % {"name": name})
        return redirect("orders:cart")
    return _cart_page(request, add_form=form, status=400)


@require_POST
@requires(Permission.ORDERS_CREATE)
def cart_line(request: HttpRequest, line_id: int) -> HttpResponse:
    """A new quantity; with htmx the cart comes back in place, totals and problems updated."""
    form = QuantityForm(request.POST, auto_id=f"id_line{line_id}_%s")
    done, _line = _call(
        form, lambda d: services.cart_update(principal=request.principal, line_id=line_id, quantity=d["quantity"])
    )
    failed = None if done else {line_id: form}
    if request.htmx:
        return _cart_page(request, line_forms=failed, fragment=True)
    if done:
        messages.success(request, _("Quantity changed."))
        return redirect("orders:cart")
    return _cart_page(request, line_forms=failed, status=400)


@require_POST
@requires(Permission.ORDERS_CREATE)
def cart_line_remove(request: HttpRequest, line_id: int) -> HttpResponse:
    _attempt(
        request,
        lambda: services.cart_remove(principal=request.principal, line_id=line_id),
        success=_("Removed from the cart, with its options."),
    )
    return redirect("orders:cart")


@require_POST
@requires(Permission.ORDERS_CREATE)
def cart_place(request: HttpRequest) -> HttpResponse:
    """ "Beauftragen": the cart becomes an order; a refusal shows on the cart page, the cart unchanged."""
    principal = request.principal
    needs_address = _cart_state(principal)["needs_address"]
    form = CheckoutForm(request.POST, addresses=_addresses(principal), needs_address=needs_address)
    done, order = _call(form, lambda d: services.cart_order(principal=principal, **form.arguments()))
    if done:
        messages.success(request, _linked(_("Thank you: order %(number)s is placed. We confirm it by e-mail."), order))
        return redirect("orders:order_detail", number=order.number)
    return _cart_page(request, checkout_form=form, status=400)


# Orders


@requires(Permission.ORDERS_VIEW)
def orders(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    status = _status_filter(request)
    found = selectors.orders_list(principal=principal, status=status)
    page = paginate(found, page=_page_number(request), size=PAGE_SIZE)
    context = {
        "page": page,
        "status": status,
        "tabs": _status_tabs(status),
        "can_order": principal.can(Permission.ORDERS_CREATE),
    }
    return render(request, "orders/orders.html", context)


@requires(Permission.ORDERS_VIEW)
def order(request: HttpRequest, number: int) -> HttpResponse:
    principal = request.principal
    found = selectors.order_get(principal=principal, order_number=number)
    context = {
        "order": found,
        "lines": _nested(list(found.lines.all()), lambda line: line.parent_line_id),
        "can_order": principal.can(Permission.ORDERS_CREATE),
    }
    return render(request, "orders/order.html", context)


@require_POST
@requires(Permission.ORDERS_CREATE)
def order_reorder(request: HttpRequest, number: int) -> HttpResponse:
    """The dashboard's and the orders page's "reorder": the order's products into the cart again."""
    principal = request.principal
    try:
        added = services.order_reorder(principal=principal, order_number=number)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_next(request, reverse("orders:order_detail", args=[number])))
    messages.success(
        request,
        _("The products of order %(number)s are in the cart (%(n)s lines): check the quantities and place the order.")
        % {"number": number, "n": len(added)},
    )
    return redirect("orders:cart")


@requires(Permission.ORDERS_VIEW)
def affected_sims(request: HttpRequest, number: int) -> HttpResponse:
    """ "Betroffene SIMs": ICCID, label, IMSI and MSISDN of the SIMs the order delivered, topped up or extended."""
    found = selectors.order_get(principal=request.principal, order_number=number)
    response = HttpResponse(documents.affected_sims_xlsx(found), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="order-{found.number}-sims.xlsx"'
    return response


@requires(Permission.VIEW)
def document(request: HttpRequest, number: str) -> HttpResponse:
    """An invoice or a correction as stored when it was issued (the selector keeps other tenants out)."""
    found = selectors.document_get(principal=request.principal, number=number)
    response = HttpResponse(bytes(found.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{found.number}.pdf"'
    return response


# Active contracts


@requires(Permission.ORDERS_VIEW)
def contracts(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    rows = _nested(list(selectors.contracts_list(principal=principal)), lambda contract: contract.parent_id)
    context = {
        "rows": [(contract, depth, ProductType(contract.product_type).label) for contract, depth in rows],
        "can_order": principal.can(Permission.ORDERS_CREATE),
    }
    return render(request, "orders/contracts.html", context)


@require_POST
@requires(Permission.ORDERS_CREATE)
def contract_reorder(request: HttpRequest, contract_id: int) -> HttpResponse:
    """ "Nachbestellung": the contract's product with its term and price into the cart."""
    principal = request.principal
    contract = selectors.contract_get(principal=principal, contract_id=contract_id)
    try:
        services.contract_reorder(principal=principal, contract_id=contract.pk)
    except NotFound as exc:  # the contract ended, or its product is no longer sold
        messages.error(request, exc.message)
        return redirect("orders:contracts")
    messages.success(
        request,
        _("%(name)s (contract %(number)s) is in the cart with the same term and price.")
        % {"name": contract.product_name, "number": contract.number},
    )
    return redirect("orders:cart")


# Top-ups, extensions and auto top-up from the SIM pages

SIM_ORDERS = {
    "topup": {
        "types": TOPUP_TYPES,
        "title": gettext_lazy("Top up"),
        "button": gettext_lazy("Order the top-up"),
        "done": gettext_lazy("Top-up ordered: order %(number)s. The volume is available at once."),
    },
    "extension": {
        "types": (ProductType.LIFETIME_EXTENSION,),
        "title": gettext_lazy("Extend lifetime"),
        "button": gettext_lazy("Order the extension"),
        "done": gettext_lazy("Lifetime extended: order %(number)s."),
    },
}


def _sim_order(request: HttpRequest, kind: str) -> HttpResponse:
    """Asked from the SIM's page or My SIMs, then confirmed on a page of its own with the price; the order is
    placed and fulfilled at once, and the message links it."""
    principal = request.principal
    spec = SIM_ORDERS[kind]
    products = catalog.products_for(organisation_id=principal.organisation_id, types=spec["types"])
    data = request.POST if request.method == "POST" else request.GET
    iccids = [value.strip() for value in data.getlist("iccid") if value.strip()]
    one = len(iccids) == 1
    back = _next(request, reverse("connectivity:sim_detail", args=[iccids[0]]) if one else reverse("connectivity:sims"))
    if not iccids:
        messages.error(request, _("Select at least one SIM."))
        return redirect(back)
    status = 200
    if request.method == "POST" and data.get("confirmed"):
        form = SimOrderForm(data, products=products, sim_count=len(iccids))
        order_for_sims = services.topup_order if kind == "topup" else services.extension_order
        done, placed = _call(
            form,
            lambda d: order_for_sims(
                principal=principal, iccids=d["iccid"], product_id=d["product_id"], idempotency_key=d["idempotency_key"]
            ),
        )
        if done:
            messages.success(request, _linked(str(spec["done"]), placed))
            return redirect(back)
        status = 400
    else:
        chosen = data.get("product_id")
        initial = {"iccid": iccids, "next": back, "idempotency_key": idempotency_key()}
        if chosen and chosen.isdigit() and int(chosen) in {product.id for product in products}:
            initial["product_id"] = int(chosen)
        form = SimOrderForm(initial=initial, products=products, sim_count=len(iccids))
    context = {"form": form, "kind": kind, "spec": spec, "iccids": iccids, "back": back, "products": products}
    return render(request, "orders/sim_order.html", context, status=status)


@requires(Permission.ORDERS_CREATE)
def topup(request: HttpRequest) -> HttpResponse:
    return _sim_order(request, "topup")


@requires(Permission.ORDERS_CREATE)
def extension(request: HttpRequest) -> HttpResponse:
    return _sim_order(request, "extension")


@require_POST
@requires(Permission.ORDERS_CREATE)
def auto_top_up(request: HttpRequest) -> HttpResponse:
    """On or off for the SIMs sent, or for every SIM of the organisation when none is sent."""
    enabled = request.POST.get("enabled") == "1"
    iccids = [value.strip() for value in request.POST.getlist("iccid") if value.strip()] or None
    fallback = reverse("connectivity:sim_detail", args=[iccids[0]]) if iccids else reverse("connectivity:sims")
    if iccids is None:
        success = _("Auto top-up is on for all SIMs.") if enabled else _("Auto top-up is off for all SIMs.")
    elif enabled:
        success = _("Auto top-up is on: when data or SMS falls under 20 %, the SIM is topped up once.")
    else:
        success = _("Auto top-up is off for this SIM.")
    _attempt(
        request,
        lambda: services.auto_top_up_set(principal=request.principal, enabled=enabled, iccids=iccids),
        success=success,
    )
    return redirect(_next(request, fallback))


# The operator's back office


@dataclass
class BackOfficeRow:
    order: Any
    customer: Any
    cancel_form: CancelForm
    correction_form: CorrectionForm


def _back_office(
    request: HttpRequest, *, failed: dict[int, forms.Form] | None = None, status: str | None = None, code: int = 200
) -> HttpResponse:
    principal = request.principal
    shown = _status_filter(request, OrderStatus.IN_PREPARATION) if status is None else _valid_status(status)
    orders_page = paginate(
        selectors.back_office_orders(principal=principal, status=shown).prefetch_related(
            Prefetch("documents", Document.objects.defer("pdf"))
        ),
        page=_page_number(request),
        size=PAGE_SIZE,
    )
    customers = tenancy.organisation_refs(organisation_ids=[o.organisation_id for o in orders_page.items])
    failed = failed or {}
    rows = []
    for found in orders_page.items:
        prefix = f"o{found.number}"
        given = failed.get(found.number)
        rows.append(
            BackOfficeRow(
                order=found,
                customer=customers.get(found.organisation_id),
                cancel_form=given if isinstance(given, CancelForm) else CancelForm(prefix=prefix),
                correction_form=given if isinstance(given, CorrectionForm) else CorrectionForm(prefix=prefix),
            )
        )
    context = {"page": orders_page, "rows": rows, "status": shown, "tabs": _status_tabs(shown)}
    return render(request, "orders/back_office.html", context, status=code)


@requires(Permission.ORGANISATIONS_MANAGE)
def back_office(request: HttpRequest) -> HttpResponse:
    return _back_office(request)


def _back_office_url(request: HttpRequest) -> str:
    return f"{reverse('orders:back_office')}?status={_valid_status(request.POST.get('status', ''))}"


@require_POST
@requires(Permission.ORGANISATIONS_MANAGE)
def back_office_complete(request: HttpRequest, number: int) -> HttpResponse:
    """Shipped: the SIMs leave the stock for the customer, contracts start, the invoice is written."""
    _attempt(
        request,
        lambda: services.order_complete(principal=request.principal, order_number=number),
        success=_("Order %(number)s is completed and invoiced.") % {"number": number},
    )
    return redirect(_back_office_url(request))


@require_POST
@requires(Permission.ORGANISATIONS_MANAGE)
def back_office_cancel(request: HttpRequest, number: int) -> HttpResponse:
    form = CancelForm(request.POST, prefix=f"o{number}")
    done, _cancelled = _call(
        form, lambda d: services.order_cancel(principal=request.principal, order_number=number, reason=d["reason"])
    )
    if done:
        messages.success(request, _("Order %(number)s is cancelled.") % {"number": number})
        return redirect(_back_office_url(request))
    return _back_office(request, failed={number: form}, status=request.POST.get("status", ""), code=400)


@require_POST
@requires(Permission.ORGANISATIONS_MANAGE)
def back_office_correction(request: HttpRequest, number: int) -> HttpResponse:
    """A correction is an additional document on the order; the invoice stays as it was sent."""
    form = CorrectionForm(request.POST, prefix=f"o{number}")
    done, issued = _call(
        form,
        lambda d: services.correction_issue(
            principal=request.principal, order_number=number, net=d["net"], reason=d["reason"]
        ),
    )
    if done:
        messages.success(
            request,
            _("Correction %(document)s issued for order %(number)s.") % {"document": issued.number, "number": number},
        )
        return redirect(_back_office_url(request))
    return _back_office(request, failed={number: form}, status=request.POST.get("status", ""), code=400)
