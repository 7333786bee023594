"""What orders do to SIMs: deliver them from stock, top them up, extend their lifetime.

The orders app has already checked who may order what; these take SIM ids (or a count from stock) and run inside
the order's transaction, so a refusal here leaves the order untouched too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.core.errors import ValidationFailed
from switchboard.core.principal import Principal
from switchboard.tenancy import selectors as tenancy

from ..contracts import SimEventType, SimRef
from ..models import Sim
from . import addressing, quotas
from ._common import record_event, sims_for_update
from .inventory import activate
from .sims import extend


def ref(sim: Sim) -> SimRef:
    return SimRef(sim.pk, sim.iccid, sim.label, sim.imsi, sim.msisdn or "")


def stock_sims(form_factor: str = "") -> Iterable[Sim]:
    """The operator's undelivered SIMs (of one form factor, if given), oldest first."""
    sims = Sim.objects.filter(organisation_id__in=tenancy.operator_ids(), activation_date=None)
    return sims.filter(form_factor=form_factor) if form_factor else sims


def sims_for_order(principal: Principal, iccids: Iterable[object], *, field: str = "iccids") -> list[SimRef]:
    """The caller's SIMs a top-up or an extension is for (all or nothing); expired SIMs only take an extension,
    which the caller checks with `expired`."""
    return [ref(sim) for sim in sims_for_update(principal, iccids, field=field)]


def expired(sim_ids: Iterable[int], at: datetime | None = None) -> list[str]:
    """ICCIDs of those SIMs whose lifetime has ended: they cannot be topped up, only extended."""
    at = at or timezone.now()
    return list(Sim.objects.filter(pk__in=list(sim_ids), lifetime_end__lte=at).values_list("iccid", flat=True))


@transaction.atomic
def sims_deliver(
    *, organisation_id: int, form_factor: str, count: int, data_bytes: int | None = None, sms: int | None = None
) -> list[SimRef]:
    """Take `count` SIMs from stock for a customer: each starts its lifetime with the volumes it was sold with
    (its plan's if none are given) and gets its static address."""
    sims = list(stock_sims(form_factor).select_for_update().order_by("pk")[:count])
    if len(sims) < count:
        raise ValidationFailed(
            _("Only %(n)s SIM cards (%(ff)s) are in stock; %(wanted)s are needed.")
            % {"n": len(sims), "ff": form_factor or _("any form factor"), "wanted": count},
            field="quantity",
            code="out_of_stock",
        )
    addressing.assign_addresses(sims, organisation_id)
    at = timezone.now()
    for sim in sims:
        activate(sim, organisation_id, at, data=data_bytes, sms=sms)
    return [ref(sim) for sim in sims]


@transaction.atomic
def sims_top_up(*, sim_ids: Iterable[int], data_bytes: int, sms: int) -> list[SimRef]:
    """Add volume: the quota status follows at once, so a SIM cut off for an empty quota may attach again."""
    at = timezone.now()
    sims = list(Sim.objects.select_for_update().filter(pk__in=list(sim_ids)).order_by("pk"))
    for sim in sims:
        if data_bytes:
            quotas.add_volume(sim, "data", data_bytes, at)
        if sms:
            quotas.add_volume(sim, "sms", sms, at)
        sim.save()
        record_event(sim, SimEventType.QUOTA_ADDED, at=at, detail={"data": data_bytes, "sms": sms})
    return [ref(sim) for sim in sims]


@transaction.atomic
def sims_extend(*, sim_ids: Iterable[int]) -> list[SimRef]:
    at = timezone.now()
    sims = list(Sim.objects.select_for_update().filter(pk__in=list(sim_ids)).order_by("pk"))
    for sim in sims:
        extend(sim, at)
    return [ref(sim) for sim in sims]
