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
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import TOPUP_TYPES, ProductRef, ProductType
from switchboard.connectivity import identifiers
from switchboard.connectivity import selectors as connectivity
from switchboard.core.errors import DomainError, NotFound, PermissionDenied
from switchboard.core.paging import paginate
from switchboard.core.portal import attempt, requires
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy

from .. import documents, selectors, services
from ..contracts import ORDER_STATUS_LABELS, OrderStatus
from ..models import Document
from ..rules import quote
from ..templatetags.orders_tags import corrections_of
from .forms import (
    AttachForm,
    CancelForm,
    CartAddForm,
    CheckoutForm,
    CorrectionForm,
    QuantityForm,
    SimOrderForm,
    idempotency_key,
)

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


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def _valid_status(value: str, default: str = "") -> str:
    """A status to filter by; empty for all of them (the "All" tab), the default for anything unknown."""
    return value if value == "" or value in {status.value for status in OrderStatus} else default


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
    quantity form and, for an option that lacks a (fitting) parent, the form that gives it one."""

    row: selectors.CartRow
    depth: int
    form: forms.Form
    attach: AttachForm | None = None

    def __getattr__(self, name: str):
        return getattr(self.row, name)


def _totals(view: selectors.CartView) -> list[dict]:
    """One-time and monthly charges (a kind the cart does not charge is left out), and what the order itself
    charges (one-time plus the first month)."""
    totals = [
        {"label": _("One-time"), "net": view.one_time_net, "vat": view.one_time_vat},
        {"label": _("Monthly"), "net": view.monthly_net, "vat": view.monthly_vat},
    ]
    charged = {"label": _("Charged with the order (one-time and first month)"), "net": view.net, "vat": view.vat}
    return [total for total in totals if total["net"] or total["vat"]] + [charged]


def _needs_parent(row: selectors.CartRow) -> bool:
    return row.product is not None and row.product.is_option and any(p.field == "parent" for p in row.problems)


def _cart_state(
    principal: Principal,
    line_forms: dict[int, forms.Form] | None = None,
    attach_forms: dict[int, AttachForm] | None = None,
) -> dict:
    view = selectors.cart_view(principal=principal)
    forms_given = line_forms or {}
    attach_given = attach_forms or {}
    by_line = {row.line.pk: row for row in view.rows}
    contracts = None
    rows = []
    for line, depth in _nested([row.line for row in view.rows], lambda line: line.parent_line_id):
        row = by_line[line.pk]
        attach = None
        if _needs_parent(row):
            if contracts is None:
                contracts = list(selectors.contracts_list(principal=principal))
            attach = attach_given.get(line.pk) or AttachForm(
                parents=_parent_choices(view.rows, contracts, set(row.product.parent_types), exclude=line.pk),
                auto_id=f"id_attach{line.pk}_%s",
            )
        rows.append(
            CartRowView(
                row=row,
                depth=depth,
                form=forms_given.get(line.pk)
                or QuantityForm(initial={"quantity": line.quantity}, auto_id=f"id_line{line.pk}_%s"),
                attach=attach,
            )
        )
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


def _parent_choices(rows: list, contracts: list, wanted: set, exclude: int | None = None) -> list:
    """What an option can be added to, grouped: a fitting line of the cart, or an active contract."""
    in_cart = [
        (f"line:{row.line.pk}", _("%(name)s (in the cart)") % {"name": row.product.name})
        for row in rows
        if row.product is not None and row.product.type in wanted and row.line.pk != exclude
    ]
    running = [
        (
            f"contract:{contract.pk}",
            _("%(name)s, contract %(number)s") % {"name": contract.product_name, "number": contract.number},
        )
        for contract in contracts
        if contract.product_type in wanted
    ]
    groups = []
    if in_cart:
        groups.append((_("In the cart"), in_cart))
    if running:
        groups.append((_("Active contracts"), running))
    return groups


def _parents(principal: Principal, rows: list[CartRowView], products: list[ProductRef]) -> list:
    """The picker's parents: whatever any offered option can be added to."""
    wanted = {kind for product in products for kind in product.parent_types}
    return _parent_choices(rows, list(selectors.contracts_list(principal=principal)), wanted)


def _addresses(principal: Principal) -> list:
    return list(tenancy.addresses_list(principal=principal, kind="shipping"))


def _cart_page(
    request: HttpRequest,
    *,
    add_form: CartAddForm | None = None,
    checkout_form: CheckoutForm | None = None,
    line_forms: dict[int, forms.Form] | None = None,
    attach_forms: dict[int, AttachForm] | None = None,
    status: int = 200,
    fragment: bool = False,
) -> HttpResponse:
    principal = request.principal
    state = _cart_state(principal, line_forms, attach_forms)
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
        if form.products[line.product_id].is_option and not (line.parent_line_id or line.parent_contract_id):
            messages.warning(
                request,
                _("%(name)s is in the cart. It still needs its parent: choose it under “Add to” on its line.")
                % {"name": name},
            )
        else:
            messages.success(request, _("%(name)s is in the cart.") % {"name": name})
        return redirect("orders:cart")
    return _cart_page(request, add_form=form, status=400)


@require_POST
@requires(Permission.ORDERS_CREATE)
def cart_line_attach(request: HttpRequest, line_id: int) -> HttpResponse:
    """An option that waits in the cart gets its parent: a line of the cart or an active contract."""
    principal = request.principal
    view = selectors.cart_view(principal=principal)
    row = next((row for row in view.rows if row.line.pk == line_id), None)
    if row is None:
        raise NotFound(_("This line is no longer in the cart."), field="line_id")
    wanted = set(row.product.parent_types) if row.product is not None else set()
    contracts = list(selectors.contracts_list(principal=principal))
    form = AttachForm(
        request.POST,
        parents=_parent_choices(view.rows, contracts, wanted, exclude=line_id),
        auto_id=f"id_attach{line_id}_%s",
    )
    done, _line = _call(form, lambda d: services.cart_attach(principal=principal, line_id=line_id, **form.arguments()))
    if done:
        messages.success(request, _("%(name)s is added to its parent.") % {"name": row.product.name})
        return redirect("orders:cart")
    return _cart_page(request, attach_forms={line_id: form}, status=400)


@require_POST
@requires(Permission.ORDERS_CREATE)
def cart_line(request: HttpRequest, line_id: int) -> HttpResponse:
    """A new quantity; with htmx the cart comes back in place, totals and problems updated."""
    form = QuantityForm(request.POST, auto_id=f"id_line{line_id}_%s")
    selectors.cart_line_get(principal=request.principal, line_id=line_id)  # someone else's line: 404, not a form error
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
    attempt(
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
        # The column of corrections only when this page has one.
        "has_corrections": any(corrections_of(found_order) for found_order in page.items),
    }
    return render(request, "orders/orders.html", context)


def _placed_by(found) -> str:
    """Who placed the order: the person's name where it is known, else the label the order keeps (an API
    client, or a person since removed)."""
    user = tenancy.user_get(user_id=found.placed_by_id) if found.placed_by_id else None
    name = user.full_name if user is not None else ""
    return name or found.placed_by


def _order_page(request: HttpRequest, found, *, back_office: bool = False) -> HttpResponse:
    context = {
        "order": found,
        "lines": _nested(list(found.lines.all()), lambda line: line.parent_line_id),
        "placed_by": _placed_by(found),
        "can_order": not back_office and request.principal.can(Permission.ORDERS_CREATE),
        "back_office": back_office,
        "customer": tenancy.organisation_refs(organisation_ids=[found.organisation_id]).get(found.organisation_id)
        if back_office
        else None,
    }
    return render(request, "orders/order.html", context)


@requires(Permission.ORDERS_VIEW)
def order(request: HttpRequest, number: int) -> HttpResponse:
    return _order_page(request, selectors.order_get(principal=request.principal, order_number=number))


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
        ngettext(
            "The products of order %(number)s are in the cart: %(n)s line added. Check the quantity and place the "
            "order.",
            "The products of order %(number)s are in the cart: %(n)s lines added. Check the quantities and place the "
            "order.",
            len(added),
        )
        % {"number": number, "n": len(added)},
    )
    return redirect("orders:cart")


@requires(Permission.ORDERS_VIEW)
def affected_sims(request: HttpRequest, number: int) -> HttpResponse:
    """ "Betroffene SIMs": ICCID, label, IMSI and MSISDN of the SIMs the order delivered, topped up or extended;
    the operator's staff get any customer's."""
    if tenancy.is_operator(organisation_id=request.principal.organisation_id):
        found = selectors.back_office_order(principal=request.principal, order_number=number)
    else:
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
    found = selectors.contracts_list(principal=principal).select_related("order_line__order")
    # Numbers in order (CT-9 before CT-10), so that options stand under their parent as they were added.
    numbered = sorted(found, key=lambda contract: (len(contract.number), contract.number))
    rows = _nested(numbered, lambda contract: contract.parent_id)
    context = {
        "rows": [(contract, depth, ProductType(contract.product_type).label) for contract, depth in rows],
        "can_order": principal.can(Permission.ORDERS_CREATE),
    }
    return render(request, "orders/contracts.html", context)


@require_POST
@requires(Permission.ORDERS_CREATE)
def contract_reorder(request: HttpRequest, contract_id: int) -> HttpResponse:
    """Reorder ("Nachbestellen"): the contract's product with its term and price into the cart."""
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


def _sims_page(iccids: list[str]) -> str:
    """Back to the SIM's page when one well-formed ICCID was sent, else to My SIMs."""
    key = identifiers.iccid_lookup(iccids[0]) if len(iccids) == 1 else None
    return reverse("connectivity:sim_detail", args=[key]) if key else reverse("connectivity:sims")


def _sim_order(request: HttpRequest, kind: str) -> HttpResponse:
    """Asked from the SIM's page or My SIMs, then confirmed on a page of its own with the price; the order is
    placed and fulfilled at once, and the message links it."""
    principal = request.principal
    spec = SIM_ORDERS[kind]
    products = catalog.products_for(organisation_id=principal.organisation_id, types=spec["types"])
    data = request.POST if request.method == "POST" else request.GET
    iccids = [value.strip() for value in data.getlist("iccid") if value.strip()]
    one = len(iccids) == 1
    back = _next(request, _sims_page(iccids))
    if not iccids:
        messages.error(request, _("Select at least one SIM."))
        return redirect(back)
    status = 200
    if request.method == "POST" and data.get("confirmed"):
        form = SimOrderForm(data, products=products)
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
        form = SimOrderForm(initial=initial, products=products)
    shown = _sims_shown(principal, iccids)
    context = {
        "form": form,
        "kind": kind,
        "spec": spec,
        "iccids": iccids,
        "sims": shown,
        "more": len(iccids) - len(shown),
        "back": back,
        "back_label": (shown[0]["label"] or shown[0]["iccid"]) if one and shown else _("My SIMs"),
        "products": products,
        "choices": list(zip(form["product_id"], [quote(p, len(iccids)) for p in products], strict=True)),
    }
    return render(request, "orders/sim_order.html", context, status=status)


SIMS_SHOWN = 10


def _sims_shown(principal: Principal, iccids: list[str]) -> list[dict]:
    """The first SIMs of the order with their labels, in the order given; an ICCID not found (the service
    refuses it on confirmation) is shown as given."""
    first = iccids[:SIMS_SHOWN]
    labels = {sim.iccid: sim.label for sim in connectivity.sims_get(principal=principal, iccids=first)}
    return [{"iccid": iccid, "label": labels.get(iccid, "")} for iccid in first]


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
    fallback = _sims_page(iccids or [])
    if iccids is None:
        success = _("Auto top-up is on for all SIMs.") if enabled else _("Auto top-up is off for all SIMs.")
    elif enabled:
        success = _("Auto top-up is on: when data or SMS falls under 20 %, the SIM is topped up once.")
    else:
        success = _("Auto top-up is off for this SIM.")
    attempt(
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
    context = {
        "page": orders_page,
        "rows": rows,
        "status": shown,
        "tabs": _status_tabs(shown),
        # A tab of one status needs no column saying it (the cancelled tab keeps it for the reasons).
        "show_status": shown in ("", OrderStatus.CANCELLED),
    }
    return render(request, "orders/back_office.html", context, status=code)


@requires(Permission.ORGANISATIONS_MANAGE)
def back_office(request: HttpRequest) -> HttpResponse:
    return _back_office(request)


@requires(Permission.ORGANISATIONS_MANAGE)
def back_office_order(request: HttpRequest, number: int) -> HttpResponse:
    """Any customer's order as the customer sees it, read-only, for the operator's staff."""
    found = selectors.back_office_order(principal=request.principal, order_number=number)
    return _order_page(request, found, back_office=True)


def _back_office_url(request: HttpRequest) -> str:
    return f"{reverse('orders:back_office')}?status={_valid_status(request.POST.get('status', ''))}"


@require_POST
@requires(Permission.ORGANISATIONS_MANAGE)
def back_office_complete(request: HttpRequest, number: int) -> HttpResponse:
    """Shipped: the SIMs leave the stock for the customer, contracts start, the invoice is written."""
    attempt(
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
