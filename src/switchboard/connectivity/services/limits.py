"""Monthly limits for all SIMs of an organisation, chosen from the steps the operator offers."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from switchboard.core.errors import ValidationFailed
from switchboard.core.principal import Permission, Principal
from switchboard.events.services import audit_record

from ..contracts import Service
from ..models import LimitStep, OrganisationLimits

FIELDS = {Service.DATA: "data", Service.SMS_MO: "sms_mo", Service.SMS_MT: "sms_mt"}


def _step(service: Service, step_id: int | None, field: str) -> LimitStep | None:
    if step_id in (None, 0):
        return None
    step = LimitStep.objects.filter(pk=step_id, service=service, active=True).first()
    if step is None:
        raise ValidationFailed(
            _("Choose one of the offered %(service)s limits.") % {"service": service.label},
            field=field,
            code="unknown_limit",
        )
    return step


@transaction.atomic
def limits_set(
    *, principal: Principal, data_step_id: int | None, sms_mo_step_id: int | None, sms_mt_step_id: int | None
) -> OrganisationLimits:
    """None (or 0) removes a limit. Applies to every SIM of the organisation from the next packet on."""
    principal.require(Permission.SIMS_MANAGE)
    chosen = {
        Service.DATA: _step(Service.DATA, data_step_id, "data_limit_id"),
        Service.SMS_MO: _step(Service.SMS_MO, sms_mo_step_id, "sms_mo_limit_id"),
        Service.SMS_MT: _step(Service.SMS_MT, sms_mt_step_id, "sms_mt_limit_id"),
    }
    limits, _created = OrganisationLimits.objects.select_for_update().get_or_create(
        organisation_id=principal.organisation_id
    )
    before = {FIELDS[s]: str(getattr(limits, FIELDS[s]) or "") for s in Service}
    for service, step in chosen.items():
        setattr(limits, FIELDS[service], step)
    limits.save()
    after = {FIELDS[s]: str(getattr(limits, FIELDS[s]) or "") for s in Service}
    if before != after:
        audit_record(
            principal=principal,
            action="limits.updated",
            object_type="limits",
            object_id=limits.pk,
            object_repr=_("Monthly limits"),
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return limits
