"""Writes of the connectivity context. Customers' changes take the principal; the network's calls take SIM ids."""

from .addressing import assign_addresses, backfill_addresses
from .deliveries import expired, sims_deliver, sims_extend, sims_for_order, sims_top_up
from .inventory import default_plan, sim_import_run, sim_import_start, sims_assign
from .limits import limits_set
from .network import (
    admit_sms,
    authorize_data_session,
    authorize_sms,
    data_blocker,
    record_detach,
    record_location,
    record_refused_sms,
    record_session_start,
    record_session_stop,
    record_sms,
    record_usage,
    refund_sms,
)
from .notifications import volume_notifications_set
from .retention import purge_old_records
from .seeding import demo_fleet
from .sims import (
    SimChange,
    sim_reset,
    sim_update,
    sims_set_imei_lock,
    sims_set_label_prefix,
    sims_set_status,
    sims_update,
)
from .transfer import parse_iccid_list, sims_transfer

__all__ = [
    "SimChange",
    "admit_sms",
    "assign_addresses",
    "authorize_data_session",
    "authorize_sms",
    "backfill_addresses",
    "data_blocker",
    "default_plan",
    "demo_fleet",
    "expired",
    "limits_set",
    "parse_iccid_list",
    "purge_old_records",
    "record_detach",
    "record_location",
    "record_refused_sms",
    "record_session_start",
    "record_session_stop",
    "record_sms",
    "record_usage",
    "refund_sms",
    "sim_import_run",
    "sim_import_start",
    "sim_reset",
    "sim_update",
    "sims_assign",
    "sims_deliver",
    "sims_extend",
    "sims_for_order",
    "sims_set_imei_lock",
    "sims_set_label_prefix",
    "sims_set_status",
    "sims_top_up",
    "sims_transfer",
    "sims_update",
    "volume_notifications_set",
]
