"""Catalog management by the operator: products, resellers' prices and devices, each checked and audited, through
the services and through the admin, which calls them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from switchboard.catalog import selectors, services
from switchboard.catalog.models import Device, Product, ResellerPrice
from switchboard.catalog.services import ProductChange
from switchboard.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from switchboard.events.models import AuditEntry
from switchboard.tenancy.tests import factories as f

from . import factories as products

CHANNEL = ProductChange(
    code="voice-channel-2",
    name="Voice channel",
    type="voice_channel",
    recurring_net="0.68",
    parent_types=["sip_trunk"],
)


@pytest.fixture
def operator(fleet):
    return f.principal(fleet.operator_admin)


@pytest.fixture
def reseller(world):
    organisation = f.OrganisationFactory(parent=world.operator, kind="reseller", company_name="NordNetz")
    customer = f.OrganisationFactory(parent=organisation, company_name="Reseller's customer")
    return organisation, customer


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def test_create_defaults_and_audit(operator):
    product = services.product_create(principal=operator, change=CHANNEL)
    assert (product.code, product.type, product.parent_types) == ("voice-channel-2", "voice_channel", ["sip_trunk"])
    assert (product.recurring_net, product.one_time_net, product.vat_rate, product.currency) == (
        Decimal("0.68"),
        Decimal("0.00"),
        Decimal("19.00"),
        "EUR",
    )
    assert product.active and product.min_quantity == 1 and product.max_quantity is None
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id) == ("product.created", "product", str(product.pk))
    assert entry.after["recurring_net"] == "0.68" and entry.before == {}


def test_code_is_normalised_and_unique(operator, catalog):
    product = services.product_create(
        principal=operator, change=ProductChange(code=" SIP-Trunk-36 ", name="x", type="sip_trunk")
    )
    assert product.code == "sip-trunk-36"
    with pytest.raises(Conflict) as refused:
        services.product_create(principal=operator, change=ProductChange(code="SIP-TRUNK", name="x", type="sip_trunk"))
    assert refused.value.field == "code"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (ProductChange(name="x", type="device"), "code", "required"),
        (ProductChange(code="a b", name="x", type="device"), "code", "invalid"),
        (ProductChange(code="x", name=" ", type="device"), "name", "required"),
        (ProductChange(code="x", name="x", type="tariff"), "type", "invalid_choice"),
        (ProductChange(code="x", name="x", type="device", one_time_net="-1"), "one_time_net", "negative"),
        (ProductChange(code="x", name="x", type="device", one_time_net="1.005"), "one_time_net", "too_many_decimals"),
        (ProductChange(code="x", name="x", type="device", one_time_net="NaN"), "one_time_net", "invalid_amount"),
        (ProductChange(code="x", name="x", type="device", one_time_net=True), "one_time_net", "invalid_amount"),
        (ProductChange(code="x", name="x", type="device", recurring_net="1e12"), "recurring_net", "too_large"),
        (ProductChange(code="x", name="x", type="device", currency="E1R"), "currency", "invalid_currency"),
        (ProductChange(code="x", name="x", type="device", vat_rate="100.01"), "vat_rate", "too_large"),
        (ProductChange(code="x", name="x", type="device", min_quantity=0), "min_quantity", "too_small"),
        (ProductChange(code="x", name="x", type="device", min_quantity="2"), "min_quantity", "invalid_number"),
        (
            ProductChange(code="x", name="x", type="device", min_quantity=5, max_quantity=4),
            "max_quantity",
            "below_minimum",
        ),
        (
            ProductChange(code="x", name="x", type="device", min_quantity=5, max_quantity_per_customer=4),
            "max_quantity_per_customer",
            "below_minimum",
        ),
        (ProductChange(code="x", name="x", type="device", package_size=0), "package_size", "too_small"),
        (ProductChange(code="x", name="x", type="device", min_term_months=-1), "min_term_months", "too_small"),
        (ProductChange(code="x", name="x", type="device", data_bytes=-1), "data_bytes", "too_small"),
        (ProductChange(code="x", name="x", type="device", description="a\x00b"), "description", "invalid"),
        (ProductChange(code="x", name="x", type="sim_card"), "form_factor", "required"),
        (ProductChange(code="x", name="x", type="sim_card", form_factor="5FF"), "form_factor", "invalid_choice"),
        (ProductChange(code="x", name="x", type="device", form_factor="MFF2"), "form_factor", "not_a_sim"),
        (
            ProductChange(code="x", name="x", type="pbx_seat", parent_types=["sip_trunk"]),
            "parent_types",
            "not_an_option",
        ),
        (ProductChange(code="x", name="x", type="addon_licence"), "parent_types", "required"),
        (
            ProductChange(code="x", name="x", type="addon_licence", parent_types=["seat"]),
            "parent_types",
            "invalid_choice",
        ),
        (ProductChange(code="x", name="x", type="addon_licence", parent_types="pbx_seat"), "parent_types", "invalid"),
        (
            ProductChange(code="x", name="x", type="ums_package", parent_types=["voice_channel"]),
            "parent_types",
            "option_parent",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field(operator, change, field, code):
    with pytest.raises(ValidationFailed) as refused:
        services.product_create(principal=operator, change=change)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert refused.value.message
    assert not Product.objects.exists() and not AuditEntry.objects.exists()


def test_amounts_keep_two_decimals_and_sim_cards_their_form_factor(operator):
    product = services.product_create(
        principal=operator,
        change=ProductChange(
            code="mff2",
            name="SIM chip",
            type="sim_card",
            form_factor="mff2",
            one_time_net=0.1,
            vat_rate=7,
            currency="chf",
            max_quantity=services.NO_LIMIT,
        ),
    )
    assert (product.form_factor, product.one_time_net, product.vat_rate, product.currency) == (
        "MFF2",
        Decimal("0.10"),
        Decimal("7.00"),
        "CHF",
    )


def test_update_changes_only_the_given_fields(operator, catalog):
    product = services.product_update(
        principal=operator,
        product_id=catalog.trunk.pk,
        change=ProductChange(recurring_net="17.90", max_quantity=5, parent_types=None),
    )
    assert (product.recurring_net, product.max_quantity, product.min_term_months) == (Decimal("17.90"), 5, 24)
    product = services.product_update(
        principal=operator, product_id=catalog.trunk.pk, change=ProductChange(max_quantity=services.NO_LIMIT)
    )
    assert product.max_quantity is None
    entries = AuditEntry.objects.filter(action="product.updated").order_by("pk")
    assert [(e.before["recurring_net"], e.after["recurring_net"]) for e in entries] == [
        ("19.90", "17.90"),
        ("17.90",) * 2,
    ]
    assert [(e.before["max_quantity"], e.after["max_quantity"]) for e in entries] == [(None, 5), (5, None)]
    services.product_update(principal=operator, product_id=catalog.trunk.pk, change=ProductChange())
    assert AuditEntry.objects.filter(action="product.updated").count() == 2  # nothing changed, nothing recorded


def test_update_checks_the_result_as_a_whole(operator, catalog):
    with pytest.raises(ValidationFailed) as refused:
        services.product_update(principal=operator, product_id=catalog.sim_card.pk, change=ProductChange(type="device"))
    assert refused.value.field == "form_factor"
    change = ProductChange(type="sip_trunk", form_factor="", data_bytes=0, sms=0)
    assert services.product_update(principal=operator, product_id=catalog.sim_card.pk, change=change).form_factor == ""
    with pytest.raises(ValidationFailed) as refused:
        services.product_update(
            principal=operator, product_id=catalog.ums.pk, change=ProductChange(min_quantity=2, max_quantity=1)
        )
    assert refused.value.field == "max_quantity"
    catalog.ums.refresh_from_db()
    assert catalog.ums.min_quantity == 1


def test_a_stocked_device_stays_a_device(operator):
    phone = products.ProductFactory()
    products.devices(phone, 1)
    with pytest.raises(ValidationFailed) as refused:
        services.product_update(principal=operator, product_id=phone.pk, change=ProductChange(type="isp_tariff"))
    assert refused.value.field == "type"


def test_unknown_product_is_not_found(operator):
    for call in (
        lambda: services.product_update(principal=operator, product_id=12345, change=ProductChange(name="x")),
        lambda: services.product_withdraw(principal=operator, product_id=12345),
        lambda: services.devices_add(principal=operator, product_id=12345, serial_numbers=["A"]),
    ):
        with pytest.raises(NotFound):
            call()


def test_withdrawn_products_stay_but_cannot_be_ordered(operator, world, catalog):
    services.product_withdraw(principal=operator, product_id=catalog.ums.pk)
    services.product_withdraw(principal=operator, product_id=catalog.ums.pk)
    assert Product.objects.filter(pk=catalog.ums.pk, active=False).exists()
    assert audit_actions() == ["product.withdrawn"]
    assert "ums-package" not in [p.code for p in selectors.products_for(organisation_id=world.customer.pk)]
    with pytest.raises(NotFound):
        selectors.product_for(organisation_id=world.customer.pk, product_id=catalog.ums.pk)


def test_reseller_price_is_set_replaced_and_removed(operator, reseller, catalog):
    organisation, customer = reseller
    for amount in ("12.00", "11.50"):
        services.reseller_price_set(
            principal=operator,
            product_id=catalog.sim_card.pk,
            reseller_id=organisation.pk,
            one_time_net=amount,
            recurring_net="0",
        )
    price = ResellerPrice.objects.get()
    assert (price.organisation_id, price.one_time_net) == (organisation.pk, Decimal("11.50"))
    [ref] = selectors.products_for(organisation_id=customer.pk, types=("sim_card",))
    assert ref.price.one_time_net == Decimal("11.50")
    services.reseller_price_delete(principal=operator, product_id=catalog.sim_card.pk, reseller_id=organisation.pk)
    [ref] = selectors.products_for(organisation_id=customer.pk, types=("sim_card",))
    assert ref.price.one_time_net == Decimal("10.00")
    assert audit_actions() == ["reseller_price.set", "reseller_price.set", "reseller_price.deleted"]
    with pytest.raises(NotFound):
        services.reseller_price_delete(principal=operator, product_id=catalog.sim_card.pk, reseller_id=organisation.pk)


def test_only_resellers_have_prices(operator, world, catalog):
    for organisation_id in (world.customer.pk, world.operator.pk, world.sub.pk):
        with pytest.raises(ValidationFailed) as refused:
            services.reseller_price_set(
                principal=operator,
                product_id=catalog.sim_card.pk,
                reseller_id=organisation_id,
                one_time_net="1",
                recurring_net="0",
            )
        assert refused.value.field == "reseller_id"
    assert not ResellerPrice.objects.exists()


def test_devices_are_stocked_all_or_nothing(operator, catalog):
    phone = products.ProductFactory(code="desk-phone")
    added = services.devices_add(principal=operator, product_id=phone.pk, serial_numbers=["YT-1", "YT-2"])
    assert [d.serial_number for d in added] == ["YT-1", "YT-2"]
    cases = [
        (["YT-3", "YT-3"], ValidationFailed, "YT-3"),
        (["YT-4", "YT-2"], Conflict, "YT-2"),
        (["YT 5"], ValidationFailed, "YT 5"),
        (["YT-6", ""], ValidationFailed, ""),
        ([], ValidationFailed, ""),
        ("YT-7", ValidationFailed, ""),
    ]
    for serials, error, named in cases:
        with pytest.raises(error) as refused:
            services.devices_add(principal=operator, product_id=phone.pk, serial_numbers=serials)
        assert refused.value.field == "serial_numbers" and named in refused.value.message
    with pytest.raises(ValidationFailed) as refused:
        services.devices_add(principal=operator, product_id=catalog.sim_card.pk, serial_numbers=["YT-8"])
    assert refused.value.field == "product_id"
    assert sorted(Device.objects.values_list("serial_number", flat=True)) == ["YT-1", "YT-2"]
    assert audit_actions() == ["product.devices_added"]


@pytest.mark.parametrize("who", ["owner", "admin", "user", "reseller_owner"])
def test_no_one_but_the_operator_manages_the_catalog(world, reseller, catalog, who):
    organisation, _customer = reseller
    member = f.member(organisation, "owner") if who == "reseller_owner" else world.member(who)
    principal = f.principal(member)
    calls = [
        lambda: services.product_create(principal=principal, change=CHANNEL),
        lambda: services.product_update(
            principal=principal, product_id=catalog.trunk.pk, change=ProductChange(name="x")
        ),
        lambda: services.product_withdraw(principal=principal, product_id=catalog.trunk.pk),
        lambda: services.reseller_price_set(
            principal=principal,
            product_id=catalog.trunk.pk,
            reseller_id=organisation.pk,
            one_time_net=0,
            recurring_net=0,
        ),
        lambda: services.reseller_price_delete(
            principal=principal, product_id=catalog.trunk.pk, reseller_id=organisation.pk
        ),
        lambda: services.devices_add(principal=principal, product_id=catalog.trunk.pk, serial_numbers=["A"]),
        lambda: selectors.products_manage(principal=principal),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert not AuditEntry.objects.exists()
    catalog.trunk.refresh_from_db()
    assert catalog.trunk.active and catalog.trunk.name == "SIP trunk"


# The admin: a door to the same services.

ADD = reverse("admin:catalog_product_add")
PRICES = "reseller_prices"


def product_form(**fields) -> dict:
    form = {
        "code": "pbx-seat-smart",
        "name": "PBX seat smart",
        "type": "pbx_seat",
        "description": "",
        "active": "on",
        "position": "0",
        "one_time_net": "0.00",
        "recurring_net": "6.90",
        "currency": "EUR",
        "vat_rate": "19.00",
        "min_quantity": "1",
        "max_quantity": "",
        "max_quantity_per_customer": "",
        "min_term_months": "12",
        "form_factor": "",
        "package_size": "1",
        "data_bytes": "0",
        "sms": "0",
        f"{PRICES}-TOTAL_FORMS": "0",
        f"{PRICES}-INITIAL_FORMS": "0",
        f"{PRICES}-MIN_NUM_FORMS": "0",
        f"{PRICES}-MAX_NUM_FORMS": "1000",
    }
    return {**form, **fields}


def superuser(organisation=None) -> Client:
    user = f.UserFactory(is_staff=True, is_superuser=True)
    if organisation is not None:
        f.member(organisation, "owner", user=user)
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def installer(world) -> Client:
    return superuser(world.operator)


def test_admin_adds_a_product_with_a_reseller_price_through_the_services(installer, reseller):
    organisation, _customer = reseller
    assert "NordNetz" in installer.get(ADD).content.decode()
    form = product_form(
        **{
            f"{PRICES}-TOTAL_FORMS": "1",
            f"{PRICES}-0-organisation_id": str(organisation.pk),
            f"{PRICES}-0-one_time_net": "0",
            f"{PRICES}-0-recurring_net": "7.50",
        }
    )
    response = installer.post(ADD, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    product = Product.objects.get()
    assert (product.code, product.recurring_net, product.max_quantity) == ("pbx-seat-smart", Decimal("6.90"), None)
    assert ResellerPrice.objects.get().recurring_net == Decimal("7.50")
    assert audit_actions() == ["product.created", "reseller_price.set"]


def test_admin_shows_refusals_in_place_and_saves_nothing(installer, reseller):
    organisation, _customer = reseller
    response = installer.post(ADD, product_form(parent_types=["sip_trunk"]))
    assert response.status_code == 200 and "only options attach" in response.content.decode()
    bad_price = product_form(
        **{
            f"{PRICES}-TOTAL_FORMS": "1",
            f"{PRICES}-0-organisation_id": str(organisation.pk),
            f"{PRICES}-0-one_time_net": "-1",
            f"{PRICES}-0-recurring_net": "1",
        }
    )
    assert installer.post(ADD, bad_price).status_code == 200
    assert not Product.objects.exists() and not AuditEntry.objects.exists()


def test_admin_changes_and_withdraws_but_never_deletes(installer, catalog):
    url = reverse("admin:catalog_product_change", args=[catalog.trunk.pk])
    assert installer.get(url).status_code == 200
    form = product_form(
        code="sip-trunk", name="SIP trunk", type="sip_trunk", recurring_net="18.90", min_term_months="24"
    )
    response = installer.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    catalog.trunk.refresh_from_db()
    assert catalog.trunk.recurring_net == Decimal("18.90")
    changelist = reverse("admin:catalog_product_changelist")
    response = installer.post(changelist, {"action": "withdraw", "_selected_action": [catalog.trunk.pk]})
    assert response.status_code == 302
    catalog.trunk.refresh_from_db()
    assert not catalog.trunk.active
    assert installer.get(reverse("admin:catalog_product_delete", args=[catalog.trunk.pk])).status_code == 403
    assert audit_actions() == ["product.updated", "product.withdrawn"]


def test_admin_stocks_devices_through_the_service(installer):
    phone = products.ProductFactory(code="desk-phone", name="Desk phone")
    add = reverse("admin:catalog_device_add")
    response = installer.post(add, {"product": phone.pk, "serial_number": "YT-1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Device.objects.get().serial_number == "YT-1"
    response = installer.post(add, {"product": phone.pk, "serial_number": "YT 2"})
    assert response.status_code == 200 and "YT 2" in response.content.decode()
    assert audit_actions() == ["product.devices_added"]


def test_a_superuser_outside_the_operator_may_only_look(world, catalog):
    outsider = superuser()
    assert outsider.get(reverse("admin:catalog_product_change", args=[catalog.trunk.pk])).status_code == 200
    assert outsider.post(ADD, product_form()).status_code == 403
    assert outsider.post(reverse("admin:catalog_device_add"), {}).status_code == 403
    assert not Product.objects.filter(code="pbx-seat-smart").exists()
