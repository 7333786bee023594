from __future__ import annotations

import re

import pytest
from django.core import mail

from switchboard.core.errors import Conflict, NotAuthenticated, PermissionDenied, RateLimited, ValidationFailed
from switchboard.events.models import AuditEntry
from switchboard.tenancy import services
from switchboard.tenancy.models import Membership, User

from . import factories as f


def invite(world, actor="owner", **overrides):
    data = {"email": "New.Person@Acme.test", "first_name": "New", "last_name": "Person", "role": "user", **overrides}
    return services.member_invite(principal=f.principal(world.member(actor)), **data)


def link_in(message) -> tuple[str, str]:
    uid, token = re.search(r"/password/set/([^/]+)/([^/]+)/", message.body).groups()
    return uid, token


def test_invited_user_gets_a_mail_with_a_link_that_sets_the_password_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        membership = invite(world)
    assert membership.user.email == "new.person@acme.test"
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@acme.test"]
    uid, token = link_in(mail.outbox[0])
    services.password_set(
        uidb64=uid, token=token, password="Lovely-Weather-2026", password_repeat="Lovely-Weather-2026"
    )
    assert User.objects.get(pk=membership.user_id).check_password("Lovely-Weather-2026")
    with pytest.raises(ValidationFailed) as refused:
        services.password_set(
            uidb64=uid, token=token, password="Other-Weather-2026", password_repeat="Other-Weather-2026"
        )
    assert refused.value.field == "token"


def test_weak_or_mismatched_passwords_are_refused_with_the_field(world):
    uid, token = f.password_token(world.user.user)
    with pytest.raises(ValidationFailed) as mismatch:
        services.password_set(uidb64=uid, token=token, password="Lovely-Weather-2026", password_repeat="other")
    assert mismatch.value.field == "password_repeat"
    with pytest.raises(ValidationFailed) as weak:
        services.password_set(uidb64=uid, token=token, password="12345678901", password_repeat="12345678901")
    assert weak.value.field == "password"


@pytest.mark.parametrize(
    ("actor", "role", "allowed"),
    [
        ("owner", "owner", True),
        ("owner", "admin", True),
        ("owner", "user", True),
        ("owner", "read_only", True),
        ("admin", "owner", False),
        ("admin", "admin", False),
        ("admin", "user", True),
        ("admin", "read_only", True),
    ],
)
def test_who_may_assign_which_role(world, actor, role, allowed):
    if allowed:
        assert invite(world, actor, role=role).role == role
    else:
        with pytest.raises(PermissionDenied):
            invite(world, actor, role=role)
        assert not User.objects.filter(email="new.person@acme.test").exists()


@pytest.mark.parametrize("actor", ["user", "read_only"])
def test_users_and_read_only_cannot_manage_users(world, actor):
    with pytest.raises(PermissionDenied):
        invite(world, actor)


def test_api_role_is_not_a_human_role(world):
    with pytest.raises(ValidationFailed) as refused:
        invite(world, role="api")
    assert refused.value.field == "role"


@pytest.mark.parametrize(
    ("field", "value"), [("email", "not-an-address"), ("first_name", " "), ("last_name", "x" * 101)]
)
def test_bad_input_names_the_field_and_writes_nothing(world, field, value):
    before = (User.objects.count(), Membership.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationFailed) as refused:
        invite(world, **{field: value})
    assert refused.value.field == field
    assert (User.objects.count(), Membership.objects.count(), AuditEntry.objects.count()) == before


def test_same_person_twice_is_a_conflict(world):
    invite(world)
    with pytest.raises(Conflict):
        invite(world)


def test_existing_person_joins_another_organisation_and_is_told_by_mail(world, django_capture_on_commit_callbacks):
    """A sub-organisation gives the parent's owner an account: same login, a second membership."""
    parent_owner = world.owner.user
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.member_invite(
            principal=f.principal(world.sub_owner),
            email=parent_owner.email,
            first_name="A",
            last_name="B",
            role="read_only",
        )
    assert membership.user_id == parent_owner.pk
    assert "access" in mail.outbox[0].subject


def test_original_owner_can_be_neither_demoted_nor_removed(world):
    owner = f.principal(world.owner)
    second_owner = f.principal(f.member(world.customer, "owner"))
    with pytest.raises(PermissionDenied):
        services.member_update(
            principal=second_owner,
            membership_id=world.owner.pk,
            email=world.owner.user.email,
            first_name="A",
            last_name="B",
            role="admin",
        )
    with pytest.raises(PermissionDenied):
        services.member_remove(principal=second_owner, membership_id=world.owner.pk)
    with pytest.raises(PermissionDenied):
        services.member_remove(principal=owner, membership_id=world.owner.pk)
    assert Membership.objects.get(pk=world.owner.pk).role == "owner"


def test_admin_manages_users_but_not_admins_or_owners(world):
    admin = f.principal(world.admin)
    services.member_update(
        principal=admin,
        membership_id=world.user.pk,
        email=world.user.user.email,
        first_name="Renamed",
        last_name="User",
        role="read_only",
    )
    assert Membership.objects.get(pk=world.user.pk).role == "read_only"
    other_admin = f.member(world.customer, "admin")
    with pytest.raises(PermissionDenied):
        services.member_remove(principal=admin, membership_id=other_admin.pk)
    with pytest.raises(PermissionDenied):
        services.member_update(
            principal=admin,
            membership_id=world.user.pk,
            email=world.user.user.email,
            first_name="R",
            last_name="U",
            role="admin",
        )


def test_removing_the_last_membership_removes_the_login(world):
    services.member_remove(principal=f.principal(world.owner), membership_id=world.user.pk)
    assert not User.objects.filter(pk=world.user.user_id).exists()
    entry = AuditEntry.objects.get(action="member.removed")
    assert entry.before["email"] == world.user.user.email
    assert entry.actor_label == world.owner.user.email


def test_members_of_another_organisation_are_not_found(world):
    from switchboard.core.errors import NotFound

    with pytest.raises(NotFound):
        services.member_remove(principal=f.principal(world.owner), membership_id=world.other_owner.pk)


def test_login_is_throttled_after_repeated_failures(world, settings):
    settings.SWITCHBOARD = {**settings.SWITCHBOARD, "LOGIN_FAILURES": "3/900"}
    email = world.user.user.email
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            services.login_attempt(email=email, password="wrong", client_ip="192.0.2.1")
    with pytest.raises(RateLimited) as limited:
        services.login_attempt(email=email, password=f.PASSWORD, client_ip="192.0.2.9")
    assert limited.value.retry_after > 0


def test_login_succeeds_with_the_right_password(world):
    assert (
        services.login_attempt(email=world.user.user.email.upper(), password=f.PASSWORD, client_ip="192.0.2.1")
        == world.user.user
    )


def test_password_reset_mail_only_for_known_addresses(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.password_reset_request(email="nobody@nowhere.test")
        services.password_reset_request(email=world.user.user.email)
    assert [m.to for m in mail.outbox] == [[world.user.user.email]]
    uid, token = link_in(mail.outbox[0])
    services.password_set(uidb64=uid, token=token, password="Quiet-River-8812", password_repeat="Quiet-River-8812")
    assert services.login_attempt(email=world.user.user.email, password="Quiet-River-8812", client_ip="192.0.2.1")


def test_password_reset_mails_are_limited_per_address(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            services.password_reset_request(email=world.user.user.email)
    assert len(mail.outbox) == 3


def test_mails_follow_the_recipients_language(world, django_capture_on_commit_callbacks):
    world.owner.user.language = "de"
    world.owner.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        membership = invite(world)
    assert membership.user.language == "de"  # new people inherit the inviter's language until they change it


def test_nobody_else_can_re_address_the_original_owner(world):
    """A second owner must not be able to point the original owner's login at their own mailbox."""
    second_owner = f.principal(f.member(world.customer, "owner"))
    with pytest.raises(PermissionDenied) as refused:
        services.member_update(
            principal=second_owner,
            membership_id=world.owner.pk,
            email="attacker@evil.test",
            first_name=world.owner.user.first_name,
            last_name=world.owner.user.last_name,
            role="owner",
        )
    assert refused.value.field == "email"
    assert User.objects.get(pk=world.owner.user_id).email != "attacker@evil.test"


def test_accounts_shared_with_another_organisation_keep_their_identity(world):
    """Inviting another tenant's user must not let this tenant rename that person there."""
    shared = services.member_invite(
        principal=f.principal(world.owner),
        email=world.other_owner.user.email,
        first_name="X",
        last_name="Y",
        role="user",
    )
    with pytest.raises(PermissionDenied):
        services.member_update(
            principal=f.principal(world.owner),
            membership_id=shared.pk,
            email=world.other_owner.user.email,
            first_name="Hacked",
            last_name="Name",
            role="read_only",
        )
    assert User.objects.get(pk=world.other_owner.user_id).first_name != "Hacked"
    services.member_update(
        principal=f.principal(world.owner),
        membership_id=shared.pk,
        email=world.other_owner.user.email,
        first_name=shared.user.first_name,
        last_name=shared.user.last_name,
        role="read_only",
    )  # the role stays this tenant's call
    assert Membership.objects.get(pk=shared.pk).role == "read_only"


def test_api_client_ids_are_not_mistaken_for_user_ids(world):
    from switchboard.tenancy.selectors import principal_for_api_client

    robot = principal_for_api_client(world.client)
    victim = f.member(world.customer, "user")
    assert robot.user_id is None
    services.member_remove(principal=robot, membership_id=victim.pk)
    assert not Membership.objects.filter(pk=victim.pk).exists()
