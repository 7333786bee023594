"""Outbox event types of the connectivity context (one per SIM event type, plus the inventory)."""

from .contracts import SimEventType

SIM_EVENT_PREFIX = "connectivity.sim."
SIM_IMPORT_FINISHED = "connectivity.import.finished"
DATA_USAGE = "connectivity.usage.data"  # a data session's usage record (data streams)


def sim_event_type(event_type: SimEventType) -> str:
    return SIM_EVENT_PREFIX + event_type.code
