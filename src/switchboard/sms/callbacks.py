"""What Kannel calls: its MO `get-url` and the delivery-report URL we give with each MT.

Both carry the operator's callback token (set up with `switchboard smsc-config`); a call without a valid one is 403.
A refused MO (unknown SIM, SMS volume or limit used up, device to device) is answered 403 so Kannel logs it; the
body is empty, so Kannel sends no reply SMS to the device.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from switchboard.core import crypto

from . import services
from .contracts import SmscKind
from .models import SmscConnection
from .smsc import kannel


def _connection(request: HttpRequest) -> SmscConnection | None:
    """The Kannel connection whose callback token the call carries: it may touch only its operator's SMS."""
    token = request.GET.get("token", "")
    if not token:
        return None
    stored = SmscConnection.objects.filter(kind=SmscKind.KANNEL, enabled=True).exclude(callback_token_encrypted="")
    for connection in stored:
        if hmac.compare_digest(crypto.decrypt(connection.callback_token_encrypted), token):
            return connection
    return None


@require_GET
def kannel_mo(request: HttpRequest) -> HttpResponse:
    connection = _connection(request)
    if connection is None:
        return HttpResponse(status=403)
    try:
        inbound = kannel.parse_mo(request.META.get("QUERY_STRING", ""))  # raw: binary and UCS-2 octets
    except ValueError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    accepted = services.sms_received(inbound, operator_id=connection.operator_id)
    return HttpResponse(status=200 if accepted else 403, content_type="text/plain")


@require_GET
def kannel_dlr(request: HttpRequest) -> HttpResponse:
    connection = _connection(request)
    if connection is None:
        return HttpResponse(status=403)
    try:
        receipt = kannel.parse_dlr(request.GET)
    except ValueError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    found = services.apply_receipt(receipt, operator_id=connection.operator_id)
    return HttpResponse(status=200 if found else 404, content_type="text/plain")
