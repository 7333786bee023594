"""HTTPS webhook target: one POST per batch (a JSON array, or the single object of the SMS forwarder), signed as
Standard Webhooks says, over a keep-alive connection to an address the SSRF guard has vetted."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from urllib.parse import urlsplit

from switchboard.core import netguard

from .signing import signature_header
from .targets import Batch, Outcome, TargetConfig, register_target

TIMEOUT = 20  # seconds to connect and again to wait for the answer
DEADLINE = 60  # seconds for a whole exchange, however slowly the receiver drips its answer (below the pump's lease)
USER_AGENT = "Switchboard-Streams/1"
EXCERPT = 500
MAX_RESPONSE = 64 * 1024  # read this much of an answer to keep the connection; a longer one closes it
STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class WebhookTarget:
    def __init__(self, config: TargetConfig):
        self.config = config
        parts = urlsplit(config.url)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.connection: http.client.HTTPConnection | None = None

    def deliver(self, batch: Batch) -> Outcome:
        body = json.dumps(batch.records[0] if batch.single else batch.records, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {
            **dict(self.config.headers),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": batch.message_id,
            "webhook-timestamp": str(timestamp),
        }
        if self.config.signing_secrets:
            headers["webhook-signature"] = signature_header(
                self.config.signing_secrets, batch.message_id, timestamp, body
            )
        try:
            status, excerpt = self._post(body, headers)
        except netguard.UnsafeDestination as exc:
            self.close()
            return Outcome(False, "refused", error=str(exc))
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Outcome(False, _failure(exc), error=f"{type(exc).__name__}: {exc}"[:EXCERPT])
        return Outcome(
            200 <= status < 300,
            str(status),
            http_status=status,
            response_excerpt=excerpt,
            error="" if 200 <= status < 300 else f"HTTP {status}",
        )

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """A connection kept from an earlier batch may have been closed by the receiver meanwhile: then once more on
        a fresh one. A fresh connection that fails is a failure."""
        reused = self.connection is not None
        try:
            return self._exchange(body, headers)
        except STALE_CONNECTION:
            self.close()
            if not reused:
                raise
            return self._exchange(body, headers)

    def _exchange(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        if self.connection is None:
            self.connection = netguard.http_connection(self.config.url, timeout=TIMEOUT)
        connection = self.connection
        # Each socket operation has its timeout, but a receiver answering a byte at a time would hold the pump (and
        # every other stream behind it) for ever: past the deadline the socket is cut and the attempt fails.
        watchdog = threading.Timer(DEADLINE, _cut, args=(connection,))
        watchdog.start()
        try:
            connection.request("POST", self.path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read(MAX_RESPONSE)
        finally:
            watchdog.cancel()
        if response.will_close or not response.isclosed():
            self.close()
        return response.status, content[:EXCERPT].decode("utf-8", "replace")[:EXCERPT]

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _cut(connection: http.client.HTTPConnection) -> None:
    if connection.sock is not None:
        with contextlib.suppress(OSError):  # already closed
            connection.sock.shutdown(socket.SHUT_RDWR)


def _failure(exc: Exception) -> str:
    """The remote status of a request that got no answer."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return "connection failed"


register_target("webhook", WebhookTarget)
