"""SIMs built the way the inventory and assignment services build them."""

from __future__ import annotations

from datetime import datetime

import factory
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from switchboard.connectivity.contracts import MB, FormFactor, SimStatus
from switchboard.connectivity.identifiers import luhn_digit
from switchboard.connectivity.models import Sim, SimConnectivity
from switchboard.connectivity.services.inventory import default_plan


def iccid_number(n: int) -> str:
    return f"898822800000{n:07d}"


class SimFactory(factory.django.DjangoModelFactory):
    """An active SIM of the given organisation with the standard plan's full volumes."""

    class Meta:
        model = Sim

    organisation_id = None  # required: pass the organisation's id
    plan = factory.LazyFunction(default_plan)
    iccid = factory.Sequence(iccid_number)
    iccid_with_luhn = factory.LazyAttribute(lambda o: o.iccid + luhn_digit(o.iccid))
    imsi = factory.Sequence(lambda n: f"90140599{n:07d}")  # apart from the demo vendor files (90140510…)
    msisdn = factory.Sequence(lambda n: f"8822859{n:08d}")
    form_factor = FormFactor.TRIPLE
    status = SimStatus.ENABLED
    activation_date = factory.LazyFunction(lambda: timezone.now() - relativedelta(months=1))
    lifetime_end = factory.LazyAttribute(lambda o: o.activation_date + relativedelta(years=10))
    data_total = 500 * MB
    data_remaining = factory.LazyAttribute(lambda o: o.data_total)
    data_last_added = factory.LazyAttribute(lambda o: o.data_total)
    sms_total = 250
    sms_remaining = factory.LazyAttribute(lambda o: o.sms_total)
    sms_last_added = factory.LazyAttribute(lambda o: o.sms_total)


class StockSimFactory(SimFactory):
    """A SIM still in the operator's stock: never activated."""

    status = SimStatus.DISABLED
    activation_date = None
    lifetime_end = None


def online(sim: Sim, *, at: datetime | None = None, **fields) -> SimConnectivity:
    defaults = {
        "status": "ONLINE",
        "operator": "Telekom",
        "mcc": "262",
        "mnc": "01",
        "country": "DE",
        "rat": "4G",
        "ip_address": sim.ip_address,
        "session_started_at": at or timezone.now(),
        "last_updated": at or timezone.now(),
    }
    state, _ = SimConnectivity.objects.update_or_create(sim=sim, defaults={**defaults, **fields})
    return state
