"""Outbox handlers of the connectivity context: the volume notification mails (1NCE's Volume Notifications).

A SIM event under 20 %, used up or at the monthly limit is mailed to the users the organisation chose for that
condition, each in their language. Exactly once per event: the outbox runs a handler once unless it fails, and the
mails are all rendered before the first goes out, over one connection, so only a connection lost halfway can repeat
the mails that went before it (a retry then sends them all again; no "sent" table can close that gap, since a handler's
writes roll back with its failure)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from switchboard.events.contracts import EventEnvelope
from switchboard.events.services import handles

from . import selectors
from .contracts import Service, SimEventType, VolumeCondition
from .events import sim_event_type

SUBJECT = gettext_lazy("%(condition)s: SIM %(iccid)s")


@handles(sim_event_type(SimEventType.QUOTA_THRESHOLD_REACHED))
@handles(sim_event_type(SimEventType.QUOTA_EXHAUSTED))
@handles(sim_event_type(SimEventType.MONTHLY_LIMIT_REACHED))
def mail_volume_notification(event: EventEnvelope) -> None:
    detail = event.payload.get("detail") or {}
    condition = VolumeCondition.of(SimEventType(event.payload["type"]), detail.get("service", ""))
    if condition is None or event.organisation_id is None:
        return
    recipients = selectors.unscoped_volume_recipients(organisation_id=event.organisation_id, condition=condition)
    sim = selectors.unscoped_sim_ref(sim_id=event.payload["sim_id"]) if recipients else None
    if sim is None:
        return
    context = {
        "sim": sim,
        "condition": condition.value,
        "detail": detail,
        "is_data": detail.get("service") == Service.DATA,
        "link": settings.BASE_URL + reverse("connectivity:sim_detail", kwargs={"iccid": sim.iccid}),
        "settings_link": settings.BASE_URL + reverse("connectivity:configuration") + "#volume-notifications",
    }
    messages = []
    for recipient in recipients:
        with translation.override(recipient.language):
            subject = str(SUBJECT) % {"condition": condition.label, "iccid": sim.iccid}
            body = render_to_string("connectivity/mail/volume_notification.txt", context)
        messages.append(EmailMessage(subject, body, None, [recipient.email]))
    get_connection().send_messages(messages)
