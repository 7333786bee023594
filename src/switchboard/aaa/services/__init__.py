"""Writes of the AAA context: RADIUS clients, accounting batches, Disconnect-Requests."""

from .accounting import account, authorize
from .clients import NasClientChange, nas_client_create, nas_client_delete, nas_client_update
from .disconnects import disconnect_answered, disconnect_sim, disconnects_due
from .retention import purge_sessions

__all__ = [
    "NasClientChange",
    "account",
    "authorize",
    "disconnect_answered",
    "disconnect_sim",
    "disconnects_due",
    "nas_client_create",
    "nas_client_delete",
    "nas_client_update",
    "purge_sessions",
]
