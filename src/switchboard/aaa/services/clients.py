"""The operator's RADIUS clients: who may ask us, with which shared secret (kept encrypted)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from switchboard.core import crypto
from switchboard.core import validation as v
from switchboard.core.errors import Conflict, NotFound, ValidationFailed
from switchboard.core.principal import Permission, Principal
from switchboard.events.services import audit_record

from ..models import NasClient
from ._common import require_operator

SECRET_MIN, SECRET_MAX = 16, 128


@dataclass(frozen=True)
class NasClientChange:
    """Fields to set; None leaves a field as it is (on creation, the defaults apply)."""

    name: str | None = None
    network: str | None = None
    secret: str | None = None
    require_message_authenticator: bool | None = None
    disconnect_port: int | None = None
    enabled: bool | None = None


def _network(value: str) -> str:
    try:
        network = ipaddress.ip_network(str(value).strip(), strict=True)
    except ValueError:
        raise ValidationFailed(
            _("Enter an IP address or a subnet such as 192.0.2.0/28 (host bits must be zero)."),
            field="network",
            code="invalid_network",
        ) from None
    return str(network)


def _secret(value: str) -> str:
    if not isinstance(value, str) or not SECRET_MIN <= len(value) <= SECRET_MAX or not value.isprintable():
        raise ValidationFailed(
            _("The shared secret must be %(min)s to %(max)s printable characters.")
            % {"min": SECRET_MIN, "max": SECRET_MAX},
            field="secret",
            code="invalid_secret",
        )
    return value


def _port(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValidationFailed(_("Enter a port between 1 and 65535."), field="disconnect_port", code="invalid_port")
    return value


def _apply(client: NasClient, change: NasClientChange) -> None:
    if change.name is not None:
        client.name = v.text(change.name, field="name", max_length=100)
    if change.network is not None:
        client.network = _network(change.network)
    if change.secret is not None:
        client.secret_encrypted = crypto.encrypt(_secret(change.secret))
    if change.require_message_authenticator is not None:
        client.require_message_authenticator = bool(change.require_message_authenticator)
    if change.disconnect_port is not None:
        client.disconnect_port = _port(change.disconnect_port)
    if change.enabled is not None:
        client.enabled = bool(change.enabled)


def _save(client: NasClient) -> None:
    clash = NasClient.objects.exclude(pk=client.pk)
    if clash.filter(network=client.network).exists():
        raise Conflict(_("Another RADIUS client already uses this address."), field="network", code="duplicate")
    if clash.filter(organisation_id=client.organisation_id, name=client.name).exists():
        raise Conflict(_("A RADIUS client with this name exists."), field="name", code="duplicate")
    client.save()


def _public(client: NasClient) -> dict:
    return {
        "name": client.name,
        "network": client.network,
        "require_message_authenticator": client.require_message_authenticator,
        "disconnect_port": client.disconnect_port,
        "enabled": client.enabled,
    }


def _audit(principal: Principal, action: str, client: NasClient, before: dict, after: dict) -> None:
    audit_record(
        principal=principal,
        action=action,
        object_type="nas_client",
        object_id=client.pk,
        object_repr=client.name,
        before=before,
        after=after,
    )


@transaction.atomic
def nas_client_create(*, principal: Principal, change: NasClientChange) -> NasClient:
    principal.require(Permission.ORGANISATIONS_MANAGE)
    require_operator(principal)
    for name in ("name", "network", "secret"):
        if not getattr(change, name):
            raise ValidationFailed(_("This field is required."), field=name, code="required")
    client = NasClient(organisation_id=principal.organisation_id)
    _apply(client, change)
    _save(client)
    _audit(principal, "nas_client.created", client, {}, _public(client))
    return client


@transaction.atomic
def nas_client_update(*, principal: Principal, client_id: int, change: NasClientChange) -> NasClient:
    principal.require(Permission.ORGANISATIONS_MANAGE)
    require_operator(principal)
    client = NasClient.objects.select_for_update().filter(pk=client_id, organisation_id=principal.organisation_id)
    client = client.first()
    if client is None:
        raise NotFound(_("RADIUS client not found."), field="id", code="nas_client_not_found")
    before = _public(client)
    _apply(client, change)
    _save(client)
    after = _public(client)
    if change.secret is not None:
        before["secret"], after["secret"] = "(old)", "(changed)"  # never the secret itself
    _audit(principal, "nas_client.updated", client, before, after)
    return client


@transaction.atomic
def nas_client_delete(*, principal: Principal, client_id: int) -> None:
    principal.require(Permission.ORGANISATIONS_MANAGE)
    require_operator(principal)
    client = NasClient.objects.filter(pk=client_id, organisation_id=principal.organisation_id).first()
    if client is None:
        raise NotFound(_("RADIUS client not found."), field="id", code="nas_client_not_found")
    _audit(principal, "nas_client.deleted", client, _public(client), {})
    client.delete()
