"""Reads of the tenancy context, always scoped to the principal's organisation."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from switchboard.core.errors import NotFound
from switchboard.core.principal import ActorKind, Permission, Principal

from .contracts import ROLE_PERMISSIONS, AddressData, Issuer, OrganisationKind, OrganisationRef, Role
from .models import Address, ApiClient, Membership, Organisation, User

SimCounter = Callable[[list[int]], dict[int, int]]


def no_sims(organisation_ids: list[int]) -> dict[int, int]:
    return {}


_sim_counter: SimCounter = no_sims  # replaced by connectivity once SIMs exist


def register_sim_counter(counter: SimCounter) -> None:
    global _sim_counter
    _sim_counter = counter


def principal_for_membership(membership: Membership) -> Principal:
    return Principal(
        kind=ActorKind.USER,
        organisation_id=membership.organisation_id,
        role=membership.role,
        permissions=ROLE_PERMISSIONS[Role(membership.role)],
        actor_id=membership.user_id,
        label=membership.user.email,
    )


def principal_for_api_client(client: ApiClient) -> Principal | None:
    if not client.is_active:
        return None
    return Principal(
        kind=ActorKind.API_CLIENT,
        organisation_id=client.organisation_id,
        role=Role.API,
        permissions=ROLE_PERMISSIONS[Role.API],
        actor_id=client.pk,
        label=client.client_id,
    )


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """Organisations a person may act in, for the switcher; only roles that may log in to the portal."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation", "user")
        .order_by("organisation__company_name")
    )


def membership_for(*, user: User, organisation_id: int | None) -> Membership | None:
    memberships = memberships_of(user=user)
    if organisation_id is not None:
        chosen = memberships.filter(organisation_id=organisation_id).first()
        if chosen:
            return chosen
    return memberships.first()


def organisation_get(*, principal: Principal) -> Organisation:
    principal.require(Permission.VIEW)
    return Organisation.objects.select_related("parent").get(pk=principal.organisation_id)


def organisation_children(*, principal: Principal) -> list[dict]:
    """The parent sees its direct children and their SIM counts, nothing of their data."""
    principal.require(Permission.VIEW)
    children = list(
        Organisation.objects.filter(parent_id=principal.organisation_id).values(
            "id", "kind", "customer_number", "company_name", "created_at"
        )
    )
    counts = _sim_counter([c["id"] for c in children])
    for child in children:
        child["sim_count"] = counts.get(child["id"], 0)
    return children


def members_list(*, principal: Principal) -> QuerySet[Membership]:
    principal.require(Permission.VIEW)
    return Membership.objects.filter(organisation_id=principal.organisation_id).select_related("user")


def member_get(*, principal: Principal, membership_id: int) -> Membership:
    try:
        return members_list(principal=principal).get(pk=membership_id)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("User not found."), field="user_id") from None


def api_clients_list(*, principal: Principal) -> QuerySet[ApiClient]:
    principal.require(Permission.VIEW)
    return ApiClient.objects.filter(organisation_id=principal.organisation_id).order_by("-revoked_at", "name")


def addresses_list(*, principal: Principal, kind: str | None = None) -> QuerySet[Address]:
    principal.require(Permission.VIEW)
    addresses = Address.objects.filter(organisation_id=principal.organisation_id)
    return addresses.filter(kind=kind) if kind else addresses


def address_get(*, principal: Principal, address_id: int) -> Address:
    try:
        return addresses_list(principal=principal).get(pk=address_id)
    except (Address.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Address not found."), field="address_id") from None


def user_get(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def api_client_for_token(*, application_id: int) -> ApiClient | None:
    return ApiClient.objects.filter(pk=application_id).first()


def subtree_ids(*, user: User) -> set[int]:
    """Every organisation at or below those the person belongs to: the reach of operator or reseller staff."""
    reach = set(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
    frontier = set(reach)
    while frontier:
        frontier = set(Organisation.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - reach
        reach |= frontier
    return reach


def organisation_owner(*, organisation_id: int) -> Membership:
    return Membership.objects.select_related("user").get(organisation_id=organisation_id, is_original_owner=True)


def original_owner(*, organisation_id: int) -> User | None:
    """The organisation's first Owner, who hears about what happens without anyone asking (auto top-ups)."""
    owners = Membership.objects.select_related("user").filter(organisation_id=organisation_id, is_original_owner=True)
    membership = owners.first()
    return membership.user if membership else None


def user_exists(*, email: str) -> bool:
    return User.objects.filter(email=email.lower()).exists()


def api_client_id_of(*, username: str, organisation_name: str) -> str:
    client = ApiClient.objects.filter(name=username, organisation__company_name=organisation_name).first()
    return client.client_id if client else ""


def operator_exists() -> bool:
    return Organisation.objects.filter(kind="operator").exists()


def organisation_ref(*, organisation_id: int) -> OrganisationRef | None:
    row = (
        Organisation.objects.filter(pk=organisation_id)
        .values("id", "kind", "parent_id", "company_name", "customer_number")
        .first()
    )
    return OrganisationRef(**{**row, "kind": OrganisationKind(row["kind"])}) if row else None


def operator_ids() -> list[int]:
    """The operator's organisation (a list, so a query can use it before the operator exists)."""
    return list(Organisation.objects.filter(kind=OrganisationKind.OPERATOR).values_list("id", flat=True))


def is_operator(*, organisation_id: int) -> bool:
    """Whether the organisation is the operator's own: it runs the network, holds the stock, sees every tenant."""
    return Organisation.objects.filter(pk=organisation_id, kind=OrganisationKind.OPERATOR).exists()


def organisation_refs(*, organisation_ids: list[int]) -> dict[int, OrganisationRef]:
    rows = Organisation.objects.filter(pk__in=organisation_ids).values(
        "id", "kind", "parent_id", "company_name", "customer_number"
    )
    return {r["id"]: OrganisationRef(**{**r, "kind": OrganisationKind(r["kind"])}) for r in rows}


def child_refs(*, organisation_id: int) -> list[OrganisationRef]:
    rows = Organisation.objects.filter(parent_id=organisation_id).values(
        "id", "kind", "parent_id", "company_name", "customer_number"
    )
    return [OrganisationRef(**{**r, "kind": OrganisationKind(r["kind"])}) for r in rows.order_by("company_name")]


def is_below(*, organisation_id: int, ancestor_id: int) -> bool:
    """Whether the organisation sits strictly below the ancestor in the tree."""
    parent = Organisation.objects.filter(pk=organisation_id).values_list("parent_id", flat=True).first()
    while parent is not None:
        if parent == ancestor_id:
            return True
        parent = Organisation.objects.filter(pk=parent).values_list("parent_id", flat=True).first()
    return False


def ancestor_refs(*, organisation_id: int) -> list[OrganisationRef]:
    """The organisation's parent, grandparent and so on up to the operator, nearest first."""
    chain: list[OrganisationRef] = []
    ref = organisation_ref(organisation_id=organisation_id)
    while ref is not None and ref.parent_id is not None:
        ref = organisation_ref(organisation_id=ref.parent_id)
        if ref is not None:
            chain.append(ref)
    return chain


def descendant_refs(*, organisation_id: int) -> list[OrganisationRef]:
    """Every organisation below this one, level by level (one query per level), ordered by name."""
    found: list[OrganisationRef] = []
    parents = [organisation_id]
    while parents:
        rows = Organisation.objects.filter(parent_id__in=parents).values(
            "id", "kind", "parent_id", "company_name", "customer_number"
        )
        level = [OrganisationRef(**{**r, "kind": OrganisationKind(r["kind"])}) for r in rows]
        found.extend(level)
        parents = [r.id for r in level]
    return sorted(found, key=lambda r: (r.company_name.lower(), r.id))


def issuer() -> Issuer | None:
    """The operator's name, tax and contact details and billing address, printed on every invoice; None before
    an operator exists."""
    operator = Organisation.objects.filter(kind=OrganisationKind.OPERATOR).order_by("pk").first()
    if operator is None:
        return None
    billing = operator.addresses.filter(kind=Address.Kind.BILLING).first()
    fields = ("name", "street", "postal_code", "city", "country", "company", "extra")
    return Issuer(
        company_name=operator.company_name,
        vat_id=operator.vat_id,
        invoice_email=operator.invoice_email,
        phone=operator.phone,
        address=AddressData(**{name: getattr(billing, name) for name in fields}) if billing else None,
    )
