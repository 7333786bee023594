"""The worker runs the stream pump as a continuous loop of its own: committed records reach the receiver without
waiting for a periodic tick."""

from __future__ import annotations

import threading
import time

from switchboard.core.management.commands.worker import run_continuously
from switchboard.core.periodic import loops
from switchboard.events import services
from switchboard.events.tests.conftest import usage


def test_the_worker_loop_delivers_what_is_committed(transactional_db, world, receiver, webhook):
    webhook()
    [pump] = [loop for loop in loops() if loop.name == "switchboard.events.jobs.pump_streams"]
    assert pump.idle_seconds <= 0.1
    stop = threading.Event()
    worker = threading.Thread(target=run_continuously, args=(pump, stop), daemon=True)
    worker.start()
    try:
        services.emit_many([usage(world.customer.pk, "A", n) for n in range(1, 4)])
        deadline = time.monotonic() + 30
        while len(receiver.records()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(30)
    assert [r["id"] for r in receiver.records()] == [1, 2, 3]
