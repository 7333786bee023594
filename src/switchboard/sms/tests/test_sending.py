from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from switchboard.connectivity.contracts import SimEventType
from switchboard.connectivity.models import Sim, SimEvent
from switchboard.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from switchboard.events.models import OutboxEvent
from switchboard.sms import services
from switchboard.sms.contracts import SmsStatus, SmsType
from switchboard.sms.models import Sms
from switchboard.sms.services import MtRequest
from switchboard.tenancy.selectors import principal_for_membership


def remaining(sim: Sim) -> int:
    return Sim.objects.get(pk=sim.pk).sms_remaining


def test_send_queues_a_pending_mt_and_counts_every_part(owner, fleet):
    sim = fleet.sim
    sms = services.sms_send(principal=owner, iccid=sim.iccid, request=MtRequest(payload="x" * 200))
    assert (sms.type, sms.status, sms.parts, sms.dcs) == (SmsType.MT, SmsStatus.PENDING, 2, 0)
    assert sms.msisdn == sim.msisdn and sms.retry_date is not None and sms.expiry_date > timezone.now()
    assert remaining(sim) == 248
    usage = OutboxEvent.objects.get(type="sms.usage")
    assert usage.payload["sms_id"] == sms.pk and usage.payload["parts"] == 2


def test_text_outside_the_gsm_alphabet_goes_as_ucs2(owner, fleet):
    sms = services.sms_send(principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload="Привет " * 12))
    assert sms.dcs == 8 and sms.parts == 2  # 84 UCS-2 characters do not fit the 70 of one part


def test_exhausted_sms_volume_refuses_and_sends_nothing(owner, fleet):
    sim = fleet.sim
    Sim.objects.filter(pk=sim.pk).update(sms_remaining=1)
    with pytest.raises(Conflict) as refused:
        services.sms_send(principal=owner, iccid=sim.iccid, request=MtRequest(payload="y" * 161))
    assert refused.value.message == "The SMS volume is used up."
    assert not Sms.objects.exists() and remaining(sim) == 1
    assert SimEvent.objects.filter(sim=sim, type=SimEventType.SMS_REFUSED).count() == 1


def test_monthly_limit_refuses_with_the_1nce_message(owner, fleet, limit_sms):
    limit_sms("smsMT", 10)
    for _ in range(10):
        services.sms_send(principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload="ping"))
    with pytest.raises(Conflict) as refused:
        services.sms_send(principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload="ping"))
    assert refused.value.message == "Traffic limit of 10 SMS per month exceeded"
    assert Sms.objects.count() == 10 and remaining(fleet.sim) == 240


def test_an_idempotency_key_returns_the_first_message_without_counting_twice(owner, fleet):
    first = services.sms_send(
        principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload="once"), idempotency_key="k-1"
    )
    again = services.sms_send(
        principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload="once"), idempotency_key="k-1"
    )
    assert again.pk == first.pk and Sms.objects.count() == 1 and remaining(fleet.sim) == 249


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (MtRequest(payload=""), "payload"),
        (MtRequest(payload="x" * 1531), "payload"),  # 11 parts
        (MtRequest(payload="hi", dcs=3), "dcs"),
        (MtRequest(payload="hi", udh="05000"), "udh"),
        (MtRequest(payload="zz", dcs=4), "payload"),
        (MtRequest(payload="hi", source_address="ThisIsTooLong", source_address_type=208), "source_address"),
        (MtRequest(payload="hi", source_address="12ab", source_address_type=145), "source_address"),
        (MtRequest(payload="hi", source_address_type=99), "source_address_type"),
        (MtRequest(payload="hi", expiry_date=timezone.now() - timedelta(minutes=1)), "expiry_date"),
        (MtRequest(payload="hi", expiry_date=timezone.now() + timedelta(days=8)), "expiry_date"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(owner, fleet, request_, field):
    with pytest.raises(ValidationFailed) as refused:
        services.sms_send(principal=owner, iccid=fleet.sim.iccid, request=request_)
    assert refused.value.field == field
    assert not Sms.objects.exists() and remaining(fleet.sim) == 250


def test_udh_and_data_coding_are_passed_as_given(owner, fleet):
    sms = services.sms_send(
        principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload="48656c6c6f", udh="050003cc0201", dcs=4)
    )
    assert (sms.udh, sms.dcs, sms.parts) == ("050003CC0201", 4, 1)


def test_another_tenant_and_read_only_are_refused(world, fleet):
    other = principal_for_membership(world.other_owner)
    with pytest.raises(NotFound):
        services.sms_send(principal=other, iccid=fleet.sim.iccid, request=MtRequest(payload="hi"))
    with pytest.raises(PermissionDenied):
        services.sms_send(
            principal=principal_for_membership(world.read_only), iccid=fleet.sim.iccid, request=MtRequest(payload="x")
        )
    assert not Sms.objects.exists()


def test_cancel_gives_an_unsent_message_back_and_refuses_a_final_one(owner, fleet):
    sms = services.sms_send(principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload="z" * 170))
    assert remaining(fleet.sim) == 248
    cancelled = services.sms_cancel(principal=owner, iccid=fleet.sim.iccid, sms_id=sms.pk)
    assert cancelled.status == SmsStatus.CANCELLED and cancelled.final_date is not None
    assert remaining(fleet.sim) == 250
    with pytest.raises(Conflict):
        services.sms_cancel(principal=owner, iccid=fleet.sim.iccid, sms_id=sms.pk)
    with pytest.raises(NotFound):
        services.sms_cancel(principal=owner, iccid=fleet.sims[1].iccid, sms_id=sms.pk)


def test_bulk_send_answers_for_each_sim(owner, fleet):
    exhausted = fleet.sims[1]
    Sim.objects.filter(pk=exhausted.pk).update(sms_remaining=0)
    iccids = [fleet.sims[0].iccid, exhausted.iccid, fleet.sims[2].iccid]
    outcomes = services.sms_send_bulk(principal=owner, iccids=iccids, request=MtRequest(payload="all"))
    assert [o.sms is not None for o in outcomes] == [True, False, True]
    assert outcomes[1].error.code == "sms_refused"
    again = services.sms_send_bulk(principal=owner, iccids=iccids[:1], request=MtRequest(payload="all"))
    assert again[0].sms.pk != outcomes[0].sms.pk  # without a key a bulk send is a new message


def test_bulk_send_with_a_key_is_sent_once_per_sim(owner, fleet):
    iccids = [sim.iccid for sim in fleet.sims]
    first = services.sms_send_bulk(principal=owner, iccids=iccids, request=MtRequest(payload="k"), idempotency_key="b")
    again = services.sms_send_bulk(principal=owner, iccids=iccids, request=MtRequest(payload="k"), idempotency_key="b")
    assert [o.sms.pk for o in again] == [o.sms.pk for o in first] and Sms.objects.count() == 3


def test_bulk_send_with_the_longest_key_still_sends_to_each_sim(owner, fleet):
    iccids = [sim.iccid for sim in fleet.sims]
    outcomes = services.sms_send_bulk(
        principal=owner, iccids=iccids, request=MtRequest(payload="k"), idempotency_key="k" * 100
    )
    assert len({o.sms.pk for o in outcomes}) == 3 and Sms.objects.count() == 3


def test_a_sim_without_msisdn_is_refused(owner, fleet):
    Sim.objects.filter(pk=fleet.sim.pk).update(msisdn=None)
    with pytest.raises(ValidationFailed) as refused:
        services.sms_send(principal=owner, iccid=fleet.sim.iccid, request=MtRequest(payload="hi"))
    assert refused.value.code == "no_msisdn" and remaining(fleet.sim) == 250


def test_bulk_send_naming_another_tenants_sim_sends_nothing(owner, fleet):
    with pytest.raises(NotFound) as refused:
        services.sms_send_bulk(
            principal=owner, iccids=[fleet.sim.iccid, fleet.other_sims[0].iccid], request=MtRequest(payload="x")
        )
    assert refused.value.field == "iccids[1]" and not Sms.objects.exists()


def test_bulk_send_refuses_bad_input_before_any_sim(owner, fleet):
    with pytest.raises(ValidationFailed) as refused:
        services.sms_send_bulk(principal=owner, iccids=[fleet.sim.iccid], request=MtRequest(payload=""))
    assert refused.value.field == "payload"
    with pytest.raises(ValidationFailed) as refused:
        services.sms_send_bulk(principal=owner, iccids=[], request=MtRequest(payload="x"))
    assert refused.value.field == "iccids"
    assert not Sms.objects.exists()
