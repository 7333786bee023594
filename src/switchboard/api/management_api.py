"""Composition root of the 1NCE-compatible Management API (`/management-api/v1`, `/management-api/v2`).

Only API clients' bearer tokens (from `/management-api/oauth/token`) are accepted, never portal sessions, and the
per-client rate limit of the native API applies. Every error is JSON in the v2 style, in both versions:
`{"error_code": 404, "error_token": "NotFound", "message": "SIM not found.", "code": "sim_not_found",
"field": "iccid"}` — `error_code` is the HTTP status, `code` and `field` are ours (the machine-readable reason and
the input at fault). A refused input is 400 BadRequest; a top-up or auto top-up of an expired SIM is 422, as at 1NCE
("only extensions are permitted").
No OpenAPI document is generated here: the 1NCE specs in `shared/specs/1nce/` describe this surface.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from switchboard.connectivity.api.management import v1, v2
from switchboard.core.errors import DomainError, FieldError, ValidationFailed
from switchboard.orders.api.management import v1 as orders_v1
from switchboard.sms.api.management import v1 as sms_v1
from switchboard.sms.api.management import v2 as sms_v2

from .auth import ApiClientAuth
from .throttling import PerClientThrottle

log = logging.getLogger(__name__)


def error(status: int, errors: list[FieldError]) -> JsonResponse:
    first = errors[0]
    body = {
        "error_code": status,
        "error_token": HTTPStatus(status).phrase.replace(" ", "").replace("-", ""),
        "message": first.message,
        "code": first.code,
    }
    if first.field:
        body["field"] = first.field
    if len(errors) > 1:
        body["errors"] = [{"field": e.field, "code": e.code, "message": e.message} for e in errors]
    return JsonResponse(body, status=status)


def _field_of(loc: list) -> str | None:
    """ninja's ["body", "items", 2, "status"] as `items[2].status`; ["query", "pageSize"] as `pageSize`."""
    field = ""
    for part in loc:
        if part in ("body", "query", "path", "header", "payload"):
            continue
        field += f"[{part}]" if isinstance(part, int) else f".{part}" if field else str(part)
    return field or None


api = NinjaAPI(
    title="Switchboard Management API (1NCE-compatible)",
    version="1nce",
    urls_namespace="management-api",
    auth=[ApiClientAuth()],
    throttle=[PerClientThrottle()],
    docs_url=None,
    openapi_url=None,
)
api.add_router("/v1", orders_v1)  # first: its literal /sims/topup must not fall into /sims/{iccid}
api.add_router("/v1", sms_v1)
api.add_router("/v1", v1)
api.add_router("/v2", sms_v2)
api.add_router("/v2", v2)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return error(400 if isinstance(exc, ValidationFailed) else exc.status, exc.errors)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    errors = [
        FieldError(_field_of(e.get("loc", [])), e.get("type", "invalid"), e.get("msg", _("Invalid value.")))
        for e in exc.errors
    ]
    return error(400, errors or [FieldError(None, "invalid", _("Invalid request."))])


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    message = _("Authentication required: send a bearer token from /management-api/oauth/token.")
    return error(401, [FieldError(None, "not_authenticated", message)])


@api.exception_handler(Throttled)
def throttled(request, exc: Throttled):
    return error(429, [FieldError(None, "rate_limited", _("Too many requests; retry after the given delay."))])


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return error(exc.status_code, [FieldError(None, "error", str(exc.message))])


@api.exception_handler(SuspiciousOperation)
def suspicious(request, exc):
    message = _("The request cannot be read (malformed or too large).")
    return error(400, [FieldError(None, "bad_request", message)])


@api.exception_handler(Http404)
def http404(request, exc):
    return error(404, [FieldError(None, "not_found", _("No such resource."))])


@api.exception_handler(Exception)
def server_error(request, exc):
    log.exception("unhandled Management API error on %s %s", request.method, request.path)
    return error(500, [FieldError(None, "server_error", _("Internal error; it has been logged."))])
