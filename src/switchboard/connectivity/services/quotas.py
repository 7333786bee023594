"""Quota and monthly-counter arithmetic on a locked SIM row; the callers save the row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from ..contracts import QuotaStatus, Service, SimEventType
from ..models import DailyUsage, MonthlyUsage, OrganisationLimits, Sim
from ._common import month_of, record_event

QUOTA_FIELDS = {
    "data": ("data_total", "data_remaining", "data_last_added", "data_status"),
    "sms": ("sms_total", "sms_remaining", "sms_last_added", "sms_status"),
}


def set_status(sim: Sim, kind: str, at: datetime) -> None:
    """Move the quota status to match the remaining volume; each crossing downwards is one event."""
    before = QuotaStatus(getattr(sim, f"{kind}_status"))
    after = QuotaStatus.of(getattr(sim, f"{kind}_remaining"), getattr(sim, f"{kind}_total"))
    if after == before:
        return
    setattr(sim, f"{kind}_status", after)
    setattr(sim, f"{kind}_status_changed_at", at)
    detail = {"service": kind, "remaining": getattr(sim, f"{kind}_remaining"), "total": getattr(sim, f"{kind}_total")}
    if after > before:  # less volume than before
        if getattr(sim, f"{kind}_threshold_at") is None:
            setattr(sim, f"{kind}_threshold_at", at)
        if after == QuotaStatus.EXHAUSTED:
            setattr(sim, f"{kind}_exhausted_at", at)
            record_event(sim, SimEventType.QUOTA_EXHAUSTED, at=at, detail=detail)
        else:
            record_event(sim, SimEventType.QUOTA_THRESHOLD_REACHED, at=at, detail=detail)
    else:  # volume was added: the next crossing is a new one
        setattr(sim, f"{kind}_exhausted_at", None)
        if after == QuotaStatus.AVAILABLE:
            setattr(sim, f"{kind}_threshold_at", None)


def consume(sim: Sim, kind: str, amount: int, at: datetime) -> int:
    """Take up to `amount` from the quota, never below zero; returns what was left before."""
    remaining = getattr(sim, f"{kind}_remaining")
    setattr(sim, f"{kind}_remaining", max(0, remaining - amount))
    set_status(sim, kind, at)
    return remaining


def add_volume(sim: Sim, kind: str, amount: int, at: datetime) -> None:
    """A top-up: the volume is added to what is left and to the total."""
    setattr(sim, f"{kind}_total", getattr(sim, f"{kind}_total") + amount)
    setattr(sim, f"{kind}_remaining", getattr(sim, f"{kind}_remaining") + amount)
    setattr(sim, f"{kind}_last_added", amount)
    set_status(sim, kind, at)


def renew(sim: Sim, *, data: int, sms: int, at: datetime) -> None:
    """A new lifetime starts with fresh volumes; what was left of the old one has expired."""
    sim.data_total = sim.data_remaining = sim.data_last_added = data
    sim.sms_total = sim.sms_remaining = sim.sms_last_added = sms
    for kind in QUOTA_FIELDS:
        set_status(sim, kind, at)


def roll_month(sim: Sim, today: date) -> None:
    """Monthly counters start from zero on the 1st; done lazily when the SIM is next touched."""
    month = month_of(today)
    if sim.usage_month != month:
        sim.usage_month = month
        sim.month_data = sim.month_sms_mo = sim.month_sms_mt = 0


def month_used(sim: Sim, service: Service, today: date) -> int:
    if sim.usage_month != month_of(today):
        return 0
    return {Service.DATA: sim.month_data, Service.SMS_MO: sim.month_sms_mo, Service.SMS_MT: sim.month_sms_mt}[service]


def limits_of(organisation_id: int) -> dict[Service, int]:
    """The organisation's chosen monthly limits per service (bytes or messages); absent means unlimited."""
    return limits_for([organisation_id]).get(organisation_id, {})


def limits_for(organisation_ids: Iterable[int]) -> dict[int, dict[Service, int]]:
    """`limits_of` for many organisations in one query (a RADIUS batch spans several customers)."""
    rows = OrganisationLimits.objects.filter(organisation_id__in=set(organisation_ids)).values_list(
        "organisation_id", "data__amount", "sms_mo__amount", "sms_mt__amount"
    )
    services = (Service.DATA, Service.SMS_MO, Service.SMS_MT)
    return {
        organisation_id: {
            service: amount for service, amount in zip(services, amounts, strict=True) if amount is not None
        }
        for organisation_id, *amounts in rows
    }


def add_usage(sim: Sim, day: date, *, data_rx: int = 0, data_tx: int = 0, sms_mo: int = 0, sms_mt: int = 0) -> None:
    """Daily row per SIM and monthly row per organisation, both incremented in place."""
    amounts = {"data_rx": data_rx, "data_tx": data_tx, "sms_mo": sms_mo, "sms_mt": sms_mt}
    increments = {name: F(name) + value for name, value in amounts.items() if value}
    if not increments:
        return
    # The SIM row is locked by the caller, so its daily row cannot be created twice at once.
    if not DailyUsage.objects.filter(sim=sim, date=day).update(**increments):
        DailyUsage.objects.create(sim=sim, date=day, organisation_id=sim.organisation_id, **amounts)
    month = month_of(day)
    monthly = MonthlyUsage.objects.filter(organisation_id=sim.organisation_id, month=month)
    if monthly.update(**increments):
        return
    try:
        with transaction.atomic():  # another SIM of the organisation may create the row at the same moment
            MonthlyUsage.objects.create(organisation_id=sim.organisation_id, month=month, **amounts)
    except IntegrityError:
        monthly.update(**increments)
