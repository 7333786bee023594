"""Kannel's HTTP interface as an SMSC: MT through smsbox's `/cgi-bin/sendsms`, MO and delivery reports back as HTTP
GETs that Kannel makes to our web routes.

Kannel knows no message ids of ours, so every part carries its own DLR URL with our reference and part number; the
two thin views hand Kannel's query to `parse_mo` / `parse_dlr`. Kannel expands its `%` escapes in both URLs, which
is why a reference must be URL-safe (no `%` of its own).

Kannel's fake SMSC (`fakesmsc`, used in the tests) reports two DLRs per part, in either order: 8 (SMSC accepted,
reply "ACK/") and 1 (delivered, empty reply); it never reports a failure. Whoever applies receipts must therefore
not let the ACCEPTED that arrives second undo a DELIVERED.
"""

from __future__ import annotations

import math
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlencode

from ..contracts import (
    DeliveryReceipt,
    InboundSink,
    InboundSms,
    OutboundSms,
    ReceiptState,
    SmscError,
    SmscKind,
    Submitted,
)
from ..encoding import GSM, OCTETS, UCS2, decode, encode, split_udh

# Kannel's `coding` for each SMPP data_coding we send, and back for MO.
KANNEL_CODING = {GSM: 0, OCTETS: 1, UCS2: 2}
DATA_CODING = {coding: data_coding for data_coding, coding in KANNEL_CODING.items()}

DLR_DELIVERED, DLR_FAILED, DLR_BUFFERED, DLR_SMSC_ACCEPTED, DLR_SMSC_REJECTED = 1, 2, 4, 8, 16
DLR_MASK = DLR_DELIVERED | DLR_FAILED | DLR_SMSC_ACCEPTED | DLR_SMSC_REJECTED
DLR_STATES = {
    DLR_DELIVERED: ReceiptState.DELIVERED,
    DLR_FAILED: ReceiptState.FAILED,
    DLR_BUFFERED: ReceiptState.ACCEPTED,
    DLR_SMSC_ACCEPTED: ReceiptState.ACCEPTED,
    DLR_SMSC_REJECTED: ReceiptState.FAILED,
}

# What the adapter's `dlr_url` must end with: the route that feeds `parse_dlr`, e.g.
# f"https://switchboard.example/smsc/kannel/dlr?token=…&{DLR_QUERY}". {reference} and {part} are ours (filled per
# part by the adapter), %d %A %T are Kannel's (DLR status, the SMSC's reply, the time).
DLR_QUERY = "sms={reference}&part={part}&status=%d&reply=%A&at=%T"

# The `get-url` of the operator's catch-all sms-service in kannel.conf; {mo_url} is the route that feeds `parse_mo`,
# with its token, e.g. "https://switchboard.example/smsc/kannel/mo?token=…". %b is the message as raw octets, so
# binary and UCS-2 messages arrive intact; %c says which (0 text, 1 8-bit, 2 UCS-2).
MO_GET_URL_TEMPLATE = "{mo_url}&from=%p&to=%P&coding=%c&udh=%u&data=%b&at=%T"

ACCEPTED_REPLIES = ("0:", "3:")  # "0: Accepted for delivery", "3: Queued for later delivery"
URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")


class KannelAdapter:
    kind = SmscKind.KANNEL

    def __init__(self, sendsms_url: str, username: str, password: str, *, dlr_url: str, timeout: float = 10.0):
        if "{reference}" not in dlr_url or "{part}" not in dlr_url:
            raise ValueError("The DLR URL needs {reference} and {part} (see DLR_QUERY).")
        self.sendsms_url = sendsms_url
        self.username = username
        self._password = password
        self.dlr_url = dlr_url
        self.timeout = timeout
        self.sink: InboundSink | None = None

    def start(self, sink: InboundSink) -> None:
        """Kannel calls our web routes for MO and DLRs, so there is no connection to keep."""
        self.sink = sink

    def stop(self) -> None:
        self.sink = None

    def submit(self, sms: OutboundSms) -> Submitted:
        """One sendsms call per part; Kannel gives no message ids, so every part's id is ""."""
        if not URL_SAFE.fullmatch(sms.reference):
            raise SmscError(f"The reference {sms.reference!r} cannot travel in a Kannel DLR URL.", permanent=True)
        if sms.data_coding not in KANNEL_CODING:
            raise SmscError(f"Kannel cannot send data coding {sms.data_coding}.", permanent=True)
        taken = 0
        try:
            for part_number, part in sms.numbered():
                self._send(self._query(sms, part_number, part))
                taken += 1
        except SmscError as exc:
            exc.accepted = ("",) * taken
            raise
        return Submitted(("",) * len(sms.parts))

    def _query(self, sms: OutboundSms, part_number: int, part: bytes) -> dict[str, str | bytes | int]:
        udh, payload = split_udh(part) if sms.has_udh else (b"", part)
        query: dict[str, str | bytes | int] = {
            "username": self.username,
            "password": self._password,
            "from": sms.source,
            "to": sms.destination,
            "coding": KANNEL_CODING[sms.data_coding],
            "dlr-mask": DLR_MASK,
            "dlr-url": self.dlr_url.format(reference=sms.reference, part=part_number),
        }
        if sms.data_coding == GSM:
            # Kannel takes text in a charset and does the GSM conversion towards the SMSC itself.
            query.update(text=decode(payload, GSM), charset="UTF-8")
        elif sms.data_coding == UCS2:
            query.update(text=payload, charset="UTF-16BE")
        else:
            query["text"] = payload
        if udh:
            query["udh"] = udh
        if sms.expires_at is not None:
            seconds = (sms.expires_at - datetime.now(UTC)).total_seconds()
            query["validity"] = max(1, math.ceil(seconds / 60))
        return query

    def _send(self, query: Mapping[str, str | bytes | int]) -> None:
        # The query holds the password: errors below name the status, never the URL.
        url = f"{self.sendsms_url}?{urlencode(query, quote_via=quote)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310  (operator's URL)
                reply = response.read().decode("utf-8", errors="replace").strip()
        except urllib.error.HTTPError as exc:
            reply = exc.read().decode("utf-8", errors="replace").strip()
            permanent = 400 <= exc.code < 500 and exc.code != 429
            raise SmscError(f"Kannel refused the message: HTTP {exc.code} {reply}", permanent=permanent) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmscError(f"Kannel cannot be reached: {reason}") from None
        if not reply.startswith(ACCEPTED_REPLIES):
            raise SmscError(f"Kannel did not take the message: {reply}")


def _required(query: Mapping[str, str], name: str) -> str:
    value = query.get(name)
    if not value:
        raise ValueError(f"The {name!r} parameter is missing.")
    return value


def _integer(query: Mapping[str, str], name: str) -> int:
    value = _required(query, name)
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"The {name!r} parameter must be a number, not {value[:20]!r}.") from None


def _timestamp(query: Mapping[str, str]) -> datetime | None:
    if not query.get("at"):
        return None
    try:
        return datetime.fromtimestamp(_integer(query, "at"), UTC)
    except (OverflowError, OSError):  # a number no clock reaches
        raise ValueError("Kannel's time (at) is out of range.") from None


def parse_mo(query_string: str) -> InboundSms:
    """An MO message from the raw query string of Kannel's get-url call (`request.META["QUERY_STRING"]`).

    The raw string rather than Django's `request.GET`: that decodes every value as UTF-8, which mangles the raw
    octets of binary and UCS-2 messages. Text messages (coding 0) arrive as UTF-8, Kannel having converted them from
    GSM; they go back to GSM septets here so that InboundSms means the same whichever SMSC delivered it.
    """
    query = dict(parse_qsl(query_string, keep_blank_values=True, encoding="latin-1"))
    coding = _integer(query, "coding")
    if coding not in DATA_CODING:
        raise ValueError(f"Kannel coding {coding} is not known (0, 1 or 2).")
    data = query.get("data", "").encode("latin-1")
    if DATA_CODING[coding] == GSM:
        try:
            encoded = encode(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise ValueError("A text message (coding 0) must arrive as UTF-8.") from None
        data_coding, data = encoded.data_coding, encoded.data
    else:
        data_coding = DATA_CODING[coding]
    return InboundSms(
        source=_required(query, "from"),
        destination=_required(query, "to"),
        data=data,
        data_coding=data_coding,
        udh=query.get("udh", "").encode("latin-1"),
        received_at=_timestamp(query),
    )


def parse_dlr(query: Mapping[str, str]) -> DeliveryReceipt:
    """A delivery report from Kannel's call of the DLR URL (Django's `request.GET` will do: it is all text)."""
    status = _integer(query, "status")
    if status not in DLR_STATES:
        raise ValueError(f"Kannel DLR status {status} is not known (1, 2, 4, 8 or 16).")
    state = DLR_STATES[status]
    return DeliveryReceipt(
        state,
        reference=_required(query, "sms"),
        part=_integer(query, "part"),
        done_at=_timestamp(query),
        error=query.get("reply", "") if state is ReceiptState.FAILED else "",
    )
