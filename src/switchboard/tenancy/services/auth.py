from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import password_validation as pv
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from switchboard.core import throttle
from switchboard.core import validation as v
from switchboard.core.errors import FieldError, NotAuthenticated, RateLimited, ValidationFailed
from switchboard.core.principal import Principal
from switchboard.events.services import emit

from ..models import User
from ..selectors import principal_for_membership
from ._common import audit

RESET_MAILS = throttle.Rate(limit=3, window=3600)


def _failure_rate() -> throttle.Rate:
    return throttle.Rate.parse(settings.SWITCHBOARD["LOGIN_FAILURES"])


def login_attempt(*, email: str, password: str, client_ip: str, request=None) -> User:
    """Checks the password; after too many failures per address or per IP, refuses without checking."""
    email = (email or "").strip().lower()
    rate = _failure_rate()
    for scope, subject in (("login-email", email), ("login-ip", client_ip)):
        if wait := throttle.exceeded(scope, subject, rate):
            raise RateLimited(
                ngettext(
                    "Too many failed attempts. Try again in %(minutes)d minute.",
                    "Too many failed attempts. Try again in %(minutes)d minutes.",
                    wait // 60 + 1,
                )
                % {"minutes": wait // 60 + 1},
                retry_after=wait,
            )
    user = authenticate(request, username=email, password=password) if email and password else None
    if user is None or not user.memberships.exists():
        throttle.hit("login-email", email, rate)
        throttle.hit("login-ip", client_ip, rate)
        raise NotAuthenticated(_("E-mail address or password is wrong."), code="bad_credentials")
    throttle.reset("login-email", email, rate)
    return user


def password_reset_request(*, email: str) -> None:
    """Always silent about whether the address exists, so the form cannot be used to find accounts."""
    email = (email or "").strip().lower()
    if throttle.hit("password-reset", email, RESET_MAILS):
        return  # a few links per hour are plenty; more would let anyone flood a mailbox
    user = User.objects.filter(email=email, is_active=True).first()
    if user and user.memberships.exists():
        with transaction.atomic():
            emit("tenancy.password_reset.requested", organisation_id=None, payload={"user_id": user.pk})


def password_token_check(*, uidb64: str, token: str) -> User | None:
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        return None
    return user if default_token_generator.check_token(user, token) else None


@transaction.atomic
def password_set(*, uidb64: str, token: str, password: str, password_repeat: str) -> User:
    """Initial password from the invitation mail, or a new one after 'forgot password'; the link works once."""
    user = password_token_check(uidb64=uidb64, token=token)
    if user is None:
        raise ValidationFailed(
            _("This link is invalid or has expired. Request a new one."), field="token", code="invalid_token"
        )
    if password != password_repeat:
        raise ValidationFailed(_("The two passwords differ."), field="password_repeat", code="mismatch")
    try:
        pv.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            " ".join(exc.messages),
            field="password",
            code="weak_password",
            errors=[FieldError("password", "weak_password", m) for m in exc.messages],
        ) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    for membership in user.memberships.all():
        audit(principal_for_membership(membership), "user.password_set", user)
    return user


@transaction.atomic
def profile_update(*, principal: Principal, first_name: str, last_name: str, language: str) -> User:
    """A person's own name and language; the login e-mail is changed by whoever manages users."""
    user = User.objects.select_for_update().get(pk=principal.user_id)
    before = {"first_name": user.first_name, "last_name": user.last_name, "language": user.language}
    user.first_name = v.text(first_name, field="first_name", max_length=100)
    user.last_name = v.text(last_name, field="last_name", max_length=100)
    user.language = v.choice(language, field="language", allowed=[code for code, _n in settings.LANGUAGES])
    user.save(update_fields=["first_name", "last_name", "language"])
    audit(
        principal,
        "user.profile_updated",
        user,
        before=before,
        after={"first_name": user.first_name, "last_name": user.last_name, "language": user.language},
    )
    return user


@transaction.atomic
def language_set(*, principal: Principal, language: str) -> None:
    """The language chosen in the portal's switch is also the one the person's mails are written in."""
    language = v.choice(language, field="language", allowed=[code for code, _n in settings.LANGUAGES])
    user = User.objects.select_for_update().get(pk=principal.user_id)
    if user.language != language:
        audit(principal, "user.language_set", user, before={"language": user.language}, after={"language": language})
        user.language = language
        user.save(update_fields=["language"])
