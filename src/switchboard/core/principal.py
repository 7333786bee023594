"""Who acts: a user through a session, or an API client through a token, always inside one organisation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from .errors import PermissionDenied


class Permission(StrEnum):
    """Named capabilities; the role matrix in `tenancy.contracts` grants them, everything else checks them."""

    PORTAL_LOGIN = "portal.login"
    VIEW = "organisation.view"
    SIMS_MANAGE = "sims.manage"
    ORDERS_VIEW = "orders.view"
    ORDERS_CREATE = "orders.create"
    ACCOUNT_MANAGE = "account.manage"
    USERS_MANAGE = "users.manage"
    ORGANISATIONS_MANAGE = "organisations.manage"
    API_CLIENTS_MANAGE = "api_clients.manage"
    AUDIT_VIEW = "audit.view"
    SMS_SEND = "sms.send"
    INTEGRATIONS_MANAGE = "integrations.manage"  # data streams, SMS forwarding, volume notifications


class ActorKind(StrEnum):
    USER = "user"
    API_CLIENT = "api_client"
    SYSTEM = "system"


@dataclass(frozen=True)
class Principal:
    kind: ActorKind
    organisation_id: int
    role: str
    permissions: frozenset[Permission]
    actor_id: int | None
    label: str

    @property
    def user_id(self) -> int | None:
        """The person acting, if any: an API client's id is not a user id."""
        return self.actor_id if self.kind == ActorKind.USER else None

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if permission not in self.permissions:
            raise PermissionDenied(_("Your role does not allow this action."), code="permission_denied")
