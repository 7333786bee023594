"""Countries as the network reports them (ISO 3166 alpha-2), with what the 1NCE payloads show of a country:
its name, its ISO 3166 numeric code (our country id) and its international dialling prefix.
Names and numbers come from pycountry (ISO 3166), dialling prefixes from phonenumbers (ITU E.164)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import phonenumbers
import pycountry


@dataclass(frozen=True)
class Country:
    iso_code: str  # lower case, as 1NCE writes it ("de")
    id: int  # ISO 3166 numeric
    name: str
    dialling_code: str  # without "+"; empty where none is assigned


@cache
def country(iso_code: str) -> Country | None:
    """The country of an ISO 3166 alpha-2 code, in either case; None when the code is unknown or empty."""
    if len(iso_code) != 2:
        return None
    found = pycountry.countries.get(alpha_2=iso_code.upper())
    if found is None:
        return None
    prefix = phonenumbers.country_code_for_region(found.alpha_2)
    name = getattr(found, "common_name", found.name)
    return Country(iso_code.lower(), int(found.numeric), name, str(prefix) if prefix else "")
