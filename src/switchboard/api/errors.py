"""Every API failure is JSON with the field at fault: RFC 9457 problem details plus `code`, `field`, `errors`."""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from switchboard.core.errors import DomainError, FieldError

log = logging.getLogger(__name__)


def problem(status: int, errors: list[FieldError]) -> JsonResponse:
    first = errors[0]
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": first.code,
        "field": first.field,
        "message": first.message,
        "errors": [{"field": e.field, "code": e.code, "message": e.message} for e in errors],
    }
    return JsonResponse(body, status=status, content_type="application/problem+json")


SOURCES = ("body", "query", "path", "header", "form", "file", "cookie")


def _field_of(loc: list) -> str | None:
    # ninja locations name the source first: ["body", "payload", "email"], ["query", "page"], ["file", "file"]
    parts = [str(p) for p in loc]
    if parts and parts[0] in SOURCES:
        parts = parts[1:]
    return ".".join(p for p in parts if p != "payload") or None


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem(404, [FieldError(None, "not_found", _("No such resource."))])


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        response = problem(exc.status, exc.errors)
        if retry_after := getattr(exc, "retry_after", None):
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        errors = [
            FieldError(_field_of(e.get("loc", [])), e.get("type", "invalid"), e.get("msg", _("Invalid value.")))
            for e in exc.errors
        ]
        return problem(422, errors or [FieldError(None, "invalid", _("Invalid request."))])

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return problem(
            401,
            [FieldError(None, "not_authenticated", _("Authentication required: send a valid bearer token or log in."))],
        )

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        return problem(429, [FieldError(None, "rate_limited", _("Too many requests; retry after the given delay."))])

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return problem(exc.status_code, [FieldError(None, "error", str(exc.message))])

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        return problem(
            400, [FieldError(None, "bad_request", _("The request cannot be read (malformed or too large)."))]
        )

    @api.exception_handler(Http404)
    def http404(request, exc):
        return not_found(request)

    @api.exception_handler(Exception)
    def server_error(request, exc):
        log.exception("unhandled API error on %s %s", request.method, request.path)
        return problem(500, [FieldError(None, "server_error", _("Internal error; it has been logged."))])
