"""Fill a freshly migrated database with a SIM fleet for the SIM management benchmark.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_bench .venv/bin/python bench/connectivity/generate.py
    DATABASE_URL=sqlite:////tmp/sb_bench.sqlite3 .venv/bin/python bench/connectivity/generate.py --sims 100000

The fleet: an operator with SIMs in stock, one big customer holding most SIMs (with a sub-organisation) and a few
smaller customers, in blocks of consecutive ICCIDs as SIM vendors deliver them. Every activated SIM has usage on
--usage-days days of the last year, and everything derived from usage agrees with the daily rows: the quotas
(used = total - remaining), the volume groups, the SIM's counters for its last month of use, and the organisations'
monthly totals. PostgreSQL is filled with COPY into bare tables (secondary indexes and foreign keys are dropped
first and rebuilt at the end), SQLite with executemany in large transactions.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from common import API_SECRET, API_USERNAME, BIG_CUSTOMER, OWNER_EMAIL, database_label, setup_django, timed

SIM_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "organisation_id",
    "plan_id",
    "iccid",
    "iccid_with_luhn",
    "imsi",
    "imsi_2",
    "msisdn",
    "imei",
    "imei_lock",
    "label",
    "status",
    "form_factor",
    "activation_date",
    "lifetime_end",
    "ip_address",
    "data_total",
    "data_remaining",
    "data_last_added",
    "data_status",
    "data_status_changed_at",
    "data_threshold_at",
    "data_exhausted_at",
    "sms_total",
    "sms_remaining",
    "sms_last_added",
    "sms_status",
    "sms_status_changed_at",
    "sms_threshold_at",
    "sms_exhausted_at",
    "usage_month",
    "month_data",
    "month_sms_mo",
    "month_sms_mt",
)
USAGE_COLUMNS = ("sim_id", "date", "organisation_id", "data_rx", "data_tx", "sms_mo", "sms_mt")
CONNECTIVITY_COLUMNS = (
    "sim_id",
    "status",
    "operator",
    "mcc",
    "mnc",
    "country",
    "rat",
    "ip_address",
    "apn",
    "session_id",
    "session_started_at",
    "nas",
    "location",
    "last_updated",
    "attached_at",
)
TABLES = {
    "sim": ("connectivity_sim", SIM_COLUMNS),
    "usage": ("connectivity_dailyusage", USAGE_COLUMNS),
    "connectivity": ("connectivity_simconnectivity", CONNECTIVITY_COLUMNS),
}

DEVICES = ("Meter", "Tracker", "Sensor", "Gateway", "Truck", "Charger")
CITIES = ("Berlin", "Hamburg", "Bremen", "Kiel", "Hannover", "Rostock", "Lübeck", "Oldenburg", "Schwerin", "Emden")
TACS = ("35332509", "86753503", "35840599", "86409005")  # type allocation codes of common IoT modules
FORM_FACTORS = ("2FF/3FF/4FF", "MFF2", "4FF", "QFN8")
RATS = ("4G", "LTE-M", "NB-IoT", "2G")
SMALL_CUSTOMERS = ("Kühlkette Logistik AG", "Windpark Ostsee GmbH", "Parkhaus Service KG", "AgroSens GmbH")
BLOCK = 1000  # ICCIDs are delivered and assigned in blocks of consecutive numbers
YEAR = 365


@dataclass(frozen=True)
class Tenant:
    organisation_id: int
    share: float  # of all SIMs
    stock: bool = False  # the operator's stock: never activated, no usage


@dataclass(frozen=True)
class Plan:
    id: int
    data: int
    sms: int
    lifetime_months: int


def create_tenants() -> list[Tenant]:
    """Organisations made by the tenancy services, the big customer's owner, and its API client."""
    from django.db import transaction

    from switchboard.tenancy.contracts import OrganisationKind
    from switchboard.tenancy.models import Membership, User
    from switchboard.tenancy.selectors import principal_for_membership
    from switchboard.tenancy.services.accounts import insert_organisation
    from switchboard.tenancy.services.api_clients import api_client_create
    from switchboard.tenancy.services.seeding import organisation_create_root

    with transaction.atomic():
        operator = organisation_create_root(
            company_name="Nordnetz Mobile GmbH",
            invoice_email="billing@nordnetz.example",
            owner_email="owner@nordnetz.example",
            owner_first_name="Olga",
            owner_last_name="Operator",
        ).organisation
        big = insert_organisation(
            kind=OrganisationKind.CUSTOMER,
            parent=operator,
            company_name=BIG_CUSTOMER,
            invoice_email="invoices@stadtwerke-nord.example",
        )
        sub = insert_organisation(
            kind=OrganisationKind.SUB_ORGANISATION,
            parent=big,
            company_name="Stadtwerke Nord Netz GmbH",
            invoice_email="netz@stadtwerke-nord.example",
        )
        smaller = [
            insert_organisation(
                kind=OrganisationKind.CUSTOMER,
                parent=operator,
                company_name=name,
                invoice_email=f"invoices{i}@customer.example",
            )
            for i, name in enumerate(SMALL_CUSTOMERS)
        ]
        owner = Membership.objects.create(
            user=User.objects.create_user(OWNER_EMAIL, None, first_name="Nora", last_name="Nord"),
            organisation=big,
            role="owner",
            is_original_owner=True,
        )
        client, _secret = api_client_create(
            principal=principal_for_membership(owner), username=API_USERNAME, secret=API_SECRET
        )
    print(f"organisations: operator {operator.pk}, big customer {big.pk}, sub {sub.pk}, others {len(smaller)}")
    print(f"API client of {BIG_CUSTOMER}: {client.client_id}")
    return [
        Tenant(operator.pk, 0.02, stock=True),
        Tenant(big.pk, 0.90),
        Tenant(sub.pk, 0.02),
        *(Tenant(o.pk, 0.06 / len(smaller)) for o in smaller),
    ]


class Fleet:
    """Rows for SIMs, their daily usage and connectivity state; monthly totals are summed on the way."""

    def __init__(self, *, seed: int, usage_days: int, plan: Plan, now: datetime, today: date):
        from dateutil.relativedelta import relativedelta

        from switchboard.connectivity.identifiers import luhn_digit

        self.rng = random.Random(seed)  # noqa: S311  (reproducible test data, not secrets)
        self.usage_days = usage_days
        self.plan = plan
        self.luhn_digit = luhn_digit
        self.now = _stamp(now)
        # Per day back from today: its date, its month, and the activation time and lifetime end of SIMs activated then.
        self.dates = [str(today - timedelta(days=d)) for d in range(YEAR + 1)]
        self.months = [str((today - timedelta(days=d)).replace(day=1)) for d in range(YEAR + 1)]
        activations = [now - timedelta(days=d, hours=3) for d in range(YEAR + 1)]
        self.activated = [_stamp(a) for a in activations]
        self.lifetime_end = [_stamp(a + relativedelta(months=plan.lifetime_months)) for a in activations]
        self.monthly: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.labels: dict[tuple[int, str, str], int] = defaultdict(int)  # a counter per organisation, device, city

    def batch(self, start: int, count: int, tenant: Tenant) -> tuple[list, list, list]:
        sims, usage, connectivity = [], [], []
        for n in range(start, start + count):
            if tenant.stock:
                sims.append(self._stock_sim(n, tenant))
            else:
                self._active_sim(n, tenant, sims, usage, connectivity)
        return sims, usage, connectivity

    def _identifiers(self, n: int) -> tuple[str, str, str, str]:
        iccid = f"89882280{n:011d}"
        return iccid, iccid + self.luhn_digit(iccid), f"901405{n:09d}", f"882285{n:09d}"

    def _label(self, org: int) -> str:
        """Like "Meter-Berlin-000123": device type, city, and a counter per both within the organisation."""
        key = (org, self.rng.choice(DEVICES), self.rng.choice(CITIES))
        self.labels[key] += 1
        return f"{key[1]}-{key[2]}-{self.labels[key]:06d}"

    def _stock_sim(self, n: int, tenant: Tenant) -> tuple:
        iccid, luhn, imsi, msisdn = self._identifiers(n)
        p = self.plan
        return (
            n + 1, self.now, self.now, tenant.organisation_id, p.id, iccid, luhn, imsi, None, msisdn, "", False, "",
            "Disabled", self.rng.choice(FORM_FACTORS), None, None, None,
            p.data, p.data, p.data, 0, None, None, None,
            p.sms, p.sms, p.sms, 0, None, None, None,
            None, 0, 0, 0,
        )  # fmt: skip

    def _active_sim(self, n: int, tenant: Tenant, sims: list, usage: list, connectivity: list) -> None:
        rng, org, sim_id = self.rng, tenant.organisation_id, n + 1
        iccid, luhn, imsi, msisdn = self._identifiers(n)
        age = rng.randrange(1, YEAR + 1)  # days since activation
        days = sorted(rng.sample(range(age), min(self.usage_days, age)))  # days back from today, newest first
        top_up = rng.random() < 0.2
        data_total, sms_total = self.plan.data * (1 + top_up), self.plan.sms * (1 + top_up)
        data_left = _remaining(rng, data_total) if days else data_total
        sms_left = _remaining(rng, sms_total) if days else sms_total
        data_parts = _split(rng, data_total - data_left, len(days))
        sms_parts = _split(rng, sms_total - sms_left, len(days))

        month_counts = [0, 0, 0]
        last_month = self.months[days[0]] if days else None
        for day, data, sms in zip(days, data_parts, sms_parts, strict=True):
            rx, mo = data // 4, sms * 2 // 3  # IoT devices send more than they receive
            tx, mt = data - rx, sms - mo
            usage.append((sim_id, self.dates[day], org, rx, tx, mo, mt))
            month = self.months[day]
            totals = self.monthly[org, month]
            totals[0] += rx
            totals[1] += tx
            totals[2] += mo
            totals[3] += mt
            if month == last_month:
                month_counts[0] += data
                month_counts[1] += mo
                month_counts[2] += mt

        last_use = self.activated[days[0]] if days else None
        data_status, sms_status = _group(data_left, data_total), _group(sms_left, sms_total)
        enabled = rng.random() < 0.92
        has_imei = rng.random() < 0.65
        imei = ""
        if has_imei:
            body = rng.choice(TACS) + f"{n % 1_000_000:06d}"
            imei = body + self.luhn_digit(body)
        ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}" if rng.random() < 0.5 else None
        sims.append(
            (
                sim_id, self.activated[age], last_use or self.activated[age], org, self.plan.id, iccid, luhn, imsi,
                f"234150{n:09d}" if rng.random() < 0.1 else None, msisdn, imei, has_imei and rng.random() < 0.3,
                self._label(org),
                "Enabled" if enabled else "Disabled", rng.choice(FORM_FACTORS),
                self.activated[age], self.lifetime_end[age], ip,
                data_total, data_left, self.plan.data, data_status,
                last_use if data_status else None, last_use if data_status else None,
                last_use if data_status == 2 else None,
                sms_total, sms_left, self.plan.sms, sms_status,
                last_use if sms_status else None, last_use if sms_status else None,
                last_use if sms_status == 2 else None,
                last_month, *month_counts,
            )
        )  # fmt: skip
        if enabled and data_left and rng.random() < 0.15:
            online = rng.random() < 2 / 3
            connectivity.append(
                (
                    sim_id, "ONLINE" if online else "ATTACHED", "Telekom.de", "262", "01", "DE", rng.choice(RATS),
                    ip if online else None, "iot.switchboard.net", f"s{sim_id:x}" if online else "",
                    self.now if online else None, "pgw-1", "{}", self.now, self.now,
                )
            )  # fmt: skip


def _stamp(moment: datetime) -> str:
    """UTC without offset: what Django stores on SQLite, and what PostgreSQL reads in a UTC session."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _remaining(rng: random.Random, total: int) -> int:
    """A mix of volume groups: most SIMs have 20 % or more left, some less, some none."""
    roll = rng.random()
    if roll < 0.10:
        return 0
    if roll < 0.25:
        return rng.randrange(1, total // 5)
    return rng.randrange(total // 5, total + 1)


def _group(remaining: int, total: int) -> int:
    from switchboard.connectivity.contracts import QuotaStatus

    return int(QuotaStatus.of(remaining, total))


def _split(rng: random.Random, amount: int, parts: int) -> list[int]:
    """`amount` in `parts` random shares that add up exactly."""
    if not parts:
        return []
    weights = [rng.random() + 0.01 for _ in range(parts)]
    scale = amount / sum(weights)
    shares = [int(w * scale) for w in weights]
    shares[0] += amount - sum(shares)
    return shares


class PostgresSink:
    """One COPY stream per table, each on its own connection, so the three tables fill side by side."""

    def __init__(self, stack: ExitStack):
        import psycopg
        from django.db import connection

        settings = connection.settings_dict
        params = {
            "dbname": settings["NAME"],
            "user": settings["USER"],
            "password": settings["PASSWORD"],
            "host": settings["HOST"],
            "port": settings["PORT"],
        }
        self.copies = {}
        for kind, (table, columns) in TABLES.items():
            raw = stack.enter_context(psycopg.connect(**{k: v for k, v in params.items() if v}))
            raw.execute("SET TIME ZONE 'UTC'")
            cursor = stack.enter_context(raw.cursor())
            self.copies[kind] = stack.enter_context(cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN"))

    def write(self, kind: str, rows: list[tuple]) -> None:
        copy = self.copies[kind]
        for row in rows:
            copy.write_row(row)


class SqliteSink:
    """executemany per batch on the raw connection, all in one transaction."""

    def __init__(self, stack: ExitStack):
        from django.db import connection, transaction

        stack.enter_context(transaction.atomic())
        self.raw = connection.connection
        self.statements = {
            kind: f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
            for kind, (table, columns) in TABLES.items()
        }

    def write(self, kind: str, rows: list[tuple]) -> None:
        self.raw.executemany(self.statements[kind], rows)


@contextmanager
def bare_tables(tables: list[str]):
    """On PostgreSQL, drop secondary indexes and foreign keys, and rebuild them once the rows are in:
    building an index once is several times faster than maintaining it row by row."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
            " WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u') ORDER BY contype",
            [tables],
        )
        constraints = cursor.fetchall()  # foreign keys first ('f' < 'u')
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid::regclass::text = ANY(%s) AND NOT indisprimary"
            " AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition, _kind in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with timed(f"rebuilding {len(indexes)} indexes and {len(constraints)} constraints"), connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition, _kind in reversed(constraints):  # unique constraints before foreign keys
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def generate(*, sims: int, usage_days: int, seed: int) -> None:
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from switchboard.connectivity.models import DailyUsage, MonthlyUsage, Sim
    from switchboard.connectivity.services.inventory import default_plan

    if Sim.objects.exists():
        sys.exit("The database holds SIMs already: generate into a freshly migrated database.")
    print(f"database: {database_label()}; {sims:,} SIMs, up to {usage_days} days of usage each, seed {seed}")
    with timed("organisations and API client"):
        tenants = create_tenants()
    plan = default_plan()
    fleet = Fleet(
        seed=seed,
        usage_days=usage_days,
        plan=Plan(plan.pk, plan.data_bytes, plan.sms, plan.lifetime_months),
        now=timezone.now(),
        today=timezone.localdate(),
    )
    counts = {"sim": 0, "usage": 0, "connectivity": 0}
    started = time.perf_counter()
    tables = [table for table, _columns in TABLES.values()]
    with timed("SIMs, daily usage, connectivity"), bare_tables(tables), ExitStack() as stack:
        sink = (PostgresSink if connection.vendor == "postgresql" else SqliteSink)(stack)
        weights = [t.share for t in tenants]
        for block in range(0, sims, BLOCK):
            tenant = fleet.rng.choices(tenants, weights)[0]
            rows = fleet.batch(block, min(BLOCK, sims - block), tenant)
            for kind, batch in zip(("sim", "usage", "connectivity"), rows, strict=True):
                sink.write(kind, batch)
                counts[kind] += len(batch)
            if (block + BLOCK) % 100_000 == 0:
                rate = counts["sim"] / (time.perf_counter() - started)
                print(f"  {counts['sim']:,} SIMs, {counts['usage']:,} usage rows ({rate:,.0f} SIMs/s)", flush=True)
    with timed("monthly totals and sequences"), transaction.atomic():
        MonthlyUsage.objects.bulk_create(
            MonthlyUsage(
                organisation_id=org, month=date.fromisoformat(month), data_rx=rx, data_tx=tx, sms_mo=mo, sms_mt=mt
            )
            for (org, month), (rx, tx, mo, mt) in sorted(fleet.monthly.items())
        )
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Sim, DailyUsage]):
                cursor.execute(statement)
    with timed("planner statistics (and the visibility map on PostgreSQL)"), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"rows: {counts['sim']:,} SIMs, {counts['usage']:,} daily usage, {counts['connectivity']:,} connectivity,"
        f" {len(fleet.monthly):,} monthly totals"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sims", type=int, default=1_000_000, help="SIMs in all (default 1,000,000)")
    parser.add_argument("--usage-days", type=int, default=30, help="days with usage per SIM within the last year")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    setup_django()
    started = time.perf_counter()
    generate(sims=args.sims, usage_days=args.usage_days, seed=args.seed)
    print(f"total: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
