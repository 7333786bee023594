"""Native API of data streams and the SMS forwarder: thin handlers over the services and selectors."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router, Status

from switchboard.core.api import Paging, paged

from .. import selectors, services
from .schemas import (
    AttemptOut,
    ForwardingCreatedOut,
    ForwardingIn,
    ReplayIn,
    ReplayOut,
    SecretOut,
    StreamCreatedOut,
    StreamIn,
    StreamOut,
    StreamPatch,
)

router = Router(tags=["data streams"])


def _out(request, stream) -> dict:
    backlog = selectors.stream_backlog(principal=request.auth, stream_id=stream.pk)
    return {
        "id": stream.pk,
        **selectors.stream_shape(stream),
        "remote_status": stream.remote_status,
        "last_error": stream.last_error,
        "last_delivered_at": stream.last_delivered_at,
        "degraded_since": stream.degraded_since,
        "consecutive_failures": stream.consecutive_failures,
        "next_attempt_at": stream.next_attempt_at,
        "previous_secret_until": stream.previous_secret_until,
        "backlog": backlog.count,
        "oldest_queued_at": backlog.oldest_enqueued_at,
        "created_at": stream.created_at,
    }


@router.get("/streams", response=list[StreamOut])
def streams_list(request, response: HttpResponse, paging: Query[Paging]):
    """The organisation's data streams, its SMS forwarder among them (kind sms_forward)."""
    return [_out(request, s) for s in paged(response, selectors.streams_list(principal=request.auth), paging)]


@router.post("/streams", response={201: StreamCreatedOut})
def stream_create(request, payload: StreamIn):
    """At most 10 per organisation. A webhook stream's signing secret is in the answer, and only there."""
    stream, secret = services.stream_create(principal=request.auth, **payload.dict())
    return Status(201, {**_out(request, stream), "secret": secret})


@router.get("/streams/{stream_id}", response=StreamOut)
def stream_get(request, stream_id: int):
    return _out(request, selectors.stream_get(principal=request.auth, stream_id=stream_id))


@router.patch("/streams/{stream_id}", response=StreamOut)
def stream_update(request, stream_id: int, payload: StreamPatch):
    stream = services.stream_update(principal=request.auth, stream_id=stream_id, **payload.dict(exclude_unset=True))
    return _out(request, stream)


@router.delete("/streams/{stream_id}", response={204: None})
def stream_delete(request, stream_id: int):
    services.stream_delete(principal=request.auth, stream_id=stream_id)
    return Status(204, None)


@router.post("/streams/{stream_id}/pause", response=StreamOut)
def stream_pause(request, stream_id: int):
    """Records keep queueing (for up to 7 days) until the stream is resumed."""
    return _out(request, services.stream_pause(principal=request.auth, stream_id=stream_id))


@router.post("/streams/{stream_id}/resume", response=StreamOut)
def stream_resume(request, stream_id: int):
    """Resumes a paused stream; retries a degraded one now."""
    return _out(request, services.stream_resume(principal=request.auth, stream_id=stream_id))


@router.post("/streams/{stream_id}/rotate-secret", response=SecretOut)
def stream_rotate_secret(request, stream_id: int):
    """A new signing secret, shown once; for 24 hours requests are signed with the old one as well."""
    secret = services.stream_rotate_secret(principal=request.auth, stream_id=stream_id)
    stream = selectors.stream_get(principal=request.auth, stream_id=stream_id)
    return {"secret": secret, "previous_secret_until": stream.previous_secret_until}


@router.post("/streams/{stream_id}/test", response=AttemptOut)
def stream_send_test(request, stream_id: int):
    """Sends one made-up record now and answers with the attempt as the delivery log shows it."""
    return services.stream_send_test(principal=request.auth, stream_id=stream_id)


@router.post("/streams/{stream_id}/replay", response={202: ReplayOut})
def stream_replay(request, stream_id: int, payload: ReplayIn):
    """Queues the records of [start, end) again, at most 7 days back."""
    queued = services.stream_replay(principal=request.auth, stream_id=stream_id, start=payload.start, end=payload.end)
    return Status(202, {"queued": queued})


@router.get("/streams/{stream_id}/deliveries", response=list[AttemptOut])
def stream_attempts(request, stream_id: int, response: HttpResponse, paging: Query[Paging]):
    """The delivery log, newest first: each request or MQTT batch with its answer."""
    return paged(response, selectors.stream_attempts(principal=request.auth, stream_id=stream_id), paging)


@router.get("/sms-forwarding", response=StreamOut | None)
def forwarding_get(request):
    """The SMS forwarder, or null while none is set up."""
    stream = selectors.forwarding_get(principal=request.auth)
    return _out(request, stream) if stream is not None else None


@router.put("/sms-forwarding", response=ForwardingCreatedOut)
def forwarding_set(request, payload: ForwardingIn):
    """Each MO SMS is POSTed as one JSON object to the URL, signed like the data streams' requests."""
    stream, secret = services.forwarding_set(principal=request.auth, url=payload.url, headers=payload.headers)
    return {**_out(request, stream), "secret": secret}


@router.delete("/sms-forwarding", response={204: None})
def forwarding_delete(request):
    services.forwarding_delete(principal=request.auth)
    return Status(204, None)
