"""`switchboard simulate`: a packet gateway with N devices (SIMs from the database) speaking RADIUS to the AAA."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from switchboard.aaa import simulator
from switchboard.connectivity import selectors as connectivity


class Command(BaseCommand):
    help = (
        "Simulate a packet gateway: devices attach, report traffic, roam and detach over real RADIUS. "
        "With --load it is the benchmark's load generator instead and prints a JSON result."
    )

    def add_arguments(self, parser):
        radius = settings.SWITCHBOARD["RADIUS"]
        parser.add_argument("--server", default="127.0.0.1")
        parser.add_argument("--auth-port", type=int, default=radius["AUTH_PORT"])
        parser.add_argument("--acct-port", type=int, default=radius["ACCT_PORT"])
        parser.add_argument("--secret", default=radius["SIMULATOR_SECRET"], help="the shared secret of this NAS")
        parser.add_argument("--bind", default="127.0.0.1", help="the gateway's own address")
        parser.add_argument("--disconnect-port", type=int, default=3799, help="where Disconnect-Requests arrive")
        parser.add_argument("--devices", type=int, default=50, help="how many SIMs to bring online")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between interim updates")
        parser.add_argument("--duration", type=float, help="stop after this many seconds (default: until Ctrl-C)")
        parser.add_argument("--report", type=Path, help="write each device's acknowledged traffic here (JSON)")
        parser.add_argument("--load", choices=["auth", "acct"], help="benchmark: send requests as fast as possible")
        parser.add_argument("--requests", type=int, default=20_000)
        parser.add_argument("--concurrency", type=int, default=200)
        parser.add_argument("--rate", type=float, help="benchmark: a fixed offered rate per second instead")

    def handle(self, *args, **o):
        rows = connectivity.unscoped_network_devices(limit=o["devices"])
        if not rows:
            raise CommandError("No delivered, enabled SIMs in the database to simulate.")
        devices = [simulator.Device(imsi=r.imsi, msisdn=r.msisdn or "", ip=r.ip_address) for r in rows]
        asyncio.run(self._run(devices, o))

    async def _run(self, devices: list[simulator.Device], o: dict) -> None:
        gateway = simulator.Gateway(o["server"], o["auth_port"], o["acct_port"], o["secret"].encode(), bind=o["bind"])
        await gateway.open()
        try:
            if o["load"]:
                result = await simulator.load(
                    gateway,
                    devices,
                    kind=o["load"],
                    requests=o["requests"],
                    concurrency=o["concurrency"],
                    rate=o["rate"],
                )
                self.stdout.write(json.dumps(result.as_dict()))
                return
            await self._simulate(gateway, devices, o)
        finally:
            gateway.close()

    async def _simulate(self, gateway: simulator.Gateway, devices: list[simulator.Device], o: dict) -> None:
        simulation = simulator.Simulation(gateway, devices, interval=o["interval"])
        loop = asyncio.get_running_loop()
        listener_transport, listener = await loop.create_datagram_endpoint(
            lambda: simulator.DisconnectListener(gateway.secret, simulation.sessions, simulation.disconnected),
            local_addr=(o["bind"], o["disconnect_port"]),
        )
        run = asyncio.create_task(simulation.run(o["duration"]))
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, lambda: setattr(simulation, "stopping", True) or _wake(simulation))
        self.stdout.write(
            f"Simulated gateway {o['bind']}: {len(devices)} devices → RADIUS {o['server']}:{o['auth_port']}/"
            f"{o['acct_port']}, Disconnect-Requests on {o['disconnect_port']}"
        )
        self.stdout.flush()
        try:
            await run
        finally:
            listener_transport.close()
        counters = ", ".join(f"{k} {v}" for k, v in gateway.counters.items())
        self.stdout.write(f"Simulation over: {counters}, Disconnect-Requests {listener.received}")
        if o["report"]:
            o["report"].write_text(json.dumps(simulation.report(), indent=1))


def _wake(simulation: simulator.Simulation) -> None:
    for event in simulation.wake.values():
        event.set()
