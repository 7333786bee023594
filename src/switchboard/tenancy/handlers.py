"""Outbox handlers of the tenancy context: the invitation and password mails, and mails to an organisation's owners."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from switchboard.events.contracts import STREAM_DEGRADED, EventEnvelope
from switchboard.events.services import handles

from .contracts import Role
from .models import Membership, User


def _password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.BASE_URL + reverse("portal:password_set", kwargs={"uidb64": uid, "token": token})


def _send(user: User, subject: str, template: str, context: dict) -> None:
    body = render_to_string(template, {"user": user, "base_url": settings.BASE_URL, **context})
    send_mail(subject, body, None, [user.email])


@handles("tenancy.member.added")
def send_invitation(event: EventEnvelope) -> None:
    membership = (
        Membership.objects.select_related("user", "organisation").filter(pk=event.payload["membership_id"]).first()
    )
    if membership is None:  # removed again before the mail went out
        return
    user = membership.user
    with translation.override(user.language):
        context = {"organisation": membership.organisation, "role": membership.get_role_display()}
        if user.has_usable_password():
            _send(
                user,
                _("You have been given access to %(org)s") % {"org": membership.organisation.company_name},
                "tenancy/mail/access_granted.txt",
                context,
            )
        else:
            _send(
                user,
                _("Set your password for the Switchboard portal"),
                "tenancy/mail/invitation.txt",
                {**context, "link": _password_link(user)},
            )


@handles("tenancy.password_reset.requested")
def send_password_reset(event: EventEnvelope) -> None:
    user = User.objects.filter(pk=event.payload["user_id"], is_active=True).first()
    if user is None:
        return
    with translation.override(user.language):
        _send(
            user,
            _("Reset your Switchboard password"),
            "tenancy/mail/password_reset.txt",
            {"link": _password_link(user)},
        )


@handles(STREAM_DEGRADED)
def mail_owners_stream_degraded(event: EventEnvelope) -> None:
    """The stream emits this once per degradation; records keep queueing, so the mail says nothing is lost."""
    owners = User.objects.filter(
        memberships__organisation_id=event.organisation_id, memberships__role=Role.OWNER, is_active=True
    ).distinct()
    stream = event.payload
    for user in owners:
        with translation.override(user.language):
            body = _(
                'Your data stream "%(name)s" cannot deliver to its receiver (last answer: %(status)s).\n\n'
                "Nothing is lost: records keep queueing for up to 7 days and are retried automatically; once the "
                "receiver accepts them again, the backlog is delivered in order and the stream is active again.\n\n"
                "The delivery log in the portal (Integrations, Data streams) shows each attempt.\n\n%(base_url)s\n"
            ) % {"name": stream["name"], "status": stream["remote_status"] or "-", "base_url": settings.BASE_URL}
            send_mail(_('Data stream "%(name)s" is degraded') % {"name": stream["name"]}, body, None, [user.email])
