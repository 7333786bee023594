"""MQTT streams against a real Mosquitto broker started by the test: username and password, QoS 1, one topic per
SIM, TLS with the customer's own CA, and a broker that goes away and comes back."""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import subprocess
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from paho.mqtt.enums import CallbackAPIVersion

from switchboard.events import services
from switchboard.events.models import StreamAttempt, StreamItem
from switchboard.events.tests.conftest import pump_until_idle, time_passes, usage
from switchboard.testing import unavailable

MOSQUITTO = "/usr/sbin/mosquitto"
USER, PASSWORD = "streamer", "broker-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


class Broker:
    """Mosquitto on 127.0.0.1 with a password file; `tls` adds a second listener with a certificate for
    "localhost" signed by a CA of the test's own."""

    def __init__(self, directory: Path, *, tls: bool = False):
        self.directory = directory
        self.port = _free_port()
        self.tls_port = _free_port() if tls else None
        self.ca_pem = ""
        self.process: subprocess.Popen | None = None
        passwords = directory / "passwords"
        subprocess.run(  # noqa: S603
            [shutil.which("mosquitto_passwd"), "-b", "-c", str(passwords), USER, PASSWORD], check=True
        )
        lines = [
            f"user {getpass.getuser()}",  # as root, mosquitto would switch to a user that cannot read tmp_path
            "persistence false",
            "allow_anonymous false",
            f"password_file {passwords}",
            f"listener {self.port} 127.0.0.1",
        ]
        if tls:
            lines += [f"listener {self.tls_port} 127.0.0.1", *self._certificates()]
        self.config = directory / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")

    def _certificates(self) -> list[str]:
        now = datetime.now(UTC)
        ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        server = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name)
            .public_key(server_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_pem = ca.public_bytes(serialization.Encoding.PEM).decode()
        files = {
            "cafile": self.ca_pem,
            "certfile": server.public_bytes(serialization.Encoding.PEM).decode(),
            "keyfile": server_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode(),
        }
        for name, content in files.items():
            (self.directory / f"{name}.pem").write_text(content)
        return [f"{name} {self.directory / f'{name}.pem'}" for name in files]

    def start(self) -> None:
        log = (self.directory / "mosquitto.log").open("a")
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.config)], stdout=log, stderr=log)  # noqa: S603
        _wait_until(lambda: _listening(self.port), "mosquitto to listen")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)
            self.process = None
            _wait_until(lambda: not _listening(self.port), "mosquitto to stop listening")


class Subscriber:
    """A client of the broker that keeps every message on switchboard/#, subscribing again after reconnects."""

    def __init__(self, broker: Broker):
        self.messages: list[tuple[str, dict]] = []
        self.subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-subscriber", clean_session=False)
        self.client.username_pw_set(USER, PASSWORD)
        self.client.on_connect = lambda client, *args: client.subscribe("switchboard/#", qos=1)
        self.client.on_subscribe = lambda *args: self.subscribed.set()
        self.client.on_message = lambda client, userdata, message: self.messages.append(
            (message.topic, json.loads(message.payload))
        )
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert self.subscribed.wait(30), "the subscriber never subscribed"

    def ids_by_topic(self) -> dict[str, list[int]]:
        found = defaultdict(list)
        for topic, record in self.messages:
            found[topic].append(record["id"])
        return dict(found)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def broker(tmp_path):
    if not Path(MOSQUITTO).exists() or not shutil.which("mosquitto_passwd"):
        unavailable("mosquitto not installed: apt-get install mosquitto")
    started = Broker(tmp_path, tls=True)
    started.start()
    yield started
    started.stop()


@pytest.fixture
def subscriber(broker):
    client = Subscriber(broker)
    yield client
    client.close()


@pytest.fixture
def mqtt_stream(owner, broker, loopback_allowed, stream_records_registered):
    def make(**options):
        values = {"mqtt_host": "127.0.0.1", "mqtt_port": broker.port, "mqtt_username": USER, "mqtt_password": PASSWORD}
        stream, secret = services.stream_create(
            principal=owner, name="Broker", kind="usage", target="mqtt", **{**values, **options}
        )
        assert secret is None  # MQTT messages are not signed
        return stream

    return make


def test_records_are_published_per_sim_topic_and_acknowledged(world, mqtt_stream, subscriber):
    stream = mqtt_stream()
    customer = world.customer.pk
    services.emit_many([usage(customer, sim, n) for n in range(1, 4) for sim in ("8988A", "8988B")])
    assert pump_until_idle() == 1
    assert not StreamItem.objects.exists()  # every PUBACK came back
    attempt = StreamAttempt.objects.get()
    assert attempt.ok and attempt.mqtt_rc == 0 and attempt.records == 6
    _wait_until(lambda: len(subscriber.messages) == 6, "six messages")
    assert subscriber.ids_by_topic() == {
        f"switchboard/{customer}/8988A/usage": [1, 2, 3],
        f"switchboard/{customer}/8988B/usage": [1, 2, 3],
    }
    stream.refresh_from_db()
    assert (stream.state, stream.remote_status) == ("active", "Success")


def test_a_broker_that_goes_away_degrades_the_stream_and_the_backlog_drains_on_its_return(
    world, broker, mqtt_stream, subscriber
):
    stream = mqtt_stream(topic_template="switchboard/{iccid}")
    customer = world.customer.pk
    services.emit_many([usage(customer, "8988A", 1)])
    pump_until_idle()
    _wait_until(lambda: len(subscriber.messages) == 1, "the first message")

    broker.stop()
    services.emit_many([usage(customer, "8988A", n) for n in (2, 3)])
    for _ in range(3):
        time_passes()
        pump_until_idle()
    stream.refresh_from_db()
    assert stream.state == "degraded" and stream.consecutive_failures == 3
    assert stream.remote_status in ("connection refused", "disconnected", "timeout")
    assert StreamItem.objects.count() == 2

    broker.start()
    _wait_until(lambda: subscriber.client.is_connected(), "the subscriber to reconnect")
    time_passes()
    pump_until_idle()
    stream.refresh_from_db()
    assert (stream.state, stream.consecutive_failures) == ("active", 0)
    _wait_until(lambda: len(subscriber.messages) >= 3, "the backlog")
    assert subscriber.ids_by_topic()["switchboard/8988A"][-2:] == [2, 3]


def test_a_wrong_password_is_the_brokers_refusal(world, mqtt_stream):
    stream = mqtt_stream(mqtt_password="not-the-password")
    services.emit_many([usage(world.customer.pk, "8988A", 1)])
    pump_until_idle()
    stream.refresh_from_db()
    assert stream.remote_status == "Not authorized"
    assert StreamAttempt.objects.get().mqtt_rc == 135  # reason codes as MQTT 5 numbers them (paho maps 3.1.1 rc 5)
    assert StreamItem.objects.count() == 1


def test_tls_verifies_the_broker_with_the_customers_ca_by_its_host_name(world, broker, mqtt_stream, subscriber):
    stream = mqtt_stream(mqtt_host="localhost", mqtt_port=broker.tls_port, mqtt_tls=True, mqtt_ca=broker.ca_pem)
    services.emit_many([usage(world.customer.pk, "8988A", 1)])
    pump_until_idle()
    stream.refresh_from_db()
    assert stream.remote_status == "Success"
    _wait_until(lambda: len(subscriber.messages) == 1, "the message over TLS")

    untrusted = mqtt_stream(mqtt_host="localhost", mqtt_port=broker.tls_port, mqtt_tls=True)  # public CAs only
    services.emit_many([usage(world.customer.pk, "8988A", 2)])
    pump_until_idle()
    untrusted.refresh_from_db()
    assert untrusted.remote_status == "connection failed" and "CERTIFICATE_VERIFY_FAILED" in untrusted.last_error
