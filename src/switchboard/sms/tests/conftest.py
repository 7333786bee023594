from __future__ import annotations

import pytest

from switchboard.connectivity.models import LimitStep, OrganisationLimits
from switchboard.tenancy.selectors import principal_for_membership


@pytest.fixture
def owner(world):
    return principal_for_membership(world.owner)


@pytest.fixture
def limit_sms(world):
    """`limit_sms("smsMT", 10)`: the customer's monthly limit for MT (or MO) SMS."""

    def set_limit(service: str, amount: int) -> None:
        step = LimitStep.objects.get(service=service, amount=amount)
        field = {"smsMO": "sms_mo", "smsMT": "sms_mt"}[service]
        OrganisationLimits.objects.update_or_create(organisation_id=world.customer.pk, defaults={field: step})

    return set_limit
