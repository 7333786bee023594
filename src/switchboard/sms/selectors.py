"""Reads of the SMS context, scoped to the caller's organisation."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from switchboard.connectivity import selectors as connectivity
from switchboard.core.errors import NotFound, PermissionDenied
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy

from .contracts import SmsStatus, SmsType
from .models import Sms, SmscConnection


def sms_list(*, principal: Principal, iccid: str, types: tuple[SmsType, ...] = ()) -> QuerySet[Sms]:
    """The SMS log of one SIM, newest first (MT and MO in one list, as in the portal)."""
    sim = connectivity.sim_get(principal=principal, iccid=iccid)
    messages = Sms.objects.filter(sim=sim).select_related("sim").order_by("-submit_date", "-id")
    return messages.filter(type__in=types) if types else messages


def sms_get(*, principal: Principal, iccid: str, sms_id: int) -> Sms:
    sms = sms_list(principal=principal, iccid=iccid).filter(pk=sms_id).first()
    if sms is None:
        raise NotFound(_("SMS not found."), field="id", code="sms_not_found")
    return sms


def has_pending(*, principal: Principal, iccid: str) -> bool:
    """Whether the log is still moving (the portal refreshes it until every MT is final)."""
    return sms_list(principal=principal, iccid=iccid).filter(status=SmsStatus.PENDING).exists()


def smsc_connection(*, principal: Principal) -> SmscConnection | None:
    """The operator's SMSC settings (None: the built-in simulated SMSC); for the operator's staff only."""
    principal.require(Permission.INTEGRATIONS_MANAGE)
    if not tenancy.is_operator(organisation_id=principal.organisation_id):
        raise PermissionDenied(_("Only the operator chooses the SMSC."), code="operator_only")
    return SmscConnection.objects.filter(operator_id=principal.organisation_id).first()
