"""Volume notifications: the organisation chooses conditions and users; the SIM events under 20 %, used up and at the
monthly limit are mailed to those users in their language, once per event. Through the service, the native API and
the Configuration page."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from switchboard.connectivity import selectors, services
from switchboard.connectivity.contracts import MB, SmsDirection, VolumeCondition, VolumeNotificationSettings
from switchboard.connectivity.models import LimitStep, OrganisationLimits, VolumeNotification
from switchboard.core.errors import PermissionDenied, ValidationFailed
from switchboard.events.models import AuditEntry
from switchboard.events.services import sweep_outbox
from switchboard.tenancy.tests import factories as f

from .factories import SimFactory

API = "/api/v1/volume-notifications"


@pytest.fixture
def owner(world):
    return f.principal(world.owner)


@pytest.fixture
def sim(world):
    return SimFactory(organisation_id=world.customer.pk, label="Truck 7", data_total=100 * MB, sms_total=10)


def choose(owner, world, *conditions: VolumeCondition) -> None:
    """Mail the Owner (English) and the Admin (German), not the User or Read Only."""
    world.admin.user.language = "de"
    world.admin.user.save()
    services.volume_notifications_set(
        principal=owner, conditions=list(conditions), user_ids=[world.owner.user_id, world.admin.user_id]
    )


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


# The service


def test_nothing_is_mailed_until_the_organisation_chooses(owner):
    assert selectors.volume_notifications_get(principal=owner) == VolumeNotificationSettings()


def test_the_choice_is_saved_once_per_condition_and_user_and_audited(owner, world):
    saved = services.volume_notifications_set(
        principal=owner,
        conditions=["limit_reached", "data_low", "data_low"],
        user_ids=[world.user.user_id, world.owner.user_id, world.user.user_id],
    )
    assert saved.conditions == (VolumeCondition.DATA_LOW, VolumeCondition.LIMIT_REACHED)
    assert saved.user_ids == (world.user.user_id, world.owner.user_id)
    assert selectors.volume_notifications_get(principal=f.principal(world.read_only)) == saved
    entry = AuditEntry.objects.get(action="volume_notifications.updated")
    assert entry.after == {"conditions": ["data_low", "limit_reached"], "user_ids": list(saved.user_ids)}
    services.volume_notifications_set(
        principal=owner, conditions=["data_low", "limit_reached"], user_ids=saved.user_ids
    )
    assert AuditEntry.objects.filter(action="volume_notifications.updated").count() == 1  # nothing changed


@pytest.mark.parametrize(
    ("conditions", "user_ids", "field"),
    [
        (["data_low"], lambda w: [w.owner.user_id, w.admin.user_id, w.other_owner.user_id], "user_ids[2]"),
        (["data_low"], lambda w: [w.sub_owner.user_id], "user_ids[0]"),  # a sub-organisation is another one
        (["data_low"], lambda w: [w.owner.user_id, 999_999], "user_ids[1]"),
        (["data_low", "credit_low"], lambda w: [w.owner.user_id], "conditions"),
    ],
    ids=["another organisation's user", "a sub-organisation's user", "no such user", "unknown condition"],
)
def test_a_bad_choice_names_its_field_and_changes_nothing(owner, world, conditions, user_ids, field):
    services.volume_notifications_set(principal=owner, conditions=["sms_low"], user_ids=[world.owner.user_id])
    with pytest.raises(ValidationFailed) as refused:
        services.volume_notifications_set(principal=owner, conditions=conditions, user_ids=user_ids(world))
    assert [e.field for e in refused.value.errors] == [field]
    row = VolumeNotification.objects.get()
    assert (row.conditions, row.user_ids) == (["sms_low"], [world.owner.user_id])


def test_users_and_read_only_may_not_change_the_choice(world):
    for role in (world.user, world.read_only):
        with pytest.raises(PermissionDenied):
            services.volume_notifications_set(principal=f.principal(role), conditions=["data_low"], user_ids=[])
    assert not VolumeNotification.objects.exists()


# The mails


def test_the_chosen_users_get_the_enabled_conditions_in_their_language(owner, world, sim):
    choose(owner, world, VolumeCondition.DATA_LOW, VolumeCondition.LIMIT_REACHED)
    services.record_usage(sim_id=sim.pk, rx=70 * MB, tx=15 * MB)  # 15 MB of 100 MB left: under 20 %
    sweep_outbox()
    [english] = mails_to(world.owner.user.email)
    [german] = mails_to(world.admin.user.email)
    assert len(mail.outbox) == 2  # not the User or Read Only, who were not chosen
    assert english.subject == f"Data volume under 20 %: SIM {sim.iccid}"
    assert f"SIM {sim.iccid} (Truck 7)" in english.body
    assert "15 MB of 100 MB are left" in english.body
    assert reverse("connectivity:sim_detail", args=[sim.iccid]) in english.body
    mail.outbox.clear()

    step, _ = LimitStep.objects.get_or_create(service="data", amount=90 * MB)
    OrganisationLimits.objects.create(organisation_id=world.customer.pk, data=step)
    services.record_usage(sim_id=sim.pk, rx=15 * MB, tx=0)  # used up (not chosen) and at the monthly limit
    sweep_outbox()
    [english] = mails_to(world.owner.user.email)
    [german] = mails_to(world.admin.user.email)
    assert english.subject.startswith("Monthly limit reached:")
    assert german.subject.startswith("Monatslimit erreicht:")
    assert "monthly data limit of 90 MB" in english.body
    assert len(mail.outbox) == 2  # nothing about the exhausted volume


def test_sms_conditions_tell_the_messages_left(owner, world, sim):
    choose(owner, world, VolumeCondition.SMS_LOW, VolumeCondition.SMS_EXHAUSTED)
    services.record_sms(sim_id=sim.pk, direction=SmsDirection.MO, count=9)
    services.record_sms(sim_id=sim.pk, direction=SmsDirection.MO, count=1)
    sweep_outbox()
    bodies = sorted(m.body for m in mails_to(world.owner.user.email))  # the worker takes the events in any order
    assert len(bodies) == 2
    assert "1 of 10 SMS are left" in bodies[0]
    assert "Its SMS volume of 10 SMS is used up" in bodies[1]


def test_each_event_is_mailed_once_and_only_to_current_active_members(owner, world, sim):
    choose(owner, world, VolumeCondition.DATA_EXHAUSTED)
    world.admin.user.is_active = False
    world.admin.user.save()
    services.record_usage(sim_id=sim.pk, rx=100 * MB, tx=0)
    sweep_outbox()
    sweep_outbox()  # a second worker pass finds the delivery done
    assert [m.to for m in mail.outbox] == [[world.owner.user.email]]
    mail.outbox.clear()
    world.owner.delete()  # the Owner left the organisation; the saved choice still names them
    second = SimFactory(organisation_id=world.customer.pk, data_total=100 * MB)
    services.record_usage(sim_id=second.pk, rx=100 * MB, tx=0)
    sweep_outbox()
    assert mail.outbox == []


def test_another_organisations_choice_mails_nobody_of_ours(owner, world):
    choose(owner, world, VolumeCondition.DATA_LOW)
    foreign = SimFactory(organisation_id=world.other.pk, data_total=100 * MB)
    services.record_usage(sim_id=foreign.pk, rx=90 * MB, tx=0)
    sweep_outbox()
    assert mail.outbox == []


# The native API


def put(caller, body):
    return caller.client.put(API, json.dumps(body), content_type="application/json", headers=caller.headers)


def test_api_reads_and_replaces_the_choice(api, world):
    owner = api(world.owner)
    assert owner.client.get(API, headers=owner.headers).json() == {"conditions": [], "user_ids": [], "updated_at": None}
    response = put(owner, {"conditions": ["data_exhausted", "data_low"], "user_ids": [world.admin.user_id]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["conditions"], body["user_ids"]) == (["data_low", "data_exhausted"], [world.admin.user_id])
    assert body["updated_at"]
    robot = api(world.client)
    assert robot.client.get(API, headers=robot.headers).json()["user_ids"] == [world.admin.user_id]


def test_api_refusals_name_the_field(api, world):
    owner = api(world.owner)
    response = put(owner, {"conditions": ["data_low"], "user_ids": [world.owner.user_id, world.other_owner.user_id]})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["user_ids[1]"]
    response = put(owner, {"conditions": ["everything"], "user_ids": []})
    assert [e["field"] for e in response.json()["errors"]] == ["conditions"]
    assert not VolumeNotification.objects.exists()


# The Configuration page


def test_the_card_lists_the_members_and_saves_the_choice(portal, world):
    browser = portal(world.admin)
    page = browser.get(reverse("connectivity:configuration")).content.decode()
    assert 'data-testid="volume-notifications"' in page
    for member in (world.owner, world.admin, world.user, world.read_only):
        assert member.user.email in page
    assert world.other_owner.user.email not in page
    response = browser.post(
        reverse("connectivity:configuration"),
        {"conditions": ["data_exhausted", "limit_reached"], "user_ids": [world.user.user_id]},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#volume-notifications")
    saved = selectors.volume_notifications_get(principal=f.principal(world.admin))
    assert saved.conditions == (VolumeCondition.DATA_EXHAUSTED, VolumeCondition.LIMIT_REACHED)
    assert saved.user_ids == (world.user.user_id,)
    page = browser.get(reverse("connectivity:configuration")).content.decode()
    assert checked(page, "user_ids") == [str(world.user.user_id)]
    assert checked(page, "conditions") == ["data_exhausted", "limit_reached"]


def boxes(page: str, name: str) -> list[str]:
    return re.findall(rf'<input type="checkbox" name="{name}"[^>]*>', page)


def checked(page: str, name: str) -> list[str]:
    return [re.search(r'value="([^"]*)"', box)[1] for box in boxes(page, name) if " checked" in box]


def test_a_refused_choice_is_shown_in_place(portal, world):
    response = portal(world.admin).post(
        reverse("connectivity:configuration"), {"conditions": ["data_low"], "user_ids": [world.other_owner.user_id]}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field field-user_ids invalid"' in page
    assert not VolumeNotification.objects.exists()


def test_read_only_sees_the_choice_disabled(portal, world, owner):
    services.volume_notifications_set(principal=owner, conditions=["data_low"], user_ids=[world.owner.user_id])
    browser = portal(world.read_only)
    page = browser.get(reverse("connectivity:configuration")).content.decode()
    inputs = boxes(page, "conditions") + boxes(page, "user_ids")
    assert len(inputs) == len(VolumeCondition) + 4  # the Owner, Admin, User and Read Only
    assert all(" disabled" in box for box in inputs)
    assert checked(page, "conditions") == ["data_low"]
    assert "Save notifications" not in page
    assert browser.post(reverse("connectivity:configuration"), {"conditions": ["sms_low"]}).status_code == 403
