from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from switchboard.events import services
from switchboard.events.models import AuditEntry, Delivery, OutboxEvent
from switchboard.events.registry import _handlers, handles

seen: list[str] = []
failures = {"left": 0}


@pytest.fixture(autouse=True)
def test_handlers():
    seen.clear()

    @handles("test.happened")
    def record(event):
        seen.append(str(event.id))

    @handles("test.happened")
    def flaky(event):
        AuditEntry.objects.create(
            organisation_id=1,
            actor_kind="system",
            actor_label="t",
            action="flaky",
            object_type="x",
            object_id="1",
            object_repr="x",
        )
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("downstream is down")

    yield
    _handlers.pop("test.happened")


def test_event_is_written_with_the_change_and_delivered_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_id = services.emit("test.happened", organisation_id=7, payload={"a": 1})
        assert seen == []  # nothing leaves before commit
    assert seen == [str(event_id)]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_rolled_back_change_leaves_no_event(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.emit("test.happened", organisation_id=7, payload={})
        raise RuntimeError("the change failed")
    assert not OutboxEvent.objects.exists()
    assert seen == []


def test_failing_handler_is_retried_alone_with_backoff(db, django_capture_on_commit_callbacks):
    failures["left"] = 1
    with django_capture_on_commit_callbacks(execute=True):
        event_id = services.emit("test.happened", organisation_id=7, payload={})
    flaky = Delivery.objects.get(handler__endswith="flaky")
    assert flaky.status == "pending" and flaky.attempts == 1 and "downstream" in flaky.last_error
    assert flaky.next_attempt_at > timezone.now()
    assert AuditEntry.objects.filter(action="flaky").count() == 0  # the failed attempt's writes rolled back
    Delivery.objects.filter(pk=flaky.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert services.sweep_outbox() == 1
    flaky.refresh_from_db()
    assert flaky.status == "delivered" and flaky.attempts == 2
    assert seen == [str(event_id)]  # the healthy handler was not run again


def test_gives_up_after_the_configured_attempts(db, settings):
    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "OUTBOX_MAX_ATTEMPTS": 2}
    failures["left"] = 5
    event_id = services.emit("test.happened", organisation_id=None, payload={})
    for _ in range(2):
        Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        services.deliver_event(event_id=event_id)
    assert Delivery.objects.get(handler__endswith="flaky").status == "failed"
    failures["left"] = 0


def test_sweep_delivers_events_whose_enqueue_was_lost(db):
    event_id = services.emit("test.happened", organisation_id=None, payload={})  # no commit hook ran
    assert services.sweep_outbox() == 1
    assert seen == [str(event_id)]


def test_events_without_handlers_are_kept_but_not_queued(db):
    services.emit("test.nobody_listens", organisation_id=None, payload={})
    assert OutboxEvent.objects.filter(type="test.nobody_listens").exists()
    assert not Delivery.objects.exists()


def test_audit_changes_lists_only_touched_fields():
    from switchboard.events.templatetags.audit import changes

    entry = AuditEntry(before={"city": "Bonn", "name": "A"}, after={"city": "Kiel", "name": "A", "new": 1})
    assert changes(entry) == [("city", "Bonn", "Kiel"), ("new", None, 1)]
