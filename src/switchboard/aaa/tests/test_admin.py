"""The admin of the RADIUS clients: the same service behind it (validated, audited), the secret write-only;
sessions and Disconnect-Requests are read-only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from switchboard.aaa.models import NasClient
from switchboard.core import crypto
from switchboard.events.models import AuditEntry
from switchboard.tenancy.tests import factories as f

from .factories import SECRET, nas_client, open_session

ADD = reverse("admin:aaa_nasclient_add")
FORM = {"name": "PGW Hamburg", "network": "203.0.113.8", "secret": "hamburg-shared-secret", "disconnect_port": "3799"}


def superuser(organisation=None) -> Client:
    user = f.UserFactory(is_staff=True, is_superuser=True)
    if organisation is not None:
        f.member(organisation, "owner", user=user)
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def installer(world) -> Client:
    """The operator's owner, who runs the installation and is the admin's superuser."""
    return superuser(world.operator)


@pytest.fixture
def gateway(world):
    return nas_client(f.principal(f.member(world.operator, "admin")))


def change_url(client: NasClient) -> str:
    return reverse("admin:aaa_nasclient_change", args=[client.pk])


def test_adding_goes_through_the_service(installer, world):
    form = installer.get(ADD).content.decode()
    assert 'name="secret"' in form and 'type="password"' in form
    response = installer.post(ADD, {**FORM, "enabled": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    created = NasClient.objects.get()
    assert (created.network, created.organisation_id, created.enabled) == ("203.0.113.8/32", world.operator.pk, True)
    assert crypto.decrypt(created.secret_encrypted) == FORM["secret"]
    assert AuditEntry.objects.get().action == "nas_client.created"


@pytest.mark.parametrize(
    ("change", "message"),
    [({"network": "203.0.113.1/29"}, "host bits must be zero"), ({"secret": "short"}, "The shared secret must be")],
)
def test_refusals_of_the_service_show_on_the_form(installer, change, message):
    response = installer.post(ADD, {**FORM, **change})
    assert response.status_code == 200 and message in response.content.decode()
    assert not NasClient.objects.exists() and not AuditEntry.objects.exists()


def test_the_change_form_never_shows_the_secret_and_an_empty_one_keeps_it(installer, gateway):
    form = installer.get(change_url(gateway)).content.decode()
    assert 'value="PGW Frankfurt"' in form
    assert SECRET not in form and gateway.secret_encrypted not in form
    response = installer.post(
        change_url(gateway), {"name": "PGW FRA-1", "network": gateway.network, "secret": "", "disconnect_port": "3799"}
    )
    assert response.status_code == 302
    gateway.refresh_from_db()
    assert (gateway.name, gateway.enabled) == ("PGW FRA-1", False)
    assert crypto.decrypt(gateway.secret_encrypted) == SECRET
    assert AuditEntry.objects.filter(action="nas_client.updated").count() == 1


def test_delete_goes_through_the_service(installer, gateway):
    response = installer.post(reverse("admin:aaa_nasclient_delete", args=[gateway.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not NasClient.objects.exists()
    assert AuditEntry.objects.filter(action="nas_client.deleted").count() == 1


def test_the_list_shows_the_settings_not_the_secret(installer, gateway):
    page = installer.get(reverse("admin:aaa_nasclient_changelist")).content.decode()
    assert "PGW Frankfurt" in page and "192.0.2.10/32" in page and "3799" in page
    assert gateway.secret_encrypted not in page


def test_a_superuser_outside_the_operator_may_only_look(world, gateway):
    outsider = superuser()
    assert outsider.get(change_url(gateway)).status_code == 200  # the view-only page
    assert outsider.post(ADD, FORM).status_code == 403
    assert outsider.post(change_url(gateway), {**FORM, "name": "Changed"}).status_code == 403
    assert NasClient.objects.get().name == "PGW Frankfurt"


def test_staff_who_are_no_superusers_see_no_radius_admin(world, gateway):
    user = f.member(world.operator, "admin").user
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    assert browser.get(reverse("admin:aaa_nasclient_changelist")).status_code == 403


def test_sessions_and_disconnects_are_read_only(installer, fleet, gateway):
    session = open_session(gateway, fleet.sim, session_id="sess-admin")
    sessions = installer.get(reverse("admin:aaa_session_changelist")).content.decode()
    assert "sess-admin" in sessions and reverse("admin:aaa_session_add") not in sessions
    assert installer.get(reverse("admin:aaa_session_change", args=[session.pk])).status_code == 200
    assert installer.post(reverse("admin:aaa_session_change", args=[session.pk]), {}).status_code == 403
    assert installer.get(reverse("admin:aaa_disconnect_changelist")).status_code == 200
    assert installer.get(reverse("admin:aaa_disconnect_add")).status_code == 403
