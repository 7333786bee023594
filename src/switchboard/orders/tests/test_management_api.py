"""The 1NCE-compatible orders, products and top-ups (/management-api/v1/...): shapes against 1NCE's specs, paging,
idempotent creation, the top-up that lets an exhausted SIM online again, refusals and tenant isolation."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from switchboard.catalog import selectors as catalog_selectors
from switchboard.connectivity.contracts import MB, AccessRequest, QuotaStatus
from switchboard.connectivity.models import Sim
from switchboard.connectivity.services.network import authorize_data_sessions
from switchboard.orders import services
from switchboard.orders.contracts import OrderStatus, OrderType
from switchboard.orders.models import AutoTopUp, Contract, Order
from switchboard.tenancy.models import Address
from switchboard.tenancy.tests.factories import principal
from switchboard.testing.openapi import V1, assert_component, assert_matches

ORDERS = "1nce-order-management-openapi.yml"
PRODUCTS = "1nce-product-information-openapi.yml"
ADDRESS = {
    "salutation": "2",
    "first_name": "Erika",
    "last_name": "Mustermann",
    "company": "Acme GmbH",
    "street": "Hauptstraße",
    "house_number": "5",
    "address_line2": "Tor 3",
    "zip": "10115",
    "city": "Berlin",
    "country": "de",
    "phone": "+49301234567",
}


@pytest.fixture
def mgmt(api, world):
    """The customer's API client on the Management API; `headers` go with the request."""
    caller = api(world.client)

    def call(method: str, path: str, body=None, headers=None, **params):
        url = "/management-api" + path
        if params and method != "get":
            url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
            params = {}
        kwargs = {"headers": {**caller.headers, **(headers or {})}, "content_type": "application/json"}
        if body is not None:
            kwargs["data"] = body
        elif params:
            kwargs["data"] = params
        return getattr(caller.client, method)(url, **kwargs)

    return call


@pytest.fixture
def foreign(api, world):
    caller = api(world.other_client)

    def call(method: str, path: str, body=None):
        return caller.call(method, "/management-api" + path, json=body)

    return call


def refused(response, status: int, field: str | None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error_code"] == status and body.get("field") == field, body
    return body


def path_of(location: str) -> str:
    return urlparse(location).path.removeprefix("/management-api")


def place_trunks(world, catalog, count: int) -> list[Order]:
    owner = principal(world.owner)
    trunk = catalog_selectors.product_for(organisation_id=world.customer.pk, product_id=catalog.trunk.pk)
    return [services.place(owner, [services.Item(product=trunk, quantity=1)]) for _ in range(count)]


def authorized(sim: Sim) -> bool:
    return authorize_data_sessions([AccessRequest(imsi=sim.imsi)])[0].accepted


# Products


def test_products_match_the_spec(mgmt, catalog):
    catalog.sim_card.max_quantity = 500
    catalog.sim_card.save()
    body = assert_matches(mgmt("get", "/v1/products"), PRODUCTS, "/v1/products")
    products = {p["id"]: p for p in body}
    sim = products[catalog.sim_card.pk]
    assert sim["product"] == "IoT SIM card 2FF/3FF/4FF" and sim["material"] == "SIM card"
    assert sim["min_contract_duration"] == 120 and sim["maxQuantity"] == 500 and "maxQuantityPerCustomer" not in sim
    assert sim["one_time_charges"] == [{"name": "provisionCharge", "amount_net": 10.0, "currency": "EUR"}]
    trunk = products[catalog.trunk.pk]
    assert trunk["recurring_charges"] == [{"name": "monthlyCharge", "amount_net": 19.9, "currency": "EUR"}]


# Creating orders


def test_order_with_a_delivery_address_is_created_and_the_address_kept(mgmt, world, fleet, catalog):
    body = {"products": [{"productId": catalog.sim_card.pk, "quantity": 2}], "delivery_address": ADDRESS}
    response = mgmt("post", "/v1/orders", {**body, "customer_reference": "PO-42"})
    assert response.status_code == 201, response.content
    order = response.json()
    assert_component(order, ORDERS, "Order", formats=False)
    assert path_of(response["Location"]) == f"/v1/orders/{order['order_number']}"
    assert order["order_type"] == OrderType.FIRST_ORDER and order["order_status"] == "IN_PREPARATION"
    assert order["products"] == [{"product_id": catalog.sim_card.pk, "quantity": 2}]
    assert order["invoice_amount"] == "23.80" and order["currency"] == "EUR" and order["sims"] == []
    assert order["shipping_address"] == {
        "first_name": "Erika",
        "last_name": "Mustermann",
        "company": "Acme GmbH",
        "street": "Hauptstraße 5",
        "address_line2": "Tor 3",
        "zip": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    saved = Address.objects.get(organisation=world.customer, kind="shipping")
    assert (saved.name, saved.street, saved.postal_code) == ("Erika Mustermann", "Hauptstraße 5", "10115")
    assert Order.objects.get().customer_reference == "PO-42"
    body["products"][0]["quantity"] = 1  # of the three SIMs in stock, two are promised
    again = mgmt("post", "/v1/orders", body)  # the same address again: not saved twice
    assert again.status_code == 201 and again.json()["order_type"] == OrderType.ADDITIONAL_ORDER
    assert Address.objects.filter(kind="shipping").count() == 1


def test_the_same_idempotency_key_returns_the_same_order(mgmt, world, fleet, catalog):
    body = {"products": [{"productId": catalog.sim_card.pk, "quantity": 1}], "delivery_address": ADDRESS}
    first = mgmt("post", "/v1/orders", body, headers={"Idempotency-Key": "order-7"})
    again = mgmt("post", "/v1/orders", body, headers={"Idempotency-Key": "order-7"})
    assert first.status_code == again.status_code == 201
    assert first.json()["order_number"] == again.json()["order_number"]
    assert first["Location"] == again["Location"]
    assert Order.objects.count() == 1 and Address.objects.filter(kind="shipping").count() == 1


def test_goods_go_to_the_single_saved_address_when_none_is_sent(mgmt, fleet, catalog, shipping):
    response = mgmt("post", "/v1/orders", {"products": [{"productId": catalog.sim_card.pk, "quantity": 1}]})
    assert response.status_code == 201, response.content
    assert response.json()["shipping_address"]["last_name"] == "Warehouse"


def test_an_option_needs_its_contract_or_a_parent_in_the_order(mgmt, world, fleet, catalog):
    alone = mgmt("post", "/v1/orders", {"products": [{"productId": catalog.ums.pk, "quantity": 1}]})
    assert "needs a SIP trunk" in refused(alone, 400, "products[0].parent")["message"]
    together = mgmt(
        "post",
        "/v1/orders",
        {
            "products": [
                {"productId": catalog.trunk.pk, "quantity": 1},
                {"productId": catalog.channel.pk, "quantity": 4, "parent_index": 0},
            ]
        },
    )
    assert together.status_code == 201, together.content
    services.order_complete(principal=principal(fleet.operator_admin), order_number=together.json()["order_number"])
    contract = Contract.objects.get(product_type="sip_trunk")
    option = {"productId": catalog.ums.pk, "quantity": 2, "parent_contract_id": contract.pk}
    response = mgmt("post", "/v1/orders", {"products": [option]})
    assert response.status_code == 201, response.content
    assert Order.objects.get(number=response.json()["order_number"]).lines.get().parent_contract_id == contract.pk


@pytest.mark.parametrize(
    ("products", "status", "field"),
    [
        ([], 400, "products"),
        ([{"productId": 999999, "quantity": 1}], 404, "products[0].productId"),
        ([{"productId": "x", "quantity": 1}], 400, "products[0].productId"),
        ([{"productId": "TRUNK", "quantity": 0}], 400, "products[0].quantity"),
        ([{"productId": "TOPUP", "quantity": 1}], 400, "products[0].productId"),
        ([{"productId": "SIM", "quantity": 1}], 400, "delivery_address"),
        ([{"productId": "SIM", "quantity": 4}], 400, "products[0].quantity"),
    ],
)
def test_refused_orders_name_the_field_and_create_nothing(mgmt, fleet, catalog, products, status, field):
    ids = {"TRUNK": catalog.trunk.pk, "TOPUP": catalog.data_topup.pk, "SIM": catalog.sim_card.pk}
    for product in products:
        product["productId"] = ids.get(product["productId"], product["productId"])
    refused(mgmt("post", "/v1/orders", {"products": products}), status, field)
    assert not Order.objects.exists()


def test_a_bad_delivery_address_is_refused_and_not_kept(mgmt, fleet, catalog):
    body = {
        "products": [{"productId": catalog.sim_card.pk, "quantity": 1}],
        "delivery_address": {**ADDRESS, "country": "Germany"},
    }
    refused(mgmt("post", "/v1/orders", body), 400, "delivery_address.country")
    stock_short = {"products": [{"productId": catalog.sim_card.pk, "quantity": 99}], "delivery_address": ADDRESS}
    refused(mgmt("post", "/v1/orders", stock_short), 400, "products[0].quantity")
    assert not Order.objects.exists() and not Address.objects.filter(kind="shipping").exists()


# Listing and reading orders


def test_orders_list_pages_of_at_most_ten_with_headers(mgmt, world, catalog):
    place_trunks(world, catalog, 12)
    response = mgmt("get", "/v1/orders")
    body = assert_matches(response, ORDERS, "/v1/orders", formats=False)
    assert len(body) == 10 and body[0]["order_number"] < body[1]["order_number"]
    assert (response["X-Total-Count"], response["X-Total-Pages"], response["X-Count-Per-Page"]) == ("12", "2", "10")
    second = mgmt("get", "/v1/orders", page=2, pageSize=5)
    assert len(second.json()) == 5 and second["X-Current-Page"] == "2" and second["X-Total-Pages"] == "3"
    assert mgmt("get", "/v1/orders", page=9).json() == []
    newest = mgmt("get", "/v1/orders", sort="-order_date", pageSize=1).json()[0]
    assert newest["order_number"] == max(o.number for o in Order.objects.all())


@pytest.mark.parametrize(
    ("params", "field"), [({"pageSize": 11}, "pageSize"), ({"page": 0}, "page"), ({"sort": "price"}, "sort")]
)
def test_bad_list_parameters_are_400(mgmt, world, params, field):
    refused(mgmt("get", "/v1/orders", **params), 400, field)


def test_sort_by_status_then_number(mgmt, world, fleet, catalog):
    first, second = place_trunks(world, catalog, 2)
    services.order_complete(principal=principal(fleet.operator_admin), order_number=second.number)
    body = mgmt("get", "/v1/orders", sort="order_status,-order_number").json()
    assert [(o["order_number"], o["order_status"]) for o in body] == [
        (second.number, "COMPLETED"),
        (first.number, "IN_PREPARATION"),
    ]
    detail = mgmt("get", f"/v1/orders/{second.number}")
    order = assert_matches(detail, ORDERS, "/v1/orders/{order_number}", formats=False)
    assert order["invoice_number"].startswith("INV-") and order["invoice_amount"] == "81.99"


def test_another_customers_order_is_not_found(mgmt, foreign, world, catalog):
    (order,) = place_trunks(world, catalog, 1)
    refused(foreign("get", f"/v1/orders/{order.number}"), 404, "order_number")
    assert foreign("get", "/v1/orders").json() == []
    refused(mgmt("get", "/v1/orders/123"), 404, "order_number")
    refused(mgmt("get", "/v1/orders/abc"), 404, "order_number")


# Top-ups


def test_top_up_lets_an_exhausted_sim_open_a_data_session_again(mgmt, fleet, catalog):
    sim = fleet.sim
    Sim.objects.filter(pk=sim.pk).update(data_remaining=0, data_status=QuotaStatus.EXHAUSTED)
    assert not authorized(sim)

    response = mgmt("post", f"/v1/sims/{sim.iccid}/topup", payment_method="creditcard")

    assert_matches(response, V1, "/v1/sims/{iccid}/topup")
    sim.refresh_from_db()
    assert sim.data_remaining == 500 * MB and authorized(sim)
    order = mgmt("get", path_of(response["Location"])).json()
    assert order["order_type"] == OrderType.TOPUP and order["order_status"] == OrderStatus.COMPLETED
    assert order["invoice_number"].startswith("INV-") and order["invoice_amount"] == "11.90"
    assert order["sims"][0]["iccid"] == sim.iccid
    assert order["sims"][0]["_links"][0]["href"].endswith(f"/management-api/v1/sims/{sim.iccid}")
    assert Order.objects.get().payment_method == "creditcard"


def test_an_unknown_payment_method_is_a_bank_transfer(mgmt, fleet, catalog):
    response = mgmt("post", f"/v1/sims/{fleet.sim.iccid}/topup", payment_method="gold")
    assert response.status_code == 201
    assert Order.objects.get().payment_method == "banktransfer"


def test_the_same_key_tops_up_once(mgmt, fleet, catalog):
    key = {"Idempotency-Key": "topup-1"}
    first = mgmt("post", f"/v1/sims/{fleet.sim.iccid}/topup", headers=key)
    again = mgmt("post", f"/v1/sims/{fleet.sim.iccid}/topup", headers=key)
    assert first["Location"] == again["Location"] and Order.objects.count() == 1
    fleet.sim.refresh_from_db()
    assert fleet.sim.data_remaining == 1000 * MB


def test_an_expired_sim_is_422_and_nothing_is_ordered(mgmt, fleet, catalog):
    Sim.objects.filter(pk=fleet.sim.pk).update(lifetime_end=timezone.now() - timedelta(days=1))
    refused(mgmt("post", f"/v1/sims/{fleet.sim.iccid}/topup"), 422, "iccids")
    refused(mgmt("post", "/v1/sims/topup", [fleet.sims[1].iccid, fleet.sim.iccid]), 422, "iccids")
    refused(mgmt("post", "/v1/sims/autoTopup", {"enabled": True, "iccids": [fleet.sim.iccid]}), 422, "iccids")
    assert not Order.objects.exists() and not AutoTopUp.objects.exists()


def test_another_customers_sim_is_not_found(mgmt, fleet, catalog):
    other = fleet.other_sims[0]
    refused(mgmt("post", f"/v1/sims/{other.iccid}/topup"), 404, "iccid")
    refused(mgmt("post", "/v1/sims/89490000000000000000/topup"), 404, "iccid")
    refused(mgmt("post", "/v1/sims/topup", [fleet.sim.iccid, other.iccid]), 404, "iccids")
    assert not Order.objects.exists()
    other.refresh_from_db()
    assert other.data_remaining == 500 * MB


def test_bulk_top_up_is_one_order_for_all_sims(mgmt, fleet, catalog):
    response = mgmt("post", "/v1/sims/topup", [s.iccid for s in fleet.sims], payment_method="monthlyinvoice")
    assert_matches(response, V1, "/v1/sims/topup")
    order = mgmt("get", path_of(response["Location"])).json()
    assert order["order_type"] == OrderType.BULK_TOPUP
    assert sorted(s["iccid"] for s in order["sims"]) == sorted(s.iccid for s in fleet.sims)
    assert {s.data_remaining for s in Sim.objects.filter(organisation_id=fleet.sim.organisation_id)} == {1000 * MB}


@pytest.mark.parametrize(
    ("body", "status"), [([], 400), ({"iccids": [1]}, 400), (["not-an-iccid"], 404), (["8988"], 404)]
)
def test_bad_bulk_top_ups_are_refused(mgmt, fleet, catalog, body, status):
    refused(mgmt("post", "/v1/sims/topup", body), status, "iccids")
    assert not Order.objects.exists()


def test_auto_top_up_on_and_off(mgmt, world, fleet, catalog):
    iccids = [s.iccid for s in fleet.sims[:2]]
    response = mgmt("post", "/v1/sims/autoTopup", {"enabled": True, "iccids": iccids})
    assert_matches(response, V1, "/v1/sims/autoTopup")
    assert set(AutoTopUp.objects.values_list("sim_id", flat=True)) == {s.pk for s in fleet.sims[:2]}
    mgmt("post", "/v1/sims/autoTopup", {"enabled": False, "iccids": iccids[:1]})
    assert list(AutoTopUp.objects.values_list("sim_id", flat=True)) == [fleet.sims[1].pk]
    assert mgmt("post", "/v1/sims/autoTopup", {"enabled": True}).status_code == 201
    assert AutoTopUp.objects.filter(organisation_id=world.customer.pk, sim_id=None).exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [({"iccids": []}, 400, "enabled"), ({"enabled": True, "iccids": []}, 400, "iccids")],
)
def test_bad_auto_top_up_requests(mgmt, fleet, body, status, field):
    refused(mgmt("post", "/v1/sims/autoTopup", body), status, field)
    assert not AutoTopUp.objects.exists()


def test_auto_top_up_of_another_customers_sim_is_not_found(mgmt, fleet):
    refused(mgmt("post", "/v1/sims/autoTopup", {"enabled": True, "iccids": [fleet.other_sims[0].iccid]}), 404, "iccids")
    assert not AutoTopUp.objects.exists()


# Who may call


@pytest.mark.parametrize(("method", "path"), [("get", "/v1/orders"), ("get", "/v1/products"), ("post", "/v1/orders")])
def test_anonymous_and_portal_sessions_get_a_json_401(client, api, world, method, path):
    for caller in (client, api(world.owner).client):
        response = getattr(caller, method)("/management-api" + path, content_type="application/json")
        assert response.status_code == 401 and response.json()["error_code"] == 401


def test_top_up_without_a_top_up_on_sale_names_the_product(mgmt, fleet):
    refused(mgmt("post", f"/v1/sims/{fleet.sim.iccid}/topup"), 404, "product_id")
    assert not Order.objects.exists()


# SIM extension


def test_extension_renews_lifetime_and_volumes_as_an_order(mgmt, fleet, catalog):
    sim = fleet.sim
    Sim.objects.filter(pk=sim.pk).update(data_remaining=0, data_status=2)
    before = Sim.objects.get(pk=sim.pk).lifetime_end
    response = mgmt("post", "/v1/sims/extension", {"iccids": [sim.iccid]})
    assert_matches(response, V1, "/v1/sims/extension")
    assert response.status_code == 201
    order = Order.objects.get()
    assert order.order_type == OrderType.EXTENSION and order.documents.count() == 1
    assert response["Location"].endswith(f"/management-api/v1/orders/{order.number}")
    sim.refresh_from_db()
    assert sim.lifetime_end > before and sim.data_remaining == 500 * MB


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"iccids": []}, 400, "iccids"),
        ({"iccids": ["8988228000000999999"]}, 404, "iccids"),
        ({"iccids": "nope"}, 400, "iccids"),
        ({"productId": 1001}, 400, "iccids"),
    ],
)
def test_bad_extensions_change_nothing(mgmt, fleet, catalog, body, status, field):
    response = mgmt("post", "/v1/sims/extension", body)
    assert response.status_code == status and response.json()["field"] == field
    assert not Order.objects.exists()


def test_extension_with_a_product_that_is_no_extension_is_refused(mgmt, fleet, catalog):
    response = mgmt("post", "/v1/sims/extension", {"iccids": [fleet.sim.iccid], "productId": catalog.trunk.pk})
    assert response.status_code == 400 and response.json()["field"] == "productId"
    assert not Order.objects.exists()
