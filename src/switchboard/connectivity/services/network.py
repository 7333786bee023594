"""What the network side (the RADIUS AAA, the SMSC adapters) calls: authorise, and record sessions and usage.

Each call locks one SIM row, so concurrent packets for the same SIM are counted one after the other.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.core.errors import ValidationFailed

from .. import identifiers
from ..contracts import (
    ConnectivityStatus,
    Decision,
    FailureCause,
    QuotaStatus,
    Service,
    SessionInfo,
    SimEventType,
    SimStatus,
    SmsDirection,
    UsageOutcome,
)
from ..models import Sim, SimConnectivity
from . import quotas
from ._common import record_event

SMS_SERVICE = {SmsDirection.MO: Service.SMS_MO, SmsDirection.MT: Service.SMS_MT}


def _sim_by_network_id(*, imsi: str = "", iccid: str = "") -> Sim | None:
    sims = Sim.objects.select_for_update()
    if imsi:
        found = sims.filter(Q(imsi=imsi) | Q(imsi_2=imsi)).first()
        if found is not None:
            return found
    key = identifiers.iccid_lookup(iccid) if iccid else None
    return sims.filter(iccid=key).first() if key else None


def _locked(sim_id: int) -> Sim:
    return Sim.objects.select_for_update().get(pk=sim_id)


def _state(sim: Sim) -> SimConnectivity:
    state, _created = SimConnectivity.objects.get_or_create(sim=sim)
    return state


def _in_stock(sim: Sim) -> bool:
    """Never delivered: only assignment to a customer starts a SIM's lifetime (no query on the AAA's hot path)."""
    return sim.activation_date is None


def _limit_exceeded(sim: Sim, service: Service, at: datetime) -> int | None:
    """The limit, if this SIM has used it up this month."""
    limit = quotas.limits_of(sim.organisation_id).get(service)
    if limit is not None and quotas.month_used(sim, service, timezone.localdate(at)) >= limit:
        return limit
    return None


def _refuse(sim: Sim, cause: FailureCause, at: datetime, message: str, **detail) -> Decision:
    record_event(sim, SimEventType.PDP_CONTEXT_REFUSED, at=at, detail={"cause": cause.value, **detail})
    return Decision(False, sim.pk, cause, message)


def _data_blocker(sim: Sim, at: datetime) -> tuple[FailureCause, str] | None:
    if sim.status != SimStatus.ENABLED or _in_stock(sim):
        return FailureCause.DATA_SERVICE_BARRED, _("The SIM is disabled.")
    if sim.lifetime_end is None or sim.lifetime_end <= at:
        return FailureCause.QUOTA_EXPIRED, _("The lifetime of the SIM has ended.")
    if sim.data_remaining <= 0:
        return FailureCause.QUOTA_EXHAUSTED, _("The data volume is used up.")
    if _limit_exceeded(sim, Service.DATA, at) is not None:
        return FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED, _("The monthly data limit is reached.")
    return None


def data_blocker(*, sim_id: int, at: datetime | None = None) -> FailureCause | None:
    """Why this SIM would get no data right now, if anything (shown on the SIM and its status)."""
    sim = Sim.objects.get(pk=sim_id)
    found = _data_blocker(sim, at or timezone.now())
    return found[0] if found else None


def _track_imei(sim: Sim, imei: str, at: datetime) -> None:
    if imei and imei != sim.imei:
        record_event(sim, SimEventType.IMEI_CHANGED, at=at, detail={"from": sim.imei, "to": imei})
        sim.imei = imei


@transaction.atomic
def authorize_data_session(
    *, imsi: str = "", iccid: str = "", imei: str = "", apn: str = "", at: datetime | None = None
) -> Decision:
    """May this SIM open a data session? A refusal is stored as a SIM event with its cause."""
    at = at or timezone.now()
    sim = _sim_by_network_id(imsi=imsi, iccid=iccid)
    if sim is None:
        return Decision(False, None, FailureCause.IMSI_NOT_FOUND, _("Unknown SIM."))
    try:
        device = identifiers.imei(imei) if imei else ""
    except ValidationFailed:
        device = ""
    blocker = _data_blocker(sim, at)
    if blocker is not None:
        return _refuse(sim, blocker[0], at, blocker[1], apn=apn, imei=device)
    allowed_apns = settings.SWITCHBOARD["APNS"]
    if apn and allowed_apns and apn.lower() not in allowed_apns:
        return _refuse(sim, FailureCause.APN_NOT_AUTHORIZED, at, _("The APN is not allowed."), apn=apn, imei=device)
    if sim.imei_lock:
        if not device and sim.imei:
            return _refuse(sim, FailureCause.IMEI_LOCK_ENFORCED, at, _("The device did not send its IMEI."), apn=apn)
        if sim.imei and device and device != sim.imei:
            return _refuse(
                sim,
                FailureCause.IMEI_LOCK_BREACHED,
                at,
                _("The SIM is locked to another device."),
                apn=apn,
                imei=device,
            )
    _track_imei(sim, device, at)  # with a lock and no IMEI yet, the first one seen is bound here
    sim.save(update_fields=["imei", "updated_at"])
    return Decision(True, sim.pk, None, "", sim.ip_address)


@transaction.atomic
def record_session_start(*, sim_id: int, info: SessionInfo, at: datetime | None = None) -> None:
    at = at or timezone.now()
    sim = _locked(sim_id)
    state = _state(sim)
    if state.status == ConnectivityStatus.OFFLINE:
        state.attached_at = at
        record_event(sim, SimEventType.ATTACH, at=at, detail=_network_detail(info))
    elif (state.operator, state.country) != (info.operator, info.country) and info.operator:
        record_event(sim, SimEventType.LOCATION_UPDATED, at=at, detail=_network_detail(info))
    _apply(state, info, at)
    state.status = ConnectivityStatus.ONLINE
    state.session_id = info.session_id
    state.session_started_at = at
    state.ip_address = info.ip_address or sim.ip_address
    state.apn = info.apn
    state.nas = info.nas
    state.save()
    detail = {**_network_detail(info), "ip_address": state.ip_address, "apn": info.apn, "session_id": info.session_id}
    record_event(sim, SimEventType.PDP_CONTEXT_CREATED, at=at, detail=detail)


@transaction.atomic
def record_location(*, sim_id: int, info: SessionInfo, at: datetime | None = None) -> None:
    """An interim update: the device may have moved to another network, country or radio technology."""
    at = at or timezone.now()
    sim = _locked(sim_id)
    state = _state(sim)
    changed = (state.operator, state.country, state.rat) != (info.operator, info.country, info.rat)
    if changed and info.operator:
        record_event(sim, SimEventType.LOCATION_UPDATED, at=at, detail=_network_detail(info))
    _apply(state, info, at)
    state.save()


@transaction.atomic
def record_session_stop(*, sim_id: int, at: datetime | None = None, cause: str = "") -> None:
    at = at or timezone.now()
    sim = _locked(sim_id)
    state = _state(sim)
    duration = int((at - state.session_started_at).total_seconds()) if state.session_started_at else 0
    record_event(
        sim,
        SimEventType.PDP_CONTEXT_DELETED,
        at=at,
        detail={"session_id": state.session_id, "cause": cause, "duration": duration},
    )
    state.status = ConnectivityStatus.ATTACHED  # still registered with the network until it detaches
    state.session_id = ""
    state.session_started_at = None
    state.ip_address = None
    state.nas = ""
    state.last_updated = at
    state.save()


@transaction.atomic
def record_detach(*, sim_id: int, at: datetime | None = None) -> None:
    at = at or timezone.now()
    sim = _locked(sim_id)
    state = _state(sim)
    if state.status == ConnectivityStatus.OFFLINE:
        return
    record_event(sim, SimEventType.DETACH, at=at, detail={"operator": state.operator, "country": state.country})
    state.status = ConnectivityStatus.OFFLINE
    state.session_id = ""
    state.session_started_at = None
    state.ip_address = None
    state.nas = ""
    state.last_updated = at
    state.save()


def _apply(state: SimConnectivity, info: SessionInfo, at: datetime) -> None:
    for field in ("operator", "mcc", "mnc", "country", "rat"):
        value = getattr(info, field)
        if value:
            setattr(state, field, value)
    if info.location:
        state.location = info.location
    state.last_updated = at


def _network_detail(info: SessionInfo) -> dict:
    detail = {
        "operator": info.operator,
        "country": info.country,
        "mcc": info.mcc,
        "mnc": info.mnc,
        "rat": info.rat,
    }
    if info.location:
        detail["location"] = info.location
    return {k: v for k, v in detail.items() if v}


@transaction.atomic
def record_usage(*, sim_id: int, rx: int, tx: int, at: datetime | None = None) -> UsageOutcome:
    """Count the bytes a session used since its last report; says whether the session must now be cut."""
    if rx < 0 or tx < 0:
        raise ValidationFailed(_("Usage cannot be negative."), field="rx" if rx < 0 else "tx")
    at = at or timezone.now()
    today = timezone.localdate(at)
    sim = _locked(sim_id)
    quotas.roll_month(sim, today)
    limit = quotas.limits_of(sim.organisation_id).get(Service.DATA)
    was_under_limit = limit is None or sim.month_data < limit
    sim.month_data += rx + tx
    quotas.consume(sim, "data", rx + tx, at)
    quotas.add_usage(sim, today, data_rx=rx, data_tx=tx)
    cause = None
    if sim.data_status == QuotaStatus.EXHAUSTED:
        cause = FailureCause.QUOTA_EXHAUSTED
    elif limit is not None and sim.month_data >= limit:
        cause = FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED
        if was_under_limit:
            record_event(sim, SimEventType.MONTHLY_LIMIT_REACHED, at=at, detail={"service": "data", "limit": limit})
    sim.save()
    return UsageOutcome(sim.pk, cause is not None, cause, sim.data_remaining)


def _sms_blocker(sim: Sim, direction: SmsDirection, at: datetime) -> str | None:
    if sim.status != SimStatus.ENABLED or _in_stock(sim):
        return _("The SIM is disabled.")
    if sim.lifetime_end is None or sim.lifetime_end <= at:
        return _("The lifetime of the SIM has ended.")
    if sim.sms_remaining <= 0:
        return _("The SMS volume is used up.")
    limit = _limit_exceeded(sim, SMS_SERVICE[direction], at)
    if limit is not None:
        return f"Traffic limit of {limit} SMS per month exceeded"  # 1NCE's wording, relied on by clients
    return None


@transaction.atomic
def authorize_sms(*, sim_id: int, direction: SmsDirection, at: datetime | None = None) -> Decision:
    at = at or timezone.now()
    sim = _locked(sim_id)
    message = _sms_blocker(sim, direction, at)
    if message is not None:
        record_event(sim, SimEventType.SMS_REFUSED, at=at, detail={"direction": direction.value, "reason": message})
        return Decision(False, sim.pk, None, message)
    return Decision(True, sim.pk)


@transaction.atomic
def record_sms(*, sim_id: int, direction: SmsDirection, at: datetime | None = None, count: int = 1) -> UsageOutcome:
    """Count an SMS (each part of a long message counts) against the quota and the monthly limit."""
    if count < 1:
        raise ValidationFailed(_("At least one SMS must be counted."), field="count")
    at = at or timezone.now()
    today = timezone.localdate(at)
    sim = _locked(sim_id)
    quotas.roll_month(sim, today)
    service = SMS_SERVICE[direction]
    counter = "month_sms_mo" if direction is SmsDirection.MO else "month_sms_mt"
    limit = quotas.limits_of(sim.organisation_id).get(service)
    was_under_limit = limit is None or getattr(sim, counter) < limit
    setattr(sim, counter, getattr(sim, counter) + count)
    quotas.consume(sim, "sms", count, at)
    quotas.add_usage(sim, today, **{"sms_mo" if direction is SmsDirection.MO else "sms_mt": count})
    limited = limit is not None and getattr(sim, counter) >= limit
    if limited and was_under_limit:
        record_event(sim, SimEventType.MONTHLY_LIMIT_REACHED, at=at, detail={"service": service.value, "limit": limit})
    sim.save()
    cause = None
    if sim.sms_status == QuotaStatus.EXHAUSTED:
        cause = FailureCause.QUOTA_EXHAUSTED
    elif limited:
        cause = FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED
    return UsageOutcome(sim.pk, cause is not None, cause, sim.sms_remaining)
