"""The operator chooses the SMSC its customers' SMS go through: the built-in simulated one, SMPP or Kannel."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from switchboard.core import crypto, validation
from switchboard.core.errors import ValidationFailed
from switchboard.core.principal import Principal
from switchboard.events.services import audit_record

from .. import selectors
from ..contracts import SmscKind
from ..models import SmscConnection


@dataclass(frozen=True)
class SmscSettings:
    kind: str
    host: str = ""
    port: int | None = None
    system_id: str = ""
    sendsms_url: str = ""
    username: str = ""
    password: str | None = None  # None keeps the stored one
    default_source: str = "Switchboard"


@transaction.atomic
def smsc_configure(*, principal: Principal, wanted: SmscSettings) -> tuple[SmscConnection, str]:
    """Save the operator's SMSC; returns it with Kannel's new callback token (shown once; empty otherwise).
    The gateway picks the change up when it restarts."""
    selectors.smsc_connection(principal=principal)  # the operator's staff only
    kind = validation.choice(wanted.kind, field="kind", allowed=[k.value for k in SmscKind])
    connection, _created = SmscConnection.objects.select_for_update().get_or_create(
        operator_id=principal.organisation_id
    )
    before = {"kind": connection.kind, "host": connection.host, "sendsms_url": connection.sendsms_url}
    connection.kind = kind
    connection.default_source = validation.text(wanted.default_source, field="default_source", max_length=16)
    token = ""
    if kind == SmscKind.SMPP:
        connection.host = validation.text(wanted.host, field="host", max_length=255)
        if not isinstance(wanted.port, int) or not 0 < wanted.port < 65536:
            raise ValidationFailed(_("Enter a port between 1 and 65535."), field="port")
        connection.port = wanted.port
        connection.system_id = validation.text(wanted.system_id, field="system_id", max_length=15)
        if wanted.password is not None and len(wanted.password) > 8:  # SMPP 3.4 carries at most 8 characters
            raise ValidationFailed(_("An SMPP password has at most 8 characters."), field="password")
    elif kind == SmscKind.KANNEL:
        url = validation.text(wanted.sendsms_url, field="sendsms_url", max_length=200)
        if not url.startswith(("http://", "https://")):
            raise ValidationFailed(_("Enter Kannel's sendsms URL (http:// or https://)."), field="sendsms_url")
        connection.sendsms_url = url
        connection.username = validation.text(wanted.username, field="username", max_length=100)
        if not connection.callback_token_encrypted:
            token = secrets.token_urlsafe(24)
            connection.callback_token_encrypted = crypto.encrypt(token)
    if wanted.password is not None:
        connection.password_encrypted = crypto.encrypt(wanted.password) if wanted.password else ""
    connection.save()
    audit_record(
        principal=principal,
        action="smsc.configured",
        object_type="smsc",
        object_id=connection.pk,
        object_repr=kind,
        before=before,
        after={"kind": connection.kind, "host": connection.host, "sendsms_url": connection.sendsms_url},
    )
    return connection, token
