"""Top-ups, extensions and auto top-up: orders fulfilled at once, for the caller's own SIMs only."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django.utils import timezone

from switchboard.connectivity import services as connectivity
from switchboard.connectivity.contracts import MB, QuotaStatus, SimEventType
from switchboard.connectivity.models import Sim, SimEvent
from switchboard.connectivity.templatetags.connectivity import event_summary
from switchboard.connectivity.tests.factories import SimFactory
from switchboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from switchboard.events.services import sweep_outbox
from switchboard.orders import selectors, services
from switchboard.orders.contracts import OrderStatus, OrderType
from switchboard.orders.models import AutoTopUpRun, Order
from switchboard.tenancy.tests.factories import principal


def test_top_up_of_an_exhausted_sim_lets_it_open_a_data_session_again(world, fleet, catalog):
    sim = fleet.sim
    Sim.objects.filter(pk=sim.pk).update(data_remaining=0, data_status=QuotaStatus.EXHAUSTED)
    assert not connectivity.authorize_data_session(imsi=sim.imsi).accepted

    order = services.topup_order(principal=principal(world.owner), iccids=[sim.iccid], payment_method="creditcard")

    assert order.status == OrderStatus.COMPLETED and order.order_type == OrderType.TOPUP
    assert order.payment_method == "creditcard"
    assert list(order.sims.values_list("iccid", flat=True)) == [sim.iccid]
    sim.refresh_from_db()
    assert sim.data_remaining == 500 * MB and sim.data_status == QuotaStatus.AVAILABLE
    assert connectivity.authorize_data_session(imsi=sim.imsi).accepted


def test_bulk_top_up_orders_one_line_per_product_for_all_sims(world, fleet, catalog):
    order = services.topup_order(
        principal=principal(world.owner), iccids=[s.iccid for s in fleet.sims], product_id=catalog.sms_topup.pk
    )
    assert order.order_type == OrderType.BULK_TOPUP and order.payment_method == "banktransfer"
    assert order.lines.get().quantity == len(fleet.sims)
    assert {s.sms_remaining for s in Sim.objects.filter(pk__in=[s.pk for s in fleet.sims])} == {500}


def test_unknown_payment_method_falls_back_to_bank_transfer(world, fleet, catalog):
    order = services.topup_order(principal=principal(world.owner), iccids=[fleet.sim.iccid], payment_method="gold")
    assert order.payment_method == "banktransfer"


def test_expired_sim_is_only_extended(world, fleet, catalog):
    sim = fleet.sim
    Sim.objects.filter(pk=sim.pk).update(lifetime_end=timezone.now())
    with pytest.raises(ValidationFailed) as refused:
        services.topup_order(principal=principal(world.owner), iccids=[sim.iccid])
    assert refused.value.code == "sim_expired"
    order = services.extension_order(principal=principal(world.owner), iccids=[sim.iccid])
    assert order.order_type == OrderType.EXTENSION and order.status == OrderStatus.COMPLETED
    sim.refresh_from_db()
    assert sim.lifetime_end > timezone.now()
    assert Order.objects.count() == 1


def test_another_tenants_sim_and_the_user_role_are_refused(world, fleet, catalog):
    with pytest.raises(NotFound):
        services.topup_order(principal=principal(world.owner), iccids=[fleet.other_sims[0].iccid])
    with pytest.raises(PermissionDenied):
        services.topup_order(principal=principal(world.user), iccids=[fleet.sim.iccid])
    assert not Order.objects.exists()


def test_top_up_with_a_product_of_another_kind_is_refused(world, fleet, catalog):
    with pytest.raises(ValidationFailed) as refused:
        services.topup_order(principal=principal(world.owner), iccids=[fleet.sim.iccid], product_id=catalog.trunk.pk)
    assert refused.value.field == "product_id"


def _use(sim: Sim, megabytes: int) -> None:
    connectivity.record_usage(sim_id=sim.pk, rx=megabytes * MB, tx=0)


def test_auto_top_up_fires_once_when_data_falls_under_20_percent_and_mails_the_owner(
    world, fleet, catalog, django_capture_on_commit_callbacks
):
    sim = fleet.sim
    services.auto_top_up_set(principal=principal(world.owner), enabled=True, iccids=[sim.iccid])
    with django_capture_on_commit_callbacks(execute=True):
        _use(sim, 300)  # 40 % left: nothing
        assert not Order.objects.exists()
        _use(sim, 150)  # 10 % left
        _use(sim, 10)  # still low: no second order
    order = Order.objects.get()
    assert order.order_type == OrderType.AUTO_TOPUP and order.status == OrderStatus.COMPLETED
    sim.refresh_from_db()
    assert sim.data_remaining == 40 * MB + 500 * MB and sim.data_status == QuotaStatus.AVAILABLE
    auto_mail = [m for m in mail.outbox if "Auto top-up" in m.subject]
    assert [m.to for m in auto_mail] == [[world.owner.user.email]]


def test_auto_top_up_for_all_sims_and_switched_off(world, fleet, catalog, django_capture_on_commit_callbacks):
    owner = principal(world.owner)
    services.auto_top_up_set(principal=owner, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        _use(fleet.sims[1], 450)
    assert Order.objects.filter(order_type=OrderType.AUTO_TOPUP).count() == 1
    services.auto_top_up_set(principal=owner, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        _use(fleet.sims[2], 450)
    assert Order.objects.filter(order_type=OrderType.AUTO_TOPUP).count() == 1


def test_auto_top_up_of_another_tenants_sim_is_refused(world, fleet, catalog):
    with pytest.raises(NotFound):
        services.auto_top_up_set(principal=principal(world.owner), enabled=True, iccids=[fleet.other_sims[0].iccid])


def test_order_mails_confirmation_and_completion_with_invoice(
    world, fleet, catalog, django_capture_on_commit_callbacks
):
    owner = principal(world.owner)
    services.cart_add(principal=owner, product_id=catalog.trunk.pk)
    with django_capture_on_commit_callbacks(execute=True):
        order = services.cart_order(principal=owner)
    confirmation = [m for m in mail.outbox if str(order.number) in m.subject]
    assert world.owner.user.email in {m.to[0] for m in confirmation}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.order_complete(principal=principal(fleet.operator_admin), order_number=order.number)
    completed = [m for m in mail.outbox if "completed" in m.subject]
    assert completed and completed[0].attachments[0][2] == "application/pdf"


@pytest.mark.django_db(transaction=True)
def test_auto_top_up_fires_exactly_once_under_concurrent_usage_updates(world, catalog):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises whole-database writes)")
    sim = SimFactory(organisation_id=world.customer.pk)
    services.auto_top_up_set(principal=principal(world.owner), enabled=True, iccids=[sim.iccid])
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def hammer():
        try:
            start.wait()
            for _ in range(5):
                _use(sim, 12)  # 8 threads x 5 x 12 MB = 480 MB of 500: the 20 % line is crossed once
            sweep_outbox()  # workers deliver the threshold event, several at once
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    sweep_outbox()
    assert not errors
    assert Order.objects.filter(order_type=OrderType.AUTO_TOPUP).count() == 1
    assert AutoTopUpRun.objects.count() == 1
    sim.refresh_from_db()
    assert sim.data_total == 1000 * MB and sim.data_remaining == 1000 * MB - 480 * MB


def test_the_sim_log_shows_what_a_top_up_added(world, fleet, catalog):
    services.topup_order(principal=principal(world.owner), iccids=[fleet.sim.iccid])
    added = SimEvent.objects.get(sim=fleet.sim, type=SimEventType.QUOTA_ADDED)
    assert event_summary(added) == "+500 MB"


def test_auto_top_up_off_for_all_sims_turns_off_single_sims_too(world, fleet, catalog):
    owner = principal(world.owner)
    services.auto_top_up_set(principal=owner, enabled=True, iccids=[fleet.sims[0].iccid])
    services.auto_top_up_set(principal=owner, enabled=True)
    services.auto_top_up_set(principal=owner, enabled=False)
    assert selectors.auto_top_up_of(principal=owner) == {"all": False, "sim_ids": [], "iccids": []}


def test_auto_top_up_skips_a_sim_topped_up_before_the_event_was_handled(world, fleet, catalog):
    sim = fleet.sim
    owner = principal(world.owner)
    services.auto_top_up_set(principal=owner, enabled=True, iccids=[sim.iccid])
    _use(sim, 450)  # under 20 %: the event waits in the outbox (not delivered in this test)
    services.topup_order(principal=owner, iccids=[sim.iccid])  # the customer was quicker
    assert (
        services.auto_top_up_run(organisation_id=world.customer.pk, sim_id=sim.pk, iccid=sim.iccid, service="data")
        is None
    )
    assert Order.objects.count() == 1


def test_auto_top_up_fires_again_after_a_lifetime_extension(world, fleet, catalog, django_capture_on_commit_callbacks):
    sim = fleet.sim
    owner = principal(world.owner)
    services.auto_top_up_set(principal=owner, enabled=True, iccids=[sim.iccid])
    with django_capture_on_commit_callbacks(execute=True):
        _use(sim, 450)
    services.extension_order(principal=owner, iccids=[sim.iccid])  # renews to the plan's 500 MB
    with django_capture_on_commit_callbacks(execute=True):
        _use(sim, 450)
    assert Order.objects.filter(order_type=OrderType.AUTO_TOPUP).count() == 2
