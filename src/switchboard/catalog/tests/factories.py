"""Products as the operator sets them up: the IoT SIM products and top-ups, and the telephony products."""

from __future__ import annotations

from decimal import Decimal

import factory

from switchboard.catalog.contracts import ProductType
from switchboard.catalog.models import Device, Product
from switchboard.connectivity.contracts import MB, FormFactor


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    type = ProductType.DEVICE
    one_time_net = Decimal("10.00")
    recurring_net = Decimal("0.00")


def sim_card(**fields) -> Product:
    defaults = {
        "code": "sim-triple-1",
        "name": "IoT SIM card 2FF/3FF/4FF",
        "type": ProductType.SIM_CARD,
        "form_factor": FormFactor.TRIPLE,
        "one_time_net": Decimal("10.00"),
        "data_bytes": 500 * MB,
        "sms": 250,
        "min_term_months": 120,
    }
    return ProductFactory(**{**defaults, **fields})


def data_topup(**fields) -> Product:
    defaults = {
        "code": "topup-data-500",
        "name": "Top-up 500 MB",
        "type": ProductType.DATA_TOPUP,
        "one_time_net": Decimal("10.00"),
        "data_bytes": 500 * MB,
        "parent_types": [ProductType.SIM_CARD],
    }
    return ProductFactory(**{**defaults, **fields})


def sms_topup(**fields) -> Product:
    defaults = {
        "code": "topup-sms-250",
        "name": "Top-up 250 SMS",
        "type": ProductType.SMS_TOPUP,
        "one_time_net": Decimal("5.00"),
        "sms": 250,
        "parent_types": [ProductType.SIM_CARD],
    }
    return ProductFactory(**{**defaults, **fields})


def extension(**fields) -> Product:
    defaults = {
        "code": "lifetime-extension",
        "name": "Lifetime extension 10 years",
        "type": ProductType.LIFETIME_EXTENSION,
        "one_time_net": Decimal("10.00"),
        "parent_types": [ProductType.SIM_CARD],
    }
    return ProductFactory(**{**defaults, **fields})


def sip_trunk(**fields) -> Product:
    defaults = {
        "code": "sip-trunk",
        "name": "SIP trunk",
        "type": ProductType.SIP_TRUNK,
        "one_time_net": Decimal("49.00"),
        "recurring_net": Decimal("19.90"),
        "min_term_months": 24,
    }
    return ProductFactory(**{**defaults, **fields})


def ums_package(**fields) -> Product:
    defaults = {
        "code": "ums-package",
        "name": "Unified Messaging package",
        "type": ProductType.UMS_PACKAGE,
        "recurring_net": Decimal("4.90"),
        "one_time_net": Decimal("0.00"),
        "parent_types": [ProductType.SIP_TRUNK],
    }
    return ProductFactory(**{**defaults, **fields})


def voice_channel(**fields) -> Product:
    defaults = {
        "code": "voice-channel",
        "name": "Voice channel",
        "type": ProductType.VOICE_CHANNEL,
        "recurring_net": Decimal("0.68"),
        "one_time_net": Decimal("0.00"),
        "parent_types": [ProductType.SIP_TRUNK],
    }
    return ProductFactory(**{**defaults, **fields})


def devices(product: Product, count: int) -> list[Device]:
    return [Device.objects.create(product=product, serial_number=f"SN-{product.pk}-{i:04d}") for i in range(count)]
