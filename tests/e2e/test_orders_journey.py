"""Ordering in a real browser, on the demo data: a SIM reorder from the dashboard to the invoice and the
affected-SIMs file, an option that waits for its parent in the cart, and a top-up from a SIM's page."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from switchboard.orders.models import Order, OrderSim

OPERATOR = "operator@demo.switchboard.test"


def amount_pattern(value) -> re.Pattern:
    """An amount as the portal or the PDF prints it in either locale: 59.50 or 59,50, grouped or not."""
    whole, cents = f"{value:.2f}".split(".")
    grouped = re.sub(r"\B(?=(\d{3})+$)", "[.,\u00a0 ]?", whole)
    return re.compile(rf"{grouped}[.,]{cents}")


def choose(select, starting: str) -> None:
    """Select the option whose label starts with the text (the labels go on with prices)."""
    value = select.locator("option").filter(has_text=re.compile("^" + re.escape(starting))).get_attribute("value")
    select.select_option(value)


def flash(page: Page, text: str | re.Pattern):
    """The message the page shows after an action."""
    return page.get_by_role("status").filter(has_text=text)


def log_in_as(page: Page, login, email: str) -> Page:
    """Another person on the same browser: the session cookie of the previous one is dropped first."""
    page.context.clear_cookies()
    return login(email)


def order_row(page: Page, number: int):
    return page.get_by_test_id("orders").get_by_role("row").filter(has=page.get_by_role("link", name=str(number)))


@pytest.mark.e2e
def test_reorder_sims_from_the_dashboard_to_invoice_and_affected_sims(page: Page, login, shoot):
    login("owner@acme.test")
    latest = page.get_by_test_id("orders")
    expect(latest.get_by_role("heading", name="Latest orders")).to_be_visible()
    first = Order.objects.get(customer_reference="PO-2026-0117")  # the demo's delivered order of 5 SIM cards
    row = latest.get_by_role("row").filter(has=page.get_by_role("link", name=str(first.number)))
    expect(row).to_contain_text("Completed")
    shoot(page, "orders-journey-dashboard")

    row.get_by_test_id("reorder").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(flash(page, f"The products of order {first.number} are in the cart")).to_be_visible()
    lines = page.get_by_test_id("cart-line")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("IoT SIM card 2FF/3FF/4FF")
    expect(lines.first.get_by_role("spinbutton")).to_have_value("5")
    expect(page.get_by_test_id("problems")).to_have_count(0)
    # The SIM cards are goods: the saved shipping addresses are offered, the first one chosen.
    delivery = page.locator("#delivery")
    expect(delivery.get_by_role("radio", name=re.compile("Acme warehouse"))).to_be_checked()
    new_address = delivery.get_by_role("group", name="New address, saved for next time")
    expect(new_address).to_be_hidden()
    delivery.get_by_role("radio", name="A new address").check()
    expect(new_address.get_by_label("Street and number")).to_be_visible()
    delivery.get_by_role("radio", name=re.compile("Acme warehouse")).check()
    expect(new_address).to_be_hidden()
    totals = page.get_by_test_id("totals")
    one_time = totals.get_by_role("row").filter(has_text=re.compile(r"^One-time"))
    expect(one_time).to_contain_text(amount_pattern(50))  # 5 x 10.00 net
    expect(one_time).to_contain_text(amount_pattern(9.5))  # 19 % VAT
    expect(one_time).to_contain_text(amount_pattern(59.5))
    expect(totals.locator("tr.charged")).to_contain_text(amount_pattern(59.5))
    page.get_by_label("Your reference").fill("PO-2026-0242")
    expect(page.get_by_test_id("place-order")).to_be_enabled()
    shoot(page, "orders-journey-cart-ready")

    page.get_by_test_id("place-order").click()  # "Beauftragen"
    expect(flash(page, "Thank you: order")).to_be_visible()
    placed = Order.objects.get(customer_reference="PO-2026-0242")
    expect(page).to_have_url(re.compile(rf"/orders/{placed.number}/$"))
    expect(page.get_by_test_id("order-status")).to_have_text("In preparation")
    assert placed.total_gross == Decimal("59.50")

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Orders").click()
    expect(order_row(page, placed.number)).to_contain_text("In preparation")
    expect(order_row(page, placed.number).get_by_test_id("invoice")).to_have_count(0)
    shoot(page, "orders-journey-orders-in-preparation")

    log_in_as(page, login, OPERATOR)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Order back office").click()
    ours = page.get_by_test_id("back-office-order").filter(has_text=str(placed.number))
    expect(ours).to_contain_text("Acme Logistics GmbH")
    expect(ours).to_contain_text("5 \N{MULTIPLICATION SIGN} IoT SIM card 2FF/3FF/4FF")
    expect(ours).to_contain_text("Lagerweg 1")
    shoot(page, "orders-journey-back-office")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"form[action$='/back-office/orders/{placed.number}/complete/']").get_by_test_id("complete").click()
    expect(flash(page, f"Order {placed.number} is completed and invoiced.")).to_be_visible()
    expect(page.get_by_test_id("back-office-order").filter(has_text=str(placed.number))).to_have_count(0)

    log_in_as(page, login, "owner@acme.test")
    page.goto("/orders/")
    mine = order_row(page, placed.number)
    expect(mine).to_contain_text("Completed")
    shoot(page, "orders-journey-orders")

    with page.expect_download() as invoice:
        mine.get_by_test_id("invoice").click()
    pdf = invoice.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert str(placed.number) in text
    assert amount_pattern(59.5).search(text), text
    assert "PO-2026-0242" in text

    with page.expect_download() as affected:
        mine.get_by_test_id("affected-sims").click()
    assert affected.value.suggested_filename == f"order-{placed.number}-sims.xlsx"
    sheet = load_workbook(io.BytesIO(affected.value.path().read_bytes()), read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert list(header[:4]) == ["ICCID", "Label", "IMSI", "MSISDN"]
    delivered = set(OrderSim.objects.filter(order=placed).values_list("iccid", flat=True))
    assert len(delivered) == 5
    assert {str(row[0]) for row in rows} == delivered

    mine.get_by_role("link", name=str(placed.number)).click()
    expect(page.get_by_test_id("order-status")).to_have_text("Completed")
    expect(page.get_by_test_id("document")).to_contain_text("Invoice")
    expect(page.get_by_test_id("affected-sims")).to_be_visible()
    shoot(page, "orders-journey-order-detail")

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Active contracts").click()
    expect(page.get_by_test_id("contracts")).to_contain_text("SIP trunk, 36 months")
    shoot(page, "orders-journey-contracts")


@pytest.mark.e2e
def test_an_option_waits_for_its_parent_in_the_cart(page: Page, login, shoot):
    login("owner@acme.test")
    page.goto("/cart/")
    expect(page.get_by_test_id("cart")).to_contain_text("Your cart is empty.")
    adding = page.locator("#add-product")
    choose(adding.get_by_label("Product"), "Voice channel")
    adding.get_by_label("Quantity").fill("4")
    adding.get_by_label("Add to").select_option(label="No parent (not an option)")
    adding.get_by_role("button", name="Add to cart").click()
    expect(flash(page, "Voice channel is in the cart.")).to_be_visible()
    expect(page.get_by_test_id("problems")).to_contain_text(
        "Voice channel is an option: it needs a SIP trunk, in the cart or as an active contract."
    )
    expect(page.get_by_test_id("place-order")).to_be_disabled()
    expect(page.get_by_test_id("place-reason")).to_have_text("Resolve the problem marked above first.")
    shoot(page, "orders-journey-cart-problem")

    choose(adding.get_by_label("Product"), "SIP trunk, 24 months")
    adding.get_by_role("button", name="Add to cart").click()
    expect(flash(page, "SIP trunk, 24 months is in the cart.")).to_be_visible()
    expect(page.get_by_test_id("place-order")).to_be_disabled()  # the trunk alone does not adopt the option

    # A line's parent is chosen when it is added: the orphan goes, and comes back under the trunk.
    orphan = page.get_by_test_id("cart-line").filter(has_text="Voice channel")
    orphan.get_by_role("button", name="Remove").click()
    choose(adding.get_by_label("Product"), "Voice channel")
    adding.get_by_label("Quantity").fill("4")
    adding.get_by_label("Add to").select_option(label="SIP trunk, 24 months (in the cart)")
    adding.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("problems")).to_have_count(0)
    option = page.get_by_test_id("cart-line").filter(has_text="Voice channel")
    expect(option).to_have_class(re.compile(r"\boption\b"))
    expect(option).to_contain_text("24 months, as its parent")
    expect(page.get_by_test_id("place-order")).to_be_enabled()
    # 49.00 once + 19.90 + 4 x 0.68 a month = 71.62 net with the first month, 85.23 gross.
    expect(page.get_by_test_id("totals").locator("tr.charged")).to_contain_text(amount_pattern(85.23))
    shoot(page, "orders-journey-cart-option-ready")

    page.get_by_test_id("place-order").click()
    expect(flash(page, "Thank you: order")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("In preparation")
    expect(page.get_by_test_id("order-lines").locator("tr.option")).to_contain_text("Voice channel")


@pytest.mark.e2e
def test_top_up_from_the_sim_page(page: Page, login, shoot):
    login("owner@acme.test")
    page.goto("/sims/?data_group=exhausted")
    page.locator("table.sims tbody tr").first.locator("td.mono a").click()
    data = page.locator("section.quota-card").filter(has=page.get_by_role("heading", name=re.compile("Data")))
    before = data.locator(".big").inner_text()
    ordering = page.get_by_test_id("sim-orders")
    expect(ordering.get_by_label("Top-up")).to_have_value(re.compile(r"\d+"))
    shoot(page, "orders-journey-sim-detail")

    choose(ordering.get_by_label("Top-up"), "Data top-up 500 MB")
    ordering.get_by_test_id("topup").click()
    expect(page.get_by_role("heading", name="Top up")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile(r"^Data top-up 500 MB"))).to_be_checked()
    shoot(page, "orders-journey-topup-confirm")
    page.get_by_test_id("confirm").click()

    message = flash(page, "Top-up ordered: order")
    expect(message).to_be_visible()
    number = message.get_by_role("link").inner_text()
    assert Order.objects.filter(number=int(number), order_type="TOPUP", status="COMPLETED").exists()
    expect(page.get_by_test_id("blocker")).to_have_count(0)
    after = data.locator(".big").inner_text()
    assert before.startswith("0"), before
    assert after != before and re.match(r"^5\d\d(\.\d+)?\s*MB", after), (before, after)
    shoot(page, "orders-journey-sim-topped-up")
