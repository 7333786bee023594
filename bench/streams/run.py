"""Data streams end to end: events committed to the outbox → the worker's stream pump → a webhook receiver on
loopback. Prints a table: events/s delivered, lag from commit to receipt (p50/p99), lost and repeated records.

    .venv/bin/python bench/streams/run.py                      # SQLite (a fresh file) and PostgreSQL (sb_bench_streams)
    .venv/bin/python bench/streams/run.py --databases postgresql --events 100000 --outage 60

Two scenarios per database, each with --events SIM events offered at --rate per second (250 per transaction,
through `events.services.emit_many`, the way the AAA writes them):
- healthy: the receiver answers 200 throughout;
- outage: the receiver's port is closed for --outage seconds from a few seconds in, then opens again; the backlog
  must drain by itself, in order per SIM, with nothing lost.
The pump is the real `switchboard worker` process. The receiver is a separate process (a threading HTTP server) that
checks every request's Standard Webhooks signature and notes each record's id and arrival time; lag is arrival time
minus the commit time of the record's transaction. Records carry stable ids: a record seen twice is a repeat (at-
least-once delivery allows it), a record never seen is lost (never allowed).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/sb_bench_streams"
ORGANISATION = 1
BATCH = 250
SIMS = 1000
GOAL_RATE = 5000
GOAL_P99 = 1.0


# The receiver (a child process)


def _receiver(port: int, secret: str, up, stop, out: str) -> None:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    seen: list[tuple[int, float, str]] = []  # record id, arrival, partition (ICCID), in arrival order
    bad_signatures = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            if not up.is_set():  # down: kept connections die too, not only new ones are refused
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            body = self.rfile.read(int(self.headers["Content-Length"]))
            arrived = time.time()
            signed = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}.".encode() + body
            expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
            if expected not in self.headers.get("webhook-signature", "").split(" "):
                bad_signatures[0] += 1
            for record in json.loads(body):
                seen.append((int(record["id"]), arrived, record["sim"]["iccid"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = None
    while not stop.is_set():
        if up.is_set() and server is None:
            server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        elif not up.is_set() and server is not None:
            server.shutdown()
            server.server_close()  # the port is closed: connections are refused, as when the receiver is down
            server = None
        time.sleep(0.02)
    if server is not None:
        server.shutdown()
        server.server_close()
    Path(out).write_text(json.dumps({"seen": seen, "bad_signatures": bad_signatures[0]}))


# The benchmark (this process: Django, the producer)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["WEBHOOKS_ALLOW_PRIVATE"] = "1"  # the receiver is on loopback
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def fresh_database(vendor: str, workdir: Path) -> str:
    if vendor == "sqlite":
        return f"sqlite:///{workdir / 'streams.sqlite3'}"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS sb_bench_streams WITH (FORCE)")
        admin.execute("CREATE DATABASE sb_bench_streams")
    return PG_BENCH


def principal():
    from switchboard.core.principal import ActorKind, Permission, Principal

    return Principal(
        ActorKind.SYSTEM, ORGANISATION, "owner", frozenset({Permission.INTEGRATIONS_MANAGE}), None, "bench"
    )


def payload(n: int) -> dict:
    from switchboard.connectivity.contracts import SimEventType

    sim = n % SIMS
    return {
        "event_id": n,
        "sim_id": sim,
        "type": int(SimEventType.LOCATION_UPDATED),
        "iccid": f"89882280666{sim:08d}",
        "imsi": f"9014051{sim:08d}",
        "msisdn": f"882285{sim:09d}",
        "imei": "",
        "ip_address": None,
        "timestamp": "2026-11-22T10:00:00+00:00",
        "detail": {"operator": "Telekom", "country": "DE", "mcc": "262", "mnc": "01", "rat": "4G"},
    }


@dataclass
class Result:
    database: str
    scenario: str
    events: int
    offered: float
    received: int
    lost: int
    repeated: int
    out_of_order: int
    bad_signatures: int
    rate: float
    p50: float
    p99: float
    drain_after_outage: float | None


def produce(events: int, rate: float, first_id: int) -> dict[int, float]:
    """Offer `events` at `rate` per second in transactions of BATCH; returns each batch's commit time by first id."""
    from django.db import transaction

    from switchboard.connectivity.contracts import SimEventType
    from switchboard.connectivity.events import sim_event_type
    from switchboard.events.services import emit_many

    kind = sim_event_type(SimEventType.LOCATION_UPDATED)
    committed: dict[int, float] = {}
    started = time.monotonic()
    for offset in range(0, events, BATCH):
        due = started + offset / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        ids = range(first_id + offset, first_id + min(events, offset + BATCH))
        with transaction.atomic():
            emit_many([(kind, ORGANISATION, payload(n)) for n in ids])
        committed[ids.start] = time.time()
    return committed


def scenario(
    name: str, database: str, *, events: int, rate: float, outage: float, first_id: int, backlog: bool = False
) -> Result:
    """With `backlog`, the events are all committed while the stream is paused and then resumed: what is measured is
    how fast the pump drains them (its capacity), not how fast this one process can write them."""
    from switchboard.events import services

    port = free_port()
    stream, secret = services.stream_create(
        principal=principal(), name=f"bench {name}", kind="events", target="webhook", url=f"http://127.0.0.1:{port}/"
    )
    context = multiprocessing.get_context("spawn")
    up, stop = context.Event(), context.Event()
    up.set()
    out = str(Path(tempfile.mkdtemp(prefix="sb-receiver-")) / "seen.json")
    receiver = context.Process(target=_receiver, args=(port, secret, up, stop, out))
    receiver.start()
    worker = subprocess.Popen(
        [sys.executable, "-m", "switchboard", "worker"],
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)  # the worker is up and polling
    down_at = None
    if outage:
        # The receiver goes down a few seconds into the run and comes back `outage` seconds later.
        def outage_timer():
            time.sleep(3)
            up.clear()
            time.sleep(outage)
            up.set()

        timer = threading.Thread(target=outage_timer, daemon=True)
        timer.start()
        down_at = time.time() + 3
    if backlog:
        services.stream_pause(principal=principal(), stream_id=stream.pk)
    production_started = time.time()
    committed = produce(events, rate, first_id)
    offered = events / max(1e-9, max(committed.values()) - production_started)
    first_commit = min(committed.values())
    if backlog:
        first_commit = time.time()
        committed = dict.fromkeys(committed, first_commit)  # lag counts from the resume
        services.stream_resume(principal=principal(), stream_id=stream.pk)
    from switchboard.events.models import StreamItem

    deadline = time.monotonic() + max(120.0, outage * 6 + 120)
    while StreamItem.objects.filter(stream_id=stream.pk).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    stop.set()
    receiver.join(timeout=30)
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    found = json.loads(Path(out).read_text())
    Path(out).unlink()
    services.stream_delete(principal=principal(), stream_id=stream.pk)

    seen = found["seen"]
    arrivals: dict[int, float] = {}
    repeated = 0
    for record_id, arrived, _iccid in seen:
        if record_id in arrivals:
            repeated += 1
        else:
            arrivals[record_id] = arrived
    expected = set(range(first_id, first_id + events))
    lost = len(expected - arrivals.keys())
    batch_of = {n: first_id + ((n - first_id) // BATCH) * BATCH for n in expected}
    lags = sorted(arrivals[n] - committed[batch_of[n]] for n in expected if n in arrivals)
    newest_per_sim: dict[str, int] = {}
    first_seen: set[int] = set()
    out_of_order = 0
    for record_id, _arrived, iccid in seen:  # in arrival order, repeats aside, a SIM's ids must only grow
        if record_id in first_seen:
            continue
        first_seen.add(record_id)
        if record_id < newest_per_sim.get(iccid, -1):
            out_of_order += 1
        newest_per_sim[iccid] = max(record_id, newest_per_sim.get(iccid, -1))
    last_arrival = max(arrivals.values()) if arrivals else first_commit
    drain = None
    if down_at is not None:
        drain = last_arrival - (down_at + outage)
    return Result(
        database=database,
        scenario=name,
        events=events,
        offered=offered,
        received=len(arrivals),
        lost=lost,
        repeated=repeated,
        out_of_order=out_of_order,
        bad_signatures=found["bad_signatures"],
        rate=len(arrivals) / max(1e-9, last_arrival - first_commit),
        p50=lags[len(lags) // 2] if lags else float("nan"),
        p99=lags[int(len(lags) * 0.99) - 1] if lags else float("nan"),
        drain_after_outage=drain,
    )


def run_database(vendor: str, args) -> list[Result]:
    """One child process per database (Django is configured once per process)."""
    workdir = Path(tempfile.mkdtemp(prefix="sb-streams-"))
    try:
        url = fresh_database(vendor, workdir)
        out = workdir / "results.json"
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                __file__,
                "--child",
                url,
                "--events",
                str(args.events),
                "--rate",
                str(args.rate),
                "--outage",
                str(args.outage),
                "--out",
                str(out),
            ],
            check=True,
        )
        return [Result(**r) for r in json.loads(out.read_text())]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def child(args) -> None:
    setup(args.child)
    from django.db import connection

    vendor = connection.vendor
    healthy = scenario("healthy", vendor, events=args.events, rate=args.rate, outage=0, first_id=1)
    print(f"{vendor} healthy done", flush=True)
    capacity = scenario(
        "backlog drain", vendor, events=args.events, rate=1e9, outage=0, first_id=args.events + 1, backlog=True
    )
    print(f"{vendor} backlog done", flush=True)
    outage = scenario(
        f"receiver down {args.outage:g} s",
        vendor,
        events=args.events,
        rate=args.rate,
        outage=args.outage,
        first_id=2 * args.events + 1,
    )
    print(f"{vendor} outage done", flush=True)
    Path(args.out).write_text(json.dumps([r.__dict__ for r in (healthy, capacity, outage)]))


def _verdict(r: Result) -> str:
    if r.drain_after_outage is not None:
        ok = r.lost == 0 and r.out_of_order == 0 and r.bad_signatures == 0
        return ("pass" if ok else "FAIL") + " (none lost, in order per SIM, backlog drains by itself)"
    if r.scenario == "backlog drain":
        ok = r.rate >= GOAL_RATE and r.lost == 0
        return ("pass" if ok else "FAIL") + f" (>= {GOAL_RATE:,} events/s delivered)"
    ok = r.p99 <= GOAL_P99 and r.lost == 0 and r.rate >= 0.95 * r.offered
    return ("pass" if ok else "FAIL") + f" (keeps up with what is offered, p99 <= {GOAL_P99:g} s)"


def table(results: list[Result], args) -> str:
    rows = [
        f"Data streams: {args.events:,} events per scenario, offered at up to {args.rate:,.0f}/s in transactions of "
        f"{BATCH}, to a signed webhook on loopback ({os.cpu_count()} CPUs shared by producer, worker, receiver and "
        "database)",
        "",
        f"{'database':<11}{'scenario':<22}{'offered/s':>10}{'delivered/s':>12}{'lag p50':>10}{'lag p99':>10}"
        f"{'lost':>6}{'repeated':>9}{'order':>6}{'bad sig':>8}{'drained':>9}  goal",
    ]
    for r in results:
        drained = "" if r.drain_after_outage is None else f"{r.drain_after_outage:.1f}s"
        offered = "-" if r.scenario == "backlog drain" else f"{r.offered:,.0f}"
        rows.append(
            f"{r.database:<11}{r.scenario:<22}{offered:>10}{r.rate:>12,.0f}{r.p50:>9.3f}s{r.p99:>9.3f}s{r.lost:>6}"
            f"{r.repeated:>9}{r.out_of_order:>6}{r.bad_signatures:>8}{drained:>9}  {_verdict(r)}"
        )
    rows += [
        "",
        "offered/s: what this one producer process managed to commit. delivered/s: records received / (last arrival",
        "- first commit), or / (last arrival - resume) for the backlog drain (all records queued while the stream was",
        "paused). lag: arrival - commit of the record's transaction. drained: last arrival after the receiver came",
        "back. order: records of a SIM that arrived after a later one of the same SIM (0: in order per SIM).",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=float(GOAL_RATE), help="events offered per second")
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the receiver is down")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    results = []
    for vendor in args.databases.split(","):
        results += run_database(vendor.strip(), args)
    print()
    print(table(results, args))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
