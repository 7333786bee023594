"""The native RADIUS API (/api/v1/radius/...): the operator's gateways and open sessions; the secret never leaves."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from switchboard.aaa.models import NasClient, Session
from switchboard.core import crypto
from switchboard.tenancy.tests import factories as tenancy_factories

from .factories import SECRET, nas_client, open_session

BASE = "/api/v1/radius"
NEW = {"name": "PGW Hamburg", "network": "203.0.113.0/29", "secret": "hamburg-shared-secret"}


@pytest.fixture
def staff(api, fleet):
    """The operator's admin, calling through a portal session like the other API tests' members."""
    return api(fleet.operator_admin)


@pytest.fixture
def client_row(fleet):
    return nas_client(tenancy_factories.principal(fleet.operator_admin))


def send(caller, method: str, path: str, body=None):
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


def test_create_answers_201_without_the_secret_and_stores_it_encrypted(staff, fleet):
    response = send(staff, "post", "/clients", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "network",
        "require_message_authenticator",
        "disconnect_port",
        "enabled",
        "created_at",
        "updated_at",
    }
    assert (body["name"], body["network"], body["disconnect_port"], body["enabled"]) == (
        "PGW Hamburg",
        "203.0.113.0/29",
        3799,
        True,
    )
    stored = NasClient.objects.get(pk=body["id"])
    assert stored.organisation_id == fleet.operator_admin.organisation_id
    assert crypto.decrypt(stored.secret_encrypted) == NEW["secret"]
    assert NEW["secret"] not in response.content.decode()


def test_list_get_patch_delete(staff, client_row):
    listed = send(staff, "get", "/clients")
    assert listed.status_code == 200 and listed["X-Total-Count"] == "1"
    assert [c["name"] for c in listed.json()] == ["PGW Frankfurt"]
    assert send(staff, "get", f"/clients/{client_row.pk}").json()["network"] == "192.0.2.10/32"

    patched = send(staff, "patch", f"/clients/{client_row.pk}", {"enabled": False, "secret": "a-new-shared-secret"})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["enabled"], patched.json()["name"]) == (False, "PGW Frankfurt")
    assert "secret" not in patched.json() and "a-new-shared-secret" not in patched.content.decode()
    client_row.refresh_from_db()
    assert crypto.decrypt(client_row.secret_encrypted) == "a-new-shared-secret"

    assert send(staff, "delete", f"/clients/{client_row.pk}").status_code == 204
    assert not NasClient.objects.exists()
    refused(send(staff, "get", f"/clients/{client_row.pk}"), 404, "id")


def test_a_patch_without_a_secret_keeps_it(staff, client_row):
    assert send(staff, "patch", f"/clients/{client_row.pk}", {"name": "PGW FRA-1"}).status_code == 200
    client_row.refresh_from_db()
    assert (client_row.name, crypto.decrypt(client_row.secret_encrypted)) == ("PGW FRA-1", SECRET)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({**NEW, "network": "203.0.113.1/29"}, 422, "network"),
        ({**NEW, "network": "not an address"}, 422, "network"),
        ({**NEW, "secret": "short"}, 422, "secret"),
        ({**NEW, "disconnect_port": 70000}, 422, "disconnect_port"),
        ({k: v for k, v in NEW.items() if k != "secret"}, 422, "secret"),
        ({**NEW, "network": "192.0.2.10"}, 409, "network"),  # the existing client's address
        ({**NEW, "name": "PGW Frankfurt"}, 409, "name"),
    ],
)
def test_refusals_name_the_field_and_write_nothing(staff, client_row, body, status, field):
    refused(send(staff, "post", "/clients", body), status, field)
    assert NasClient.objects.count() == 1


def test_patch_refusals_name_the_field(staff, client_row):
    refused(send(staff, "patch", f"/clients/{client_row.pk}", {"secret": ""}), 422, "secret")
    refused(send(staff, "patch", f"/clients/{client_row.pk}", {"network": "2001:db8::/129"}), 422, "network")
    refused(send(staff, "patch", "/clients/999999", {"enabled": False}), 404, "id")


def test_customers_get_403_and_see_nothing(api, world, client_row):
    for caller in (api(world.owner), api(world.client)):
        refused(send(caller, "get", "/clients"), 403, None)
        refused(send(caller, "get", f"/clients/{client_row.pk}"), 403, None)
        refused(send(caller, "delete", f"/clients/{client_row.pk}"), 403, None)
        refused(send(caller, "get", "/sessions"), 403, None)
    assert NasClient.objects.count() == 1


def test_another_operator_gets_404_for_our_client(api, client_row):
    stranger = api(tenancy_factories.member(tenancy_factories.OperatorFactory(company_name="Rival AG"), "admin"))
    assert send(stranger, "get", "/clients").json() == []
    refused(send(stranger, "get", f"/clients/{client_row.pk}"), 404, "id")
    refused(send(stranger, "patch", f"/clients/{client_row.pk}", {"enabled": False}), 404, "id")
    refused(send(stranger, "delete", f"/clients/{client_row.pk}"), 404, "id")
    assert NasClient.objects.get().enabled


def test_open_sessions_newest_first_paged_with_the_gateway_name(staff, fleet, client_row):
    now = timezone.now()
    older = open_session(client_row, fleet.sims[0], session_id="s-1", at=now - timedelta(hours=2))
    newer = open_session(client_row, fleet.sims[1], session_id="s-2", uplink=1500, downlink=64000, at=now)
    closed = open_session(client_row, fleet.sims[2], session_id="s-3", at=now - timedelta(hours=1))
    Session.objects.filter(pk=closed.pk).update(stopped_at=now)

    response = send(staff, "get", "/sessions?size=1")
    assert response.status_code == 200
    assert (response["X-Total-Count"], response["X-Total-Pages"]) == ("2", "2")
    [first] = response.json()
    assert first == {
        "nas": "PGW Frankfurt",
        "session_id": "s-2",
        "imsi": fleet.sims[1].imsi,
        "framed_ip": newer.framed_ip,
        "started_at": first["started_at"],
        "updated_at": first["updated_at"],
        "input_octets": 1500,
        "output_octets": 64000,
    }
    assert [s["session_id"] for s in send(staff, "get", "/sessions?page=2&size=1").json()] == [older.acct_session_id]


def test_sessions_of_another_operators_gateways_are_not_listed(api, fleet, client_row):
    open_session(client_row, fleet.sim, session_id="ours")
    stranger = api(tenancy_factories.member(tenancy_factories.OperatorFactory(company_name="Rival AG"), "admin"))
    response = send(stranger, "get", "/sessions")
    assert response.status_code == 200 and response.json() == []
