"""Both doors into the API end in one Principal: OAuth2 bearer tokens (API clients) and portal sessions."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from ninja.security import SessionAuth
from oauth2_provider.contrib.ninja.security import HttpOAuth2

from switchboard.core.principal import Principal
from switchboard.tenancy import selectors as tenancy


class ApiClientAuth(HttpOAuth2):
    def authenticate(self, request, access_token) -> Principal | None:
        if request.user is None:  # DOT leaves None for client-credentials tokens
            request.user = AnonymousUser()
        if access_token.application_id is None:
            return None
        client = tenancy.api_client_for_token(application_id=access_token.application_id)
        return tenancy.principal_for_api_client(client) if client else None


class PortalSessionAuth(SessionAuth):
    """CSRF is enforced by ninja's SessionAuth; the portal middleware already resolved the principal."""

    def authenticate(self, request, key) -> Principal | None:
        if super().authenticate(request, key) is None:
            return None
        return getattr(request, "principal", None)
