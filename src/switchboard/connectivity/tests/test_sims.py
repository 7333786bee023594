"""What customers change on their SIMs, with events, audit and outbox entries for each change."""

import pytest

from switchboard.connectivity import selectors, services
from switchboard.connectivity.contracts import QuotaStatus, SimEventType, SimFilters, SimStatus
from switchboard.connectivity.models import Sim, SimEvent
from switchboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from switchboard.events.models import AuditEntry, OutboxEvent
from switchboard.tenancy.selectors import principal_for_membership

from .factories import SimFactory


@pytest.fixture
def owner(world):
    return principal_for_membership(world.owner)


def test_partial_update_changes_only_what_is_given(owner, fleet):
    sim = services.sim_update(principal=owner, change=services.SimChange(fleet.sim.iccid, label="Kühlwagen 7"))
    sim.refresh_from_db()
    assert (sim.label, sim.status, sim.imei_lock) == ("Kühlwagen 7", "Enabled", False)
    event = SimEvent.objects.get(sim=sim, type=SimEventType.LABEL_CHANGED)
    assert event.detail == {"from": "Truck 1", "to": "Kühlwagen 7"}
    entry = AuditEntry.objects.get(action="sim.updated")
    assert (entry.before, entry.after) == ({"label": "Truck 1"}, {"label": "Kühlwagen 7"})
    assert OutboxEvent.objects.filter(type="connectivity.sim.label_changed").exists()


def test_unchanged_values_record_nothing(owner, fleet):
    services.sim_update(principal=owner, change=services.SimChange(fleet.sim.iccid, label="Truck 1", status="Enabled"))
    assert not SimEvent.objects.exists() and not AuditEntry.objects.exists()


def test_bad_values_change_nothing(owner, fleet):
    with pytest.raises(ValidationFailed) as error:
        services.sim_update(
            principal=owner, change=services.SimChange(fleet.sim.iccid, label="new", status="Activated")
        )
    assert error.value.field == "status"
    with pytest.raises(ValidationFailed):
        services.sim_update(principal=owner, change=services.SimChange(fleet.sim.iccid, label="x" * 101))
    assert Sim.objects.get(pk=fleet.sim.pk).label == "Truck 1"


def test_bulk_update_is_all_or_nothing_and_names_the_item(owner, fleet):
    changes = [
        services.SimChange(fleet.sims[0].iccid, label="A"),
        services.SimChange(fleet.sims[1].iccid, status="Sleeping"),
    ]
    with pytest.raises(ValidationFailed) as error:
        services.sims_update(principal=owner, changes=changes)
    assert error.value.field == "items[1].status"
    assert Sim.objects.get(pk=fleet.sims[0].pk).label == "Truck 1"
    with pytest.raises(NotFound):
        services.sims_update(principal=owner, changes=[services.SimChange(fleet.other_sims[0].iccid, label="mine")])


def test_status_changes_are_events(owner, fleet):
    assert services.sims_set_status(principal=owner, iccids=[s.iccid for s in fleet.sims], status="Disabled") == 3
    assert set(Sim.objects.filter(organisation_id=fleet.sim.organisation_id).values_list("status", flat=True)) == {
        "Disabled"
    }
    event = SimEvent.objects.filter(type=SimEventType.STATUS_CHANGED).first()
    assert event.detail == {"from": "Enabled", "to": "Disabled"}


def test_label_prefix_numbers_the_selection_in_iccid_order(owner, fleet):
    services.sims_set_label_prefix(principal=owner, iccids=[s.iccid for s in reversed(fleet.sims)], prefix="Berlin")
    labels = list(
        Sim.objects.filter(pk__in=[s.pk for s in fleet.sims]).order_by("iccid").values_list("label", flat=True)
    )
    assert labels == ["Berlin-001", "Berlin-002", "Berlin-003"]


def test_imei_lock_for_all_sims_of_the_organisation_only(owner, fleet, world):
    assert services.sims_set_imei_lock(principal=owner, locked=True) == 3
    assert Sim.objects.filter(imei_lock=True).count() == 3
    assert services.sims_set_imei_lock(principal=owner, locked=True) == 0  # nothing left to change
    assert not Sim.objects.filter(organisation_id=world.sub.pk, imei_lock=True).exists()


def test_read_only_cannot_change_and_others_cannot_see(world, fleet):
    with pytest.raises(PermissionDenied):
        services.sim_update(
            principal=principal_for_membership(world.read_only), change=services.SimChange(fleet.sim.iccid, label="x")
        )
    with pytest.raises(NotFound):
        services.sim_update(
            principal=principal_for_membership(world.other_owner), change=services.SimChange(fleet.sim.iccid, label="x")
        )
    with pytest.raises(NotFound):
        selectors.sim_get(principal=principal_for_membership(world.sub_owner), iccid=fleet.sim.iccid)


def test_stock_sims_cannot_be_enabled_by_their_holder(fleet):
    operator = principal_for_membership(fleet.operator_admin)
    with pytest.raises(ValidationFailed, match="not been delivered"):
        services.sims_set_status(principal=operator, iccids=[fleet.stock[0].iccid], status="Enabled")


def test_reset_is_an_event_for_the_aaa(owner, fleet):
    services.sim_reset(principal=owner, iccid=fleet.sim.iccid)
    assert OutboxEvent.objects.filter(type="connectivity.sim.connection_reset").count() == 1


def test_list_filters_and_search(owner, fleet, world):
    SimFactory(organisation_id=world.customer.pk, label="Cold store", data_remaining=0, data_status=2)
    everything = selectors.sims_list(principal=owner)
    assert everything.count() == 4
    assert [s.label for s in selectors.sims_list(principal=owner, filters=SimFilters(search="truck"))] == [
        "Truck 1",
        "Truck 2",
        "Truck 3",
    ]
    assert selectors.sims_list(principal=owner, filters=SimFilters(search=fleet.sim.iccid[:15])).count() >= 1
    exhausted = selectors.sims_list(principal=owner, filters=SimFilters(data_group=QuotaStatus.EXHAUSTED))
    assert [s.label for s in exhausted] == ["Cold store"]
    by_label = selectors.sims_list(principal=owner, filters=SimFilters(sort=("-label",)))
    assert by_label[0].label == "Truck 3"
    with pytest.raises(ValidationFailed):
        list(selectors.sims_list(principal=owner, filters=SimFilters(sort=("price",))))
    assert selectors.sims_list(principal=owner, filters=SimFilters(status=SimStatus.DISABLED)).count() == 0


def test_dashboard_groups_and_six_months(owner, fleet, world):
    SimFactory(organisation_id=world.customer.pk, data_remaining=1, data_status=1, sms_remaining=0, sms_status=2)
    services.record_usage(sim_id=fleet.sim.pk, rx=3, tx=4)
    board = selectors.dashboard(principal=owner)
    assert board.data_groups == {QuotaStatus.AVAILABLE: 3, QuotaStatus.LOW: 1, QuotaStatus.EXHAUSTED: 0}
    assert board.sms_groups == {QuotaStatus.AVAILABLE: 3, QuotaStatus.LOW: 0, QuotaStatus.EXHAUSTED: 1}
    assert len(board.months) == 6 and board.months[-1].data == 7 and board.months[0].data == 0
