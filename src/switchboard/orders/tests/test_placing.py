"""Placing orders through the cart: options and their parents, terms, quantities, stock, permissions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from switchboard.catalog import selectors as catalog_selectors
from switchboard.catalog.models import ResellerPrice
from switchboard.catalog.tests import factories as catalog_products
from switchboard.connectivity.contracts import MB
from switchboard.connectivity.models import Sim
from switchboard.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from switchboard.orders import selectors, services
from switchboard.orders.contracts import OrderStatus, OrderType
from switchboard.orders.models import CartLine, Contract, Order
from switchboard.tenancy.models import Address
from switchboard.tenancy.tests import factories as f
from switchboard.tenancy.tests.factories import AddressFactory, address_data, principal


def test_option_without_parent_is_explained_in_the_cart_and_refused_on_order(world, catalog):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.ums.pk, quantity=1)
    problems = selectors.cart_view(principal=owner).problems
    assert [p.field for p in problems] == ["parent"]
    assert "needs a SIP trunk" in problems[0].message
    with pytest.raises(ValidationFailed) as refused:
        services.cart_order(principal=owner)
    assert refused.value.field == "lines[0].parent"
    assert not Order.objects.exists()


def test_option_takes_the_term_of_its_parent_in_the_cart(world, catalog):
    owner = principal(world.owner)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk, quantity=1, term_months=36)
    services.cart_add(principal=owner, product_id=catalog.ums.pk, quantity=2, parent_line_id=trunk.pk)
    order = services.cart_order(principal=owner, customer_reference="PO-7")
    lines = {line.product_type: line for line in order.lines.all()}
    assert lines["sip_trunk"].term_months == lines["ums_package"].term_months == 36
    assert lines["ums_package"].parent_line_id == lines["sip_trunk"].pk
    assert order.order_type == OrderType.FIRST_ORDER and order.status == OrderStatus.IN_PREPARATION
    assert order.customer_reference == "PO-7"
    # 49.00 + 19.90 first month + 2 x 4.90, VAT 19 %
    assert order.total_net == Decimal("78.70") and order.total_vat == Decimal("14.95")
    assert not CartLine.objects.exists()


def test_option_term_cannot_be_chosen(world, catalog):
    owner = principal(world.owner)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk, quantity=1)
    with pytest.raises(ValidationFailed) as refused:
        services.cart_add(principal=owner, product_id=catalog.ums.pk, parent_line_id=trunk.pk, term_months=12)
    assert refused.value.field == "term_months"


def test_term_below_the_minimum_is_refused(world, catalog):
    with pytest.raises(ValidationFailed) as refused:
        services.cart_add(principal=principal(world.owner), product_id=catalog.trunk.pk, term_months=12)
    assert refused.value.code == "term_too_short"


@pytest.mark.parametrize("role", ["user", "read_only"])
def test_user_and_read_only_cannot_order(world, catalog, role):
    with pytest.raises(PermissionDenied):
        services.cart_add(principal=principal(world.member(role)), product_id=catalog.trunk.pk)
    assert not CartLine.objects.exists() and not Order.objects.exists()


def test_quantity_limits(world, catalog):
    catalog.trunk.max_quantity = 2
    catalog.trunk.max_quantity_per_customer = 3
    catalog.trunk.save()
    owner = principal(world.owner)
    line = services.cart_add(principal=owner, product_id=catalog.trunk.pk, quantity=3)
    with pytest.raises(ValidationFailed) as refused:
        services.cart_order(principal=owner)
    assert "At most 2" in refused.value.message
    services.cart_update(principal=owner, line_id=line.pk, quantity=2)
    services.cart_order(principal=owner)
    services.cart_add(principal=owner, product_id=catalog.trunk.pk, quantity=2)
    with pytest.raises(ValidationFailed) as refused:
        services.cart_order(principal=owner)
    assert "per customer" in refused.value.message
    assert Order.objects.count() == 1


def test_sim_order_out_of_stock_creates_nothing(world, fleet, catalog, shipping):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=len(fleet.stock) + 1)
    with pytest.raises(ValidationFailed) as refused:
        services.cart_order(principal=owner, address_id=shipping.pk)
    assert "in stock" in refused.value.message
    assert not Order.objects.exists()
    assert CartLine.objects.count() == 1  # the cart stays, to be corrected


def test_sim_order_completed_by_the_operator_delivers_sims_contracts_and_invoice(world, fleet, catalog, shipping):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=2)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk, term_months=24)
    services.cart_add(principal=owner, product_id=catalog.channel.pk, quantity=10, parent_line_id=trunk.pk)
    order = services.cart_order(principal=owner, address_id=shipping.pk)
    assert order.shipping_address["name"] == "Acme Warehouse"
    operator = principal(fleet.operator_admin)
    services.order_complete(principal=operator, order_number=order.number)
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    delivered = list(order.sims.values_list("iccid", flat=True))
    assert len(delivered) == 2
    assert Sim.objects.filter(iccid__in=delivered, organisation_id=world.customer.pk).count() == 2
    trunk_contract = Contract.objects.get(product_type="sip_trunk")
    assert trunk_contract.options.get().quantity == 10
    assert order.documents.get().number.startswith("INV-")


def test_another_tenant_cannot_see_or_reorder_the_order(world, catalog):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    order = services.cart_order(principal=owner)
    stranger = principal(world.other_owner)
    with pytest.raises(NotFound):
        selectors.order_get(principal=stranger, order_number=order.number)
    with pytest.raises(NotFound):
        services.order_reorder(principal=stranger, order_number=order.number)


def test_customer_cannot_complete_orders(world, catalog):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    order = services.cart_order(principal=owner)
    with pytest.raises(PermissionDenied):
        services.order_complete(principal=owner, order_number=order.number)


def test_idempotency_key_returns_the_same_order(world, catalog):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    first = services.cart_order(principal=owner, idempotency_key="k-1")
    again = services.cart_order(principal=owner, idempotency_key="k-1")
    assert first.pk == again.pk and Order.objects.count() == 1


def test_reorder_a_contract_keeps_term_and_price(world, fleet, catalog):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.trunk.pk, term_months=36)
    order = services.cart_order(principal=owner)
    services.order_complete(principal=principal(fleet.operator_admin), order_number=order.number)
    catalog.trunk.recurring_net = Decimal("29.90")
    catalog.trunk.save()
    contract = Contract.objects.get()
    line = services.contract_reorder(principal=owner, contract_id=contract.pk)
    assert line.term_months == 36 and line.recurring_net == Decimal("19.90")
    reorder = services.cart_order(principal=owner)
    assert reorder.order_type == OrderType.ADDITIONAL_ORDER
    assert reorder.lines.get().recurring_net == Decimal("19.90")


def test_cancel_needs_a_reason_and_frees_the_stock(world, fleet, catalog, shipping):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=len(fleet.stock))
    order = services.cart_order(principal=owner, address_id=shipping.pk)
    operator = principal(fleet.operator_admin)
    with pytest.raises(ValidationFailed):
        services.order_cancel(principal=operator, order_number=order.number, reason=" ")
    services.order_cancel(principal=operator, order_number=order.number, reason="Customer asked")
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=len(fleet.stock))
    assert services.cart_order(principal=owner, address_id=shipping.pk).number != order.number


def test_orders_of_a_resellers_customer_carry_the_reseller_and_its_price(world, catalog):
    reseller = f.OrganisationFactory(parent=world.operator, kind="reseller", company_name="Reseller KG")
    customer = f.OrganisationFactory(parent=reseller, company_name="Reseller's customer")
    ResellerPrice.objects.create(
        product=catalog.trunk,
        organisation_id=reseller.pk,
        one_time_net=Decimal("39.00"),
        recurring_net=Decimal("17.00"),
    )
    buyer = principal(f.member(customer, "owner", original=True))
    services.cart_add(principal=buyer, product_id=catalog.trunk.pk)
    order = services.cart_order(principal=buyer)
    assert order.reseller_id == reseller.pk
    services.order_complete(principal=principal(f.member(world.operator, "admin")), order_number=order.number)
    assert Contract.objects.get(order_line__order=order).reseller_id == reseller.pk
    line = order.lines.get()
    assert (line.one_time_net, line.recurring_net) == (Decimal("39.00"), Decimal("17.00"))
    owner = principal(world.owner)  # the operator's own customer: list price, no reseller
    services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    direct = services.cart_order(principal=owner)
    assert direct.reseller_id is None and direct.lines.get().one_time_net == Decimal("49.00")


def test_a_new_delivery_address_is_saved_for_next_time(world, fleet, catalog):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=1)
    order = services.cart_order(principal=owner, new_address=address_data(name="Site Köln"))
    assert order.shipping_address["city"] == "Köln"
    assert Address.objects.filter(organisation=world.customer, kind="shipping", name="Site Köln").exists()


def test_goods_need_a_delivery_address(world, fleet, catalog):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=1)
    with pytest.raises(ValidationFailed) as refused:
        services.cart_order(principal=owner)
    assert refused.value.field == "delivery_address"
    assert not Order.objects.exists()


def test_another_tenants_address_or_contract_cannot_be_used(world, catalog):
    foreign = AddressFactory(organisation=world.other, kind="shipping")
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    with pytest.raises(NotFound):
        services.cart_order(principal=owner, address_id=foreign.pk)
    with pytest.raises(NotFound):
        services.cart_add(principal=owner, product_id=catalog.ums.pk, parent_contract_id=999)


def test_an_order_placed_before_its_product_was_withdrawn_is_still_delivered(world, fleet, catalog, shipping):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=1)
    order = services.cart_order(principal=owner, address_id=shipping.pk)
    catalog.sim_card.active = False
    catalog.sim_card.save()
    services.order_complete(principal=principal(fleet.operator_admin), order_number=order.number)
    assert order.sims.count() == 1


def test_an_option_gets_its_parent_in_the_cart(world, fleet, catalog):
    owner = principal(world.owner)
    channel = services.cart_add(principal=owner, product_id=catalog.channel.pk, quantity=4)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk, term_months=36)
    with pytest.raises(ValidationFailed) as refused:
        services.cart_attach(principal=principal(world.owner), line_id=trunk.pk, parent_line_id=channel.pk)
    assert refused.value.code == "not_option"
    ums_line = services.cart_add(principal=owner, product_id=catalog.ums.pk)
    with pytest.raises(ValidationFailed) as refused:  # a voice channel goes on a trunk, not on a UMS package
        services.cart_attach(principal=owner, line_id=channel.pk, parent_line_id=ums_line.pk)
    assert refused.value.code == "wrong_parent"
    services.cart_attach(principal=owner, line_id=channel.pk, parent_line_id=trunk.pk)
    services.cart_attach(principal=owner, line_id=ums_line.pk, parent_line_id=trunk.pk)
    order = services.cart_order(principal=owner)
    assert {line.product_type: line.term_months for line in order.lines.all()} == {
        "sip_trunk": 36,
        "voice_channel": 36,
        "ums_package": 36,
    }


def test_an_option_is_attached_to_an_active_contract_of_the_own_organisation_only(world, fleet, catalog):
    stranger = principal(world.other_owner)
    services.cart_add(principal=stranger, product_id=catalog.trunk.pk)
    foreign_order = services.cart_order(principal=stranger)
    services.order_complete(principal=principal(fleet.operator_admin), order_number=foreign_order.number)
    foreign_contract = Contract.objects.get()
    owner = principal(world.owner)
    channel = services.cart_add(principal=owner, product_id=catalog.channel.pk)
    with pytest.raises(NotFound):
        services.cart_attach(principal=owner, line_id=channel.pk, parent_contract_id=foreign_contract.pk)
    with pytest.raises(NotFound):
        services.cart_attach(principal=stranger, line_id=channel.pk, parent_contract_id=foreign_contract.pk)


def test_sims_start_with_the_volumes_of_the_product_they_were_sold_as(world, fleet, catalog, shipping):
    catalog.sim_card.data_bytes, catalog.sim_card.sms = 1000 * MB, 50
    catalog.sim_card.save()
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=1)
    order = services.cart_order(principal=owner, address_id=shipping.pk)
    catalog.sim_card.data_bytes = 10 * MB  # changed before the order ships: the order keeps what was sold
    catalog.sim_card.save()
    services.order_complete(principal=principal(fleet.operator_admin), order_number=order.number)
    sim = Sim.objects.get(pk=order.sims.get().sim_id)
    assert (sim.data_total, sim.data_remaining, sim.sms_total) == (1000 * MB, 1000 * MB, 50)


def test_reorder_leaves_out_what_is_no_longer_sold(world, fleet, catalog):
    owner = principal(world.owner)
    trunk = services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    services.cart_add(principal=owner, product_id=catalog.channel.pk, quantity=3, parent_line_id=trunk.pk)
    services.cart_add(principal=owner, product_id=catalog.ums.pk, parent_line_id=trunk.pk)
    order = services.cart_order(principal=owner)
    catalog.ums.active = False
    catalog.ums.save()
    added = services.order_reorder(principal=owner, order_number=order.number)
    assert sorted(line.product_id for line in added) == sorted([catalog.trunk.pk, catalog.channel.pk])
    catalog.trunk.active = False
    catalog.trunk.save()
    CartLine.objects.all().delete()
    with pytest.raises(ValidationFailed):  # the channels went with their trunk: nothing left
        services.order_reorder(principal=owner, order_number=order.number)


def test_a_product_that_is_no_option_cannot_borrow_a_term_or_a_foreign_contract(world, fleet, catalog):
    stranger = principal(world.other_owner)
    services.cart_add(principal=stranger, product_id=catalog.trunk.pk)
    foreign = services.cart_order(principal=stranger)
    services.order_complete(principal=principal(fleet.operator_admin), order_number=foreign.number)
    contract = Contract.objects.get()
    owner = principal(world.owner)
    product = catalog_selectors.product_for(organisation_id=world.customer.pk, product_id=catalog.trunk.pk)
    with pytest.raises(ValidationFailed) as refused:
        services.place(owner, [services.Item(product=product, quantity=1, parent_contract_id=contract.pk)])
    assert refused.value.field == "items[0].parent"
    with pytest.raises(ValidationFailed) as refused:
        services.place(owner, [services.Item(product=product, quantity=1, parent=0)])
    assert refused.value.field == "items[0].parent"
    with pytest.raises(ValidationFailed) as refused:
        services.place(owner, [services.Item(product=product, quantity=10**12)])
    assert "between 1 and" in refused.value.message
    assert Order.objects.filter(organisation_id=world.customer.pk).count() == 0


def test_an_option_added_to_a_running_contract_ends_with_it(world, fleet, catalog):
    owner, operator = principal(world.owner), principal(fleet.operator_admin)
    services.cart_add(principal=owner, product_id=catalog.trunk.pk, term_months=36)
    services.order_complete(principal=operator, order_number=services.cart_order(principal=owner).number)
    trunk = Contract.objects.get()
    Contract.objects.filter(pk=trunk.pk).update(ends_on=trunk.ends_on - timedelta(days=400))  # a year into it
    trunk.refresh_from_db()
    services.cart_add(principal=owner, product_id=catalog.channel.pk, quantity=2, parent_contract_id=trunk.pk)
    later = services.cart_order(principal=owner)
    services.order_complete(principal=operator, order_number=later.number)
    channel = Contract.objects.get(product_type="voice_channel")
    assert channel.parent_id == trunk.pk and channel.ends_on == trunk.ends_on


def test_an_option_whose_contract_ended_meanwhile_is_not_delivered(world, fleet, catalog):
    owner, operator = principal(world.owner), principal(fleet.operator_admin)
    services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    services.order_complete(principal=operator, order_number=services.cart_order(principal=owner).number)
    trunk = Contract.objects.get()
    services.cart_add(principal=owner, product_id=catalog.channel.pk, parent_contract_id=trunk.pk)
    later = services.cart_order(principal=owner)
    Contract.objects.filter(pk=trunk.pk).update(status="ended")
    with pytest.raises(Conflict):
        services.order_complete(principal=operator, order_number=later.number)
    later.refresh_from_db()
    assert later.status == OrderStatus.IN_PREPARATION and Contract.objects.count() == 1


def test_the_billing_address_is_no_delivery_address(world, fleet, catalog):
    billing = AddressFactory(organisation=world.customer, kind="billing")
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk)
    with pytest.raises(NotFound):
        services.cart_order(principal=owner, address_id=billing.pk)


def test_sim_products_of_one_form_factor_share_the_stock_their_open_orders_reserve(world, fleet, catalog, shipping):
    two_pack = catalog_products.sim_card(code="sim-triple-2", name="IoT SIM card, 2 pack", package_size=2)
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.sim_card.pk, quantity=2)
    services.cart_order(principal=owner, address_id=shipping.pk)  # 2 of the 3 stock SIMs promised
    services.cart_add(principal=owner, product_id=two_pack.pk, quantity=1)
    with pytest.raises(ValidationFailed) as refused:
        services.cart_order(principal=owner, address_id=shipping.pk)
    assert "Only 0 of IoT SIM card, 2 pack in stock." in refused.value.message
