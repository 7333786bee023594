from ..registry import handles
from .audit import audit_record
from .outbox import deliver_event, emit, emit_many, purge_outbox, sweep_outbox
from .streams import mqtt, webhook  # noqa: F401  (register the built-in stream targets)
from .streams.manage import (
    forwarding_delete,
    forwarding_set,
    stream_create,
    stream_delete,
    stream_pause,
    stream_replay,
    stream_resume,
    stream_rotate_secret,
    stream_send_test,
    stream_update,
)
from .streams.pump import pump_streams
from .streams.queue import purge_streams

__all__ = [
    "audit_record",
    "deliver_event",
    "emit",
    "emit_many",
    "forwarding_delete",
    "forwarding_set",
    "handles",
    "pump_streams",
    "purge_outbox",
    "purge_streams",
    "stream_create",
    "stream_delete",
    "stream_pause",
    "stream_replay",
    "stream_resume",
    "stream_rotate_secret",
    "stream_send_test",
    "stream_update",
    "sweep_outbox",
]
