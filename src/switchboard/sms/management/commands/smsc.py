"""`switchboard smsc`: the SMS gateway between the queued messages and each operator's SMSC."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from switchboard.sms.gateway import SmsGateway


class Command(BaseCommand):
    help = "Run the SMS gateway until stopped: MT to the SMSC, MO and delivery receipts back."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.2, help="seconds between queue polls when idle")

    def handle(self, *args, interval: float, **options):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        gateway = SmsGateway()
        self.stdout.write("smsc: SMS gateway running")
        try:
            gateway.run(stop, interval=interval)
        finally:
            gateway.stop()
