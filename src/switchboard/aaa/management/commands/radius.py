"""`switchboard radius`: the RADIUS AAA server (Access-Request, Accounting-Request, Disconnect-Requests)."""

from __future__ import annotations

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from switchboard.aaa.server import RadiusServer, ServerConfig, serve


class Command(BaseCommand):
    help = "Run the RADIUS AAA server until stopped (SIGTERM or Ctrl-C finish the batches in flight first)."

    def add_arguments(self, parser):
        radius = settings.SWITCHBOARD["RADIUS"]
        parser.add_argument("--bind", default=radius["BIND"], help="address to listen on")
        parser.add_argument("--auth-port", type=int, default=radius["AUTH_PORT"])
        parser.add_argument("--acct-port", type=int, default=radius["ACCT_PORT"])
        parser.add_argument("--batch-ms", type=float, default=4.0, help="group-commit window in milliseconds")
        parser.add_argument("--interim-interval", type=int, default=radius["INTERIM_INTERVAL"])
        parser.add_argument("--stats-every", type=float, default=60.0, help="seconds between counter log lines")

    def handle(self, *args, bind, auth_port, acct_port, batch_ms, interim_interval, stats_every, **options):
        config = ServerConfig(
            bind=bind,
            auth_port=auth_port,
            acct_port=acct_port,
            batch_window=batch_ms / 1000,
            interim_interval=interim_interval,
            stats_every=stats_every,
        )
        asyncio.run(self._run(config))

    async def _run(self, config: ServerConfig) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)

        def ready(server: RadiusServer) -> None:
            auth, acct = server.addresses["auth"], server.addresses["acct"]
            clients = len(server.directory.entries)
            self.stdout.write(
                f"RADIUS server ready: auth {auth[0]}:{auth[1]}, accounting {acct[0]}:{acct[1]}, {clients} client(s)"
            )
            self.stdout.flush()

        await serve(config, ready=ready, stop=stop)
