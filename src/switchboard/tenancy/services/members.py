from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from switchboard.core import validation as v
from switchboard.core.errors import Conflict, NotFound, PermissionDenied
from switchboard.core.principal import Permission, Principal
from switchboard.events.services import emit

from ..contracts import ASSIGNABLE_ROLES, HUMAN_ROLES, Role
from ..models import Membership, Organisation, User
from ._common import audit

MEMBER_FIELDS = ("email", "first_name", "last_name", "role")


def clean_person(*, email: str, first_name: str, last_name: str, prefix: str = "") -> dict:
    return {
        "email": v.email(email, field=f"{prefix}email"),
        "first_name": v.text(first_name, field=f"{prefix}first_name", max_length=100),
        "last_name": v.text(last_name, field=f"{prefix}last_name", max_length=100),
    }


def _assignable(principal: Principal, role: str) -> str:
    allowed = [r.value for r in ASSIGNABLE_ROLES.get(Role(principal.role), ())]
    if not allowed:
        raise PermissionDenied(_("Your role does not allow managing users."))
    if role not in [r.value for r in HUMAN_ROLES]:  # API access is an API client, not a person's role
        return v.choice(role, field="role", allowed=allowed)
    if role not in allowed:
        raise PermissionDenied(
            _("Your role cannot assign the role %(role)s.") % {"role": Role(role).label},
            field="role",
            code="role_not_assignable",
        )
    return role


def _snapshot(membership: Membership) -> dict:
    user = membership.user
    return {"email": user.email, "first_name": user.first_name, "last_name": user.last_name, "role": membership.role}


def add_member(
    principal: Principal,
    organisation: Organisation,
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    original_owner: bool = False,
) -> Membership:
    """Give a person access to an organisation; a new person gets an account without a usable password."""
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(
            email, first_name=first_name, last_name=last_name, language=principal_language(principal)
        )
    elif Membership.objects.filter(user=user, organisation=organisation).exists():
        raise Conflict(
            _("%(email)s already has access to this organisation.") % {"email": email},
            field="email",
            code="already_member",
        )
    membership = Membership.objects.create(
        user=user, organisation=organisation, role=role, is_original_owner=original_owner
    )
    audit(principal, "member.added", membership, after=_snapshot(membership), organisation_id=organisation.pk)
    emit(
        "tenancy.member.added",
        organisation_id=organisation.pk,
        payload={"membership_id": membership.pk, "user_id": user.pk, "new_user": created},
    )
    return membership


def principal_language(principal: Principal) -> str:
    inviter = User.objects.filter(pk=principal.user_id).values_list("language", flat=True).first()
    return inviter or "en"


def _member(principal: Principal, membership_id: int) -> Membership:
    try:
        return (
            Membership.objects.select_for_update()
            .select_related("user")
            .get(pk=membership_id, organisation_id=principal.organisation_id)
        )
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("User not found."), field="user_id") from None


def _may_manage(principal: Principal, membership: Membership) -> None:
    if membership.role not in [r.value for r in ASSIGNABLE_ROLES.get(Role(principal.role), ())]:
        raise PermissionDenied(
            _("Your role cannot manage a user with the role %(role)s.") % {"role": Role(membership.role).label}
        )


@transaction.atomic
def member_invite(*, principal: Principal, email: str, first_name: str, last_name: str, role: str) -> Membership:
    principal.require(Permission.USERS_MANAGE)
    role = _assignable(principal, role)
    person = clean_person(email=email, first_name=first_name, last_name=last_name)
    organisation = Organisation.objects.get(pk=principal.organisation_id)
    return add_member(principal, organisation, role=role, **person)


@transaction.atomic
def member_update(
    *, principal: Principal, membership_id: int, email: str, first_name: str, last_name: str, role: str
) -> Membership:
    principal.require(Permission.USERS_MANAGE)
    membership = _member(principal, membership_id)
    _may_manage(principal, membership)
    role = _assignable(principal, role)
    person = clean_person(email=email, first_name=first_name, last_name=last_name)
    if membership.is_original_owner and role != Role.OWNER:
        raise PermissionDenied(_("The original owner cannot be demoted."), field="role", code="original_owner")
    user = membership.user
    changed = [name for name in ("email", "first_name", "last_name") if person[name] != getattr(user, name)]
    if changed and not _identity_editable(principal, membership):
        raise PermissionDenied(
            _("Only this person can change their own name and login e-mail."),
            field=changed[0],
            code="identity_locked",
        )
    if "email" in changed and User.objects.filter(email=person["email"]).exclude(pk=user.pk).exists():
        raise Conflict(_("Another account already uses this e-mail address."), field="email", code="email_taken")
    before = _snapshot(membership)
    for name in ("email", "first_name", "last_name"):
        setattr(user, name, person[name])
    user.save()
    membership.role = role
    membership.save()
    audit(principal, "member.updated", membership, before=before, after=_snapshot(membership))
    return membership


def _identity_editable(principal: Principal, membership: Membership) -> bool:
    """Whoever manages users may rename and re-address only accounts that exist for this organisation alone;
    otherwise one tenant could rename another's user, or take over an owner's or staff login by e-mail."""
    user = membership.user
    if user.pk == principal.user_id:
        return True
    shared = user.memberships.exclude(pk=membership.pk).exists()
    return not (shared or membership.is_original_owner or user.is_staff or user.is_superuser)


@transaction.atomic
def member_remove(*, principal: Principal, membership_id: int) -> None:
    principal.require(Permission.USERS_MANAGE)
    membership = _member(principal, membership_id)
    if membership.is_original_owner:
        raise PermissionDenied(_("The original owner cannot be removed."), code="original_owner")
    if membership.user_id == principal.user_id:
        raise PermissionDenied(_("You cannot remove yourself."), code="self")
    _may_manage(principal, membership)
    audit(principal, "member.removed", membership, before=_snapshot(membership))
    user = membership.user
    membership.delete()
    if not user.is_staff and not user.memberships.exists():
        user.delete()  # a person with no organisation left has no reason to keep a login
