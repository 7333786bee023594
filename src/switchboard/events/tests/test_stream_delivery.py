"""Data streams against a real HTTP receiver on loopback: batches, signatures, a receiver that fails and comes back,
a worker that dies mid-batch, pause and resume, the SMS forwarder and the test record."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
from collections import defaultdict
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from switchboard.core.errors import ValidationFailed
from switchboard.events import selectors, services
from switchboard.events.models import DataStream, OutboxEvent, StreamAttempt, StreamItem
from switchboard.events.services.streams import pump
from switchboard.events.tests.conftest import SMS, principal_of, pump_until_idle, time_passes, usage


def signatures_of(received, secret: str) -> bool:
    """Whether the request carries a valid Standard Webhooks signature made with `secret`."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{received.headers['webhook-id']}.{received.headers['webhook-timestamp']}.".encode() + received.body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return expected in received.headers["webhook-signature"].split(" ")


def by_sim(records: list[dict]) -> dict[str, list[int]]:
    found = defaultdict(list)
    for record in records:
        found[record["sim"]].append(record["id"])
    return found


def test_records_arrive_signed_in_one_json_array_with_the_custom_headers(world, owner, receiver, webhook):
    stream, secret = webhook()
    services.stream_update(principal=owner, stream_id=stream.pk, headers={"Authorization": "Bearer receiver-token"})
    services.stream_update(principal=owner, stream_id=stream.pk, name="Renamed")  # keeps the headers
    stored = DataStream.objects.get()
    assert list(stored.headers) == ["Authorization"] and "receiver-token" not in str(stored.headers)  # encrypted
    services.emit_many([usage(world.customer.pk, "A", n) for n in range(1, 4)])
    assert pump_until_idle() == 1
    [request] = receiver.requests
    assert request.json == [{"id": n, "sim": "A", "type": "test.stream.usage"} for n in range(1, 4)]
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == "Bearer receiver-token"
    assert signatures_of(request, secret)
    assert not StreamItem.objects.exists()
    attempt = StreamAttempt.objects.get()
    assert (attempt.ok, attempt.http_status, attempt.records) == (True, 200, 3)
    assert (attempt.first_record_id, attempt.last_record_id) == ("1", "3")
    assert '"status": 200' in attempt.response_excerpt


def test_a_failing_receiver_degrades_the_stream_then_gets_everything_in_order_once(
    world, receiver, webhook, django_capture_on_commit_callbacks
):
    stream, _secret = webhook()
    receiver.script = [500, 500, 500, 500]
    customer = world.customer.pk
    services.emit_many([usage(customer, sim, n) for n in range(1, 4) for sim in ("A", "B")])

    with django_capture_on_commit_callbacks(execute=True):
        for failures in range(1, 5):
            pump_until_idle()
            stream.refresh_from_db()
            assert stream.consecutive_failures == failures
            assert stream.remote_status == "500"
            assert stream.next_attempt_at > timezone.now()  # backing off, not given up
            assert stream.state == ("degraded" if failures >= 3 else "active")
            if failures == 3:  # records emitted while the receiver is down queue behind the others
                services.emit_many([usage(customer, "A", 4), usage(customer, "B", 4)])
            time_passes()
        assert StreamItem.objects.filter(stream=stream).count() == 8
        pump_until_idle()

    stream.refresh_from_db()
    assert (stream.state, stream.remote_status, stream.consecutive_failures) == ("active", "200", 0)
    assert stream.degraded_since is None and stream.last_error == ""
    delivered = receiver.records()
    assert sorted(r["id"] for r in delivered) == [1, 1, 2, 2, 3, 3, 4, 4]  # each once per SIM
    assert by_sim(delivered) == {"A": [1, 2, 3, 4], "B": [1, 2, 3, 4]}
    assert not StreamItem.objects.exists()
    assert list(StreamAttempt.objects.order_by("id").values_list("ok", "http_status")) == [(False, 500)] * 4 + [
        (True, 200)
    ]
    [degraded] = mail.outbox  # to the owner (not the admin), once for the whole degradation
    assert degraded.to == [world.owner.user.email] and stream.name in degraded.subject


def test_backoff_grows_from_one_second_to_five_minutes():
    assert [pump.backoff(n).total_seconds() for n in (1, 2, 3, 9, 10, 50)] == [1, 2, 4, 256, 300, 300]


def test_a_worker_dying_after_sending_loses_nothing_and_the_records_come_again_with_their_ids(world, receiver, webhook):
    webhook()
    services.emit_many([usage(world.customer.pk, "A", n) for n in range(1, 6)])
    lease = pump.lease_due_stream()
    taken = pump.take(lease)
    outcome, _latency = pump.send(lease, taken)
    assert outcome.ok  # the receiver has them; the worker dies before it can settle
    assert StreamItem.objects.count() == 5
    assert not pump.pump_streams()  # still leased: no second pump sends them meanwhile

    DataStream.objects.update(lease_until=timezone.now() - timedelta(seconds=1))  # the lease runs out
    assert pump_until_idle() == 1
    first, second = receiver.requests
    assert first.json == second.json == [{"id": n, "sim": "A", "type": "test.stream.usage"} for n in range(1, 6)]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert not StreamItem.objects.exists()

    pump.settle(lease, taken, outcome, 1)  # the first pump, late: its lease is gone, so it changes nothing
    assert StreamAttempt.objects.count() == 1


def test_no_transaction_is_open_while_the_receiver_answers(transactional_db, world, receiver, webhook):
    """The lease is a committed UPDATE and delivery runs outside any transaction: while the receiver takes its
    time, others write to the database (SQLite allows one writer at a time)."""
    webhook()
    services.emit_many([usage(world.customer.pk, "A", 1)])
    pumping = connections["default"]
    seen = []

    def meanwhile():
        try:
            services.emit("test.written_meanwhile", organisation_id=None, payload={})
        finally:
            connection.close()  # this thread's own connection
        seen.append(pumping.in_atomic_block)

    receiver.probe = meanwhile
    assert pump_until_idle() == 1
    assert seen == [False]
    assert OutboxEvent.objects.filter(type="test.written_meanwhile").exists()


def test_a_batch_holds_at_most_3000_records(world, receiver, webhook):
    webhook()
    services.emit_many([usage(world.customer.pk, f"S{n % 7}", n) for n in range(3001)])
    assert pump_until_idle() == 2
    assert [len(r.json) for r in receiver.requests] == [3000, 1]
    assert [r["id"] for r in receiver.records()] == list(range(3001))


def test_paused_streams_keep_queueing_and_deliver_on_resume(world, owner, receiver, webhook):
    stream, _secret = webhook()
    services.stream_pause(principal=owner, stream_id=stream.pk)
    services.emit_many([usage(world.customer.pk, "A", 1)])
    assert pump_until_idle() == 0
    assert selectors.stream_backlog(principal=owner, stream_id=stream.pk).count == 1
    services.stream_resume(principal=owner, stream_id=stream.pk)
    assert pump_until_idle() == 1
    assert [r["id"] for r in receiver.records()] == [1]


def test_rotation_signs_with_both_secrets_for_a_day(world, owner, receiver, webhook):
    stream, old = webhook()
    new = services.stream_rotate_secret(principal=owner, stream_id=stream.pk)
    services.emit_many([usage(world.customer.pk, "A", 1)])
    pump_until_idle()
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert signatures_of(request, new) and signatures_of(request, old)

    DataStream.objects.update(previous_secret_until=timezone.now() - timedelta(seconds=1))
    services.emit_many([usage(world.customer.pk, "A", 2)])
    pump_until_idle()
    request = receiver.requests[-1]
    assert signatures_of(request, new) and not signatures_of(request, old)
    assert " " not in request.headers["webhook-signature"]


def test_the_test_record_is_sent_at_once_and_logged_as_a_test(world, owner, receiver, webhook):
    stream, _secret = webhook(kind="events")
    attempt = services.stream_send_test(principal=owner, stream_id=stream.pk)
    assert attempt.is_test and attempt.ok and attempt.http_status == 200 and attempt.records == 1
    [record] = receiver.records()
    assert record["id"] == attempt.first_record_id
    stream.refresh_from_db()
    assert stream.remote_status == ""  # a test leaves the stream's own state alone
    assert list(selectors.stream_attempts(principal=owner, stream_id=stream.pk)) == [attempt]


def test_a_test_record_to_a_closed_port_is_a_logged_failure(owner, loopback_allowed, stream_records_registered):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    stream, _secret = services.stream_create(
        principal=owner, name="Down", kind="usage", target="webhook", url=f"http://127.0.0.1:{port}/"
    )
    attempt = services.stream_send_test(principal=owner, stream_id=stream.pk)
    assert not attempt.ok and attempt.http_status is None and "Connection" in attempt.error


def test_the_sms_forwarder_posts_each_message_as_one_object(world, owner, receiver, stream_records_registered):
    forwarder, secret = services.forwarding_set(principal=owner, url=receiver.url, headers={"X-Auth": "t"})
    assert forwarder.kind == "sms_forward" and secret
    again, no_secret = services.forwarding_set(principal=owner, url=receiver.url + "?v=2")
    assert again.pk == forwarder.pk and no_secret is None
    services.emit_many([(SMS, world.customer.pk, {"iccid": "A", "n": n}) for n in (1, 2)])
    assert pump_until_idle() == 2
    assert [r.json for r in receiver.requests] == [
        {"id": 1, "sim": "A", "type": SMS},
        {"id": 2, "sim": "A", "type": SMS},
    ]
    assert all(signatures_of(r, secret) for r in receiver.requests)
    assert services.stream_send_test(principal=owner, stream_id=forwarder.pk).ok
    assert receiver.requests[-1].json == {"id": "test-sms", "payload": "hello"}
    services.forwarding_delete(principal=owner)
    assert selectors.forwarding_get(principal=owner) is None


def test_ten_streams_per_organisation_and_the_forwarder_does_not_count(world, owner, receiver, webhook):
    services.forwarding_set(principal=owner, url=receiver.url)
    for n in range(10):
        webhook(name=f"Stream {n}")
    with pytest.raises(ValidationFailed) as refused:
        webhook(name="Eleventh")
    assert refused.value.code == "stream_limit"
    other, _secret = webhook(principal=principal_of(world.other_owner))  # another organisation has its own ten
    assert other.organisation_id == world.other.pk


def test_a_formatter_failing_on_an_event_drops_that_event_only(world, receiver, webhook):
    webhook()
    services.emit_many([usage(world.customer.pk, "A", 1)])
    OutboxEvent.objects.update(payload={"iccid": "A"})  # the formatter needs "n": this event cannot be formatted
    services.emit_many([usage(world.customer.pk, "A", 2)])
    pump_until_idle()
    assert [r["id"] for r in receiver.records()] == [2]
    assert not StreamItem.objects.exists()
