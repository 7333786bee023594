"""The demo's catalog: 1NCE-style IoT SIM products and the telephony products, at realistic net prices and terms.

Built through the same services as the admin and the API. Idempotent: a product whose code exists is left as the
operator may have changed it, and only serial numbers not yet stocked are added.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from switchboard.connectivity.contracts import MB, FormFactor
from switchboard.core.principal import Principal

from ..contracts import ProductType
from ..models import Device, Product
from .products import ProductChange, devices_add, product_create

T = ProductType
SIM = [T.SIM_CARD]
TRUNK = [T.SIP_TRUNK]
SEAT = [T.PBX_SEAT]
IOT_SIM_TEXT = "500 MB data and 250 SMS over 10 years, roaming included."

DEMO_PRODUCTS: tuple[ProductChange, ...] = (
    # IoT: one price for the SIM's whole lifetime, volumes included; top-ups and the extension attach to a SIM.
    ProductChange(
        code="iot-sim-card",
        name="IoT SIM card 2FF/3FF/4FF",
        type=T.SIM_CARD,
        description=IOT_SIM_TEXT,
        form_factor=FormFactor.TRIPLE,
        one_time_net=Decimal("10.00"),
        data_bytes=500 * MB,
        sms=250,
        min_term_months=120,
        max_quantity=10_000,
        position=10,
    ),
    ProductChange(
        code="iot-sim-chip-mff2",
        name="IoT SIM chip MFF2",
        type=T.SIM_CARD,
        description="Solderable chip for devices in harsh environments. " + IOT_SIM_TEXT,
        form_factor=FormFactor.MFF2,
        one_time_net=Decimal("10.00"),
        data_bytes=500 * MB,
        sms=250,
        min_term_months=120,
        min_quantity=10,
        max_quantity=10_000,
        position=20,
    ),
    ProductChange(
        code="topup-data-500mb",
        name="Data top-up 500 MB",
        type=T.DATA_TOPUP,
        description="Adds 500 MB to the SIM's data volume; data is enabled again at once.",
        one_time_net=Decimal("10.00"),
        data_bytes=500 * MB,
        parent_types=SIM,
        position=30,
    ),
    ProductChange(
        code="topup-sms-250",
        name="SMS top-up 250 SMS",
        type=T.SMS_TOPUP,
        description="Adds 250 SMS to the SIM's SMS volume.",
        one_time_net=Decimal("5.00"),
        sms=250,
        parent_types=SIM,
        position=40,
    ),
    ProductChange(
        code="lifetime-extension-10y",
        name="Lifetime extension 10 years",
        type=T.LIFETIME_EXTENSION,
        description="Another 10 years for the SIM, with its volumes renewed.",
        one_time_net=Decimal("10.00"),
        data_bytes=500 * MB,
        sms=250,
        parent_types=SIM,
        position=50,
    ),
    # Telephony: monthly charges with a minimum term; options run as long as the product they attach to.
    ProductChange(
        code="sip-trunk-24",
        name="SIP trunk, 24 months",
        type=T.SIP_TRUNK,
        description="SIP trunk for your PBX with a head number and a block of 10 extensions; voice channels extra.",
        one_time_net=Decimal("49.00"),
        recurring_net=Decimal("19.90"),
        min_term_months=24,
        max_quantity=10,
        position=100,
    ),
    ProductChange(
        code="sip-trunk-36",
        name="SIP trunk, 36 months",
        type=T.SIP_TRUNK,
        description="The same SIP trunk with a longer term: no set-up fee, a lower monthly charge.",
        one_time_net=Decimal("0.00"),
        recurring_net=Decimal("17.90"),
        min_term_months=36,
        max_quantity=10,
        position=110,
    ),
    ProductChange(
        code="voice-channel",
        name="Voice channel",
        type=T.VOICE_CHANNEL,
        description="One concurrent call on the SIP trunk.",
        recurring_net=Decimal("0.68"),
        max_quantity=240,
        parent_types=TRUNK,
        position=120,
    ),
    ProductChange(
        code="ums-package",
        name="Unified Messaging package",
        type=T.UMS_PACKAGE,
        description="Voicemail, fax and conference rooms for the SIP trunk's numbers, delivered by e-mail.",
        recurring_net=Decimal("4.90"),
        max_quantity=1,
        parent_types=TRUNK,
        position=130,
    ),
    ProductChange(
        code="pbx-seat-smart",
        name="PBX seat smart",
        type=T.PBX_SEAT,
        description="Cloud PBX extension with one device, voicemail and the web client.",
        recurring_net=Decimal("6.90"),
        min_term_months=12,
        position=200,
    ),
    ProductChange(
        code="pbx-seat-best",
        name="PBX seat best",
        type=T.PBX_SEAT,
        description="Cloud PBX extension with up to five devices, mobile app, fax and call recording.",
        recurring_net=Decimal("11.90"),
        min_term_months=12,
        position=210,
    ),
    ProductChange(
        code="addon-ivr",
        name="Add-on licence IVR",
        type=T.ADDON_LICENCE,
        description="Voice menus and time-based call routing.",
        recurring_net=Decimal("9.90"),
        max_quantity=1,
        parent_types=SEAT,
        position=220,
    ),
    ProductChange(
        code="addon-conference",
        name="Add-on licence conference",
        type=T.ADDON_LICENCE,
        description="A conference room for up to 20 participants.",
        recurring_net=Decimal("4.90"),
        parent_types=SEAT,
        position=230,
    ),
    ProductChange(
        code="addon-client-complete",
        name="Add-on licence Client Complete",
        type=T.ADDON_LICENCE,
        description="Desktop and mobile softphone with presence, chat and CRM integration.",
        recurring_net=Decimal("3.90"),
        parent_types=SEAT,
        position=240,
    ),
    ProductChange(
        code="isp-fibre-250",
        name="Business fibre 250/50 Mbit/s",
        type=T.ISP_TARIFF,
        description="Fibre internet access with a static IPv4 address and an IPv6 /56.",
        one_time_net=Decimal("99.00"),
        recurring_net=Decimal("59.90"),
        min_term_months=24,
        max_quantity=1,
        position=300,
    ),
    ProductChange(
        code="desk-phone-t54w",
        name="Desk phone Yealink T54W",
        type=T.DEVICE,
        description="Colour display, Bluetooth and Wi-Fi; provisioned automatically for your PBX seat.",
        one_time_net=Decimal("159.00"),
        max_quantity=50,
        position=400,
    ),
)
DEMO_SERIALS = {"desk-phone-t54w": [f"YT54W-2026-{n:04d}" for n in range(1, 7)]}


@transaction.atomic
def demo_catalog(*, operator: Principal) -> int:
    """Create what is missing of the demo catalog; the number of products created."""
    created = 0
    for change in DEMO_PRODUCTS:
        if not Product.objects.filter(code=change.code).exists():
            product_create(principal=operator, change=change)
            created += 1
    for code, serials in DEMO_SERIALS.items():
        product = Product.objects.get(code=code)
        stocked = set(Device.objects.filter(serial_number__in=serials).values_list("serial_number", flat=True))
        missing = [s for s in serials if s not in stocked]
        if missing:
            devices_add(principal=operator, product_id=product.pk, serial_numbers=missing)
    return created
