"""Admin of the RADIUS clients for the installation's superusers; sessions and Disconnect-Requests are read-only.

Changes of a RADIUS client go through the same service as the portal's and the API's (validated, audited), acting
as the superuser's membership in the operator's organisation; the shared secret is write-only here too.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from switchboard.core.admin import ReadOnlyAdmin, SuperuserAdmin
from switchboard.core.errors import DomainError
from switchboard.core.portal import form_error
from switchboard.core.principal import Principal
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import OrganisationKind

from . import services
from .models import Disconnect, NasClient, Session
from .portal.forms import NasClientForm


def operator_principal(request) -> Principal | None:
    """Who the superuser is in the operator's organisation; None for one who is no member there."""
    for membership in tenancy.memberships_of(user=request.user):
        if membership.organisation.kind == OrganisationKind.OPERATOR:
            return tenancy.principal_for_membership(membership)
    return None


class NasClientAdminForm(NasClientForm, forms.ModelForm):
    """The portal's form as the model form the admin wants. It copies nothing onto the model itself: validating it
    calls the service, which saves (the admin's view runs in one transaction) or refuses field by field."""

    principal: Principal | None = None

    class Meta:
        model = NasClient
        fields = ()

    def __init__(self, *args, instance: NasClient | None = None, **kwargs):
        super().__init__(*args, instance=instance, editing=instance is not None, **kwargs)
        if instance is not None:
            self.initial = {**self.initial_for(instance), **self.initial}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            if self.instance.pk is None:
                self.instance = services.nas_client_create(principal=self.principal, change=self.change())
            else:
                self.instance = services.nas_client_update(
                    principal=self.principal, client_id=self.instance.pk, change=self.change()
                )
        except DomainError as exc:
            form_error(self, exc)
        return cleaned


@admin.register(NasClient)
class NasClientAdmin(SuperuserAdmin):
    list_display = ("name", "network", "enabled", "require_message_authenticator", "disconnect_port")
    list_filter = ("enabled", "require_message_authenticator")
    search_fields = ("name", "network")

    def _acts_for_operator(self, request) -> bool:
        return request.user.is_superuser and operator_principal(request) is not None

    def has_add_permission(self, request):
        return self._acts_for_operator(request)

    def has_change_permission(self, request, obj=None):
        return self._acts_for_operator(request)

    def has_delete_permission(self, request, obj=None):
        return self._acts_for_operator(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        return type(NasClientAdminForm.__name__, (NasClientAdminForm,), {"principal": operator_principal(request)})

    def save_model(self, request, obj, form, change):
        """Nothing left to do: the service saved it when the form was validated."""

    def delete_model(self, request, obj):
        services.nas_client_delete(principal=operator_principal(request), client_id=obj.pk)

    def delete_queryset(self, request, queryset):
        principal = operator_principal(request)
        for client in queryset:
            services.nas_client_delete(principal=principal, client_id=client.pk)


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = (
        "acct_session_id",
        "nas",
        "imsi",
        "framed_ip",
        "started_at",
        "updated_at",
        "stopped_at",
        "input_octets",
        "output_octets",
    )
    list_filter = ("nas",)
    list_select_related = ("nas",)
    search_fields = ("=acct_session_id", "=imsi", "=framed_ip")
    show_full_result_count = False  # one row per session of every SIM: no COUNT(*) per page


@admin.register(Disconnect)
class DisconnectAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "session__nas__name",
        "session__acct_session_id",
        "sim_id",
        "reason",
        "status",
        "attempts",
        "finished_at",
    )
    list_filter = ("status", "reason")
    list_select_related = ("session__nas",)
