"""Filling the stream queues (fan-out when events are emitted, replay) and keeping them and the outbox bounded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from switchboard.core.errors import ValidationFailed
from switchboard.events import services
from switchboard.events.models import DataStream, Delivery, OutboxEvent, StreamAttempt, StreamItem
from switchboard.events.tests.conftest import EVENT, USAGE, principal_of, pump_until_idle, usage


def queued(stream: DataStream) -> list[tuple[str, int]]:
    return [
        (item.event.type, item.event.payload["n"])
        for item in StreamItem.objects.filter(stream=stream).select_related("event").order_by("id")
    ]


def test_events_go_to_the_streams_of_their_organisation_and_kind_only(world, owner, webhook):
    usage_stream, _ = webhook(kind="usage")
    events_stream, _ = webhook(kind="events")
    paused, _ = webhook(kind="usage", name="Paused")
    services.stream_pause(principal=owner, stream_id=paused.pk)
    foreign, _ = webhook(kind="usage", principal=principal_of(world.other_owner))
    customer, other = world.customer.pk, world.other.pk
    services.emit_many(
        [
            usage(customer, "A", 1),
            (EVENT, customer, {"iccid": "A", "n": 2}),
            usage(other, "Z", 3),
            ("test.nobody_streams_this", customer, {"iccid": "A", "n": 4}),
            (USAGE, None, {"iccid": "A", "n": 5}),
        ]
    )
    services.emit(USAGE, organisation_id=customer, payload={"iccid": "B", "n": 6})
    assert queued(usage_stream) == [(USAGE, 1), (USAGE, 6)]
    assert queued(paused) == [(USAGE, 1), (USAGE, 6)]
    assert queued(events_stream) == [(EVENT, 2)]
    assert queued(foreign) == [(USAGE, 3)]
    assert set(StreamItem.objects.filter(stream=usage_stream).values_list("partition", flat=True)) == {"A", "B"}


def test_fan_out_costs_the_same_statements_for_ten_events_as_for_a_thousand(world, webhook):
    webhook(kind="usage")
    webhook(kind="events")
    webhook(kind="usage", principal=principal_of(world.other_owner))

    def statements(count: int) -> list[tuple[str, str]]:
        batch = [usage(world.customer.pk if n % 2 else world.other.pk, "A", n) for n in range(count)]
        with CaptureQueriesContext(connection) as captured:
            services.emit_many(batch)
        return [(q["sql"].split()[0], re.search(r'(?:INTO|FROM) "(\w+)"', q["sql"]).group(1)) for q in captured]

    few, many = statements(10), statements(1000)
    shapes = {("INSERT", "events_outboxevent"), ("SELECT", "events_datastream"), ("INSERT", "events_streamitem")}
    assert set(few) == set(many) == shapes  # bulk INSERTs (split into chunks by the driver) and one SELECT
    assert many.count(("SELECT", "events_datastream")) == 1  # the streams of both organisations at once
    assert StreamItem.objects.count() == 1010


def test_events_of_a_type_no_stream_takes_cost_no_extra_statement(world, webhook):
    webhook(kind="usage")
    with CaptureQueriesContext(connection) as captured:
        services.emit("test.nobody_streams_this", organisation_id=world.customer.pk, payload={})
    assert len(captured.captured_queries) == 1  # the outbox row itself


def _backdate(n: int, days: float) -> None:
    OutboxEvent.objects.filter(payload__n=n).update(occurred_at=timezone.now() - timedelta(days=days))


def test_replay_queues_the_window_again_in_order_for_that_stream_only(world, owner, receiver, webhook):
    stream, _ = webhook(kind="usage")
    other_stream, _ = webhook(kind="events")
    customer = world.customer.pk
    services.emit_many(
        [usage(customer, "A", 1), usage(customer, "A", 2), usage(customer, "B", 3), usage(world.other.pk, "A", 4)]
    )
    services.emit_many([(EVENT, customer, {"iccid": "A", "n": 5})])
    for n, days in ((1, 6), (2, 3), (3, 2), (4, 2), (5, 2)):
        _backdate(n, days)
    pump_until_idle()
    receiver.requests.clear()

    now = timezone.now()
    queued_again = services.stream_replay(principal=owner, stream_id=stream.pk, start=now - timedelta(days=4), end=now)
    assert queued_again == 2
    assert not StreamItem.objects.filter(stream=other_stream).exists()
    pump_until_idle()
    assert [r["id"] for r in receiver.records()] == [2, 3]  # the same record ids as the first time


def test_replay_refuses_a_window_older_than_seven_days_or_reversed(owner, webhook):
    stream, _ = webhook()
    now = timezone.now()
    with pytest.raises(ValidationFailed) as too_old:
        services.stream_replay(principal=owner, stream_id=stream.pk, start=now - timedelta(days=8), end=now)
    assert (too_old.value.field, too_old.value.code) == ("start", "too_old")
    with pytest.raises(ValidationFailed) as reversed_window:
        services.stream_replay(principal=owner, stream_id=stream.pk, start=now, end=now - timedelta(hours=1))
    assert reversed_window.value.field == "end"


def test_purge_keeps_what_a_stream_or_a_handler_still_needs(world, webhook):
    stream, _ = webhook()
    services.emit_many([usage(world.customer.pk, "A", n) for n in (1, 2, 3, 4)])
    services.emit("test.unrelated", organisation_id=None, payload={"n": 5})
    for n in (1, 2, 3, 5):
        _backdate(n, 9)
    StreamItem.objects.filter(event__payload__n__in=[2, 3]).update(enqueued_at=timezone.now() - timedelta(days=8))
    StreamItem.objects.filter(event__payload__n=1).delete()  # delivered
    old_attempt = StreamAttempt.objects.create(stream=stream, records=1, ok=True, latency_ms=1)
    StreamAttempt.objects.filter(pk=old_attempt.pk).update(at=timezone.now() - timedelta(days=31))
    recent_attempt = StreamAttempt.objects.create(stream=stream, records=1, ok=True, latency_ms=1)
    event_5 = OutboxEvent.objects.get(payload__n=5)
    Delivery.objects.create(event=event_5, handler="pending.handler", next_attempt_at=timezone.now())

    services.purge_streams()
    assert not StreamItem.objects.filter(event__payload__n__in=[2, 3]).exists()  # a week in the queue at most
    assert list(StreamAttempt.objects.all()) == [recent_attempt]
    assert services.purge_outbox() == 3  # 1 (delivered), 2 and 3 (expired from the queue)
    assert sorted(OutboxEvent.objects.values_list("payload__n", flat=True)) == [4, 5]  # recent; a handler is due


def test_the_delivery_log_keeps_a_bounded_number_of_attempts_per_stream(webhook, monkeypatch):
    from switchboard.events.services.streams import queue

    stream, _ = webhook()
    monkeypatch.setattr(queue, "ATTEMPTS_PER_STREAM", 3)
    StreamAttempt.objects.bulk_create(StreamAttempt(stream=stream, records=n, ok=True, latency_ms=1) for n in range(5))
    services.purge_streams()
    assert list(StreamAttempt.objects.order_by("id").values_list("records", flat=True)) == [2, 3, 4]
