"""Order documents opened and read back: the invoice and correction PDFs, the gap-free invoice numbers (also under
concurrent completion on PostgreSQL) and the affected-SIMs workbook."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from switchboard.connectivity.models import Sim
from switchboard.core.errors import NotFound
from switchboard.orders import documents, selectors, services
from switchboard.orders.contracts import DocumentKind, OrderStatus
from switchboard.orders.models import Document, Order
from switchboard.tenancy.tests.factories import AddressFactory, principal


def pdf_text(data: bytes) -> str:
    reader = PdfReader(BytesIO(bytes(data)))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def invoice_numbers() -> list[int]:
    rows = Document.objects.values_list("number", flat=True)
    return sorted(int(number.removeprefix("INV-")) for number in rows)


@pytest.fixture
def billing(world):
    """Billing addresses of the operator (the issuer) and of the customer."""
    world.operator.vat_id = "DE111222333"
    world.operator.phone = "+49 40 123456"
    world.operator.save()
    world.customer.vat_id = "DE999888777"
    world.customer.save()
    AddressFactory(
        organisation=world.operator, kind="billing", name="Accounts", street="Netzweg 5", postal_code="20095"
    )
    return AddressFactory(
        organisation=world.customer,
        kind="billing",
        name="Erika Muster",
        street="Müllerstraße 12",
        extra="3. OG",
        postal_code="10115",
        city="Berlin",
    )


def trunk_order(world, catalog, reference: str = "") -> Order:
    """A SIP trunk (24 months) with 10 voice channels, waiting for the operator."""
    owner = principal(world.owner)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk, term_months=24)
    services.cart_add(principal=owner, product_id=catalog.channel.pk, quantity=10, parent_line_id=trunk.pk)
    return services.cart_order(principal=owner, customer_reference=reference)


def complete(fleet, order: Order) -> Document:
    services.order_complete(principal=principal(fleet.operator_admin), order_number=order.number)
    return Document.objects.get(order=order, kind=DocumentKind.INVOICE)


def test_invoice_pdf_shows_issuer_customer_lines_and_totals(world, fleet, catalog, billing):
    order = trunk_order(world, catalog, reference="PO-2024/17")
    invoice = complete(fleet, order)
    text = pdf_text(invoice.pdf)

    assert f"Invoice {invoice.number}" in text
    assert re.fullmatch(r"INV-\d+", invoice.number)
    for expected in ("Operator AG", "Netzweg 5", "20095 Hamburg", "DE111222333", "+49 40 123456"):
        assert expected in text  # the issuer
    for expected in ("Acme GmbH", "Erika Muster", "Müllerstraße 12", "3. OG", "10115 Berlin", "DE999888777"):
        assert expected in text  # the customer, as billed
    assert str(order.number) in text
    assert world.customer.customer_number in text
    assert "PO-2024/17" in text

    channel = order.lines.get(position=2)
    channel_net = (channel.one_time_net + channel.recurring_net) * 10
    assert re.search(r"1 SIP trunk 1 49\.00 EUR 19\.90 EUR 68\.90 EUR 19 %", text), text
    assert f"2 {channel.product_name} 10 " in text
    assert f"{channel_net:.2f} EUR" in text
    assert f"Net {order.total_net:.2f} EUR" in text
    assert f"VAT 19 % on {order.total_net:.2f} EUR {order.total_vat:.2f} EUR" in text
    assert f"Total {order.total_gross:.2f} EUR" in text
    assert invoice.net == order.total_net and invoice.gross == order.total_gross


def test_correction_pdf_names_the_reason_the_original_and_its_amounts(world, fleet, catalog, billing):
    order = trunk_order(world, catalog)
    invoice = complete(fleet, order)
    operator = principal(fleet.operator_admin)
    correction = services.correction_issue(
        principal=operator, order_number=order.number, net="-10", reason="Goodwill credit for the outage on 3 May"
    )
    text = pdf_text(correction.pdf)

    assert f"Invoice correction {correction.number}" in text
    assert f"corrects invoice {invoice.number}" in text
    assert "Reason: Goodwill credit for the outage on 3 May" in text
    assert "Net -10.00 EUR" in text and "VAT -1.90 EUR" in text and "Total -11.90 EUR" in text
    assert "Acme GmbH" in text and str(order.number) in text
    assert "SIP trunk" not in text  # a correction lists no lines
    assert pdf_text(Document.objects.get(pk=invoice.pk).pdf) == pdf_text(invoice.pdf)  # the original stays


def test_user_text_is_printed_literally_not_read_as_markup(world, fleet, catalog):
    world.customer.company_name = "Smith & <Sons> Ltd"
    world.customer.save()
    order = trunk_order(world, catalog, reference="<b>urgent</b> & fast")
    text = pdf_text(complete(fleet, order).pdf)
    assert "Smith & <Sons> Ltd" in text
    assert "<b>urgent</b> & fast" in text


def test_invoice_renders_without_any_billing_address(world, catalog):
    order = trunk_order(world, catalog)
    order.billing_address = {}
    unsaved = Document(
        order=order,
        kind=DocumentKind.INVOICE,
        number="INV-1",
        issued_at=order.created_at,
        currency="EUR",
        net=Decimal("1"),
        vat=Decimal("0.19"),
        gross=Decimal("1.19"),
    )
    text = pdf_text(documents.invoice_pdf(unsaved))
    assert "Operator AG" in text and "Invoice INV-1" in text and "Total 1.19 EUR" in text


def test_another_tenant_cannot_fetch_the_invoice(world, fleet, catalog):
    invoice = complete(fleet, trunk_order(world, catalog))
    with pytest.raises(NotFound):
        selectors.document_get(principal=principal(world.other_owner), number=invoice.number)
    assert selectors.document_get(principal=principal(world.read_only), number=invoice.number).pk == invoice.pk


def test_invoice_follows_the_active_language_for_numbers(world, fleet, catalog, billing):
    order = trunk_order(world, catalog)
    invoice = complete(fleet, order)
    with translation.override("de"):
        text = pdf_text(documents.invoice_pdf(invoice))
    assert f"{order.total_gross:.2f} EUR".replace(".", ",") in text
    assert f"{order.total_gross:.2f} EUR" not in text


def test_invoice_numbers_are_consecutive_across_orders_cancellations_and_failures(world, fleet, catalog, monkeypatch):
    operator = principal(fleet.operator_admin)
    orders = [trunk_order(world, catalog) for _ in range(4)]
    services.order_cancel(principal=operator, order_number=orders[1].number, reason="Customer asked")
    complete(fleet, orders[0])

    def broken(document):
        raise RuntimeError("printer on fire")

    with monkeypatch.context() as patch:  # a failure after the number was taken gives the number back
        patch.setattr(documents, "invoice_pdf", broken)
        with pytest.raises(RuntimeError):
            services.order_complete(principal=operator, order_number=orders[2].number)
    orders[2].refresh_from_db()
    assert orders[2].status == OrderStatus.IN_PREPARATION and not orders[2].documents.exists()

    complete(fleet, orders[2])
    complete(fleet, orders[3])
    services.correction_issue(principal=operator, order_number=orders[0].number, net="5", reason="Missed fee")
    services.topup_order(principal=principal(world.owner), iccids=[fleet.sim.iccid], product_id=catalog.data_topup.pk)

    numbers = invoice_numbers()
    assert len(numbers) == 5
    assert numbers == list(range(numbers[0], numbers[0] + 5))


@pytest.mark.django_db(transaction=True)
def test_invoice_numbers_stay_gap_free_when_orders_complete_concurrently(world, fleet, catalog, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises all writers, so threads cannot race for the number")
    operator = principal(fleet.operator_admin)
    orders = [trunk_order(world, catalog) for _ in range(8)]
    doomed = orders[3].pk  # fails after taking its number: the number must go to someone else
    render = documents.invoice_pdf

    def sometimes_broken(document):
        if document.order_id == doomed:
            raise RuntimeError("printer on fire")
        return render(document)

    monkeypatch.setattr(documents, "invoice_pdf", sometimes_broken)
    start = threading.Barrier(len(orders))
    failures: list[BaseException] = []

    def run(order: Order) -> None:
        try:
            start.wait()
            services.order_complete(principal=operator, order_number=order.number)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [str(error) for error in failures] == ["printer on fire"]
    numbers = invoice_numbers()
    assert len(numbers) == len(orders) - 1
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert Order.objects.filter(status=OrderStatus.COMPLETED).count() == len(orders) - 1
    assert Order.objects.get(pk=doomed).status == OrderStatus.IN_PREPARATION


def sheet_rows(data: bytes):
    sheet = load_workbook(BytesIO(data)).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_affected_sims_workbook_lists_each_sim_as_text(world, fleet, catalog):
    Sim.objects.filter(pk=fleet.sims[1].pk).update(label='=HYPERLINK("http://evil.test","x")')
    chosen = fleet.sims[:2]
    order = services.topup_order(
        principal=principal(world.owner), iccids=[sim.iccid for sim in chosen], product_id=catalog.data_topup.pk
    )
    sheet, rows = sheet_rows(documents.affected_sims_xlsx(order))

    assert rows[0] == ["ICCID", "Label", "IMSI", "MSISDN"]
    assert all(cell.font.bold for cell in sheet[1])
    expected = sorted(
        [sim.iccid, sim.label, sim.imsi or None, sim.msisdn or None]
        for sim in Sim.objects.filter(pk__in=[s.pk for s in chosen])
    )
    assert sorted(rows[1:]) == expected
    assert "=HYPERLINK" in rows[2][1] or "=HYPERLINK" in rows[1][1]
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type == "s" for cell in row if cell.value is not None)  # never a number or a formula
    assert sheet.column_dimensions["A"].width >= len(chosen[0].iccid)
    assert sheet.freeze_panes == "A2"


def test_affected_sims_of_a_sim_order_are_the_delivered_sims(world, fleet, catalog):
    owner = principal(world.owner)
    shipping = AddressFactory(organisation=world.customer, kind="shipping")
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=2)
    order = services.cart_order(principal=owner, address_id=shipping.pk)
    _sheet, rows = sheet_rows(documents.affected_sims_xlsx(order))
    assert rows == [["ICCID", "Label", "IMSI", "MSISDN"]]  # nothing delivered yet
    services.order_complete(principal=principal(fleet.operator_admin), order_number=order.number)
    _sheet, rows = sheet_rows(documents.affected_sims_xlsx(order))
    delivered = set(
        Sim.objects.filter(organisation_id=world.customer.pk, pk__in=[s.pk for s in fleet.stock]).values_list(
            "iccid", flat=True
        )
    )
    assert len(rows) == 3 and {row[0] for row in rows[1:]} == delivered


def test_the_invoice_is_written_in_the_customers_language_whoever_completes_it(world, fleet, catalog):
    world.owner.user.language = "de"
    world.owner.user.save()
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    order = services.cart_order(principal=owner)
    with translation.override("en"):
        services.order_complete(principal=principal(fleet.operator_admin), order_number=order.number)
    text = pdf_text(bytes(order.documents.get().pdf))
    assert "Rechnung" in text


def test_an_invoice_with_two_vat_rates_states_the_tax_per_rate(world, fleet, catalog):
    catalog.channel.vat_rate = Decimal("7.00")
    catalog.channel.save()
    owner = principal(world.owner)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    services.cart_add(principal=owner, product_id=catalog.channel.pk, quantity=3, parent_line_id=trunk.pk)
    cart = selectors.cart_view(principal=owner)
    order = services.cart_order(principal=owner)
    services.order_complete(principal=principal(fleet.operator_admin), order_number=order.number)
    order.refresh_from_db()
    # 49.00 + 19.90 at 19 % (13.09), 3 x 0.68 at 7 % (0.14), each rounded per rate
    assert (order.total_net, order.total_vat) == (Decimal("70.94"), Decimal("13.23"))
    assert (cart.net, cart.vat) == (order.total_net, order.total_vat)
    text = pdf_text(bytes(order.documents.get().pdf))
    assert "VAT 7 % on 2.04 EUR 0.14 EUR" in text and "VAT 19 % on 68.90 EUR 13.09 EUR" in text
    assert "Total 84.17 EUR" in text
