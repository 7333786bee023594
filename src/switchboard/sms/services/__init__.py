"""Writes of the SMS context: customers send and cancel MT messages; the gateway moves them."""

from .network import (
    MO_RECEIVED,
    apply_receipt,
    claim,
    due_ids,
    expire_overdue,
    mark_parts_taken,
    mark_submit_failed,
    mark_submitted,
    normalise_number,
    parts_taken,
    sms_received,
)
from .sending import BulkOutcome, MtRequest, sms_cancel, sms_send, sms_send_bulk
from .smsc import SmscSettings, smsc_configure

__all__ = [
    "MO_RECEIVED",
    "BulkOutcome",
    "MtRequest",
    "SmscSettings",
    "apply_receipt",
    "claim",
    "due_ids",
    "expire_overdue",
    "mark_parts_taken",
    "mark_submit_failed",
    "mark_submitted",
    "normalise_number",
    "parts_taken",
    "sms_cancel",
    "sms_received",
    "sms_send",
    "sms_send_bulk",
    "smsc_configure",
]
