"""Fixtures of the data stream tests: a real HTTP receiver on loopback, stream records of made-up event types, and
a pump driven to the point where nothing is due."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from switchboard.core.principal import ActorKind, Permission, Principal
from switchboard.events import records, services
from switchboard.events.contracts import StreamKind
from switchboard.events.models import DataStream
from switchboard.events.records import stream_records, stream_sample

USAGE = "test.stream.usage"
EVENT = "test.stream.event"
SMS = "test.stream.sms"


@dataclass
class Received:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (200 once the script is used up) and keeps every request.
    `probe` runs while a request waits for its answer."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    probe: Callable[[], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            status = self.script.pop(0) if self.script else 200
            self.requests.append(Received(status, headers, body))
        return status

    def accepted(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.status < 300]

    def records(self) -> list[dict]:
        """Every record of the accepted requests, in the order they arrived."""
        found = []
        for request in self.accepted():
            body = request.json
            found += body if isinstance(body, list) else [body]
        return found


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the pump expects

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        receiver: Receiver = self.server.receiver
        if receiver.probe is not None:
            receiver.probe()
        status = receiver.answer({k.lower(): v for k, v in self.headers.items()}, body)
        answer = json.dumps({"status": status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_allowed(settings):
    """The receivers of these tests listen on 127.0.0.1, which the SSRF guard refuses by default."""
    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "WEBHOOKS_ALLOW_PRIVATE": True}


@pytest.fixture
def receiver(loopback_allowed):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def stream_records_registered():
    """Records of three made-up event types, one per stream kind; the registry is restored afterwards."""
    saved = (dict(records._exact), dict(records._prefixes), dict(records._samples))

    def record(event):
        return {"id": event.payload["n"], "sim": event.payload["iccid"], "type": event.type}

    stream_records(USAGE, kind=StreamKind.USAGE)(record)
    stream_records(EVENT, kind=StreamKind.EVENTS)(record)
    stream_records(SMS, kind=StreamKind.SMS_FORWARD)(record)
    stream_sample(StreamKind.SMS_FORWARD)(lambda organisation_id: {"id": "test-sms", "payload": "hello"})
    records._resolved.clear()
    yield
    for registry, before in zip((records._exact, records._prefixes, records._samples), saved, strict=True):
        registry.clear()
        registry.update(before)
    records._resolved.clear()


def principal_of(membership) -> Principal:
    """Who acts for a membership, allowed everything: the role matrix lives in tenancy, a layer above this app (the
    API tests use the real roles)."""
    return Principal(
        kind=ActorKind.USER,
        organisation_id=membership.organisation_id,
        role=membership.role,
        permissions=frozenset(Permission),
        actor_id=membership.user_id,
        label=membership.user.email,
    )


@pytest.fixture
def owner(world):
    return principal_of(world.owner)


@pytest.fixture
def webhook(owner, receiver, stream_records_registered):
    """`webhook(kind="usage")` → (stream, plain secret) of the customer, posting to the receiver."""

    def make(kind: str = "usage", name: str = "Receiver", principal=None):
        return services.stream_create(
            principal=principal or owner, name=name, kind=kind, target="webhook", url=receiver.url
        )

    return make


def usage(organisation_id: int, iccid: str, n: int) -> tuple[str, int, dict]:
    return (USAGE, organisation_id, {"iccid": iccid, "n": n})


def pump_until_idle(limit: int = 100) -> int:
    """Run the pump until no stream is due; the number of batches it handled."""
    rounds = 0
    while services.pump_streams():
        rounds += 1
        assert rounds < limit, "the pump never ran dry"
    return rounds


def time_passes() -> None:
    """Every stream's back-off is over (instead of sleeping through it)."""
    DataStream.objects.update(next_attempt_at=timezone.now())


@pytest.fixture(autouse=True)
def _close_kept_connections():
    """The pump keeps a connection per stream in the process; none may outlive its test's receiver."""
    yield
    from switchboard.events.services.streams import pump

    for kept in pump._open.values():
        kept.target.close()
    pump._open.clear()
