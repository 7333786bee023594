"""Kill -9 the RADIUS server while the simulator is sending, start it again: not a byte lost, none counted twice.

Runs the real processes (`switchboard radius`, `switchboard simulate`) on a database of their own (SQLite in a
temporary directory), because the server must survive its own death, which an in-process test cannot show.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _switchboard(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "switchboard", *args], env=env, text=True, **kwargs)  # noqa: S603


def _server(env: dict, auth: int, acct: int) -> subprocess.Popen:
    process = _switchboard(
        env,
        "radius",
        "--bind",
        "127.0.0.1",
        "--auth-port",
        str(auth),
        "--acct-port",
        str(acct),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    line = process.stdout.readline()
    assert "RADIUS server ready" in line, line
    return process


def _counted(database: Path) -> dict[str, tuple[int, int]]:
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT imsi, SUM(input_octets), SUM(output_octets) FROM aaa_session GROUP BY imsi"
        ).fetchall()
    return {imsi: (up, down) for imsi, up, down in rows}


def _usage(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT COALESCE(SUM(data_rx + data_tx), 0) FROM connectivity_dailyusage").fetchone()[0]


def test_sigkill_and_restart_lose_nothing_and_count_nothing_twice(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["SWITCHBOARD_DATA_DIR"] = str(tmp_path)
    seeded = subprocess.run(
        [sys.executable, "-m", "switchboard", "demo", "--seed-only"], env=env, capture_output=True, text=True
    )
    assert seeded.returncode == 0, seeded.stderr
    database = tmp_path / "switchboard.sqlite3"
    usage_before = _usage(database)
    auth, acct = _free_port(), _free_port()
    report = tmp_path / "sent.json"

    server = _server(env, auth, acct)
    gateway = _switchboard(
        env,
        "simulate",
        "--auth-port",
        str(auth),
        "--acct-port",
        str(acct),
        "--devices",
        "25",
        "--interval",
        "0.1",
        "--duration",
        "6",
        "--disconnect-port",
        str(_free_port()),
        "--report",
        str(report),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(2.5)
        server.send_signal(signal.SIGKILL)
        server.wait()
        time.sleep(1.5)  # the gateway keeps retransmitting into the void
        server = _server(env, auth, acct)
        output, _ = gateway.communicate(timeout=120)
    finally:
        for process in (gateway, server):
            if process.poll() is None:
                process.terminate()
                process.wait(10)

    assert gateway.returncode == 0, output
    assert "retransmitted 0," not in output  # the outage was real: requests went unanswered for a while
    sent = json.loads(report.read_text())
    counted = _counted(database)
    expected = {imsi: (v["uplink"], v["downlink"]) for imsi, v in sent.items() if v["uplink"] or v["downlink"]}
    assert expected, "the simulation produced no traffic"
    assert {imsi: counted.get(imsi) for imsi in expected} == expected
    assert _usage(database) - usage_before == sum(up + down for up, down in expected.values())
