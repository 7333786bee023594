"""The catalog of the order tests: SIM card, top-ups, extension and the telephony products."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from switchboard.catalog.models import Product
from switchboard.catalog.tests import factories as products
from switchboard.tenancy.tests import factories as tenancy_factories


@dataclass
class Catalog:
    sim_card: Product
    data_topup: Product
    sms_topup: Product
    extension: Product
    trunk: Product
    ums: Product
    channel: Product


@pytest.fixture
def catalog(db) -> Catalog:
    return Catalog(
        sim_card=products.sim_card(),
        data_topup=products.data_topup(),
        sms_topup=products.sms_topup(),
        extension=products.extension(),
        trunk=products.sip_trunk(),
        ums=products.ums_package(),
        channel=products.voice_channel(),
    )


@pytest.fixture
def shipping(world):
    """A saved shipping address of the customer."""
    return tenancy_factories.AddressFactory(organisation=world.customer, kind="shipping", name="Acme Warehouse")
