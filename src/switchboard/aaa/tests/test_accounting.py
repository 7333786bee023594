"""Accounting batches without the network: running totals, odd orders of arrival, gateway restarts, and the
customer's actions that must cut a session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from switchboard.aaa import services
from switchboard.aaa.contracts import AccountingReport
from switchboard.aaa.models import Disconnect, Session
from switchboard.connectivity import services as connectivity
from switchboard.connectivity.contracts import ConnectivityStatus, SimStatus
from switchboard.connectivity.models import DailyUsage, Sim
from switchboard.connectivity.tests.factories import SimFactory
from switchboard.tenancy.selectors import principal_for_membership

START, STOP, INTERIM, ACCOUNTING_ON = 1, 2, 3, 7


@pytest.fixture
def sim(world):
    return SimFactory(organisation_id=world.customer.pk, ip_address="10.64.0.20")


def report(nas, sim, status, session="s-1", up=0, down=0, **extra) -> AccountingReport:
    return AccountingReport(
        nas_id=nas.pk,
        nas_address="127.0.0.1",
        status_type=status,
        session_id=session,
        at=extra.pop("at", timezone.now()),
        imsi=sim.imsi,
        input_octets=up,
        output_octets=down,
        **extra,
    )


def account(nas, *reports):
    return services.account(list(reports), {nas.pk: nas.name})


def used(sim) -> int:
    totals = DailyUsage.objects.filter(sim=sim).aggregate(rx=Sum("data_rx"), tx=Sum("data_tx"))
    return (totals["rx"] or 0) + (totals["tx"] or 0)


def state(sim) -> str:
    return Sim.objects.get(pk=sim.pk).connectivity.status


def test_running_totals_count_each_byte_once_whatever_the_order(nas, sim):
    account(nas, report(nas, sim, START))
    account(nas, report(nas, sim, INTERIM, up=300, down=700))
    account(nas, report(nas, sim, INTERIM, up=100, down=200))  # an older interim arriving late
    account(nas, report(nas, sim, INTERIM, up=300, down=700))  # a retransmission
    assert used(sim) == 1000
    account(nas, report(nas, sim, STOP, up=400, down=900, terminate_cause=1))
    account(nas, report(nas, sim, STOP, up=400, down=900, terminate_cause=1))  # the Stop again
    assert used(sim) == 1300
    assert state(sim) == ConnectivityStatus.ATTACHED


def test_one_batch_with_start_interims_and_stop_of_a_session(nas, sim):
    account(
        nas,
        report(nas, sim, START),
        report(nas, sim, INTERIM, up=10, down=20),
        report(nas, sim, INTERIM, up=15, down=25),
        report(nas, sim, STOP, up=20, down=30, terminate_cause=3),  # Lost-Service: the device left the network
    )
    assert used(sim) == 50
    assert state(sim) == ConnectivityStatus.OFFLINE


def test_an_interim_without_its_start_opens_the_session(nas, sim):
    account(nas, report(nas, sim, INTERIM, up=5, down=5))
    assert used(sim) == 10
    assert state(sim) == ConnectivityStatus.ONLINE
    assert Session.objects.get().started_at is not None


def test_reports_for_unknown_sims_are_acknowledged_and_count_nothing(nas, sim):
    sim.imsi = "001019999999999"
    account(nas, report(nas, sim, START), report(nas, sim, INTERIM, up=5, down=5))
    assert DailyUsage.objects.count() == 0


def test_accounting_on_closes_every_session_the_gateway_held(nas, sim, world):
    other = SimFactory(organisation_id=world.customer.pk)
    account(nas, report(nas, sim, START, session="a"), report(nas, other, START, session="b"))
    account(nas, report(nas, sim, ACCOUNTING_ON, session=""))
    assert not Session.objects.filter(stopped_at=None).exists()
    assert state(sim) == ConnectivityStatus.OFFLINE and state(other) == ConnectivityStatus.OFFLINE


def test_deactivating_a_sim_queues_a_disconnect_for_its_live_session(
    nas, sim, world, django_capture_on_commit_callbacks
):
    account(nas, report(nas, sim, START))
    owner = principal_for_membership(world.owner)
    with django_capture_on_commit_callbacks(execute=True):  # the outbox hands the event over after commit
        connectivity.sims_set_status(principal=owner, iccids=[sim.iccid], status=SimStatus.DISABLED)
    assert list(Disconnect.objects.values_list("reason", "status")) == [("sim_disabled", "pending")]
    with django_capture_on_commit_callbacks(execute=True):
        connectivity.sims_set_status(principal=owner, iccids=[sim.iccid], status=SimStatus.ENABLED)
    assert Disconnect.objects.count() == 1  # enabling cuts nothing


def test_the_disconnect_outcome_is_kept_once(nas, sim):
    account(nas, report(nas, sim, START))
    services.disconnect_sim(sim_id=sim.pk, reason="connection_reset")
    services.disconnect_sim(sim_id=sim.pk, reason="connection_reset")  # pressed twice: still one pending
    [job] = services.disconnects_due()
    assert services.disconnects_due() == []  # claimed: not due again before the retry time
    services.disconnect_answered(job_id=job.id, acked=False, error_cause=503)
    row = Disconnect.objects.get()
    assert (row.status, row.error_cause) == (Disconnect.Status.NAKED, 503)


def test_sessions_silent_for_days_are_closed_and_old_ones_purged(nas, sim, settings):
    account(nas, report(nas, sim, START, session="old"), report(nas, sim, START, session="silent"))
    Session.objects.filter(acct_session_id="silent").update(updated_at=timezone.now() - timedelta(days=3))
    Session.objects.filter(acct_session_id="old").update(stopped_at=timezone.now() - timedelta(days=500))
    assert services.purge_sessions() == (1, 1)
    assert Session.objects.get().stopped_at is not None
