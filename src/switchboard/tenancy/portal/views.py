"""Account, Users and Organisation pages: forms in, services called, refusals shown in place."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from switchboard.core.errors import DomainError
from switchboard.core.portal import attempt, form_error, requires, submit
from switchboard.core.principal import Permission

from .. import selectors, services
from ..contracts import ASSIGNABLE_ROLES, KIND_LABELS, AddressData, Role
from .forms import (
    AddressForm,
    ApiClientForm,
    ChildOrganisationForm,
    MemberForm,
    OrganisationForm,
    ProfileForm,
)


def _posted(request: HttpRequest, action: str):
    """The data for the form whose submit button was pressed; None for the other forms on the page."""
    return request.POST if request.method == "POST" and request.POST.get("action") == action else None


def _address_initial(address) -> dict:
    return {f: getattr(address, f) for f in AddressForm.base_fields} if address else {}


@requires(Permission.VIEW)
def account(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    organisation = selectors.organisation_get(principal=principal)
    billing = selectors.addresses_list(principal=principal, kind="billing").first()
    user = request.user
    forms = {
        "organisation": OrganisationForm(
            _posted(request, "organisation"),
            prefix="org",
            initial={f: getattr(organisation, f) for f in OrganisationForm.base_fields},
        ),
        "profile": ProfileForm(
            _posted(request, "profile"),
            prefix="me",
            initial={"first_name": user.first_name, "last_name": user.last_name, "language": user.language},
        ),
        "billing": AddressForm(_posted(request, "billing"), prefix="billing", initial=_address_initial(billing)),
        "shipping": AddressForm(_posted(request, "shipping"), prefix="shipping"),
    }
    actions = {
        "organisation": lambda d: services.organisation_update(principal=principal, **d),
        "profile": lambda d: services.profile_update(principal=principal, **d),
        "billing": lambda d: services.billing_address_set(principal=principal, data=AddressData(**d)),
        "shipping": lambda d: services.address_create(principal=principal, data=AddressData(**d)),
    }
    action = request.POST.get("action") if request.method == "POST" else None
    if action in actions:
        done = submit(request, forms[action], actions[action], success=_("Saved."), then="tenancy:account")
        if done:
            return done
    return render(
        request,
        "tenancy/account.html",
        {
            "organisation": organisation,
            "forms": forms,
            "billing": billing,
            "shipping_addresses": selectors.addresses_list(principal=principal, kind="shipping"),
            "can_manage": principal.can(Permission.ACCOUNT_MANAGE),
        },
        status=400 if any(f.errors for f in forms.values()) else 200,
    )


@requires(Permission.ACCOUNT_MANAGE)
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    principal = request.principal
    address = selectors.address_get(principal=principal, address_id=address_id)
    form = AddressForm(request.POST or None, initial=_address_initial(address))
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: services.address_update(principal=principal, address_id=address.pk, data=AddressData(**d)),
            success=_("Address saved."),
            then="tenancy:account",
        )
        if done:
            return done
    return render(request, "tenancy/address_edit.html", {"form": form, "address": address})


@require_POST
@requires(Permission.ACCOUNT_MANAGE)
def address_remove(request: HttpRequest, address_id: int) -> HttpResponse:
    attempt(
        request,
        lambda: services.address_delete(principal=request.principal, address_id=address_id),
        success=_("Address removed."),
    )
    return redirect("tenancy:account")


@requires(Permission.VIEW)
def users(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    member_form = MemberForm(_posted(request, "member"), actor_role=principal.role)
    client_form = ApiClientForm(_posted(request, "api_client"))
    new_client = None
    if _posted(request, "member") is not None:
        done = submit(
            request,
            member_form,
            lambda d: services.member_invite(principal=principal, **d),
            success=_("User created. They will get an e-mail to set their password."),
            then="tenancy:users",
        )
        if done:
            return done
    elif _posted(request, "api_client") is not None and client_form.is_valid():
        try:
            new_client = services.api_client_create(principal=principal, **client_form.cleaned_data)
        except DomainError as exc:
            form_error(client_form, exc)
        else:
            client_form = ApiClientForm()
    manageable = [r.value for r in ASSIGNABLE_ROLES.get(Role(principal.role), ())]
    return render(
        request,
        "tenancy/users.html",
        {
            "members": selectors.members_list(principal=principal),
            "api_clients": selectors.api_clients_list(principal=principal),
            "member_form": member_form,
            "client_form": client_form,
            "new_client": new_client,
            "manageable_roles": manageable,
            "can_manage_users": principal.can(Permission.USERS_MANAGE) and bool(manageable),
            "can_manage_clients": principal.can(Permission.API_CLIENTS_MANAGE),
        },
        status=400 if member_form.errors or client_form.errors else 200,
    )


@requires(Permission.USERS_MANAGE)
def user_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    principal = request.principal
    member = selectors.member_get(principal=principal, membership_id=membership_id)
    form = MemberForm(
        request.POST or None,
        actor_role=principal.role,
        initial={
            "first_name": member.user.first_name,
            "last_name": member.user.last_name,
            "email": member.user.email,
            "role": member.role,
        },
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: services.member_update(principal=principal, membership_id=member.pk, **d),
            success=_("User saved."),
            then="tenancy:users",
        )
        if done:
            return done
    return render(
        request, "tenancy/user_edit.html", {"form": form, "member": member}, status=400 if form.errors else 200
    )


@require_POST
@requires(Permission.USERS_MANAGE)
def user_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    attempt(
        request,
        lambda: services.member_remove(principal=request.principal, membership_id=membership_id),
        success=_("User removed."),
    )
    return redirect("tenancy:users")


@require_POST
@requires(Permission.API_CLIENTS_MANAGE)
def api_client_revoke(request: HttpRequest, api_client_id: int) -> HttpResponse:
    attempt(
        request,
        lambda: services.api_client_revoke(principal=request.principal, api_client_id=api_client_id),
        success=_("API client revoked; its tokens no longer work."),
    )
    return redirect("tenancy:users")


@requires(Permission.VIEW)
def organisation(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    own = selectors.organisation_get(principal=principal)
    form = ChildOrganisationForm(_posted(request, "child"), parent_kind=own.kind)
    if _posted(request, "child") is not None:
        done = submit(
            request,
            form,
            lambda d: services.organisation_create_child(principal=principal, **d),
            success=_("Organisation created. Its owner will get an e-mail to set a password."),
            then="tenancy:organisation",
        )
        if done:
            return done
    return render(
        request,
        "tenancy/organisation.html",
        {
            "organisation": own,
            "children": [
                {**child, "kind_label": KIND_LABELS[child["kind"]]}
                for child in selectors.organisation_children(principal=principal)
            ],
            "form": form if form.fields["kind"].choices else None,
            "can_manage": principal.can(Permission.ORGANISATIONS_MANAGE),
        },
        status=400 if form.errors else 200,
    )
