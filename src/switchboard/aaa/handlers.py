"""Outbox handlers: the customer's actions that must cut a live data session reach the gateway from here."""

from __future__ import annotations

from switchboard.connectivity.contracts import SimEventType, SimStatus
from switchboard.connectivity.events import sim_event_type
from switchboard.events.contracts import EventEnvelope
from switchboard.events.services import handles

from . import services


@handles(sim_event_type(SimEventType.CONNECTION_RESET))
def disconnect_on_reset(event: EventEnvelope) -> None:
    services.disconnect_sim(sim_id=event.payload["sim_id"], reason="connection_reset")


@handles(sim_event_type(SimEventType.STATUS_CHANGED))
def disconnect_on_deactivation(event: EventEnvelope) -> None:
    if event.payload["detail"].get("to") == SimStatus.DISABLED.value:
        services.disconnect_sim(sim_id=event.payload["sim_id"], reason="sim_disabled")
