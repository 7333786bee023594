from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.core.errors import NotFound, PermissionDenied
from switchboard.core.principal import Principal
from switchboard.events.services import audit_record, emit_many
from switchboard.tenancy import selectors as tenancy

from .. import identifiers
from ..contracts import ALERT_EVENTS, SimEventType
from ..events import sim_event_type
from ..models import Sim, SimEvent


def own_sims(principal: Principal) -> QuerySet[Sim]:
    return Sim.objects.filter(organisation_id=principal.organisation_id)


def sim_for_update(principal: Principal, iccid: object) -> Sim:
    """The caller's SIM by either ICCID form, row-locked; anyone else's SIM is simply not found."""
    key = identifiers.iccid_lookup(iccid)
    sim = own_sims(principal).select_for_update().filter(iccid=key).first() if key else None
    if sim is None:
        raise NotFound(_("SIM not found."), field="iccid", code="sim_not_found")
    return sim


def sims_for_update(principal: Principal, iccids: Iterable[object], *, field: str = "iccids") -> list[Sim]:
    """All or nothing: one unknown ICCID refuses the whole batch, naming it."""
    keys = []
    for raw in iccids:
        key = identifiers.iccid_lookup(raw)
        if key is None:
            raise NotFound(_("SIM %(iccid)s not found.") % {"iccid": raw}, field=field, code="sim_not_found")
        keys.append(key)
    found = {s.iccid: s for s in own_sims(principal).select_for_update().filter(iccid__in=keys)}
    missing = [k for k in keys if k not in found]
    if missing:
        raise NotFound(_("SIM %(iccid)s not found.") % {"iccid": missing[0]}, field=field, code="sim_not_found")
    return [found[k] for k in dict.fromkeys(keys)]


def require_operator(principal: Principal) -> None:
    if not tenancy.is_operator(organisation_id=principal.organisation_id):
        raise PermissionDenied(_("Only the operator manages the SIM inventory."), code="operator_only")


_collected: ContextVar[list[tuple[Sim, SimEvent]] | None] = ContextVar("collected_sim_events", default=None)


def record_event(
    sim: Sim, event_type: SimEventType, *, at: datetime | None = None, detail: dict[str, Any] | None = None
) -> None:
    """Store a SIM event and put it in the outbox in the same transaction (inside `collecting_events`, at its end)."""
    at = at or timezone.now()
    event = SimEvent(
        sim=sim,
        organisation_id=sim.organisation_id,
        type=event_type,
        timestamp=at,
        alert=event_type in ALERT_EVENTS,
        description=event_type.description,
        detail=detail or {},
    )
    collected = _collected.get()
    if collected is not None:
        collected.append((sim, event))
    else:
        _store([(sim, event)])


@contextmanager
def collecting_events() -> Iterator[None]:
    """Write the SIM events of a batch with two INSERTs at the end instead of two per event (the AAA's batches:
    a gateway restart brings thousands of attach and session events at once)."""
    token = _collected.set([])
    try:
        yield
        _store(_collected.get())
    finally:
        _collected.reset(token)


def _store(events: list[tuple[Sim, SimEvent]]) -> None:
    if not events:
        return
    SimEvent.objects.bulk_create([event for _sim, event in events])
    emit_many(
        [
            (
                sim_event_type(SimEventType(event.type)),
                sim.organisation_id,
                {
                    "event_id": event.pk,
                    "sim_id": sim.pk,  # internal: lets other contexts (the AAA) act on the SIM without a lookup
                    "type": int(event.type),
                    "iccid": sim.iccid,
                    "imsi": sim.imsi,
                    "msisdn": sim.msisdn,
                    "imei": sim.imei,
                    "ip_address": sim.ip_address,
                    "timestamp": event.timestamp.isoformat(),
                    "detail": event.detail,
                },
            )
            for sim, event in events
        ]
    )


def audit_sim(principal: Principal, action: str, sim: Sim, *, before: dict, after: dict) -> None:
    audit_record(
        principal=principal,
        action=action,
        object_type="sim",
        object_id=sim.pk,
        object_repr=sim.iccid,
        before=before,
        after=after,
    )


def month_of(day: date) -> date:
    return day.replace(day=1)
