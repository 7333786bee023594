"""`switchboard worker`: background tasks (django-tasks DB backend), the periodic jobs and the continuous loops, in
one process; each loop has a thread of its own, so a slow receiver never delays the periodic jobs or the tasks."""

from __future__ import annotations

import logging
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections

from switchboard.core.periodic import ContinuousLoop, jobs, loops

log = logging.getLogger("switchboard.worker")


def run_periodic(stop: threading.Event, tick: float = 1.0) -> None:
    next_run: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        for job in jobs():
            if next_run.get(job.name, 0) <= now:
                next_run[job.name] = now + job.every_seconds
                try:
                    job.run()
                except Exception:  # one failing job must not stop the others
                    log.exception("periodic job %s failed", job.name)
                finally:
                    close_old_connections()
        stop.wait(tick)


def run_continuously(loop: ContinuousLoop, stop: threading.Event) -> None:
    """Round after round while there is work; the connection is recycled only when idle, not between rounds, and
    closed when the loop stops (the thread's session would otherwise outlive it)."""
    try:
        while not stop.is_set():
            try:
                busy = loop.run()
            except Exception:  # a failing round is logged and retried after the idle pause, never fatal
                log.exception("continuous loop %s failed", loop.name)
                busy = False
            if not busy:
                close_old_connections()
                stop.wait(loop.idle_seconds)
    finally:
        connections.close_all()


class Command(BaseCommand):
    help = "Run background tasks, periodic jobs and continuous loops (outbox delivery, data streams) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between task queue polls")

    def handle(self, *args, interval: float, **options):
        stop = threading.Event()
        threading.Thread(target=run_periodic, args=(stop,), name="periodic", daemon=True).start()
        for loop in loops():
            threading.Thread(target=run_continuously, args=(loop, stop), name=loop.name, daemon=True).start()
        self.stdout.write(
            f"worker: {len(jobs())} periodic job(s), {len(loops())} continuous loop(s), polling tasks every {interval}s"
        )
        try:
            call_command("db_worker", interval=interval, queue_name="*", verbosity=0)
        finally:
            stop.set()
