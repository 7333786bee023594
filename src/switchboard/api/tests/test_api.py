"""Cross-cutting behaviour of the native API: JSON errors, bad input, CSRF, paging, rate limit, unknown routes."""

from __future__ import annotations

import json

import pytest

from switchboard.events.models import AuditEntry
from switchboard.tenancy.models import Address, ApiClient, Membership, Organisation, User
from switchboard.testing import logged_in

GOOD_ADDRESS = {"name": "Depot", "street": "Weg 1", "postal_code": "12345", "city": "Kiel", "country": "DE"}


def rows() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Organisation, Address, User, Membership, ApiClient, AuditEntry))


BAD_WRITES = [
    ("post", "/api/v1/users", {"email": "nope", "first_name": "A", "last_name": "B", "role": "user"}, "email"),
    ("post", "/api/v1/users", {"email": "a@b.test", "first_name": "A", "last_name": "B", "role": "boss"}, "role"),
    ("post", "/api/v1/users", {"email": "a@b.test", "first_name": "A", "last_name": "B"}, "role"),
    ("put", "/api/v1/users/{user}", {"email": "", "first_name": "A", "last_name": "B", "role": "user"}, "email"),
    ("put", "/api/v1/organisation", {"company_name": "", "invoice_email": "a@b.test"}, "company_name"),
    ("put", "/api/v1/organisation", {"company_name": "X", "invoice_email": 42}, "invoice_email"),
    (
        "post",
        "/api/v1/organisations",
        {
            "company_name": "C",
            "invoice_email": "c@c.test",
            "owner_email": "bad",
            "owner_first_name": "O",
            "owner_last_name": "W",
        },
        "owner_email",
    ),
    (
        "post",
        "/api/v1/organisations",
        {
            "kind": "operator",
            "company_name": "C",
            "invoice_email": "c@c.test",
            "owner_email": "o@c.test",
            "owner_first_name": "O",
            "owner_last_name": "W",
        },
        "kind",
    ),
    ("post", "/api/v1/addresses", {**GOOD_ADDRESS, "country": "Deutschland"}, "country"),
    ("post", "/api/v1/addresses", {**GOOD_ADDRESS, "city": ""}, "city"),
    ("put", "/api/v1/addresses/billing", {**GOOD_ADDRESS, "postal_code": "1" * 21}, "postal_code"),
    ("post", "/api/v1/api-clients", {"username": "x"}, "username"),
    ("post", "/api/v1/api-clients", {"username": "robot", "secret": "short"}, "secret"),
    ("get", "/api/v1/users?page=0", None, "page"),
    ("get", "/api/v1/users?size=100000", None, "size"),
    ("get", "/api/v1/users?page=abc", None, "page"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), BAD_WRITES)
def test_bad_input_is_a_json_4xx_naming_the_field_and_writes_nothing(api, world, method, path, body, field):
    caller = api(world.owner)
    before = rows()
    path = path.format(user=world.user.pk)
    if method == "get":
        response = caller.client.get(path, headers=caller.headers)
    else:
        response = getattr(caller.client, method)(
            path, data=json.dumps(body), content_type="application/json", headers=caller.headers
        )
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert rows() == before


def test_body_that_is_not_json_is_a_4xx(api, world):
    caller = api(world.client)
    response = caller.client.post(
        "/api/v1/users", data="{oops", content_type="application/json", headers=caller.headers
    )
    assert 400 <= response.status_code < 500
    assert response.json()["message"]


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v2/sims", "/management-api/v1/unknown", "/api/"])
def test_unknown_routes_answer_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_session_writes_need_the_csrf_token(world):
    browser = logged_in(world.owner, enforce_csrf_checks=True)
    response = browser.post("/api/v1/addresses", data=json.dumps(GOOD_ADDRESS), content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Address.objects.exists()
    browser.get("/account/")  # sets the CSRF cookie as the portal would
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/addresses",
        data=json.dumps(GOOD_ADDRESS),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201


def test_list_paging_headers(api, world):
    caller = api(world.client)
    response = caller.client.get("/api/v1/users?page=2&size=2", headers=caller.headers)
    assert response.status_code == 200
    assert response["X-Total-Count"] == "4" and response["X-Total-Pages"] == "2"
    assert response["X-Current-Page"] == "2" and response["X-Count-Per-Page"] == "2"
    beyond = caller.client.get("/api/v1/users?page=9&size=2", headers=caller.headers)
    assert beyond.status_code == 200 and beyond.json() == []


def test_rate_limit_per_client_with_retry_after(api, world, settings):
    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "API_RATE": "3/m"}
    caller = api(world.client)
    codes = [caller.client.get("/api/v1/me", headers=caller.headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = caller.client.get("/api/v1/me", headers=caller.headers)
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["code"] == "rate_limited"
    other = api(world.other_client)
    assert other.client.get("/api/v1/me", headers=other.headers).status_code == 200


def test_created_secret_is_returned_once(api, world):
    caller = api(world.owner)
    created = caller.client.post(
        "/api/v1/api-clients", data=json.dumps({"username": "robot"}), content_type="application/json"
    )
    assert created.status_code == 201
    assert created.json()["client_id"] == f"{world.customer.customer_number}_robot"
    assert created.json()["client_secret"]
    listed = caller.client.get("/api/v1/api-clients").json()
    assert all("client_secret" not in c for c in listed)


def test_audit_log_through_the_api(api, world):
    caller = api(world.owner)
    caller.client.post("/api/v1/addresses", data=json.dumps(GOOD_ADDRESS), content_type="application/json")
    entries = caller.client.get("/api/v1/audit-log").json()
    assert entries[0]["action"] == "address.created"
    assert entries[0]["actor_label"] == world.owner.user.email
    assert entries[0]["after"]["city"] == "Kiel"
    other = api(world.other_owner).client.get("/api/v1/audit-log").json()
    assert other == []


def test_openapi_docs_are_served(client):
    assert client.get("/api/docs").status_code == 302
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Switchboard API"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/api/v1/users?page=99999999999999999999", {}, 200),
        ("get", "/api/v1/me?a=%zz", {}, 400),
        ("patch", "/api/v1/users", {}, 405),
        ("get", "/management-api/oauth/token", {}, 405),
        ("post", "/api/v1/addresses", {"data": "x" * 3_000_000, "content_type": "application/json"}, 400),
        (
            "post",
            "/management-api/oauth/token",
            {"data": "--x\r\nbroken", "content_type": "multipart/form-data; boundary=x"},
            400,
        ),
    ],
)
def test_odd_requests_get_json_answers_never_html_or_500(api, world, method, path, kwargs, status):
    caller = api(world.client)
    response = getattr(caller.client, method)(path, headers=caller.headers, **kwargs)
    assert response.status_code == status, response.content[:300]
    assert "json" in response["Content-Type"]


def test_client_secret_in_the_query_string_is_ignored(client, world):
    response = client.post(
        f"/management-api/oauth/token?grant_type=client_credentials&client_id={world.client.client_id}"
        f"&client_secret={world.secret}",
        "",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "AuthValidationError"
