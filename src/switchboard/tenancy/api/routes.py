"""Native API of the tenancy context: thin handlers over services and selectors."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router, Status

from switchboard.core.api import Paging, paged

from .. import selectors, services
from ..contracts import AddressData
from .schemas import (
    AddressIn,
    AddressOut,
    ApiClientCreatedOut,
    ApiClientIn,
    ApiClientOut,
    ChildOrganisationIn,
    ChildOrganisationOut,
    MemberIn,
    MemberOut,
    MeOut,
    OrganisationOut,
    OrganisationUpdateIn,
)

router = Router(tags=["organisation"])


def _member_out(m) -> dict:
    return {
        "id": m.pk,
        "user_id": m.user_id,
        "email": m.user.email,
        "first_name": m.user.first_name,
        "last_name": m.user.last_name,
        "role": m.role,
        "is_original_owner": m.is_original_owner,
        "password_set": m.user.has_usable_password(),
    }


def _client_out(c) -> dict:
    return {
        "id": c.pk,
        "client_id": c.client_id,
        "name": c.name,
        "active": c.is_active,
        "created": c.created,
        "revoked_at": c.revoked_at,
    }


def _address(payload: AddressIn) -> AddressData:
    return AddressData(**payload.dict())


@router.get("/me", response=MeOut, tags=["me"])
def me(request):
    principal = request.auth
    return {
        "kind": principal.kind,
        "label": principal.label,
        "role": principal.role,
        "permissions": sorted(principal.permissions),
        "organisation": selectors.organisation_get(principal=principal),
    }


@router.get("/organisation", response=OrganisationOut)
def organisation_get(request):
    return selectors.organisation_get(principal=request.auth)


@router.put("/organisation", response=OrganisationOut)
def organisation_update(request, payload: OrganisationUpdateIn):
    return services.organisation_update(principal=request.auth, **payload.dict())


@router.get("/organisations", response=list[ChildOrganisationOut])
def children_list(request):
    """Your direct sub-organisations with their SIM counts; their data stays theirs."""
    return selectors.organisation_children(principal=request.auth)


@router.post("/organisations", response={201: ChildOrganisationOut})
def child_create(request, payload: ChildOrganisationIn):
    data = payload.dict(exclude={"billing_address"})
    billing = _address(payload.billing_address) if payload.billing_address else None
    child = services.organisation_create_child(principal=request.auth, billing_address=billing, **data)
    return Status(
        201,
        {
            "id": child.pk,
            "kind": child.kind,
            "customer_number": child.customer_number,
            "company_name": child.company_name,
            "sim_count": 0,
            "created_at": child.created_at,
        },
    )


@router.get("/users", response=list[MemberOut], tags=["users"])
def members_list(request, response: HttpResponse, paging: Query[Paging]):
    return [_member_out(m) for m in paged(response, selectors.members_list(principal=request.auth), paging)]


@router.post("/users", response={201: MemberOut}, tags=["users"])
def member_invite(request, payload: MemberIn):
    """Creates the user and mails a link to set the initial password."""
    return Status(201, _member_out(services.member_invite(principal=request.auth, **payload.dict())))


@router.get("/users/{user_id}", response=MemberOut, tags=["users"])
def member_get(request, user_id: int):
    return _member_out(selectors.member_get(principal=request.auth, membership_id=user_id))


@router.put("/users/{user_id}", response=MemberOut, tags=["users"])
def member_update(request, user_id: int, payload: MemberIn):
    return _member_out(services.member_update(principal=request.auth, membership_id=user_id, **payload.dict()))


@router.delete("/users/{user_id}", response={204: None}, tags=["users"])
def member_remove(request, user_id: int):
    services.member_remove(principal=request.auth, membership_id=user_id)
    return Status(204, None)


@router.get("/api-clients", response=list[ApiClientOut], tags=["api clients"])
def api_clients_list(request, response: HttpResponse, paging: Query[Paging]):
    return [_client_out(c) for c in paged(response, selectors.api_clients_list(principal=request.auth), paging)]


@router.post("/api-clients", response={201: ApiClientCreatedOut}, tags=["api clients"])
def api_client_create(request, payload: ApiClientIn):
    client, secret = services.api_client_create(principal=request.auth, **payload.dict())
    return Status(201, {**_client_out(client), "client_secret": secret})


@router.delete("/api-clients/{api_client_id}", response={204: None}, tags=["api clients"])
def api_client_revoke(request, api_client_id: int):
    services.api_client_revoke(principal=request.auth, api_client_id=api_client_id)
    return Status(204, None)


@router.get("/addresses", response=list[AddressOut], tags=["addresses"])
def addresses_list(request, kind: str | None = None):
    return selectors.addresses_list(principal=request.auth, kind=kind)


@router.put("/addresses/billing", response=AddressOut, tags=["addresses"])
def billing_address_set(request, payload: AddressIn):
    return services.billing_address_set(principal=request.auth, data=_address(payload))


@router.post("/addresses", response={201: AddressOut}, tags=["addresses"])
def address_create(request, payload: AddressIn):
    """A new shipping address."""
    return Status(201, services.address_create(principal=request.auth, data=_address(payload)))


@router.get("/addresses/{address_id}", response=AddressOut, tags=["addresses"])
def address_get(request, address_id: int):
    return selectors.address_get(principal=request.auth, address_id=address_id)


@router.put("/addresses/{address_id}", response=AddressOut, tags=["addresses"])
def address_update(request, address_id: int, payload: AddressIn):
    return services.address_update(principal=request.auth, address_id=address_id, data=_address(payload))


@router.delete("/addresses/{address_id}", response={204: None}, tags=["addresses"])
def address_delete(request, address_id: int):
    services.address_delete(principal=request.auth, address_id=address_id)
    return Status(204, None)
