"""Reads of the AAA: the operator's RADIUS clients and sessions; unscoped reads are for the RADIUS server only."""

from __future__ import annotations

import ipaddress

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from switchboard.core import crypto
from switchboard.core.errors import NotFound
from switchboard.core.principal import Principal

from .contracts import NasEntry
from .models import NasClient, Session
from .services._common import require_operator


def nas_clients(*, principal: Principal) -> QuerySet[NasClient]:
    require_operator(principal)
    return NasClient.objects.filter(organisation_id=principal.organisation_id).order_by("name")


def nas_client_get(*, principal: Principal, client_id: int) -> NasClient:
    found = nas_clients(principal=principal).filter(pk=client_id).first()
    if found is None:
        raise NotFound(_("RADIUS client not found."), field="id", code="nas_client_not_found")
    return found


def open_sessions(*, principal: Principal) -> QuerySet[Session]:
    """The sessions the operator's gateways hold right now."""
    require_operator(principal)
    return Session.objects.filter(nas__organisation_id=principal.organisation_id, stopped_at=None).order_by(
        "-started_at",
        "-pk",  # a stable order for paging
    )


def unscoped_nas_directory() -> list[NasEntry]:
    """Every enabled RADIUS client with its secret, most specific network first (the server matches in order)."""
    entries = [
        NasEntry(
            id=c.pk,
            name=c.name,
            network=ipaddress.ip_network(c.network, strict=False),
            secret=crypto.decrypt(c.secret_encrypted).encode(),
            require_message_authenticator=c.require_message_authenticator,
            disconnect_port=c.disconnect_port,
        )
        for c in NasClient.objects.filter(enabled=True)
    ]
    return sorted(entries, key=lambda e: -e.network.prefixlen)
