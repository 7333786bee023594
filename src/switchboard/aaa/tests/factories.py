"""RADIUS clients and sessions built the way the services and the RADIUS server build them."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from switchboard.aaa import services
from switchboard.aaa.contracts import AccountingReport
from switchboard.aaa.models import NasClient, Session
from switchboard.aaa.services.accounting import START
from switchboard.connectivity.models import Sim
from switchboard.core.principal import Principal

SECRET = "gateway-shared-secret-1"


def nas_client(principal: Principal, **fields) -> NasClient:
    """A gateway of the principal's operator; pass name/network/... to differ from the default."""
    values = {"name": "PGW Frankfurt", "network": "192.0.2.10/32", "secret": SECRET, **fields}
    return services.nas_client_create(principal=principal, change=services.NasClientChange(**values))


def open_session(
    nas: NasClient, sim: Sim, *, session_id: str, uplink: int = 0, downlink: int = 0, at: datetime | None = None
) -> Session:
    """An Accounting-Start as the gateway sends it, counted by the accounting service."""
    report = AccountingReport(
        nas_id=nas.pk,
        nas_address=nas.network.split("/")[0],
        status_type=START,
        session_id=session_id,
        at=at or timezone.now(),
        imsi=sim.imsi,
        framed_ip=sim.ip_address,
        input_octets=uplink,
        output_octets=downlink,
    )
    services.account([report], {nas.pk: nas.name})
    return Session.objects.get(nas=nas, acct_session_id=session_id)
