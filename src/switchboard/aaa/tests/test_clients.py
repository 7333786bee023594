"""The operator's RADIUS clients: validation, uniqueness, operator-only scope, the secret encrypted at rest, audit."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from switchboard.aaa import selectors, services
from switchboard.aaa.models import NasClient
from switchboard.aaa.services import NasClientChange
from switchboard.core import crypto
from switchboard.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from switchboard.events.models import AuditEntry
from switchboard.tenancy.tests import factories as f

from .factories import SECRET, nas_client


def stored_secrets() -> list[str]:
    """The column as the database holds it, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM aaa_nasclient")
        return [row[0] for row in cursor.fetchall()]


def snapshot() -> list[dict]:
    return list(NasClient.objects.order_by("pk").values()) + list(AuditEntry.objects.order_by("pk").values())


def test_a_new_client_keeps_its_settings_and_the_server_gets_the_secret_back(operator):
    change = NasClientChange(
        name=" PGW Berlin ",
        network="198.51.100.0/28",
        secret=SECRET,
        require_message_authenticator=True,
        disconnect_port=1700,
    )
    client = services.nas_client_create(principal=operator, change=change)
    client.refresh_from_db()
    assert (client.name, client.network, client.organisation_id) == (
        "PGW Berlin",
        "198.51.100.0/28",
        operator.organisation_id,
    )
    assert (client.require_message_authenticator, client.disconnect_port, client.enabled) == (True, 1700, True)
    [entry] = selectors.unscoped_nas_directory()
    assert (entry.name, entry.secret, str(entry.network)) == ("PGW Berlin", SECRET.encode(), "198.51.100.0/28")


@pytest.mark.parametrize(
    ("given", "stored"),
    [("192.0.2.10", "192.0.2.10/32"), (" 192.0.2.0/24 ", "192.0.2.0/24"), ("2001:db8::1", "2001:db8::1/128")],
)
def test_addresses_are_stored_as_networks(operator, given, stored):
    assert nas_client(operator, network=given).network == stored


def test_the_secret_is_encrypted_at_rest_also_after_a_change(operator):
    client = nas_client(operator)
    assert stored_secrets() != [SECRET] and SECRET not in stored_secrets()[0]
    assert crypto.decrypt(stored_secrets()[0]) == SECRET
    services.nas_client_update(
        principal=operator, client_id=client.pk, change=NasClientChange(secret="another-secret-of-22")
    )
    assert "another-secret-of-22" not in stored_secrets()[0]
    assert crypto.decrypt(stored_secrets()[0]) == "another-secret-of-22"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"network": "192.0.2.1/24"}, "network", "invalid_network"),  # host bits set
        ({"network": "gateway.example"}, "network", "invalid_network"),
        ({"network": "300.1.2.3"}, "network", "invalid_network"),
        ({"secret": "too-short"}, "secret", "invalid_secret"),
        ({"secret": "x" * 129}, "secret", "invalid_secret"),
        ({"secret": "tab\tinside-the-secret"}, "secret", "invalid_secret"),
        ({"disconnect_port": 0}, "disconnect_port", "invalid_port"),
        ({"disconnect_port": 65536}, "disconnect_port", "invalid_port"),
        ({"name": ""}, "name", "required"),
        ({"name": "n" * 101}, "name", "too_long"),
        ({"secret": None}, "secret", "required"),
        ({"network": None}, "network", "required"),
    ],
)
def test_bad_values_are_refused_with_the_field_and_nothing_is_written(operator, change, field, code):
    values = {"name": "PGW", "network": "192.0.2.10", "secret": SECRET, **change}
    with pytest.raises(ValidationFailed) as refused:
        services.nas_client_create(principal=operator, change=NasClientChange(**values))
    assert (refused.value.field, refused.value.code) == (field, code)
    assert refused.value.message
    assert not NasClient.objects.exists() and not AuditEntry.objects.exists()


def test_an_update_with_a_bad_value_changes_nothing(operator):
    client = nas_client(operator)
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        services.nas_client_update(
            principal=operator, client_id=client.pk, change=NasClientChange(name="Renamed", secret="short")
        )
    assert refused.value.field == "secret"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("second", "field"),
    [
        ({"name": "Other", "network": "192.0.2.10"}, "network"),  # the same address, written differently
        ({"name": "PGW Frankfurt", "network": "192.0.2.11"}, "name"),
    ],
)
def test_a_duplicate_network_or_name_is_a_conflict(operator, second, field):
    nas_client(operator)
    with pytest.raises(Conflict) as refused:
        nas_client(operator, **second)
    assert (refused.value.field, refused.value.code) == (field, "duplicate")
    assert NasClient.objects.count() == 1


def test_renaming_onto_another_clients_name_is_a_conflict_and_keeping_ones_own_is_not(operator):
    first = nas_client(operator)
    second = nas_client(operator, name="PGW Munich", network="192.0.2.20")
    with pytest.raises(Conflict):
        services.nas_client_update(principal=operator, client_id=second.pk, change=NasClientChange(name=first.name))
    same = services.nas_client_update(
        principal=operator, client_id=first.pk, change=NasClientChange(name=first.name, network=first.network)
    )
    assert same.name == "PGW Frankfurt"


def test_an_update_changes_only_the_fields_given_and_keeps_the_secret(operator):
    client = nas_client(operator)
    updated = services.nas_client_update(
        principal=operator, client_id=client.pk, change=NasClientChange(enabled=False, disconnect_port=4000)
    )
    updated.refresh_from_db()
    assert (updated.name, updated.network, updated.enabled, updated.disconnect_port) == (
        "PGW Frankfurt",
        "192.0.2.10/32",
        False,
        4000,
    )
    assert crypto.decrypt(updated.secret_encrypted) == SECRET
    assert selectors.unscoped_nas_directory() == []  # a disabled gateway is not served


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_customers_are_refused_even_as_owners(world, role):
    customer = f.principal(world.member(role))
    with pytest.raises(PermissionDenied) as refused:
        nas_client(customer)
    assert refused.value.code == "operator_only"
    with pytest.raises(PermissionDenied):
        selectors.nas_clients(principal=customer)
    with pytest.raises(PermissionDenied):
        selectors.open_sessions(principal=customer)
    assert not NasClient.objects.exists()


def test_a_customer_cannot_touch_the_operators_client(world, operator):
    client = nas_client(operator)
    customer = f.principal(world.owner)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.nas_client_update(principal=customer, client_id=client.pk, change=NasClientChange(enabled=False))
    with pytest.raises(PermissionDenied):
        services.nas_client_delete(principal=customer, client_id=client.pk)
    assert snapshot() == before


def test_the_operators_read_only_staff_may_look_but_not_change(world, operator):
    client = nas_client(operator)
    reader = f.principal(f.member(world.operator, "read_only"))
    assert list(selectors.nas_clients(principal=reader)) == [client]
    with pytest.raises(PermissionDenied):
        services.nas_client_update(principal=reader, client_id=client.pk, change=NasClientChange(enabled=False))
    with pytest.raises(PermissionDenied):
        nas_client(reader, name="Other", network="192.0.2.99")


def test_another_operators_client_is_not_found(world, operator):
    client = nas_client(operator)
    stranger = f.principal(f.member(f.OperatorFactory(company_name="Other Operator AG"), "owner"))
    before = snapshot()
    with pytest.raises(NotFound):
        selectors.nas_client_get(principal=stranger, client_id=client.pk)
    with pytest.raises(NotFound):
        services.nas_client_update(principal=stranger, client_id=client.pk, change=NasClientChange(enabled=False))
    with pytest.raises(NotFound):
        services.nas_client_delete(principal=stranger, client_id=client.pk)
    assert list(selectors.nas_clients(principal=stranger)) == []
    assert snapshot() == before


def test_delete_removes_the_client(operator):
    client = nas_client(operator)
    services.nas_client_delete(principal=operator, client_id=client.pk)
    assert not NasClient.objects.exists()
    with pytest.raises(NotFound):
        services.nas_client_delete(principal=operator, client_id=client.pk)


def test_every_change_is_audited_without_the_secret(operator):
    client = nas_client(operator)
    services.nas_client_update(
        principal=operator, client_id=client.pk, change=NasClientChange(name="PGW 2", secret="replacement-secret-22")
    )
    services.nas_client_delete(principal=operator, client_id=client.pk)
    entries = list(AuditEntry.objects.order_by("pk"))
    assert [e.action for e in entries] == ["nas_client.created", "nas_client.updated", "nas_client.deleted"]
    assert {(e.organisation_id, e.object_type, e.object_id, e.actor_label) for e in entries} == {
        (operator.organisation_id, "nas_client", str(client.pk), operator.label)
    }
    assert entries[0].after["network"] == "192.0.2.10/32"
    assert (entries[1].before["name"], entries[1].after["name"]) == ("PGW Frankfurt", "PGW 2")
    assert entries[1].after["secret"] == "(changed)"
    written = json.dumps([(e.before, e.after) for e in entries])
    assert SECRET not in written and "replacement-secret-22" not in written
    assert "secret_encrypted" not in written and client.secret_encrypted not in written
