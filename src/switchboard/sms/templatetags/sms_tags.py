"""The SMS tab on the SIM page, filled without the SIM page's view knowing about SMS."""

from __future__ import annotations

from django import template
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

from switchboard.core.principal import Permission

from .. import selectors
from ..contracts import SmsStatus, SmsType
from ..portal.forms import SendSmsForm

register = template.Library()
PAGE_SIZE = 20
STATUS_LABELS = {
    SmsStatus.PENDING: _("Pending"),
    SmsStatus.DELIVERED: _("Delivered"),
    SmsStatus.FAILED: _("Failed"),
    SmsStatus.EXPIRED: _("Expired"),
    SmsStatus.CANCELLED: _("Cancelled"),
}
STATUS_BADGES = {
    SmsStatus.PENDING: "import-running",
    SmsStatus.DELIVERED: "done",
    SmsStatus.FAILED: "disabled",
    SmsStatus.EXPIRED: "disabled",
    SmsStatus.CANCELLED: "disabled",
}


@register.simple_tag(takes_context=True)
def sim_sms(context, sim) -> dict:
    request = context["request"]
    principal = request.principal
    messages = selectors.sms_list(principal=principal, iccid=sim.iccid)
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "pending": any(sms.status == SmsStatus.PENDING for sms in page),
        "can_send": principal.can(Permission.SMS_SEND),
        "form": context.get("sms_form") or SendSmsForm(),  # a refused send comes back with its text and message
    }


@register.filter
def sms_status(value: int) -> str:
    return str(STATUS_LABELS[SmsStatus(value)])


@register.filter
def sms_badge(value: int) -> str:
    return STATUS_BADGES[SmsStatus(value)]


@register.filter
def sms_direction(value: int) -> str:
    return str(_("to the device") if value == SmsType.MT else _("from the device"))
