"""Roles and what they may do: the one permission matrix the portal and the API both obey."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from switchboard.core.principal import Permission as P


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    USER = "user"
    READ_ONLY = "read_only"
    API = "api"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.OWNER: _("Owner"),
    Role.ADMIN: _("Admin"),
    Role.USER: _("User"),
    Role.READ_ONLY: _("Read only"),
    Role.API: _("API"),
}

_MANAGEMENT = {
    P.VIEW,
    P.SIMS_MANAGE,
    P.SMS_SEND,
    P.ACCOUNT_MANAGE,
    P.USERS_MANAGE,
    P.ORGANISATIONS_MANAGE,
    P.AUDIT_VIEW,
    P.INTEGRATIONS_MANAGE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[P]] = {
    Role.OWNER: frozenset(_MANAGEMENT | {P.PORTAL_LOGIN, P.ORDERS_VIEW, P.ORDERS_CREATE, P.API_CLIENTS_MANAGE}),
    Role.ADMIN: frozenset(_MANAGEMENT | {P.PORTAL_LOGIN, P.ORDERS_VIEW, P.ORDERS_CREATE, P.API_CLIENTS_MANAGE}),
    # 1NCE's User manages SIMs but has no access to orders and top-ups.
    Role.USER: frozenset({P.PORTAL_LOGIN, P.VIEW, P.SIMS_MANAGE, P.SMS_SEND}),
    Role.READ_ONLY: frozenset({P.PORTAL_LOGIN, P.VIEW, P.ORDERS_VIEW}),
    # Machine access: all operational endpoints including orders, but never a portal login or new credentials.
    Role.API: frozenset(_MANAGEMENT | {P.ORDERS_VIEW, P.ORDERS_CREATE}),
}

# Which roles a role may hand out, and therefore which members it may edit or remove.
ASSIGNABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.OWNER: (Role.OWNER, Role.ADMIN, Role.USER, Role.READ_ONLY),
    Role.ADMIN: (Role.USER, Role.READ_ONLY),
    Role.API: (Role.USER, Role.READ_ONLY),
    Role.USER: (),
    Role.READ_ONLY: (),
}

HUMAN_ROLES = (Role.OWNER, Role.ADMIN, Role.USER, Role.READ_ONLY)


class OrganisationKind(StrEnum):
    OPERATOR = "operator"
    RESELLER = "reseller"
    CUSTOMER = "customer"
    SUB_ORGANISATION = "sub_organisation"


KIND_LABELS = {
    OrganisationKind.OPERATOR: _("Operator"),
    OrganisationKind.RESELLER: _("Reseller"),
    OrganisationKind.CUSTOMER: _("Customer"),
    OrganisationKind.SUB_ORGANISATION: _("Sub-organisation"),
}

# Operator → resellers (Mandant, Submandant) → customers → sub-organisations.
CHILD_KINDS: dict[OrganisationKind, tuple[OrganisationKind, ...]] = {
    OrganisationKind.OPERATOR: (OrganisationKind.RESELLER, OrganisationKind.CUSTOMER),
    OrganisationKind.RESELLER: (OrganisationKind.RESELLER, OrganisationKind.CUSTOMER),
    OrganisationKind.CUSTOMER: (OrganisationKind.SUB_ORGANISATION,),
    OrganisationKind.SUB_ORGANISATION: (),
}


@dataclass(frozen=True)
class OrganisationRef:
    """Enough of an organisation for other apps to check where it sits in the tree."""

    id: int
    kind: OrganisationKind
    parent_id: int | None
    company_name: str
    customer_number: str


@dataclass(frozen=True)
class AddressData:
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    company: str = ""
    extra: str = ""


@dataclass(frozen=True)
class Issuer:
    """The operator as it appears on the invoices it issues."""

    company_name: str
    vat_id: str
    invoice_email: str
    phone: str
    address: AddressData | None
