"""FreeRADIUS 3.2 from Debian with rlm_sql on PostgreSQL, set up in a private directory: the reference server.

Debian's stock tree (/etc/freeradius/3.0) is copied and changed only where the benchmark needs it: the SQL module
points at the benchmark's `radius` database, the server listens on 127.0.0.1 on two given ports and nowhere else
(no IPv6 listeners, no inner-tunnel), knows one client (127.0.0.1 with the simulator's secret), and keeps its logs,
accounting detail files and PID file inside the private directory. Threads, SQL connection pool, the authorize,
accounting and post-auth sections (detail file, radpostauth row) stay as shipped, so it is measured as installed.
Optionally (on by default) radacct gets columns for the 3GPP attributes and one `%{sql:UPDATE}` fills them, the
set-up of network-integration.md §1.7, because Switchboard stores that information too.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

STOCK = Path("/etc/freeradius/3.0")
SCHEMA = STOCK / "mods-config/sql/main/postgresql/schema.sql"
BINARY = "freeradius"
USER = "freerad"  # radiusd.conf drops root for this user once the sockets are open
READY = "Ready to process requests"

GPP_COLUMNS = (
    "ALTER TABLE radacct ADD COLUMN imsi text, ADD COLUMN imeisv text, ADD COLUMN rat_type text,"
    " ADD COLUMN sgsn_mcc_mnc text, ADD COLUMN uli text"
)
GPP_BLOCK = """\
	#  Mobile data (Gi/SGi): keep the 3GPP attributes that the stock radacct drops (network-integration.md 1.7)
	if ((&Acct-Status-Type == Start || &Acct-Status-Type == Interim-Update) && &3GPP-IMSI) {
		update request {
			&Tmp-String-1 := "%{sql:UPDATE radacct SET imsi = '%{3GPP-IMSI}', imeisv = '%{3GPP-IMEISV}', \
rat_type = '%{3GPP-RAT-Type}', sgsn_mcc_mnc = '%{3GPP-SGSN-MCC-MNC}', uli = '%{hex:&3GPP-User-Location-Info}' \
WHERE acctuniqueid = '%{Acct-Unique-Session-Id}'}"
		}
	}
"""


@dataclass(frozen=True)
class Setup:
    directory: Path  # private; raddb/, log/ and run/ are made inside
    auth_port: int
    acct_port: int
    secret: str
    database: str  # libpq connection string of the radius database
    gpp_columns: bool = True

    @property
    def raddb(self) -> Path:
        return self.directory / "raddb"

    @property
    def log(self) -> Path:
        return self.directory / "log" / "radius.log"


def prepare_database(conninfo: str, subscribers: Sequence[tuple[str, str]], *, gpp_columns: bool) -> None:
    """The stock schema, one radcheck `Auth-Type := Accept` and one radreply Framed-IP-Address per IMSI (the
    simulator's User-Name), radacct empty."""
    with psycopg.connect(conninfo, autocommit=True) as db:
        db.execute(SCHEMA.read_text())
        if gpp_columns:
            db.execute(GPP_COLUMNS)
        with db.cursor() as cursor:
            with cursor.copy("COPY radcheck (username, attribute, op, value) FROM STDIN") as copy:
                for imsi, _address in subscribers:
                    copy.write_row((imsi, "Auth-Type", ":=", "Accept"))
            with cursor.copy("COPY radreply (username, attribute, op, value) FROM STDIN") as copy:
                for imsi, address in subscribers:
                    copy.write_row((imsi, "Framed-IP-Address", ":=", address))
        db.execute("ANALYZE")


def configure(setup: Setup) -> None:
    """Copy the stock tree and make the changes described above; fails loudly if the stock files look different."""
    raddb = setup.raddb
    shutil.copytree(STOCK, raddb, symlinks=True)
    for sub in ("log", "run"):
        (setup.directory / sub).mkdir()

    _edit(
        raddb / "radiusd.conf",
        (r"^raddbdir = .*$", f"raddbdir = {raddb}"),
        (r"^logdir = .*$", f"logdir = {setup.directory / 'log'}"),
        (r"^run_dir = .*$", f"run_dir = {setup.directory / 'run'}"),
    )
    (raddb / "clients.conf").write_text(
        f'client benchmark {{\n\tipaddr = 127.0.0.1\n\tsecret = "{setup.secret}"\n\tshortname = benchmark\n}}\n'
    )
    _edit(
        raddb / "mods-available/sql",
        (r'^\tdialect = "sqlite"$', '\tdialect = "postgresql"'),
        (r'^\tdriver = "rlm_sql_null"$', '\tdriver = "rlm_sql_${dialect}"'),
        (r'^\tradius_db = "radius"$', f'\tradius_db = "{setup.database}"'),
    )
    (raddb / "mods-enabled/sql").symlink_to("../mods-available/sql")

    (raddb / "sites-enabled/inner-tunnel").unlink()  # it listens on 127.0.0.1:18120 of its own
    enabled = sorted(p.name for p in (raddb / "sites-enabled").iterdir())
    if enabled != ["default"]:
        raise RuntimeError(f"unexpected virtual servers enabled in {STOCK}: {enabled}")
    site = raddb / "sites-available/default"
    text = _only_our_listeners(site.read_text(), setup)
    if setup.gpp_columns:
        text = _after_accounting_sql(text, GPP_BLOCK)
    site.write_text(text)

    os.chmod(setup.directory, 0o755)  # noqa: S103  (freerad must reach its files; nothing secret is in there)
    closed = [p for p in setup.directory.resolve().parents if not p.stat().st_mode & 0o001]
    if closed:
        raise RuntimeError(f"the {USER} user cannot reach {setup.directory}: {closed[0]} is closed to others")
    account = pwd.getpwnam(USER)
    for path in [setup.directory, *setup.directory.rglob("*")]:
        os.lchown(path, account.pw_uid, account.pw_gid)

    check = subprocess.run(  # noqa: S603
        [BINARY, "-XC", "-d", str(raddb)], capture_output=True, text=True, check=False
    )
    if check.returncode != 0:
        raise RuntimeError(f"FreeRADIUS rejects the configuration:\n{(check.stdout + check.stderr)[-3000:]}")


def _edit(path: Path, *changes: tuple[str, str]) -> None:
    text = path.read_text()
    for pattern, replacement in changes:
        text, found = re.subn(pattern, lambda _m, r=replacement: r, text, flags=re.MULTILINE)
        if found != 1:
            raise RuntimeError(f"{path}: expected one line matching {pattern!r}, found {found}")
    path.write_text(text)


def _only_our_listeners(site: str, setup: Setup) -> str:
    """Drop the stock `listen` sections (auth and acct on every IPv4 and IPv6 address, port 0 = 1812/1813) for two
    on 127.0.0.1 and the benchmark's ports."""
    lines, kept, dropped, inside = site.splitlines(keepends=True), [], 0, False
    for line in lines:
        if line.startswith("listen {"):
            inside, dropped = True, dropped + 1
        elif inside and line.startswith("}"):
            inside = False
        elif not inside:
            kept.append(line)
    if dropped != 4:
        raise RuntimeError(f"expected the 4 stock listen sections in sites-available/default, found {dropped}")
    ours = "".join(
        f"listen {{\n\ttype = {kind}\n\tipaddr = 127.0.0.1\n\tport = {port}\n}}\n"
        for kind, port in (("auth", setup.auth_port), ("acct", setup.acct_port))
    )
    text = "".join(kept)
    return _insert_once(text, r"^server default \{\n", ours)


def _after_accounting_sql(site: str, block: str) -> str:
    start = site.index("\naccounting {\n")
    end = site.index("\n}\n", start)
    section, found = re.subn(r"^\t-sql\n", lambda m: m.group(0) + block, site[start:end], flags=re.MULTILINE)
    if found != 1:
        raise RuntimeError(f"expected one '-sql' in the accounting section, found {found}")
    return site[:start] + section + site[end:]


def _insert_once(text: str, after: str, insert: str) -> str:
    text, found = re.subn(after, lambda m: m.group(0) + insert, text, flags=re.MULTILINE)
    if found != 1:
        raise RuntimeError(f"expected one line matching {after!r}, found {found}")
    return text


@contextmanager
def running(setup: Setup, *, timeout: float = 30.0) -> Iterator[subprocess.Popen]:
    """`freeradius -f` (foreground, threaded as in production, not the single-threaded -X) until the block ends;
    stopped by its PID whatever happens."""
    output = (setup.directory / "log" / "stdout.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [BINARY, "-f", "-d", str(setup.raddb), "-l", str(setup.log)],
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_ready(process, setup, timeout)
        yield process
    finally:
        stop(process)
        output.close()


def _wait_ready(process: subprocess.Popen, setup: Setup, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if setup.log.exists() and READY in setup.log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    log = setup.log.read_text(errors="replace") if setup.log.exists() else ""
    raise RuntimeError(f"FreeRADIUS did not become ready (exit code {process.poll()}):\n{log[-3000:]}")


def stop(process: subprocess.Popen, *, grace: float = 10.0) -> None:
    """SIGTERM to this PID, SIGKILL if it is still there after `grace` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def version() -> str:
    found = subprocess.run([BINARY, "-v"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    match = re.search(r"FreeRADIUS Version ([\d.]+)", found)
    return match.group(1) if match else "unknown"
