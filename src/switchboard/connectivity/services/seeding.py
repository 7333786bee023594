"""A demo SIM fleet made through the real services: vendor CSV import, assignment (static addresses from the
customers' pools), transfer, half a year of network activity. Deterministic, so screenshots and browser journeys
see the same fleet every time."""

from __future__ import annotations

import random
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from switchboard.core.principal import Principal

from .. import identifiers
from ..contracts import MB, SessionInfo, SmsDirection
from ..models import Sim, SimEvent
from . import inventory, network, sims, transfer

NETWORKS = (
    SessionInfo(operator="Telekom", mcc="262", mnc="01", country="DE", rat="4G"),
    SessionInfo(operator="Vodafone", mcc="262", mnc="02", country="DE", rat="LTE-M"),
    SessionInfo(operator="Orange", mcc="208", mnc="01", country="FR", rat="NB-IoT"),
    SessionInfo(operator="KPN", mcc="204", mnc="08", country="NL", rat="2G"),
)
LABELS = ("Truck", "Cold store", "Meter", "Gate", "Tracker")


def vendor_csv(first_serial: int, count: int) -> bytes:
    """The file a SIM vendor ships with a batch: ICCID (with check digit), IMSI, MSISDN, form factor."""
    lines = ["ICCID;IMSI;MSISDN;Form factor"]
    for n in range(first_serial, first_serial + count):
        short = f"898822806660{n:07d}"
        lines.append(f"{short}{identifiers.luhn_digit(short)};90140510{n:07d};8822851{n:08d};2FF/3FF/4FF")
    return ("\n".join(lines) + "\n").encode()


def demo_fleet(*, operator: Principal, customer: Principal, customer_id: int, sub_id: int, other_id: int) -> None:
    rng = random.Random(42)  # noqa: S311  demo data, not security
    job = inventory.sim_import_start(principal=operator, file_name="vendor-batch-1.csv", content=vendor_csv(1, 60))
    inventory.sim_import_run(import_id=job.pk)
    stock = list(Sim.objects.filter(organisation_id=operator.organisation_id).order_by("iccid"))
    acme, beta = stock[:30], stock[30:36]  # the rest stays in stock
    inventory.sims_assign(principal=operator, iccids=[s.iccid for s in acme], organisation_id=customer_id)
    inventory.sims_assign(principal=operator, iccids=[s.iccid for s in beta], organisation_id=other_id)
    transfer.sims_transfer(principal=customer, target_organisation_id=sub_id, iccids=[s.iccid for s in acme[-4:]])
    _delivered_long_ago(acme + beta, days=200)
    own = acme[:-4]
    sims.sims_set_label_prefix(principal=customer, iccids=[s.iccid for s in own[:10]], prefix=LABELS[0])
    sims.sims_set_label_prefix(principal=customer, iccids=[s.iccid for s in own[10:18]], prefix=LABELS[2])
    _history(own, rng)
    sims.sims_set_status(principal=customer, iccids=[own[-1].iccid], status="Disabled")


def _delivered_long_ago(fleet: list[Sim], *, days: int) -> None:
    """The demo fleet was delivered before its six months of history; move its start (and the records of it) back."""
    delivered = timezone.now() - timedelta(days=days)
    ids = [s.pk for s in fleet]
    Sim.objects.filter(pk__in=ids).update(activation_date=delivered, lifetime_end=delivered + relativedelta(months=120))
    SimEvent.objects.filter(sim_id__in=ids).update(timestamp=delivered)


def _history(fleet: list[Sim], rng: random.Random) -> None:
    """Six months of sessions and traffic; a few SIMs end up low or exhausted, as in any real fleet."""
    now = timezone.now()
    start = now - timedelta(days=180)
    shares = [1.05, 1.1, 0.9, 0.86, 0.83] + [rng.uniform(0.05, 0.6) for _ in fleet[5:]]
    for sim, share in zip(fleet, shares, strict=False):
        net = NETWORKS[rng.randrange(len(NETWORKS))]
        imei = "35" + f"{rng.randrange(10**12):012d}"
        decision = network.authorize_data_session(imsi=sim.imsi, imei=imei, apn="", at=start)
        if not decision.accepted:
            continue
        network.record_session_start(sim_id=sim.pk, info=net, at=start)
        steps = 18
        for step in range(steps):
            at = start + timedelta(days=10 * step, hours=rng.randrange(24))
            volume = int(500 * MB * share / steps)
            network.record_usage(sim_id=sim.pk, rx=volume * 2 // 3, tx=volume - volume * 2 // 3, at=at)
            if step % 3 == 0:
                network.record_sms(sim_id=sim.pk, direction=SmsDirection.MO, at=at, count=rng.randrange(1, 6))
        end = now - timedelta(hours=rng.randrange(1, 48))
        if share > 1:
            network.record_session_stop(sim_id=sim.pk, at=end, cause="quota exhausted")
        elif rng.random() < 0.3:
            network.record_session_stop(sim_id=sim.pk, at=end)
            network.record_detach(sim_id=sim.pk, at=end + timedelta(minutes=5))
    network.record_sms(sim_id=fleet[5].pk, direction=SmsDirection.MT, at=now - timedelta(days=2), count=250)
    network.record_sms(sim_id=fleet[7].pk, direction=SmsDirection.MT, at=now - timedelta(days=1), count=205)
    # A device swap on a locked SIM: the network refuses the new device.
    locked = fleet[6]
    Sim.objects.filter(pk=locked.pk).update(imei_lock=True)
    network.authorize_data_session(imsi=locked.imsi, imei="356938035643809", at=now - timedelta(hours=3))
