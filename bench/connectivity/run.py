"""Measure the SIM management operations on a generated fleet (generate.py) and print a table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_bench .venv/bin/python bench/connectivity/run.py

Requests go in-process through Django's test Client to the real URLs: routing, middleware, bearer-token
authentication (a token from the 1NCE token endpoint), the API and portal code, JSON and template rendering. No
network hop and no web server, so the numbers are the application's own time. Each operation runs --warmup times
unmeasured, then --iterations times with inputs drawn from random SIMs of the big customer; every response is
checked (status and content) so that a fast wrong answer cannot pass. The CSV export runs in a child process whose
peak RSS the parent reads with os.wait4, and is compared with COPY ... TO STDOUT of the same query.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from common import API_SECRET, API_USERNAME, BIG_CUSTOMER, OWNER_EMAIL, database_label, setup_django

SAMPLE = 300  # SIMs whose numbers and labels feed the searches
LIST_PAGE = 100  # the 1NCE maximum page size


@dataclass(frozen=True)
class Operation:
    name: str
    goal_ms: float | None  # p95 goal; None: reported only
    request: Callable[[int], object]  # iteration number → checked response


@dataclass(frozen=True)
class Timing:
    operation: Operation
    p50: float
    p95: float

    @property
    def verdict(self) -> str:
        if self.operation.goal_ms is None:
            return ""
        return "pass" if self.p95 <= self.operation.goal_ms else "FAIL"


class Bench:
    """The big customer's API client and owner, logged in once, and random SIMs of the customer as inputs."""

    def __init__(self, seed: int):
        from django.test import Client

        from switchboard.connectivity.models import Sim
        from switchboard.tenancy.models import ApiClient, Membership

        api_client = ApiClient.objects.select_related("organisation").get(
            name=API_USERNAME, organisation__company_name=BIG_CUSTOMER
        )
        self.organisation_id = api_client.organisation_id
        self.sim_count = Sim.objects.filter(organisation_id=self.organisation_id).count()
        self.api = Client()
        self.token = self._token(api_client.client_id)
        self.api_headers = {"Authorization": f"Bearer {self.token}"}
        owner = Membership.objects.select_related("user").get(
            user__email=OWNER_EMAIL, organisation_id=self.organisation_id
        )
        self.browser = Client()
        self.browser.force_login(owner.user)
        session = self.browser.session
        session["organisation_id"] = self.organisation_id
        session.save()
        rng = random.Random(seed)  # noqa: S311  (benchmark inputs, not secrets)
        last = Sim.objects.order_by("-id").values_list("id", flat=True).first() or 0
        candidates = rng.sample(range(1, last + 1), min(last, SAMPLE * 2))
        self.sims = list(
            Sim.objects.filter(organisation_id=self.organisation_id, id__in=candidates).exclude(label="")[:SAMPLE]
        )
        rng.shuffle(self.sims)  # they come in ICCID order, and early ICCIDs have the lowest label counters
        if not self.sims:
            sys.exit(f"{BIG_CUSTOMER} has no SIMs: run generate.py first.")

    def _token(self, client_id: str) -> str:
        credentials = base64.b64encode(f"{client_id}:{API_SECRET}".encode()).decode()
        response = self.api.post(
            "/management-api/oauth/token",
            {"grant_type": "client_credentials"},
            content_type="application/json",
            headers={"Authorization": f"Basic {credentials}"},
        )
        _expect(response.status_code == 200, f"token: {response.status_code} {response.content[:200]!r}")
        return response.json()["access_token"]

    def get(self, path: str, **params):
        response = self.api.get(path, params, headers=self.api_headers)
        _expect(response.status_code == 200, f"{path} {params}: {response.status_code} {response.content[:300]!r}")
        return response

    def sim(self, iteration: int):
        return self.sims[iteration % len(self.sims)]

    def search(self, text_of: Callable, field: str) -> Callable[[int], object]:
        """A native API search whose every hit must contain the text in `field` (prefix or substring)."""

        def request(iteration: int):
            text = text_of(self.sim(iteration))
            response = self.get("/api/v1/sims", search=text)
            found = response.json()
            _expect(found and int(response["X-Total-Count"]) >= len(found), f"search {text!r}: nothing found")
            _expect(all(text.upper() in str(s[field]).upper() for s in found), f"search {text!r}: a wrong hit")
            iccids = [s["iccid"] for s in found]
            _expect(iccids == sorted(iccids), f"search {text!r}: not in ICCID order")
            return response

        return request

    def sims_page(self, page: int, size: int) -> Callable[[int], object]:
        expected = max(0, min(size, self.sim_count - (page - 1) * size))

        def request(_iteration: int):
            response = self.get("/management-api/v1/sims", page=page, pageSize=size)
            _expect(len(response.json()) == expected, f"page {page}: {len(response.json())} SIMs, not {expected}")
            _expect(response["X-Total-Count"] == str(self.sim_count), f"page {page}: X-Total-Count wrong")
            return response

        return request

    def dashboard_page(self, _iteration: int):
        response = self.browser.get("/")
        _expect(response.status_code == 200 and b"<html" in response.content, f"dashboard: {response.status_code}")
        return response

    def dashboard_api(self, _iteration: int):
        response = self.get("/api/v1/dashboard")
        _expect(response.content.count(b"{") > 1, "dashboard: empty")
        return response

    def operations(self) -> list[Operation]:
        from django.db import connection

        search = 50 if connection.vendor == "postgresql" else None  # the issue sets the search goal on PostgreSQL
        last_page = math.ceil(self.sim_count / LIST_PAGE)
        deep = [Operation("1NCE sims page 10,000 (pageSize 10)", None, self.sims_page(10_000, 10))]
        return [
            Operation("search: ICCID prefix (16 digits)", search, self.search(lambda s: s.iccid[:16], "iccid")),
            Operation("search: ICCID prefix (15 digits)", search, self.search(lambda s: s.iccid[:15], "iccid")),
            Operation("search: IMSI prefix (12 digits)", search, self.search(lambda s: s.imsi[:12], "imsi")),
            Operation("search: MSISDN prefix (12 digits)", search, self.search(lambda s: s.msisdn[:12], "msisdn")),
            Operation(
                "search: label part 'Kiel-0012'", search, self.search(lambda s: _label_part(s.label, 2), "label")
            ),
            Operation("search: label part 'Meter-Kiel-00123'", search, self.search(lambda s: s.label[:-1], "label")),
            Operation("dashboard: portal page", 150, self.dashboard_page),
            Operation("dashboard: GET /api/v1/dashboard", 150, self.dashboard_api),
            Operation(f"1NCE sims page 1 (pageSize {LIST_PAGE})", None, self.sims_page(1, LIST_PAGE)),
            *(deep if self.sim_count > 99_990 else []),  # past the end of a smaller fleet
            Operation(
                f"1NCE sims page {last_page:,} (the last, pageSize {LIST_PAGE})",
                None,
                self.sims_page(last_page, LIST_PAGE),
            ),
        ]


def _label_part(label: str, cut: int) -> str:
    """'Meter-Kiel-000123' → 'Kiel-0001' (cut=2): the city and the counter without its last digits."""
    return label.split("-", 1)[1][:-cut]


def _expect(condition: object, message: str) -> None:
    if not condition:
        raise SystemExit(f"check failed, the measurement would be meaningless: {message}")


def measure(operation: Operation, *, warmup: int, iterations: int) -> Timing:
    for i in range(warmup):
        operation.request(i)
    elapsed = []
    for i in range(iterations):
        started = time.perf_counter()
        operation.request(warmup + i)
        elapsed.append((time.perf_counter() - started) * 1000)
    elapsed.sort()
    return Timing(operation, statistics.median(elapsed), elapsed[math.ceil(0.95 * len(elapsed)) - 1])


def export_child(runs: int) -> None:
    """In the child: download the CSV export `runs` times through the API and report rows and seconds as JSON.
    The token comes from the parent (the token endpoint's Argon2 check of the client secret alone peaks at 100 MB),
    on stdin when the parent is ready; an empty line means no export is wanted."""
    token = sys.stdin.readline().strip()
    if not token:
        return
    setup_django()
    from django.test import Client

    api, headers = Client(), {"Authorization": f"Bearer {token}"}
    api.get("/api/v1/limit-steps", headers=headers)  # load the URLs and the API before the baseline
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        response = api.get("/api/v1/sims/export", {"format": "csv"}, headers=headers)
        _expect(response.status_code == 200 and response.streaming, f"export: {response.status_code}")
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        response.close()
        results.append({"rows": lines - 1, "bytes": size, "seconds": time.perf_counter() - started})
    print(json.dumps({"baseline_kb": baseline_kb, "runs": results}))


class ExportChild:
    """The exporting process, started before this one loads Django: Linux carries the RSS high-water mark of the
    process that forks into the child's rusage, so a large parent would inflate the child's peak."""

    def __init__(self, runs: int):
        self.process = subprocess.Popen(  # noqa: S603  (this very script, with a fixed flag)
            [sys.executable, str(Path(__file__).resolve()), "--export-child", "--export-runs", str(runs)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def run(self, token: str) -> tuple[dict, int]:
        """The export's timings, and the child's peak RSS in kB (os.wait4: that child's rusage alone)."""
        output, usage = self._finish(token)
        return json.loads(output.decode().strip().splitlines()[-1]), usage.ru_maxrss

    def cancel(self) -> None:
        self._finish("")

    def _finish(self, token: str):
        self.process.stdin.write(f"{token}\n".encode())
        self.process.stdin.close()
        output = self.process.stdout.read()
        _pid, status, usage = os.wait4(self.process.pid, 0)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        _expect(self.process.returncode == 0, f"export child exited with {self.process.returncode}")
        return output, usage


def baseline_rows_per_second(organisation_id: int, runs: int) -> tuple[str, float]:
    """The same query as the export, written out as CSV by the database itself (COPY) on PostgreSQL; SQLite has no
    COPY, so there it is a raw cursor written by the csv module."""
    import csv
    import io

    from django.db import connection

    from switchboard.connectivity import selectors
    from switchboard.tenancy.models import ApiClient
    from switchboard.tenancy.selectors import principal_for_api_client

    client = ApiClient.objects.get(name=API_USERNAME, organisation_id=organisation_id)
    query = selectors.sims_list(principal=principal_for_api_client(client)).values_list(*selectors.EXPORT_COLUMNS)
    sql, params = query.query.sql_with_params()
    rates = []
    connection.ensure_connection()
    for _ in range(runs):
        rows = 0
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
            with connection.connection.cursor() as cursor, cursor.copy(statement, params) as copy:
                for block in copy:
                    rows += bytes(block).count(b"\n")
            method = "COPY ... TO STDOUT (FORMAT csv)"
        else:
            sink = csv.writer(io.StringIO())
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                for row in cursor:
                    sink.writerow(row)
                    rows += 1
            method = "raw cursor + csv module (SQLite has no COPY)"
        rates.append(rows / (time.perf_counter() - started))
    return method, statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=50, help="measured requests per operation")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests per operation first")
    parser.add_argument("--export-runs", type=int, default=3, help="CSV downloads (median rows/s, peak RSS)")
    parser.add_argument("--only", default="", help="run the operations whose name contains this text")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--export-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args.export_runs)
        return
    child = ExportChild(args.export_runs)
    try:
        report(args, child)
    finally:
        if child.process.returncode is None:
            child.cancel()


def report(args: argparse.Namespace, child: ExportChild) -> None:
    setup_django()
    import django

    bench = Bench(args.seed)
    print(f"{datetime.now():%Y-%m-%d %H:%M}  {database_label()}  Django {django.get_version()}  {os.cpu_count()} CPUs")
    print(f"{BIG_CUSTOMER}: {bench.sim_count:,} SIMs; {args.iterations} iterations after {args.warmup} warm-up")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print(f"{'operation':<48} {'p50 ms':>8} {'p95 ms':>8} {'goal p95':>9}  result")
    wanted = [o for o in bench.operations() if args.only.lower() in o.name.lower()]
    for operation in wanted:
        timing = measure(operation, warmup=args.warmup, iterations=args.iterations)
        goal = f"≤ {operation.goal_ms:.0f} ms" if operation.goal_ms else "—"
        print(f"{operation.name:<48} {timing.p50:>8.1f} {timing.p95:>8.1f} {goal:>9}  {timing.verdict}", flush=True)
    if args.only.lower() not in "export csv":  # --only picked table rows alone
        return

    exported, peak_kb = child.run(bench.token)
    best = statistics.median(r["rows"] / r["seconds"] for r in exported["runs"])
    rows = exported["runs"][0]["rows"]
    _expect(rows == bench.sim_count, f"export: {rows} rows, not {bench.sim_count}")
    method, baseline = baseline_rows_per_second(bench.organisation_id, args.export_runs)
    ratio = best / baseline
    print(f"\nexport CSV via GET /api/v1/sims/export: {rows:,} rows, median {best:,.0f} rows/s")
    print(f"baseline, {method}: median {baseline:,.0f} rows/s")
    if method.startswith("COPY"):
        print(f"ratio {ratio:.0%} (goal ≥ 50 % of COPY)  {'pass' if ratio >= 0.5 else 'FAIL'}")
    else:
        print(f"ratio {ratio:.0%} (the goal is set against COPY, on PostgreSQL)")
    peak_mb, baseline_mb = peak_kb / 1024, exported["baseline_kb"] / 1024
    verdict = "pass" if peak_mb <= 200 else "FAIL"
    print(f"peak RSS of the exporting process {peak_mb:.0f} MB (before the export {baseline_mb:.0f} MB)", end="")
    print(f"; goal ≤ 200 MB  {verdict}")


if __name__ == "__main__":
    main()
