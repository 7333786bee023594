"""The services the AAA and the SMSC call: quota arithmetic to the byte, limits, IMEI lock, sessions."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from switchboard.connectivity import services
from switchboard.connectivity.contracts import (
    MB,
    ConnectivityStatus,
    FailureCause,
    QuotaStatus,
    SessionInfo,
    SimEventType,
    SmsDirection,
)
from switchboard.connectivity.models import DailyUsage, LimitStep, MonthlyUsage, OrganisationLimits, Sim, SimEvent
from switchboard.events.models import OutboxEvent
from switchboard.tenancy.selectors import principal_for_membership

from .factories import SimFactory, StockSimFactory

TOTAL = 500 * MB
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def events(sim, event_type):
    return list(SimEvent.objects.filter(sim=sim, type=event_type))


@pytest.fixture
def sim(world):
    return SimFactory(organisation_id=world.customer.pk, activation_date=NOW - timedelta(days=30))


def reload(sim) -> Sim:
    return Sim.objects.get(pk=sim.pk)


def test_threshold_crossing_emits_exactly_one_event(sim):
    at_threshold = TOTAL * 80 // 100  # leaves exactly 20 %: still in the upper group
    outcome = services.record_usage(sim_id=sim.pk, rx=at_threshold, tx=0, at=NOW)
    assert not outcome.disconnect
    assert reload(sim).data_status == QuotaStatus.AVAILABLE
    services.record_usage(sim_id=sim.pk, rx=0, tx=1, at=NOW)  # one byte more: under 20 %
    services.record_usage(sim_id=sim.pk, rx=1000, tx=1000, at=NOW)
    sim = reload(sim)
    assert sim.data_status == QuotaStatus.LOW
    assert sim.data_remaining == TOTAL - at_threshold - 1 - 2000
    assert sim.data_threshold_at == NOW
    assert len(events(sim, SimEventType.QUOTA_THRESHOLD_REACHED)) == 1
    assert OutboxEvent.objects.filter(type="connectivity.sim.quota_threshold_reached").count() == 1


def test_exhaustion_at_exactly_zero(sim):
    services.record_usage(sim_id=sim.pk, rx=TOTAL - 1, tx=0, at=NOW)
    assert reload(sim).data_status == QuotaStatus.LOW
    assert not events(sim, SimEventType.QUOTA_EXHAUSTED)
    outcome = services.record_usage(sim_id=sim.pk, rx=1, tx=0, at=NOW)
    assert outcome.disconnect and outcome.cause == FailureCause.QUOTA_EXHAUSTED and outcome.data_remaining == 0
    assert reload(sim).data_status == QuotaStatus.EXHAUSTED
    assert len(events(sim, SimEventType.QUOTA_EXHAUSTED)) == 1


def test_usage_beyond_the_quota_stops_at_zero_and_is_still_counted(sim):
    outcome = services.record_usage(sim_id=sim.pk, rx=TOTAL, tx=5000, at=NOW)
    sim = reload(sim)
    assert sim.data_remaining == 0 and outcome.disconnect
    # jumping straight to exhausted is one event, not two
    assert len(events(sim, SimEventType.QUOTA_EXHAUSTED)) == 1
    assert not events(sim, SimEventType.QUOTA_THRESHOLD_REACHED)
    day = DailyUsage.objects.get(sim=sim)
    assert (day.data_rx, day.data_tx) == (TOTAL, 5000)
    month = MonthlyUsage.objects.get(organisation_id=sim.organisation_id)
    assert month.data_rx + month.data_tx == TOTAL + 5000
    decision = services.authorize_data_session(imsi=sim.imsi, at=NOW)
    assert not decision.accepted and decision.cause == FailureCause.QUOTA_EXHAUSTED


def test_usage_is_kept_per_day_and_per_organisation_month(sim, world):
    other = SimFactory(organisation_id=world.customer.pk)
    services.record_usage(sim_id=sim.pk, rx=10, tx=20, at=NOW)
    services.record_usage(sim_id=sim.pk, rx=1, tx=2, at=NOW + timedelta(hours=1))
    services.record_usage(sim_id=sim.pk, rx=5, tx=5, at=NOW + timedelta(days=1))
    services.record_usage(sim_id=other.pk, rx=100, tx=0, at=NOW)
    services.record_sms(sim_id=sim.pk, direction=SmsDirection.MO, at=NOW)
    services.record_sms(sim_id=sim.pk, direction=SmsDirection.MT, at=NOW, count=3)
    days = {d.date.isoformat(): (d.data_rx, d.data_tx, d.sms_mo, d.sms_mt) for d in DailyUsage.objects.filter(sim=sim)}
    assert days == {"2026-11-20": (11, 22, 1, 3), "2026-11-21": (5, 5, 0, 0)}
    month = MonthlyUsage.objects.get(organisation_id=world.customer.pk)
    assert (month.data_rx, month.data_tx, month.sms_mo, month.sms_mt) == (116, 27, 1, 3)
    assert reload(sim).sms_remaining == 246


def test_negative_usage_is_refused(sim):
    from switchboard.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.record_usage(sim_id=sim.pk, rx=-1, tx=0, at=NOW)
    assert reload(sim).data_remaining == TOTAL


def _limit(world, service, amount):
    step = LimitStep.objects.get(service=service, amount=amount)
    field = {"data": "data", "smsMO": "sms_mo", "smsMT": "sms_mt"}[service]
    OrganisationLimits.objects.update_or_create(organisation_id=world.customer.pk, defaults={field: step})


def test_monthly_data_limit_is_enforced_and_resets_on_the_first(sim, world):
    _limit(world, "data", 50 * MB)
    first = services.record_usage(sim_id=sim.pk, rx=50 * MB - 1, tx=0, at=NOW)
    assert not first.disconnect
    assert services.authorize_data_session(imsi=sim.imsi, at=NOW).accepted
    reached = services.record_usage(sim_id=sim.pk, rx=1, tx=0, at=NOW)
    assert reached.disconnect and reached.cause == FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED
    services.record_usage(sim_id=sim.pk, rx=10, tx=0, at=NOW)
    assert len(events(sim, SimEventType.MONTHLY_LIMIT_REACHED)) == 1
    refused = services.authorize_data_session(imsi=sim.imsi, at=NOW)
    assert refused.cause == FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED
    next_month = datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)
    assert services.authorize_data_session(imsi=sim.imsi, at=next_month).accepted
    services.record_usage(sim_id=sim.pk, rx=100, tx=0, at=next_month)
    assert reload(sim).month_data == 100


def test_monthly_sms_limit_uses_the_1nce_message(sim, world):
    _limit(world, "smsMT", 10)
    for _ in range(9):
        services.record_sms(sim_id=sim.pk, direction=SmsDirection.MT, at=NOW)
    assert services.authorize_sms(sim_id=sim.pk, direction=SmsDirection.MT, at=NOW).accepted
    outcome = services.record_sms(sim_id=sim.pk, direction=SmsDirection.MT, at=NOW)
    assert outcome.cause == FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED
    decision = services.authorize_sms(sim_id=sim.pk, direction=SmsDirection.MT, at=NOW)
    assert not decision.accepted
    assert decision.message == "Traffic limit of 10 SMS per month exceeded"
    assert services.authorize_sms(sim_id=sim.pk, direction=SmsDirection.MO, at=NOW).accepted  # MO has no limit


def test_imei_lock_binds_the_first_device_and_refuses_others(sim):
    Sim.objects.filter(pk=sim.pk).update(imei_lock=True)
    assert services.authorize_data_session(imsi=sim.imsi, imei="4901542032375101", at=NOW).accepted
    assert reload(sim).imei == "490154203237518"
    refused = services.authorize_data_session(imsi=sim.imsi, imei="356938035643809", at=NOW)
    assert not refused.accepted and refused.cause == FailureCause.IMEI_LOCK_BREACHED
    [event] = events(sim, SimEventType.PDP_CONTEXT_REFUSED)
    assert event.detail["cause"] == "IMEI_LOCK_BREACHED" and event.alert
    assert reload(sim).imei == "490154203237518"  # the bound device stays
    assert services.authorize_data_session(imsi=sim.imsi, imei="490154203237518", at=NOW).accepted


def test_without_a_lock_a_new_device_is_recorded(sim):
    services.authorize_data_session(imsi=sim.imsi, imei="490154203237518", at=NOW)
    services.authorize_data_session(imsi=sim.imsi, imei="356938035643809", at=NOW)
    changes = [(e.detail["from"], e.detail["to"]) for e in reversed(events(sim, SimEventType.IMEI_CHANGED))]
    assert changes == [("", "490154203237518"), ("490154203237518", "356938035643809")]


@pytest.mark.parametrize(
    ("setup", "cause"),
    [
        ({"status": "Disabled"}, FailureCause.DATA_SERVICE_BARRED),
        ({"lifetime_end": NOW - timedelta(seconds=1)}, FailureCause.QUOTA_EXPIRED),
        ({"data_remaining": 0, "data_status": 2}, FailureCause.QUOTA_EXHAUSTED),
    ],
)
def test_refusal_causes(sim, setup, cause):
    Sim.objects.filter(pk=sim.pk).update(**setup)
    decision = services.authorize_data_session(imsi=sim.imsi, at=NOW)
    assert (decision.accepted, decision.cause) == (False, cause)
    assert events(sim, SimEventType.PDP_CONTEXT_REFUSED)[0].detail["cause"] == cause.value


def test_unknown_sims_stock_sims_and_wrong_apns_get_no_data(sim, world):
    assert services.authorize_data_session(imsi="999999999999999", at=NOW).cause == FailureCause.IMSI_NOT_FOUND
    stock = StockSimFactory(organisation_id=world.operator.pk)
    assert services.authorize_data_session(imsi=stock.imsi, at=NOW).cause == FailureCause.DATA_SERVICE_BARRED
    wrong = services.authorize_data_session(imsi=sim.imsi, apn="internet", at=NOW)
    assert wrong.cause == FailureCause.APN_NOT_AUTHORIZED
    assert services.authorize_data_session(imsi=sim.imsi, apn="IOT.switchboard.net", at=NOW).accepted


def test_second_imsi_and_iccid_find_the_sim(sim):
    Sim.objects.filter(pk=sim.pk).update(imsi_2="460011234567890", ip_address="10.0.0.7")
    decision = services.authorize_data_session(imsi="460011234567890", at=NOW)
    assert decision.accepted and decision.sim_id == sim.pk and decision.ip_address == "10.0.0.7"
    assert services.authorize_data_session(iccid=sim.iccid_with_luhn, at=NOW).sim_id == sim.pk


def test_session_lifecycle_moves_the_connectivity_state(sim):
    telekom = SessionInfo(operator="Telekom", mcc="262", mnc="01", country="DE", rat="4G", ip_address="10.0.0.9")
    services.record_session_start(sim_id=sim.pk, info=telekom, at=NOW)
    state = reload(sim).connectivity
    assert (state.status, state.operator, state.country, state.ip_address) == ("ONLINE", "Telekom", "DE", "10.0.0.9")
    orange = SessionInfo(operator="Orange", mcc="208", mnc="01", country="FR", rat="NB-IoT")
    services.record_location(sim_id=sim.pk, info=orange, at=NOW + timedelta(minutes=5))
    services.record_session_stop(sim_id=sim.pk, at=NOW + timedelta(minutes=10))
    assert reload(sim).connectivity.status == ConnectivityStatus.ATTACHED
    services.record_detach(sim_id=sim.pk, at=NOW + timedelta(minutes=11))
    state = reload(sim).connectivity
    assert (state.status, state.country, state.ip_address) == ("OFFLINE", "FR", None)
    kinds = [SimEventType(e.type) for e in SimEvent.objects.filter(sim=sim).order_by("timestamp", "id")]
    assert kinds == [
        SimEventType.ATTACH,
        SimEventType.PDP_CONTEXT_CREATED,
        SimEventType.LOCATION_UPDATED,
        SimEventType.PDP_CONTEXT_DELETED,
        SimEventType.DETACH,
    ]
    assert SimEvent.objects.get(sim=sim, type=SimEventType.PDP_CONTEXT_DELETED).detail["duration"] == 600


def test_topups_renew_the_threshold(sim, world):
    from switchboard.connectivity.services import quotas

    services.record_usage(sim_id=sim.pk, rx=TOTAL, tx=0, at=NOW)
    sim = reload(sim)
    quotas.add_volume(sim, "data", TOTAL, NOW)
    sim.save()
    sim = reload(sim)
    assert (sim.data_remaining, sim.data_total, sim.data_status) == (TOTAL, 2 * TOTAL, QuotaStatus.AVAILABLE)
    assert sim.data_exhausted_at is None and sim.data_threshold_at is None
    services.record_usage(sim_id=sim.pk, rx=TOTAL, tx=0, at=NOW)
    assert len(events(sim, SimEventType.QUOTA_EXHAUSTED)) == 2


def test_history_older_than_the_retention_is_purged(sim, settings):
    old = timezone.now() - timedelta(days=settings.SWITCHBOARD["SIM_HISTORY_DAYS"] + 1)
    services.record_usage(sim_id=sim.pk, rx=1, tx=1, at=old)
    services.record_usage(sim_id=sim.pk, rx=1, tx=1)
    assert services.purge_old_records() == (1, 0)
    assert DailyUsage.objects.filter(sim=sim).count() == 1


def test_principal_is_not_needed_by_network_calls_but_customers_cannot_reach_other_sims(sim, world):
    principal = principal_for_membership(world.other_owner)
    from switchboard.core.errors import NotFound

    with pytest.raises(NotFound):
        services.sim_reset(principal=principal, iccid=sim.iccid)
