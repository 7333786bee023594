"""SIM transfer inside one customer's tree: master ⇄ its sub-organisations, never sub → sub or across trees."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import OrganisationKind

from .. import identifiers
from ..contracts import SimEventType
from ..models import Sim
from ._common import audit_sim, record_event

MAX_TRANSFER = 100_000


def parse_iccid_list(text: str, *, field: str = "file") -> tuple[list[str], list[tuple[str, str]]]:
    """ICCIDs from an uploaded CSV/TXT: one per line or separated by commas; `FROM;TO` on a line is a range."""
    iccids: list[str] = []
    ranges: list[tuple[str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().strip("\ufeff")
        if not line or line.lower().startswith("iccid"):
            continue
        where = f"{field}:{number}"
        if ";" in line:
            parts = [p.strip() for p in line.split(";") if p.strip()]
            if len(parts) != 2:
                raise ValidationFailed(
                    _("Line %(n)d: a range is FROM;TO.") % {"n": number}, field=field, code="bad_range"
                )
            ranges.append(
                (identifiers.iccid(parts[0], field=where).short, identifiers.iccid(parts[1], field=where).short)
            )
        else:
            iccids.extend(identifiers.iccid(p, field=where).short for p in re.split(r"[,\s]+", line) if p)
    return iccids, ranges


def _endpoints(principal: Principal, target_organisation_id: int | None) -> tuple[int, set[int]]:
    """The target and the set of organisations SIMs may come from (the master and its sub-organisations)."""
    master = tenancy.organisation_ref(organisation_id=principal.organisation_id)
    if master is None or master.kind is not OrganisationKind.CUSTOMER:
        raise PermissionDenied(_("SIMs are transferred by the master organisation of a customer."), code="not_a_master")
    children = {c.id for c in tenancy.child_refs(organisation_id=master.id)}
    target = master.id if target_organisation_id is None else target_organisation_id
    if target != master.id and target not in children:
        raise NotFound(_("Organisation not found."), field="target_organisation", code="organisation_not_found")
    return target, {master.id} | children


@transaction.atomic
def sims_transfer(
    *,
    principal: Principal,
    target_organisation_id: int | None,
    iccids: Iterable[str] = (),
    ranges: Iterable[tuple[str, str]] = (),
) -> int:
    """Move the SIMs to the target; all or nothing. Without a target they return to the master."""
    principal.require(Permission.ORGANISATIONS_MANAGE)
    target, family = _endpoints(principal, target_organisation_id)
    keys = [identifiers.iccid(i, field="iccids").short for i in iccids]
    bounds = [
        (identifiers.iccid(a, field="iccid_ranges").short, identifiers.iccid(b, field="iccid_ranges").short)
        for a, b in ranges
    ]
    if not keys and not bounds:
        raise ValidationFailed(_("Name at least one ICCID or range."), field="iccids", code="required")
    for low, high in bounds:
        if low > high:
            raise ValidationFailed(
                _("Range %(a)s to %(b)s ends before it starts.") % {"a": low, "b": high}, field="iccid_ranges"
            )
    chosen = Q(iccid__in=keys)
    for low, high in bounds:
        chosen |= Q(iccid__gte=low, iccid__lte=high)
    sims = list(Sim.objects.select_for_update().filter(chosen, organisation_id__in=family)[: MAX_TRANSFER + 1])
    if len(sims) > MAX_TRANSFER:
        raise ValidationFailed(_("At most 100,000 SIMs per transfer."), field="iccid_ranges", code="too_many")
    found = {s.iccid for s in sims}
    missing = [k for k in keys if k not in found]
    if missing:
        raise NotFound(_("SIM %(iccid)s not found.") % {"iccid": missing[0]}, field="iccids", code="sim_not_found")
    if not sims:
        raise NotFound(_("No SIMs in the given ranges."), field="iccid_ranges", code="sim_not_found")
    master = principal.organisation_id
    for sim in sims:
        if sim.organisation_id == target:
            raise ValidationFailed(
                _("SIM %(iccid)s already belongs to that organisation.") % {"iccid": sim.iccid},
                field="iccids",
                code="already_there",
            )
        if sim.organisation_id != master and target != master:
            raise PermissionDenied(
                _("SIM %(iccid)s belongs to a sub-organisation; transfer it back to the master first.")
                % {"iccid": sim.iccid},
                field="iccids",
                code="sub_to_sub",
            )
    at = timezone.now()
    for sim in sims:
        source = sim.organisation_id
        sim.organisation_id = target
        sim.save(update_fields=["organisation_id", "updated_at"])
        record_event(sim, SimEventType.TRANSFERRED, at=at, detail={"from": source, "to": target})
        audit_sim(
            principal, "sim.transferred", sim, before={"organisation_id": source}, after={"organisation_id": target}
        )
    return len(sims)
