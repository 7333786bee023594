"""Input checks shared by services, so every door (portal, API, command) refuses bad input the same way."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .errors import ValidationFailed


def text(value: object, *, field: str, max_length: int, required: bool = True) -> str:
    cleaned = str(value or "").strip()
    if required and not cleaned:
        raise ValidationFailed(_("This field is required."), field=field, code="required")
    if len(cleaned) > max_length:
        raise ValidationFailed(
            _("At most %(n)d characters are allowed.") % {"n": max_length}, field=field, code="too_long"
        )
    if any(ord(ch) < 32 for ch in cleaned):
        raise ValidationFailed(_("Control characters are not allowed."), field=field, code="invalid")
    return cleaned


def email(value: object, *, field: str = "email") -> str:
    cleaned = text(value, field=field, max_length=254).lower()
    try:
        validate_email(cleaned)
    except DjangoValidationError:
        raise ValidationFailed(_("Enter a valid e-mail address."), field=field, code="invalid_email") from None
    return cleaned


def choice(value: object, *, field: str, allowed: tuple[str, ...] | list[str]) -> str:
    cleaned = str(value or "").strip()
    if cleaned not in allowed:
        raise ValidationFailed(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}, field=field, code="invalid_choice"
        )
    return cleaned


def country(value: object, *, field: str = "country") -> str:
    cleaned = text(value, field=field, max_length=2).upper()
    if len(cleaned) != 2 or not cleaned.isalpha() or not cleaned.isascii():
        raise ValidationFailed(_("Use the two-letter ISO country code, e.g. DE."), field=field, code="invalid")
    return cleaned


def idempotency_key(value: object) -> str:
    """An `Idempotency-Key` header (empty when absent): a retry with it gets what the first call made."""
    key = str(value or "").strip()
    if len(key) > 100 or not key.isprintable():
        raise ValidationFailed(
            _("The Idempotency-Key must be at most 100 printable characters."), field="Idempotency-Key"
        )
    return key
