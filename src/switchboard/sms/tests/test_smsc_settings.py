from __future__ import annotations

import pytest

from switchboard.core import crypto
from switchboard.core.errors import PermissionDenied, ValidationFailed
from switchboard.sms import selectors, services
from switchboard.sms.contracts import SmscKind
from switchboard.sms.gateway import SmsGateway, build_adapter
from switchboard.sms.models import SmscConnection
from switchboard.sms.smsc.kannel import KannelAdapter
from switchboard.sms.smsc.simulated import SimulatedSmsc
from switchboard.tenancy.selectors import principal_for_membership


@pytest.fixture
def operator(fleet):
    return principal_for_membership(fleet.operator_admin)


def test_kannel_gets_a_callback_token_once_and_secrets_are_encrypted(operator):
    wanted = services.SmscSettings(
        kind="kannel", sendsms_url="http://127.0.0.1:14013/cgi-bin/sendsms", username="sb", password="kannel-pw"
    )
    connection, token = services.smsc_configure(principal=operator, wanted=wanted)
    assert len(token) > 20 and token not in connection.callback_token_encrypted
    assert (
        "kannel-pw" not in connection.password_encrypted
        and crypto.decrypt(connection.password_encrypted) == "kannel-pw"
    )
    again, second = services.smsc_configure(
        principal=operator, wanted=services.SmscSettings(kind="kannel", sendsms_url=wanted.sendsms_url, username="sb")
    )
    assert second == "" and crypto.decrypt(again.password_encrypted) == "kannel-pw"  # None keeps the password
    adapter = build_adapter(again)
    assert isinstance(adapter, KannelAdapter) and f"token={token}" in adapter.dlr_url


@pytest.mark.parametrize(
    ("wanted", "field"),
    [
        (services.SmscSettings(kind="fax"), "kind"),
        (services.SmscSettings(kind="smpp", host="", port=2775, system_id="sb"), "host"),
        (services.SmscSettings(kind="smpp", host="smsc.example", port=70000, system_id="sb"), "port"),
        (services.SmscSettings(kind="kannel", sendsms_url="ftp://x", username="u"), "sendsms_url"),
    ],
)
def test_bad_settings_name_the_field_and_save_nothing(operator, wanted, field):
    with pytest.raises(ValidationFailed) as refused:
        services.smsc_configure(principal=operator, wanted=wanted)
    assert refused.value.field == field and not SmscConnection.objects.exists()


def test_only_the_operator_chooses_the_smsc(world, operator):
    customer = principal_for_membership(world.owner)
    with pytest.raises(PermissionDenied):
        services.smsc_configure(principal=customer, wanted=services.SmscSettings(kind="simulated"))
    with pytest.raises(PermissionDenied):
        selectors.smsc_connection(principal=customer)


def test_the_gateway_uses_the_operator_of_the_sims_organisation(operator, fleet):
    services.smsc_configure(
        principal=operator, wanted=services.SmscSettings(kind=SmscKind.SIMULATED, default_source="NordNet")
    )
    adapter, source = SmsGateway().adapter_for(fleet.sub_sims[0].organisation_id)
    assert isinstance(adapter, SimulatedSmsc) and source == "NordNet"
