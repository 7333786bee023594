"""Switchboard's RADIUS AAA against FreeRADIUS 3.2 + rlm_sql on PostgreSQL: one run on this machine, one table.

    .venv/bin/python bench/aaa/run.py                                   # about 3 minutes, as root
    .venv/bin/python bench/aaa/run.py --sims 2000 --requests 5000 --no-sqlite   # a quick look

Same machine, same PostgreSQL, same load generator (`switchboard simulate --load`), same SIMs and shared secret for
every server: FreeRADIUS (radcheck `Auth-Type := Accept` and a radreply Framed-IP-Address per IMSI, stock
accounting into radacct), `switchboard radius` on PostgreSQL and on SQLite, and a server that answers at once (what
the generator can reach). They take turns on four workloads: Interim-Updates and Access-Requests as fast as they
are answered (closed loop), then each kind at a fixed offered rate for latency. After every accounting run the
stores must have grown by exactly the bytes the simulator sent, and no Access-Request may have been refused. Every
database, directory and process made here is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import freeradius
import psycopg

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-aaa-pgw-shared-secret"  # noqa: S105  (a throw-away client of throw-away servers)
BYTES_PER_INTERIM = 3000  # `simulate --load acct` adds 1,500 octets up and 1,500 down per Interim-Update
POSTGRES = "postgresql://postgres@127.0.0.1:5432/"
SERVER_READY = "RADIUS server ready"
CEILING = "no-DB ceiling"
RADACCT_OCTETS = "SELECT SUM(acctinputoctets + acctoutputoctets) FROM radacct"  # cumulative per session
RADPOSTAUTH_REFUSED = "SELECT COUNT(*) FROM radpostauth WHERE reply <> 'Access-Accept'"


@dataclass(frozen=True)
class Workload:
    key: str
    kind: str  # auth | acct
    requests: int
    devices: int
    rate: float | None = None  # None: closed loop


@dataclass
class Target:
    """A server under test, and how to read back what it stored."""

    name: str
    env: dict[str, str]  # the simulator's environment: its devices come from this Switchboard database
    auth_port: int
    acct_port: int
    usage: Callable[[], dict[str, int]] | None  # stored byte totals, by where they are kept (None: stores nothing)
    refusals: Callable[[], int]  # Access-Requests refused so far
    keeps_last_report: bool = False  # stores a session's last reported totals instead of adding each report's delta
    results: dict[str, dict] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# -- databases


def admin(sql: str) -> None:
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as db:
        db.execute(sql)


def create_database(name: str, stack: ExitStack) -> str:
    admin(f'CREATE DATABASE "{name}"')
    stack.callback(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return POSTGRES + name


def scalar(url: str, sql: str) -> int:
    """One number from a Switchboard or radius database (PostgreSQL URL or an SQLite file)."""
    if url.startswith("postgresql://"):
        with psycopg.connect(url) as db:
            return int(db.execute(sql).fetchone()[0] or 0)
    with closing(sqlite3.connect(url)) as db:
        return int(db.execute(sql).fetchone()[0] or 0)


def switchboard_usage(url: str) -> Callable[[], dict[str, int]]:
    def usage() -> dict[str, int]:
        return {
            "daily usage": scalar(url, "SELECT SUM(data_rx + data_tx) FROM connectivity_dailyusage"),
            "quota used": scalar(url, "SELECT SUM(data_total - data_remaining) FROM connectivity_sim"),
            "month counters": scalar(url, "SELECT SUM(month_data) FROM connectivity_sim"),
            "session counters": scalar(url, "SELECT SUM(input_octets + output_octets) FROM aaa_session"),
        }

    return usage


def switchboard_refusals(url: str) -> Callable[[], int]:
    # SimEventType.PDP_CONTEXT_REFUSED: every refusal is stored as a SIM event with its cause.
    return lambda: scalar(url, "SELECT COUNT(*) FROM connectivity_simevent WHERE type = 6")


def subscribers(url: str) -> list[tuple[str, str]]:
    """The SIMs the simulator will use (delivered, enabled, in id order), with their static addresses."""
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT imsi, host(ip_address) FROM connectivity_sim"
            " WHERE status = 'Enabled' AND activation_date IS NOT NULL ORDER BY id"
        ).fetchall()
    missing = [imsi for imsi, address in rows if not address]
    if missing:
        raise RuntimeError(f"{len(missing)} SIMs have no static address (e.g. {missing[0]})")
    return rows


# -- Switchboard


def switchboard_env(*, data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SWITCHBOARD_DATA_DIR", "SECRET_KEY")}
    env["SWITCHBOARD_DATA_DIR"] = str(data_dir)  # holds the secret key (NAS secrets are encrypted with it)
    env["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def port_options(auth_port: int, acct_port: int) -> list[str]:
    return ["--auth-port", str(auth_port), "--acct-port", str(acct_port)]


def switchboard(*args: str) -> list[str]:
    return [sys.executable, "-m", "switchboard", *args]


def seed(env: dict[str, str], sims: int) -> None:
    """Migrate and fill a fresh database (in a child process: each database needs its own Django settings)."""
    began = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "seed", "--sims", str(sims)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    say(f"  {done.stdout.strip().splitlines()[-1]} in {time.perf_counter() - began:.0f} s")


def seed_here(sims: int) -> None:
    """The benchmark tenant: an operator with one customer, the customer's SIMs delivered (enabled, lifetime and
    the plan's 500 MB ahead, a static address from the customer's pool), and a RADIUS client 127.0.0.1/32.

    The organisations, the RADIUS client and the SIMs (a vendor CSV import) go through the services; delivery is
    the field changes of `inventory.activate` in one UPDATE, without its per-SIM save and event (20 s per 10,000
    SIMs)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switchboard.config.settings")
    import django

    django.setup()
    from dateutil.relativedelta import relativedelta
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from switchboard.aaa.services import NasClientChange, nas_client_create
    from switchboard.connectivity.contracts import SimStatus
    from switchboard.connectivity.models import Sim
    from switchboard.connectivity.services import addressing, inventory, quotas
    from switchboard.connectivity.services.seeding import vendor_csv
    from switchboard.tenancy import selectors as tenancy
    from switchboard.tenancy import services as organisations
    from switchboard.tenancy.contracts import AddressData

    call_command("migrate", interactive=False, verbosity=0)
    operator = tenancy.principal_for_membership(
        organisations.organisation_create_root(
            company_name="Benchmark Operator",
            invoice_email="billing@operator.bench.test",
            owner_email="owner@operator.bench.test",
            owner_first_name="Olga",
            owner_last_name="Operator",
        )
    )
    customer = organisations.organisation_create_child(
        principal=operator,
        kind="customer",
        company_name="Benchmark Fleet GmbH",
        invoice_email="billing@fleet.bench.test",
        owner_email="owner@fleet.bench.test",
        owner_first_name="Frida",
        owner_last_name="Fleet",
        billing_address=AddressData(
            name="Benchmark Fleet GmbH", street="Hafenweg 1", postal_code="20457", city="Hamburg", country="DE"
        ),
    )
    nas_client_create(
        principal=operator, change=NasClientChange(name="Benchmark PGW", network="127.0.0.1/32", secret=SECRET)
    )
    job = inventory.sim_import_start(principal=operator, file_name="bench.csv", content=vendor_csv(1, sims))
    job = inventory.sim_import_run(import_id=job.pk)
    if job.imported != sims:
        raise RuntimeError(f"the import took {job.imported} of {sims} SIMs: {job.error} {job.rejected[:3]}")
    fields = [
        "organisation_id", "activation_date", "lifetime_end", "status", "updated_at",
        *(f"{kind}_{name}" for kind in ("data", "sms") for name in (
            "total", "remaining", "last_added", "status", "status_changed_at", "threshold_at", "exhausted_at"
        )),
    ]  # fmt: skip
    with transaction.atomic():
        stock = list(Sim.objects.select_related("plan").filter(organisation_id=operator.organisation_id))
        addressing.assign_addresses(stock, customer.pk)
        if len({sim.plan_id for sim in stock}) != 1:
            raise RuntimeError("the imported SIMs should all have the default plan")
        sim, now = stock[0], timezone.now()  # the SIMs differ only in their numbers: one stands for all
        sim.organisation_id, sim.status = customer.pk, SimStatus.ENABLED
        sim.activation_date = sim.updated_at = now
        sim.lifetime_end = now + relativedelta(months=sim.plan.lifetime_months)
        quotas.renew(sim, data=sim.plan.data_bytes, sms=sim.plan.sms, at=now)
        Sim.objects.filter(organisation_id=operator.organisation_id).update(**{f: getattr(sim, f) for f in fields})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded {connection.vendor}: {len(stock):,} delivered SIMs, RADIUS client 127.0.0.1/32")


@contextmanager
def serving(command: list[str], env: dict[str, str], logs: Path) -> Iterator[int]:
    """A server process until the block ends, from the moment it prints SERVER_READY; yields its PID and stops it
    by that PID (SIGTERM, then SIGKILL) whatever happens."""
    logs.mkdir(exist_ok=True)
    stdout, stderr = logs / "stdout.log", logs / "stderr.log"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=ROOT, stdout=out, stderr=err, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            while SERVER_READY not in stdout.read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{' '.join(command)} did not start:\n{stderr.read_text()[-3000:]}")
                time.sleep(0.1)
            yield process.pid
        finally:
            freeradius.stop(process)


def null_server_here(auth_port: int, acct_port: int) -> None:
    """A RADIUS server that answers every request at once and stores nothing: the most the load generator can
    drive on this machine, to read the other columns against. It checks and decides nothing, and its sockets get
    a receive buffer large enough for any burst, so that it measures the generator and not its own drops."""
    import asyncio

    from switchboard.aaa import codec

    secret = SECRET.encode()

    class Answer(asyncio.DatagramProtocol):
        def __init__(self, code: int):
            self.code = code

        def connection_made(self, transport) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr) -> None:
            self.transport.sendto(codec.reply_packet(codec.decode(data), self.code, [], secret), addr)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for port, code in ((auth_port, codec.Code.ACCESS_ACCEPT), (acct_port, codec.Code.ACCOUNTING_RESPONSE)):
            transport, _ = await loop.create_datagram_endpoint(
                lambda code=code: Answer(code), local_addr=("127.0.0.1", port)
            )
            transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        print(f"{SERVER_READY}: answering at once on 127.0.0.1:{auth_port}/{acct_port}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


# -- load and checks


def simulate(target: Target, workload: Workload, concurrency: int) -> dict:
    args = [
        "simulate", "--server", "127.0.0.1", *port_options(target.auth_port, target.acct_port),
        "--secret", SECRET, "--devices", str(workload.devices),
        "--load", workload.kind, "--requests", str(workload.requests), "--concurrency", str(concurrency),
    ]  # fmt: skip
    if workload.rate:
        args += ["--rate", str(workload.rate)]
    began = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        switchboard(*args), env=target.env, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the simulator failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return {**json.loads(lines[-1]), "wall_seconds": time.perf_counter() - began}


def measure(target: Target, workload: Workload, concurrency: int) -> None:
    usage_before = target.usage() if target.usage is not None else {}
    ports = (target.auth_port, target.acct_port)
    refused_before, drops_before = target.refusals(), udp_drops(*ports)
    result = simulate(target, workload, concurrency)
    result["udp_drops"] = udp_drops(*ports) - drops_before
    target.results[workload.key] = result
    say(
        f"  {target.name:<19}{result['answered']:>7,} answered, {result['lost']:,} lost, "
        f"{result['per_second']:>8,.1f}/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms"
    )
    if workload.kind == "acct" and target.usage is not None:
        check_usage(target, workload, result, usage_before, target.usage())
    refused = target.refusals() - refused_before
    if refused:
        target.failures.append(f"{workload.key}: {refused:,} Access-Requests refused")


def udp_drops(*ports: int) -> int:
    """Datagrams the kernel dropped at the sockets on these local ports because their receive buffer was full: each
    costs the simulator a retransmission one second later, which shows in p99 and in the closed-loop rate."""
    wanted = {f"{port:04X}" for port in ports}
    rows = [line.split() for line in Path("/proc/net/udp").read_text().splitlines()[1:]]
    return sum(int(row[-1]) for row in rows if row[1].rsplit(":", 1)[1] in wanted)


def check_usage(target: Target, workload: Workload, result: dict, before: dict, after: dict) -> None:
    """Acknowledged means counted: each store must have grown by exactly the bytes the simulator sent. With lost
    requests the exact figure is unknown (the last report of a session may or may not have been committed).

    A store that keeps the totals of the last report it got (radacct) falls short when a retransmitted older
    Interim-Update arrives after a newer one of the same session: noted, but only the stores that count each
    report's delta (Switchboard's) fail the run."""
    sent = workload.requests * BYTES_PER_INTERIM
    least = (workload.requests - result["lost"]) * BYTES_PER_INTERIM
    grown = {name: after[name] - before[name] for name in after}
    listed = ", ".join(f"{name} +{amount:,}" for name, amount in grown.items())
    expected = f"{sent:,} bytes" if least == sent else f"{least:,} to {sent:,} bytes ({result['lost']:,} lost)"
    line = f"{workload.key}: {workload.requests:,} interims sent = {expected}; {listed}"
    if all(least <= g <= sent for g in grown.values()):
        target.checks.append(f"{line}: {'exact' if least == sent else 'in range'}")
    elif target.keeps_last_report and all(g <= sent for g in grown.values()):
        target.checks.append(f"{line}: short (totals of the last report kept; a late retransmission sets them back)")
    else:
        target.checks.append(f"{line}: WRONG")
        target.failures.append(f"{line}: WRONG")


def radclient_check(target: Target, imsi: str, address: str) -> None:
    """One PGW-like Access-Request from FreeRADIUS's own client: Access-Accept with the SIM's address, or stop."""
    request = (
        f'User-Name = "{imsi}", User-Password = "sim", Service-Type = Framed-User, '
        f'Called-Station-Id = "iot.switchboard.net", 3GPP-IMSI = "{imsi}", 3GPP-RAT-Type = EUTRAN, '
        f'3GPP-IMEISV = "3520990017614823", Message-Authenticator = 0x00\n'
    )
    done = subprocess.run(  # noqa: S603
        ["radclient", "-x", "-r", "2", "-t", "3", f"127.0.0.1:{target.auth_port}", "auth", SECRET],  # noqa: S607
        input=request,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if "Received Access-Accept" not in done.stdout or f"Framed-IP-Address = {address}" not in done.stdout:
        raise RuntimeError(f"{target.name} did not accept {imsi} with {address}:\n{done.stdout}{done.stderr}")
    target.checks.append(f"radclient: Access-Accept for {imsi} with Framed-IP-Address = {address}")


# -- the run


def free_ports(*preferred: int) -> list[int]:
    """The preferred UDP ports on 127.0.0.1 if they are free, otherwise ones the kernel picks: another server on
    the preferred ports would otherwise answer our load."""
    chosen = []
    for port in preferred:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                probe.bind(("127.0.0.1", 0))
            chosen.append(probe.getsockname()[1])
    return chosen


def workloads(args: argparse.Namespace) -> list[Workload]:
    at_rate = round(args.rate * args.rate_seconds)
    latency_devices = min(args.sims, args.latency_devices)
    return [
        Workload("acct", "acct", args.requests, args.sims),
        Workload("acct@rate", "acct", at_rate, latency_devices, args.rate),
        Workload("auth", "auth", args.auth_requests, args.sims),
        Workload("auth@rate", "auth", at_rate, latency_devices, args.rate),
    ]


def run(args: argparse.Namespace, stack: ExitStack, work: Path) -> list[Target]:
    """Prepare every server, start them all, then run each workload against each server in turn: the machine's
    other load drifts, and taking turns exposes every server to the same drift."""
    suffix = f"{os.getpid()}_{int(time.time())}"

    say(f"Switchboard database on PostgreSQL, {args.sims:,} SIMs")
    pg_url = create_database(f"bench_aaa_switchboard_{suffix}", stack)
    pg_env = switchboard_env(data_dir=work / "switchboard-pg", database_url=pg_url)
    seed(pg_env, args.sims)
    sims = subscribers(pg_url)
    backends = [("Switchboard PG", pg_env, pg_url, 21812)]
    if args.sqlite:
        say(f"Switchboard database on SQLite, {args.sims:,} SIMs")
        sqlite_dir = work / "switchboard-sqlite"
        sqlite_env = switchboard_env(data_dir=sqlite_dir, database_url=None)
        seed(sqlite_env, args.sims)
        backends.append(("Switchboard SQLite", sqlite_env, str(sqlite_dir / "switchboard.sqlite3"), 21822))

    say(f"FreeRADIUS {freeradius.version()}: radius database and private configuration")
    radius_url = create_database(f"bench_aaa_radius_{suffix}", stack)
    conninfo = f"host=127.0.0.1 port=5432 user=postgres dbname={radius_url.rsplit('/', 1)[1]}"
    freeradius.prepare_database(conninfo, sims, gpp_columns=args.freeradius_3gpp)
    setup = freeradius.Setup(
        work / "freeradius", *free_ports(11812, 11813), SECRET, conninfo, gpp_columns=args.freeradius_3gpp
    )
    setup.directory.mkdir()
    freeradius.configure(setup)
    reference = Target(
        "FreeRADIUS+SQL",
        pg_env,
        setup.auth_port,
        setup.acct_port,
        usage=lambda: {"radacct octets": scalar(radius_url, RADACCT_OCTETS)},
        refusals=lambda: scalar(radius_url, RADPOSTAUTH_REFUSED),
        keeps_last_report=True,  # the stock interim-update query sets radacct's octets to the reported totals
    )
    process = stack.enter_context(freeradius.running(setup))
    say(f"{reference.name}: freeradius -f (PID {process.pid}) on 127.0.0.1:{setup.auth_port}/{setup.acct_port}")
    radclient_check(reference, *sims[0])
    targets = [reference]

    for name, env, url, port in backends:
        target = Target(name, env, *free_ports(port, port + 1), switchboard_usage(url), switchboard_refusals(url))
        command = switchboard("radius", "--bind", "127.0.0.1", *port_options(target.auth_port, target.acct_port))
        pid = stack.enter_context(serving(command, env, work / name.replace(" ", "-").lower()))
        say(f"{name}: switchboard radius (PID {pid}) on 127.0.0.1:{target.auth_port}/{target.acct_port}")
        radclient_check(target, *sims[0])
        targets.append(target)
    if args.ceiling:
        target = Target(CEILING, pg_env, *free_ports(31812, 31813), usage=None, refusals=lambda: 0)
        command = [sys.executable, __file__, "null-server", *port_options(target.auth_port, target.acct_port)]
        pid = stack.enter_context(serving(command, pg_env, work / "null-server"))
        say(f"{CEILING}: a server that answers at once (PID {pid}) on 127.0.0.1:{target.auth_port}/{target.acct_port}")
        targets.append(target)

    for workload in workloads(args):
        pace = f"at {workload.rate:,.0f}/s" if workload.rate else f"closed loop, {args.concurrency} in flight"
        say(f"{workload.key}: {workload.requests:,} requests over {workload.devices:,} SIMs, {pace}")
        for target in targets:
            if target.name != CEILING or workload.rate is None:  # the ceiling is a throughput figure
                measure(target, workload, args.concurrency)

    if args.freeradius_3gpp:
        sessions = scalar(radius_url, "SELECT COUNT(*) FROM radacct")
        without = scalar(radius_url, "SELECT COUNT(*) FROM radacct WHERE imsi IS NULL OR uli IS NULL")
        reference.checks.append(f"radacct: {sessions:,} sessions, {without:,} without their 3GPP columns filled")
        if without:
            reference.failures.append(f"{without:,} radacct rows without IMSI or ULI")
    return targets


# -- the table


def machine() -> str:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    with psycopg.connect(POSTGRES + "postgres") as db:
        postgres = db.execute("SHOW server_version").fetchone()[0]
    return (
        f"{os.cpu_count()} CPUs ({cpu.group(1).strip() if cpu else 'unknown'}), "
        f"{int(memory.group(1)) / 1024**2:.0f} GB RAM; PostgreSQL {postgres.split()[0]}, "
        f"FreeRADIUS {freeradius.version()}, Python {platform.python_version()}"
    )


def table(targets: list[Target], args: argparse.Namespace) -> str:
    by_name = {t.name: t for t in targets}
    reference, switchboard_pg = by_name["FreeRADIUS+SQL"], by_name["Switchboard PG"]
    others = [by_name.get("Switchboard SQLite"), by_name.get(CEILING)]
    at = f"at {args.rate:,.0f}/s"
    rows = [
        ("Accounting Interim-Update/s acknowledged", "acct", "per_second", False),
        ("Access-Request/s answered", "auth", "per_second", False),
        (f"Interim-Update p50 ms {at}", "acct@rate", "p50_ms", True),
        (f"Interim-Update p99 ms {at}", "acct@rate", "p99_ms", True),
        (f"Access-Request p50 ms {at}", "auth@rate", "p50_ms", True),
        (f"Access-Request p99 ms {at}", "auth@rate", "p99_ms", True),
        (f"  (answered/s in the Interim-Update run {at})", "acct@rate", "per_second", None),
        (f"  (answered/s in the Access-Request run {at})", "auth@rate", "per_second", None),
    ]
    widths = (52, 15, 16, 8, 20, 15)
    heads = ("workload", "FreeRADIUS+SQL", "Switchboard PG", "ratio", "Switchboard SQLite", CEILING)

    def line(cells) -> str:
        return f"{cells[0]:<{widths[0]}}" + "".join(f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:], strict=True))

    def cell(target: Target | None, key: str, metric: str) -> str:
        found = target.results.get(key) if target else None
        return f"{found[metric]:,.1f}" if found else "—"

    lines = [line(heads), "-" * sum(widths)]
    for label, key, metric, lower_is_better in rows:
        fr, pg = reference.results[key][metric], switchboard_pg.results[key][metric]
        ratio = f"{(fr / pg if lower_is_better else pg / fr):.2f}x" if lower_is_better is not None and fr and pg else ""
        lines.append(
            line((label, cell(reference, key, metric), cell(switchboard_pg, key, metric), ratio,
                  *(cell(t, key, metric) for t in others)))
        )  # fmt: skip

    def lost(target: Target | None) -> str:
        if target is None:
            return "—"
        runs = target.results.values()
        return f"{sum(r['lost'] for r in runs):,} of {sum(r['requests'] for r in runs):,}"

    def drops(target: Target | None) -> str:
        return f"{sum(r['udp_drops'] for r in target.results.values()):,}" if target else "—"

    counts = (("requests lost (no answer after retries)", lost), ("dropped: server socket buffer full", drops))
    for label, count in counts:
        lines.append(line((label, count(reference), count(switchboard_pg), "", *map(count, others))))
    return "\n".join(lines)


def untimed_starts(targets: list[Target]) -> str:
    return ", ".join(
        f"{t.name} {t.results['acct']['wall_seconds'] - t.results['acct']['seconds']:.1f} s" for t in targets
    )


def report(targets: list[Target], args: argparse.Namespace, started: datetime, load: tuple[float, ...]) -> str:
    reference, switchboard_pg = targets[0], targets[1]
    goals = []
    for label, key in (("accounting", "acct"), ("authorisation", "auth")):
        ratio = switchboard_pg.results[key]["per_second"] / max(reference.results[key]["per_second"], 1e-9)
        goals.append(f"{label} {ratio:.2f}x ({'pass' if ratio >= 5 else 'FAIL'})")
    out = [
        "",
        f"AAA benchmark {started:%Y-%m-%d %H:%M} UTC: {args.sims:,} SIMs; closed loop {args.requests:,} "
        f"Interim-Updates and {args.auth_requests:,} Access-Requests with {args.concurrency} in flight; latency "
        f"{round(args.rate * args.rate_seconds):,} requests at {args.rate:,.0f}/s over "
        f"{min(args.sims, args.latency_devices):,} SIMs. Ratio: throughput Switchboard PG / FreeRADIUS, latency "
        f"FreeRADIUS / Switchboard PG (above 1: Switchboard better). {CEILING}: the load generator against a server "
        "that answers at once and stores nothing.",
        "",
        table(targets, args),
        "",
        f"goal >= 5x FreeRADIUS (Switchboard PG): {'; '.join(goals)}",
        "FreeRADIUS: -f threaded, stock thread and SQL pools (5 to 32), stock authorize/accounting/post-auth "
        f"(detail file, radpostauth row); 3GPP columns and their UPDATE {'on' if args.freeradius_3gpp else 'off'}",
        f"the {args.sims:,} Accounting-Starts before the closed-loop accounting run, which the simulator does not time"
        f" (the run's wall time less its timed part; the {CEILING} figure is the simulator's own start and share):"
        f" {untimed_starts(targets)}",
        f"machine: {machine()}; load average {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after",
        "",
        "checks:",
    ]
    for target in targets:
        out += [f"  {target.name}: {line}" for line in target.checks]
    failures = [f"{t.name}: {line}" for t in targets for line in t.failures]
    out += ["", "FAILED CHECKS:", *(f"  {line}" for line in failures)] if failures else ["", "all checks passed"]
    return "\n".join(out)


def inner_command() -> bool:
    """The child processes this script starts of itself: `seed` (in a database's environment) and `null-server`."""
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    parser = argparse.ArgumentParser(prog=f"run.py {command}")
    if command == "seed":
        parser.add_argument("--sims", type=int, required=True)
        seed_here(parser.parse_args(sys.argv[2:]).sims)
        return True
    if command == "null-server":
        parser.add_argument("--auth-port", type=int, required=True)
        parser.add_argument("--acct-port", type=int, required=True)
        ports = parser.parse_args(sys.argv[2:])
        null_server_here(ports.auth_port, ports.acct_port)
        return True
    return False


def main() -> int:
    if inner_command():
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sims", type=int, default=10_000, help="SIMs (devices) for every server (default 10,000)")
    parser.add_argument("--requests", type=int, default=20_000, help="Interim-Updates, closed loop (default 20,000)")
    parser.add_argument("--auth-requests", type=int, default=10_000, help="Access-Requests, closed loop")
    parser.add_argument("--concurrency", type=int, default=200, help="requests in flight in the closed loop")
    parser.add_argument("--rate", type=float, default=1000, help="offered requests/s of the latency runs")
    parser.add_argument("--rate-seconds", type=float, default=5, help="length of each latency run")
    parser.add_argument(
        "--latency-devices", type=int, default=2000,
        help="SIMs of the latency runs (each accounting run first opens a session per SIM, untimed)",
    )  # fmt: skip
    parser.add_argument("--freeradius-3gpp", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True, help="Switchboard on SQLite")
    parser.add_argument(
        "--ceiling", action=argparse.BooleanOptionalAction, default=True,
        help="also drive a server that answers at once: what the load generator can reach here",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the working directory (logs, configuration)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        parser.error("run as root: FreeRADIUS starts as root and drops to the freerad user")
    for tool in (freeradius.BINARY, "radclient"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is missing: apt-get install freeradius freeradius-utils freeradius-postgresql")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the clean-up below runs on SIGTERM too
    started, load = datetime.now(UTC), os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-aaa-"))
    work.chmod(0o755)  # FreeRADIUS runs as freerad and reads its configuration in here
    failed = True
    try:
        with ExitStack() as stack:
            targets = run(args, stack, work)
            say("stopping; dropping the databases")
        print(report(targets, args, started, load))
        failed = any(t.failures for t in targets)
    finally:
        if failed or args.keep:
            print(f"logs and configuration kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
