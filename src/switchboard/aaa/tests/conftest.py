"""A real RADIUS server on loopback (ephemeral ports) over the test database, and a RADIUS client for it."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass

import pytest

from switchboard.aaa import services
from switchboard.aaa.server import RadiusServer, ServerConfig
from switchboard.tenancy.selectors import principal_for_membership
from switchboard.tenancy.tests import factories as tenancy_factories
from switchboard.testing import unavailable

SECRET = "loopback-test-secret"


@pytest.fixture
def operator(world):
    return principal_for_membership(tenancy_factories.member(world.operator, "admin"))


@pytest.fixture
def nas(operator):
    """The test's own address as a RADIUS client; Disconnect-Requests go to a port the test may listen on."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    change = services.NasClientChange(name="Test PGW", network="127.0.0.1/32", secret=SECRET, disconnect_port=port)
    return services.nas_client_create(principal=operator, change=change)


@dataclass
class Running:
    server: RadiusServer
    loop: asyncio.AbstractEventLoop

    @property
    def auth_port(self) -> int:
        return self.server.addresses["auth"][1]

    @property
    def acct_port(self) -> int:
        return self.server.addresses["acct"][1]

    def call(self, coroutine, timeout: float = 10):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def db(self, fn, *args, **kwargs):
        """Run ORM work in the server's own database thread: SQLite's in-memory test database does not wait for
        a lock, and the server polls its Disconnect table all the time."""
        return self.call(self.server._db("control", fn, *args, **kwargs))


@pytest.fixture
def radius(transactional_db, nas):
    """`switchboard radius` in a thread: the same server class, its database threads on the test database."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    config = ServerConfig(
        bind="127.0.0.1",
        auth_port=0,
        acct_port=0,
        batch_window=0.002,
        disconnect_poll=0.05,
        disconnect_timeout=0.5,
        clients_refresh=0.5,
    )
    running = Running(RadiusServer(config), loop)
    running.call(running.server.start())
    yield running
    running.call(running.server.close())
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def radclient(command: str, port: int, attributes: str, *, secret: str = SECRET, timeout: float = 1) -> str:
    """FreeRADIUS's own client (Debian freeradius-utils): an independent implementation of the protocol."""
    binary = shutil.which("radclient")
    if binary is None:
        unavailable("radclient is missing: apt-get install freeradius-utils (CI installs it)")
    done = subprocess.run(  # noqa: S603
        [binary, "-x", "-r", "1", "-t", str(timeout), f"127.0.0.1:{port}", command, secret],
        input=attributes,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stdout + done.stderr
