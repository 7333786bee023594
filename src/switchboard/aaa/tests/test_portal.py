"""Network → RADIUS clients in the portal: the operator's staff list, add, edit and delete gateways and see the open
sessions; refusals in place; the secret is never rendered; customers never see any of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from switchboard.aaa.models import NasClient
from switchboard.core import crypto
from switchboard.events.models import AuditEntry
from switchboard.tenancy.tests import factories as tenancy_factories

from .factories import SECRET, nas_client, open_session

PAGE = reverse("aaa:clients")
FORM = {
    "name": "PGW Hamburg",
    "network": "203.0.113.8",
    "secret": "hamburg-shared-secret",
    "disconnect_port": "3799",
    "enabled": "on",
}


@pytest.fixture
def staff(portal, fleet):
    return portal(fleet.operator_admin)


@pytest.fixture
def gateway(fleet):
    return nas_client(tenancy_factories.principal(fleet.operator_admin))


def edit_url(client: NasClient) -> str:
    return reverse("aaa:client_edit", args=[client.pk])


def delete_url(client: NasClient) -> str:
    return reverse("aaa:client_delete", args=[client.pk])


def snapshot() -> list:
    return list(NasClient.objects.order_by("pk").values()) + list(AuditEntry.objects.order_by("pk").values())


def test_only_the_operators_staff_see_the_menu_item(portal, world, fleet):
    assert f'href="{PAGE}"' in portal(fleet.operator_admin).get("/").content.decode()
    for member in (world.owner, world.admin):
        assert f'href="{PAGE}"' not in portal(member).get("/").content.decode()


def test_the_page_lists_gateways_and_open_sessions(staff, fleet, gateway):
    open_session(gateway, fleet.sim, session_id="sess-0001", uplink=2_000_000, downlink=35_000_000)
    response = staff.get(PAGE)
    page = response.content.decode()
    assert response.status_code == 200
    assert "PGW Frankfurt" in page and "192.0.2.10/32" in page
    assert "sess-0001" in page and fleet.sim.imsi in page
    assert "2.0 MB" in page and "35 MB" in page
    assert "1 data session is open on your gateways." in page
    assert edit_url(gateway) in page and delete_url(gateway) in page
    assert SECRET not in page and gateway.secret_encrypted not in page


def test_adding_a_gateway_redirects_with_a_message_and_lists_it(staff, fleet):
    response = staff.post(PAGE, FORM, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    page = response.content.decode()
    assert "RADIUS client added." in page and "203.0.113.8/32" in page
    assert FORM["secret"] not in page
    created = NasClient.objects.get()
    assert (created.organisation_id, created.enabled, created.require_message_authenticator) == (
        fleet.operator_admin.organisation_id,
        True,
        False,
    )
    assert crypto.decrypt(created.secret_encrypted) == FORM["secret"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"network": "203.0.113.1/29"}, "host bits must be zero"),
        ({"secret": "short"}, "The shared secret must be 16 to 128 printable characters."),
        ({"network": "192.0.2.10"}, "Another RADIUS client already uses this address."),
        ({"name": "PGW Frankfurt"}, "A RADIUS client with this name exists."),
        ({"secret": ""}, "This field is required."),
    ],
)
def test_refusals_are_shown_in_the_form_and_nothing_changes(staff, gateway, change, message):
    before = snapshot()
    response = staff.post(PAGE, {**FORM, **change})
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'value="hamburg-shared-secret"' not in page  # a typed secret is not sent back either
    assert "PGW Frankfurt" in page  # the list is still there
    assert snapshot() == before


def test_editing_with_an_empty_secret_keeps_it(staff, gateway):
    form = staff.get(edit_url(gateway)).content.decode()
    assert 'value="PGW Frankfurt"' in form and "Leave empty to keep the current secret" in form
    assert SECRET not in form and gateway.secret_encrypted not in form
    response = staff.post(
        edit_url(gateway), {"name": "PGW FRA-1", "network": "192.0.2.10/32", "secret": "", "disconnect_port": "1700"}
    )
    assert response.status_code == 302 and response["Location"] == PAGE
    gateway.refresh_from_db()
    assert (gateway.name, gateway.disconnect_port, gateway.enabled) == ("PGW FRA-1", 1700, False)
    assert crypto.decrypt(gateway.secret_encrypted) == SECRET


def test_editing_with_a_new_secret_replaces_it_and_a_bad_one_is_refused_in_place(staff, gateway):
    fields = {"name": "PGW Frankfurt", "network": "192.0.2.10/32", "disconnect_port": "3799", "enabled": "on"}
    response = staff.post(edit_url(gateway), {**fields, "secret": "tiny"})
    assert response.status_code == 400 and "The shared secret must be" in response.content.decode()
    staff.post(edit_url(gateway), {**fields, "secret": "a-brand-new-shared-secret"})
    gateway.refresh_from_db()
    assert crypto.decrypt(gateway.secret_encrypted) == "a-brand-new-shared-secret"


def test_delete_removes_the_gateway(staff, gateway):
    response = staff.post(delete_url(gateway), follow=True)
    assert "RADIUS client deleted." in response.content.decode()
    assert not NasClient.objects.exists()
    assert staff.post(delete_url(gateway)).status_code == 404


def test_read_only_staff_see_the_page_without_forms_and_cannot_post(portal, world, gateway):
    reader = portal(tenancy_factories.member(world.operator, "read_only"))
    page = reader.get(PAGE).content.decode()
    assert "PGW Frankfurt" in page
    assert "Add a RADIUS client" not in page and edit_url(gateway) not in page and delete_url(gateway) not in page
    before = snapshot()
    assert reader.post(PAGE, FORM).status_code == 403
    assert reader.post(delete_url(gateway)).status_code == 403
    assert reader.get(edit_url(gateway)).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_customers_get_403_everywhere_and_change_nothing(portal, world, gateway, role):
    browser = portal(world.member(role))
    before = snapshot()
    assert browser.get(PAGE).status_code == 403
    assert browser.get(edit_url(gateway)).status_code == 403
    assert browser.post(edit_url(gateway), {**FORM, "name": "Hijacked"}).status_code == 403
    assert browser.post(PAGE, FORM).status_code == 403
    assert browser.post(delete_url(gateway)).status_code == 403
    assert snapshot() == before


def test_another_operators_gateway_is_not_found(portal, gateway):
    rival = portal(tenancy_factories.member(tenancy_factories.OperatorFactory(company_name="Rival AG"), "owner"))
    before = snapshot()
    assert "PGW Frankfurt" not in rival.get(PAGE).content.decode()
    assert rival.get(edit_url(gateway)).status_code == 404
    assert rival.post(delete_url(gateway)).status_code == 404
    assert snapshot() == before


def test_sessions_are_paged(staff, fleet, gateway):
    for number, sim in enumerate(fleet.sims + fleet.sub_sims + fleet.other_sims):
        open_session(gateway, sim, session_id=f"sess-{number}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("switchboard.aaa.portal.views.SESSIONS_PAGE", 3)
        first = staff.get(PAGE).content.decode()
        last = staff.get(PAGE + "?page=3").content.decode()
        odd = staff.get(PAGE + "?page=abc")
    assert "Page 1 of 3" in first and "Page 3 of 3" in last
    assert first.count("sess-") == 3 and last.count("sess-") == 1
    assert odd.status_code == 200
