"""The worker runs the stream pump as a continuous loop of its own: committed records reach the receiver without
waiting for a periodic tick."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from switchboard.core.management.commands.worker import run_continuously
from switchboard.core.periodic import loops
from switchboard.events import services
from switchboard.events.models import DataStream, StreamItem
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


only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the workers are processes of their own and need a database server shared with the test (CI runs this on "
    "PostgreSQL); SQLite's test database lives in this process's memory",
)


def _worker(tmp_path) -> subprocess.Popen:
    """A real `switchboard worker` on the test's database."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "switchboard.config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SECRET_KEY": settings.SECRET_KEY,  # the stream's signing secret is encrypted with it
        "WEBHOOKS_ALLOW_PRIVATE": "1",
        "SWITCHBOARD_DATA_DIR": str(tmp_path),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "switchboard", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _other_sessions() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def _until_the_workers_sessions_are_gone(before: set[int]) -> None:
    """The server ends a killed client's session a moment later; the test database can be dropped only then."""
    deadline = time.monotonic() + 15
    while _other_sessions() - before and time.monotonic() < deadline:
        time.sleep(0.1)


# A SIM event whose record format the connectivity app registers (events is below connectivity: named, not imported).
LOCATION_UPDATED = "connectivity.sim.location_updated"


def _location_event(organisation_id: int, n: int) -> tuple[str, int, dict]:
    return (
        LOCATION_UPDATED,
        organisation_id,
        {
            "event_id": n,
            "sim_id": n % 5,
            "type": 7,
            "iccid": f"898822800000000{n % 5:04d}",
            "imsi": "901405100000001",
            "timestamp": "2026-11-22T10:00:00+00:00",
            "detail": {"operator": "Telekom", "country": "DE"},
        },
    )


@only_postgresql
def test_a_worker_killed_mid_batch_loses_nothing(transactional_db, world, owner, receiver, tmp_path):
    stream, _secret = services.stream_create(
        principal=owner, name="Kill test", kind="events", target="webhook", url=receiver.url
    )
    in_flight, release = threading.Event(), threading.Event()

    def hold_the_first_request():
        if not in_flight.is_set():
            in_flight.set()
            release.wait(60)

    receiver.probe = hold_the_first_request
    services.emit_many([_location_event(world.customer.pk, n) for n in range(1, 51)])
    sessions = _other_sessions()
    first = _worker(tmp_path)
    try:
        assert in_flight.wait(60), "the worker never sent the batch"
        first.kill()  # SIGKILL while its batch is at the receiver: no acknowledgement reaches the database
        first.wait(10)
    finally:
        release.set()
        if first.poll() is None:
            first.kill()
    assert StreamItem.objects.filter(stream_id=stream.pk).count() == 50
    DataStream.objects.filter(pk=stream.pk).update(lease_until=timezone.now())  # the dead worker's lease runs out
    second = _worker(tmp_path)
    try:
        deadline = time.monotonic() + 60
        while StreamItem.objects.filter(stream_id=stream.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        second.terminate()
        second.wait(20)
        _until_the_workers_sessions_are_gone(sessions)
    assert not StreamItem.objects.filter(stream_id=stream.pk).exists()
    delivered = [record["id"] for record in receiver.records()]
    assert set(delivered) == set(range(1, 51))  # everything, some twice (the killed batch), with the same ids
    last = receiver.records()[-50:]
    assert [record["id"] for record in last] == list(range(1, 51))  # the re-sent batch, in order
