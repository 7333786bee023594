"""What customers change on their SIMs: status, label, IMEI lock, connection reset, lifetime extension."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.core import validation as v
from switchboard.core.errors import ValidationFailed
from switchboard.core.principal import Permission, Principal

from .. import identifiers
from ..contracts import SimEventType, SimStatus
from ..models import Sim
from . import quotas
from ._common import audit_sim, own_sims, record_event, sim_for_update, sims_for_update

LABEL_MAX = 100


@dataclass(frozen=True)
class SimChange:
    """One SIM's requested change; a field left as None is not touched (1NCE's partial PUT)."""

    iccid: str
    status: str | None = None
    label: str | None = None
    imei_lock: bool | None = None


def clean_status(value: object, *, field: str = "status") -> SimStatus:
    return SimStatus(v.choice(value, field=field, allowed=[s.value for s in SimStatus]))


def clean_label(value: object, *, field: str = "label") -> str:
    return v.text(value, field=field, max_length=LABEL_MAX, required=False)


def _apply_status(sim: Sim, status: SimStatus, at: datetime) -> None:
    if sim.status == status:
        return
    if status is SimStatus.ENABLED and sim.activation_date is None:
        raise ValidationFailed(_("SIM %(iccid)s has not been delivered yet.") % {"iccid": sim.iccid}, field="status")
    record_event(sim, SimEventType.STATUS_CHANGED, at=at, detail={"from": sim.status, "to": status.value})
    sim.status = status


def _apply_label(sim: Sim, label: str, at: datetime) -> None:
    if sim.label == label:
        return
    record_event(sim, SimEventType.LABEL_CHANGED, at=at, detail={"from": sim.label, "to": label})
    sim.label = label


def _apply_imei_lock(sim: Sim, locked: bool, at: datetime) -> None:
    if sim.imei_lock == locked:
        return
    record_event(sim, SimEventType.IMEI_LOCK_CHANGED, at=at, detail={"locked": locked, "imei": sim.imei})
    sim.imei_lock = locked


def _change(principal: Principal, sim: Sim, change: SimChange, at: datetime, prefix: str = "") -> Sim:
    before = {"status": sim.status, "label": sim.label, "imei_lock": sim.imei_lock}
    if change.label is not None:
        _apply_label(sim, clean_label(change.label, field=f"{prefix}label"), at)
    if change.imei_lock is not None:
        _apply_imei_lock(sim, bool(change.imei_lock), at)
    if change.status is not None:
        _apply_status(sim, clean_status(change.status, field=f"{prefix}status"), at)
    after = {"status": sim.status, "label": sim.label, "imei_lock": sim.imei_lock}
    if after != before:
        sim.save()
        changed = [k for k in after if after[k] != before[k]]
        audit_sim(
            principal, "sim.updated", sim, before={k: before[k] for k in changed}, after={k: after[k] for k in changed}
        )
    return sim


@transaction.atomic
def sim_update(*, principal: Principal, change: SimChange) -> Sim:
    principal.require(Permission.SIMS_MANAGE)
    return _change(principal, sim_for_update(principal, change.iccid), change, timezone.now())


@transaction.atomic
def sims_update(*, principal: Principal, changes: list[SimChange]) -> list[Sim]:
    """Bulk change, all or nothing; errors name the item (`items[3].label`)."""
    principal.require(Permission.SIMS_MANAGE)
    sims = {s.iccid: s for s in sims_for_update(principal, [c.iccid for c in changes])}
    at = timezone.now()
    return [
        _change(principal, sims[identifiers.iccid(c.iccid).short], c, at, prefix=f"items[{i}].")
        for i, c in enumerate(changes)
    ]


@transaction.atomic
def sims_set_status(*, principal: Principal, iccids: Iterable[str], status: str) -> int:
    principal.require(Permission.SIMS_MANAGE)
    wanted = clean_status(status)
    return _each(principal, iccids, lambda sim, at: _change(principal, sim, SimChange(sim.iccid, status=wanted), at))


@transaction.atomic
def sims_set_label_prefix(*, principal: Principal, iccids: Iterable[str], prefix: str) -> int:
    """Labels become prefix + running number (e.g. "Berlin-001"), in ICCID order."""
    principal.require(Permission.SIMS_MANAGE)
    prefix = v.text(prefix, field="prefix", max_length=LABEL_MAX - 6)
    sims = sorted(sims_for_update(principal, iccids), key=lambda s: s.iccid)
    width = max(3, len(str(len(sims))))
    at = timezone.now()
    for number, sim in enumerate(sims, start=1):
        _change(principal, sim, SimChange(sim.iccid, label=f"{prefix}-{number:0{width}d}"), at)
    return len(sims)


@transaction.atomic
def sims_set_imei_lock(*, principal: Principal, locked: bool, iccids: Iterable[str] | None = None) -> int:
    """IMEI lock for the chosen SIMs, or for every SIM of the organisation when no ICCIDs are given."""
    principal.require(Permission.SIMS_MANAGE)
    at = timezone.now()
    if iccids is None:
        sims = list(own_sims(principal).select_for_update().exclude(imei_lock=locked))
    else:
        sims = sims_for_update(principal, iccids)
    for sim in sims:
        _change(principal, sim, SimChange(sim.iccid, imei_lock=locked), at)
    return len(sims)


def _each(principal: Principal, iccids: Iterable[str], fn) -> int:
    at = timezone.now()
    sims = sims_for_update(principal, iccids)
    for sim in sims:
        fn(sim, at)
    return len(sims)


@transaction.atomic
def sim_reset(*, principal: Principal, iccid: str) -> Sim:
    """Ask the network to drop the data session; the AAA sends the Disconnect-Request when it sees the event."""
    principal.require(Permission.SIMS_MANAGE)
    sim = sim_for_update(principal, iccid)
    record_event(sim, SimEventType.CONNECTION_RESET, detail={"requested_by": principal.label})
    return sim


def extend(sim: Sim, at: datetime) -> None:
    base = max(sim.lifetime_end or at, at)
    sim.lifetime_end = base + relativedelta(months=sim.plan.lifetime_months)
    quotas.renew(sim, data=sim.plan.data_bytes, sms=sim.plan.sms, at=at)
    sim.save()
    record_event(sim, SimEventType.LIFETIME_EXTENDED, at=at, detail={"lifetime_end": sim.lifetime_end.isoformat()})
