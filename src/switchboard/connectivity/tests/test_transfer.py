"""SIM transfer: master ⇄ sub-organisation only; a refusal moves nothing."""

import pytest

from switchboard.connectivity import services
from switchboard.connectivity.contracts import SimEventType
from switchboard.connectivity.models import Sim, SimEvent
from switchboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from switchboard.events.models import AuditEntry
from switchboard.tenancy.selectors import principal_for_membership
from switchboard.tenancy.tests import factories as f

from .factories import iccid_number


@pytest.fixture
def master(world):
    return principal_for_membership(world.owner)


def owners(sims) -> list[int]:
    return list(
        Sim.objects.filter(pk__in=[s.pk for s in sims]).order_by("iccid").values_list("organisation_id", flat=True)
    )


def test_master_to_sub_and_back(master, fleet, world):
    moved = services.sims_transfer(principal=master, target_organisation_id=world.sub.pk, iccids=[fleet.sim.iccid])
    assert moved == 1 and owners([fleet.sim]) == [world.sub.pk]
    event = SimEvent.objects.get(sim=fleet.sim, type=SimEventType.TRANSFERRED)
    assert event.detail == {"from": world.customer.pk, "to": world.sub.pk}
    assert AuditEntry.objects.filter(action="sim.transferred", organisation_id=world.customer.pk).count() == 1
    back = [fleet.sim.iccid_with_luhn, fleet.sub_sims[0].iccid]
    assert services.sims_transfer(principal=master, target_organisation_id=None, iccids=back) == 2
    assert owners([fleet.sim, fleet.sub_sims[0]]) == [world.customer.pk, world.customer.pk]


def test_ranges_select_the_sims_between(master, fleet, world):
    first, *_, last = sorted(fleet.sims, key=lambda s: s.iccid)
    count = services.sims_transfer(
        principal=master, target_organisation_id=world.sub.pk, ranges=[(first.iccid, last.iccid_with_luhn)]
    )
    assert count == 3 and set(owners(fleet.sims)) == {world.sub.pk}


def test_sub_to_sub_is_refused(master, fleet, world):
    second_sub = f.OrganisationFactory(parent=world.customer, kind="sub_organisation")
    with pytest.raises(PermissionDenied, match="transfer it back to the master first"):
        services.sims_transfer(
            principal=master,
            target_organisation_id=second_sub.pk,
            iccids=[fleet.sims[1].iccid, fleet.sub_sims[0].iccid],
        )
    assert owners([fleet.sims[1]]) == [world.customer.pk]
    assert owners([fleet.sub_sims[0]]) == [world.sub.pk]


def test_other_trees_are_out_of_reach(master, fleet, world):
    with pytest.raises(NotFound):  # target in another tree
        services.sims_transfer(principal=master, target_organisation_id=world.other.pk, iccids=[fleet.sim.iccid])
    with pytest.raises(NotFound, match=fleet.other_sims[0].iccid):  # SIM of another customer
        services.sims_transfer(
            principal=master, target_organisation_id=world.sub.pk, iccids=[fleet.sim.iccid, fleet.other_sims[0].iccid]
        )
    assert owners([fleet.sim]) == [world.customer.pk]
    assert not SimEvent.objects.filter(type=SimEventType.TRANSFERRED).exists()


def test_a_sub_organisation_cannot_transfer(fleet, world):
    sub = principal_for_membership(world.sub_owner)
    with pytest.raises(PermissionDenied):
        services.sims_transfer(principal=sub, target_organisation_id=None, iccids=[fleet.sub_sims[0].iccid])


def test_users_without_organisation_rights_cannot_transfer(fleet, world):
    with pytest.raises(PermissionDenied):
        services.sims_transfer(
            principal=principal_for_membership(world.user),
            target_organisation_id=world.sub.pk,
            iccids=[fleet.sim.iccid],
        )


def test_bad_requests(master, fleet, world):
    with pytest.raises(ValidationFailed):
        services.sims_transfer(principal=master, target_organisation_id=world.sub.pk)
    with pytest.raises(ValidationFailed, match="already belongs"):
        services.sims_transfer(principal=master, target_organisation_id=None, iccids=[fleet.sim.iccid])
    with pytest.raises(ValidationFailed, match="ends before it starts"):
        services.sims_transfer(
            principal=master, target_organisation_id=world.sub.pk, ranges=[(fleet.sims[2].iccid, fleet.sims[0].iccid)]
        )
    with pytest.raises(ValidationFailed) as error:
        services.sims_transfer(principal=master, target_organisation_id=world.sub.pk, iccids=["12345"])
    assert error.value.field == "iccids"


def test_iccid_files_hold_single_iccids_and_ranges():
    a, b, c = (iccid_number(n) for n in range(3))
    text = f"ICCID\n{a}\n{b}, {c}\n\n{a};{c}\n"
    assert services.parse_iccid_list(text) == ([a, b, c], [(a, c)])
    with pytest.raises(ValidationFailed) as error:
        services.parse_iccid_list(f"{a}\nnot-an-iccid\n")
    assert error.value.field == "file:2"
    with pytest.raises(ValidationFailed, match="Line 1"):
        services.parse_iccid_list(f"{a};{b};{c}")
