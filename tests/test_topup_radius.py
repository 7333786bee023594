"""Orders and the network together: a top-up lets a SIM that the AAA cut off for its empty quota attach again,
checked with FreeRADIUS's radclient against the real RADIUS server."""

from __future__ import annotations

import pytest

from switchboard.aaa.codec import AcctStatus
from switchboard.aaa.tests.conftest import nas, operator, radclient, radius  # noqa: F401  (fixtures)
from switchboard.aaa.tests.test_server import _interim, _send, pgw, sim  # noqa: F401  (sim is a fixture)
from switchboard.catalog.tests.factories import data_topup
from switchboard.connectivity.contracts import MB
from switchboard.connectivity.models import Sim
from switchboard.orders import services as orders
from switchboard.tenancy.selectors import principal_for_membership

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_top_up_lets_a_sim_cut_off_for_its_empty_quota_attach_again(radius, world, sim):  # noqa: F811
    Sim.objects.filter(pk=sim.pk).update(data_total=10 * MB, data_remaining=10 * MB)
    assert _send(radius.acct_port, _interim(sim, 0, 0, status=AcctStatus.START, session="topup-1"))
    assert _send(radius.acct_port, _interim(sim, 6 * MB, 5 * MB, session="topup-1"))  # quota exhausted
    assert "Received Access-Reject" in radclient("auth", radius.auth_port, pgw(sim))

    product = radius.db(data_topup)
    owner = principal_for_membership(world.owner)
    order = radius.db(lambda: orders.topup_order(principal=owner, iccids=[sim.iccid], product_id=product.pk))

    assert order.status == "COMPLETED"
    assert "Received Access-Accept" in radclient("auth", radius.auth_port, pgw(sim))
    assert Sim.objects.get(pk=sim.pk).data_remaining == 500 * MB
