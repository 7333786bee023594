from __future__ import annotations

import re
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from switchboard.core import validation as v
from switchboard.core.errors import Conflict, NotFound, ValidationFailed
from switchboard.core.principal import Permission, Principal

from ..models import ApiClient
from ._common import audit, own_organisation

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,62}$")
MIN_SECRET = 16


def _secret(secret: str | None) -> str:
    if not secret:
        return secrets.token_urlsafe(32)
    if len(secret) < MIN_SECRET or len(secret) > 128 or not secret.isprintable() or " " in secret:
        raise ValidationFailed(
            _("The secret needs %(n)d to 128 printable characters without spaces.") % {"n": MIN_SECRET},
            field="secret",
            code="weak_secret",
        )
    return secret


@transaction.atomic
def api_client_create(*, principal: Principal, username: str, secret: str | None = None) -> tuple[ApiClient, str]:
    """Returns the client and its secret in clear text; only the hash is stored, so this is the one chance."""
    principal.require(Permission.API_CLIENTS_MANAGE)
    username = v.text(username, field="username", max_length=63).lower()
    if not USERNAME.match(username):
        raise ValidationFailed(
            _("Use 3 to 63 lower-case letters, digits, dots, dashes or underscores."), field="username"
        )
    organisation = own_organisation(principal)
    client_id = f"{organisation.customer_number}_{username}"
    if ApiClient.objects.filter(client_id=client_id).exists():
        raise Conflict(_("An API client with this name exists already."), field="username", code="duplicate")
    plain = _secret(secret)
    client = ApiClient.objects.create(
        organisation=organisation,
        name=username,
        client_id=client_id,
        client_secret=plain,  # ClientSecretField hashes on save
        hash_client_secret=True,
        client_type=ApiClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=ApiClient.GRANT_CLIENT_CREDENTIALS,
    )
    audit(principal, "api_client.created", client, after={"client_id": client_id})
    return client, plain


@transaction.atomic
def api_client_revoke(*, principal: Principal, api_client_id: int) -> ApiClient:
    """Revoked clients keep their row for the audit trail; their tokens die at once."""
    principal.require(Permission.API_CLIENTS_MANAGE)
    try:
        client = ApiClient.objects.select_for_update().get(pk=api_client_id, organisation_id=principal.organisation_id)
    except (ApiClient.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("API client not found."), field="api_client_id") from None
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        get_refresh_token_model().objects.filter(application=client).delete()
        get_access_token_model().objects.filter(application=client).delete()
        audit(principal, "api_client.revoked", client, before={"active": True}, after={"active": False})
    return client
