"""A throwaway Kannel for tests: bearerbox + smsbox with `fakesmsc` as the SMSC, on free ports in a directory.

    with KannelGateway(tmp_path, mo_get_url=MO_GET_URL_TEMPLATE.format(mo_url=...)) as kannel:
        adapter = KannelAdapter(kannel.sendsms_url, kannel.username, kannel.password, dlr_url=...)
        kannel.wait_received(1)          # what fakesmsc got (the MT side)
        kannel.send_mo("4915...", "1234", "Hello")   # what fakesmsc sends (the MO side)

fakesmsc runs in its interactive mode: every line written to its stdin is an MO message, and every MT it gets is
logged as `Got message N: <sender receiver type data>`, which `received()` reads back. Processes are stopped by
the PIDs we started; nothing else is touched.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
FAKESMSC_LINE_MAX = 255  # fakesmsc reads stdin with a 256-octet fgets buffer
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

CONFIG = """\
group = core
admin-port = {admin_port}
admin-password = "{admin_password}"
admin-allow-ip = "127.0.0.1"
smsbox-port = {smsbox_port}
box-allow-ip = "127.0.0.1"
log-file = "{directory}/bearerbox.log"
log-level = 1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = FAKE
port = {smsc_port}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox_port}
sendsms-port = {sendsms_port}
log-file = "{directory}/smsbox.log"
log-level = 1

group = sendsms-user
username = "{username}"
password = "{password}"

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{mo_get_url}"
"""


def missing() -> str | None:
    """Why Kannel cannot run here, for pytest.skip; None when it can."""
    absent = [str(path) for path in (BEARERBOX, SMSBOX, FAKESMSC) if not path.exists()]
    return f"Kannel is not installed ({', '.join(absent)}): apt-get install kannel kannel-extras" if absent else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _url_decode(value: str) -> bytes:
    return unquote_to_bytes(value.replace("+", " "))


@dataclass(frozen=True)
class FakeSmscMessage:
    """An MT message as fakesmsc printed it; `kind` is fakesmsc's: text, data, ucs-2 or udh."""

    sender: str
    receiver: str
    kind: str
    data: bytes
    udh: bytes = b""

    @property
    def text(self) -> str:
        return self.data.decode("utf-16-be" if self.kind == "ucs-2" else "utf-8")

    @classmethod
    def parse(cls, line: str) -> FakeSmscMessage:
        sender, receiver, kind, rest = line.split(" ", 3)
        if kind == "text":
            return cls(sender, receiver, kind, rest.encode())
        if kind == "udh":  # "udh <udh> data <data>", both url-encoded
            udh, _data_word, data = rest.split(" ", 2)
            return cls(sender, receiver, kind, _url_decode(data), _url_decode(udh))
        return cls(sender, receiver, kind, _url_decode(rest))


class KannelGateway:
    def __init__(self, directory: Path, *, mo_get_url: str, username: str = "switchboard") -> None:
        self.directory = Path(directory)
        self.mo_get_url = mo_get_url
        self.username = username
        self.password = secrets.token_hex(8)
        self.admin_password = secrets.token_hex(8)
        self.admin_port, self.smsbox_port, self.smsc_port, self.sendsms_port = (free_port() for _ in range(4))
        self._processes: list[subprocess.Popen] = []
        self._fakesmsc: subprocess.Popen | None = None

    def __enter__(self) -> KannelGateway:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    @property
    def fakesmsc_log(self) -> Path:
        return self.directory / "fakesmsc.out"

    def start(self) -> None:
        config = self.directory / "kannel.conf"
        config.write_text(
            CONFIG.format(
                directory=self.directory,
                admin_port=self.admin_port,
                admin_password=self.admin_password,
                smsbox_port=self.smsbox_port,
                smsc_port=self.smsc_port,
                sendsms_port=self.sendsms_port,
                username=self.username,
                password=self.password,
                mo_get_url=self.mo_get_url,
            )
        )
        try:
            self._spawn("bearerbox", [BEARERBOX, "-v", "1", config])
            self._wait_for(lambda: self.status() is not None, "bearerbox to open its admin port")
            self._spawn("smsbox", [SMSBOX, "-v", "1", config])
            self._wait_for(lambda: "smsbox:" in (self.status() or ""), "smsbox to connect to bearerbox")
            self._fakesmsc = self._spawn(
                "fakesmsc",
                [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc_port), "-i", "0", "-v", "0"],
                stdin=subprocess.PIPE,
            )
            self._wait_for(lambda: "(online" in (self.status() or ""), "fakesmsc to connect to bearerbox")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the boxes in reverse order of start, by PID: a polite SIGTERM, SIGKILL if that is not enough."""
        while self._processes:
            process = self._processes.pop()
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(STOP_TIMEOUT)
            if process.stdin:
                process.stdin.close()
        self._fakesmsc = None

    def status(self) -> str | None:
        """bearerbox's status page, None while it does not answer."""
        url = f"http://127.0.0.1:{self.admin_port}/status.txt?password={self.admin_password}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode("utf-8", errors="replace")
        except OSError:
            return None

    def received(self) -> list[FakeSmscMessage]:
        """The MT messages fakesmsc got so far (it prints them within about a second)."""
        if not self.fakesmsc_log.exists():
            return []
        lines = self.fakesmsc_log.read_text(encoding="utf-8", errors="replace").splitlines()
        marker = ": <"
        return [
            FakeSmscMessage.parse(line[line.index(marker) + len(marker) : line.rindex(">")])
            for line in lines
            if "Got message" in line
        ]

    def wait_received(self, count: int, timeout: float = READY_TIMEOUT) -> list[FakeSmscMessage]:
        self._wait_for(lambda: len(self.received()) >= count, f"fakesmsc to receive {count} message(s)", timeout)
        return self.received()

    def send_mo(
        self, sender: str, receiver: str, payload: str | bytes, *, udh: bytes = b"", ucs2: bool = False
    ) -> None:
        """Have fakesmsc send an MO message: text (GSM), text as UCS-2, or bytes as 8-bit data; optionally with a UDH.

        Kannel reassembles concatenated MO parts itself, so a concatenation UDH is held back until all parts came.
        """
        if isinstance(payload, bytes):
            kind, body = ("udh-data" if udh else "data"), quote(payload, safe="")
        elif ucs2:
            if udh:
                raise ValueError("fakesmsc cannot send UCS-2 with a UDH.")
            kind, body = "ucs2", quote(payload.encode("utf-16-be"), safe="")
        else:
            kind, body = ("udh-text" if udh else "text"), payload
        words = [sender, receiver, kind, *([quote(udh, safe="")] if udh else []), body]
        line = " ".join(words)
        if "\n" in line or len(line) >= FAKESMSC_LINE_MAX:
            raise ValueError(f"fakesmsc takes one line of less than {FAKESMSC_LINE_MAX} characters.")
        self._fakesmsc.stdin.write(line.encode() + b"\n")
        self._fakesmsc.stdin.flush()

    def _spawn(self, name: str, command: list, stdin=None) -> subprocess.Popen:
        with (self.directory / f"{name}.out").open("ab") as output:
            process = subprocess.Popen(  # noqa: S603  (fixed binaries, our own config)
                [str(part) for part in command], stdin=stdin, stdout=output, stderr=subprocess.STDOUT
            )
        self._processes.append(process)
        return process

    def _wait_for(self, condition, what: str, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            dead = [process.args[0] for process in self._processes if process.poll() is not None]
            if dead:
                raise RuntimeError(
                    f"{', '.join(dead)} exited while waiting for {what}; see the logs in {self.directory}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"Timed out waiting for {what}; see the logs in {self.directory}")
            time.sleep(0.1)
