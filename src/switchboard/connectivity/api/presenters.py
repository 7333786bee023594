"""The payloads of the 1NCE-compatible Management API: one function per schema of `shared/specs/1nce/` (v1, v2).

What clients of the real API rely on (reference/1nce-api.md §5.8, §8), and so what these functions do:
- a value we do not know is left out, never sent as null (no `imei` key before a device was seen, no `label` key
  while there is none). Only where the v2 schema makes a key required and we have no value (tunnel ids of a PDP
  context, which our gateways do not report) is it an empty string;
- volumes are decimal megabytes (contracts.MB): numbers in SIMs and quotas, strings in usage;
- v1 timestamps look like 2018-03-09T07:59:09.000+0000, quota and location dates like 2031-11-26 00:00:00, v2
  timestamps are RFC 3339 in UTC (2023-03-01T12:07:09.000Z);
- the v1 location writes `iso_code`, as the real API does (the spec says `iso-code`); other value types follow the
  spec (ids of the v1 location are strings).
Our own numbers stand in for 1NCE's internal ids: the SIM's id is also its endpoint and IMSI id, an operator's id is
its MCC and MNC written as one number (262/01 → 26201), a country's id is its ISO 3166 numeric code.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import IntEnum
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.core.formats import plain_datetime, v1_timestamp, v2_timestamp
from switchboard.tenancy.contracts import OrganisationRef

from ..contracts import (
    MB,
    THRESHOLD_PERCENT,
    ConnectivityStatus,
    FailureCause,
    QuotaStatus,
    Rat,
    Service,
    SimEventType,
    SimStatus,
)
from ..countries import country as country_of
from ..models import Sim, SimConnectivity, SimEvent
from ..selectors import LimitChoice, UsageDay

Kind = Literal["data", "sms"]

PEAK_THROUGHPUT = 1_000_000  # bit/s: the network's maximum speed up and down (service description)
SERVICES = ["GPRS"]
# 3GPP TS 29.274 RAT types, the ids emnify and 1NCE show in `rat_type.rat_type_id`.
RAT_IDS = {Rat.UMTS: 1, Rat.GSM: 2, Rat.LTE: 6, Rat.NB_IOT: 8, Rat.LTE_M: 9, Rat.NR: 10}
RAT_NAMES = {r.value for r in Rat}
V1_RATS = {Rat.LTE_M: Rat.LTE}  # the v1 enum knows 2G, 3G, 4G, 5G and NB-IoT only

# emnify's event sources: the network, the platform's policy (volumes, limits), or a customer's change.
NETWORK, POLICY, CUSTOMER = (0, "Network"), (1, "Policy Control"), (2, "API")
EVENT_SOURCES = {
    SimEventType.QUOTA_THRESHOLD_REACHED: POLICY,
    SimEventType.QUOTA_EXHAUSTED: POLICY,
    SimEventType.MONTHLY_LIMIT_REACHED: POLICY,
    SimEventType.SMS_REFUSED: POLICY,
    SimEventType.STATUS_CHANGED: CUSTOMER,
    SimEventType.LABEL_CHANGED: CUSTOMER,
    SimEventType.TRANSFERRED: CUSTOMER,
    SimEventType.CONNECTION_RESET: CUSTOMER,
    SimEventType.QUOTA_ADDED: CUSTOMER,
    SimEventType.LIFETIME_EXTENDED: CUSTOMER,
    SimEventType.ASSIGNED: CUSTOMER,
    SimEventType.IMEI_LOCK_CHANGED: CUSTOMER,
}
LOCATION_EVENTS = {SimEventType.ATTACH, SimEventType.DETACH, SimEventType.LOCATION_UPDATED}
PDP_EVENTS = {
    SimEventType.PDP_CONTEXT_CREATED,
    SimEventType.PDP_CONTEXT_DELETED,
    SimEventType.PDP_CONTEXT_REFUSED,
}
QUOTA_EVENTS = {SimEventType.QUOTA_THRESHOLD_REACHED, SimEventType.QUOTA_EXHAUSTED}
FAILURE_CAUSES = {c.value for c in FailureCause}

# Keys the v2 schema requires of a PDP context; those we cannot fill stay empty strings.
V2_PDP_CONTEXT_KEYS = (
    "pdp_context_id",
    "endpoint_id",
    "tariff_id",
    "ratezone_id",
    "organisation_id",
    "tx_teid_data_plane",
    "tx_teid_control_plane",
    "rx_teid",
    "rx_teid_data_plane",
    "rx_teid_control_plane",
    "gtp_version",
    "nsapi",
    "sgsn_control_plane_ip_address",
    "sgsn_data_plane_ip_address",
    "ggsn_control_plane_ip_address",
    "ggsn_data_plane_ip_address",
    "created",
    "mcc",
    "mnc",
    "lac",
    "ci",
    "sac",
    "rac",
    "ue_ip_address",
    "imeisv",
    "rat_type",
    "region",
    "apn",
    "sim_id",
    "imsi_id",
    "imsi",
)


class V2QuotaState(IntEnum):
    """The v2 quota status ids."""

    EXHAUSTED = 0
    ACTIVE = 1
    EXPIRED = 2


def _compact(**fields: Any) -> dict[str, Any]:
    """Leave out what is unknown: None, empty strings and empty objects (False, 0 and [] are values)."""
    return {k: v for k, v in fields.items() if not (v is None or v == "" or (type(v) is dict and not v))}


# Formats


def _number(value: float) -> int | float:
    """500.0 is written 500, as the real API does; fractions keep six decimals (bytes in MB)."""
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded


def megabytes(n_bytes: int) -> int | float:
    return _number(n_bytes / MB)


def megabytes_text(n_bytes: int) -> str:
    return f"{n_bytes / MB:.6f}".rstrip("0").rstrip(".")


def _amount(kind: Kind, value: float) -> int | float:
    """A quota amount in API units: MB for data, messages for SMS."""
    return megabytes(value) if kind == "data" else _number(value)


# SIMs and quotas


def _quota_status(sim: Sim, kind: Kind) -> dict[str, Any]:
    status = QuotaStatus(getattr(sim, f"{kind}_status"))
    return _compact(
        id=int(status),
        description=status.description,
        threshold_reached_date=v1_timestamp(getattr(sim, f"{kind}_threshold_at")),
        quota_exceeded_date=v1_timestamp(getattr(sim, f"{kind}_exhausted_at")),
    )


def sim_card(sim: Sim) -> dict[str, Any]:
    """v1 `SIM_card`, the same as v2 `SimsSim`. `current_quota` is the data volume left, as in the portal."""
    return _compact(
        iccid=sim.iccid,
        iccid_with_luhn=sim.iccid_with_luhn,
        imsi=sim.imsi,
        imsi_2=sim.imsi_2,
        msisdn=sim.msisdn,
        imei=sim.imei,
        imei_lock=sim.imei_lock,
        status=sim.status,
        activation_date=v1_timestamp(sim.activation_date),
        ip_address=sim.ip_address,
        current_quota=megabytes(sim.data_remaining),
        quota_status=_quota_status(sim, "data"),
        current_quota_SMS=sim.sms_remaining,
        quota_status_SMS=_quota_status(sim, "sms"),
        label=sim.label,
    )


def quota_v1(sim: Sim, kind: Kind) -> dict[str, Any]:
    """v1 `Quota`; the status changes at activation, so that is the date before any other change."""
    changed = getattr(sim, f"{kind}_status_changed_at") or sim.activation_date
    return _compact(
        volume=_amount(kind, getattr(sim, f"{kind}_remaining")),
        total_volume=_amount(kind, getattr(sim, f"{kind}_total")),
        expiry_date=plain_datetime(sim.lifetime_end),
        peak_throughput=PEAK_THROUGHPUT if kind == "data" else None,
        last_volume_added=_amount(kind, getattr(sim, f"{kind}_last_added")),
        last_status_change_date=plain_datetime(changed),
        threshold_percentage=THRESHOLD_PERCENT,
    )


def _v2_quota_state(sim: Sim, kind: Kind, now: datetime) -> V2QuotaState:
    if sim.lifetime_end is not None and sim.lifetime_end <= now:
        return V2QuotaState.EXPIRED
    if getattr(sim, f"{kind}_remaining") <= 0:
        return V2QuotaState.EXHAUSTED
    return V2QuotaState.ACTIVE


def quota_v2(sim: Sim, kind: Kind) -> dict[str, Any]:
    """v2 `SimsQuota`. Top-ups add to the total, so the total is also the accumulated total."""
    state = _v2_quota_state(sim, kind, timezone.now())
    total = getattr(sim, f"{kind}_total")
    return _compact(
        id=sim.pk,
        status={"id": int(state), "description": state.name},
        volume=_amount(kind, getattr(sim, f"{kind}_remaining")),
        total_volume=_amount(kind, total),
        accumulated_total_volume=_amount(kind, total),
        last_volume_added=_amount(kind, getattr(sim, f"{kind}_last_added")),
        service=kind,
        threshold_percentage=THRESHOLD_PERCENT,
        threshold_volume=_amount(kind, total * THRESHOLD_PERCENT / 100),
        expiry_date=v2_timestamp(sim.lifetime_end),
        created_at=v2_timestamp(sim.activation_date),
    )


# Usage


def _usage_row(label: str, data_rx: int, data_tx: int, sms_mo: int, sms_mt: int) -> dict[str, Any]:
    return {
        "date": label,
        "data": {
            "volume": megabytes_text(data_rx + data_tx),
            "volume_tx": megabytes_text(data_tx),
            "volume_rx": megabytes_text(data_rx),
        },
        "sms": {"volume": str(sms_mo + sms_mt), "volume_tx": str(sms_mt), "volume_rx": str(sms_mo)},
    }


def daily_usage(days: list[UsageDay]) -> dict[str, Any]:
    """v1 `DailyUsage`: a row per day as given (newest first), then the `TOTAL` row."""
    rows = [_usage_row(d.date.isoformat(), d.data_rx, d.data_tx, d.sms_mo, d.sms_mt) for d in days]
    totals = (sum(d.data_rx for d in days), sum(d.data_tx for d in days))
    sms = (sum(d.sms_mo for d in days), sum(d.sms_mt for d in days))
    return {"stats": [*rows, _usage_row("TOTAL", *totals, *sms)]}


# Limits


def limit_option(choice: LimitChoice) -> dict[str, Any]:
    """`CurrentLimitData` / `CurrentLimitSMS`: the limit as a string in the service's unit."""
    limit = megabytes_text(choice.amount) if choice.service is Service.DATA else str(choice.amount)
    return {"id": choice.id, "limit": limit, "unit": choice.service.unit}


def limits(chosen: dict[Service, LimitChoice | None]) -> dict[str, Any]:
    """v1 `Values_for_Limits`; a service without a limit is left out."""
    keys = {Service.DATA: "data", Service.SMS_MT: "smsMt", Service.SMS_MO: "smsMo"}
    return {keys[service]: limit_option(choice) for service, choice in chosen.items() if choice is not None}


# Connectivity


def _status(state: SimConnectivity | None) -> ConnectivityStatus:
    return ConnectivityStatus(state.status) if state is not None else ConnectivityStatus.OFFLINE


def _operator_id(state: SimConnectivity) -> int | None:
    return int(state.mcc + state.mnc) if state.mcc.isdigit() and state.mnc.isdigit() else None


def _cell(state: SimConnectivity) -> dict[str, Any]:
    """Area and cell from the last User-Location-Info: LAC and CI of 2G/3G cells, TAC and ECI of 4G cells."""
    where = state.location or {}
    return _compact(
        lac=where.get("lac", where.get("tac")),
        cid=where.get("ci", where.get("eci")),
        mcc=where.get("mcc") or state.mcc,
        mnc=where.get("mnc") or state.mnc,
    )


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


def _located(state: SimConnectivity | None) -> bool:
    return state is not None and bool(state.operator or state.country or state.mcc)


def _duration(since: datetime | None) -> str | None:
    if since is None:
        return None
    seconds = max(int((timezone.now() - since).total_seconds()), 0)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _rat_v1(state: SimConnectivity) -> dict[str, Any] | None:
    if state.rat not in RAT_NAMES:
        return None
    rat = Rat(state.rat)
    return {"rat_type_id": str(RAT_IDS[rat]), "description": V1_RATS.get(rat, rat).value}


def _rat_v2(state: SimConnectivity) -> dict[str, Any]:
    known = state.rat in RAT_NAMES
    return {"rat_type_id": str(RAT_IDS[Rat(state.rat)]) if known else "", "description": state.rat}


def _location_v1(sim: Sim, state: SimConnectivity) -> dict[str, Any]:
    country = country_of(state.country)
    operator_id = _operator_id(state)
    return _compact(
        iccid=sim.iccid,
        imsi=sim.imsi,
        last_updated=plain_datetime(state.last_updated),
        operator_id=_text(operator_id),
        operator=_compact(
            id=_text(operator_id),
            name=state.operator,
            country=_compact(id=_text(country.id), name=country.name, iso_code=country.iso_code) if country else None,
        ),
        country=_compact(
            country_id=_text(country.id),
            name=country.name,
            country_code=country.dialling_code,
            mcc=state.mcc,
            iso_code=country.iso_code,
        )
        if country
        else _compact(mcc=state.mcc, iso_code=state.country.lower()),
    )


def _pdp_ids(sim: Sim, state: SimConnectivity) -> dict[str, Any]:
    """What both versions' PDP contexts say about the session and the SIM (the SIM id stands in for 1NCE's ids)."""
    return {
        "pdp_context_id": state.session_id,
        "endpoint_id": str(sim.pk),
        "tariff_id": str(sim.plan_id),
        "organisation_id": str(sim.organisation_id),
        "imsi_id": str(sim.pk),
        "imsi": sim.imsi,
        "sim_id": str(sim.pk),
        "mcc": state.mcc,
        "mnc": state.mnc,
        "operator_id": _text(_operator_id(state)),
        "ue_ip_address": state.ip_address,
    }


def _pdp_context_v1(sim: Sim, state: SimConnectivity) -> dict[str, Any]:
    cell = _cell(state)
    return _compact(
        **_pdp_ids(sim, state),
        created=v1_timestamp(state.session_started_at),
        lac=_text(cell.get("lac")),
        ci=_text(cell.get("cid")),
        duration=_duration(state.session_started_at),
        rat_type=_rat_v1(state),
    )


def _state_of(sim: Sim) -> SimConnectivity | None:
    """The SIM's network state; a SIM never seen on the network has none."""
    return getattr(sim, "connectivity", None)


def connectivity_v1(sim: Sim) -> dict[str, Any]:
    """v1 `Connectivity` (GET /status): the location once the SIM was seen, the PDP context while ONLINE."""
    state = _state_of(sim)
    status = _status(state)
    body: dict[str, Any] = {"status": status.value}
    if _located(state):
        body["location"] = _location_v1(sim, state)
    if status is ConnectivityStatus.ONLINE:
        body["pdp_context"] = _pdp_context_v1(sim, state)
    body["services"] = SERVICES if status is not ConnectivityStatus.OFFLINE else []
    return body


def connectivity_info(sim: Sim, *, subscriber: bool, ussd: bool, requested_at: datetime) -> dict[str, Any]:
    """v1 `ConnectivityInfo`, answered from the stored network state instead of a live query of the VLR."""
    state = _state_of(sim)
    body: dict[str, Any] = {}
    if ussd:
        body["ussd_info"] = {"success": False, "error": _("USSD queries are not supported.")}
    if subscriber:
        if state is None or _status(state) is ConnectivityStatus.OFFLINE:
            body["subscriber_info"] = {"success": False, "state": "not_provided_from_vlr"}
        else:
            age = int((requested_at - state.last_updated).total_seconds() // 60) if state.last_updated else None
            location = _compact(current_location_retrieved=False, age_of_location=age, cell_global_id=_cell(state))
            body["subscriber_info"] = _compact(success=True, state="assumed_idle", location=location)
    body["request_timestamp"] = v1_timestamp(requested_at)
    body["reply_timestamp"] = v1_timestamp(timezone.now())
    return body


def _location_v2(sim: Sim, state: SimConnectivity) -> dict[str, Any]:
    """v2 `SimsLocation`: operator and country only when every key their schema requires is known."""
    country = country_of(state.country)
    operator_id = _operator_id(state)
    body = _compact(
        iccid=sim.iccid,
        imsi=sim.imsi,
        last_updated=plain_datetime(state.last_updated),
        operator_id=_text(operator_id),
    )
    if country is not None and operator_id and state.operator:
        body["operator"] = {
            "id": operator_id,
            "name": state.operator,
            "mnc": state.mnc,
            "country": {"id": country.id, "name": country.name, "iso_code": country.iso_code},
        }
    if country is not None and state.mcc:
        body["country"] = {
            "country_id": str(country.id),
            "name": country.name,
            "country_code": country.dialling_code,
            "mcc": state.mcc,
            "iso_code": country.iso_code,
        }
    return body


def _uli_v2(state: SimConnectivity) -> dict[str, Any]:
    """The User-Location-Info as `gtp_v1_uli` (2G/3G cell, service or routing area) or `gtp_v2_uli` (4G)."""
    where = state.location or {}
    v1_keys = [k for k in ("lac", "ci", "sac", "rac") if k in where]
    v2_keys = [k for k in ("tac", "eci") if k in where]
    if v2_keys:
        return {"gtp_v2_uli": {k: str(where[k]) for k in v2_keys}}
    if v1_keys:
        return {"gtp_v1_uli": {k: str(where[k]) for k in v1_keys}}
    return {}


def _pdp_context_v2(sim: Sim, state: SimConnectivity) -> dict[str, Any]:
    where = state.location or {}
    known = _compact(
        **_pdp_ids(sim, state),
        created=v2_timestamp(state.session_started_at),
        lac=_text(where.get("lac")),
        ci=_text(where.get("ci")),
        sac=_text(where.get("sac")),
        rac=_text(where.get("rac")),
        rat_type=_rat_v2(state),
        apn=state.apn,
        ipcan_session_id=state.session_id,
        **_uli_v2(state),
    )
    return {**dict.fromkeys(V2_PDP_CONTEXT_KEYS, ""), **known}


def connectivity_v2(sim: Sim, *, limit_reached: bool) -> dict[str, Any]:
    """v2 `SimsConnectivityDetail`; a disabled SIM is BLOCKED whatever the network last said."""
    state = _state_of(sim)
    status = _status(state)
    shown = "BLOCKED" if sim.status == SimStatus.DISABLED else status.value
    body: dict[str, Any] = {
        "status": {"description": shown},
        "data_traffic_limit_state": {"description": "REACHED" if limit_reached else "NOT_REACHED"},
    }
    if _located(state):
        body["location"] = _location_v2(sim, state)
    body["pdp_contexts"] = [_pdp_context_v2(sim, state)] if status is ConnectivityStatus.ONLINE else []
    body["services"] = SERVICES if status is not ConnectivityStatus.OFFLINE else []
    return body


# Events


def _summary(event: SimEvent) -> str:
    """The event in words: its type, what changed, and why a session was refused."""
    detail = event.detail
    if "from" in detail and "to" in detail:
        return f"{event.description} from '{detail['from']}' to '{detail['to']}'"
    if detail.get("cause") in FAILURE_CAUSES:
        return f"{event.description}: {detail['cause']}"
    return event.description


def sim_event_v1(event: SimEvent, sim: Sim) -> dict[str, Any]:
    """v1 `SIM_Event`: `event_type` is a text, as in 1NCE's "Status of SIM changed from ... to ..."."""
    detail = event.detail
    country = country_of(detail.get("country", ""))
    imei = detail.get("to") if event.type == SimEventType.IMEI_CHANGED else detail.get("imei")
    return _compact(
        timestamp=v1_timestamp(event.timestamp),
        event_type=_summary(event),
        iccid=sim.iccid,
        imei=imei,
        imsi=sim.imsi,
        country=country.name if country else None,
        operator=detail.get("operator"),
        mcc=detail.get("mcc"),
        mnc=detail.get("mnc"),
        alert=event.alert,
        event_severity="Warn" if event.alert else "Info",
    )


def event_collection(events: Iterable[SimEvent], sim: Sim, *, total: int, pages: int) -> dict[str, Any]:
    """v1 `EventCollection`."""
    return {"events": [sim_event_v1(e, sim) for e in events], "totalEvents": total, "totalPages": pages}


def _country_v2(iso_code: str, mcc: str) -> dict[str, Any]:
    """v2 `Country` as far as known."""
    country = country_of(iso_code)
    if country is None:
        return _compact(mcc=mcc, iso_code=iso_code.lower())
    return _compact(
        id=country.id, name=country.name, country_code=country.dialling_code, mcc=mcc, iso_code=country.iso_code
    )


def _event_detail(event: SimEvent, sim: Sim) -> dict[str, Any]:
    """The typed `detail` of a v2 event; events of other types say what happened in `description` only."""
    detail = event.detail
    kind = SimEventType(event.type)
    if kind in LOCATION_EVENTS:
        return _compact(
            name=detail.get("operator"),
            country=_country_v2(detail.get("country", ""), detail.get("mcc", "")),
            mnc=[{"mnc": detail["mnc"]}] if detail.get("mnc") else None,
        )
    if kind in PDP_EVENTS:
        cause = detail.get("cause")
        context = _compact(
            ue_ip_address=detail.get("ip_address"),
            apn=detail.get("apn"),
            mcc=detail.get("mcc"),
            mnc=detail.get("mnc"),
            imsi=sim.imsi,
            ipcan_session_id=detail.get("session_id"),
        )
        return _compact(
            name=detail.get("operator"),
            country=_country_v2(detail.get("country", ""), detail.get("mcc", "")),
            data_service_failure_cause=cause if cause in FAILURE_CAUSES else None,
            pdp_context=context,
        )
    if kind in QUOTA_EVENTS and detail.get("service") in ("data", "sms"):
        service: Kind = detail["service"]
        total = detail.get("total", 0)
        quota = {
            "volume": _amount(service, detail.get("remaining", 0)),
            "total_volume": _amount(service, total),
            "threshold": {
                "percentage": THRESHOLD_PERCENT,
                "volume": _amount(service, total * THRESHOLD_PERCENT / 100),
            },
        }
        return {"quota": quota}
    return {}


def event_v2(event: SimEvent, sim: Sim, organisation: OrganisationRef | None) -> dict[str, Any]:
    """v2 `Event` (emnify's shape)."""
    kind = SimEventType(event.type)
    source_id, source = EVENT_SOURCES.get(kind, NETWORK)
    return _compact(
        id=event.pk,
        event_type={"id": int(kind), "description": kind.description},
        timestamp=v2_timestamp(event.timestamp),
        alert=event.alert,
        description=_summary(event),
        event_source={"id": source_id, "description": source},
        event_severity={"id": 1, "description": "WARN"} if event.alert else {"id": 0, "description": "INFO"},
        organisation=_compact(id=organisation.id, name=organisation.company_name) if organisation else None,
        endpoint=_compact(id=sim.pk, name=sim.iccid, ip_address=sim.ip_address, imei=sim.imei),
        sim=_compact(id=sim.pk, iccid=sim.iccid, msisdn=sim.msisdn),
        imsi={"id": sim.pk, "imsi": sim.imsi},
        detail=_event_detail(event, sim),
    )
