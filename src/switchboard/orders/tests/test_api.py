"""The native orders API (/api/v1/cart, /orders, /documents, /contracts, /sims/topup, /auto-topup, /back-office):
the cart that explains what is missing, placing, documents, reorders, top-ups, the operator's back office, refusals
as JSON naming the field, roles and tenant isolation."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from switchboard.connectivity.contracts import MB, QuotaStatus
from switchboard.connectivity.models import Sim
from switchboard.connectivity.services import authorize_data_session
from switchboard.orders.contracts import OrderStatus, OrderType
from switchboard.orders.models import AutoTopUp, CartLine, Contract, Document, Order
from switchboard.tenancy.models import Address

BASE = "/api/v1"
NEW_ADDRESS = {
    "name": "Erika Mustermann",
    "company": "Acme GmbH",
    "street": "Hauptstraße 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}


def call(caller, method: str, path: str, body=None, headers=None, **params):
    if method == "get":
        return caller.client.get(BASE + path, params, headers=caller.headers)
    return getattr(caller.client, method)(
        BASE + path,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers={**caller.headers, **(headers or {})},
    )


def refused(response, status: int, field: str | None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.fixture
def owner(api, world):
    return api(world.owner)


@pytest.fixture
def operator(api, fleet):
    return api(fleet.operator_admin)


def add(caller, product_id: int, **fields):
    response = call(caller, "post", "/cart/lines", {"product_id": product_id, **fields})
    assert response.status_code == 201, response.content
    return response.json()


def place_trunk(caller, catalog, key: str = "") -> dict:
    add(caller, catalog.trunk.pk, term_months=36)
    response = call(caller, "post", "/cart/order", {}, headers={"Idempotency-Key": key} if key else None)
    assert response.status_code == 201, response.content
    return response.json()


# The cart


def test_the_cart_explains_what_is_missing_before_the_order(owner, world, catalog):
    trunk = add(owner, catalog.trunk.pk, term_months=36)
    assert trunk["min_term_months"] == 24 and trunk["line_net"] == "68.90" and trunk["problems"] == []
    add(owner, catalog.ums.pk, quantity=2, parent_line_id=trunk["id"])
    lonely = add(owner, catalog.channel.pk, quantity=4)
    assert lonely["problems"][0]["field"] == "lines[2].parent"
    assert "needs a SIP trunk" in lonely["problems"][0]["message"]

    cart = call(owner, "get", "/cart").json()
    assert [line["product_name"] for line in cart["lines"]] == [
        "SIP trunk",
        "Unified Messaging package",
        "Voice channel",
    ]
    assert cart["can_order"] is False and [p["field"] for p in cart["problems"]] == ["lines[2].parent"]
    refused(call(owner, "post", "/cart/order", {}), 422, "lines[2].parent")
    assert not Order.objects.exists()

    assert call(owner, "delete", f"/cart/lines/{lonely['id']}").status_code == 204
    cart = call(owner, "get", "/cart").json()
    assert cart["can_order"] is True and cart["problems"] == []
    # 49.00 + 19.90 first month + 2 x 4.90, VAT 19 %
    assert (cart["one_time_net"], cart["monthly_net"]) == ("49.00", "29.70")
    assert (cart["total_net"], cart["total_vat"], cart["total_gross"]) == ("78.70", "14.95", "93.65")

    response = call(owner, "post", "/cart/order", {"customer_reference": "PO-9", "payment_method": "creditcard"})
    assert response.status_code == 201, response.content
    order = response.json()
    assert urlparse(response["Location"]).path == f"/api/v1/orders/{order['number']}"
    assert (order["total_net"], order["total_gross"], order["status"]) == ("78.70", "93.65", "IN_PREPARATION")
    assert order["customer_reference"] == "PO-9" and order["payment_method"] == "creditcard"
    assert [line["parent_position"] for line in order["lines"]] == [None, 1]
    assert call(owner, "get", "/cart").json()["lines"] == []


def test_changing_and_removing_cart_lines(owner, world, catalog):
    trunk = add(owner, catalog.trunk.pk)
    option = add(owner, catalog.channel.pk, quantity=2, parent_line_id=trunk["id"])
    changed = call(owner, "patch", f"/cart/lines/{option['id']}", {"quantity": 10})
    assert changed.status_code == 200 and changed.json()["quantity"] == 10
    refused(call(owner, "patch", f"/cart/lines/{option['id']}", {"quantity": 0}), 422, "quantity")
    refused(call(owner, "patch", f"/cart/lines/{option['id']}", {"quantity": "many"}), 422, "quantity")
    call(owner, "delete", f"/cart/lines/{trunk['id']}")  # its options go with it
    assert not CartLine.objects.exists()
    refused(call(owner, "delete", f"/cart/lines/{trunk['id']}"), 404, "line_id")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"product_id": 999999}, 404, "product_id"),
        ({"product_id": "x"}, 422, "product_id"),
        ({}, 422, "product_id"),
        ({"product_id": "TRUNK", "term_months": 12}, 422, "term_months"),
        ({"product_id": "TRUNK", "quantity": -1}, 422, "quantity"),
        ({"product_id": "UMS", "term_months": 12}, 422, "term_months"),
        ({"product_id": "UMS", "parent_contract_id": 999999}, 404, "parent_contract_id"),
        ({"product_id": "TOPUP"}, 422, "product_id"),
    ],
)
def test_bad_cart_lines_are_refused_naming_the_field(owner, catalog, body, status, field):
    ids = {"TRUNK": catalog.trunk.pk, "UMS": catalog.ums.pk, "TOPUP": catalog.data_topup.pk}
    if body.get("product_id") in ids:
        body["product_id"] = ids[body["product_id"]]
    refused(call(owner, "post", "/cart/lines", body), status, field)
    assert not CartLine.objects.exists()


def test_a_withdrawn_product_shows_as_a_problem_of_its_line(owner, catalog):
    add(owner, catalog.trunk.pk)
    catalog.trunk.active = False
    catalog.trunk.save()
    cart = call(owner, "get", "/cart").json()
    assert cart["can_order"] is False and cart["problems"][0]["field"] == "lines[0].product_id"


def test_sim_cards_go_to_a_new_address_saved_for_next_time(owner, world, fleet, catalog):
    add(owner, catalog.sim_card.pk, quantity=2)
    refused(call(owner, "post", "/cart/order", {}), 422, "delivery_address")
    refused(call(owner, "post", "/cart/order", {"address": {**NEW_ADDRESS, "country": "Germany"}}), 422, "country")
    assert not Address.objects.filter(kind="shipping").exists()
    response = call(owner, "post", "/cart/order", {"address": NEW_ADDRESS})
    assert response.status_code == 201, response.content
    assert response.json()["shipping_address"]["name"] == "Erika Mustermann"
    saved = Address.objects.get(organisation=world.customer, kind="shipping")
    add(owner, catalog.sim_card.pk, quantity=1)
    again = call(owner, "post", "/cart/order", {"address_id": saved.pk})
    assert again.status_code == 201 and again.json()["shipping_address"]["street"] == "Hauptstraße 5"


def test_an_address_of_another_customer_is_not_found(owner, world, fleet, catalog):
    foreign = Address.objects.create(
        organisation=world.other, kind="shipping", name="X", street="Y", postal_code="1", city="Z", country="DE"
    )
    add(owner, catalog.sim_card.pk)
    refused(call(owner, "post", "/cart/order", {"address_id": foreign.pk}), 404, "address_id")
    assert not Order.objects.exists()


def test_the_same_idempotency_key_returns_the_same_order(owner, catalog):
    first = place_trunk(owner, catalog, key="cart-1")
    add(owner, catalog.trunk.pk)  # the cart has moved on; the retry still names the first order
    again = call(owner, "post", "/cart/order", {}, headers={"Idempotency-Key": "cart-1"})
    assert again.status_code == 201 and again.json()["number"] == first["number"]
    assert Order.objects.count() == 1 and CartLine.objects.count() == 1
    refused(call(owner, "post", "/cart/order", {}, headers={"Idempotency-Key": "x" * 101}), 422, "Idempotency-Key")


# Roles and tenants


@pytest.mark.parametrize("role", ["user", "read_only"])
def test_user_and_read_only_cannot_order(api, world, fleet, catalog, role):
    caller = api(world.member(role))
    refused(call(caller, "post", "/cart/lines", {"product_id": catalog.trunk.pk}), 403, None)
    refused(call(caller, "post", "/cart/order", {}), 403, None)
    refused(call(caller, "post", "/sims/topup", {"iccids": [fleet.sim.iccid]}), 403, None)
    refused(call(caller, "put", "/auto-topup", {"enabled": True}), 403, None)
    assert not CartLine.objects.exists() and not Order.objects.exists() and not AutoTopUp.objects.exists()
    fleet.sim.refresh_from_db()
    assert fleet.sim.data_remaining == 500 * MB


def test_user_sees_no_orders_and_read_only_does(api, world, owner, catalog):
    order = place_trunk(owner, catalog)
    refused(call(api(world.user), "get", "/orders"), 403, None)
    listed = call(api(world.read_only), "get", "/orders")
    assert listed.status_code == 200 and [o["number"] for o in listed.json()] == [order["number"]]


def test_another_customer_finds_nothing(api, world, owner, fleet, catalog, operator):
    order = place_trunk(owner, catalog)
    call(operator, "post", f"/back-office/orders/{order['number']}/complete")
    document = Document.objects.get().number
    contract = Contract.objects.get()
    stranger = api(world.other_owner)
    for path in (f"/orders/{order['number']}", f"/orders/{order['number']}/sims.xlsx", f"/documents/{document}.pdf"):
        assert call(stranger, "get", path).status_code == 404, path
    refused(call(stranger, "post", f"/orders/{order['number']}/reorder"), 404, "order_number")
    refused(call(stranger, "post", f"/contracts/{contract.pk}/reorder"), 404, "parent_contract_id")
    assert call(stranger, "get", "/orders").json() == [] and call(stranger, "get", "/contracts").json() == []
    refused(call(stranger, "post", "/sims/topup", {"iccids": [fleet.sim.iccid]}), 404, "iccids")
    assert not CartLine.objects.exists() and Order.objects.count() == 1


def test_anonymous_gets_a_json_401(client):
    response = client.get(BASE + "/cart")
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"


# Orders, documents, reorders


def test_orders_list_is_paged_and_filtered(owner, operator, catalog):
    numbers = [place_trunk(owner, catalog)["number"] for _ in range(3)]
    call(operator, "post", f"/back-office/orders/{numbers[0]}/complete")
    response = call(owner, "get", "/orders", size=2)
    assert [o["number"] for o in response.json()] == numbers[:0:-1]
    assert (response["X-Total-Count"], response["X-Total-Pages"]) == ("3", "2")
    done = call(owner, "get", "/orders", status="COMPLETED").json()
    assert [(o["number"], o["invoice_number"] is not None) for o in done] == [(numbers[0], True)]
    refused(call(owner, "get", "/orders", status="SHIPPED"), 422, "status")
    refused(call(owner, "get", "/orders", size=501), 422, "size")


def test_completed_order_with_invoice_pdf_and_affected_sims(owner, operator, world, fleet, catalog, shipping):
    add(owner, catalog.sim_card.pk, quantity=2)
    number = call(owner, "post", "/cart/order", {"address_id": shipping.pk}).json()["number"]
    completed = call(operator, "post", f"/back-office/orders/{number}/complete")
    assert completed.status_code == 200 and completed.json()["status"] == "COMPLETED"

    order = call(owner, "get", f"/orders/{number}").json()
    delivered = {sim["iccid"] for sim in order["sims"]}
    assert len(delivered) == 2 and delivered <= {s.iccid for s in fleet.stock}
    (invoice,) = order["documents"]
    assert invoice["kind"] == "invoice" and invoice["gross"] == "23.80"
    pdf = owner.client.get(invoice["download_url"], headers=owner.headers)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    sheet = owner.client.get(order["affected_sims_url"], headers=owner.headers)
    assert sheet.status_code == 200
    rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == delivered


def test_reorder_an_order_and_a_contract(owner, operator, catalog):
    first = place_trunk(owner, catalog)
    call(operator, "post", f"/back-office/orders/{first['number']}/complete")
    response = call(owner, "post", f"/orders/{first['number']}/reorder")
    assert response.status_code == 201 and [line["product_name"] for line in response.json()["lines"]] == ["SIP trunk"]
    contracts = call(owner, "get", "/contracts").json()
    assert [(c["product_name"], c["min_term_months"], c["status"]) for c in contracts] == [("SIP trunk", 36, "active")]
    cart = call(owner, "post", f"/contracts/{contracts[0]['id']}/reorder").json()
    assert [line["term_months"] for line in cart["lines"]] == [36, 36]
    refused(call(owner, "post", "/orders/123/reorder"), 404, "order_number")
    refused(call(owner, "post", "/contracts/999999/reorder"), 404, "parent_contract_id")


# Top-ups, extensions, auto top-up


def test_top_up_lets_an_exhausted_sim_online_again(owner, fleet, catalog):
    sim = fleet.sim
    Sim.objects.filter(pk=sim.pk).update(data_remaining=0, data_status=QuotaStatus.EXHAUSTED)
    assert not authorize_data_session(imsi=sim.imsi).accepted
    key = {"Idempotency-Key": "t-1"}
    response = call(owner, "post", "/sims/topup", {"iccids": [sim.iccid], "payment_method": "boleto"}, headers=key)
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["order_type"] == OrderType.TOPUP and order["status"] == OrderStatus.COMPLETED
    assert order["payment_method"] == "boleto" and [s["iccid"] for s in order["sims"]] == [sim.iccid]
    assert authorize_data_session(imsi=sim.imsi).accepted
    again = call(owner, "post", "/sims/topup", {"iccids": [sim.iccid]}, headers=key)
    assert again.json()["number"] == order["number"] and Order.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"iccids": []}, 422, "iccids"),
        ({"iccids": ["nope"]}, 404, "iccids"),
        ({"iccids": "SIM", "product_id": "TRUNK"}, 422, "product_id"),
        ({"iccids": "SIM", "product_id": 999999}, 404, "product_id"),
        ({}, 422, "iccids"),
    ],
)
def test_bad_top_ups_are_refused(owner, fleet, catalog, body, status, field):
    if body.get("iccids") == "SIM":
        body["iccids"] = [fleet.sim.iccid]
    if body.get("product_id") == "TRUNK":
        body["product_id"] = catalog.trunk.pk
    refused(call(owner, "post", "/sims/topup", body), status, field)
    assert not Order.objects.exists()


def test_an_expired_sim_takes_only_an_extension(owner, fleet, catalog):
    sim = fleet.sim
    Sim.objects.filter(pk=sim.pk).update(lifetime_end=timezone.now() - timedelta(days=1))
    refused(call(owner, "post", "/sims/topup", {"iccids": [sim.iccid]}), 422, "iccids")
    response = call(owner, "post", "/sims/extension", {"iccids": [sim.iccid]})
    assert response.status_code == 201, response.content
    assert response.json()["order_type"] == OrderType.EXTENSION and response.json()["documents"]
    sim.refresh_from_db()
    assert sim.lifetime_end > timezone.now()


def test_auto_top_up_per_sim_and_for_all(owner, world, fleet, catalog):
    assert call(owner, "get", "/auto-topup").json() == {"all": False, "iccids": []}
    on = call(owner, "put", "/auto-topup", {"enabled": True, "iccids": [fleet.sims[1].iccid]}).json()
    assert on == {"all": False, "iccids": [fleet.sims[1].iccid]}
    assert call(owner, "put", "/auto-topup", {"enabled": True}).json()["all"] is True
    off = {"all": False, "iccids": []}  # off for all SIMs: the one switched on alone too
    assert call(owner, "put", "/auto-topup", {"enabled": False}).json() == off
    refused(call(owner, "put", "/auto-topup", {"iccids": []}), 422, "enabled")
    refused(call(owner, "put", "/auto-topup", {"enabled": True, "iccids": [fleet.other_sims[0].iccid]}), 404, "iccids")
    assert not AutoTopUp.objects.exists()


# The back office


def test_back_office_lists_completes_cancels_and_corrects(owner, operator, world, catalog):
    first, second = place_trunk(owner, catalog), place_trunk(owner, catalog)
    waiting = call(operator, "get", "/back-office/orders").json()
    assert [(o["number"], o["organisation_name"]) for o in waiting] == [
        (second["number"], "Acme GmbH"),
        (first["number"], "Acme GmbH"),
    ]
    refused(call(operator, "post", f"/back-office/orders/{first['number']}/cancel", {"reason": " "}), 422, "reason")
    cancelled = call(operator, "post", f"/back-office/orders/{first['number']}/cancel", {"reason": "Asked to"}).json()
    assert cancelled["status"] == "CANCELLED" and cancelled["cancel_reason"] == "Asked to"
    refused(call(operator, "post", f"/back-office/orders/{first['number']}/complete"), 409, "status")
    call(operator, "post", f"/back-office/orders/{second['number']}/complete")
    assert [o["number"] for o in call(operator, "get", "/back-office/orders", status="ALL").json()] == [
        second["number"],
        first["number"],
    ]

    path = f"/back-office/orders/{second['number']}/corrections"
    refused(call(operator, "post", path, {"net": "0", "reason": "x"}), 422, "net")
    refused(call(operator, "post", path, {"net": "abc", "reason": "x"}), 422, "net")
    refused(
        call(operator, "post", f"/back-office/orders/{first['number']}/corrections", {"net": "-5", "reason": "x"}),
        409,
        "order_number",
    )
    response = call(operator, "post", path, {"net": "-10.00", "reason": "Goodwill"})
    assert response.status_code == 201, response.content
    correction = response.json()
    assert correction["kind"] == "correction" and correction["gross"] == "-11.90"
    assert urlparse(response["Location"]).path == correction["download_url"]
    kinds = [d["kind"] for d in call(owner, "get", f"/orders/{second['number']}").json()["documents"]]
    assert kinds == ["invoice", "correction"]
    assert owner.client.get(correction["download_url"], headers=owner.headers).content.startswith(b"%PDF")


def test_customers_cannot_use_the_back_office(owner, world, catalog):
    order = place_trunk(owner, catalog)
    refused(call(owner, "get", "/back-office/orders"), 403, None)
    refused(call(owner, "post", f"/back-office/orders/{order['number']}/complete"), 403, None)
    refused(call(owner, "post", f"/back-office/orders/{order['number']}/cancel", {"reason": "x"}), 403, None)
    assert Order.objects.get().status == OrderStatus.IN_PREPARATION
