"""The PostgreSQL fast path for plain interim updates keeps every rule of the general path: quota status events,
exhaustion, monthly limits and their month, and hands anything unusual to the general path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from switchboard.connectivity import services
from switchboard.connectivity.contracts import (
    MB,
    FailureCause,
    QuotaStatus,
    ReportKind,
    SessionInfo,
    SessionReport,
    SimEventType,
)
from switchboard.connectivity.models import DailyUsage, LimitStep, OrganisationLimits, Sim, SimEvent
from switchboard.connectivity.services import network

from .factories import SimFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL-only fast path (the PostgreSQL stage of .ci/run runs it)"
)
NETWORK = SessionInfo(session_id="s", operator="Telekom Deutschland", mcc="262", mnc="01", country="DE", rat="4G")


@pytest.fixture
def sim(world):
    sim = SimFactory(organisation_id=world.customer.pk, data_total=100 * MB, data_remaining=100 * MB)
    services.record_session_start(sim_id=sim.pk, info=NETWORK)
    return sim


def interim(sim, used: int, info: SessionInfo = NETWORK, at=None):
    report = SessionReport(
        sim.pk, ReportKind.INTERIM, at or timezone.now(), rx=used // 2, tx=used - used // 2, info=info
    )
    return network.record_session_reports([report])[0]


def events(sim, kind) -> int:
    return SimEvent.objects.filter(sim=sim, type=kind).count()


def test_quota_status_events_and_exhaustion_like_the_general_path(sim):
    interim(sim, 50 * MB)
    assert Sim.objects.get(pk=sim.pk).data_status == QuotaStatus.AVAILABLE
    interim(sim, 35 * MB)
    assert Sim.objects.get(pk=sim.pk).data_status == QuotaStatus.LOW
    assert events(sim, SimEventType.QUOTA_THRESHOLD_REACHED) == 1
    outcome = interim(sim, 40 * MB)
    reloaded = Sim.objects.get(pk=sim.pk)
    assert (reloaded.data_remaining, reloaded.data_status) == (0, QuotaStatus.EXHAUSTED)
    assert reloaded.data_exhausted_at is not None
    assert outcome.disconnect and outcome.cause is FailureCause.QUOTA_EXHAUSTED
    assert events(sim, SimEventType.QUOTA_EXHAUSTED) == 1
    assert (
        sum(DailyUsage.objects.filter(sim=sim).values_list("data_rx", flat=True))
        + sum(DailyUsage.objects.filter(sim=sim).values_list("data_tx", flat=True))
        == 125 * MB
    )  # usage counts what was used; the quota stops at zero


def test_the_monthly_limit_is_crossed_once_and_cuts_the_session(sim):
    step, _ = LimitStep.objects.get_or_create(service="data", amount=10 * MB)
    OrganisationLimits.objects.create(organisation_id=sim.organisation_id, data=step)
    assert not interim(sim, 6 * MB).disconnect
    outcome = interim(sim, 6 * MB)
    assert outcome.cause is FailureCause.MONTHLY_USAGE_LIMIT_EXCEEDED
    interim(sim, 1 * MB)
    assert events(sim, SimEventType.MONTHLY_LIMIT_REACHED) == 1


def test_a_new_month_starts_the_counters_from_zero(sim):
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    Sim.objects.filter(pk=sim.pk).update(usage_month=last_month, month_data=99 * MB, month_sms_mo=7)
    interim(sim, 1 * MB)
    reloaded = Sim.objects.get(pk=sim.pk)
    assert (reloaded.usage_month, reloaded.month_data, reloaded.month_sms_mo) == (
        timezone.localdate().replace(day=1),
        1 * MB,
        0,
    )


def test_roaming_mid_session_takes_the_general_path_and_is_an_event(sim):
    moved = SessionInfo(session_id="s", operator="Orange France", mcc="208", mnc="01", country="FR", rat="4G")
    interim(sim, 1 * MB, info=moved)
    state = Sim.objects.get(pk=sim.pk).connectivity
    assert (state.country, state.operator) == ("FR", "Orange France")
    assert events(sim, SimEventType.LOCATION_UPDATED) == 1
    interim(sim, 1 * MB, info=moved)  # the same network again: plain
    assert events(sim, SimEventType.LOCATION_UPDATED) == 1
    assert Sim.objects.get(pk=sim.pk).data_remaining == 98 * MB
