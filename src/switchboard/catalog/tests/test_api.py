"""The catalog API (/api/v1/catalog/...): everyone reads the orderable products at their own price; only the
operator's staff manage products, resellers' prices and devices."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from switchboard.catalog.models import Device, Product, ResellerPrice
from switchboard.events.models import AuditEntry
from switchboard.tenancy.tests import factories as f

from . import factories as products

BASE = "/api/v1/catalog/products"
TRUNK = {
    "code": "sip-trunk-36",
    "name": "SIP trunk, 36 months",
    "type": "sip_trunk",
    "one_time_net": "0.00",
    "recurring_net": "17.90",
    "min_term_months": 36,
    "max_quantity": 10,
}


def send(caller, method: str, path: str = "", body=None):
    data = json.dumps(body) if body is not None else None
    return getattr(caller.client, method)(
        BASE + path, data=data, content_type="application/json", headers=caller.headers
    )


def refused(response, status: int, field: str | None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["field"] == field and body["message"], body
    return body


@pytest.fixture
def staff(api, fleet):
    return api(fleet.operator_admin)


@pytest.fixture
def reseller(world):
    """A reseller with a customer of its own, whose owner orders at the reseller's prices."""
    organisation = f.OrganisationFactory(parent=world.operator, kind="reseller", company_name="NordNetz")
    customer = f.OrganisationFactory(parent=organisation, company_name="Reseller's customer")
    return organisation, f.member(customer, "owner", original=True)


def test_customer_lists_orderable_products_with_prices_and_stock(api, world, fleet, catalog):
    catalog.trunk.active = False
    catalog.trunk.save()
    phone = products.ProductFactory(code="desk-phone", name="Desk phone", one_time_net=Decimal("159.00"))
    products.devices(phone, 2)
    response = send(api(world.user), "get")
    assert response.status_code == 200, response.content
    listed = {p["code"]: p for p in response.json()}
    assert "sip-trunk" not in listed  # withdrawn
    assert listed["desk-phone"]["in_stock"] == 2
    assert listed["topup-data-500"]["in_stock"] is None
    sim = listed["sim-triple-1"]
    assert (sim["one_time_net"], sim["currency"], sim["vat_rate"], sim["data_bytes"]) == (
        "10.00",
        "EUR",
        "19.00",
        500 * 10**6,
    )
    assert sim["in_stock"] == len(fleet.stock)
    channel = listed["voice-channel"]
    assert channel["is_option"] and channel["parent_types"] == ["sip_trunk"]
    assert channel["recurring_net"] == "0.68" and channel["type_label"] == "Voice channel"


def test_list_filters_by_type_and_one_product_reads(api, world, catalog):
    caller = api(world.client)
    response = send(caller, "get", "?type=data_topup&type=sms_topup")
    assert sorted(p["code"] for p in response.json()) == ["topup-data-500", "topup-sms-250"]
    one = send(caller, "get", f"/{catalog.trunk.pk}")
    assert one.status_code == 200 and one.json()["min_term_months"] == 24
    refused(send(caller, "get", "?type=pizza"), 422, "type.0")


def test_withdrawn_or_unknown_product_is_not_found(api, world, catalog):
    catalog.ums.active = False
    catalog.ums.save()
    refused(send(api(world.owner), "get", f"/{catalog.ums.pk}"), 404, "product_id")
    refused(send(api(world.owner), "get", "/999999"), 404, "product_id")


def test_anonymous_is_refused(api, catalog):
    assert send(api(), "get").status_code == 401


def test_reseller_customer_sees_the_reseller_price(api, world, staff, reseller, catalog):
    organisation, member = reseller
    response = send(
        staff, "put", f"/{catalog.sim_card.pk}/prices/{organisation.pk}", {"one_time_net": "12.50", "recurring_net": 0}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "product_id": catalog.sim_card.pk,
        "reseller_id": organisation.pk,
        "one_time_net": "12.50",
        "recurring_net": "0.00",
        "currency": "EUR",
    }
    theirs = {p["code"]: p["one_time_net"] for p in send(api(member), "get").json()}
    assert theirs["sim-triple-1"] == "12.50"
    assert send(api(member), "get", f"/{catalog.sim_card.pk}").json()["one_time_net"] == "12.50"
    # a customer of the operator itself still pays the list price
    assert {p["code"]: p["one_time_net"] for p in send(api(world.owner), "get").json()}["sim-triple-1"] == "10.00"

    managed = send(staff, "patch", f"/{catalog.sim_card.pk}", {})
    assert managed.json()["reseller_prices"][0]["one_time_net"] == "12.50"

    assert send(staff, "delete", f"/{catalog.sim_card.pk}/prices/{organisation.pk}").status_code == 204
    assert {p["code"]: p["one_time_net"] for p in send(api(member), "get").json()}["sim-triple-1"] == "10.00"
    refused(send(staff, "delete", f"/{catalog.sim_card.pk}/prices/{organisation.pk}"), 404, "reseller_id")


def test_reseller_price_only_for_resellers_and_valid_amounts(staff, world, reseller, catalog):
    organisation, _member = reseller
    path = f"/{catalog.sim_card.pk}/prices"
    refused(
        send(staff, "put", f"{path}/{world.customer.pk}", {"one_time_net": "9", "recurring_net": "0"}),
        422,
        "reseller_id",
    )
    refused(send(staff, "put", f"{path}/999999", {"one_time_net": "9", "recurring_net": "0"}), 404, "reseller_id")
    refused(
        send(staff, "put", f"{path}/{organisation.pk}", {"one_time_net": "-1", "recurring_net": "0"}),
        422,
        "one_time_net",
    )
    refused(
        send(staff, "put", f"{path}/{organisation.pk}", {"one_time_net": "1", "recurring_net": "0.001"}),
        422,
        "recurring_net",
    )
    refused(send(staff, "put", f"{path}/{organisation.pk}", {"one_time_net": "1"}), 422, "recurring_net")
    assert not ResellerPrice.objects.exists()


def test_operator_creates_updates_and_withdraws(api, staff, world, catalog):
    created = send(staff, "post", "", TRUNK)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["code"], body["recurring_net"], body["min_term_months"], body["active"]) == (
        "sip-trunk-36",
        "17.90",
        36,
        True,
    )
    assert body["vat_rate"] == "19.00" and body["max_quantity"] == 10 and body["reseller_prices"] == []
    pk = body["id"]

    patched = send(staff, "patch", f"/{pk}", {"recurring_net": 16.9, "max_quantity": None, "description": "Cheaper."})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["recurring_net"], patched.json()["max_quantity"]) == ("16.90", None)
    assert patched.json()["code"] == "sip-trunk-36"  # untouched

    withdrawn = send(staff, "delete", f"/{pk}")
    assert withdrawn.status_code == 200 and withdrawn.json()["active"] is False
    assert Product.objects.filter(pk=pk, active=False).exists()  # kept, not deleted
    assert "sip-trunk-36" not in [p["code"] for p in send(api(world.owner), "get").json()]
    assert send(staff, "patch", f"/{pk}", {"active": True}).json()["active"] is True
    actions = list(AuditEntry.objects.filter(object_type="product").values_list("action", flat=True).order_by("pk"))
    assert actions == ["product.created", "product.updated", "product.withdrawn", "product.updated"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({**TRUNK, "code": "Not a slug!"}, 422, "code"),
        ({**TRUNK, "code": "sip-trunk"}, 409, "code"),
        ({**TRUNK, "type": "pizza"}, 422, "type"),
        ({**TRUNK, "one_time_net": "-0.01"}, 422, "one_time_net"),
        ({**TRUNK, "recurring_net": "1.999"}, 422, "recurring_net"),
        ({**TRUNK, "recurring_net": "abc"}, 422, "recurring_net"),
        ({**TRUNK, "currency": "EURO"}, 422, "currency"),
        ({**TRUNK, "vat_rate": "100.5"}, 422, "vat_rate"),
        ({**TRUNK, "min_quantity": 5, "max_quantity": 2}, 422, "max_quantity"),
        ({**TRUNK, "min_quantity": 0}, 422, "min_quantity"),
        ({**TRUNK, "parent_types": ["sim_card"]}, 422, "parent_types"),
        ({**TRUNK, "form_factor": "MFF2"}, 422, "form_factor"),
        ({**TRUNK, "type": "sim_card"}, 422, "form_factor"),
        ({**TRUNK, "type": "voice_channel"}, 422, "parent_types"),
        ({**TRUNK, "type": "voice_channel", "parent_types": ["voice_channel"]}, 422, "parent_types"),
        ({key: value for key, value in TRUNK.items() if key != "name"}, 422, "name"),
    ],
)
def test_bad_product_is_refused_with_the_field(staff, catalog, body, status, field):
    before = Product.objects.count()
    refused(send(staff, "post", "", body), status, field)
    assert Product.objects.count() == before


def test_bad_patch_changes_nothing(staff, catalog):
    refused(send(staff, "patch", f"/{catalog.channel.pk}", {"parent_types": []}), 422, "parent_types")
    refused(send(staff, "patch", f"/{catalog.channel.pk}", {"code": "sim-triple-1"}), 409, "code")
    refused(send(staff, "patch", "/999999", {"name": "x"}), 404, "product_id")
    catalog.channel.refresh_from_db()
    assert catalog.channel.parent_types == ["sip_trunk"] and catalog.channel.code == "voice-channel"


def test_devices_are_added_by_serial_number(api, staff, world, catalog):
    phone = products.ProductFactory(code="desk-phone", name="Desk phone")
    response = send(staff, "post", f"/{phone.pk}/devices", {"serial_numbers": ["SN-1", " SN-2 "]})
    assert response.status_code == 201, response.content
    assert response.json() == {"product_id": phone.pk, "added": 2, "serial_numbers": ["SN-1", "SN-2"]}
    assert send(api(world.owner), "get", f"/{phone.pk}").json()["in_stock"] == 2

    body = refused(
        send(staff, "post", f"/{phone.pk}/devices", {"serial_numbers": ["SN-3", "SN-2"]}), 409, "serial_numbers"
    )
    assert "SN-2" in body["message"]
    body = refused(
        send(staff, "post", f"/{phone.pk}/devices", {"serial_numbers": ["SN-4", "SN-4"]}), 422, "serial_numbers"
    )
    assert "SN-4" in body["message"]
    refused(send(staff, "post", f"/{catalog.sim_card.pk}/devices", {"serial_numbers": ["SN-5"]}), 422, "product_id")
    assert sorted(Device.objects.values_list("serial_number", flat=True)) == ["SN-1", "SN-2"]


@pytest.mark.parametrize("role", ["owner", "admin", "user", "read_only", "client"])
def test_customers_cannot_manage_the_catalog(api, world, reseller, catalog, role):
    caller = api(world.member(role))
    organisation, _member = reseller
    pk = catalog.trunk.pk
    attempts = [
        send(caller, "post", "", TRUNK),
        send(caller, "patch", f"/{pk}", {"recurring_net": "0.01"}),
        send(caller, "delete", f"/{pk}"),
        send(caller, "put", f"/{pk}/prices/{organisation.pk}", {"one_time_net": "0", "recurring_net": "0"}),
        send(caller, "delete", f"/{pk}/prices/{organisation.pk}"),
        send(caller, "post", f"/{pk}/devices", {"serial_numbers": ["SN-1"]}),
    ]
    for response in attempts:
        assert response.status_code == 403, response.content
    catalog.trunk.refresh_from_db()
    assert catalog.trunk.active and catalog.trunk.recurring_net == Decimal("19.90")
    assert not Product.objects.filter(code="sip-trunk-36").exists()
    assert not AuditEntry.objects.filter(object_type="product").exists()


def test_reseller_cannot_set_its_own_prices(api, reseller, catalog):
    organisation, _member = reseller
    reseller_owner = f.member(organisation, "owner", original=True)
    path = f"/{catalog.sim_card.pk}/prices/{organisation.pk}"
    response = send(api(reseller_owner), "put", path, {"one_time_net": "1", "recurring_net": "0"})
    assert response.status_code == 403 and not ResellerPrice.objects.exists()
