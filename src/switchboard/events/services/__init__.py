from ..registry import handles
from .audit import audit_record
from .outbox import deliver_event, emit, sweep_outbox

__all__ = ["audit_record", "deliver_event", "emit", "handles", "sweep_outbox"]
