"""Auto top-up: when a SIM's data or SMS falls under 20 %, one top-up order, fulfilled at once.

The quota's threshold event arrives through the outbox (at least once, possibly in parallel workers), so the run is
claimed by a unique row per SIM, service and crossing; a crossing is known by the moment the quota fell under 20 %,
which the next top-up or renewal clears, so the next crossing is a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from switchboard.catalog import selectors as catalog
from switchboard.catalog.contracts import ProductType
from switchboard.connectivity import selectors as connectivity
from switchboard.connectivity import services as sims
from switchboard.core.errors import DomainError
from switchboard.core.principal import ActorKind, Permission, Principal
from switchboard.events.services import audit_record, emit

from ..contracts import OrderType
from ..models import AutoTopUp, AutoTopUpRun, Order
from .topups import refuse_expired, topup_order

SERVICE_PRODUCTS = {"data": ProductType.DATA_TOPUP, "sms": ProductType.SMS_TOPUP}


@transaction.atomic
def auto_top_up_set(*, principal: Principal, enabled: bool, iccids: Iterable[object] | None = None) -> int:
    """Switch auto top-up on or off for the given SIMs, or (no ICCIDs) for every SIM of the organisation — off
    for all means off for each too; returns how many settings changed."""
    principal.require(Permission.ORDERS_CREATE)
    mine = AutoTopUp.objects.filter(organisation_id=principal.organisation_id)
    if iccids is None:
        targets: list[int | None] = [None]
    else:
        refs = sims.sims_for_order(principal, iccids)
        if enabled:
            refuse_expired(refs)
        targets = [ref.id for ref in refs]
    changed = 0
    for sim_id in targets:
        if enabled:
            _row, created = mine.get_or_create(organisation_id=principal.organisation_id, sim_id=sim_id)
            changed += created
        elif sim_id is None:
            changed += mine.delete()[0]  # off for all SIMs: also those switched on one by one
        else:
            changed += mine.filter(sim_id=sim_id).delete()[0]
    audit_record(
        principal=principal,
        action="auto_top_up.enabled" if enabled else "auto_top_up.disabled",
        object_type="organisation" if iccids is None else "sims",
        object_id=principal.organisation_id,
        object_repr=_("all SIMs") if iccids is None else ", ".join(str(pk) for pk in targets),
        after={"enabled": enabled, "sims": "all" if iccids is None else targets},
    )
    return changed


def _robot(organisation_id: int) -> Principal:
    """Who places an auto top-up: the organisation's standing order, not a person."""
    return Principal(
        ActorKind.SYSTEM,
        organisation_id,
        "system",
        frozenset({Permission.VIEW, Permission.ORDERS_CREATE, Permission.ORDERS_VIEW}),
        None,
        str(_("Auto top-up")),
    )


def _cycle(low_since: datetime) -> int:
    """A crossing under 20 % by its moment: each new crossing (after a top-up or a renewal) is a new one."""
    return int(low_since.timestamp() * 1_000_000)


def auto_top_up_on(organisation_id: int, sim_id: int) -> bool:
    on = AutoTopUp.objects.filter(Q(sim_id=None) | Q(sim_id=sim_id), organisation_id=organisation_id)
    return on.exists()


@transaction.atomic
def auto_top_up_run(*, organisation_id: int, sim_id: int, iccid: str, service: str) -> Order | None:
    """Top the SIM up if auto top-up is on, its quota is still low (a top-up may have come first) and this
    crossing has not been handled; None when nothing was done."""
    if service not in SERVICE_PRODUCTS or not auto_top_up_on(organisation_id, sim_id):
        return None
    since = connectivity.low_since(sim_id=sim_id, organisation_id=organisation_id, service=service)
    if since is None:
        return None
    try:
        with transaction.atomic():
            run = AutoTopUpRun.objects.create(sim_id=sim_id, service=service, cycle=_cycle(since))
    except IntegrityError:
        return None  # handled already, here or by a parallel worker
    product = catalog.default_product(organisation_id=organisation_id, type=SERVICE_PRODUCTS[service])
    if product is None:
        return None  # no top-up on sale
    try:
        order = topup_order(
            principal=_robot(organisation_id),
            iccids=[iccid],
            product_id=product.id,
            order_type=OrderType.AUTO_TOPUP,
        )
    except DomainError:
        return None  # the SIM changed hands or has expired: nothing to top up (the claim stays)
    run.order = order
    run.save(update_fields=["order"])
    emit("orders.auto_topup.done", organisation_id=organisation_id, payload={"order_id": order.pk, "service": service})
    return order
