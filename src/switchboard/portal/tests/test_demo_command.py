"""`switchboard demo` as a person runs it: it starts portal, worker, AAA and simulated gateway, and a stop (SIGTERM,
as from a service manager or Ctrl-C) leaves none of them behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ours(data_dir: Path) -> list[int]:
    """Processes started for this demo: they carry its data directory in their environment."""
    marker = f"SWITCHBOARD_DATA_DIR={data_dir}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def _up(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (loopback)
                return response.status == 200
        except OSError:
            time.sleep(0.5)
    return False


def _taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def test_a_stopped_demo_leaves_no_process_behind(tmp_path):
    if _taken(3799):
        pytest.skip("UDP 3799 (the demo gateway's Disconnect port) is taken, by a demo running here?")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        SWITCHBOARD_DATA_DIR=str(tmp_path),
        RADIUS_AUTH_PORT=str(_free_port(socket.SOCK_DGRAM)),
        RADIUS_ACCT_PORT=str(_free_port(socket.SOCK_DGRAM)),
    )
    bind = f"127.0.0.1:{_free_port(socket.SOCK_STREAM)}"
    demo = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "switchboard", "demo", "--bind", bind],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _up(f"http://{bind}/login/", 120), "the portal did not come up"
        time.sleep(3)  # the simulated gateway attaches its devices
        assert len(_ours(tmp_path)) >= 5  # demo, web, worker, radius, simulate
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=90)
        deadline = time.monotonic() + 10
        while _ours(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _ours(tmp_path) == []
    finally:
        for pid in _ours(tmp_path):
            os.kill(pid, signal.SIGKILL)
        if demo.poll() is None:
            demo.kill()
