from ..registry import handles
from .audit import audit_record
from .outbox import deliver_event, emit, emit_many, sweep_outbox

__all__ = ["audit_record", "deliver_event", "emit", "emit_many", "handles", "sweep_outbox"]
