"""MQTT target: each record is published with QoS 1 to the stream's topic for its SIM; a batch counts as delivered
when the broker has acknowledged (PUBACK) every message. One client per stream, kept connected between batches
and dropped on any failure, so the next attempt connects afresh (and resolves and vets the host again)."""

from __future__ import annotations

import json
import ssl
import threading
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from switchboard.core import netguard

from .targets import Batch, Outcome, TargetConfig, register_target

CONNECT_TIMEOUT = 10  # seconds for the TCP/TLS connection and again for the broker's CONNACK
ACK_TIMEOUT = 30  # seconds for the PUBACKs of a whole batch
KEEPALIVE = 60
IN_FLIGHT = 100


def topic(template: str, *, organisation_id: int, iccid: str, kind: str) -> str:
    return template.format_map({"organisation_id": organisation_id, "iccid": iccid, "kind": kind})


class GuardedClient(mqtt.Client):
    """paho's client with its socket opened to an address the SSRF guard vetted; TLS still checks the host name
    (paho wraps the socket with `server_hostname` = the configured host)."""

    def _create_socket_connection(self):
        return netguard.connect(self._host, self._port, self._connect_timeout)


class MqttTarget:
    def __init__(self, config: TargetConfig):
        self.config = config
        self.client: GuardedClient | None = None
        self.connack = threading.Event()
        self.connack_code: ReasonCode | None = None

    def deliver(self, batch: Batch) -> Outcome:
        if self.client is None or not self.client.is_connected():
            self.close()
            refused = self._connect()
            if refused is not None:
                self.close()
                return refused
        client = self.client
        messages = [
            client.publish(
                topic(
                    self.config.topic_template,
                    organisation_id=self.config.organisation_id,
                    iccid=partition,
                    kind=self.config.kind,
                ),
                json.dumps(record, separators=(",", ":")),
                qos=1,
            )
            for record, partition in zip(batch.records, batch.partitions, strict=True)
        ]
        deadline = time.monotonic() + ACK_TIMEOUT
        try:
            for message in messages:
                message.wait_for_publish(max(0.0, deadline - time.monotonic()))
                if not message.is_published():
                    self.close()
                    return Outcome(False, "timeout", error="the broker did not acknowledge every message in time")
        except (RuntimeError, ValueError) as exc:
            self.close()
            return Outcome(False, "disconnected", error=str(exc)[:500])
        return Outcome(True, "Success", mqtt_rc=0)

    def _connect(self) -> Outcome | None:
        """Connect and wait for the broker's answer; the refusal as an Outcome, or None when connected."""
        config = self.config
        client = GuardedClient(
            CallbackAPIVersion.VERSION2,
            client_id=f"switchboard-stream-{config.stream_id}-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        client.connect_timeout = CONNECT_TIMEOUT
        client.max_inflight_messages_set(IN_FLIGHT)
        if config.mqtt_username:
            client.username_pw_set(config.mqtt_username, config.mqtt_password or None)
        if config.mqtt_tls:
            context = ssl.create_default_context()
            if config.mqtt_ca:
                context.load_verify_locations(cadata=config.mqtt_ca)
            client.tls_set_context(context)
        self.connack.clear()
        self.connack_code = None
        client.on_connect = self._on_connect
        self.client = client
        try:
            client.connect(config.mqtt_host, config.mqtt_port, keepalive=KEEPALIVE)
        except netguard.UnsafeDestination as exc:
            return Outcome(False, "refused", error=str(exc))
        except (OSError, ssl.SSLError, ValueError) as exc:
            reason = "connection refused" if isinstance(exc, ConnectionRefusedError) else "connection failed"
            return Outcome(False, reason, error=f"{type(exc).__name__}: {exc}"[:500])
        client.loop_start()
        if not self.connack.wait(CONNECT_TIMEOUT):
            return Outcome(False, "timeout", error="no CONNACK from the broker")
        code = self.connack_code
        if code is not None and code.is_failure:
            return Outcome(False, str(code), mqtt_rc=code.value, error=f"the broker refused the connection: {code}")
        return None

    def _on_connect(self, client, userdata, flags, reason_code: ReasonCode, properties) -> None:
        self.connack_code = reason_code
        self.connack.set()

    def close(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            client.disconnect()
            client.loop_stop()


register_target("mqtt", MqttTarget)
