"""SIMs spread over the shared tenancy world: the customer, its sub-organisation, another customer, the stock."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from switchboard.connectivity.models import Sim
from switchboard.tenancy.models import Membership
from switchboard.tenancy.tests import factories as tenancy_factories

from .factories import SimFactory, StockSimFactory


@dataclass
class Fleet:
    sims: list[Sim]  # the customer's
    sub_sims: list[Sim]
    other_sims: list[Sim]
    stock: list[Sim]
    operator_admin: Membership  # staff of the operator, who manage the stock

    @property
    def sim(self) -> Sim:
        return self.sims[0]


@pytest.fixture
def fleet(world) -> Fleet:
    return Fleet(
        sims=[SimFactory(organisation_id=world.customer.pk, label=f"Truck {i}") for i in range(1, 4)],
        sub_sims=[SimFactory(organisation_id=world.sub.pk, label="Sub meter") for _ in range(2)],
        other_sims=[SimFactory(organisation_id=world.other.pk, label="Foreign") for _ in range(2)],
        stock=[StockSimFactory(organisation_id=world.operator.pk) for _ in range(3)],
        operator_admin=tenancy_factories.member(world.operator, "admin"),
    )
