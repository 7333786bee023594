"""Outbox handlers of the tenancy context: the invitation and password mails."""

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

from switchboard.events.contracts import EventEnvelope
from switchboard.events.services import handles

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
