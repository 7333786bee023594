"""`switchboard radius`: the RADIUS AAA server (Access-Request, Accounting-Request, Disconnect-Requests)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from switchboard.aaa.server import RadiusServer, ServerConfig, serve


class Command(BaseCommand):
    help = "Run the RADIUS AAA server until stopped (SIGTERM or Ctrl-C finish the batches in flight first)."

    def add_arguments(self, parser):
        radius = settings.SWITCHBOARD["RADIUS"]
        parser.add_argument("--bind", default=radius["BIND"], help="address to listen on")
        parser.add_argument("--auth-port", type=int, default=radius["AUTH_PORT"])
        parser.add_argument("--acct-port", type=int, default=radius["ACCT_PORT"])
        parser.add_argument("--batch-ms", type=float, default=4.0, help="group-commit window in milliseconds")
        parser.add_argument("--max-batch", type=int, default=ServerConfig.max_batch, help="packets per transaction")
        parser.add_argument("--interim-interval", type=int, default=radius["INTERIM_INTERVAL"])
        parser.add_argument("--stats-every", type=float, default=60.0, help="seconds between counter log lines")
        parser.add_argument(
            "--processes",
            type=int,
            help="server processes sharing the ports (SO_REUSEPORT), past one core's worth of Python; "
            "default: one per CPU on PostgreSQL, one on SQLite (a single writer)",
        )
        parser.add_argument("--reuse-port", action="store_true", help="share the ports with other processes")

    def handle(self, *args, **o):
        processes = o["processes"] or (1 if connection.vendor == "sqlite" else os.cpu_count() or 1)
        config = ServerConfig(
            bind=o["bind"],
            auth_port=o["auth_port"],
            acct_port=o["acct_port"],
            batch_window=o["batch_ms"] / 1000,
            max_batch=o["max_batch"],
            interim_interval=o["interim_interval"],
            stats_every=o["stats_every"],
            reuse_port=o["reuse_port"] or processes > 1,
        )
        siblings = [self._sibling(o) for _ in range(processes - 1)]
        try:
            asyncio.run(self._run(config))
        finally:
            for process in siblings:
                process.terminate()
            for process in siblings:
                process.wait(15)

    def _sibling(self, o: dict) -> subprocess.Popen:
        """Another server on the same ports; the kernel spreads the gateways' sockets over the processes, so a
        retransmission reaches the process that holds its cached answer."""
        args = ["--bind", o["bind"], "--auth-port", str(o["auth_port"]), "--acct-port", str(o["acct_port"])]
        args += ["--batch-ms", str(o["batch_ms"]), "--max-batch", str(o["max_batch"])]
        args += ["--interim-interval", str(o["interim_interval"]), "--stats-every", str(o["stats_every"])]
        command = [sys.executable, "-m", "switchboard", "radius", *args, "--processes", "1", "--reuse-port"]
        return subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603

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
