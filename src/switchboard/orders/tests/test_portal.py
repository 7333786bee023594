"""The order pages through the browser's door: cart, orders, contracts, the SIM pages' top-ups, the dashboard card
and the operator's back office; who sees what, refusals in place, another tenant kept out, the downloads."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from switchboard.catalog import selectors as catalog_selectors
from switchboard.catalog.tests import factories as catalog_products
from switchboard.orders import services
from switchboard.orders.contracts import OrderStatus, OrderType
from switchboard.orders.models import AutoTopUp, CartLine, Contract, Document, Order
from switchboard.orders.rules import Item
from switchboard.tenancy.models import Address
from switchboard.tenancy.tests.factories import principal

# An amount of nothing, as the pages would print it (not the end of 10.00).
ZERO = re.compile(r"(?<![\d.,])0\.00\N{NO-BREAK SPACE}EUR")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def trunk_order(world, catalog):
    """An order of a SIP trunk with two UMS packages, still in preparation."""
    owner = principal(world.owner)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk, term_months=24)
    services.cart_add(principal=owner, product_id=catalog.ums.pk, quantity=2, parent_line_id=trunk.pk)
    return services.cart_order(principal=owner, customer_reference="PO-1")


@pytest.fixture
def sim_order(world, fleet, catalog, shipping):
    """Two SIM cards, completed by the operator: invoiced, with affected SIMs."""
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=2)
    order = services.cart_order(principal=owner, address_id=shipping.pk)
    return services.order_complete(principal=principal(fleet.operator_admin), order_number=order.number)


# Who sees what


@pytest.mark.parametrize("name", ["orders:cart", "orders:orders", "orders:contracts"])
def test_pages_render_for_the_owner(world, catalog, portal, name):
    response = portal(world.owner).get(reverse(name))
    assert response.status_code == 200


def test_owner_sees_the_menu_items_and_the_user_none(world, portal):
    owner_page = _text(portal(world.owner).get(reverse("portal:dashboard")))
    assert reverse("orders:orders") in owner_page and reverse("orders:cart") in owner_page
    assert reverse("orders:back_office") not in owner_page  # the operator's only
    user_page = _text(portal(world.user).get(reverse("portal:dashboard")))
    assert reverse("orders:orders") not in user_page and reverse("orders:cart") not in user_page
    assert 'data-testid="orders"' not in user_page  # no "Latest orders" card either


@pytest.mark.parametrize(
    "name", ["orders:cart", "orders:orders", "orders:contracts", "orders:back_office", "orders:topup"]
)
def test_user_role_gets_403(world, portal, name):
    assert portal(world.user).get(reverse(name)).status_code == 403


def test_user_role_cannot_post_orders(world, fleet, catalog, portal, trunk_order):
    browser = portal(world.user)
    assert browser.post(reverse("orders:cart_add"), {"product_id": catalog.trunk.pk, "quantity": 1}).status_code == 403
    assert browser.post(reverse("orders:order_reorder", args=[trunk_order.number])).status_code == 403
    response = browser.post(reverse("orders:topup"), {"iccid": fleet.sim.iccid, "confirmed": "1"})
    assert response.status_code == 403
    assert not CartLine.objects.exists() and Order.objects.count() == 1


def test_read_only_sees_orders_without_order_buttons(world, portal, trunk_order):
    browser = portal(world.read_only)
    page = _text(browser.get(reverse("orders:orders")))
    assert str(trunk_order.number) in page and "Reorder" not in page
    detail = _text(browser.get(reverse("orders:order_detail", args=[trunk_order.number])))
    assert 'data-testid="reorder"' not in detail
    assert browser.get(reverse("orders:cart")).status_code == 403


def test_sim_pages_offer_top_ups_only_to_roles_that_order(world, fleet, catalog, portal):
    detail = reverse("connectivity:sim_detail", args=[fleet.sim.iccid])
    owner_page = _text(portal(world.owner).get(detail))
    assert 'data-testid="sim-orders"' in owner_page and "Top-up 500 MB · 10.00" in owner_page
    assert 'data-testid="bulk-topup"' in _text(portal(world.owner).get(reverse("connectivity:sims")))
    assert 'data-testid="sim-orders"' not in _text(portal(world.user).get(detail))
    assert 'data-testid="bulk-topup"' not in _text(portal(world.user).get(reverse("connectivity:sims")))


# Cart


def test_cart_shows_what_is_missing_next_to_the_line_and_blocks_the_order(world, catalog, portal):
    services.cart_add(principal=principal(world.owner), product_id=catalog.ums.pk, quantity=1)
    page = _text(portal(world.owner).get(reverse("orders:cart")))
    assert "needs a SIP trunk" in page
    assert 'data-testid="place-order" disabled' in page and 'data-testid="place-reason"' in page


def test_cart_lists_options_under_their_parent_with_totals(world, catalog, portal):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.channel.pk, quantity=4)  # no parent yet
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk, term_months=36)
    services.cart_add(principal=owner, product_id=catalog.ums.pk, quantity=2, parent_line_id=trunk.pk)
    page = _text(portal(world.owner).get(reverse("orders:cart")))
    ums_at, trunk_at = page.index("Unified Messaging package"), page.index("<strong>SIP trunk</strong>")
    assert trunk_at < ums_at
    assert "36 months, as its parent" in page
    # one-time 49.00; monthly 19.90 + 2 x 4.90 + 4 x 0.68 = 32.42
    assert "49.00\N{NO-BREAK SPACE}EUR" in page and "32.42\N{NO-BREAK SPACE}EUR" in page


def test_adding_products_through_the_picker(world, catalog, portal):
    browser = portal(world.owner)
    response = browser.post(
        reverse("orders:cart_add"), {"product_id": catalog.trunk.pk, "quantity": 1, "term_months": 24}
    )
    assert response.status_code == 302
    trunk = CartLine.objects.get()
    parent = f"line:{trunk.pk}"
    response = browser.post(reverse("orders:cart_add"), {"product_id": catalog.ums.pk, "quantity": 3, "parent": parent})
    assert response.status_code == 302
    assert CartLine.objects.get(product_id=catalog.ums.pk).parent_line_id == trunk.pk


def test_picker_refusal_is_shown_in_place(world, catalog, portal):
    response = portal(world.owner).post(
        reverse("orders:cart_add"), {"product_id": catalog.trunk.pk, "quantity": 1, "term_months": 6}
    )
    assert response.status_code == 400
    assert "The minimum term of SIP trunk is 24 months." in _text(response)
    assert not CartLine.objects.exists()


def test_quantity_changes_in_place_with_htmx(world, catalog, portal):
    line = services.cart_add(principal=principal(world.owner), product_id=catalog.trunk.pk)
    browser = portal(world.owner)
    response = browser.post(
        reverse("orders:cart_line", args=[line.pk]), {"quantity": 3}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    fragment = _text(response)
    assert fragment.lstrip().startswith('<section class="card" id="cart"') and 'hx-swap-oob="true"' in fragment
    line.refresh_from_db()
    assert line.quantity == 3
    refused = browser.post(reverse("orders:cart_line", args=[line.pk]), {"quantity": 0}, headers={"HX-Request": "true"})
    assert "errorlist" in _text(refused)
    line.refresh_from_db()
    assert line.quantity == 3


def test_removing_a_line_removes_its_options(world, catalog, portal):
    owner = principal(world.owner)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    services.cart_add(principal=owner, product_id=catalog.ums.pk, parent_line_id=trunk.pk)
    assert portal(world.owner).post(reverse("orders:cart_line_remove", args=[trunk.pk])).status_code == 302
    assert not CartLine.objects.exists()


def test_placing_the_order_from_the_cart(world, catalog, portal):
    owner = principal(world.owner)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk, term_months=24)
    services.cart_add(principal=owner, product_id=catalog.ums.pk, quantity=2, parent_line_id=trunk.pk)
    browser = portal(world.owner)
    response = browser.post(
        reverse("orders:cart_place"), {"customer_reference": "PO-42", "idempotency_key": "k-1"}, follow=True
    )
    order = Order.objects.get()
    assert response.redirect_chain[-1][0] == reverse("orders:order_detail", args=[order.number])
    page = _text(response)
    assert f'<a href="{reverse("orders:order_detail", args=[order.number])}">{order.number}</a>' in page  # the message
    assert "PO-42" in page and "Unified Messaging package" in page
    assert order.customer_reference == "PO-42" and not CartLine.objects.exists()
    again = browser.post(reverse("orders:cart_place"), {"idempotency_key": "k-1"})  # a double click
    assert again.status_code == 302 and Order.objects.count() == 1


def test_sim_order_to_a_new_address_saves_it(world, fleet, catalog, portal):
    services.cart_add(principal=principal(world.owner), product_id=catalog.sim_card.pk, quantity=1)
    address = {"name": "Site B", "street": "Hafenstr. 1", "postal_code": "20457", "city": "Hamburg", "country": "DE"}
    response = portal(world.owner).post(reverse("orders:cart_place"), {"delivery_address": "new", **address})
    assert response.status_code == 302
    assert Order.objects.get().shipping_address["city"] == "Hamburg"
    assert Address.objects.filter(organisation=world.customer, kind="shipping", name="Site B").exists()


def test_sim_order_refusals_show_on_the_cart(world, fleet, catalog, portal):
    services.cart_add(principal=principal(world.owner), product_id=catalog.sim_card.pk, quantity=1)
    browser = portal(world.owner)
    response = browser.post(reverse("orders:cart_place"), {})
    assert response.status_code == 400 and "Choose a delivery address" in _text(response)
    response = browser.post(reverse("orders:cart_place"), {"delivery_address": "new", "name": "Site B"})
    assert response.status_code == 400 and 'class="field invalid"' in _text(response)
    assert not Order.objects.exists() and CartLine.objects.count() == 1


def test_an_option_added_without_parent_warns_that_it_still_needs_one(world, catalog, portal):
    response = portal(world.owner).post(
        reverse("orders:cart_add"), {"product_id": catalog.channel.pk, "quantity": 2}, follow=True
    )
    page = _text(response)
    assert '<li class="warning">Voice channel is in the cart. It still needs its parent' in page
    assert 'data-testid="attach"' in page  # the line offers to add it to something at once


def test_an_option_gets_its_parent_in_the_cart(world, catalog, portal):
    owner = principal(world.owner)
    channel = services.cart_add(principal=owner, product_id=catalog.channel.pk, quantity=4)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk, term_months=24)
    browser = portal(world.owner)
    page = _text(browser.get(reverse("orders:cart")))
    attach = reverse("orders:cart_line_attach", args=[channel.pk])
    assert attach in page and "SIP trunk (in the cart)" in page
    assert reverse("orders:cart_line_attach", args=[trunk.pk]) not in page  # the trunk stands on its own
    response = browser.post(attach, {"parent": f"line:{trunk.pk}"}, follow=True)
    channel.refresh_from_db()
    assert channel.parent_line_id == trunk.pk
    page = _text(response)
    assert 'data-testid="place-order" disabled' not in page and "24 months, as its parent" in page


def test_attaching_refusals_show_on_the_line(world, catalog, portal):
    owner = principal(world.owner)
    channel = services.cart_add(principal=owner, product_id=catalog.channel.pk)
    sim = services.cart_add(principal=owner, product_id=catalog.sim_card.pk)
    browser = portal(world.owner)
    attach = reverse("orders:cart_line_attach", args=[channel.pk])
    for bad in ("", f"line:{sim.pk}", f"line:{channel.pk}", "contract:999"):
        response = browser.post(attach, {"parent": bad})
        assert response.status_code == 400 and 'role="alert"' in _text(response)
    channel.refresh_from_db()
    assert channel.parent_line_id is None and channel.parent_contract_id is None


def test_another_tenant_cannot_attach_a_line(world, catalog, portal):
    owner = principal(world.owner)
    channel = services.cart_add(principal=owner, product_id=catalog.channel.pk)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    response = portal(world.other_owner).post(
        reverse("orders:cart_line_attach", args=[channel.pk]), {"parent": f"line:{trunk.pk}"}
    )
    assert response.status_code == 404
    channel.refresh_from_db()
    assert channel.parent_line_id is None


def test_cart_hides_charges_it_does_not_make(world, catalog, portal):
    services.cart_add(principal=principal(world.owner), product_id=catalog.sim_card.pk, quantity=5)
    page = _text(portal(world.owner).get(reverse("orders:cart")))
    assert "10 years" in page and "120 months" not in page
    assert "5 \N{MULTIPLICATION SIGN} 10.00\N{NO-BREAK SPACE}EUR" in page  # the unit price under the line's total
    assert ">Monthly</td>" not in page  # no all-zero monthly row in the totals
    cart = page[page.index('id="cart"') : page.index('id="checkout"')]
    assert " once" not in cart and not ZERO.search(cart)


# Orders, documents, contracts


def test_orders_list_with_invoice_affected_sims_and_corrections(world, fleet, portal, sim_order):
    services.correction_issue(
        principal=principal(fleet.operator_admin), order_number=sim_order.number, net="-5.00", reason="Goodwill"
    )
    page = _text(portal(world.owner).get(reverse("orders:orders")))
    invoice, correction = sim_order.documents.order_by("id")
    assert reverse("orders:document", args=[invoice.number]) in page
    assert reverse("orders:document", args=[correction.number]) in page
    assert reverse("orders:affected_sims", args=[sim_order.number]) in page
    assert "Completed" in page


def test_orders_list_leaves_out_the_corrections_column_when_there_are_none(world, portal, sim_order):
    page = _text(portal(world.owner).get(reverse("orders:orders")))
    assert "Additional documents" not in page
    assert f'href="{reverse("orders:order_detail", args=[sim_order.number])}"' in page


def test_order_detail_reads_terms_in_years_and_hides_zero_prices(world, portal, sim_order):
    page = _text(portal(world.owner).get(reverse("orders:order_detail", args=[sim_order.number])))
    assert "10 years" in page and "120 months" not in page
    assert not ZERO.search(page)  # a SIM card has no monthly price
    assert world.owner.user.full_name in page  # placed by, with the person's name
    assert 'class="secondary" data-testid="reorder"' in page


@pytest.mark.parametrize("lines, expected", [(1, "1 line added"), (2, "2 lines added")])
def test_reorder_message_counts_lines(world, catalog, portal, lines, expected):
    owner = principal(world.owner)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    if lines == 2:
        services.cart_add(principal=owner, product_id=catalog.ums.pk, parent_line_id=trunk.pk)
    order = services.cart_order(principal=owner)
    response = portal(world.owner).post(reverse("orders:order_reorder", args=[order.number]), follow=True)
    assert f"The products of order {order.number} are in the cart: {expected}." in _text(response)


def test_order_detail_lists_lines_with_options_under_their_parent(world, portal, trunk_order):
    page = _text(portal(world.owner).get(reverse("orders:order_detail", args=[trunk_order.number])))
    assert page.index("SIP trunk") < page.index('<tr class="option">') < page.index("Unified Messaging package")
    assert 'data-testid="reorder"' in page and "In preparation" in page


def test_downloads_answer_with_their_content_types(world, portal, sim_order):
    browser = portal(world.owner)
    invoice = sim_order.documents.get()
    pdf = browser.get(reverse("orders:document", args=[invoice.number]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    sheet = browser.get(reverse("orders:affected_sims", args=[sim_order.number]))
    assert sheet.status_code == 200 and sheet["Content-Type"] == XLSX
    rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == set(sim_order.sims.values_list("iccid", flat=True))


def test_another_tenant_gets_404(world, portal, sim_order):
    stranger = portal(world.other_owner)
    invoice = sim_order.documents.get()
    assert stranger.get(reverse("orders:order_detail", args=[sim_order.number])).status_code == 404
    assert stranger.get(reverse("orders:affected_sims", args=[sim_order.number])).status_code == 404
    assert stranger.get(reverse("orders:document", args=[invoice.number])).status_code == 404
    assert stranger.post(reverse("orders:order_reorder", args=[sim_order.number])).status_code == 404
    assert not CartLine.objects.exists()


def test_pages_render_in_german(world, portal, sim_order, trunk_order):
    browser = portal(world.owner)
    browser.cookies["django_language"] = "de"
    services.cart_add(principal=principal(world.owner), product_id=sim_order.lines.get().product_id)
    for url in (
        reverse("orders:cart"),
        reverse("orders:orders"),
        reverse("orders:contracts"),
        reverse("portal:dashboard"),
    ):
        response = browser.get(url)
        assert response.status_code == 200 and '<html lang="de">' in _text(response)


def test_unknown_order_is_404(world, portal):
    assert portal(world.owner).get(reverse("orders:order_detail", args=[999])).status_code == 404


def test_reorder_puts_the_order_into_the_cart(world, portal, trunk_order):
    response = portal(world.owner).post(reverse("orders:order_reorder", args=[trunk_order.number]))
    assert response.status_code == 302 and response["Location"] == reverse("orders:cart")
    assert CartLine.objects.count() == 2 and CartLine.objects.exclude(parent_line=None).count() == 1


def test_contracts_with_options_and_reorder(world, fleet, portal, trunk_order):
    services.order_complete(principal=principal(fleet.operator_admin), order_number=trunk_order.number)
    browser = portal(world.owner)
    page = _text(browser.get(reverse("orders:contracts")))
    trunk = Contract.objects.get(product_type="sip_trunk")
    assert trunk.number in page and page.index("SIP trunk") < page.index('<tr class="option">')
    assert reverse("orders:order_detail", args=[trunk_order.number]) in page  # the order that started it
    assert "9.80\N{NO-BREAK SPACE}EUR" in page  # 2 UMS packages x 4.90 a month
    response = browser.post(reverse("orders:contract_reorder", args=[trunk.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("orders:cart")
    line = CartLine.objects.get()
    assert line.product_id == trunk.product_id and line.term_months == 24


def test_another_tenants_contract_cannot_be_reordered(world, fleet, portal, trunk_order):
    services.order_complete(principal=principal(fleet.operator_admin), order_number=trunk_order.number)
    trunk = Contract.objects.get(product_type="sip_trunk")
    assert portal(world.other_owner).post(reverse("orders:contract_reorder", args=[trunk.pk])).status_code == 404


# Dashboard


def test_dashboard_lists_the_latest_orders_with_reorder(world, portal, trunk_order):
    page = _text(portal(world.owner).get(reverse("portal:dashboard")))
    assert str(trunk_order.number) in page and "In preparation" in page
    assert "1\N{NO-BREAK SPACE}\N{MULTIPLICATION SIGN} SIP trunk and 1 more" in page  # what was ordered
    assert "Ref. PO-1" in page
    assert '<div class="table-wrap">\n    <table class="latest-orders">' in page
    assert reverse("orders:order_reorder", args=[trunk_order.number]) in page
    read_only = _text(portal(world.read_only).get(reverse("portal:dashboard")))
    assert str(trunk_order.number) in read_only and 'data-testid="reorder"' not in read_only


# Top-ups from the SIM pages


def test_top_up_from_the_sim_page_is_confirmed_with_its_price(world, fleet, catalog, portal):
    browser = portal(world.owner)
    iccid = fleet.sim.iccid
    confirm = browser.get(reverse("orders:topup"), {"iccid": iccid, "product_id": catalog.sms_topup.pk})
    page = _text(confirm)
    assert confirm.status_code == 200 and 'data-testid="prices"' in page
    # net, 19 % VAT and gross of the product for this one SIM; the SIM named by its label and ICCID
    for amount in ("5.00", "0.95", "5.95"):
        assert f"{amount}\N{NO-BREAK SPACE}EUR" in page
    assert fleet.sim.iccid in page and f"<strong>{fleet.sim.label}</strong>" in page
    assert f"Back to {fleet.sim.label}" in page
    assert not Order.objects.exists()
    form = confirm.context["form"]
    data = {"iccid": iccid, "product_id": catalog.sms_topup.pk, "confirmed": "1"}
    data["idempotency_key"] = form["idempotency_key"].value()
    data["next"] = form["next"].value()
    response = browser.post(reverse("orders:topup"), data, follow=True)
    order = Order.objects.get()
    assert order.order_type == OrderType.TOPUP and order.status == OrderStatus.COMPLETED
    assert response.redirect_chain[-1][0] == reverse("connectivity:sim_detail", args=[iccid])
    assert f'<a href="{reverse("orders:order_detail", args=[order.number])}">{order.number}</a>' in _text(response)
    browser.post(reverse("orders:topup"), data)  # sent twice: still one order
    assert Order.objects.count() == 1


def test_top_up_of_the_selection_in_my_sims(world, fleet, catalog, portal):
    browser = portal(world.owner)
    iccids = [sim.iccid for sim in fleet.sims]
    asked = browser.post(reverse("orders:topup"), {"iccid": iccids, "product_id": catalog.data_topup.pk})
    asked_page = _text(asked)
    assert asked.status_code == 200 and "3 SIMs \N{MULTIPLICATION SIGN} 10.00\N{NO-BREAK SPACE}EUR net" in asked_page
    assert "30.00\N{NO-BREAK SPACE}EUR" in asked_page and "35.70\N{NO-BREAK SPACE}EUR" in asked_page  # net, gross
    assert "Back to My SIMs" in asked_page
    assert all(f'name="iccid" value="{iccid}"' in _text(asked) for iccid in iccids)  # carried to the confirmation
    data = {"iccid": iccids, "product_id": catalog.data_topup.pk, "confirmed": "1", "next": "/sims/?q=Truck"}
    response = browser.post(reverse("orders:topup"), data)
    assert response.status_code == 302 and response["Location"] == "/sims/?q=Truck"
    order = Order.objects.get()
    assert order.order_type == OrderType.BULK_TOPUP and order.sims.count() == 3


def test_top_up_without_selection_goes_back_with_a_message(world, fleet, catalog, portal):
    response = portal(world.owner).post(reverse("orders:topup"), {"product_id": catalog.data_topup.pk}, follow=True)
    assert "Select at least one SIM." in _text(response) and not Order.objects.exists()


def test_top_up_refusal_is_shown_on_the_confirmation(world, fleet, catalog, portal):
    data = {"iccid": [fleet.other_sims[0].iccid], "product_id": catalog.data_topup.pk, "confirmed": "1"}
    response = portal(world.owner).post(reverse("orders:topup"), data)
    assert response.status_code == 400 and 'class="form-errors"' in _text(response)
    assert not Order.objects.exists()


def test_lifetime_extension_from_the_sim_page(world, fleet, catalog, portal):
    data = {"iccid": fleet.sim.iccid, "product_id": catalog.extension.pk, "confirmed": "1"}
    response = portal(world.owner).post(reverse("orders:extension"), data)
    assert response.status_code == 302
    assert Order.objects.get().order_type == OrderType.EXTENSION


def test_auto_top_up_on_and_off(world, fleet, portal):
    browser = portal(world.owner)
    iccid = fleet.sim.iccid
    browser.post(reverse("orders:auto_top_up"), {"iccid": iccid, "enabled": "1"})
    assert AutoTopUp.objects.get().sim_id == fleet.sim.pk
    page = _text(browser.get(reverse("connectivity:sim_detail", args=[iccid])))
    assert "Turn off" in page
    browser.post(reverse("orders:auto_top_up"), {"iccid": iccid, "enabled": "0"})
    assert not AutoTopUp.objects.exists()
    browser.post(reverse("orders:auto_top_up"), {"enabled": "1"})
    assert AutoTopUp.objects.get().sim_id is None
    assert "On for all SIMs" in _text(browser.get(reverse("connectivity:sim_detail", args=[iccid])))


# The operator's back office


def test_back_office_is_the_operators_only(world, fleet, portal, trunk_order):
    assert portal(world.owner).get(reverse("orders:back_office")).status_code == 403
    assert (
        portal(world.owner).post(reverse("orders:back_office_complete", args=[trunk_order.number])).status_code == 403
    )
    page = _text(portal(fleet.operator_admin).get(reverse("orders:back_office")))
    assert str(trunk_order.number) in page and "Acme GmbH" in page
    assert reverse("orders:back_office") in _text(portal(fleet.operator_admin).get(reverse("portal:dashboard")))


def test_operator_completes_an_order(world, fleet, portal, trunk_order):
    response = portal(fleet.operator_admin).post(reverse("orders:back_office_complete", args=[trunk_order.number]))
    assert response.status_code == 302
    trunk_order.refresh_from_db()
    assert trunk_order.status == OrderStatus.COMPLETED and Document.objects.filter(order=trunk_order).exists()


def test_operator_cancels_with_a_reason_only(world, fleet, portal, trunk_order):
    browser = portal(fleet.operator_admin)
    url = reverse("orders:back_office_cancel", args=[trunk_order.number])
    refused = browser.post(url, {f"o{trunk_order.number}-reason": ""})
    assert refused.status_code == 400 and "Give the reason for the cancellation." in _text(refused)
    trunk_order.refresh_from_db()
    assert trunk_order.status == OrderStatus.IN_PREPARATION
    assert browser.post(url, {f"o{trunk_order.number}-reason": "Duplicate order"}).status_code == 302
    trunk_order.refresh_from_db()
    assert trunk_order.status == OrderStatus.CANCELLED and trunk_order.cancel_reason == "Duplicate order"
    again = browser.post(reverse("orders:back_office_complete", args=[trunk_order.number]), follow=True)
    assert "already" in _text(again)


def test_operator_corrects_a_completed_invoice(world, fleet, portal, sim_order):
    browser = portal(fleet.operator_admin)
    url = reverse("orders:back_office_correction", args=[sim_order.number])
    prefix = f"o{sim_order.number}"
    refused = browser.post(url, {f"{prefix}-net": "0", f"{prefix}-reason": "Nothing", "status": "COMPLETED"})
    assert refused.status_code == 400 and "non-zero" in _text(refused)
    response = browser.post(url, {f"{prefix}-net": "-5.00", f"{prefix}-reason": "Goodwill", "status": "COMPLETED"})
    assert response.status_code == 302
    correction = sim_order.documents.get(kind="correction")
    assert correction.reason == "Goodwill"
    operator_pdf = browser.get(reverse("orders:document", args=[correction.number]))
    assert operator_pdf.status_code == 200 and operator_pdf["Content-Type"] == "application/pdf"


def test_operator_reads_any_order_in_the_back_office(world, fleet, portal, trunk_order):
    url = reverse("orders:back_office_order", args=[trunk_order.number])
    operator = portal(fleet.operator_admin)
    assert url in _text(operator.get(reverse("orders:back_office")))
    page = _text(operator.get(url))
    assert "Acme GmbH" in page and "Unified Messaging package" in page and "PO-1" in page
    assert 'data-testid="reorder"' not in page  # read-only
    assert operator.get(reverse("orders:back_office_order", args=[999])).status_code == 404
    assert portal(world.owner).get(url).status_code == 403


def test_back_office_in_preparation_has_no_status_column(fleet, portal, trunk_order):
    operator = portal(fleet.operator_admin)
    assert "<th>Status</th>" not in _text(operator.get(reverse("orders:back_office")))
    assert "<th>Status</th>" in _text(operator.get(reverse("orders:back_office"), {"status": ""}))


def test_orders_are_paged_newest_first(world, catalog, portal):
    owner = principal(world.owner)
    trunk = catalog_products.sip_trunk(code="sip-trunk-paging")
    numbers = [services.place(owner, [Item(product=_ref(world, trunk), quantity=1)]).number for _ in range(26)]
    browser = portal(world.owner)
    first = _text(browser.get(reverse("orders:orders")))
    assert str(numbers[-1]) in first and str(numbers[0]) not in first
    assert "Older →" in first and "Newer" not in first
    second = _text(browser.get(reverse("orders:orders") + "?page=2"))
    assert str(numbers[0]) in second and "← Newer" in second and "Page 2 of 2" in second


def _ref(world, product):
    return catalog_selectors.product_for(organisation_id=world.customer.pk, product_id=product.pk)
