"""Every API route and portal page against anonymous, another organisation, a weaker role and the right role.
A refusal must change nothing: the rows of every tenancy table, the audit log and the outbox stay as they were."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from switchboard.api.api import api as native_api
from switchboard.events.models import AuditEntry, OutboxEvent
from switchboard.tenancy.models import Address, ApiClient, Membership, Organisation, User
from switchboard.tenancy.tests import factories as f

ROLE_ORDER = ["read_only", "user", "admin", "owner"]
ADDRESS = {"name": "Depot", "street": "Weg 1", "postal_code": "12345", "city": "Kiel", "country": "DE"}


def state() -> str:
    tables = (Organisation, Address, User, Membership, ApiClient, AuditEntry, OutboxEvent)
    return json.dumps({m.__name__: list(m.objects.order_by("pk").values()) for m in tables}, default=str)


@dataclass
class Route:
    method: str
    path: Callable  # (world, objects) -> path
    needs: str  # weakest role allowed
    body: Callable | None = None
    scoped_object: bool = False  # the path names an object of the customer
    ok: tuple[int, ...] = (200, 201, 204)
    form: bool = False  # portal: form-encoded POST
    marks: list = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path.__doc__ or ''}"


def P(doc: str, fn: Callable) -> Callable:
    fn.__doc__ = doc
    return fn


API = [
    Route("get", P("/me", lambda w, o: "/api/v1/me"), "read_only"),
    Route("get", P("/organisation", lambda w, o: "/api/v1/organisation"), "read_only"),
    Route(
        "put",
        P("/organisation", lambda w, o: "/api/v1/organisation"),
        "admin",
        body=lambda w, o: {"company_name": "Renamed GmbH", "invoice_email": "inv@acme.test"},
    ),
    Route("get", P("/organisations", lambda w, o: "/api/v1/organisations"), "read_only"),
    Route(
        "post",
        P("/organisations", lambda w, o: "/api/v1/organisations"),
        "admin",
        body=lambda w, o: {
            "company_name": "Child",
            "invoice_email": "c@child.test",
            "owner_email": "o@child.test",
            "owner_first_name": "O",
            "owner_last_name": "W",
        },
    ),
    Route("get", P("/users", lambda w, o: "/api/v1/users"), "read_only"),
    Route(
        "post",
        P("/users", lambda w, o: "/api/v1/users"),
        "admin",
        body=lambda w, o: {"email": "new@acme.test", "first_name": "N", "last_name": "U", "role": "user"},
    ),
    Route("get", P("/users/{id}", lambda w, o: f"/api/v1/users/{w.user.pk}"), "read_only", scoped_object=True),
    Route(
        "put",
        P("/users/{id}", lambda w, o: f"/api/v1/users/{w.user.pk}"),
        "admin",
        scoped_object=True,
        body=lambda w, o: {"email": w.user.user.email, "first_name": "X", "last_name": "Y", "role": "read_only"},
    ),
    Route("delete", P("/users/{id}", lambda w, o: f"/api/v1/users/{w.user.pk}"), "admin", scoped_object=True),
    Route("get", P("/api-clients", lambda w, o: "/api/v1/api-clients"), "read_only"),
    Route(
        "post", P("/api-clients", lambda w, o: "/api/v1/api-clients"), "admin", body=lambda w, o: {"username": "robot"}
    ),
    Route(
        "delete", P("/api-clients/{id}", lambda w, o: f"/api/v1/api-clients/{w.client.pk}"), "admin", scoped_object=True
    ),
    Route("get", P("/addresses", lambda w, o: "/api/v1/addresses"), "read_only"),
    Route("post", P("/addresses", lambda w, o: "/api/v1/addresses"), "admin", body=lambda w, o: ADDRESS),
    Route("put", P("/addresses/billing", lambda w, o: "/api/v1/addresses/billing"), "admin", body=lambda w, o: ADDRESS),
    Route(
        "get",
        P("/addresses/{id}", lambda w, o: f"/api/v1/addresses/{o['address'].pk}"),
        "read_only",
        scoped_object=True,
    ),
    Route(
        "put",
        P("/addresses/{id}", lambda w, o: f"/api/v1/addresses/{o['address'].pk}"),
        "admin",
        scoped_object=True,
        body=lambda w, o: ADDRESS,
    ),
    Route(
        "delete", P("/addresses/{id}", lambda w, o: f"/api/v1/addresses/{o['address'].pk}"), "admin", scoped_object=True
    ),
    Route("get", P("/audit-log", lambda w, o: "/api/v1/audit-log"), "admin"),
]

PORTAL = [
    Route("get", P("dashboard", lambda w, o: reverse("portal:dashboard")), "read_only"),
    Route("get", P("account", lambda w, o: reverse("tenancy:account")), "read_only"),
    Route("get", P("users", lambda w, o: reverse("tenancy:users")), "read_only"),
    Route("get", P("organisation", lambda w, o: reverse("tenancy:organisation")), "read_only"),
    Route("get", P("audit", lambda w, o: reverse("events:audit")), "admin"),
    Route(
        "get", P("user edit", lambda w, o: reverse("tenancy:user_edit", args=[w.user.pk])), "admin", scoped_object=True
    ),
    Route(
        "get",
        P("address edit", lambda w, o: reverse("tenancy:address_edit", args=[o["address"].pk])),
        "admin",
        scoped_object=True,
    ),
    Route(
        "post",
        P("account: customer data", lambda w, o: reverse("tenancy:account")),
        "admin",
        form=True,
        ok=(302,),
        body=lambda w, o: {
            "action": "organisation",
            "org-company_name": "Renamed",
            "org-invoice_email": "inv@acme.test",
        },
    ),
    Route(
        "post",
        P("account: shipping address", lambda w, o: reverse("tenancy:account")),
        "admin",
        form=True,
        ok=(302,),
        body=lambda w, o: {"action": "shipping", **{f"shipping-{k}": v for k, v in ADDRESS.items()}},
    ),
    Route(
        "post",
        P("account: billing address", lambda w, o: reverse("tenancy:account")),
        "admin",
        form=True,
        ok=(302,),
        body=lambda w, o: {"action": "billing", **{f"billing-{k}": v for k, v in ADDRESS.items()}},
    ),
    Route(
        "post",
        P("users: create", lambda w, o: reverse("tenancy:users")),
        "admin",
        form=True,
        ok=(302,),
        body=lambda w, o: {
            "action": "member",
            "email": "new@acme.test",
            "first_name": "N",
            "last_name": "U",
            "role": "user",
        },
    ),
    Route(
        "post",
        P("users: api client", lambda w, o: reverse("tenancy:users")),
        "admin",
        form=True,
        ok=(200,),
        body=lambda w, o: {"action": "api_client", "username": "robot"},
    ),
    Route(
        "post",
        P("user edit", lambda w, o: reverse("tenancy:user_edit", args=[w.user.pk])),
        "admin",
        form=True,
        ok=(302,),
        scoped_object=True,
        body=lambda w, o: {"email": w.user.user.email, "first_name": "X", "last_name": "Y", "role": "read_only"},
    ),
    Route(
        "post",
        P("user remove", lambda w, o: reverse("tenancy:user_remove", args=[w.user.pk])),
        "admin",
        form=True,
        ok=(302,),
        scoped_object=True,
    ),
    Route(
        "post",
        P("address edit", lambda w, o: reverse("tenancy:address_edit", args=[o["address"].pk])),
        "admin",
        form=True,
        ok=(302,),
        scoped_object=True,
        body=lambda w, o: ADDRESS,
    ),
    Route(
        "post",
        P("address remove", lambda w, o: reverse("tenancy:address_remove", args=[o["address"].pk])),
        "admin",
        form=True,
        ok=(302,),
        scoped_object=True,
    ),
    Route(
        "post",
        P("api client revoke", lambda w, o: reverse("tenancy:api_client_revoke", args=[w.client.pk])),
        "admin",
        form=True,
        ok=(302,),
        scoped_object=True,
    ),
    Route(
        "post",
        P("organisation: create child", lambda w, o: reverse("tenancy:organisation")),
        "admin",
        form=True,
        ok=(302,),
        body=lambda w, o: {
            "action": "child",
            "kind": "sub_organisation",
            "company_name": "Child",
            "invoice_email": "c@child.test",
            "owner_first_name": "O",
            "owner_last_name": "W",
            "owner_email": "o@child.test",
        },
    ),
]


def weaker(role: str) -> str | None:
    index = ROLE_ORDER.index(role)
    return ROLE_ORDER[index - 1] if index else None


def cases(routes: list[Route]) -> list:
    params = []
    for route in routes:
        params.append(pytest.param(route, "anonymous", id=f"{route.id} · anonymous"))
        if route.scoped_object or route.method == "get":
            params.append(pytest.param(route, "other_owner", id=f"{route.id} · another organisation"))
        if weaker(route.needs):
            params.append(pytest.param(route, weaker(route.needs), id=f"{route.id} · {weaker(route.needs)}"))
        params.append(pytest.param(route, route.needs, id=f"{route.id} · {route.needs}"))
    return params


@pytest.fixture
def objects(world):
    return {"address": f.AddressFactory(organisation=world.customer)}


def _call(client, route: Route, world, objects, headers=None):
    path = route.path(world, objects)
    body = route.body(world, objects) if route.body else None
    if route.form:
        return client.post(path, body or {})
    if route.method == "get":
        return client.get(path, headers=headers)
    return getattr(client, route.method)(
        path, data=json.dumps(body) if body else None, content_type="application/json", headers=headers
    )


def _actor(world, who: str):
    return getattr(world, who) if who != "anonymous" else None


@pytest.mark.parametrize(("route", "who"), cases(API))
def test_api_route(route: Route, who: str, world, objects, api):
    caller = api(_actor(world, who))
    before = state()
    response = _call(caller.client, route, world, objects, headers=caller.headers)
    assert (
        response["Content-Type"].startswith(("application/json", "application/problem+json"))
        or response.status_code == 204
    )
    if who == route.needs:
        assert response.status_code in route.ok, response.content
        return
    if who == "other_owner" and route.method == "get" and not route.scoped_object:
        assert response.status_code == 200
        assert str(world.customer.customer_number) not in response.content.decode()
        assert world.owner.user.email not in response.content.decode()
        return
    expected = {"anonymous": 401, "other_owner": 404}.get(who, 403)
    assert response.status_code == expected, response.content
    assert response.json()["message"]
    if route.method != "get":
        assert state() == before


@pytest.mark.parametrize(("route", "who"), cases(PORTAL))
def test_portal_page(route: Route, who: str, world, objects, portal):
    browser = portal(_actor(world, who))
    before = state()
    response = _call(browser, route, world, objects)
    if who == route.needs:
        assert response.status_code in route.ok, response.content[:2000]
        return
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:login"))
    elif who == "other_owner" and route.method == "get" and not route.scoped_object:
        assert response.status_code == 200
        assert world.customer.company_name not in response.content.decode()
    elif who == "other_owner":
        assert response.status_code == 404
    else:
        assert response.status_code in (400, 403)
    if route.method != "get":
        assert state() == before


def test_matrix_covers_every_api_operation():
    schema = native_api.get_openapi_schema()
    operations = {(method, path.removeprefix("/api/v1")) for path, item in schema["paths"].items() for method in item}
    covered = {(r.method, r.path.__doc__.replace("{id}", "")) for r in API}
    normalised = {(m, p.split("{")[0] if "{" in p else p) for m, p in operations}
    assert normalised == {(m, p) for m, p in covered}
