"""The 1NCE-compatible token endpoint: the request variants real 1NCE clients send, answered in 1NCE's shapes."""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote_plus

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_backends import get_oauthlib_core

FORM = "application/x-www-form-urlencoded"
PASSED_ON = ("grant_type", "client_id", "client_secret")


def _error(code: str, message: str) -> JsonResponse:
    return JsonResponse({"statusCode": 400, "errorCode": code, "message": message}, status=400)


def _parameters(request: HttpRequest) -> dict[str, str] | JsonResponse:
    """grant_type may come as JSON (the spec), a form body, or the query string (a .NET client)."""
    content_type = request.content_type or ""
    # Only grant_type from the URL: secrets in a query string end up in access logs.
    params: dict[str, str] = {"grant_type": request.GET["grant_type"]} if "grant_type" in request.GET else {}
    if content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return _error("BodyValidationError", "Request body validation error: body is not valid JSON")
        if not isinstance(body, dict):
            return _error("BodyValidationError", "Request body validation error: expected a JSON object")
        params.update({k: str(v) for k, v in body.items() if k in PASSED_ON})
    elif content_type in (FORM, "multipart/form-data"):
        try:
            params.update({k: v for k, v in request.POST.items() if k in PASSED_ON})
        except (MultiPartParserError, SuspiciousOperation):
            return _error("BodyValidationError", "Request body validation error: the form body cannot be read")
    elif request.body:
        return _error("UnsupportedContentTypeError", "Content-Type not supported")
    if not params.get("grant_type"):
        return _error("BodyValidationError", "Request body validation error: Missing attributes 'grant_type'")
    if params["grant_type"] != "client_credentials":
        return _error("BodyValidationError", "Request body validation error: grant_type must be client_credentials")
    if "HTTP_AUTHORIZATION" not in request.META and not params.get("client_id"):
        return _error("AuthValidationError", "Auth header validation error: Missing attributes 'password'")
    return params


def _client_id(request: HttpRequest, params: dict[str, str]) -> str:
    if params.get("client_id"):
        return params["client_id"]
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    try:
        return unquote_plus(base64.b64decode(credentials).decode().partition(":")[0]) if scheme == "Basic" else ""
    except (binascii.Error, UnicodeDecodeError):
        return ""


@csrf_exempt
def token(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse(
            {"statusCode": 405, "errorCode": "MethodNotAllowed", "message": "Use POST."},
            status=405,
            headers={"Allow": "POST"},
        )
    try:
        params = _parameters(request)
    except SuspiciousOperation:  # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        return _error("BodyValidationError", "Request body validation error: the body is too large")
    if isinstance(params, JsonResponse):
        return params
    # Hand DOT a plain form request, so client authentication and token issue stay DOT's (hashed secrets).
    form = QueryDict(mutable=True)
    form.update(params)
    request.POST = form
    request.META["CONTENT_TYPE"] = FORM
    request.META["QUERY_STRING"] = ""
    _uri, _headers, body, status = get_oauthlib_core().create_token_response(request)
    if status != 200:
        return _error("BadCredentials", "Incorrect username or password.")
    issued = json.loads(body)
    return JsonResponse(
        {
            "status_code": 200,
            "access_token": issued["access_token"],
            "token_type": "bearer",
            "expires_in": issued["expires_in"],
            "userId": _client_id(request, params),
            "scope": "all",
        }
    )
