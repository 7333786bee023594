"""Checks and normal forms for the numbers that identify a SIM and a device.

ICCIDs are handled in two forms, as the 1NCE API does: 19 digits without, and 20 digits with, the Luhn check digit.
IMEIs are stored as 15 digits (14 + Luhn); an IMEISV (14 + 2-digit software version) is reduced to that IMEI.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from switchboard.core.errors import ValidationFailed


def luhn_digit(digits: str) -> str:
    """The check digit that makes `digits + check` pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: these become the odd positions once the check digit is appended
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def _digits(value: object, *, field: str) -> str:
    cleaned = str(value or "").strip().replace(" ", "")
    if not cleaned:
        raise ValidationFailed(_("This field is required."), field=field, code="required")
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise ValidationFailed(_("Only digits are allowed."), field=field, code="not_digits")
    return cleaned


@dataclass(frozen=True)
class Iccid:
    short: str  # 19 digits
    with_luhn: str  # 20 digits


def iccid(value: object, *, field: str = "iccid") -> Iccid:
    """Accept either form; a 20-digit ICCID must carry the right check digit."""
    digits = _digits(value, field=field)
    if len(digits) == 19:
        return Iccid(digits, digits + luhn_digit(digits))
    if len(digits) == 20:
        if luhn_digit(digits[:19]) != digits[19]:
            raise ValidationFailed(
                _("The check digit of ICCID %(iccid)s is wrong (Luhn).") % {"iccid": digits}, field=field, code="luhn"
            )
        return Iccid(digits[:19], digits)
    raise ValidationFailed(
        _("An ICCID has 19 digits, or 20 with the check digit; %(n)d given.") % {"n": len(digits)},
        field=field,
        code="length",
    )


def iccid_lookup(value: object) -> str | None:
    """The 19-digit key of a caller's ICCID, or None when it cannot be one (then nothing is found)."""
    try:
        return iccid(value).short
    except ValidationFailed:
        return None


def imsi(value: object, *, field: str = "imsi") -> str:
    digits = _digits(value, field=field)
    if not 14 <= len(digits) <= 15:
        raise ValidationFailed(
            _("An IMSI has 14 or 15 digits; %(n)d given.") % {"n": len(digits)}, field=field, code="length"
        )
    return digits


def msisdn(value: object, *, field: str = "msisdn") -> str:
    """E.164 without the plus: country code and number, at most 15 digits."""
    cleaned = str(value or "").strip().replace(" ", "").removeprefix("+")
    digits = _digits(cleaned, field=field)
    if digits.startswith("0"):
        raise ValidationFailed(
            _("Give the MSISDN in international format, starting with the country code."), field=field, code="format"
        )
    if not 8 <= len(digits) <= 15:
        raise ValidationFailed(
            _("An MSISDN has 8 to 15 digits; %(n)d given.") % {"n": len(digits)}, field=field, code="length"
        )
    return digits


def imei(value: object, *, field: str = "imei") -> str:
    """A 15-digit IMEI (checked) or a 16-digit IMEISV, returned as the 15-digit IMEI of the device."""
    digits = _digits(value, field=field)
    if len(digits) == 16:  # IMEISV: TAC + serial + software version, no check digit
        return digits[:14] + luhn_digit(digits[:14])
    if len(digits) == 15:
        if luhn_digit(digits[:14]) != digits[14]:
            raise ValidationFailed(
                _("The check digit of IMEI %(imei)s is wrong (Luhn).") % {"imei": digits}, field=field, code="luhn"
            )
        return digits
    if len(digits) == 14:
        return digits + luhn_digit(digits)
    raise ValidationFailed(
        _("An IMEI has 15 digits (or 16 as IMEISV); %(n)d given.") % {"n": len(digits)}, field=field, code="length"
    )
