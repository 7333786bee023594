"""`switchboard demo`: migrate, seed the demo data once, then run portal + API + worker + RADIUS AAA + the network
simulator until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from switchboard.portal import demo


class Command(BaseCommand):
    help = "Set up the database with demo data and start the portal, API and worker."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--seed-only", action="store_true", help="prepare the database and exit")

    def handle(self, *args, bind: str, seed_only: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        created = demo.seed()
        demo.seed_streams()
        self._print_logins(bind, created)
        if seed_only:
            return
        switchboard = [sys.executable, "-m", "switchboard"]
        env = {**os.environ, "SWITCHBOARD_BASE_URL": os.environ.get("SWITCHBOARD_BASE_URL", f"http://{bind}")}
        host = bind.rsplit(":", 1)[0]
        processes = [
            subprocess.Popen([*switchboard, "web", "--bind", bind], env=env),  # noqa: S603
            subprocess.Popen([*switchboard, "worker"], env=env),  # noqa: S603
            # The SMS gateway with the built-in simulated SMSC: MT reach the simulated devices.
            subprocess.Popen([*switchboard, "smsc"], env=env),  # noqa: S603
            # Where Acme's data streams and SMS forwarder deliver: it prints each request it gets.
            subprocess.Popen([*switchboard, "stream_receiver", "--bind", demo.STREAM_RECEIVER], env=env),  # noqa: S603
            subprocess.Popen([*switchboard, "radius", "--bind", host], env=env),  # noqa: S603
            # The simulated packet gateway: SIMs attach, use data and roam, so the dashboard moves.
            subprocess.Popen([*switchboard, "simulate", "--server", host, "--bind", host], env=env),  # noqa: S603
        ]
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            # A second stop signal (a process group's SIGTERM, a second Ctrl-C) must not cut the clean-up short.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            # The gateway first, while the AAA still answers its Stops; then the rest. Whatever hangs is killed.
            for p in reversed(processes):
                if p.poll() is None:
                    p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def _print_logins(self, bind: str, created: bool) -> None:
        w = self.stdout.write
        w("")
        w(self.style.SUCCESS(f"Switchboard demo on http://{bind}/"))
        w(f"  portal   http://{bind}/            API docs http://{bind}/api/docs")
        w(f"  admin    http://{bind}/admin/      (operator login)")
        w(f"  data     {settings.DATABASES['default']['NAME']}")
        w("  mails    printed below by the worker (console mail backend)")
        radius = settings.SWITCHBOARD["RADIUS"]
        w(f"  RADIUS   auth {radius['AUTH_PORT']}/udp, accounting {radius['ACCT_PORT']}/udp; a simulated gateway")
        w("           with the demo SIMs talks to it (client 127.0.0.1, secret in RADIUS_SIMULATOR_SECRET)")
        w("  SMS      a simulated SMSC delivers MT to the simulated devices (SIM page, SMS tab)")
        w(f"  streams  Acme's data streams and SMS forwarder deliver to http://{demo.STREAM_RECEIVER}/ (printed below)")
        w(f"\nPassword of every demo login: {demo.DEMO_PASSWORD}" + ("" if created else "  (data seeded earlier)"))
        for login in demo.LOGINS:
            w(f"  {login.email:<32} {login.role:<10} {login.organisation}")
        w(f"\nAPI client: client_id {demo.api_client_id()}  client_secret {demo.API_SECRET}")
        w(
            f"  curl -u {demo.api_client_id()}:{demo.API_SECRET} -H 'Content-Type: application/json' "
            f'-d \'{{"grant_type":"client_credentials"}}\' http://{bind}/management-api/oauth/token\n'
        )


def _interrupt(signum, frame):
    raise KeyboardInterrupt
