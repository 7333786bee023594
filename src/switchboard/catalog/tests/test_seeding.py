"""The demo catalog: every product type of the issue, options that find their parents, idempotent seeding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from switchboard.catalog import selectors
from switchboard.catalog.contracts import ProductType
from switchboard.catalog.models import Device, Product, ResellerPrice
from switchboard.catalog.services import OPTION_TYPES, demo_catalog
from switchboard.catalog.services.seeding import DEMO_PRODUCTS
from switchboard.connectivity.contracts import MB, FormFactor
from switchboard.events.models import AuditEntry
from switchboard.tenancy.tests import factories as f


@pytest.fixture
def operator(fleet):
    return f.principal(fleet.operator_admin)


def snapshot() -> tuple:
    return (
        sorted(Product.objects.values_list("code", "type", "one_time_net", "recurring_net", "active")),
        sorted(Device.objects.values_list("serial_number", "product__code")),
        ResellerPrice.objects.count(),
    )


def test_seeding_twice_changes_nothing(operator):
    assert demo_catalog(operator=operator) == len(DEMO_PRODUCTS)
    first, audited = snapshot(), AuditEntry.objects.count()
    assert demo_catalog(operator=operator) == 0
    assert snapshot() == first and AuditEntry.objects.count() == audited


def test_seeding_leaves_the_operators_changes_and_restocks_only_missing_devices(operator):
    demo_catalog(operator=operator)
    Product.objects.filter(code="voice-channel").update(recurring_net=Decimal("0.70"))
    Device.objects.filter(serial_number="YT54W-2026-0001").delete()
    demo_catalog(operator=operator)
    assert Product.objects.get(code="voice-channel").recurring_net == Decimal("0.70")
    assert Device.objects.filter(product__code="desk-phone-t54w").count() == 6


def test_every_product_type_is_offered_and_every_option_finds_its_parent(operator, world):
    demo_catalog(operator=operator)
    offered = selectors.products_for(organisation_id=world.customer.pk)
    types = {p.type for p in offered}
    assert types == set(ProductType)
    for product in offered:
        assert product.is_option == (product.type in OPTION_TYPES), product.code
        assert set(product.parent_types) <= types, product.code


def test_the_issue_s_products_and_terms(operator, world, fleet):
    demo_catalog(operator=operator)
    by_code = {p.code: p for p in selectors.products_for(organisation_id=world.customer.pk)}
    sim = by_code["iot-sim-card"]
    assert (sim.form_factor, sim.price.one_time_net, sim.data_bytes, sim.sms, sim.min_term_months) == (
        FormFactor.TRIPLE,
        Decimal("10.00"),
        500 * MB,
        250,
        120,
    )
    assert by_code["iot-sim-chip-mff2"].form_factor == FormFactor.MFF2
    default_topup = selectors.default_product(organisation_id=world.customer.pk, type=ProductType.DATA_TOPUP)
    assert (default_topup.code, default_topup.data_bytes, default_topup.price.one_time_net) == (
        "topup-data-500mb",
        500 * MB,
        Decimal("10.00"),
    )
    assert by_code["topup-sms-250"].sms == 250
    assert {by_code["sip-trunk-24"].min_term_months, by_code["sip-trunk-36"].min_term_months} == {24, 36}
    channel = by_code["voice-channel"]
    assert (channel.price.recurring_net, channel.parent_types) == (Decimal("0.68"), (ProductType.SIP_TRUNK,))
    assert by_code["ums-package"].parent_types == (ProductType.SIP_TRUNK,)
    for code in ("addon-ivr", "addon-conference", "addon-client-complete"):
        assert by_code[code].parent_types == (ProductType.PBX_SEAT,)
    assert {"pbx-seat-smart", "pbx-seat-best"} <= set(by_code)
    assert selectors.in_stock(by_code["desk-phone-t54w"]) == 6
    assert selectors.in_stock(sim) == len(fleet.stock)
