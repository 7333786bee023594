"""Native API of the AAA: the operator's RADIUS clients and the sessions open on them; thin over the services."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router, Status

from switchboard.core.api import Paging, paged

from .. import selectors, services
from .schemas import NasClientIn, NasClientOut, NasClientPatchIn, SessionOut

router = Router(tags=["radius"])


@router.get("/radius/clients", response=list[NasClientOut])
def clients_list(request, response: HttpResponse, paging: Query[Paging]):
    """The operator's packet gateways allowed to talk RADIUS, by name."""
    return paged(response, selectors.nas_clients(principal=request.auth), paging)


@router.post("/radius/clients", response={201: NasClientOut})
def client_create(request, payload: NasClientIn):
    """The RADIUS server picks the new client up within seconds."""
    change = services.NasClientChange(**payload.dict())
    return Status(201, services.nas_client_create(principal=request.auth, change=change))


@router.get("/radius/clients/{client_id}", response=NasClientOut)
def client_get(request, client_id: int):
    return selectors.nas_client_get(principal=request.auth, client_id=client_id)


@router.patch("/radius/clients/{client_id}", response=NasClientOut)
def client_update(request, client_id: int, payload: NasClientPatchIn):
    change = services.NasClientChange(**payload.dict(exclude_unset=True))
    return services.nas_client_update(principal=request.auth, client_id=client_id, change=change)


@router.delete("/radius/clients/{client_id}", response={204: None})
def client_delete(request, client_id: int):
    """Its sessions go with it; the gateway's next packets are dropped as from an unknown client."""
    services.nas_client_delete(principal=request.auth, client_id=client_id)
    return Status(204, None)


@router.get("/radius/sessions", response=list[SessionOut])
def sessions_list(request, response: HttpResponse, paging: Query[Paging]):
    """Data sessions open on your gateways right now, newest first."""
    return paged(response, selectors.open_sessions(principal=request.auth).select_related("nas"), paging)
