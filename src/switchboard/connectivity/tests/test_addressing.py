"""Static IP pools: delivered SIMs get the lowest free address of their organisation's pools, pools open one after
another from the operator's space, addresses stay with their SIMs, and each tenant sees only its own pools."""

from __future__ import annotations

import io
import threading
from ipaddress import IPv4Address, IPv4Network

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from switchboard.connectivity import selectors, services
from switchboard.connectivity.models import IpPool, Sim
from switchboard.core.errors import Conflict
from switchboard.tenancy.selectors import principal_for_membership

from .factories import SimFactory, StockSimFactory


@pytest.fixture
def operator(fleet):
    return principal_for_membership(fleet.operator_admin)


@pytest.fixture
def deliver(operator):
    """`deliver(count, organisation)` → that many new stock SIMs assigned to the organisation, in ICCID order."""

    def assign(count: int, organisation, **fields) -> list[Sim]:
        stock = StockSimFactory.create_batch(count, organisation_id=operator.organisation_id, **fields)
        services.sims_assign(principal=operator, iccids=[s.iccid for s in stock], organisation_id=organisation.pk)
        return list(Sim.objects.filter(pk__in=[s.pk for s in stock]).order_by("iccid"))

    return assign


@pytest.fixture
def pool_prefix(settings):
    """`pool_prefix(28, space="10.64.0.0/27")` → small pools (and space) for the test."""

    def configure(prefix: int, *, space: str | None = None) -> None:
        settings.SWITCHBOARD = {
            **settings.SWITCHBOARD,
            "IP_POOL_PREFIX": prefix,
            "IP_SPACE": space or settings.SWITCHBOARD["IP_SPACE"],
        }

    return configure


def pools_of(organisation) -> list[str]:
    return list(IpPool.objects.filter(organisation_id=organisation.pk).values_list("network", flat=True))


def test_the_first_sim_opens_the_first_pool_and_gets_its_first_host(deliver, world):
    [sim] = deliver(1, world.customer)
    assert sim.ip_address == "10.64.0.1"
    assert pools_of(world.customer) == ["10.64.0.0/24"]


def test_a_full_pool_opens_the_next_one(deliver, world):
    sims = deliver(255, world.customer)  # a /24 has 254 host addresses
    assert [s.ip_address for s in sims[:2]] == ["10.64.0.1", "10.64.0.2"]
    assert sims[253].ip_address == "10.64.0.254" and sims[254].ip_address == "10.64.1.1"
    assert pools_of(world.customer) == ["10.64.0.0/24", "10.64.1.0/24"]
    assert len({s.ip_address for s in sims}) == 255


def test_the_pool_size_is_configurable(deliver, world, pool_prefix):
    pool_prefix(28)
    sims = deliver(15, world.customer)  # a /28 has 14 host addresses
    assert (sims[0].ip_address, sims[13].ip_address, sims[14].ip_address) == ("10.64.0.1", "10.64.0.14", "10.64.0.17")
    assert pools_of(world.customer) == ["10.64.0.0/28", "10.64.0.16/28"]


def test_a_smaller_pool_size_later_leaves_the_larger_pools_alone(deliver, world, pool_prefix):
    deliver(1, world.customer)
    pool_prefix(28)
    [sim] = deliver(1, world.other)
    assert sim.ip_address == "10.64.1.1" and pools_of(world.other) == ["10.64.1.0/28"]


def test_organisations_never_share_a_pool_or_an_address(deliver, world, pool_prefix):
    pool_prefix(28)
    first = deliver(2, world.customer)
    other = deliver(2, world.other)
    more = deliver(14, world.customer)  # fills the customer's first pool, then opens a third
    assert [s.ip_address for s in first + more[:12]] == [f"10.64.0.{n}" for n in range(1, 15)]
    assert [s.ip_address for s in other] == ["10.64.0.17", "10.64.0.18"]
    assert [s.ip_address for s in more[12:]] == ["10.64.0.33", "10.64.0.34"]
    assert pools_of(world.customer) == ["10.64.0.0/28", "10.64.0.32/28"]
    assert pools_of(world.other) == ["10.64.0.16/28"]


def test_an_address_from_the_vendor_file_is_kept_and_skipped(deliver, world):
    StockSimFactory(organisation_id=world.operator.pk, ip_address="10.64.0.2")  # someone else's vendor address
    vendor = deliver(1, world.customer, ip_address="10.99.0.7")
    assert vendor[0].ip_address == "10.99.0.7" and not pools_of(world.customer)
    sims = deliver(2, world.customer)
    assert [s.ip_address for s in sims] == ["10.64.0.1", "10.64.0.3"]


def test_a_sim_keeps_its_address_when_moved_to_a_sub_organisation(deliver, world):
    sims = deliver(2, world.customer)
    master = principal_for_membership(world.owner)
    services.sims_transfer(principal=master, target_organisation_id=world.sub.pk, iccids=[sims[1].iccid])
    services.sims_transfer(principal=master, target_organisation_id=None, iccids=[sims[1].iccid])
    services.sims_transfer(principal=master, target_organisation_id=world.sub.pk, iccids=[sims[1].iccid])
    moved = Sim.objects.get(pk=sims[1].pk)
    assert (moved.organisation_id, moved.ip_address) == (world.sub.pk, "10.64.0.2")
    [direct] = deliver(1, world.sub)  # delivered straight to the sub-organisation: from its master's pool
    assert direct.ip_address == "10.64.0.3" and not pools_of(world.sub)


def test_an_exhausted_space_refuses_the_delivery_and_assigns_nothing(operator, deliver, world, pool_prefix):
    pool_prefix(28, space="10.64.0.0/27")  # room for two pools of 14 addresses
    deliver(20, world.customer)  # both pools are the customer's now, with 8 addresses free
    stock = StockSimFactory.create_batch(9, organisation_id=operator.organisation_id)
    for target, count in ((world.customer, 9), (world.other, 1)):
        with pytest.raises(Conflict) as refusal:
            services.sims_assign(principal=operator, iccids=[s.iccid for s in stock[:count]], organisation_id=target.pk)
        assert refusal.value.code == "ip_space_exhausted" and "used up" in refusal.value.message
    assert set(Sim.objects.filter(pk__in=[s.pk for s in stock]).values_list("organisation_id", "ip_address")) == {
        (world.operator.pk, None)
    }
    assert not pools_of(world.other)
    assert [s.ip_address for s in deliver(8, world.customer)][-1] == "10.64.0.30"  # the last eight are still free


def test_bulk_assignment_costs_queries_per_pool_not_per_sim(operator, world):
    sims = Sim.objects.bulk_create(StockSimFactory.build_batch(1000, organisation_id=operator.organisation_id))
    with CaptureQueriesContext(connection) as queries:
        services.assign_addresses(sims, world.customer.pk)
    assert len(queries) < 60  # 4 pools; SQLite splits the bulk update in small batches
    stored = set(Sim.objects.filter(pk__in=[s.pk for s in sims]).values_list("ip_address", flat=True))
    assert len(stored) == 1000 and sims[-1].ip_address == "10.64.3.238"
    assert pools_of(world.customer) == [f"10.64.{n}.0/24" for n in range(4)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_never_hand_out_an_address_twice(operator, world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time: nothing runs concurrently there")
    targets = (world.customer, world.customer, world.other)
    batches = [StockSimFactory.create_batch(300, organisation_id=operator.organisation_id) for _ in targets]
    start, failures = threading.Barrier(len(targets)), []

    def deliver(batch: list[Sim], organisation) -> None:
        try:
            start.wait()
            services.sims_assign(principal=operator, iccids=[s.iccid for s in batch], organisation_id=organisation.pk)
        except Exception as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=pair) for pair in zip(batches, targets, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    pools = {IPv4Network(p.network): p.organisation_id for p in IpPool.objects.all()}
    delivered = Sim.objects.exclude(ip_address=None).values_list("ip_address", "organisation_id")
    assert len({address for address, _ in delivered}) == len(delivered) == 900
    for address, owner in delivered:
        assert [pools[n] for n in pools if IPv4Address(address) in n] == [owner]


# --- where the pools show ------------------------------------------------------------------------------------------


def test_network_settings_show_the_organisations_pools_only(deliver, world):
    deliver(3, world.customer)
    deliver(2, world.other)
    mine = selectors.network_settings(principal=principal_for_membership(world.owner))
    assert [(str(p.network), p.prefix, p.size, p.used, p.free) for p in mine.pools] == [
        ("10.64.0.0/24", 24, 254, 3, 251)
    ]
    assert [str(n) for n in mine.ip_ranges] == ["10.64.0.0/24"]
    theirs = selectors.network_settings(principal=principal_for_membership(world.other_owner))
    assert [str(p.network) for p in theirs.pools] == ["10.64.1.0/24"]


def test_a_sub_organisation_sees_the_master_pools_its_sims_come_from(deliver, world):
    sub = principal_for_membership(world.sub_owner)
    deliver(1, world.customer)
    assert selectors.network_settings(principal=sub).pools == []
    deliver(254, world.customer)  # a second pool
    [sim] = deliver(1, world.sub)
    assert sim.ip_address == "10.64.1.2"
    shown = selectors.network_settings(principal=sub)
    assert [(str(p.network), p.used) for p in shown.pools] == [("10.64.1.0/24", 2)]


def test_the_configuration_page_lists_the_pools(portal, deliver, world):
    deliver(2, world.customer)
    deliver(1, world.other)
    page = portal(world.read_only).get(reverse("connectivity:configuration")).content.decode()
    assert "10.64.0.0/24" in page and "2 / 254" in page and "252" in page
    assert "10.64.1.0/24" not in page
    other_page = portal(world.other_owner).get(reverse("connectivity:configuration")).content.decode()
    assert "10.64.1.0/24" in other_page and "10.64.0.0/24" not in other_page


def test_the_sim_page_shows_the_address_and_its_pool(portal, deliver, world):
    [sim] = deliver(1, world.customer)
    page = portal(world.user).get(reverse("connectivity:sim_detail", args=[sim.iccid])).content.decode()
    assert "10.64.0.1" in page and "from pool 10.64.0.0/24" in page


def test_the_api_returns_the_pools(api, deliver, world):
    deliver(2, world.customer)
    deliver(1, world.other)
    body = api(world.client).call("get", "/api/v1/network-settings").json()
    assert body["pools"] == [{"network": "10.64.0.0/24", "prefix": 24, "size": 254, "used": 2, "free": 252}]
    assert body["ip_ranges"][0]["network"] == "10.64.0.0/24"
    theirs = api(world.other_client).call("get", "/api/v1/network-settings").json()
    assert [p["network"] for p in theirs["pools"]] == ["10.64.1.0/24"]


def test_sims_delivered_before_the_pools_get_addresses_from_the_backfill(world):
    old = [SimFactory(organisation_id=world.customer.pk) for _ in range(3)]
    other = SimFactory(organisation_id=world.other.pk)
    stock = StockSimFactory(organisation_id=world.operator.pk)
    call_command("sims_assign_addresses", stdout=io.StringIO())
    addresses = [Sim.objects.get(pk=s.pk).ip_address for s in (*old, other)]
    assert all(addresses) and len(set(addresses)) == 4
    assert Sim.objects.get(pk=stock.pk).ip_address is None  # stock gets its address on delivery
    assert services.backfill_addresses() == 0  # nothing left to do
